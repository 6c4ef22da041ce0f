// Proves that the expiry queue expires each session exactly at last touch + timeout (to the
// millisecond, no tick rounding, as the design brief asks), that touches extend the deadline and
// are re-filed lazily, that PollExpired honours its count bound and returns the earliest first,
// that NextWakeMs is never later than any real deadline (so a driver that sleeps until it never
// misses an expiry), and that Remove and SetTimeout do what their contracts say. Time is passed
// in explicitly; nothing sleeps.
#include "session/expiry_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace paddock::session {
namespace {

constexpr size_t kAll = 1000;

TEST(ExpiryQueue, DeadlineIsExactlyNowPlusTimeout) {
  ExpiryQueue q;
  q.Add(1, 5000, 1003);
  EXPECT_EQ(q.DeadlineMs(1), 6003);
  EXPECT_EQ(q.TimeoutMs(1), 5000);
  EXPECT_TRUE(q.Contains(1));
  EXPECT_EQ(q.size(), 1u);
}

// A touch heard by another member arrives late: it extends the deadline to heard + timeout, and
// never moves it earlier than a newer touch already gave.
TEST(ExpiryQueue, ExtendOnlyMovesTheDeadlineLater) {
  ExpiryQueue q;
  q.Add(1, 5000, 1000);
  EXPECT_TRUE(q.Extend(1, 3000));
  EXPECT_EQ(q.DeadlineMs(1), 8000);
  EXPECT_TRUE(q.Extend(1, 2000));  // older than what we know: no change
  EXPECT_EQ(q.DeadlineMs(1), 8000);
  EXPECT_TRUE(q.PollExpired(7999, kAll).empty());
  EXPECT_EQ(q.PollExpired(8000, kAll), std::vector<int64_t>{1});
  EXPECT_FALSE(q.Extend(1, 9000));  // no longer tracked
}

TEST(ExpiryQueue, DoesNotExpireOneMillisecondBeforeTheDeadline) {
  ExpiryQueue q;
  q.Add(1, 5000, 1003);
  EXPECT_TRUE(q.PollExpired(6002, kAll).empty());
  EXPECT_TRUE(q.Contains(1));
}

TEST(ExpiryQueue, ExpiresAtTheDeadlineItself) {
  ExpiryQueue q;
  q.Add(1, 5000, 1003);
  EXPECT_EQ(q.PollExpired(6003, kAll), std::vector<int64_t>{1});
}

TEST(ExpiryQueue, ExpiresWhenPolledLateToo) {
  ExpiryQueue q;
  q.Add(1, 5000, 0);
  EXPECT_EQ(q.PollExpired(99999, kAll), std::vector<int64_t>{1});
}

TEST(ExpiryQueue, AnExpiredSessionIsForgottenAndNotReturnedAgain) {
  ExpiryQueue q;
  q.Add(1, 10, 0);
  ASSERT_EQ(q.PollExpired(10, kAll).size(), 1u);
  EXPECT_FALSE(q.Contains(1));
  EXPECT_EQ(q.size(), 0u);
  EXPECT_TRUE(q.PollExpired(20, kAll).empty());
  EXPECT_EQ(q.NextWakeMs(), std::nullopt);
}

TEST(ExpiryQueue, ZeroTimeoutExpiresAtTheSameInstant) {
  ExpiryQueue q;
  q.Add(1, 0, 500);
  EXPECT_EQ(q.PollExpired(500, kAll), std::vector<int64_t>{1});
}

TEST(ExpiryQueue, TouchMovesTheDeadlineToTouchTimePlusTimeout) {
  ExpiryQueue q;
  q.Add(1, 5000, 0);
  EXPECT_TRUE(q.Touch(1, 3001));
  EXPECT_EQ(q.DeadlineMs(1), 8001);
}

TEST(ExpiryQueue, TouchOfAnUnknownSessionReturnsFalse) {
  ExpiryQueue q;
  EXPECT_FALSE(q.Touch(1, 0));
  EXPECT_FALSE(q.Contains(1));
}

TEST(ExpiryQueue, ATouchedSessionSurvivesItsOldDeadline) {
  ExpiryQueue q;
  q.Add(1, 5000, 0);
  q.Touch(1, 3000);
  EXPECT_TRUE(q.PollExpired(5000, kAll).empty());
  EXPECT_TRUE(q.PollExpired(7999, kAll).empty());
  EXPECT_EQ(q.PollExpired(8000, kAll), std::vector<int64_t>{1});
}

TEST(ExpiryQueue, TouchAloneLeavesTheWakeTimeAtTheOldDeadline) {
  // The index is corrected lazily: touch is O(1) and leaves the old, earlier entry.
  ExpiryQueue q;
  q.Add(1, 5000, 0);
  q.Touch(1, 3000);
  EXPECT_EQ(q.NextWakeMs(), 5000);
}

TEST(ExpiryQueue, PollingATouchedEntryRefilesItUnderItsRealDeadline) {
  ExpiryQueue q;
  q.Add(1, 5000, 0);
  q.Touch(1, 3000);
  EXPECT_TRUE(q.PollExpired(5000, kAll).empty());
  EXPECT_EQ(q.NextWakeMs(), 8000);
  EXPECT_EQ(q.DeadlineMs(1), 8000);
}

TEST(ExpiryQueue, RefilingSurvivesSeveralTouchesBetweenPolls) {
  ExpiryQueue q;
  q.Add(1, 1000, 0);
  for (int64_t now = 100; now <= 900; now += 100) q.Touch(1, now);
  EXPECT_TRUE(q.PollExpired(1000, kAll).empty());
  EXPECT_EQ(q.NextWakeMs(), 1900);
  EXPECT_EQ(q.PollExpired(1900, kAll), std::vector<int64_t>{1});
}

TEST(ExpiryQueue, NextWakeIsEmptyForAnEmptyQueue) {
  ExpiryQueue q;
  EXPECT_EQ(q.NextWakeMs(), std::nullopt);
}

TEST(ExpiryQueue, NextWakeIsTheEarliestDeadline) {
  ExpiryQueue q;
  q.Add(1, 9000, 0);
  q.Add(2, 4000, 0);
  q.Add(3, 7000, 0);
  EXPECT_EQ(q.NextWakeMs(), 4000);
}

TEST(ExpiryQueue, NextWakeIsNeverLaterThanAnyRealDeadline) {
  // A seeded mix of adds, touches, timeout changes, removals and polls; after every step the
  // wake time must be at or before the earliest real deadline.
  std::mt19937 rng(20240601);
  ExpiryQueue q;
  int64_t now = 0;
  for (int step = 0; step < 5000; step++) {
    now += static_cast<int64_t>(rng() % 50);
    int64_t id = static_cast<int64_t>(rng() % 40);
    switch (rng() % 6) {
      case 0: q.Add(id, static_cast<int32_t>(rng() % 3000), now); break;
      case 1: q.SetTimeout(id, static_cast<int32_t>(rng() % 3000)); break;
      case 2: q.Remove(id); break;
      case 3: q.PollExpired(now, rng() % 4); break;
      default: q.Touch(id, now); break;
    }
    auto by_deadline = q.ByDeadline();
    if (by_deadline.empty()) {
      ASSERT_EQ(q.NextWakeMs(), std::nullopt) << "step " << step;
    } else {
      ASSERT_TRUE(q.NextWakeMs().has_value()) << "step " << step;
      ASSERT_LE(*q.NextWakeMs(), by_deadline.front().first) << "step " << step;
    }
  }
}

TEST(ExpiryQueue, PollReturnsTheEarliestDeadlinesFirst) {
  ExpiryQueue q;
  q.Add(30, 300, 0);
  q.Add(10, 100, 0);
  q.Add(20, 200, 0);
  EXPECT_EQ(q.PollExpired(1000, kAll), (std::vector<int64_t>{10, 20, 30}));
}

TEST(ExpiryQueue, PollReturnsAtMostCountMaxSessions) {
  ExpiryQueue q;
  for (int64_t id = 1; id <= 5; id++) q.Add(id, static_cast<int32_t>(id * 10), 0);
  EXPECT_EQ(q.PollExpired(1000, 2), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.PollExpired(1000, 2), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(q.PollExpired(1000, 2), (std::vector<int64_t>{5}));
}

TEST(ExpiryQueue, PollWithCountMaxZeroExpiresNothing) {
  ExpiryQueue q;
  q.Add(1, 10, 0);
  EXPECT_TRUE(q.PollExpired(1000, 0).empty());
  EXPECT_TRUE(q.Contains(1));
  EXPECT_EQ(q.NextWakeMs(), 10);
}

TEST(ExpiryQueue, PollLeavesSessionsThatAreNotDueYet) {
  ExpiryQueue q;
  q.Add(1, 100, 0);
  q.Add(2, 200, 0);
  EXPECT_EQ(q.PollExpired(150, kAll), std::vector<int64_t>{1});
  EXPECT_TRUE(q.Contains(2));
  EXPECT_EQ(q.NextWakeMs(), 200);
}

TEST(ExpiryQueue, ARemovedSessionNeverExpires) {
  ExpiryQueue q;
  q.Add(1, 100, 0);
  q.Remove(1);
  EXPECT_FALSE(q.Contains(1));
  EXPECT_TRUE(q.PollExpired(1000, kAll).empty());
  EXPECT_EQ(q.NextWakeMs(), std::nullopt);
}

TEST(ExpiryQueue, RemovingAnUnknownSessionChangesNothing) {
  ExpiryQueue q;
  q.Add(1, 100, 0);
  q.Remove(2);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.NextWakeMs(), 100);
}

TEST(ExpiryQueue, RemovingATouchedSessionDropsItsIndexEntryToo) {
  ExpiryQueue q;
  q.Add(1, 100, 0);
  q.Touch(1, 50);
  q.Remove(1);
  EXPECT_EQ(q.NextWakeMs(), std::nullopt);
  EXPECT_TRUE(q.PollExpired(1000, kAll).empty());
}

TEST(ExpiryQueue, AddingATrackedSessionAgainRearmsItWithTheNewTimeout) {
  ExpiryQueue q;
  q.Add(1, 10000, 0);
  q.Add(1, 100, 50);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.DeadlineMs(1), 150);
  EXPECT_EQ(q.NextWakeMs(), 150);
  EXPECT_EQ(q.PollExpired(150, kAll), std::vector<int64_t>{1});
}

