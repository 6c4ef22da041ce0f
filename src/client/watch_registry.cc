#include "client/watch_registry.h"

namespace paddock::client {

std::map<std::string, std::vector<Watcher>>& WatchRegistry::Table(Kind kind) {
  switch (kind) {
    case Kind::kData: return data_;
    case Kind::kExist: return exist_;
    case Kind::kChild: return child_;
    case Kind::kPersistent: return persistent_;
    case Kind::kRecursive: return recursive_;
  }
  return data_;
}

const std::map<std::string, std::vector<Watcher>>& WatchRegistry::Table(Kind kind) const {
  return const_cast<WatchRegistry*>(this)->Table(kind);
}

void WatchRegistry::Add(Kind kind, const std::string& path, Watcher watcher) {
  if (watcher) Table(kind)[path].push_back(std::move(watcher));
}

void WatchRegistry::Move(std::map<std::string, std::vector<Watcher>>& table,
                         const std::string& path, std::vector<Watcher>* out) {
  auto it = table.find(path);
  if (it == table.end()) return;
  for (auto& w : it->second) out->push_back(std::move(w));
  table.erase(it);
}

std::vector<Watcher> WatchRegistry::Take(EventType type, const std::string& path) {
  std::vector<Watcher> out;
  switch (type) {
    case EventType::kNodeCreated:
    case EventType::kNodeDataChanged:
      Move(data_, path, &out);
      Move(exist_, path, &out);
      break;
    case EventType::kNodeDeleted:
      Move(data_, path, &out);
      Move(exist_, path, &out);
      Move(child_, path, &out);
      break;
    case EventType::kNodeChildrenChanged:
      Move(child_, path, &out);
      break;
    case EventType::kNone:
      break;
  }
  if (auto it = persistent_.find(path); it != persistent_.end()) {
    out.insert(out.end(), it->second.begin(), it->second.end());
  }
  if (type != EventType::kNodeChildrenChanged && !recursive_.empty()) {
    std::string p = path;
    while (true) {
      if (auto it = recursive_.find(p); it != recursive_.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
      }
      if (p == "/") break;
      size_t slash = p.rfind('/');
      p = slash == 0 ? "/" : p.substr(0, slash);
    }
  }
  return out;
}

bool WatchRegistry::Remove(const std::string& path, WatcherType type) {
  bool found = false;
  auto drop = [&](std::map<std::string, std::vector<Watcher>>& t) {
    found |= t.erase(path) > 0;
  };
  if (type == WatcherType::kData || type == WatcherType::kAny) {
    drop(data_);
    drop(exist_);
  }
  if (type == WatcherType::kChildren || type == WatcherType::kAny) drop(child_);
  if (type == WatcherType::kAny) {
    drop(persistent_);
    drop(recursive_);
  }
  return found;
}

bool WatchRegistry::Has(const std::string& path, WatcherType type) const {
  bool data = data_.count(path) != 0 || exist_.count(path) != 0;
  bool child = child_.count(path) != 0;
  bool persistent = persistent_.count(path) != 0 || recursive_.count(path) != 0;
  switch (type) {
    case WatcherType::kData: return data || persistent;
    case WatcherType::kChildren: return child || persistent;
    case WatcherType::kAny: return data || child || persistent;
  }
  return false;
}

std::vector<std::string> WatchRegistry::Paths(Kind kind) const {
  std::vector<std::string> out;
  for (const auto& [path, ws] : Table(kind)) out.push_back(path);
  return out;
}

bool WatchRegistry::empty() const {
  return data_.empty() && exist_.empty() && child_.empty() && persistent_.empty() &&
         recursive_.empty();
}

void WatchRegistry::Clear() {
  data_.clear();
  exist_.clear();
  child_.clear();
  persistent_.clear();
  recursive_.clear();
}

}  // namespace paddock::client
