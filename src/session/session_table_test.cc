// Proves the session table's id layout and bookkeeping (reference §2.5): a server's first id is
// (server << 56) | ((time_ms & (2^40 - 1)) << 16), with the time taken from the txn; later ids
// count up by one from there, per server; id 0 and the container marker 0x8000000000000000 are
// never handed out; restored ids and counters are respected. Each test drives a fresh table with
// explicit server ids and txn times.
#include "session/session_table.h"

#include <gtest/gtest.h>

namespace paddock::session {
namespace {

constexpr int64_t kTime = 0x0b2c3d4e;  // arbitrary txn time, ms

TEST(SessionTable, FirstIdPutsTheServerInTheTopByteAndTheTimeAboveSixteenBits) {
  SessionTable t;
  EXPECT_EQ(t.Create(1, kTime, 30000), 0x01000b2c3d4e0000);
}

TEST(SessionTable, LaterIdsCountUpByOne) {
  SessionTable t;
  int64_t first = t.Create(1, kTime, 30000);
  EXPECT_EQ(t.Create(1, kTime, 30000), first + 1);
  EXPECT_EQ(t.Create(1, kTime, 30000), first + 2);
}

TEST(SessionTable, OnlyTheFirstIdOfAServerDependsOnTheTime) {
  SessionTable t;
  int64_t first = t.Create(1, kTime, 30000);
  EXPECT_EQ(t.Create(1, kTime + 123456, 30000), first + 1);
}

TEST(SessionTable, KeepsOnlyTheLowFortyBitsOfTheTime) {
  SessionTable t;
  int64_t time_ms = (int64_t{0x5a} << 40) | 0x0000000001;
  EXPECT_EQ(t.Create(2, time_ms, 30000), 0x0200000000010000);
}

TEST(SessionTable, EachServerCountsInItsOwnRange) {
  SessionTable t;
  EXPECT_EQ(t.Create(1, 1, 30000), 0x0100000000010000);
  EXPECT_EQ(t.Create(3, 1, 30000), 0x0300000000010000);
  EXPECT_EQ(t.Create(1, 1, 30000), 0x0100000000010001);
  EXPECT_EQ(t.Create(3, 1, 30000), 0x0300000000010001);
  EXPECT_EQ(t.next_ids().size(), 2u);
}

TEST(SessionTable, NeverHandsOutIdZero) {
  SessionTable t;
  EXPECT_EQ(t.Create(0, 0, 30000), 1);
  EXPECT_EQ(t.Create(0, 0, 30000), 2);
}

TEST(SessionTable, NeverHandsOutTheContainerMarker) {
  SessionTable t;
  int64_t id = t.Create(0x80, 0, 30000);
  EXPECT_NE(id, INT64_MIN);
  EXPECT_EQ(static_cast<uint64_t>(id), 0x8000000000000001ULL);
}

TEST(SessionTable, RecordsTheNegotiatedTimeout) {
  SessionTable t;
  int64_t id = t.Create(1, kTime, 12000);
  ASSERT_NE(t.Find(id), nullptr);
  EXPECT_EQ(t.Find(id)->timeout_ms, 12000);
  EXPECT_TRUE(t.Contains(id));
  EXPECT_EQ(t.size(), 1u);
}

TEST(SessionTable, FindReturnsNullForAnUnknownId) {
  SessionTable t;
  EXPECT_EQ(t.Find(12345), nullptr);
  EXPECT_FALSE(t.Contains(12345));
}

TEST(SessionTable, RemoveForgetsASessionOnce) {
  SessionTable t;
  int64_t id = t.Create(1, kTime, 30000);
  EXPECT_TRUE(t.Remove(id));
  EXPECT_FALSE(t.Contains(id));
  EXPECT_FALSE(t.Remove(id));
  EXPECT_EQ(t.size(), 0u);
}

TEST(SessionTable, RemovingASessionDoesNotReuseItsId) {
  SessionTable t;
  int64_t first = t.Create(1, kTime, 30000);
  ASSERT_TRUE(t.Remove(first));
  EXPECT_EQ(t.Create(1, kTime, 30000), first + 1);
}

TEST(SessionTable, RestoredSessionsAreFound) {
  SessionTable t;
  t.Restore(0x0100000000000005, {8000});
  ASSERT_TRUE(t.Contains(0x0100000000000005));
  EXPECT_EQ(t.Find(0x0100000000000005)->timeout_ms, 8000);
}

TEST(SessionTable, ARestoredCounterContinuesWhereItWas) {
  SessionTable t;
  t.RestoreNextId(1, 0x0100000000000042);
  EXPECT_EQ(t.Create(1, kTime, 30000), 0x0100000000000042);
}

TEST(SessionTable, CreateSkipsAnIdThatIsAlreadyLive) {
  SessionTable t;
  t.Restore(0x0100000000000042, {30000});
  t.RestoreNextId(1, 0x0100000000000042);
  EXPECT_EQ(t.Create(1, kTime, 30000), 0x0100000000000043);
}

TEST(SessionTable, ClearForgetsSessionsAndCounters) {
  SessionTable t;
  t.Create(1, kTime, 30000);
  t.Create(1, kTime, 30000);
  t.Clear();
  EXPECT_EQ(t.size(), 0u);
  EXPECT_TRUE(t.next_ids().empty());
  EXPECT_EQ(t.Create(1, kTime, 30000), 0x01000b2c3d4e0000);
}

}  // namespace
}  // namespace paddock::session
