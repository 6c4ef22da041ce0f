#include "cli/tokenizer.h"

namespace paddock::cli {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Appends the body of a "..." whose first character is at `start`; returns the index of the
// closing quote.
Result<size_t> ReadDoubleQuoted(std::string_view line, size_t start, std::string* word) {
  for (size_t i = start; i < line.size(); ++i) {
    char c = line[i];
    if (c == '"') return i;
    bool escape = c == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\');
    if (escape) ++i;
    word->push_back(line[i]);
  }
  return Status::Error("unterminated double quote");
}

// Appends the body of a '...' whose first character is at `start`; returns the index of the
// closing quote.
Result<size_t> ReadSingleQuoted(std::string_view line, size_t start, std::string* word) {
  size_t end = line.find('\'', start);
  if (end == std::string_view::npos) return Status::Error("unterminated single quote");
  word->append(line.substr(start, end - start));
  return end;
}

// Appends the piece of a word starting at line[i]; returns the index of its last character.
Result<size_t> ReadPiece(std::string_view line, size_t i, std::string* word) {
  char c = line[i];
  if (c == '\'') return ReadSingleQuoted(line, i + 1, word);
  if (c == '"') return ReadDoubleQuoted(line, i + 1, word);
  if (c == '\\') {
    if (i + 1 == line.size()) return Status::Error("trailing backslash");
    word->push_back(line[i + 1]);
    return i + 1;
  }
  word->push_back(c);
  return i;
}

}  // namespace

Result<std::vector<std::string>> SplitWords(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (IsBlank(line[i])) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    Result<size_t> last = ReadPiece(line, i, &word);
    if (!last.ok()) return last.status();
    i = *last;
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace paddock::cli
