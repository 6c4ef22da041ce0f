// The znode tree: nodes with their data, ACL and persisted stat, plus the indexes the state
// machine needs (ephemerals per session, containers, TTL nodes).
//
// Pure and deterministic: no I/O, no clock. Every mutation takes the zxid and time of the txn
// that causes it. Invariants (asserted): a node's parent exists; a parent's child list holds
// exactly its child nodes; an ephemeral node is in its session's index; "/" always exists.
//
// Stat semantics follow ZooKeeper (reference §8): the stored cversion counts child creations
// only and the client sees 2 * stored - numChildren; ephemeralOwner is reported as 0 for
// containers and TTL nodes. Not thread-safe: owned by the single state-machine thread.
//
// Layout (memory and restart time, issue 5): a node is a fixed record in blocks of records,
// linked to its parent and siblings by index; its name and data share one heap block; ACLs are
// interned (a tree has a handful of distinct ones); one open-addressing table of record indexes,
// keyed by (parent, name), finds a node component by component. No node holds its full path.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "proto/records.h"
#include "tree/arena.h"

namespace paddock::tree {

// The stat fields a node keeps (and a snapshot stores).
struct PersistedStat {
  int64_t czxid = 0;
  int64_t mzxid = 0;
  int64_t ctime = 0;
  int64_t mtime = 0;
  int64_t ephemeral_owner = 0;  // raw: session id, container marker or TTL marker
  int64_t pzxid = 0;
  int32_t version = 0;
  int32_t cversion = 0;  // stored: child creations
  int32_t aversion = 0;
};

class DataTree;

class Node : public PersistedStat {
 public:
  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // The data; nullopt for a node created with null data.
  bool has_data() const { return blob_ != nullptr && DataSize() != kNullData; }
  std::string_view data() const;
  proto::Buffer DataBuffer() const;
  // The last path component ("" for the root).
  std::string_view name() const;
  const proto::AclList& acl() const;
  int32_t num_children() const { return static_cast<int32_t>(num_children_); }

  // The Stat a client sees.
  proto::Stat ClientStat() const;
  bool IsContainer() const { return ephemeral_owner == proto::kContainerOwner; }
  bool IsTtl() const;
  int64_t TtlMs() const;
  // True for a session-owned ephemeral (not a container or TTL node).
  bool IsSessionEphemeral() const { return ephemeral_owner != 0 && !IsContainer() && !IsTtl(); }

 private:
  friend class DataTree;
  struct AclEntry;
  static constexpr uint32_t kNullData = UINT32_MAX;
  // blob_: [uint32 name size][uint32 data size or kNullData][name][data].
  uint32_t NameSize() const;
  uint32_t DataSize() const;
  size_t BlobSize() const;

  char* blob_ = nullptr;  // nullptr: a free record
  AclEntry* acl_ = nullptr;
  uint32_t parent_ = 0;
  uint32_t first_child_ = 0;  // kNone when childless
  uint32_t next_ = 0;         // siblings form a ring: the first's prev_ is the last
  uint32_t prev_ = 0;
  uint32_t hash_ = 0;  // of (parent_, name), for the lookup table
  uint32_t num_children_ = 0;
};

// Encodes the ephemeralOwner marker of a TTL node.
int64_t TtlOwner(int64_t ttl_ms);

class DataTree {
 public:
  // A fresh tree: "/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config" (reference §8.2).
  DataTree();
  ~DataTree();
  DataTree(DataTree&& other) noexcept;
  DataTree& operator=(DataTree&& other) noexcept;
  DataTree(const DataTree&) = delete;
  DataTree& operator=(const DataTree&) = delete;

  const Node* Find(std::string_view path) const;
  size_t NodeCount() const { return live_; }

  // Creates a node. REQUIRES: parent exists, path does not.
  // Updates the parent's stored cversion to parent_cversion and its pzxid to zxid.
  void Create(const std::string& path, const proto::Buffer& data, const proto::AclList& acl,
              int64_t ephemeral_owner, int32_t parent_cversion, int64_t zxid, int64_t time_ms);
  // Deletes a node. REQUIRES: it exists and has no children.
  void Delete(const std::string& path, int64_t zxid);
  // REQUIRES: node exists.
  void SetData(const std::string& path, const proto::Buffer& data, int32_t version, int64_t zxid,
               int64_t time_ms);
  void SetAcl(const std::string& path, const proto::AclList& acl, int32_t aversion);

  // The names of a node's children, sorted.
  std::vector<std::string> ChildrenOf(const Node& node) const;
  bool HasChild(const Node& node, std::string_view name) const;

