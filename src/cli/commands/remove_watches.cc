// `removewatches path [-c|-d|-a]`: removes this session's watches on path: child (-c), data
// (-d) or any (-a, the default). zkCli's -l (local only) is not offered: the client API
// removes on the server as well.
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

Outcome RunRemoveWatches(const Invocation& inv, Context& ctx) {
  WatcherType type = WatcherType::kAny;
  if (inv.Has('c')) {
    type = WatcherType::kChildren;
  } else if (inv.Has('d')) {
    type = WatcherType::kData;
  }
  const std::string& path = inv.args[0];
  if (!PathOk(ctx, path)) return Outcome::kFailed;
  Reply<Empty> r = ctx.client->RemoveWatches(path, type);
  if (!r.ok()) return Failed(ctx, r.error, path);
  ctx.out->Done();
  return Outcome::kOk;
}

}  // namespace

const Command& RemoveWatchesCommand() {
  static const Command kCommand{
      {"removewatches",
       "removewatches path [-c|-d|-a]",
       "remove this session's child (-c), data (-d) or any (-a) watches on a path",
       {{'c', ""}, {'d', ""}, {'a', ""}},
       1,
       1},
      RunRemoveWatches};
  return kCommand;
}

}  // namespace paddock::cli
