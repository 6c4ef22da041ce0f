#include "tree/data_tree.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "base/assert.h"
#include "tree/path.h"

namespace paddock::tree {

using proto::kContainerOwner;
using proto::kTtlMaxMs;
using proto::kTtlOwnerMask;

// Records are placed into arena chunks and dropped with them, never destroyed one by one.
static_assert(std::is_trivially_destructible_v<Node>);

struct Node::AclEntry {
  proto::AclList list;
  size_t refs = 0;
  std::string key;
};

namespace {

// One hash per (parent, name): a child is looked up under its parent's record id.
uint32_t ChildHash(uint32_t parent, std::string_view name) {
  uint64_t h = std::hash<std::string_view>{}(name) ^ (uint64_t{parent} * 0x9E3779B97F4A7C15ull);
  h ^= h >> 29;
  return static_cast<uint32_t>(h ^ (h >> 32));
}

// The interning key of an ACL list: every field, length-prefixed.
std::string AclKey(const proto::AclList& acl) {
  std::string key;
  for (const auto& a : acl) {
    auto put = [&key](std::string_view s) {
      auto n = static_cast<uint32_t>(s.size());
      key.append(reinterpret_cast<const char*>(&n), sizeof n);
      key.append(s);
    };
    key.append(reinterpret_cast<const char*>(&a.perms), sizeof a.perms);
    put(a.id.scheme);
    put(a.id.id);
  }
  return key;
}

}  // namespace

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

uint32_t Node::NameSize() const {
  uint32_t n = 0;
  std::memcpy(&n, blob_, sizeof n);
  return n;
}

uint32_t Node::DataSize() const {
  uint32_t n = 0;
  std::memcpy(&n, blob_ + sizeof(uint32_t), sizeof n);
  return n;
}

size_t Node::BlobSize() const {
  uint32_t data = DataSize();
  return 2 * sizeof(uint32_t) + NameSize() + (data == kNullData ? 0 : data);
}

std::string_view Node::name() const { return {blob_ + 2 * sizeof(uint32_t), NameSize()}; }

std::string_view Node::data() const {
  uint32_t n = DataSize();
  if (n == kNullData) return {};
  return {blob_ + 2 * sizeof(uint32_t) + NameSize(), n};
}

proto::Buffer Node::DataBuffer() const {
  if (!has_data()) return std::nullopt;
  return std::string(data());
}

const proto::AclList& Node::acl() const { return acl_->list; }

proto::Stat Node::ClientStat() const {
  proto::Stat s;
  s.czxid = czxid;
  s.mzxid = mzxid;
  s.ctime = ctime;
  s.mtime = mtime;
  s.version = version;
  auto n = static_cast<int32_t>(num_children_);
  s.cversion = static_cast<int32_t>(static_cast<uint32_t>(cversion) * 2u - static_cast<uint32_t>(n));
  s.aversion = aversion;
  s.ephemeral_owner = IsSessionEphemeral() ? ephemeral_owner : 0;
  s.data_length = has_data() ? static_cast<int32_t>(DataSize()) : 0;
  s.num_children = n;
  s.pzxid = pzxid;
  return s;
}

DataTree::DataTree() {
  proto::AclList open = {{proto::perms::kAll, {"world", "anyone"}}};
  NewNode(kNone, "", 0, std::string_view(), open);
  approximate_size_ = 1;  // "/"
  Create("/zookeeper", std::string(), open, 0, 0, 0, 0);
  Create("/zookeeper/quota", std::string(), open, 0, 0, 0, 0);
  Create("/zookeeper/config", std::string(), {{proto::perms::kRead, {"world", "anyone"}}}, 0, 0, 0,
         0);
  // ZooKeeper sets the config node's ACL with version -1, leaving aversion at -1, and creates
  // these nodes without counting them as child creations.
  At(MustFindId("/zookeeper/config")).aversion = -1;
  At(kRoot).cversion = 0;
  At(MustFindId("/zookeeper")).cversion = 0;
}

DataTree::~DataTree() { Reset(); }

DataTree::DataTree(DataTree&& other) noexcept { *this = std::move(other); }

DataTree& DataTree::operator=(DataTree&& other) noexcept {
  if (this == &other) return *this;
  Reset();
  blocks_ = std::move(other.blocks_);
  blobs_ = std::move(other.blobs_);
  big_blobs_ = std::exchange(other.big_blobs_, 0);
  capacity_ = std::exchange(other.capacity_, 0);
  used_ = std::exchange(other.used_, 0);
  free_head_ = std::exchange(other.free_head_, kNone);
  live_ = std::exchange(other.live_, 0);
  approximate_size_ = std::exchange(other.approximate_size_, 0);
  table_ = std::move(other.table_);
  table_used_ = std::exchange(other.table_used_, 0);
  acls_ = std::move(other.acls_);
  last_acl_ = std::exchange(other.last_acl_, nullptr);
  ephemerals_ = std::move(other.ephemerals_);
  containers_ = std::move(other.containers_);
  ttls_ = std::move(other.ttls_);
  other.blocks_.clear();
  other.table_.clear();
  other.acls_.clear();
  return *this;
}

// Frees every blob; leaves no records, no table and no ACLs.
void DataTree::Reset() {
  // Small blobs go with their chunks; only the malloc'd big ones are freed one by one.
  for (uint32_t id = 0; big_blobs_ > 0 && id < used_; id++) {
    const Node& n = At(id);
    if (n.blob_ != nullptr && n.BlobSize() > BlobArena::kMaxSmall) FreeBlob(n);
  }
  blobs_.Clear();
  for (Node* block : blocks_) UnmapChunk(block, kChunkBytes);
  blocks_.clear();
  capacity_ = used_ = 0;
  free_head_ = kNone;
  live_ = 0;
  approximate_size_ = 0;
  table_.clear();
  table_used_ = 0;
  acls_.clear();
  last_acl_ = nullptr;
  ephemerals_.clear();
  containers_.clear();
  ttls_.clear();
  restore_parent_ = kNone;
  restore_parent_path_.clear();
}

uint32_t DataTree::IdOf(const Node& node) const {
  if (node.parent_ == kNone) return kRoot;
  // A node is found from its parent's record by name: cheaper than searching the blocks.
  uint32_t id = Lookup(node.parent_, node.name(), node.hash_);
  PADDOCK_ASSERT(id != kNone && &At(id) == &node);
  return id;
}

uint32_t DataTree::Lookup(uint32_t parent, std::string_view name, uint32_t hash) const {
  if (table_.empty()) return kNone;
  size_t mask = table_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    uint64_t slot = table_[i];
    uint32_t id = SlotId(slot);
    if (id == kNone) return kNone;
    // The hash in the slot settles most probes without touching the record.
    if (SlotHash(slot) != hash) continue;
    const Node& n = At(id);
    if (n.parent_ == parent && n.name() == name) return id;
  }
}

