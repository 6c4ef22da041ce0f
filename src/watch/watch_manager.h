// Watch tables: which connections watch which paths, and who is told when something changes.
//
// Two tables, as in ZooKeeper (reference §7.2): the data table (getData and exists watches) and
// the child table (getChildren watches). addWatch registers a persistent or persistent-recursive
// watch in both. A (watcher, path) pair appears once per table; registering again replaces its
// mode (the last registration wins, as in ZooKeeper).
//
// Trigger matrix (reference §7.3), for an event on path P:
//
//   event                 data table at P      child table at P         ancestors of P
//   NodeCreated           notify               -                        recursive watchers
//   NodeDataChanged       notify               -                        recursive watchers
//   NodeDeleted           notify               notify (unless already)  recursive watchers
//   NodeChildrenChanged   -                    notify (not recursive)   -
//
// Standard watches are removed when they fire; persistent ones stay. Each watcher is notified at
// most once per event. Pure; not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "proto/codes.h"

namespace paddock::watch {

using WatcherId = int64_t;

enum class Table { kData, kChild };
enum class Mode { kStandard, kPersistent, kPersistentRecursive };

class WatchManager {
 public:
  void Add(Table table, const std::string& path, WatcherId watcher, Mode mode);
  // Removes one registration; false if it was not there.
  bool Remove(Table table, const std::string& path, WatcherId watcher);
  bool Contains(Table table, const std::string& path, WatcherId watcher) const;
  // Forgets every registration of a watcher (its connection closed).
  void RemoveWatcher(WatcherId watcher);

  // The watchers to notify of an event, each once, in ascending id order.
  std::vector<WatcherId> Trigger(proto::EventType type, const std::string& path);

  // Registrations in both tables: mntr's watch_count (ZooKeeper's DataTree.getWatchCount).
  size_t WatchCount() const;
  // The rest cover the data table only, as ZooKeeper's wchs, wchc and wchp do. wchs's "Total
  // watches" is therefore the data-table total (the sum of ByWatcher()'s set sizes), not
  // WatchCount().
  size_t WatchedPathCount() const { return data_.paths.size(); }
  size_t WatcherCount() const;
  // watcher -> paths (data table), and path -> watchers (data table), sorted.
  std::map<WatcherId, std::set<std::string>> ByWatcher() const;
  std::map<std::string, std::set<WatcherId>> ByPath() const;

 private:
  struct TableState {
    std::unordered_map<std::string, std::map<WatcherId, Mode>> paths;
    std::unordered_map<WatcherId, std::set<std::string>> by_watcher;
    size_t recursive_count = 0;
  };
  TableState& Get(Table t) { return t == Table::kData ? data_ : child_; }
  const TableState& Get(Table t) const { return t == Table::kData ? data_ : child_; }
  static void Collect(TableState& t, proto::EventType type, const std::string& path,
                      std::set<WatcherId>* out);
  static bool RemoveFrom(TableState& t, const std::string& path, WatcherId watcher);

  TableState data_;
  TableState child_;
};

}  // namespace paddock::watch
