#include "cli/line_reader.h"

#include <editline/readline.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace paddock::cli {
namespace {

constexpr int kHistoryLinesMax = 1000;

}  // namespace

LineReader::LineReader() : tty_(isatty(STDIN_FILENO) == 1) {
  if (!tty_) return;
  const char* home = std::getenv("HOME");
  if (home != nullptr) history_path_ = std::string(home) + "/.paddock_cli_history";
  using_history();
  stifle_history(kHistoryLinesMax);
  if (!history_path_.empty()) read_history(history_path_.c_str());
}

LineReader::~LineReader() {
  if (tty_ && !history_path_.empty()) write_history(history_path_.c_str());
}

std::optional<std::string> LineReader::Read(const std::string& prompt) {
  if (!tty_) {
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    return line;
  }
  char* raw = readline(prompt.c_str());
  if (raw == nullptr) return std::nullopt;
  std::string line(raw);
  std::free(raw);
  if (line.find_first_not_of(" \t") != std::string::npos) add_history(line.c_str());
  return line;
}

}  // namespace paddock::cli
