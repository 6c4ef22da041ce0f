// Proves the peer channel's message bodies: heartbeats and failed-seq lists round-trip and
// refuse damage (cut, trailing bytes, bad role, a count the body cannot hold); and the leader's
// filter on forwarded batches: client writes, session creation and reattachment, and syncs
// pass; expiries, container deletions, kInit and unknown kinds are refused wherever they sit.
#include "server/ensemble_messages.h"

#include <gtest/gtest.h>

namespace paddock::server {
namespace {

TEST(HeartbeatTest, RoundTrips) {
  Heartbeat h;
  h.role = Heartbeat::Role::kLeader;
  h.serving = true;
  h.last_zxid = 0x1234567890;
  h.heard_you_age_ms = 250;
  h.touches.push_back({0x0100000000000001, 4000, 12});
  h.touches.push_back({0x0200000000000002, 30000, 0});
  Heartbeat out;
  ASSERT_TRUE(DecodeHeartbeat(EncodeHeartbeat(h), &out));
  EXPECT_EQ(out.role, Heartbeat::Role::kLeader);
  EXPECT_TRUE(out.serving);
  EXPECT_EQ(out.last_zxid, 0x1234567890);
  EXPECT_EQ(out.heard_you_age_ms, 250);
  ASSERT_EQ(out.touches.size(), 2u);
  EXPECT_EQ(out.touches[0].session_id, 0x0100000000000001);
  EXPECT_EQ(out.touches[0].timeout_ms, 4000);
  EXPECT_EQ(out.touches[0].age_ms, 12);
  EXPECT_EQ(out.touches[1].timeout_ms, 30000);
}

TEST(HeartbeatTest, RefusesDamage) {
  Heartbeat h;
  h.touches.push_back({1, 4000, 0});
  std::string good = EncodeHeartbeat(h);
  Heartbeat out;
  EXPECT_FALSE(DecodeHeartbeat(good.substr(0, good.size() - 1), &out));  // cut
  EXPECT_FALSE(DecodeHeartbeat(good + "x", &out));                        // trailing bytes
  std::string bad_role = good;
  bad_role[0] = 7;
  EXPECT_FALSE(DecodeHeartbeat(bad_role, &out));
  std::string huge_count = good;
  huge_count[14] = 0x7f;  // the touch count's high byte
  EXPECT_FALSE(DecodeHeartbeat(huge_count, &out));
  h.touches[0].timeout_ms = 0;
  EXPECT_FALSE(DecodeHeartbeat(EncodeHeartbeat(h), &out));
}

TEST(SeqsTest, RoundTripsAndRefusesDamage) {
  std::vector<int64_t> seqs = {1, 2, 0x7fffffffffff};
  std::vector<int64_t> out;
  std::string bytes = EncodeSeqs(seqs);
  ASSERT_TRUE(DecodeSeqs(bytes, &out));
  EXPECT_EQ(out, seqs);
  EXPECT_FALSE(DecodeSeqs(bytes.substr(0, 5), &out));
  EXPECT_FALSE(DecodeSeqs(bytes + "1", &out));
  EXPECT_TRUE(DecodeSeqs(EncodeSeqs({}), &out));
  EXPECT_TRUE(out.empty());
}

using statemachine::Txn;
using statemachine::TxnKind;

Txn OfKind(TxnKind kind) {
  Txn t;
  t.kind = kind;
  return t;
}

TEST(ForwardFilterTest, AcceptsWhatFollowersForward) {
  std::vector<Txn> batch = {OfKind(TxnKind::kRequest), OfKind(TxnKind::kCreateSession),
                            OfKind(TxnKind::kAttachSession), OfKind(TxnKind::kSync)};
  EXPECT_EQ(FirstNotForwardable(batch), nullptr);
  EXPECT_EQ(FirstNotForwardable({}), nullptr);
}

TEST(ForwardFilterTest, RefusesTheLeadersOwnDecisionsAnywhereInTheBatch) {
  for (TxnKind leader_only :
       {TxnKind::kExpireSession, TxnKind::kDeleteContainer, TxnKind::kInit}) {
    std::vector<Txn> batch = {OfKind(TxnKind::kRequest), OfKind(leader_only),
                              OfKind(TxnKind::kSync)};
    const Txn* refused = FirstNotForwardable(batch);
    ASSERT_EQ(refused, &batch[1]) << TxnKindName(leader_only);
  }
}

TEST(ForwardFilterTest, RefusesAKindThisBuildDoesNotKnow) {
  std::vector<Txn> batch = {OfKind(static_cast<TxnKind>(42))};
  EXPECT_EQ(FirstNotForwardable(batch), &batch[0]);
  EXPECT_EQ(TxnKindName(static_cast<TxnKind>(42)), "kind(42)");
  EXPECT_EQ(TxnKindName(TxnKind::kExpireSession), "expireSession");
}

}  // namespace
}  // namespace paddock::server
