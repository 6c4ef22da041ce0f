// Proves the outbox's contract on explicit inputs (no log, no sockets, no clock):
//  * group commit: while the bound of entries in flight is reached nothing is proposed; then
//    everything queued leaves at once, cut into entries of at most txns_per_entry_max, in order;
//  * a failed entry reports each txn where it belongs: own client txns (their connections
//    fail), other members' txns per member, expiries and cleanups that did not happen; txns
//    nobody waits for are not reported as client failures;
//  * a committed entry with forwarded txns asks once for a barrier, only when nothing follows;
//  * forwarding keeps the order, cuts frames at the byte bound (never empty), and remembers
//    which leader each own txn went to until it is settled or that leader is gone;
//  * losing leadership fails other members' txns back, keeps own client txns in order for the
//    next leader, and drops own leader-only txns, reporting them.
#include "server/outbox.h"

#include <gtest/gtest.h>

namespace paddock::server {
namespace {

using statemachine::Txn;
using statemachine::TxnKind;

constexpr int32_t kSelf = 1;

Txn Write(int64_t seq, int32_t origin = kSelf, std::string body = "w") {
  Txn t;
  t.kind = TxnKind::kRequest;
  t.session_id = 0x100 + seq;
  t.origin_server = origin;
  t.origin_seq = seq;
  t.body = std::move(body);
  return t;
}

Txn Expire(int64_t session) {
  Txn t;
  t.kind = TxnKind::kExpireSession;
  t.session_id = session;
  t.origin_server = kSelf;
  return t;
}

Txn Cleanup(std::string path) {
  Txn t;
  t.kind = TxnKind::kDeleteContainer;
  t.origin_server = kSelf;
  t.body = std::move(path);
  return t;
}

std::vector<int64_t> Seqs(const std::string& bytes) {
  Result<std::vector<Txn>> txns = statemachine::DecodeBatch(bytes);
  EXPECT_TRUE(txns.ok());
  std::vector<int64_t> out;
  for (const Txn& t : *txns) out.push_back(t.origin_seq);
  return out;
}

Outbox Small() { return Outbox(kSelf, Outbox::Limits{3, 2, 200}); }

TEST(Outbox, ProposesEverythingQueuedInEntriesOfBoundedSizeInOrder) {
  Outbox o = Small();
  for (int64_t s = 1; s <= 7; s++) o.Add(Write(s));
  std::vector<Outbox::Entry> e = o.TakeEntries();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(Seqs(e[0].bytes), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(Seqs(e[1].bytes), (std::vector<int64_t>{4, 5, 6}));
  EXPECT_EQ(Seqs(e[2].bytes), (std::vector<int64_t>{7}));
  EXPECT_TRUE(o.empty());
}

// Session establishment is group-committed like writes: a burst of handshakes (and the
// closeSessions that follow them) queued while the bound of entries in flight is reached leaves
// as one entry, not one append per session.
TEST(Outbox, ABurstOfSessionCreatesLeavesAsOneEntry) {
  Outbox o(kSelf, Outbox::Limits{2000, 1, 1 << 20});
  Txn first = Write(1);
  o.Add(first);
  std::vector<Outbox::Entry> in_flight = o.TakeEntries();
  ASSERT_EQ(in_flight.size(), 1u);
  for (int64_t s = 2; s <= 33; s++) {
    Txn t = Write(s);
    t.kind = TxnKind::kCreateSession;
    t.body = std::string(4, '\0');  // the negotiated timeout
    o.Add(std::move(t));
  }
  EXPECT_TRUE(o.TakeEntries().empty());  // the append in flight holds them
  EXPECT_TRUE(o.EntryDone(in_flight[0].ticket, true).empty());
  std::vector<Outbox::Entry> burst = o.TakeEntries();
  ASSERT_EQ(burst.size(), 1u);
  Result<std::vector<Txn>> txns = statemachine::DecodeBatch(burst[0].bytes);
  ASSERT_TRUE(txns.ok());
  ASSERT_EQ(txns->size(), 32u);
  for (const Txn& t : *txns) EXPECT_EQ(t.kind, TxnKind::kCreateSession);
}

TEST(Outbox, GroupCommitHoldsTheQueueWhileEnoughEntriesAreInFlight) {
  Outbox o = Small();
  o.Add(Write(1));
  std::vector<Outbox::Entry> first = o.TakeEntries();
  o.Add(Write(2));
  std::vector<Outbox::Entry> second = o.TakeEntries();
  ASSERT_EQ(o.entries_in_flight(), 2);
  o.Add(Write(3));
  o.Add(Write(4));
  EXPECT_TRUE(o.TakeEntries().empty());
  EXPECT_TRUE(o.EntryDone(first[0].ticket, true).empty());
  std::vector<Outbox::Entry> third = o.TakeEntries();
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(Seqs(third[0].bytes), (std::vector<int64_t>{3, 4}));
}

TEST(Outbox, AFailedEntryReportsEachTxnWhereItBelongs) {
  Outbox o(kSelf, Outbox::Limits{});
  o.Add(Write(11));
  o.Add(Write(21, 2));
  o.Add(Write(22, 2));
  o.Add(Write(31, 3));
  o.Add(Expire(0x77));
  o.Add(Cleanup("/c"));
  std::vector<Outbox::Entry> e = o.TakeEntries();
  ASSERT_EQ(e.size(), 1u);
  Failures f = o.EntryDone(e[0].ticket, false);
  EXPECT_EQ(f.own_seqs, std::vector<int64_t>{11});
  EXPECT_EQ(f.remote_seqs.at(2), (std::vector<int64_t>{21, 22}));
  EXPECT_EQ(f.remote_seqs.at(3), std::vector<int64_t>{31});
  EXPECT_EQ(f.expiries, std::vector<int64_t>{0x77});
  EXPECT_EQ(f.cleanups, std::vector<std::string>{"/c"});
  EXPECT_EQ(o.entries_in_flight(), 0);
}

TEST(Outbox, ACommittedEntryWithForwardedTxnsAsksForOneBarrier) {
  Outbox o = Small();
  o.Add(Write(21, 2));
  std::vector<Outbox::Entry> e = o.TakeEntries();
  EXPECT_FALSE(o.TakeCommitNudge());  // not committed yet
  EXPECT_TRUE(o.EntryDone(e[0].ticket, true).empty());
  o.Add(Write(1));
  EXPECT_FALSE(o.TakeCommitNudge());  // the next entry will carry the commit
  o.TakeEntries();
  EXPECT_FALSE(o.TakeCommitNudge());
}

TEST(Outbox, TheBarrierIsAskedOnceWhenNothingFollows) {
  Outbox o = Small();
  o.Add(Write(21, 2));
  std::vector<Outbox::Entry> e = o.TakeEntries();
  o.EntryDone(e[0].ticket, true);
  EXPECT_TRUE(o.TakeCommitNudge());
  EXPECT_FALSE(o.TakeCommitNudge());
}

TEST(Outbox, AnEntryOfOwnTxnsAsksForNoBarrier) {
  Outbox o = Small();
  o.Add(Write(1));
  std::vector<Outbox::Entry> e = o.TakeEntries();
  o.EntryDone(e[0].ticket, true);
  EXPECT_FALSE(o.TakeCommitNudge());
}

TEST(Outbox, ForwardingKeepsOrderAndCutsFramesAtTheByteBound) {
  Outbox o = Small();  // 200 bytes: each txn counts its body plus 64
  o.Add(Write(1, kSelf, std::string(100, 'a')));
  o.Add(Write(2, kSelf, std::string(100, 'b')));
  o.Add(Write(3, kSelf, std::string(500, 'c')));  // alone past the bound: still sent
  o.Add(Write(4));
  std::vector<std::string> frames = o.TakeForward(2);
  // A frame takes txns while it is under the bound, so it passes the bound by at most one.
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(Seqs(frames[0]), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(Seqs(frames[1]), (std::vector<int64_t>{3}));
  EXPECT_EQ(Seqs(frames[2]), (std::vector<int64_t>{4}));
  EXPECT_TRUE(o.empty());
}

TEST(Outbox, ALeaderThatIsGoneFailsWhatWasForwardedToItOnly) {
  Outbox o = Small();
  o.Add(Write(1));
  o.Add(Write(2));
  o.TakeForward(2);
  o.Add(Write(3));
  o.TakeForward(3);
  EXPECT_TRUE(o.Settled(1));  // applied: forgotten
  EXPECT_FALSE(o.Settled(1));
  EXPECT_EQ(o.LeaderGone(2).own_seqs, std::vector<int64_t>{2});
  EXPECT_TRUE(o.LeaderGone(2).own_seqs.empty());
  EXPECT_EQ(o.LeaderGone(3).own_seqs, std::vector<int64_t>{3});
}

TEST(Outbox, LosingLeadershipKeepsOwnClientTxnsInOrderAndFailsTheRest) {
  Outbox o(kSelf, Outbox::Limits{});
  o.Add(Write(1));
  o.Add(Write(21, 2));
  o.Add(Expire(0x77));
  o.Add(Write(2));
  o.Add(Cleanup("/c"));
  o.Add(Write(3));
  Failures f = o.LeadershipLost();
  EXPECT_TRUE(f.own_seqs.empty());
  EXPECT_EQ(f.remote_seqs.at(2), std::vector<int64_t>{21});
  EXPECT_EQ(f.expiries, std::vector<int64_t>{0x77});
  EXPECT_EQ(f.cleanups, std::vector<std::string>{"/c"});
  std::vector<std::string> frames = o.TakeForward(2);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(Seqs(frames[0]), (std::vector<int64_t>{1, 2, 3}));
}

TEST(Outbox, ClearDropsTheQueue) {
  Outbox o = Small();
  o.Add(Write(1));
  o.Clear();
  EXPECT_TRUE(o.empty());
  EXPECT_TRUE(o.TakeEntries().empty());
}

}  // namespace
}  // namespace paddock::server
