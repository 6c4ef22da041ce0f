#include "server/role_tracker.h"

#include "base/assert.h"

namespace paddock::server {

RoleTracker::Steps RoleTracker::Observe(bool leading, uint64_t leader, int64_t now_ms,
                                        bool leader_link_up) {
  Steps s;
  if (leading && !leader_ready_ && !barrier_pending_) {
    barrier_pending_ = true;
    s.propose_barrier = true;
  }
  if (!leading && leader_ready_) {
    leader_ready_ = false;
    s.leadership_lost = true;
  }
  if (leader != known_leader_) {
    s.leader_changed = true;
    s.old_leader = known_leader_;
    s.new_leader = leader;
    known_leader_ = leader;
    catch_up_seq_ = 0;  // the marker went to the old leader
  }
  if (leader != 0) {
    leaderless_since_ms_ = -1;
  } else if (leaderless_since_ms_ < 0) {
    leaderless_since_ms_ = now_ms;
  }
  bool follower = leader != 0 && leader != options_.self;
  if (!follower || leader_link_up) {
    link_down_since_ms_ = -1;
  } else if (link_down_since_ms_ < 0) {
    link_down_since_ms_ = now_ms;
  }
  bool link_lost = link_down_since_ms_ >= 0 &&
                   now_ms - link_down_since_ms_ >= options_.leaderless_grace_ms;
  s.request_catch_up = follower && !follower_synced_ && catch_up_seq_ == 0;
  bool should_serve = leader_ready_ || (follower && follower_synced_ && !link_lost);
  if (should_serve && !serving_) {
    serving_ = true;
    s.start_serving = true;
  }
  if (!should_serve && serving_) {
    // A member that just became leader (barrier pending) or lost its leader a moment ago keeps
    // its clients; one that stays without a leader lets them go.
    bool grace = leader != 0 || now_ms - leaderless_since_ms_ < options_.leaderless_grace_ms;
    if (link_lost) {
      StoppedServing();
      s.stop_serving = "no working peer link to the leader for twice the election timeout: "
                       "its clients' sessions cannot be kept alive through this member";
    } else if (!grace) {
      StoppedServing();
      s.stop_serving = "no leader for twice the election timeout";
    }
  }
  return s;
}

bool RoleTracker::BarrierDone(bool committed, bool still_leading) {
  PADDOCK_ASSERT(barrier_pending_);
  barrier_pending_ = false;
  if (!committed || !still_leading) return false;
  leader_ready_ = true;
  return true;
}

bool RoleTracker::CatchUpApplied(int64_t seq) {
  if (seq == 0 || seq != catch_up_seq_) return false;
  catch_up_seq_ = 0;
  follower_synced_ = true;
  return true;
}

void RoleTracker::StoppedServing() {
  serving_ = false;
  follower_synced_ = false;
  // A marker not yet forwarded is dropped with the outbox (Server::StopServing), and one in
  // flight no longer counts: ask again. (Left set, the member waited for it for ever.)
  catch_up_seq_ = 0;
}

const char* RoleTracker::ModeName() const {
  if (!options_.ensemble) return "standalone";
  return leader_ready_ ? "leader" : "follower";
}

}  // namespace paddock::server
