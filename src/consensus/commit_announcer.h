// CommitAnnouncer: tells the followers at once that an entry committed, with an AppendEntries
// that carries no entries.
//
// A follower learns that an entry committed from the leader's next AppendEntries. libraft sends
// none until it has a new entry or its heartbeat interval passes (a tenth of the election
// timeout), so a follower whose client waits for a forwarded write would wait that long. The
// server used to propose a barrier to carry the commit index, which costs every member one more
// durable append, and the follower applies the write only after that append (libraft advances a
// follower's commit index to an entry that arrived with new entries once those are written). An
// empty AppendEntries is applied at once: the follower moves its commit index to
// min(leaderCommit, its last stored entry) and answers, as it does for libraft's own heartbeats.
//
// What is sent is exactly a heartbeat of libraft's pipeline mode: the leader's current term, its
// commit index, and as previous entry the one before the follower's next index (the last entry
// the leader sent it, the leader's last entry). It goes only to a follower that
//   * replicates in pipeline (libraft's own probing and snapshot states are left alone),
//   * has been sent every entry (next index = last index + 1), and
//   * has acknowledged the commit index being announced (match index >= it): a follower that has
//     not stored the entry yet would not move its commit index, and would learn of it only from
//     the next message. Such a follower stays pending, and gets its heartbeat on the first turn
//     after its acknowledgement arrives, or is dropped once libraft's own heartbeat is due.
// Raft's safety does not depend on when heartbeats are sent; the follower checks the term and
// the previous entry as for any AppendEntries, and a rejection only makes libraft probe.
//
// Used by LibraftLog (production) and SimMember (tests/sim) alike. Not thread-safe: the thread of
// the raft it serves, outside libraft's callbacks.
#pragma once

#include <cstdint>
#include <vector>

extern "C" {
#include <raft.h>
}

namespace paddock::consensus {

class CommitAnnouncer {
 public:
  // The commit index as of now should reach every follower.
  void Request(raft* r);
  // Sends the heartbeats that are due (see above) through `io->send`; returns how many.
  // Call right after Request, and once per loop turn (per simulation step) for the followers
  // still to acknowledge; outside libraft's callbacks.
  int Flush(raft* r);
  bool pending() const { return !pending_.empty(); }

 private:
  struct Pending {
    raft_id id = 0;
    raft_index commit = 0;
    raft_time since = 0;  // io->time when asked
  };
  std::vector<Pending> pending_;
};

// The term of the leader's last entry (its snapshot's when the log holds no entry), from the
// public struct raft_log; 0 if there is none.
raft_term LastTermOf(const raft_log& log);

}  // namespace paddock::consensus