uint32_t DataTree::FindId(std::string_view path) const {
  // ZooKeeper's node map also holds the root under "", so a read of "" finds it.
  if (path.empty() || path == "/") return live_ == 0 ? kNone : kRoot;
  if (path[0] != '/' || live_ == 0) return kNone;
  uint32_t id = kRoot;
  size_t at = 1;
  while (true) {
    size_t end = path.find('/', at);
    std::string_view name = path.substr(at, end == std::string_view::npos ? end : end - at);
    id = Lookup(id, name, ChildHash(id, name));
    if (id == kNone || end == std::string_view::npos) return id;
    at = end + 1;
  }
}

uint32_t DataTree::MustFindId(std::string_view path) const {
  uint32_t id = FindId(path);
  PADDOCK_ASSERT_MSG(id != kNone, std::string(path).c_str());
  return id;
}

const Node* DataTree::Find(std::string_view path) const {
  uint32_t id = FindId(path);
  return id == kNone ? nullptr : &At(id);
}

char* DataTree::MakeBlob(std::string_view name, std::optional<std::string_view> data) {
  auto name_size = static_cast<uint32_t>(name.size());
  uint32_t data_size = data ? static_cast<uint32_t>(data->size()) : Node::kNullData;
  PADDOCK_ASSERT(!data || data_size != Node::kNullData);
  size_t total = 2 * sizeof(uint32_t) + name.size() + (data ? data->size() : 0);
  char* blob = blobs_.Allocate(total);
  if (total > BlobArena::kMaxSmall) big_blobs_++;
  std::memcpy(blob, &name_size, sizeof name_size);
  std::memcpy(blob + sizeof name_size, &data_size, sizeof data_size);
  if (!name.empty()) std::memcpy(blob + 2 * sizeof(uint32_t), name.data(), name.size());
  if (data && !data->empty()) {
    std::memcpy(blob + 2 * sizeof(uint32_t) + name.size(), data->data(), data->size());
  }
  return blob;
}

