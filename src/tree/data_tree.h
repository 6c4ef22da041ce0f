// The znode tree: nodes with their data, ACL and persisted stat, plus the indexes the state
// machine needs (ephemerals per session, containers, TTL nodes).
//
// Pure and deterministic: no I/O, no clock. Every mutation takes the zxid and time of the txn
// that causes it. Invariants (asserted): a node's parent exists; a parent's children set names
// exactly its child nodes; an ephemeral node is in its session's index; "/" always exists.
//
// Stat semantics follow ZooKeeper (reference §8): the stored cversion counts child creations
// only and the client sees 2 * stored - numChildren; ephemeralOwner is reported as 0 for
// containers and TTL nodes. Not thread-safe: owned by the single state-machine thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "proto/records.h"

namespace paddock::tree {

struct Node {
  proto::Buffer data;
  proto::AclList acl;
  int64_t czxid = 0;
  int64_t mzxid = 0;
  int64_t ctime = 0;
  int64_t mtime = 0;
  int32_t version = 0;
  int32_t cversion = 0;  // stored: child creations
  int32_t aversion = 0;
  int64_t ephemeral_owner = 0;  // raw: session id, container marker or TTL marker
  int64_t pzxid = 0;
  std::set<std::string, std::less<>> children;

  // The Stat a client sees.
  proto::Stat ClientStat() const;
  bool IsContainer() const { return ephemeral_owner == proto::kContainerOwner; }
  bool IsTtl() const;
  int64_t TtlMs() const;
  // True for a session-owned ephemeral (not a container or TTL node).
  bool IsSessionEphemeral() const { return ephemeral_owner != 0 && !IsContainer() && !IsTtl(); }
};

// Encodes the ephemeralOwner marker of a TTL node.
int64_t TtlOwner(int64_t ttl_ms);

class DataTree {
 public:
  // A fresh tree: "/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config" (reference §8.2).
  DataTree();

  const Node* Find(std::string_view path) const;
  size_t NodeCount() const { return nodes_.size(); }

  // Creates a node. REQUIRES: parent exists, path does not.
  // Updates the parent's stored cversion to parent_cversion and its pzxid to zxid.
  void Create(const std::string& path, proto::Buffer data, proto::AclList acl,
              int64_t ephemeral_owner, int32_t parent_cversion, int64_t zxid, int64_t time_ms);
  // Deletes a node. REQUIRES: it exists and has no children.
  void Delete(const std::string& path, int64_t zxid);
  // REQUIRES: node exists.
  void SetData(const std::string& path, proto::Buffer data, int32_t version, int64_t zxid,
               int64_t time_ms);
  void SetAcl(const std::string& path, proto::AclList acl, int32_t aversion);

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
  int64_t ApproximateDataSize() const;

  // Visits every node in an order where parents come before their children.
  void ForEachPreorder(const std::function<void(const std::string&, const Node&)>& fn) const;
  // Restores a node while loading a snapshot; parents must be inserted first. A duplicate or a
  // node whose parent is missing (a damaged snapshot) is refused, the tree unchanged and `path`
  // left as it was (it is moved from only on success).
  enum class RestoreResult { kOk, kDuplicate, kNoParent };
  RestoreResult InsertForRestore(std::string&& path, Node&& node);
  // Empties the tree completely (before a restore); `nodes` sizes the index for what follows.
  void ClearForRestore(size_t nodes = 0);

 private:
  void IndexNode(const std::string& path, const Node& node);
  void UnindexNode(const std::string& path, const Node& node);
  Node& MustFind(std::string_view path);

  // Transparent hash and equality: a lookup by string_view builds no std::string (the profile
  // of setData showed one allocation per Find).
  struct PathHash {
    using is_transparent = void;
    size_t operator()(std::string_view path) const { return std::hash<std::string_view>{}(path); }
  };
  std::unordered_map<std::string, Node, PathHash, std::equal_to<>> nodes_;
  // The parent of the last node restored: siblings come in a row in a snapshot, and finding
  // their parent once instead of once each made restores markedly faster.
  std::string restore_parent_path_;
  Node* restore_parent_ = nullptr;
  std::map<int64_t, std::set<std::string>> ephemerals_;
  std::set<std::string> containers_;
  std::set<std::string> ttls_;
};

}  // namespace paddock::tree
