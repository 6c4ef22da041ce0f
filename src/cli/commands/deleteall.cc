// `deleteall path [-b batch size]`: deletes a znode and everything under it.
//
// As ZooKeeper's ZKUtil.deleteRecursive: list the subtree breadth first, then delete it
// deepest first in multi requests of at most `batch size` deletes (default 1000). A node
// created meanwhile makes a batch fail ("Failed to delete some node(s) in the subtree!").
#include "cli/commands/commands.h"
#include "cli/commands/common.h"
#include "cli/parser.h"

namespace paddock::cli {
namespace {

constexpr long long kBatchDefault = 1000;

bool DeleteInBatches(Client& client, const std::vector<std::string>& paths, size_t batch) {
  std::vector<Op> ops;
  for (auto it = paths.rbegin(); it != paths.rend(); ++it) {
    ops.push_back(Op::Delete(*it, -1));
    if (ops.size() == batch || it + 1 == paths.rend()) {
      if (!client.Multi(ops).ok()) return false;
      ops.clear();
    }
  }
  return true;
}

Outcome RunDeleteAll(const Invocation& inv, Context& ctx) {
  const std::string& path = inv.args[0];
  if (!PathOk(ctx, path)) return Outcome::kFailed;
  long long batch = kBatchDefault;
  if (inv.Has('b')) {
    Result<long long> b = ParseInteger(inv.Value('b'), "batch size", 1, 1000000);
    if (!b.ok()) return FailedText(ctx, b.status().message(), "", "USAGE");
    batch = *b;
  }
  Subtree tree = ListSubtree(*ctx.client, path);
  if (tree.error != Error::kOk) return Failed(ctx, tree.error, tree.failed_path);
  if (!DeleteInBatches(*ctx.client, tree.paths, static_cast<size_t>(batch))) {
    return FailedText(ctx, "Failed to delete some node(s) in the subtree!", path);
  }
  ctx.out->Done();
  return Outcome::kOk;
}

}  // namespace

const Command& DeleteAllCommand() {
  static const Command kCommand{
      {"deleteall",
       "deleteall path [-b batch size]",
       "delete a znode and its whole subtree (in multi batches of -b deletes)",
       {{'b', "batch size"}},
       1,
       1},
      RunDeleteAll};
  return kCommand;
}

}  // namespace paddock::cli
