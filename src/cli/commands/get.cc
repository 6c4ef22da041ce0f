// `get [-s] [-w] path`: a znode's data; with -s its Stat too; with -w a data watch.
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

Outcome RunGet(const Invocation& inv, Context& ctx) {
  const std::string& path = inv.args[0];
  if (!PathOk(ctx, path)) return Outcome::kFailed;
  Reply<DataResult> r = ctx.client->GetData(path, WatcherIf(inv.Has('w'), ctx));
  if (!r.ok()) return Failed(ctx, r.error, path);
  ctx.out->Data(path, r.value, inv.Has('s'));
  return Outcome::kOk;
}

}  // namespace

const Command& GetCommand() {
  static const Command kCommand{{"get",
                                 "get [-s] [-w] path",
                                 "print a znode's data (-s: and its Stat; -w: watch it)",
                                 {{'s', ""}, {'w', ""}},
                                 1,
                                 1},
                                RunGet};
  return kCommand;
}

}  // namespace paddock::cli
