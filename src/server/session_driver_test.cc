// Proves the session driver's rules on explicit times (nothing sleeps, no sockets):
//  * a session expires exactly at its last evidence + timeout, and only evidence moves that;
//  * only evidence is passed on to other members: sessions restored at start (from a snapshot
//    or by replaying the log) are tracked for a full timeout but never reported as heard, so a
//    member that restarts cannot keep a dead client's session alive (issue #14, defect 4); and
//    a member passes on only what it heard itself, so a report it read late does not come back
//    to the leader as fresh evidence (simulation seed 56526);
//  * a session handed out for expiry stays tracked as closing: touches heard meanwhile are
//    kept and reported, and when the expiry fails or leadership is lost it is tracked again
//    with them (issue #14, defect 5);
//  * a new leader gives every session at least min(grace, timeout) and holds expiry for one
//    heartbeat interval; a standalone leader does neither;
//  * touches from other members extend deadlines and carry the
//    timeout the client negotiated where it is.
#include "server/session_driver.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace paddock::server {
namespace {

constexpr int64_t kGraceMs = 1000;
constexpr int64_t kHoldMs = 251;

SessionDriver Ensemble() { return SessionDriver({true, kGraceMs, kHoldMs, 1000}); }
SessionDriver Standalone() { return SessionDriver({false, kGraceMs, kHoldMs, 1000}); }

bool Reports(const std::vector<Heartbeat::Touch>& touches, int64_t id) {
  return std::any_of(touches.begin(), touches.end(),
                     [id](const Heartbeat::Touch& t) { return t.session_id == id; });
}

TEST(SessionDriver, ExpiresExactlyAtLastEvidencePlusTimeout) {
  SessionDriver d = Standalone();
  d.BecameLeader({}, 0);
  d.Created(1, 4000, 1000);
  d.Heard(1, 2500);
  EXPECT_TRUE(d.PollExpired(6499).empty());
  EXPECT_EQ(d.PollExpired(6500), std::vector<int64_t>{1});
  EXPECT_TRUE(d.Closing(1));
}

TEST(SessionDriver, HeardIgnoresSessionsItDoesNotTrack) {
  SessionDriver d = Ensemble();
  d.Heard(7, 100);
  EXPECT_FALSE(d.liveness().Contains(7));
  EXPECT_TRUE(d.TakeTouches(200).empty());
}

// Defect 4: a follower restarts and replays its log or snapshot. It tracks every session for a
// full timeout from now (should it lead, it cannot know better), but it heard none of their
// clients, so it must tell the others nothing about them.
TEST(SessionDriver, RestoredSessionsAreTrackedButNeverReportedAsHeard) {
  SessionDriver d = Ensemble();
  session::SessionTable table;
  int64_t id = table.Create(1, 5000, 4000);
  d.Follow(table, 10'000);
  d.Created(table.Create(1, 5000, 4000), 4000, 10'000);  // replayed from the log
  EXPECT_TRUE(d.liveness().Contains(id));
  EXPECT_EQ(d.liveness().DeadlineMs(id), 14'000);
  EXPECT_TRUE(d.Evidence(10'500).empty());
  EXPECT_TRUE(d.TakeTouches(10'500).empty());
  EXPECT_FALSE(d.HeardMs(id).has_value());
}

TEST(SessionDriver, EvidenceCarriesWhatThisMemberHeardItself) {
  SessionDriver d = Ensemble();
  d.Created(1, 4000, 0);
  d.Created(2, 4000, 0);
  d.Heard(1, 1000);
  Heartbeat::Touch remote{2, 4000, 300};
  d.OnTouches({&remote, 1}, 2000);  // heard by another member at 1700
  std::vector<Heartbeat::Touch> ev = d.Evidence(2500);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].session_id, 1);
  EXPECT_EQ(ev[0].age_ms, 1500);
  // What others reported still counts here, and is what this member knows of the client.
  EXPECT_EQ(d.liveness().DeadlineMs(2), 5700);
  EXPECT_EQ(d.HeardMs(2), 1700);
  // A report never hides what this member heard itself, nor the other way round.
  Heartbeat::Touch later{1, 4000, 0};
  d.OnTouches({&later, 1}, 3000);
  ev = d.Evidence(3500);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].age_ms, 2500);  // heard here at 1000
  EXPECT_EQ(d.HeardMs(1), 3000);
}

// Seed 56526 of the simulation: the leader's heartbeat, carrying its own touch of a client (age
// 0), waited in a paused follower's socket for 1.9 s. Read after the pause, it said "heard just
// now". The follower's links then came up and it passed that evidence back to the leader, whose
// deadline for the client moved 1.9 s past what the client had earned: the session lived 6 s
// after its client's last word with a 4 s timeout. The follower must pass on only what it heard.
TEST(SessionDriver, AReportReadLateIsNotPassedOnAsFreshEvidence) {
  SessionDriver leader = Ensemble();
  SessionDriver follower = Ensemble();
  for (SessionDriver* d : {&leader, &follower}) d->Created(7, 4000, 0);
  leader.Heard(7, 5700);
  std::vector<Heartbeat::Touch> touches = leader.TakeTouches(5700);  // sent at 5700, age 0
  ASSERT_EQ(touches.size(), 1u);
  follower.OnTouches(touches, 7600);  // read after the pause: "heard at 7600"
  std::vector<Heartbeat::Touch> evidence = follower.Evidence(7600);  // its links came up
  leader.OnTouches(evidence, 7602);
  EXPECT_EQ(leader.liveness().DeadlineMs(7), 9700);  // 5700 + 4000, not 7600 + 4000
}

TEST(SessionDriver, TakeTouchesReportsWhatWasHeardHereOnce) {
  SessionDriver d = Ensemble();
  d.Created(1, 4000, 0);
  d.Created(2, 6000, 0);
  d.Heard(1, 100);
  d.Attached(2, 3000);
  d.Heard(2, 150);
  std::vector<Heartbeat::Touch> t = d.TakeTouches(200);
  ASSERT_EQ(t.size(), 2u);
  std::sort(t.begin(), t.end(),
            [](const auto& a, const auto& b) { return a.session_id < b.session_id; });
  EXPECT_EQ(t[0].age_ms, 100);
  EXPECT_EQ(t[1].timeout_ms, 3000);  // the timeout negotiated at the reattach
  EXPECT_EQ(t[1].age_ms, 50);
  EXPECT_TRUE(d.TakeTouches(300).empty());
}

TEST(SessionDriver, StandaloneKeepsNoTouchesToSend) {
  SessionDriver d = Standalone();
  d.Created(1, 4000, 0);
  for (int64_t t = 1; t <= 100; t++) d.Heard(1, t);
  EXPECT_TRUE(d.TakeTouches(200).empty());
}

TEST(SessionDriver, TouchesFromOtherMembersOnlyMoveDeadlinesLaterWithTheHoldersTimeout) {
  SessionDriver d = Ensemble();
  d.Created(1, 4000, 0);
  d.Heard(1, 3000);
  Heartbeat::Touch old_touch{1, 4000, 2500};
  d.OnTouches({&old_touch, 1}, 3000);  // heard at 500: older than what we know
  EXPECT_EQ(d.liveness().DeadlineMs(1), 7000);
  Heartbeat::Touch fresh{1, 5000, 0};
  d.OnTouches({&fresh, 1}, 3500);
  EXPECT_EQ(d.liveness().DeadlineMs(1), 8500);  // the holder's timeout, from then
}

TEST(SessionDriver, ANewLeaderGivesAtLeastTheGraceAndHoldsExpiry) {
  SessionDriver d = Ensemble();
  session::SessionTable table;
  int64_t a = table.Create(1, 0, 4000);
  int64_t b = table.Create(1, 0, 600);
  d.Created(a, 4000, 0);
  d.Created(b, 600, 0);
  d.BecameLeader(table, 10'000);  // both long overdue
  EXPECT_EQ(d.liveness().DeadlineMs(a), 10'000 + kGraceMs);
  EXPECT_EQ(d.liveness().DeadlineMs(b), 10'600);  // never more than its own timeout
  // A safe time to wake: not before the hold ends, never after the earliest deadline.
  EXPECT_GE(*d.NextWakeMs(), 10'000 + kHoldMs);
  EXPECT_LE(*d.NextWakeMs(), 10'600);
  d.Heard(b, 10'000);
  EXPECT_TRUE(d.PollExpired(10'000 + kHoldMs - 1).empty());
}

TEST(SessionDriver, ANewLeaderTracksSessionsItHadNoDeadlineFor) {
  SessionDriver d = Ensemble();
  session::SessionTable table;
  int64_t id = table.Create(1, 0, 4000);
  d.BecameLeader(table, 500);
  EXPECT_EQ(d.liveness().DeadlineMs(id), 4500);
}

TEST(SessionDriver, AStandaloneLeaderNeitherGracesNorHolds) {
  SessionDriver d = Standalone();
  session::SessionTable table;
  int64_t id = table.Create(1, 0, 4000);
  d.Created(id, 4000, 0);
  d.BecameLeader(table, 10'000);
  EXPECT_EQ(d.PollExpired(10'000), std::vector<int64_t>{id});
}

// Defect 5: the leader hands a session out for expiry, then loses leadership before the expiry
// commits. Its client was heard meanwhile (it reconnected to this member). The session must be
// tracked again with that evidence, and reported to the others, so that the next leader does not
// expire a client that is alive.
TEST(SessionDriver, AnExpiryLostWithLeadershipLeavesTheSessionTrackedWithItsTouches) {
  SessionDriver d = Ensemble();
  d.Created(1, 4000, 0);
  d.BecameLeader({}, 0);
  ASSERT_EQ(d.PollExpired(5000), std::vector<int64_t>{1});
  d.Heard(1, 5200);
  EXPECT_TRUE(Reports(d.TakeTouches(5300), 1));
  d.LostLeadership();
  EXPECT_FALSE(d.Closing(1));
  ASSERT_TRUE(d.liveness().Contains(1));
  EXPECT_EQ(d.liveness().DeadlineMs(1), 9200);
  d.Heard(1, 6000);
  EXPECT_TRUE(Reports(d.TakeTouches(6100), 1));
  EXPECT_TRUE(Reports(d.Evidence(6100), 1));
}

TEST(SessionDriver, AFailedExpiryProposalTracksTheSessionAgain) {
  SessionDriver d = Standalone();
  d.Created(1, 4000, 0);
  d.BecameLeader({}, 0);
  ASSERT_EQ(d.PollExpired(4000), std::vector<int64_t>{1});
  EXPECT_TRUE(d.PollExpired(4001).empty());  // closing: not handed out twice
  d.ExpiryFailed(1);
  EXPECT_TRUE(d.liveness().Contains(1));
  EXPECT_EQ(d.PollExpired(4002), std::vector<int64_t>{1});  // still due: tried again
}

TEST(SessionDriver, TouchesFromOtherMembersReachAClosingSession) {
  SessionDriver d = Ensemble();
  d.Created(1, 4000, 0);
  d.BecameLeader({}, 0);
  ASSERT_EQ(d.PollExpired(4000), std::vector<int64_t>{1});
  Heartbeat::Touch t{1, 4000, 0};
  d.OnTouches({&t, 1}, 4100);
  d.ExpiryFailed(1);
  EXPECT_EQ(d.liveness().DeadlineMs(1), 8100);
}

TEST(SessionDriver, ClosedForgetsASessionInEveryState) {
  SessionDriver d = Ensemble();
  d.Created(1, 4000, 0);
  d.Created(2, 4000, 0);
  d.Heard(1, 10);
  d.Heard(2, 10);
  d.BecameLeader({}, 0);
  ASSERT_EQ(d.PollExpired(5000).size(), 2u);
  d.Closed(1);
  d.Closed(2);
  d.LostLeadership();
  EXPECT_EQ(d.liveness().size(), 0u);
  EXPECT_TRUE(d.Evidence(6000).empty());
  EXPECT_TRUE(d.TakeTouches(6000).empty());
}

TEST(SessionDriver, FollowForgetsSessionsTheTableNoLongerHolds) {
  SessionDriver d = Ensemble();
  d.Created(1, 4000, 0);
  d.Heard(1, 10);
  session::SessionTable table;
  int64_t kept = table.Create(2, 0, 3000);
  d.Follow(table, 100);
  EXPECT_FALSE(d.liveness().Contains(1));
  EXPECT_TRUE(d.liveness().Contains(kept));
  EXPECT_TRUE(d.Evidence(200).empty());
}

}  // namespace
}  // namespace paddock::server
