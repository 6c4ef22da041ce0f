// cli/parser.h: turns the words of one command into an Invocation, checked against its spec.
//
// Flag rules (those of zkCli's commons-cli parser, plus grouping): flags may come anywhere
// among the arguments (`create /t -t 10` works); switches may be grouped (`-se`); a flag with a
// value takes the rest of its word (`-v3`) or else the next word, whatever it looks like
// (`-v -1`); `--` ends the flags, so `set -- /x -data` sets "-data"; a lone `-` is an argument.
//
// Pure; thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "cli/command_spec.h"

namespace paddock::cli {

// REQUIRES: words is not empty; words[0] names the command (any spelling: it is copied into
// Invocation::name as given). Fails with "Unrecognized option: -x", "Missing argument for
// option: v" (each followed by a line with the usage), or with just the usage line when the
// number of positional arguments is wrong.
Result<Invocation> ParseInvocation(const CommandSpec& spec, const std::vector<std::string>& words);

// Parses a decimal integer that must fit in [min, max]; `what` names it in the error
// ("version must be an integer: abc").
Result<long long> ParseInteger(const std::string& text, const std::string& what, long long min,
                               long long max);

}  // namespace paddock::cli
