// `sync path`: waits until the server has every write committed before the request.
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

Outcome RunSync(const Invocation& inv, Context& ctx) {
  const std::string& path = inv.args[0];
  if (!PathOk(ctx, path)) return Outcome::kFailed;
  Reply<std::string> r = ctx.client->Sync(path);
  if (!r.ok()) {
    return FailedText(ctx, "Sync has failed. rc=" + std::to_string(static_cast<int>(r.error)), path,
                      "SYNC");
  }
  ctx.out->Synced(path);
  return Outcome::kOk;
}

}  // namespace

const Command& SyncCommand() {
  static const Command kCommand{
      {"sync", "sync path", "wait until the server has caught up with the leader", {}, 1, 1},
      RunSync};
  return kCommand;
}

}  // namespace paddock::cli
