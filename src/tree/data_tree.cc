#include "tree/data_tree.h"

#include "base/assert.h"
#include "tree/path.h"

namespace paddock::tree {

using proto::kContainerOwner;
using proto::kTtlMaxMs;
using proto::kTtlOwnerMask;

bool Node::IsTtl() const {
  auto u = static_cast<uint64_t>(ephemeral_owner);
  return (u & kTtlOwnerMask) == kTtlOwnerMask;
}

int64_t Node::TtlMs() const {
  PADDOCK_ASSERT(IsTtl());
  return static_cast<int64_t>(static_cast<uint64_t>(ephemeral_owner) & ~kTtlOwnerMask);
}

int64_t TtlOwner(int64_t ttl_ms) {
  PADDOCK_ASSERT(ttl_ms > 0 && ttl_ms <= kTtlMaxMs);
  return static_cast<int64_t>(kTtlOwnerMask | static_cast<uint64_t>(ttl_ms));
}

proto::Stat Node::ClientStat() const {
  proto::Stat s;
  s.czxid = czxid;
  s.mzxid = mzxid;
  s.ctime = ctime;
  s.mtime = mtime;
  s.version = version;
  auto n = static_cast<int32_t>(children.size());
  s.cversion = static_cast<int32_t>(static_cast<uint32_t>(cversion) * 2u - static_cast<uint32_t>(n));
  s.aversion = aversion;
  s.ephemeral_owner = IsSessionEphemeral() ? ephemeral_owner : 0;
  s.data_length = data ? static_cast<int32_t>(data->size()) : 0;
  s.num_children = n;
  s.pzxid = pzxid;
  return s;
}

DataTree::DataTree() {
  proto::AclList open = {{proto::perms::kAll, {"world", "anyone"}}};
  Node root;
  root.data = std::string();
  root.acl = open;
  nodes_.emplace("/", std::move(root));
  Create("/zookeeper", std::string(), open, 0, 0, 0, 0);
  Create("/zookeeper/quota", std::string(), open, 0, 0, 0, 0);
  Create("/zookeeper/config", std::string(), {{proto::perms::kRead, {"world", "anyone"}}}, 0, 0, 0,
         0);
  // ZooKeeper sets the config node's ACL with version -1, leaving aversion at -1, and creates
  // these nodes without counting them as child creations.
  MustFind("/zookeeper/config").aversion = -1;
  MustFind("/").cversion = 0;
  MustFind("/zookeeper").cversion = 0;
}

const Node* DataTree::Find(std::string_view path) const {
  // ZooKeeper's node map also holds the root under "", so a read of "" finds it.
  if (path.empty()) path = "/";
  auto it = nodes_.find(path);
  return it == nodes_.end() ? nullptr : &it->second;
}

Node& DataTree::MustFind(std::string_view path) {
  auto it = nodes_.find(path);
  PADDOCK_ASSERT_MSG(it != nodes_.end(), std::string(path).c_str());
  return it->second;
}

void DataTree::IndexNode(const std::string& path, const Node& node) {
  if (node.IsContainer()) {
    containers_.insert(path);
  } else if (node.IsTtl()) {
    ttls_.insert(path);
  } else if (node.ephemeral_owner != 0) {
    ephemerals_[node.ephemeral_owner].insert(path);
  }
}

void DataTree::UnindexNode(const std::string& path, const Node& node) {
  if (node.IsContainer()) {
    containers_.erase(path);
  } else if (node.IsTtl()) {
    ttls_.erase(path);
  } else if (node.ephemeral_owner != 0) {
    auto it = ephemerals_.find(node.ephemeral_owner);
    PADDOCK_ASSERT(it != ephemerals_.end() && it->second.erase(path) == 1);
    if (it->second.empty()) ephemerals_.erase(it);
  }
}

void DataTree::Create(const std::string& path, proto::Buffer data, proto::AclList acl,
                      int64_t ephemeral_owner, int32_t parent_cversion, int64_t zxid,
                      int64_t time_ms) {
  Node& parent = MustFind(ParentOf(path));
  bool inserted = parent.children.emplace(BaseName(path)).second;
  PADDOCK_ASSERT(inserted);
  parent.cversion = parent_cversion;
  parent.pzxid = zxid;
  Node node;
  node.data = std::move(data);
  node.acl = std::move(acl);
  node.czxid = node.mzxid = node.pzxid = zxid;
  node.ctime = node.mtime = time_ms;
  node.ephemeral_owner = ephemeral_owner;
  IndexNode(path, node);
  bool added = nodes_.emplace(path, std::move(node)).second;
  PADDOCK_ASSERT(added);
}

void DataTree::Delete(const std::string& path, int64_t zxid) {
  auto it = nodes_.find(path);
  PADDOCK_ASSERT(it != nodes_.end() && it->second.children.empty() && path != "/");
  UnindexNode(path, it->second);
  nodes_.erase(it);
  Node& parent = MustFind(ParentOf(path));
  auto child = parent.children.find(BaseName(path));
  PADDOCK_ASSERT(child != parent.children.end());
  parent.children.erase(child);
  // Deletion only ever raises pzxid (a replayed older txn must not lower it).
  if (zxid > parent.pzxid) parent.pzxid = zxid;
}

void DataTree::SetData(const std::string& path, proto::Buffer data, int32_t version,
                       int64_t zxid, int64_t time_ms) {
  Node& node = MustFind(path);
  node.data = std::move(data);
  node.version = version;
  node.mzxid = zxid;
  node.mtime = time_ms;
}

void DataTree::SetAcl(const std::string& path, proto::AclList acl, int32_t aversion) {
  Node& node = MustFind(path);
  node.acl = std::move(acl);
  node.aversion = aversion;
}

std::vector<std::string> DataTree::EphemeralsOf(int64_t session_id) const {
  auto it = ephemerals_.find(session_id);
  if (it == ephemerals_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

size_t DataTree::EphemeralCount() const {
  size_t n = 0;
  for (const auto& [id, paths] : ephemerals_) n += paths.size();
  return n;
}

int32_t DataTree::DescendantCount(std::string_view path) const {
  const Node* node = Find(path);
  PADDOCK_ASSERT(node != nullptr);
  int32_t count = 0;
  std::vector<std::string> stack;
  for (const auto& c : node->children) stack.push_back(JoinPath(path, c));
  while (!stack.empty()) {
    std::string p = std::move(stack.back());
    stack.pop_back();
    count++;
    const Node* n = Find(p);
    PADDOCK_ASSERT(n != nullptr);
    for (const auto& c : n->children) stack.push_back(JoinPath(p, c));
  }
  return count;
}

int64_t DataTree::ApproximateDataSize() const {
  int64_t total = 0;
  for (const auto& [path, node] : nodes_) {
    total += static_cast<int64_t>(path.size()) +
             (node.data ? static_cast<int64_t>(node.data->size()) : 0);
  }
  return total;
}

void DataTree::ForEachPreorder(
    const std::function<void(const std::string&, const Node&)>& fn) const {
  std::vector<std::string> stack = {"/"};
  while (!stack.empty()) {
    std::string p = std::move(stack.back());
    stack.pop_back();
    const Node* n = Find(p);
    PADDOCK_ASSERT(n != nullptr);
    fn(p, *n);
    for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) {
      stack.push_back(JoinPath(p, *it));
    }
  }
}

void DataTree::ClearForRestore(size_t nodes) {
  nodes_.clear();
  ephemerals_.clear();
  containers_.clear();
  ttls_.clear();
  restore_parent_ = nullptr;
  restore_parent_path_.clear();
  if (nodes > 0) nodes_.reserve(nodes);
}

DataTree::RestoreResult DataTree::InsertForRestore(std::string&& path, Node&& node) {
  node.children.clear();
  Node* parent = nullptr;
  if (path != "/") {
    std::string_view parent_path = ParentOf(path);
    if (restore_parent_ != nullptr && parent_path == restore_parent_path_) {
      parent = restore_parent_;
    } else {
      auto it = nodes_.find(parent_path);
      if (it == nodes_.end()) return RestoreResult::kNoParent;
      parent = &it->second;
      // Map values keep their address when the map grows.
      restore_parent_ = parent;
      restore_parent_path_.assign(parent_path);
    }
  }
  auto [it, added] = nodes_.try_emplace(std::move(path), std::move(node));
  if (!added) return RestoreResult::kDuplicate;
  if (parent != nullptr) parent->children.emplace(BaseName(it->first));
  IndexNode(it->first, it->second);
  return RestoreResult::kOk;
}

}  // namespace paddock::tree