void DataTree::FreeBlob(const Node& node) {
  size_t size = node.BlobSize();
  if (size > BlobArena::kMaxSmall) big_blobs_--;
  blobs_.Free(node.blob_, size);
}

uint32_t DataTree::NewNode(uint32_t parent, std::string_view name, uint32_t hash,
                           std::optional<std::string_view> data, const proto::AclList& acl) {
  uint32_t id;
  if (free_head_ != kNone) {
    id = free_head_;
    free_head_ = At(id).next_;
  } else {
    if (used_ == capacity_) {
      blocks_.push_back(static_cast<Node*>(MapChunk(kChunkBytes)));
      capacity_ += kPerBlock;
    }
    id = used_++;
  }
  Node& n = *new (&At(id)) Node();
  n.blob_ = MakeBlob(name, data);
  n.acl_ = InternAcl(acl);
  n.parent_ = parent;
  n.first_child_ = kNone;
  n.num_children_ = 0;
  n.hash_ = hash;
  n.next_ = n.prev_ = id;
  if (parent != kNone) {
    Node& p = At(parent);
    if (p.first_child_ == kNone) {
      p.first_child_ = id;
    } else {  // append: the ring's last is the first's prev_
      Node& first = At(p.first_child_);
      uint32_t last = first.prev_;
      n.prev_ = last;
      n.next_ = p.first_child_;
      At(last).next_ = id;
      first.prev_ = id;
    }
    p.num_children_++;
    TableInsert(id);
  }
  live_++;
  return id;
}

void DataTree::FreeNode(uint32_t id) {
  Node& n = At(id);
  PADDOCK_ASSERT(n.first_child_ == kNone && n.parent_ != kNone);
  TableErase(id);
  Node& p = At(n.parent_);
  if (n.next_ == id) {
    p.first_child_ = kNone;
  } else {
    At(n.prev_).next_ = n.next_;
    At(n.next_).prev_ = n.prev_;
    if (p.first_child_ == id) p.first_child_ = n.next_;
  }
  p.num_children_--;
  ReleaseAcl(n.acl_);
  FreeBlob(n);
  n.blob_ = nullptr;
  n.acl_ = nullptr;
  n.next_ = free_head_;
  free_head_ = id;
  live_--;
}

void DataTree::TableInsert(uint32_t id) {
  if ((table_used_ + 1) * 4 > table_.size() * 3) TableGrow();
  size_t mask = table_.size() - 1;
  uint32_t hash = At(id).hash_;
  size_t i = hash & mask;
  while (SlotId(table_[i]) != kNone) i = (i + 1) & mask;
  table_[i] = MakeSlot(hash, id);
  table_used_++;
}

void DataTree::TableErase(uint32_t id) {
  size_t mask = table_.size() - 1;
  size_t i = At(id).hash_ & mask;
  while (SlotId(table_[i]) != id) {
    PADDOCK_ASSERT(SlotId(table_[i]) != kNone);
    i = (i + 1) & mask;
  }
  // Backward-shift deletion: pull later entries of the run into the hole when their home slot
  // allows it, so lookups never need tombstones.
  size_t hole = i;
  for (size_t j = (i + 1) & mask; SlotId(table_[j]) != kNone; j = (j + 1) & mask) {
    size_t home = SlotHash(table_[j]) & mask;
    bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!stays) {
      table_[hole] = table_[j];
      hole = j;
    }
  }
  table_[hole] = kEmptySlot;
  table_used_--;
}

