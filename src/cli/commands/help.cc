// `help`: every command's usage line.
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

Outcome RunHelp(const Invocation&, Context& ctx) {
  std::vector<const CommandSpec*> specs;
  for (const Command* c : AllCommands()) specs.push_back(&c->spec);
  ctx.out->Help(specs);
  return Outcome::kOk;
}

}  // namespace

const Command& HelpCommand() {
  static const Command kCommand{
      {"help", "help", "list the commands", {}, 0, 0}, RunHelp, /*local=*/true};
  return kCommand;
}

}  // namespace paddock::cli
