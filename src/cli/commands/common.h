// cli/commands/common.h: what several commands share: reporting failures in zkCli's words,
// checking paths and versions before sending them, and walking a subtree.
//
// Every function that returns false or Outcome::kFailed has already printed why.
// Thread-compatible; called on the shell's thread only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"

namespace paddock::cli {

// Prints `error` on `path` as zkCli words it ("Node does not exist: /x"); returns kFailed.
Outcome Failed(Context& ctx, Error error, const std::string& path);
// Prints a failure found by the shell itself (code "CLIENT" unless given); returns kFailed.
Outcome FailedText(Context& ctx, const std::string& message, const std::string& path = "",
                   const std::string& code = "CLIENT");

// True if `path` is valid (see cli/path_check.h); otherwise prints the reason.
bool PathOk(Context& ctx, const std::string& path, bool sequential = false);

// The -v flag as a version: -1 when absent; nullopt (printed) when not an int32.
std::optional<int32_t> VersionFlag(const Invocation& inv, Context& ctx);

// ctx.watcher when `want` (-w given), else an empty watcher.
Watcher WatcherIf(bool want, const Context& ctx);

// "/a" + "b" -> "/a/b"; "/" + "b" -> "/b".
std::string ChildPath(const std::string& parent, const std::string& child);

// The subtree under `root`, root first, breadth first (ZooKeeper's ZKUtil.listSubTreeBFS).
struct Subtree {
  Error error = Error::kOk;
  std::string failed_path;  // where `error` happened
  std::vector<std::string> paths;
};
Subtree ListSubtree(Client& client, const std::string& root);

}  // namespace paddock::cli
