// cli/shell.h: from words to a finished command. This is where the parser (cli/parser.h) and
// the commands (cli/commands/) meet, and where outcomes become exit statuses:
//
//   0    the command succeeded
//   1    it failed (a request error, a bad argument, a bad path, ...)
//   127  no such command (zkCli's status for it)
//
// Prepare() needs no connection, so one-shot mode can reject a bad command line before
// connecting. Thread-compatible; run on one thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/command.h"

namespace paddock::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUnknownCommand = 127;

struct Prepared {
  const Command* command = nullptr;  // nullptr: rejected (already printed), see exit_status
  Invocation invocation;
  int exit_status = kExitOk;
};

// Looks up words[0] and parses the rest against its spec; prints the problem on failure.
// REQUIRES: !words.empty().
Prepared Prepare(const std::vector<std::string>& words, Printer& out);

struct Ran {
  int exit_status = kExitOk;
  bool quit = false;
};

// Runs a prepared command. REQUIRES: p.command != nullptr.
Ran Execute(const Prepared& p, Context& ctx);

// Splits, prepares and runs one line of input; a blank line or a line starting with '#' does
// nothing and succeeds.
Ran RunLine(std::string_view line, Context& ctx);

}  // namespace paddock::cli