  // Paths of the ephemerals owned by a session, sorted.
  std::vector<std::string> EphemeralsOf(int64_t session_id) const;
  const std::map<int64_t, std::set<std::string>>& ephemerals() const { return ephemerals_; }
  size_t EphemeralCount() const;
  // Containers and TTL nodes, candidates for the cleaner.
  const std::set<std::string>& containers() const { return containers_; }
  const std::set<std::string>& ttls() const { return ttls_; }
  // Number of descendants of path (getAllChildrenNumber). REQUIRES: node exists.
  int32_t DescendantCount(std::string_view path) const;
  // Approximate bytes of paths and data (mntr approximate_data_size).
  int64_t ApproximateDataSize() const { return approximate_size_; }
  // Distinct ACLs in use (each is stored once).
  size_t AclCount() const { return acls_.size(); }

  // Visits every node in an order where parents come before their children (siblings in the
  // order they were created or restored).
  void ForEachPreorder(const std::function<void(const std::string&, const Node&)>& fn) const;
  // Restores a node while loading a snapshot; parents must be inserted first. A duplicate or a
  // node whose parent is missing (a damaged snapshot) is refused, the tree unchanged.
  enum class RestoreResult { kOk, kDuplicate, kNoParent };
  RestoreResult InsertForRestore(std::string_view path, std::optional<std::string_view> data,
                                 const proto::AclList& acl, const PersistedStat& stat);
  // Empties the tree completely (before a restore); `nodes` sizes the index for what follows.
  void ClearForRestore(size_t nodes = 0);

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr uint32_t kRoot = 0;
  // Records live in arena chunks (one huge page each) and never move.
  static constexpr uint32_t kPerBlock = static_cast<uint32_t>(kChunkBytes / sizeof(Node));

  Node& At(uint32_t id) const { return blocks_[id / kPerBlock][id % kPerBlock]; }
  uint32_t IdOf(const Node& node) const;
  uint32_t Lookup(uint32_t parent, std::string_view name, uint32_t hash) const;
  uint32_t FindId(std::string_view path) const;
  uint32_t MustFindId(std::string_view path) const;
  uint32_t NextAfterSubtree(uint32_t id, uint32_t top, std::string* path) const;
  // Makes a record for a child of `parent` (kNone for the root) and links it in.
  uint32_t NewNode(uint32_t parent, std::string_view name, uint32_t hash,
                   std::optional<std::string_view> data, const proto::AclList& acl);
  void FreeNode(uint32_t id);
  char* MakeBlob(std::string_view name, std::optional<std::string_view> data);
  void FreeBlob(const Node& node);
  void TableInsert(uint32_t id);
  void TableErase(uint32_t id);
  void TableGrow();
  Node::AclEntry* InternAcl(const proto::AclList& acl);
  void ReleaseAcl(Node::AclEntry* entry);
  void Reset();

  void IndexNode(std::string_view path, const Node& node);
  void UnindexNode(const std::string& path, const Node& node);

  std::vector<Node*> blocks_;
  BlobArena blobs_;
  size_t big_blobs_ = 0;  // blobs over BlobArena::kMaxSmall (malloc'd; freed one by one)
  uint32_t capacity_ = 0;   // records in blocks_
  uint32_t used_ = 0;       // records ever handed out (below capacity_)
  uint32_t free_head_ = kNone;  // free records, chained through next_
  size_t live_ = 0;
  int64_t approximate_size_ = 0;
  // Slots: a record's hash in the high half, its id in the low half (kNone: empty). A power of
  // two in size, at most 3/4 full.
  static constexpr uint64_t kEmptySlot = UINT64_MAX;
  static uint64_t MakeSlot(uint32_t hash, uint32_t id) { return (uint64_t{hash} << 32) | id; }
  static uint32_t SlotHash(uint64_t slot) { return static_cast<uint32_t>(slot >> 32); }
  static uint32_t SlotId(uint64_t slot) { return static_cast<uint32_t>(slot); }
  std::vector<uint64_t> table_;
  size_t table_used_ = 0;
  std::unordered_map<std::string, std::unique_ptr<Node::AclEntry>> acls_;
  Node::AclEntry* last_acl_ = nullptr;  // the last one interned: runs of nodes share one
  // The parent of the last node restored (records never move while a restore runs).
  uint32_t restore_parent_ = kNone;
  std::string restore_parent_path_;
  std::map<int64_t, std::set<std::string>> ephemerals_;
  std::set<std::string> containers_;
  std::set<std::string> ttls_;
};

}  // namespace paddock::tree
