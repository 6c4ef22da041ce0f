// cli/error_text.h: how the shell words a failed request, in zkCli 3.8's words.
//
// zkCli prints a handful of codes its own way ("Node does not exist: /x", "version No is not
// valid : /x", ...; the odd spacing is zkCli's) and the rest as KeeperException's message,
// "KeeperErrorCode = <description> for /x". Scripts should not parse these: --json carries
// the code.
//
// Pure; thread-compatible.
#pragma once

#include <string>
#include <string_view>

#include "paddock/types.h"

namespace paddock::cli {

// The line zkCli prints when a request on `path` fails with `error`.
std::string ErrorText(Error error, std::string_view path);

// ZooKeeper's code name: "NONODE", "BADVERSION", ...; "UNKNOWN" for a number it does not know.
// (Kept here rather than using the client library's ErrorName so that the shell's printers do
// not depend on the library.)
std::string ErrorCodeName(Error error);

}  // namespace paddock::cli