void DataTree::TableGrow() {
  std::vector<uint64_t> old = std::move(table_);
  table_.assign(std::max<size_t>(64, old.size() * 2), kEmptySlot);
  size_t mask = table_.size() - 1;
  for (uint64_t slot : old) {
    if (SlotId(slot) == kNone) continue;
    size_t i = SlotHash(slot) & mask;
    while (SlotId(table_[i]) != kNone) i = (i + 1) & mask;
    table_[i] = slot;
  }
}

Node::AclEntry* DataTree::InternAcl(const proto::AclList& acl) {
  Node::AclEntry* entry = last_acl_;
  if (entry == nullptr || entry->list != acl) {
    std::string key = AclKey(acl);
    auto it = acls_.find(key);
    if (it == acls_.end()) {
      auto fresh = std::make_unique<Node::AclEntry>();
      fresh->list = acl;
      fresh->key = key;
      it = acls_.emplace(std::move(key), std::move(fresh)).first;
    }
    entry = it->second.get();
    last_acl_ = entry;
  }
  entry->refs++;
  return entry;
}

void DataTree::ReleaseAcl(Node::AclEntry* entry) {
  PADDOCK_ASSERT(entry != nullptr && entry->refs > 0);
  if (--entry->refs > 0) return;
  if (last_acl_ == entry) last_acl_ = nullptr;
  auto it = acls_.find(entry->key);
  PADDOCK_ASSERT(it != acls_.end());
  acls_.erase(it);
}

