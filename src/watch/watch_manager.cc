#include "watch/watch_manager.h"

#include "base/assert.h"

namespace paddock::watch {

void WatchManager::Add(Table table, const std::string& path, WatcherId watcher, Mode mode) {
  TableState& t = Get(table);
  auto& modes = t.paths[path];
  auto it = modes.find(watcher);
  if (it != modes.end() && it->second == Mode::kPersistentRecursive) t.recursive_count--;
  modes[watcher] = mode;
  if (mode == Mode::kPersistentRecursive) t.recursive_count++;
  t.by_watcher[watcher].insert(path);
}

bool WatchManager::RemoveFrom(TableState& t, const std::string& path, WatcherId watcher) {
  auto pit = t.paths.find(path);
  if (pit == t.paths.end()) return false;
  auto wit = pit->second.find(watcher);
  if (wit == pit->second.end()) return false;
  if (wit->second == Mode::kPersistentRecursive) t.recursive_count--;
  pit->second.erase(wit);
  if (pit->second.empty()) t.paths.erase(pit);
  auto bit = t.by_watcher.find(watcher);
  PADDOCK_ASSERT(bit != t.by_watcher.end());
  bit->second.erase(path);
  if (bit->second.empty()) t.by_watcher.erase(bit);
  return true;
}

bool WatchManager::Remove(Table table, const std::string& path, WatcherId watcher) {
  return RemoveFrom(Get(table), path, watcher);
}

bool WatchManager::Contains(Table table, const std::string& path, WatcherId watcher) const {
  const TableState& t = Get(table);
  auto it = t.paths.find(path);
  return it != t.paths.end() && it->second.count(watcher) != 0;
}

void WatchManager::RemoveWatcher(WatcherId watcher) {
  for (TableState* t : {&data_, &child_}) {
    auto bit = t->by_watcher.find(watcher);
    if (bit == t->by_watcher.end()) continue;
    std::set<std::string> paths = bit->second;
    for (const auto& p : paths) RemoveFrom(*t, p, watcher);
  }
}

void WatchManager::Collect(TableState& t, proto::EventType type, const std::string& path,
                           std::set<WatcherId>* out) {
  std::string local = path;
  bool at_parent = false;
  while (true) {
    auto pit = t.paths.find(local);
    if (pit != t.paths.end()) {
      std::vector<WatcherId> fired_standard;
      for (const auto& [w, mode] : pit->second) {
        if (mode == Mode::kPersistentRecursive) {
          if (type != proto::EventType::kNodeChildrenChanged) out->insert(w);
        } else if (!at_parent) {
          out->insert(w);
          if (mode == Mode::kStandard) fired_standard.push_back(w);
        }
      }
      for (WatcherId w : fired_standard) RemoveFrom(t, local, w);
    }
    // Ancestors matter only for recursive watches.
    if (t.recursive_count == 0 || local == "/") break;
    size_t slash = local.rfind('/');
    if (slash == std::string::npos) break;
    local = slash == 0 ? "/" : local.substr(0, slash);
    at_parent = true;
  }
}

std::vector<WatcherId> WatchManager::Trigger(proto::EventType type, const std::string& path) {
  std::set<WatcherId> notified;
  switch (type) {
    case proto::EventType::kNodeCreated:
    case proto::EventType::kNodeDataChanged:
      Collect(data_, type, path, &notified);
      break;
    case proto::EventType::kNodeDeleted:
      Collect(data_, type, path, &notified);
      Collect(child_, type, path, &notified);  // the set skips those already notified
      break;
    case proto::EventType::kNodeChildrenChanged:
      Collect(child_, type, path, &notified);
      break;
    case proto::EventType::kNone:
      break;
  }
  return {notified.begin(), notified.end()};
}

size_t WatchManager::WatchCount() const {
  size_t n = 0;
  for (const auto& [path, ws] : data_.paths) n += ws.size();
  for (const auto& [path, ws] : child_.paths) n += ws.size();
  return n;
}

size_t WatchManager::WatcherCount() const { return data_.by_watcher.size(); }

std::map<WatcherId, std::set<std::string>> WatchManager::ByWatcher() const {
  std::map<WatcherId, std::set<std::string>> out;
  for (const auto& [w, paths] : data_.by_watcher) out[w] = paths;
  return out;
}

std::map<std::string, std::set<WatcherId>> WatchManager::ByPath() const {
  std::map<std::string, std::set<WatcherId>> out;
  for (const auto& [path, ws] : data_.paths) {
    for (const auto& [w, mode] : ws) out[path].insert(w);
  }
  return out;
}

}  // namespace paddock::watch
