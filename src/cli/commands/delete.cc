// `delete [-v version] path`: deletes a znode without children, if its version matches -v.
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

Outcome RunDelete(const Invocation& inv, Context& ctx) {
  const std::string& path = inv.args[0];
  if (!PathOk(ctx, path)) return Outcome::kFailed;
  std::optional<int32_t> version = VersionFlag(inv, ctx);
  if (!version) return Outcome::kFailed;
  Reply<Empty> r = ctx.client->Delete(path, *version);
  if (!r.ok()) return Failed(ctx, r.error, path);
  ctx.out->Done();
  return Outcome::kOk;
}

}  // namespace

const Command& DeleteCommand() {
  static const Command kCommand{{"delete",
                                 "delete [-v version] path",
                                 "delete a znode that has no children",
                                 {{'v', "version"}},
                                 1,
                                 1},
                                RunDelete};
  return kCommand;
}

}  // namespace paddock::cli
