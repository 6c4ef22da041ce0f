// AppendReplyClamp: makes a follower's answer to an AppendEntries say what Raft says it covers.
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
// The clamp sits in the member's raft_io, between libraft and its backend:
//
//   backend recv --Deliver--> libraft recv --> io->send(reply) --Lower--> backend send
//                   notes the AppendEntries      immediate, not rejected, to that leader:
//                   being handled: its sender    last_log_index = min(last_log_index,
//                   and prevLogIndex + n_entries                    prevLogIndex + n_entries)
//
// Only a reply sent while libraft handles the AppendEntries is touched (the answers after a
// write are sent later, from the append callback, and are already right). The index is only
// ever lowered: min(r->last_stored, prevLogIndex + n_entries) entries are both on disk and, by
// the log matching check and the absence of conflicts libraft has just verified, the leader's.
// A rejection is left alone: there last_log_index is a hint for where to probe next.
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
  // Hands `message` to libraft's receive callback `recv` on `io`. While `recv` runs, an
  // AppendEntries is remembered: its sender and the last index it covers. Any other message
  // passes through untouched. REQUIRES: not called from inside another Deliver (libraft never
  // receives a message while handling one).
  void Deliver(raft_io* io, raft_message* message, raft_io_recv_cb recv);

  // The message the backend should send instead of `message`: `message` itself, or `scratch`
  // holding a copy of it lowered, if it is the immediate successful AppendEntriesResult to the
  // AppendEntries being delivered and claims more than that request covered. `scratch` is
  // caller-owned and must outlive the returned pointer's use (the backend encodes the message
  // before its send returns).
  const raft_message* Lower(const raft_message* message, raft_message* scratch);

  // Replies lowered so far (for tests and statistics).
  uint64_t clamped_replies() const { return clamped_replies_; }

 private:
  bool handling_append_ = false;  // inside Deliver of an AppendEntries
  raft_id append_from_ = 0;
  raft_index append_covers_ = 0;  // prevLogIndex + n_entries of that AppendEntries
  uint64_t clamped_replies_ = 0;
};

}  // namespace paddock::consensus
