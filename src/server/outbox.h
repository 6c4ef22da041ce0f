// Outbox: the txns this member sends towards the log, and what becomes of them.
//
// Every write, session create or attach, sync, expiry and cleanup joins the outbox (Add), in
// the order its connection sent it. What happens next depends on the role:
//
//   leader (ready) ──TakeEntries──► log entries (group commit) ──EntryDone──► committed | Failures
//   follower ───────TakeForward───► frames for the leader ──Settled / LeaderGone──► forgotten | failed
//   leadership lost ─LeadershipLost► others' txns go back failed; own client txns stay queued
//
// Group commit: at most `entries_in_flight_max` entries on their way to disk; meanwhile txns
// gather and leave as one entry (of at most `txns_per_entry_max`) when one completes.
//
// The outbox keeps order and reports failures; it never decides the fate of a write whose
// outcome is unknown: the host fails its connection, and the state machine refuses every later
// write of that connection (statemachine/txn.h, attach_zxid and cseq), so an own txn kept in the
// queue after an earlier one failed can never apply out of order.
//
// Pure: no I/O, no clock, no log calls; the host does what the return values say. Not
// thread-safe (the loop thread owns it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "statemachine/txn.h"

namespace paddock::server {

// What did not commit, or will never be answered for.
struct Failures {
  std::vector<int64_t> own_seqs;                          // own txns: their clients fail
  std::map<int32_t, std::vector<int64_t>> remote_seqs;    // other members' txns, per member
  std::vector<int64_t> expiries;                          // sessions whose expiry failed
  std::vector<std::string> cleanups;                      // container or TTL paths
  bool empty() const {
    return own_seqs.empty() && remote_seqs.empty() && expiries.empty() && cleanups.empty();
  }
};

class Outbox {
 public:
  struct Limits {
    size_t txns_per_entry_max = 2000;
    int entries_in_flight_max = 4;
    size_t forward_bytes_max = 4u << 20;  // a forward frame is cut past this
  };
  Outbox(int32_t self, Limits limits) : self_(self), limits_(limits) {}

  void Add(statemachine::Txn txn) { queue_.push_back(std::move(txn)); }
  bool empty() const { return queue_.empty(); }
  size_t size() const { return queue_.size(); }

  // Leader, ready to propose: the entries to propose now (none while the group-commit bound is
  // reached). Each carries a ticket for EntryDone.
  struct Entry {
    int64_t ticket = 0;
    std::string bytes;
  };
  std::vector<Entry> TakeEntries();
  // The proposed entry `ticket` committed or not; what failed with it.
  Failures EntryDone(int64_t ticket, bool committed);
  // True once after a committed entry carried forwarded txns and nothing was proposed since:
  // followers learn of a commit only from the leader's next message, so the host proposes a
  // barrier to carry it.
  bool TakeCommitNudge();
  int entries_in_flight() const { return static_cast<int>(in_flight_.size()); }

  // Follower: the queue as forward frames for `leader` (each at most forward_bytes_max, but
  // never empty); remembers which own txns went there.
  std::vector<std::string> TakeForward(int32_t leader);
  // `leader` will never answer for what it was sent (it lost leadership, its link dropped):
  // those txns failed.
  Failures LeaderGone(int32_t leader);
  // An own forwarded txn was applied here, or its leader reported it failed: forgotten.
  // Returns whether it was forwarded.
  bool Settled(int64_t seq) { return forwarded_.erase(seq) != 0; }

  // Leadership lost: txns other members forwarded go back failed; own client txns (origin seq
  // set) stay queued for the next leader; own leader-only txns (expiries, cleanups, the
  // ensemble's init) are dropped and reported.
  Failures LeadershipLost();
  // Not serving any more: the queue is dropped (its clients' connections are gone).
  void Clear() { queue_.clear(); }

 private:
  // What EntryDone needs of each txn of an entry.
  struct Origin {
    int32_t server = 0;
    int64_t seq = 0;
    int64_t session_id = 0;
    statemachine::TxnKind kind = statemachine::TxnKind::kRequest;
    std::string cleanup_path;
  };
  static Origin OriginOf(const statemachine::Txn& t);
  void Fail(const Origin& o, Failures* out) const;
  Entry MakeEntry(size_t begin, size_t end);

  int32_t self_;
  Limits limits_;
  std::vector<statemachine::Txn> queue_;
  int64_t next_ticket_ = 1;
  struct InFlight {
    std::vector<Origin> origins;
    bool forwarded = false;  // carries txns of other members
  };
  std::unordered_map<int64_t, InFlight> in_flight_;
  bool commit_nudge_ = false;
  std::unordered_map<int64_t, int32_t> forwarded_;  // own origin seq -> the leader it went to
};

}  // namespace paddock::server
