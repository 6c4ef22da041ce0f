// RoleTracker: which role this member plays, when it may serve, and what changes of role ask
// of the server.
//
// Raft says who leads (libraft 0.15 has no state callback: the server observes it every loop
// turn and every tick/2). The tracker turns those observations into the member's role:
//
//   leading ──propose barrier──► barrier committed ──► LEADER (ready): serves, proposes, expires
//   following a known leader ──forward catch-up marker──► marker applied ──► FOLLOWER (synced)
//   no leader known ──for leaderless_grace_ms──► stop serving (clients move to the majority)
//
//  * A new leader serves only once a barrier it proposed has committed: every earlier entry is
//    applied, so its reads and expiry decisions see the whole log.
//  * A follower serves only once a catch-up marker (a sync txn) it forwarded came back through
//    the log: its reads are then at least as new as the leader's state when the marker arrived.
//  * A member that knows no leader keeps its clients for the grace (a failover usually ends
//    sooner), then lets them go.
//  * So does a follower whose peer link to the leader is down (or silent): its clients' touches
//    and writes cannot reach the leader through it, so it must not keep telling them that their
//    sessions are alive (issue #14, defect 6). It serves again once the link is back and it
//    has caught up.
// Each Observe returns the steps the server must take, in the order of the fields.
//
// Pure: time is passed in; no I/O. Not thread-safe (the loop thread owns it).
#pragma once

#include <cstdint>

namespace paddock::server {

class RoleTracker {
 public:
  struct Options {
    uint64_t self = 0;
    bool ensemble = false;
    int64_t leaderless_grace_ms = 0;  // twice the election timeout
  };
  explicit RoleTracker(Options options) : options_(options) {}

  struct Steps {
    bool propose_barrier = false;  // leading, not ready: propose one, then call BarrierDone
    bool leadership_lost = false;  // fail what only a leader may hold
    bool leader_changed = false;   // fail what was forwarded to old_leader
    uint64_t old_leader = 0;
    uint64_t new_leader = 0;
    bool request_catch_up = false;  // forward a catch-up marker, then call CatchUpSent
    bool start_serving = false;
    const char* stop_serving = nullptr;  // why, when the member must stop serving
  };
  // Raft's view now: whether this member leads, and who it believes leads (0: nobody); and
  // whether this member's peer link to that leader works (sends, and hears its heartbeats).
  Steps Observe(bool leading, uint64_t leader, int64_t now_ms, bool leader_link_up = true);

  // The new leader's barrier completed; `still_leading`: the log still says so. Returns true if
  // the member is now a ready leader (the server then starts leading).
  bool BarrierDone(bool committed, bool still_leading);
  void CatchUpSent(int64_t seq) { catch_up_seq_ = seq; }
  // An own sync txn was applied: true if it was the catch-up marker (the member is synced).
  bool CatchUpApplied(int64_t seq);
  // The marker will not come back (it failed, or went into a snapshot): asked again.
  void CatchUpLost() { catch_up_seq_ = 0; }
  // The server stopped serving (for a reason of its own too: a snapshot replaced the state).
  // It catches up again before it serves, with a new marker.
  void StoppedServing();

  bool leader_ready() const { return leader_ready_; }
  bool follower_synced() const { return follower_synced_; }
  bool serving() const { return serving_; }
  uint64_t known_leader() const { return known_leader_; }
  int64_t catch_up_seq() const { return catch_up_seq_; }
  // "standalone", "leader" or "follower" (srvr, mntr); meaningful while serving.
  const char* ModeName() const;

 private:
  Options options_;
  bool barrier_pending_ = false;
  bool leader_ready_ = false;     // leading, and its barrier committed
  uint64_t known_leader_ = 0;     // 0: none known
  int64_t leaderless_since_ms_ = -1;
  int64_t link_down_since_ms_ = -1;  // a follower's peer link to the leader
  bool follower_synced_ = false;  // the catch-up marker came back
  int64_t catch_up_seq_ = 0;      // the marker in flight; 0: none
  bool serving_ = false;
};

}  // namespace paddock::server
