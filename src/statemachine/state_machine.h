// The state machine: applies committed txns in log order and answers reads.
//
// Owns the znode tree and the session table. Apply() validates each write against the current
// state with ZooKeeper's order of checks (reference §5.4) and either changes the state or returns
// the error; both outcomes take a zxid, so every replica that applies the same log reaches the
// same state and the same replies. Reads never change state; they are answered from the local
// tree by the server holding the connection.
//
// Pure and deterministic: no I/O, no clock (time comes in each txn), no threads. Watch tables
// live in the server: Apply() only reports which events happened, Read() which watches to set.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "session/session_table.h"
#include "statemachine/acl.h"
#include "statemachine/txn.h"
#include "tree/data_tree.h"
#include "watch/watch_manager.h"

namespace paddock::statemachine {

struct Options {
  // TTL nodes (ZooKeeper's zookeeper.extendedTypesEnabled); without it createTTL is UNIMPLEMENTED.
  bool extended_types_enabled = false;
  // Never-used containers older than this are deleted too; 0 = never (ZooKeeper's default).
  int64_t container_never_used_ms = 0;
};

struct ReadResult {
  proto::Err err = proto::Err::kOk;
  std::string body;
  // Watches the server must register for the connection, in order.
  std::vector<std::pair<watch::Table, std::string>> watches;
};

class StateMachine {
 public:
  explicit StateMachine(Options options = {});

  // Applies one committed txn. Never fails: protocol errors are results.
  TxnResult Apply(const Txn& txn);

  // Answers a read op (exists, getData, getACL, getChildren, getChildren2,
  // getAllChildrenNumber, getEphemerals, multiRead) from the current state.
  ReadResult Read(int32_t op, std::string_view body, const Identities& identities,
                  int64_t session_id) const;

  // Whether a container or TTL node is due for deletion at time_ms (the cleaner's rule, checked
  // again when its deleteContainer txn is applied).
  bool IsCleanupCandidate(const std::string& path, int64_t time_ms) const;

  int64_t last_zxid() const { return last_zxid_; }
  const tree::DataTree& tree() const { return tree_; }
  const session::SessionTable& sessions() const { return sessions_; }
  const std::string& secret() const { return secret_; }
  const Options& options() const { return options_; }

  // Serializes the whole state (tree, sessions, secret, zxid), with a checksum.
  std::string Snapshot() const;
  // Replaces the state with a snapshot's. Fails, leaving the state unchanged, if it is damaged.
  Status Restore(std::string_view snapshot);
  // Replaces the whole state with one built elsewhere (an import from ZooKeeper's files, which
  // then becomes a snapshot of a new data directory).
  void ReplaceState(tree::DataTree tree, session::SessionTable sessions, int64_t last_zxid,
                    std::string secret) {
    tree_ = std::move(tree);
    sessions_ = std::move(sessions);
    last_zxid_ = last_zxid;
    secret_ = std::move(secret);
  }

 private:
  // Bytes to reserve for Snapshot(), from the last one's size or the node count.
  size_t SnapshotSizeEstimate() const;
  TxnResult ApplyRequest(const Txn& txn);
  TxnResult ApplyCreateSession(const Txn& txn);
  TxnResult ApplyAttachSession(const Txn& txn);
  proto::Err CheckAttachment(const Txn& txn);
  TxnResult ApplyCloseSession(const Txn& txn, TxnResult result);
  TxnResult ApplyDeleteContainer(const Txn& txn);
  TxnResult ApplyMulti(const Txn& txn, TxnResult result);
  TxnResult ApplySingle(const Txn& txn, TxnResult result);
  void DeleteNode(const std::string& path, int64_t zxid, std::vector<WatchTrigger>* triggers);

  Options options_;
  tree::DataTree tree_;
  session::SessionTable sessions_;
  // A sizing hint only, updated by the const Snapshot(): never part of the replicated state.
  mutable size_t snapshot_bytes_hint_ = 0;
  std::string secret_;
  int64_t last_zxid_ = 0;
};

}  // namespace paddock::statemachine
