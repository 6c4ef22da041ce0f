// AppendReplyClamp: makes a follower's immediate answer to an AppendEntries or an InstallSnapshot
// claim what Raft says it holds.
//
// In Raft a successful AppendEntries vouches only for what it carried: the leader sets the
// follower's matchIndex to prevLogIndex + len(entries) (thesis Figure 3.1, "If successful:
// update nextIndex and matchIndex"), the entries known to match its own. libraft sends that
// index back in the reply, and its replicationUpdate says it expects exactly that value. libraft
// 0.15 (still in 0.18.1) sends it only when it answers after writing new entries
// (appendFollowerCb, where the log ends with them). When it answers at once, while handling
// the message (recvAppendEntries after replicationAppend returned with async false: a
// heartbeat, or entries it already holds), it reports r->last_stored, its whole durable log,
// stale uncommitted entries of an old term included. The leader caps that by its own last index
// only when the reply arrives, so a follower holding a stale x at index 3 counts as holding the
// leader's own entry 3 whenever the leader's log has reached 3 by then:
//   * the follower is stranded: its match index is past the stale entry, so the leader ignores
//     its rejections ("match index is up to date") until the next leader change;
//   * an entry can commit on that phantom copy and be acknowledged, then be overwritten by x
//     when that follower leads: an acknowledged write lost.
// (src/testing/sim_consensus_test.cc reproduces both, in
// LibraftCountsAStaleFollowerTowardACommitThatIsThenOverwritten.)
//
// libraft 0.15 errs the other way when it answers an InstallSnapshot at once: a follower
// whose own snapshot is newer than the one sent ("have more recent snapshot") replies success
// with last_log_index = the sent snapshot's index, not its own. The leader, waiting for that
// follower in its snapshot state, leaves it only when the reply raises the follower's match
// index to the snapshot index (replicationUpdate: progressMaybeUpdate, then
// progressSnapshotDone). If the match index is already there, the reply changes nothing; the
// leader's heartbeats meanwhile carry its last index, which the follower may not have, and
// their rejections are ignored in the snapshot state. After install_snapshot_timeout (30 s) the
// leader probes at its snapshot index + 1; a follower whose log starts past that index (its
// snapshot is more than `trailing` entries ahead) rejects, the probe falls below the leader's
// log, the leader sends its snapshot again, and the loop repeats until the leader changes: the
// follower is stranded. (The simulation found it: seeds 9544, 11288, 18229 and 19896 of
// tests/sim, in tests/sim/sim_test.cc's regression list.)
//
// The clamp sits in the member's raft_io, between libraft and its backend, and keeps the index
// a reply claims between what the follower can vouch for:
//
//   backend recv --Deliver--> libraft recv --> io->send(reply) --Clamp--> backend send
//                   notes the message being     immediate, not rejected, to its sender:
//                   handled: its sender and     after an AppendEntries:
//                   what it covers                last_log_index = min(last_log_index,
//                                                                  prevLogIndex + n_entries)
//                                               after an InstallSnapshot:
//                                                 last_log_index = max(last_log_index, floor)
//
// where floor = min(the follower's snapshot index, its commit index): entries the follower has
// applied and which are committed, so every leader of this term or a later one holds the same
// entries there (Leader Completeness). A leader counting the follower up to the floor counts
// only entries committed already, so nothing commits on a phantom copy; and its next probe
// starts past the follower's snapshot, where both logs have entries. (libraft sets the snapshot
// index before an installed snapshot is written, but it answers nothing at once while one is
// being written, and the commit index bounds what a failed write leaves behind.)
//
// Only a reply sent while libraft handles the message is touched: the answers after a write
// (appendFollowerCb, installSnapshotCb) are sent later and are already right. A rejection is
// left alone: there last_log_index is a hint for where to probe next.
//
// Threading: the loop thread of the raft_io it serves; one instance per raft_io.
#pragma once

#include <cstdint>

extern "C" {
#include <raft.h>
}

namespace paddock::consensus {

class AppendReplyClamp {
 public:
  // Hands `message` to libraft's receive callback `recv` on `io`, whose raft is `follower`.
  // While `recv` runs, an AppendEntries or InstallSnapshot is remembered: its sender and the
  // bound of the reply's last index (see above). Any other message passes through untouched.
  // REQUIRES: not called from inside another Deliver (libraft never receives a message while
  // handling one).
  void Deliver(raft_io* io, raft_message* message, raft_io_recv_cb recv, const raft& follower);

  // The message the backend should send instead of `message`: `message` itself, or `scratch`
  // holding a copy of it with last_log_index clamped, if it is the immediate successful
  // AppendEntriesResult to the message being delivered and its index is out of bounds.
  // `scratch` is caller-owned and must outlive the returned pointer's use (the backend encodes
  // the message before its send returns).
  const raft_message* Clamp(const raft_message* message, raft_message* scratch);

  // Replies to an AppendEntries lowered, and to an InstallSnapshot raised, so far (for tests
  // and statistics).
  uint64_t clamped_replies() const { return clamped_replies_; }
  uint64_t raised_replies() const { return raised_replies_; }

 private:
  enum class Handling { kNothing, kAppend, kSnapshot };
  Handling handling_ = Handling::kNothing;  // what Deliver is handing to libraft
  raft_id from_ = 0;
  raft_index append_covers_ = 0;     // an AppendEntries: prevLogIndex + n_entries
  raft_index committed_floor_ = 0;   // an InstallSnapshot: the follower's floor
  uint64_t clamped_replies_ = 0;
  uint64_t raised_replies_ = 0;
};

}  // namespace paddock::consensus
