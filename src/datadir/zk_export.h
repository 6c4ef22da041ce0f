// Writing a ZooKeeper 3.x snapshot of a Paddock state, so that a user can go back: ZooKeeper
// 3.8 started on a dataDir holding only version-2/snapshot.<hex zxid> loads it as its own
// (the layout is the one zk_import.h reads: header, sessions, ACL cache, nodes in preorder with
// the root as "", the "/" end marker, the Adler-32 seal; no tree digest, which ZooKeeper treats
// as an older snapshot's). Paddock's tree keeps ZooKeeper's persisted stat as it is (stored
// cversion, the container and TTL owner markers), so every Stat field a client reads comes back
// the same. Sessions are carried with their timeouts (ZooKeeper restarts their clocks, and its
// clients cannot reattach with Paddock's passwords, so they expire unless dropped here).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "statemachine/state_machine.h"

namespace paddock::datadir {

struct ZkExportReport {
  std::string file;   // the snapshot written
  int64_t zxid = 0;
  size_t nodes = 0;
  size_t sessions = 0;
  size_t acls = 0;    // distinct ACL lists in the cache (world:anyone-all is the implicit -1)
  size_t ephemerals_dropped = 0;
};

// The snapshot's bytes: every node of sm's tree, and its sessions unless drop_sessions (then
// their ephemerals are left out too).
std::string ZooKeeperSnapshot(const statemachine::StateMachine& sm, bool drop_sessions,
                              ZkExportReport* report);

// Writes <zk_data_dir>/version-2/snapshot.<hex zxid>; refuses a version-2 that holds anything.
Status WriteZooKeeperDataDir(const std::string& zk_data_dir, const statemachine::StateMachine& sm,
                             bool drop_sessions, ZkExportReport* report);

}  // namespace paddock::datadir
