// A Paddock data directory read and written without a server: the Raft log and snapshots that
// libraft keeps in <dataDir>/raft, through libraft's own disk backend (raft_uv), so that the
// files are exactly what a server writes and loads.
//
//  * WriteDataDir: a new data directory whose whole state is one snapshot (at index 1, term 1,
//    with the given voters as its configuration). A server started on it restores that state
//    and goes on from it; an ensemble's members each start on a copy (the configuration names
//    every voter, so the copies are the same).
//  * ReadDataDir: the newest snapshot and the entries after it, as a server would load them
//    (libraft verifies every checksum), and the state they give: the snapshot restored, then
//    every command entry after it applied in order, with the state machine's options (which
//    must be the server's: its extendedTypesEnabled decides how a createTTL applied). Entries
//    past the commit index cannot be told apart from committed ones on one member's disk: they
//    are counted as the log holds them. The directory is left as it was: libraft loads a
//    scratch view of it (its load would finish open segments).
//
// Not for a directory a running server uses: a server must be stopped first (the admin
// endpoint's snapshot command serves a running one).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "statemachine/state_machine.h"

namespace paddock::datadir {

using Voters = std::vector<std::pair<uint64_t, std::string>>;

// The voters a standalone server bootstraps with (server id 1, no address).
Voters StandaloneVoters();

// Creates <raft_dir> (which must not exist, or be empty) holding `state` as its only snapshot.
Status WriteDataDir(const std::string& raft_dir, const Voters& voters, std::string_view state);

struct DataDirContents {
  uint64_t term = 0;
  uint64_t voted_for = 0;
  uint64_t snapshot_index = 0;  // 0: no snapshot
  uint64_t snapshot_term = 0;
  Voters voters;                // the snapshot's configuration (none without a snapshot)
  uint64_t snapshot_bytes = 0;
  uint64_t first_index = 0;     // of the entries after the snapshot
  uint64_t entries = 0;
  uint64_t commands = 0;        // command entries among them
  uint64_t txns = 0;            // txns in those commands
  int64_t snapshot_zxid = 0;    // the state's zxid at the snapshot
};

// Loads <raft_dir> into `sm` (which starts empty). `contents` describes what was found.
Status ReadDataDir(const std::string& raft_dir, statemachine::StateMachine* sm,
                   DataDirContents* contents);

}  // namespace paddock::datadir
