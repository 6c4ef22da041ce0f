// Proves the role tracker's rules on explicit observations and times (nothing sleeps):
//  * a new leader proposes one barrier, and serves only once it committed while still leading;
//    a failed barrier is proposed again on the next observation;
//  * a follower asks once for a catch-up marker, serves only once that marker is applied, and
//    asks again when the marker is lost or the leader changes;
//  * leadership lost and every change of leader are reported once, with the old leader;
//  * a follower whose peer link to the leader is down does the same (defect 6);
//  * a member without a leader keeps serving for the grace, then stops, and serves again once
//    it has a leader and has caught up; a snapshot restore (StoppedServing) makes it catch up
//    again;
//  * the mode name follows the role (standalone, leader, follower).
#include "server/role_tracker.h"

#include <gtest/gtest.h>

#include <string>

namespace paddock::server {
namespace {

constexpr uint64_t kSelf = 1;
constexpr int64_t kGraceMs = 1000;

RoleTracker Member() { return RoleTracker({kSelf, true, kGraceMs}); }

// A follower of member 2 that caught up: serving.
RoleTracker SyncedFollower(int64_t now_ms = 0) {
  RoleTracker r = Member();
  r.Observe(false, 2, now_ms);
  r.CatchUpSent(10);
  EXPECT_TRUE(r.CatchUpApplied(10));
  EXPECT_TRUE(r.Observe(false, 2, now_ms).start_serving);
  return r;
}

TEST(RoleTracker, ANewLeaderServesOnlyOnceItsBarrierCommitted) {
  RoleTracker r = Member();
  RoleTracker::Steps s = r.Observe(true, kSelf, 0);
  EXPECT_TRUE(s.propose_barrier);
  EXPECT_FALSE(s.start_serving);
  EXPECT_FALSE(r.Observe(true, kSelf, 1).propose_barrier);  // one barrier at a time
  EXPECT_TRUE(r.BarrierDone(true, true));
  EXPECT_TRUE(r.leader_ready());
  EXPECT_TRUE(r.Observe(true, kSelf, 2).start_serving);
  EXPECT_STREQ(r.ModeName(), "leader");
}

TEST(RoleTracker, AFailedBarrierIsProposedAgain) {
  RoleTracker r = Member();
  r.Observe(true, kSelf, 0);
  EXPECT_FALSE(r.BarrierDone(false, true));
  EXPECT_FALSE(r.leader_ready());
  EXPECT_TRUE(r.Observe(true, kSelf, 1).propose_barrier);
}

TEST(RoleTracker, ABarrierThatCommitsAfterLeadershipWasLostMakesNoLeader) {
  RoleTracker r = Member();
  r.Observe(true, kSelf, 0);
  EXPECT_FALSE(r.BarrierDone(true, false));
  EXPECT_FALSE(r.leader_ready());
}

TEST(RoleTracker, AFollowerServesOnlyOnceItsCatchUpMarkerIsApplied) {
  RoleTracker r = Member();
  RoleTracker::Steps s = r.Observe(false, 2, 0);
  EXPECT_TRUE(s.leader_changed);
  EXPECT_EQ(s.new_leader, 2u);
  EXPECT_TRUE(s.request_catch_up);
  r.CatchUpSent(10);
  EXPECT_FALSE(r.Observe(false, 2, 1).request_catch_up);  // one marker at a time
  EXPECT_FALSE(r.CatchUpApplied(11));                     // another sync of ours
  EXPECT_TRUE(r.CatchUpApplied(10));
  EXPECT_TRUE(r.Observe(false, 2, 2).start_serving);
  EXPECT_STREQ(r.ModeName(), "follower");
}

TEST(RoleTracker, ALostMarkerIsAskedForAgain) {
  RoleTracker r = Member();
  r.Observe(false, 2, 0);
  r.CatchUpSent(10);
  r.CatchUpLost();
  EXPECT_TRUE(r.Observe(false, 2, 1).request_catch_up);
}

TEST(RoleTracker, ANewLeaderMeansANewMarker) {
  RoleTracker r = Member();
  r.Observe(false, 2, 0);
  r.CatchUpSent(10);
  RoleTracker::Steps s = r.Observe(false, 3, 1);
  EXPECT_TRUE(s.leader_changed);
  EXPECT_EQ(s.old_leader, 2u);
  EXPECT_TRUE(s.request_catch_up);
  EXPECT_FALSE(r.CatchUpApplied(10));  // the old marker no longer counts
}

TEST(RoleTracker, LeadershipLostIsReportedOnce) {
  RoleTracker r = Member();
  r.Observe(true, kSelf, 0);
  r.BarrierDone(true, true);
  r.Observe(true, kSelf, 1);
  RoleTracker::Steps s = r.Observe(false, 0, 2);
  EXPECT_TRUE(s.leadership_lost);
  EXPECT_TRUE(s.leader_changed);
  EXPECT_EQ(s.old_leader, kSelf);
  EXPECT_FALSE(r.leader_ready());
  EXPECT_FALSE(r.Observe(false, 0, 3).leadership_lost);
}

TEST(RoleTracker, WithoutALeaderAMemberServesForTheGraceThenStops) {
  RoleTracker r = SyncedFollower();
  EXPECT_EQ(r.Observe(false, 0, 100).stop_serving, nullptr);
  EXPECT_EQ(r.Observe(false, 0, 100 + kGraceMs - 1).stop_serving, nullptr);
  const char* why = r.Observe(false, 0, 100 + kGraceMs).stop_serving;
  ASSERT_NE(why, nullptr);
  EXPECT_NE(std::string(why).find("no leader"), std::string::npos);
  EXPECT_FALSE(r.serving());
  EXPECT_FALSE(r.follower_synced());
}

TEST(RoleTracker, ALeaderBackWithinTheGraceKeepsTheMemberServing) {
  RoleTracker r = SyncedFollower();
  r.Observe(false, 0, 100);
  RoleTracker::Steps s = r.Observe(false, 2, 100 + kGraceMs - 1);
  EXPECT_EQ(s.stop_serving, nullptr);
  EXPECT_TRUE(r.serving());
  // The leaderless clock restarts from the next time there is no leader.
  EXPECT_EQ(r.Observe(false, 0, 100 + kGraceMs + 10).stop_serving, nullptr);
}

TEST(RoleTracker, AfterStoppingAMemberCatchesUpBeforeServingAgain) {
  RoleTracker r = SyncedFollower();
  r.StoppedServing();  // a snapshot replaced the state
  RoleTracker::Steps s = r.Observe(false, 2, 10);
  EXPECT_FALSE(s.start_serving);
  EXPECT_TRUE(s.request_catch_up);
  r.CatchUpSent(20);
  r.CatchUpApplied(20);
  EXPECT_TRUE(r.Observe(false, 2, 11).start_serving);
}

// Defect 6: a follower that cannot reach the leader over the peer channel would go on answering
// its clients' pings while the leader, hearing nothing of them, expires their sessions.
TEST(RoleTracker, AFollowerCutOffFromItsLeaderStopsServingAfterTheGrace) {
  RoleTracker r = SyncedFollower();
  EXPECT_EQ(r.Observe(false, 2, 100, false).stop_serving, nullptr);
  EXPECT_EQ(r.Observe(false, 2, 100 + kGraceMs - 1, false).stop_serving, nullptr);
  const char* why = r.Observe(false, 2, 100 + kGraceMs, false).stop_serving;
  ASSERT_NE(why, nullptr);
  EXPECT_NE(std::string(why).find("peer link to the leader"), std::string::npos);
  // Back: it catches up again before it serves.
  RoleTracker::Steps s = r.Observe(false, 2, 100 + kGraceMs + 1, true);
  EXPECT_FALSE(s.start_serving);
  EXPECT_TRUE(s.request_catch_up);
}

// Found by the simulation (seed 592): a leader that lost its leadership kept its clients for
// the grace and asked the new leader for a marker; its link to the new leader was cut, so the
// marker waited in the outbox; then it stopped serving, which empties the outbox. The tracker
// went on waiting for that marker and the member never served again.
TEST(RoleTracker, AMarkerPendingWhenServingStopsIsAskedForAgain) {
  RoleTracker r = Member();
  ASSERT_TRUE(r.Observe(true, kSelf, 0).propose_barrier);
  ASSERT_TRUE(r.BarrierDone(true, true));
  ASSERT_TRUE(r.Observe(true, kSelf, 1).start_serving);
  RoleTracker::Steps s = r.Observe(false, 2, 100, false);
  ASSERT_TRUE(s.leadership_lost);
  ASSERT_TRUE(s.request_catch_up);
  ASSERT_TRUE(r.serving());
  r.CatchUpSent(21);
  const char* why = r.Observe(false, 2, 100 + kGraceMs, false).stop_serving;
  ASSERT_NE(why, nullptr);
  // Marker 21 was dropped with the outbox: a new one is asked for, and only it counts.
  EXPECT_TRUE(r.Observe(false, 2, 100 + kGraceMs + 1, true).request_catch_up);
  r.CatchUpSent(22);
  EXPECT_FALSE(r.CatchUpApplied(21));
  EXPECT_TRUE(r.CatchUpApplied(22));
  EXPECT_TRUE(r.Observe(false, 2, 100 + kGraceMs + 2, true).start_serving);
}

TEST(RoleTracker, ALinkBackWithinTheGraceKeepsTheFollowerServing) {
  RoleTracker r = SyncedFollower();
  r.Observe(false, 2, 100, false);
  r.Observe(false, 2, 100 + kGraceMs - 1, true);
  EXPECT_EQ(r.Observe(false, 2, 100 + kGraceMs + 5, false).stop_serving, nullptr);
  EXPECT_TRUE(r.serving());
}

TEST(RoleTracker, StandaloneIsItsOwnLeader) {
  RoleTracker r({kSelf, false, kGraceMs});
  EXPECT_TRUE(r.Observe(true, kSelf, 0).propose_barrier);
  r.BarrierDone(true, true);
  EXPECT_TRUE(r.Observe(true, kSelf, 1).start_serving);
  EXPECT_STREQ(r.ModeName(), "standalone");
}

}  // namespace
}  // namespace paddock::server