void DataTree::IndexNode(std::string_view path, const Node& node) {
  if (node.IsContainer()) {
    containers_.emplace(path);
  } else if (node.IsTtl()) {
    ttls_.emplace(path);
  } else if (node.ephemeral_owner != 0) {
    ephemerals_[node.ephemeral_owner].emplace(path);
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

void DataTree::Create(const std::string& path, const proto::Buffer& data,
                      const proto::AclList& acl, int64_t ephemeral_owner,
                      int32_t parent_cversion, int64_t zxid, int64_t time_ms) {
  uint32_t parent = MustFindId(ParentOf(path));
  std::string_view name = BaseName(path);
  uint32_t hash = ChildHash(parent, name);
  PADDOCK_ASSERT(Lookup(parent, name, hash) == kNone);
  Node& p = At(parent);
  p.cversion = parent_cversion;
  p.pzxid = zxid;
  std::optional<std::string_view> bytes;
  if (data) bytes = std::string_view(*data);
  Node& node = At(NewNode(parent, name, hash, bytes, acl));
  node.czxid = node.mzxid = node.pzxid = zxid;
  node.ctime = node.mtime = time_ms;
  node.ephemeral_owner = ephemeral_owner;
  IndexNode(path, node);
  approximate_size_ += static_cast<int64_t>(path.size() + (data ? data->size() : 0));
}

void DataTree::Delete(const std::string& path, int64_t zxid) {
  uint32_t id = FindId(path);
  PADDOCK_ASSERT(id != kNone && id != kRoot && At(id).first_child_ == kNone);
  Node& node = At(id);
  UnindexNode(path, node);
  approximate_size_ -= static_cast<int64_t>(path.size() + (node.has_data() ? node.DataSize() : 0));
  Node& parent = At(node.parent_);
  FreeNode(id);
  // Deletion only ever raises pzxid (a replayed older txn must not lower it).
  if (zxid > parent.pzxid) parent.pzxid = zxid;
}

void DataTree::SetData(const std::string& path, const proto::Buffer& data, int32_t version,
                       int64_t zxid, int64_t time_ms) {
  Node& node = At(MustFindId(path));
  approximate_size_ -= node.has_data() ? node.DataSize() : 0;
  std::optional<std::string_view> bytes;
  if (data) bytes = std::string_view(*data);
  char* blob = MakeBlob(node.name(), bytes);
  FreeBlob(node);
  node.blob_ = blob;
  approximate_size_ += data ? static_cast<int64_t>(data->size()) : 0;
  node.version = version;
  node.mzxid = zxid;
  node.mtime = time_ms;
}

void DataTree::SetAcl(const std::string& path, const proto::AclList& acl, int32_t aversion) {
  Node& node = At(MustFindId(path));
  Node::AclEntry* entry = InternAcl(acl);
  ReleaseAcl(node.acl_);
  node.acl_ = entry;
  node.aversion = aversion;
}

std::vector<std::string> DataTree::ChildrenOf(const Node& node) const {
  std::vector<std::string> out;
  out.reserve(node.num_children_);
  if (node.first_child_ != kNone) {
    uint32_t id = node.first_child_;
    do {
      const Node& c = At(id);
      out.emplace_back(c.name());
      id = c.next_;
    } while (id != node.first_child_);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool DataTree::HasChild(const Node& node, std::string_view name) const {
  uint32_t parent = IdOf(node);
  return Lookup(parent, name, ChildHash(parent, name)) != kNone;
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
  uint32_t top = MustFindId(path);
  int32_t count = 0;
  uint32_t id = At(top).first_child_;
  while (id != kNone) {
    count++;
    const Node& n = At(id);
    if (n.first_child_ != kNone) {
      id = n.first_child_;
      continue;
    }
    id = NextAfterSubtree(id, top, nullptr);
  }
  return count;
}

// The node after `id`'s subtree in preorder: its next sibling, or, climbing while `id` was its
// parent's last child, an ancestor's; kNone once the climb is back at `top`. `path`, if given,
// holds the path of `id`'s parent and is cut back one component per level climbed.
uint32_t DataTree::NextAfterSubtree(uint32_t id, uint32_t top, std::string* path) const {
  while (true) {
    const Node& c = At(id);
    if (c.next_ != At(c.parent_).first_child_) return c.next_;
    id = c.parent_;
    if (id == top) return kNone;
    if (path != nullptr) {
      size_t len = path->size() - At(id).NameSize();
      path->resize(len > 1 ? len - 1 : len);
    }
  }
}

void DataTree::ForEachPreorder(
    const std::function<void(const std::string&, const Node&)>& fn) const {
  if (live_ == 0) return;
  std::string path = "/";
  fn(path, At(kRoot));
  // `path` is always the path of the current node's parent before the node is visited.
  uint32_t id = At(kRoot).first_child_;
  while (id != kNone) {
    const Node& n = At(id);
    size_t parent_len = path.size();
    if (parent_len > 1) path += '/';
    path += n.name();
    fn(path, n);
    if (n.first_child_ != kNone) {
      id = n.first_child_;
      continue;
    }
    path.resize(parent_len);
    id = NextAfterSubtree(id, kRoot, &path);
  }
}

void DataTree::ClearForRestore(size_t nodes) {
  Reset();
  if (nodes > 0) {
    size_t slots = 64;
    while (slots * 3 < nodes * 4) slots *= 2;
    table_.assign(slots, kEmptySlot);
  }
}

DataTree::RestoreResult DataTree::InsertForRestore(std::string_view path,
                                                   std::optional<std::string_view> data,
                                                   const proto::AclList& acl,
                                                   const PersistedStat& stat) {
  uint32_t id;
  if (path == "/") {
    if (live_ != 0) return RestoreResult::kDuplicate;
    id = NewNode(kNone, "", 0, data, acl);
  } else {
    // Siblings come in a row in a snapshot: their parent is found once, not once each.
    std::string_view parent_path = ParentOf(path);
    uint32_t parent = restore_parent_;
    if (parent == kNone || parent_path != restore_parent_path_) {
      parent = FindId(parent_path);
      if (parent == kNone) return RestoreResult::kNoParent;
      restore_parent_ = parent;
      restore_parent_path_.assign(parent_path);
    }
    std::string_view name = BaseName(path);
    uint32_t hash = ChildHash(parent, name);
    if (Lookup(parent, name, hash) != kNone) return RestoreResult::kDuplicate;
    id = NewNode(parent, name, hash, data, acl);
  }
  Node& node = At(id);
  static_cast<PersistedStat&>(node) = stat;
  IndexNode(path, node);
  approximate_size_ += static_cast<int64_t>(path.size() + (data ? data->size() : 0));
  return RestoreResult::kOk;
}

}  // namespace paddock::tree
