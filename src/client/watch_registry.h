// The client's watch tables: which watcher callbacks wait for which event on which path.
//
// One-shot tables (data, exist, child) are filled when a read that asked for a watch succeeds
// (exists also on NONODE); persistent and recursive ones by addWatch. An event from the server
// picks the watchers it concerns, ZooKeeper's client rules:
//
//   NodeCreated, NodeDataChanged   data + exist watchers of the path
//   NodeDeleted                    data + exist + child watchers of the path
//   NodeChildrenChanged            child watchers of the path
//   any type                       persistent watchers of the path
//   any type but ChildrenChanged   recursive watchers of the path or an ancestor
//
// One-shot watchers are removed as they fire. Paths here are client paths (chroot stripped).
// Not thread-safe: owned by the client's event thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "paddock/client.h"

namespace paddock::client {

class WatchRegistry {
 public:
  enum class Kind { kData, kExist, kChild, kPersistent, kRecursive };

  void Add(Kind kind, const std::string& path, Watcher watcher);
  // The watchers an event fires, in registration order; one-shot ones are removed.
  std::vector<Watcher> Take(EventType type, const std::string& path);
  // Removes the watchers of `type` on path; false if there were none.
  bool Remove(const std::string& path, WatcherType type);
  bool Has(const std::string& path, WatcherType type) const;
  // Paths per table, for setWatches2 after a reconnect.
  std::vector<std::string> Paths(Kind kind) const;
  bool empty() const;
  void Clear();

 private:
  std::map<std::string, std::vector<Watcher>>& Table(Kind kind);
  const std::map<std::string, std::vector<Watcher>>& Table(Kind kind) const;
  static void Move(std::map<std::string, std::vector<Watcher>>& table, const std::string& path,
                   std::vector<Watcher>* out);

  std::map<std::string, std::vector<Watcher>> data_, exist_, child_, persistent_, recursive_;
};

}  // namespace paddock::client
