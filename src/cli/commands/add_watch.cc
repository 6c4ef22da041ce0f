// `addWatch [-m mode] path`: a persistent watch; mode PERSISTENT (the node only) or
// PERSISTENT_RECURSIVE (the node and everything below; zkCli's default).
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

constexpr std::string_view kUsage =
    "addWatch [-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - "
    "default is PERSISTENT_RECURSIVE";

Outcome RunAddWatch(const Invocation& inv, Context& ctx) {
  AddWatchMode mode = AddWatchMode::kPersistentRecursive;
  if (inv.Has('m')) {
    std::string m = inv.Value('m');
    if (m == "PERSISTENT") {
      mode = AddWatchMode::kPersistent;
    } else if (m != "PERSISTENT_RECURSIVE") {
      return FailedText(ctx, std::string(kUsage), "", "USAGE");
    }
  }
  const std::string& path = inv.args[0];
  if (!PathOk(ctx, path)) return Outcome::kFailed;
  Reply<Empty> r = ctx.client->AddWatch(path, mode, ctx.watcher);
  if (!r.ok()) return Failed(ctx, r.error, path);
  ctx.out->Done();
  return Outcome::kOk;
}

}  // namespace

const Command& AddWatchCommand() {
  static const Command kCommand{{"addWatch",
                                 kUsage,
                                 "add a persistent (or persistent recursive) watch",
                                 {{'m', "mode"}},
                                 1,
                                 1},
                                RunAddWatch};
  return kCommand;
}

}  // namespace paddock::cli
