// Reading a ZooKeeper 3.x data directory: its newest valid snapshot and the transaction logs
// after it, replayed as ZooKeeper's own restore does (FileTxnSnapLog.restore), into a tree of
// nodes with ZooKeeper's Stat semantics, plus the sessions that were alive.
//
// Formats (ZooKeeper 3.8, read from its FileSnap, FileTxnLog, SerializeUtils, DataTree and
// ReferenceCountedACLCache; our notes on them are in docs/operations.md):
//  * snapshot.<hex zxid>[.gz]: header "ZKSN", sessions (id, timeout), the ACL cache (id -> ACL
//    list; -1 is world:anyone with every permission), then nodes in preorder (path, data, ACL id,
//    persisted stat) up to the path "/", then an Adler-32 of every byte before it. The root's
//    path is "". The zxid in the name is where replay starts: the snapshot is fuzzy (taken while
//    the tree changed), so a replayed txn may find its work already done, which is ignored as
//    ZooKeeper ignores it.
//  * log.<hex first zxid>: header "ZKLG", then records [Adler-32 of the payload][length][payload]
//    ['B']. A length of 0 (the zeros of preallocation), the end of the file or a missing 'B' end
//    that file (a torn last record is dropped, as ZooKeeper drops it); a checksum that does not
//    match a complete record, or an impossible length, is damage and stops the import.
//  * The stored cversion counts child creations; the client sees 2 * stored - children. An
//    ephemeralOwner of 0x8000000000000000 marks a container, 0xFF in the top byte with a zero
//    feature id a TTL node (the TTL in the low 40 bits), anything else non-zero a session.
// After replay, as ZooKeeper's loadData does, ephemerals whose session is not alive are deleted
// (at the last zxid); with drop_sessions every session goes, and its ephemerals with it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "proto/records.h"
#include "tree/data_tree.h"

namespace paddock::datadir {

struct ZkNode {
  std::optional<std::string> data;  // nullopt: null data
  proto::AclList acl;
  tree::PersistedStat stat;
};

struct ZkImport {
  // Every node, "/" included, by path: sorted, so a parent comes before its children.
  std::map<std::string, ZkNode> nodes;
  std::map<int64_t, int32_t> sessions;  // id -> timeout (ms)
  int64_t last_zxid = 0;
  // What was read, for the report.
  std::string snapshot_file;
  int64_t snapshot_zxid = 0;
  std::vector<std::string> log_files;
  int64_t txns_replayed = 0;             // records with a zxid past the snapshot's
  int64_t ephemerals_of_dead_sessions = 0;  // deleted after replay
  std::vector<std::string> warnings;     // snapshots skipped, torn log tails
};

struct ZkImportOptions {
  bool drop_sessions = false;
  // jute.maxbuffer + extrasize as ZooKeeper reads (a longer string or record is damage).
  int32_t length_max = 2 * 0xfffff;
};

// `dir`: a ZooKeeper dataDir (holding version-2/) or the version-2 directory itself. Errors name
// the file and the byte offset of the damage.
Result<ZkImport> ReadZooKeeper(const std::string& dir, const ZkImportOptions& options = {});

// Whether an ephemeralOwner names a session (not 0, not a container's or a TTL node's marker).
bool IsSessionOwner(int64_t owner);

}  // namespace paddock::datadir
