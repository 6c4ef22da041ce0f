#include "cli/parser.h"

#include <cerrno>
#include <cstdlib>

namespace paddock::cli {
namespace {

const FlagSpec* FindFlag(const CommandSpec& spec, char name) {
  for (const FlagSpec& f : spec.flags) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Status UsageError(const CommandSpec& spec, const std::string& what) {
  return Status::Error(what + "\n" + std::string(spec.usage));
}

// Parses the flag word words[*i] (it starts with '-' and is longer than 1), advancing *i past a
// value taken from the next word.
Status ParseFlagWord(const CommandSpec& spec, const std::vector<std::string>& words, size_t* i,
                     Invocation* inv) {
  const std::string& word = words[*i];
  for (size_t k = 1; k < word.size(); ++k) {
    const FlagSpec* flag = FindFlag(spec, word[k]);
    if (flag == nullptr) return UsageError(spec, "Unrecognized option: -" + word.substr(k));
    if (flag->value_name.empty()) {
      inv->flags[flag->name] = "";
      continue;
    }
    if (k + 1 < word.size()) {
      inv->flags[flag->name] = word.substr(k + 1);
    } else if (*i + 1 < words.size()) {
      inv->flags[flag->name] = words[++*i];
    } else {
      return UsageError(spec, std::string("Missing argument for option: ") + flag->name);
    }
    return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace

Result<Invocation> ParseInvocation(const CommandSpec& spec, const std::vector<std::string>& words) {
  PADDOCK_ASSERT(!words.empty());
  Invocation inv;
  inv.name = words[0];
  bool flags_done = false;
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (!flags_done && word == "--") {
      flags_done = true;
    } else if (!flags_done && word.size() > 1 && word[0] == '-') {
      Status s = ParseFlagWord(spec, words, &i, &inv);
      if (!s.ok()) return s;
    } else {
      inv.args.push_back(word);
    }
  }
  if (inv.args.size() < spec.args_min || inv.args.size() > spec.args_max) {
    return Status::Error(std::string(spec.usage));
  }
  return inv;
}

Result<long long> ParseInteger(const std::string& text, const std::string& what, long long min,
                               long long max) {
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  bool whole = !text.empty() && end != nullptr && *end == '\0';
  if (!whole || errno == ERANGE) return Status::Error(what + " must be an integer: " + text);
  if (v < min || v > max) {
    return Status::Error(what + " must be between " + std::to_string(min) + " and " +
                         std::to_string(max) + ": " + text);
  }
  return v;
}

}  // namespace paddock::cli
