#include "cli/commands/common.h"

#include <deque>
#include <limits>

#include "cli/error_text.h"
#include "cli/parser.h"
#include "cli/path_check.h"

namespace paddock::cli {

Outcome Failed(Context& ctx, Error error, const std::string& path) {
  ctx.out->Failure(
      CliError{ErrorCodeName(error), static_cast<int32_t>(error), ErrorText(error, path), path});
  return Outcome::kFailed;
}

Outcome FailedText(Context& ctx, const std::string& message, const std::string& path,
                   const std::string& code) {
  ctx.out->Failure(CliError{code, 0, message, path});
  return Outcome::kFailed;
}

bool PathOk(Context& ctx, const std::string& path, bool sequential) {
  Status s = ValidatePath(path, sequential);
  if (s.ok()) return true;
  FailedText(ctx, s.message(), path, "BADPATH");
  return false;
}

std::optional<int32_t> VersionFlag(const Invocation& inv, Context& ctx) {
  if (!inv.Has('v')) return -1;
  Result<long long> v =
      ParseInteger(inv.Value('v'), "version", -1, std::numeric_limits<int32_t>::max());
  if (!v.ok()) {
    FailedText(ctx, v.status().message(), "", "USAGE");
    return std::nullopt;
  }
  return static_cast<int32_t>(*v);
}

Watcher WatcherIf(bool want, const Context& ctx) { return want ? ctx.watcher : Watcher(); }

std::string ChildPath(const std::string& parent, const std::string& child) {
  return parent == "/" ? "/" + child : parent + "/" + child;
}

Subtree ListSubtree(Client& client, const std::string& root) {
  Subtree tree;
  std::deque<std::string> queue{root};
  while (!queue.empty()) {
    std::string path = std::move(queue.front());
    queue.pop_front();
    Reply<ChildrenResult> r = client.GetChildren(path);
    if (!r.ok()) {
      tree.error = r.error;
      tree.failed_path = path;
      return tree;
    }
    for (const std::string& child : r.value.children) queue.push_back(ChildPath(path, child));
    tree.paths.push_back(std::move(path));
  }
  return tree;
}

}  // namespace paddock::cli
