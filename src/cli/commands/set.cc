// `set [-s] [-v version] path data`: replaces a znode's data, if its version matches -v.
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

Outcome RunSet(const Invocation& inv, Context& ctx) {
  const std::string& path = inv.args[0];
  if (!PathOk(ctx, path)) return Outcome::kFailed;
  std::optional<int32_t> version = VersionFlag(inv, ctx);
  if (!version) return Outcome::kFailed;
  Reply<Stat> r = ctx.client->SetData(path, inv.args[1], *version);
  if (!r.ok()) return Failed(ctx, r.error, path);
  ctx.out->Written(path, r.value, inv.Has('s'));
  return Outcome::kOk;
}

}  // namespace

const Command& SetCommand() {
  static const Command kCommand{
      {"set",
       "set [-s] [-v version] path data",
       "replace a znode's data (-v: only at that version; -s: print the new Stat)",
       {{'s', ""}, {'v', "version"}},
       2,
       2},
      RunSet};
  return kCommand;
}

}  // namespace paddock::cli
