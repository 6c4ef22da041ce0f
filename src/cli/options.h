// cli/options.h: paddock-cli's own command line (before the command, if any).
//
//   paddock-cli [-server HOSTS] [-timeout MS] [-r] [--json] [CMD ARGS...]
//   paddock-cli --version
//
// zkCli's spellings (`-server`, `-timeout`, `-r`) and the GNU ones (`--server`, `--server=H`,
// `--timeout`, `--read-only`) are both accepted. The first word that is not an option starts
// the command; with no command the shell is interactive.
//
// Pure; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace paddock::cli {

struct Options {
  std::string server = "localhost:2181";  // connection string, with an optional chroot
  int64_t timeout_ms = 30000;             // session timeout asked for (zkCli's default)
  bool read_only = false;                 // may a read-only server serve us
  bool json = false;                      // --json: one JSON document per command
  bool help = false;
  bool version = false;  // --version: print the version line and exit
  std::vector<std::string> command;  // one-shot command and its arguments; empty: shell
};

// `args` excludes the program name. Fails on an unknown option or a missing or bad value.
Result<Options> ParseOptions(const std::vector<std::string>& args);

// The usage text printed by --help and after an option error.
std::string OptionsUsage();

}  // namespace paddock::cli
