// `addauth scheme [auth]`: adds credentials to the session (e.g. digest user:password); the
// client resends them after every reconnect.
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

Outcome RunAddAuth(const Invocation& inv, Context& ctx) {
  std::string auth = inv.args.size() > 1 ? inv.args[1] : "";
  Reply<Empty> r = ctx.client->AddAuth(inv.args[0], auth);
  if (!r.ok()) return Failed(ctx, r.error, "");
  ctx.out->Done();
  return Outcome::kOk;
}

}  // namespace

const Command& AddAuthCommand() {
  static const Command kCommand{{"addauth",
                                 "addauth scheme auth",
                                 "add credentials, e.g. addauth digest alice:secret",
                                 {},
                                 1,
                                 2},
                                RunAddAuth};
  return kCommand;
}

}  // namespace paddock::cli
