// `ls [-s] [-w] [-R] path`: a znode's children, sorted; -s adds its Stat, -w sets a child
// watch, -R lists the whole subtree instead.
//
// -R prints what zkCli prints (ZKUtil.visitSubTreeDFS): the node, then for each node its
// sorted children's paths followed by each child's own listing. A node deleted meanwhile is
// skipped; any other error stops the listing.
#include <algorithm>

#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

// Appends the listing below `path` to *out; returns the first error other than kNoNode.
Error ListBelow(Context& ctx, const std::string& path, const Watcher& watcher,
                std::vector<std::string>* out, std::string* failed_path) {
  Reply<ChildrenResult> r = ctx.client->GetChildren(path, watcher);
  if (r.error == Error::kNoNode) return Error::kOk;
  if (!r.ok()) {
    *failed_path = path;
    return r.error;
  }
  std::vector<std::string> children = r.value.children;
  std::sort(children.begin(), children.end());
  for (const std::string& c : children) out->push_back(ChildPath(path, c));
  for (const std::string& c : children) {
    Error e = ListBelow(ctx, ChildPath(path, c), watcher, out, failed_path);
    if (e != Error::kOk) return e;
  }
  return Error::kOk;
}

Outcome RunRecursive(const Invocation& inv, Context& ctx) {
  const std::string& path = inv.args[0];
  Watcher watcher = WatcherIf(inv.Has('w'), ctx);
  Reply<Stat> root = ctx.client->Exists(path, watcher);
  if (!root.ok()) return Failed(ctx, root.error, path);
  std::vector<std::string> paths{path};
  std::string failed_path;
  Error e = ListBelow(ctx, path, watcher, &paths, &failed_path);
  if (e != Error::kOk) return Failed(ctx, e, failed_path);
  ctx.out->Tree(path, paths);
  return Outcome::kOk;
}

Outcome RunLs(const Invocation& inv, Context& ctx) {
  const std::string& path = inv.args[0];
  if (!PathOk(ctx, path)) return Outcome::kFailed;
  if (inv.Has('R')) return RunRecursive(inv, ctx);
  Reply<ChildrenResult> r = ctx.client->GetChildren(path, WatcherIf(inv.Has('w'), ctx));
  if (!r.ok()) return Failed(ctx, r.error, path);
  ctx.out->Children(path, r.value, inv.Has('s'));
  return Outcome::kOk;
}

}  // namespace

const Command& LsCommand() {
  static const Command kCommand{
      {"ls",
       "ls [-s] [-w] [-R] path",
       "list a znode's children (-s: and its Stat; -w: watch them; -R: the whole subtree)",
       {{'s', ""}, {'w', ""}, {'R', ""}},
       1,
       1},
      RunLs};
  return kCommand;
}

}  // namespace paddock::cli