TEST(ExpiryQueue, SetTimeoutLeavesTheCurrentDeadlineAlone) {
  ExpiryQueue q;
  q.Add(1, 5000, 0);
  q.SetTimeout(1, 9000);
  EXPECT_EQ(q.TimeoutMs(1), 9000);
  EXPECT_EQ(q.DeadlineMs(1), 5000);
}

TEST(ExpiryQueue, ALongerTimeoutAppliesFromTheNextTouch) {
  ExpiryQueue q;
  q.Add(1, 5000, 0);
  q.SetTimeout(1, 9000);
  q.Touch(1, 1000);
  EXPECT_EQ(q.DeadlineMs(1), 10000);
  EXPECT_TRUE(q.PollExpired(9999, kAll).empty());
  EXPECT_EQ(q.PollExpired(10000, kAll), std::vector<int64_t>{1});
}

TEST(ExpiryQueue, AShorterTimeoutAppliesFromTheNextTouch) {
  // A reattach may negotiate a shorter timeout; the session then expires that much after its
  // next touch, as in ZooKeeper, not at the older, later deadline.
  ExpiryQueue q;
  q.Add(1, 10000, 0);
  q.SetTimeout(1, 2000);
  q.Touch(1, 1000);
  EXPECT_EQ(q.DeadlineMs(1), 3000);
  EXPECT_LE(*q.NextWakeMs(), 3000);
  EXPECT_EQ(q.PollExpired(3000, kAll), std::vector<int64_t>{1});
}

TEST(ExpiryQueue, SetTimeoutOfAnUnknownSessionIsIgnored) {
  ExpiryQueue q;
  q.SetTimeout(1, 2000);
  EXPECT_FALSE(q.Contains(1));
  EXPECT_EQ(q.size(), 0u);
}

TEST(ExpiryQueue, ByDeadlineListsRealDeadlinesInOrder) {
  ExpiryQueue q;
  q.Add(1, 500, 0);
  q.Add(2, 100, 0);
  q.Add(3, 300, 0);
  q.Touch(2, 450);  // real deadline 550, though still filed at 100
  EXPECT_EQ(q.ByDeadline(), (std::vector<std::pair<int64_t, int64_t>>{
                                 {300, 3}, {500, 1}, {550, 2}}));
}

}  // namespace
}  // namespace paddock::session
