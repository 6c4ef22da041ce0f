// `quit` (or `exit`): closes the session and leaves the shell.
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

Outcome RunQuit(const Invocation&, Context&) { return Outcome::kQuit; }

}  // namespace

const Command& QuitCommand() {
  static const Command kCommand{
      {"quit", "quit", "close the session and leave", {}, 0, 0}, RunQuit, /*local=*/true};
  return kCommand;
}

}  // namespace paddock::cli
