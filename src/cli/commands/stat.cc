// `stat [-w] path`: a znode's Stat; with -w an exists watch.
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

Outcome RunStat(const Invocation& inv, Context& ctx) {
  const std::string& path = inv.args[0];
  if (!PathOk(ctx, path)) return Outcome::kFailed;
  Reply<Stat> r = ctx.client->Exists(path, WatcherIf(inv.Has('w'), ctx));
  if (!r.ok()) return Failed(ctx, r.error, path);
  ctx.out->StatOf(path, r.value);
  return Outcome::kOk;
}

}  // namespace

const Command& StatCommand() {
  static const Command kCommand{
      {"stat", "stat [-w] path", "print a znode's Stat (-w: watch it)", {{'w', ""}}, 1, 1},
      RunStat};
  return kCommand;
}

}  // namespace paddock::cli
