// `getAcl [-s] path`: a znode's ACL, one entry as two lines ('scheme,'id then : perms).
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

Outcome RunGetAcl(const Invocation& inv, Context& ctx) {
  const std::string& path = inv.args[0];
  if (!PathOk(ctx, path)) return Outcome::kFailed;
  Reply<AclResult> r = ctx.client->GetAcl(path);
  if (!r.ok()) return Failed(ctx, r.error, path);
  ctx.out->AclOf(path, r.value, inv.Has('s'));
  return Outcome::kOk;
}

}  // namespace

const Command& GetAclCommand() {
  static const Command kCommand{
      {"getAcl", "getAcl [-s] path", "print a znode's ACL (-s: and its Stat)", {{'s', ""}}, 1, 1},
      RunGetAcl};
  return kCommand;
}

}  // namespace paddock::cli
