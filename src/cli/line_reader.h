// cli/line_reader.h: where the interactive shell's lines come from.
//
// On a terminal: libedit (BSD editline) with line editing and a history kept in
// ~/.paddock_cli_history. Otherwise (stdin is a pipe or a file, as when a script feeds
// commands): plain line reads with no prompt and no history, as zkCli does without JLine.
// Not thread-safe: one reader, used by the shell's thread.
#pragma once

#include <optional>
#include <string>

namespace paddock::cli {

class LineReader {
 public:
  LineReader();
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without its newline, or nullopt at end of input.
  std::optional<std::string> Read(const std::string& prompt);
  bool interactive() const { return tty_; }

 private:
  bool tty_ = false;
  std::string history_path_;
};

}  // namespace paddock::cli
