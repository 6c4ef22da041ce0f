// SessionDriver: which sessions are alive, on whose evidence, and when the leader expires them.
//
// Every member keeps a deadline for every session of the replicated table (an ExpiryQueue), so
// that whichever member leads next knows how long each client has left. Evidence that a client
// is alive comes from three places:
//   * Heard:     a packet from the client reached this member;
//   * OnTouches: another member reports that it heard the client, `age` ms before sending.
// (Where a client attaches is decided through the log: see StateMachine's attachments.)
// Evidence moves a deadline to heard + timeout (never earlier), and evidence alone is passed on
// to other members (TakeTouches every heartbeat, Evidence when a link comes up), each member
// passing on only what it heard itself. A deadline set
// for any other reason (a session restored from a snapshot or the log, the grace a new leader
// gives) stays local: a member that restarts holds every session it restored for a full timeout
// but never tells the others it heard those clients, so restarts cannot keep a dead client's
// session alive across the ensemble (issue #14, defect 4).
//
// Only the leader expires. PollExpired hands out the sessions that are due and holds them as
// closing until the expiry is applied (Closed), its proposal fails (ExpiryFailed), or
// leadership is lost (LostLeadership). In the last two cases the session is tracked again, with
// any evidence that arrived meanwhile, so that no member stops tracking a session whose expiry
// did not happen (issue #14, defect 5).
//
// A new leader (BecameLeader) tracks every session it had no deadline for with a full timeout,
// gives every session at least min(grace, timeout) from now (a client of a member that died
// needs about an election timeout to find another one), and waits `hold_ms` before its first
// expiry so that touches in flight arrive.
//
//   evidence ──► deadline = max(deadline, heard + timeout) ──► PollExpired (leader) ──► closing
//                                                                  ▲                     │
//                          ExpiryFailed / LostLeadership: tracked again ◄────────────────┤
//                                                              Closed: forgotten ◄───────┘
//
// Pure: time is passed in; no I/O, no clock. Not thread-safe (the loop thread owns it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/ensemble_messages.h"
#include "session/expiry_queue.h"
#include "session/session_table.h"

namespace paddock::server {

class SessionDriver {
 public:
  struct Options {
    bool ensemble = false;
    // A new leader gives every session at least min(grace_ms, timeout) from now (ensemble only).
    int64_t grace_ms = 0;
    // A new leader expires nothing for this long (ensemble only): touches in flight arrive.
    int64_t hold_ms = 0;
    // PollExpired returns at most this many sessions per call.
    size_t expiries_per_poll_max = 1000;
  };

  explicit SessionDriver(Options options) : options_(options) {}

  // The replicated table changed. Created: tracked until now + timeout, without evidence (the
  // member that holds the creating client's connection calls Heard too; a member replaying its
  // log at start-up must not). Closed: the session is gone (closed or expired); forgets it
  // whatever its state.
  void Created(int64_t id, int32_t timeout_ms, int64_t now_ms);
  void Closed(int64_t id);
  // Makes the tracked sessions follow `table` (at start, after a snapshot restore): forgets the
  // sessions it no longer holds, tracks new ones until now + timeout, without evidence.
  void Follow(const session::SessionTable& table, int64_t now_ms);

  // A client attached to the session (an applied attach, on every member) with this negotiated
  // timeout, which later evidence counts from.
  void Attached(int64_t id, int32_t timeout_ms);

  // Evidence. Heard concerns sessions held here; untracked ids are ignored.
  void Heard(int64_t id, int64_t now_ms);
  // Touches reported by another member.
  void OnTouches(std::span<const Heartbeat::Touch> touches, int64_t now_ms);
  // What this member heard since the last call, for its next heartbeat.
  std::vector<Heartbeat::Touch> TakeTouches(int64_t now_ms);
  // The latest this member heard each client itself, for a member whose link just came up (it
  // may have missed heartbeats). What other members reported is not passed on: a touch's age
  // counts from when it was sent, so one that waited in a paused member's socket reads as
  // fresh there, and passed on again it would give the leader a deadline the client never
  // earned (the simulation's seed 56526: a session lived 6 s past its client's last word, its
  // 4 s timeout extended by the 1.9 s its leader's own touch sat in a paused follower). Each
  // member tells what it heard; sessions it never heard are left out.
  std::vector<Heartbeat::Touch> Evidence(int64_t now_ms) const;

  // Roles.
  void BecameLeader(const session::SessionTable& table, int64_t now_ms);
  void LostLeadership();

  // Leader: the sessions due at now_ms (earliest first, bounded), now held as closing.
  std::vector<int64_t> PollExpired(int64_t now_ms);
  // The expiry proposed for `id` did not commit (outcome unknown): tracked again.
  void ExpiryFailed(int64_t id);
  bool Closing(int64_t id) const { return closing_.count(id) != 0; }
  size_t closing_count() const { return closing_.size(); }
  // When the leader should call PollExpired next; nullopt when nothing is tracked.
  std::optional<int64_t> NextWakeMs() const;

  // Tracked sessions and their deadlines (closing ones excluded), for dump, cons, admin.
  const session::ExpiryQueue& liveness() const { return liveness_; }
  // The last time a client of `id` was heard anywhere, as far as this member knows.
  std::optional<int64_t> HeardMs(int64_t id) const;

 private:
  struct ClosingSession {
    int32_t timeout_ms = 0;
    int64_t deadline_ms = 0;
  };
  bool Tracked(int64_t id) const { return liveness_.Contains(id) || Closing(id); }
  // `here`: this member heard the client itself (Heard), not another member (OnTouches).
  void NoteEvidence(int64_t id, int64_t heard_ms, bool here);
  void Retrack(int64_t id, const ClosingSession& c);
  int32_t TimeoutOf(int64_t id) const;

  Options options_;
  session::ExpiryQueue liveness_;
  std::map<int64_t, ClosingSession> closing_;
  struct HeardAt {
    int64_t anywhere = -1;  // the latest evidence, from anyone
    int64_t here = -1;      // the latest this member heard itself; -1: never
  };
  std::unordered_map<int64_t, HeardAt> evidence_ms_;  // ensemble only
  std::unordered_map<int64_t, int64_t> heard_here_;   // heard here since the last heartbeat
  int64_t hold_until_ms_ = 0;
};

}  // namespace paddock::server
