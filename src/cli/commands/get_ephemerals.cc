// `getEphemerals [path]`: this session's ephemeral znodes whose paths start with path ("/").
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

Outcome RunGetEphemerals(const Invocation& inv, Context& ctx) {
  std::string prefix = inv.args.empty() ? "/" : inv.args[0];
  if (!PathOk(ctx, prefix)) return Outcome::kFailed;
  Reply<std::vector<std::string>> r = ctx.client->GetEphemerals(prefix);
  if (!r.ok()) return Failed(ctx, r.error, prefix);
  ctx.out->Ephemerals(prefix, r.value);
  return Outcome::kOk;
}

}  // namespace

const Command& GetEphemeralsCommand() {
  static const Command kCommand{
      {"getEphemerals",
       "getEphemerals path",
       "list this session's ephemeral znodes under a path prefix (default /)",
       {},
       0,
       1},
      RunGetEphemerals};
  return kCommand;
}

}  // namespace paddock::cli
