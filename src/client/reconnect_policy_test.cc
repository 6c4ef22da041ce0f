// Proves the client's timing rules with plain numbers as time (no clock, no sleeps): ping after
// a third of the timeout idle, drop after two thirds silent, connect timeout per host, a seeded
// shuffle that visits every host once per round, no wait inside a round, and a jittered backoff
// after each failed round that grows, is capped, and starts over after a success.
#include "client/reconnect_policy.h"

#include <gtest/gtest.h>

#include <set>

namespace paddock::client {
namespace {

TEST(Timing, PingAfterAThirdOfTheTimeoutWithoutSending) {
  EXPECT_FALSE(PingDue(1000 + 3332, 1000, 10000));
  EXPECT_TRUE(PingDue(1000 + 3333, 1000, 10000));
}

TEST(Timing, ConnectionGivenUpAfterTwoThirdsWithoutReceiving) {
  EXPECT_FALSE(ReadTimedOut(6665, 0, 10000));
  EXPECT_TRUE(ReadTimedOut(6666, 0, 10000));
}

TEST(Timing, ConnectTimeoutIsTheSessionTimeoutSplitAcrossHosts) {
  EXPECT_EQ(ConnectTimeoutMs(9000, 3), 3000);
  EXPECT_EQ(ConnectTimeoutMs(9000, 1), 9000);
}

TEST(ReconnectPolicy, EveryHostOncePerRoundInASeededShuffledOrder) {
  ReconnectPolicy a(5, 42), b(5, 42);
  EXPECT_EQ(a.order(), b.order());
  std::set<size_t> seen;
  for (int i = 0; i < 5; i++) seen.insert(a.NextHost());
  EXPECT_EQ(seen.size(), 5u);
}

TEST(ReconnectPolicy, NoWaitInsideARoundAndJitteredGrowingWaitAfterIt) {
  ReconnectPolicy p(3, 7);
  for (int round = 1; round <= 8; round++) {
    for (int i = 0; i < 3; i++) {
      EXPECT_EQ(i == 0 && round > 1 ? 0 : p.DelayBeforeNextMs(30000), 0) << round;
      p.NextHost();
    }
    int64_t d = p.DelayBeforeNextMs(30000);
    int64_t window = std::min<int64_t>(5000, int64_t{100} << (round - 1));
    EXPECT_GE(d, 0);
    EXPECT_LE(d, window) << round;
  }
  EXPECT_EQ(p.rounds_failed(), 8);
}

TEST(ReconnectPolicy, BackoffIsCappedByAThirdOfTheSessionTimeout) {
  ReconnectPolicy p(1, 3);
  for (int i = 0; i < 20; i++) {
    p.NextHost();
    EXPECT_LE(p.DelayBeforeNextMs(1200), 400);
  }
}

TEST(ReconnectPolicy, SuccessStartsTheBackoffOver) {
  ReconnectPolicy p(1, 9);
  for (int i = 0; i < 5; i++) {
    p.NextHost();
    (void)p.DelayBeforeNextMs(30000);
  }
  p.OnConnected();
  EXPECT_EQ(p.rounds_failed(), 0);
  p.NextHost();
  EXPECT_LE(p.DelayBeforeNextMs(30000), 100);
}

TEST(ReconnectPolicy, DifferentSeedsSpreadClientsApart) {
  std::set<int64_t> delays;
  for (uint64_t seed = 1; seed <= 20; seed++) {
    ReconnectPolicy p(1, seed);
    for (int i = 0; i < 4; i++) {
      p.NextHost();
      if (i < 3) (void)p.DelayBeforeNextMs(30000);
    }
    delays.insert(p.DelayBeforeNextMs(30000));
  }
  EXPECT_GT(delays.size(), 10u);
}

}  // namespace
}  // namespace paddock::client
