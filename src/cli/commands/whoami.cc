// `whoami`: the identities the server gives this session (ip, digest user, ...).
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

Outcome RunWhoAmI(const Invocation&, Context& ctx) {
  Reply<std::vector<ClientInfo>> r = ctx.client->WhoAmI();
  if (!r.ok()) return Failed(ctx, r.error, "");
  ctx.out->Identities(r.value);
  return Outcome::kOk;
}

}  // namespace

const Command& WhoAmICommand() {
  static const Command kCommand{
      {"whoami", "whoami", "print the identities of this session", {}, 0, 0}, RunWhoAmI};
  return kCommand;
}

}  // namespace paddock::cli
