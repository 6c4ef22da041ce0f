// Proves how StateMachine ends sessions and cleans up containers and TTL nodes (reference §3.4,
// §3.5, §8.5): a close or an expiry deletes exactly the session's ephemerals under one zxid, with
// NodeDeleted and the parent's NodeChildrenChanged fired per node in order; IsCleanupCandidate
// follows ZooKeeper's ContainerManager rules; a kDeleteContainer txn deletes only what is still
// a candidate; with extended types, a TTL must lie within (0, 2^40 - 1] (without them createTTL
// is UNIMPLEMENTED, proved in state_machine_test.cc). Driven through Apply() with kRequest,
// kExpireSession and kDeleteContainer txns, as a replica would be.
#include "statemachine/state_machine.h"

#include <gtest/gtest.h>

#include "statemachine/state_machine_test_fixture.h"

namespace paddock::statemachine {
namespace {

using namespace test_fixture;  // NOLINT: the fixture's vocabulary is the point of these files
using namespace std::string_literals;

// Closing and expiring sessions (§3.4, §3.5).

using CloseSession = StateMachineTest;

TEST_F(CloseSession, DeletesTheSessionsEphemeralsAndForgetsTheSession) {
  CreateNode("/e1", kEphemeral);
  CreateNode("/e2", kEphemeral);
  TxnResult r = Close(session_);
  EXPECT_EQ(r.err, Err::kOk);
  EXPECT_TRUE(r.session_closed);
  EXPECT_EQ(r.session_id, session_);
  EXPECT_FALSE(Exists("/e1"));
  EXPECT_FALSE(Exists("/e2"));
  EXPECT_FALSE(sm_.sessions().Contains(session_));
  EXPECT_TRUE(sm_.tree().EphemeralsOf(session_).empty());
}

TEST_F(CloseSession, FiresDeletedThenParentChildrenChangedForEachEphemeral) {
  CreateNode("/d");
  CreateNode("/d/e", kEphemeral);
  CreateNode("/e", kEphemeral);
  EXPECT_EQ(EventsOf(Close(session_)), (Events{{EventType::kNodeDeleted, "/d/e"},
                                               {EventType::kNodeChildrenChanged, "/d"},
                                               {EventType::kNodeDeleted, "/e"},
                                               {EventType::kNodeChildrenChanged, "/"}}));
}

TEST_F(CloseSession, DeletesEverythingUnderTheOneZxidOfTheClose) {
  CreateNode("/d");
  CreateNode("/d/e", kEphemeral);
  CreateNode("/e", kEphemeral);
  int64_t z = sm_.last_zxid();
  TxnResult r = Close(session_);
  EXPECT_EQ(r.zxid, z + 1);
  EXPECT_EQ(sm_.last_zxid(), z + 1);
  EXPECT_EQ(StatOf("/d").pzxid, r.zxid);
  EXPECT_EQ(StatOf("/").pzxid, r.zxid);
}

TEST_F(CloseSession, LeavesPersistentNodesAndOtherSessionsEphemerals) {
  int64_t other = NewSession();
  CreateNode("/p");
  CreateNode("/mine", kEphemeral);
  WriteAs(other, Op::kCreate, Enc(proto::CreateRequest{"/theirs", {}, Open(), kEphemeral}));
  Close(session_);
  EXPECT_TRUE(Exists("/p"));
  EXPECT_TRUE(Exists("/theirs"));
  EXPECT_TRUE(sm_.sessions().Contains(other));
}

TEST_F(CloseSession, AnswersWithAnEmptyBody) {
  EXPECT_TRUE(Close(session_).body.empty());
}

TEST_F(CloseSession, ExpiryDoesWhatACloseDoes) {
  CreateNode("/e", kEphemeral);
  int64_t z = sm_.last_zxid();
  TxnResult r = Close(session_, TxnKind::kExpireSession);
  EXPECT_EQ(r.zxid, z + 1);
  EXPECT_TRUE(r.session_closed);
  EXPECT_FALSE(Exists("/e"));
  EXPECT_FALSE(sm_.sessions().Contains(session_));
  EXPECT_EQ(EventsOf(r), (Events{{EventType::kNodeDeleted, "/e"},
                                 {EventType::kNodeChildrenChanged, "/"}}));
}

TEST_F(CloseSession, LaterWritesOfTheClosedSessionAreSessionExpired) {
  Close(session_);
  EXPECT_EQ(CreateNode("/a").err, Err::kSessionExpired);
  EXPECT_EQ(CreateNode("/e", kEphemeral).err, Err::kSessionExpired);
  EXPECT_EQ(SetNodeData("/zookeeper", std::string("v")).err, Err::kSessionExpired);
}

// Containers and TTL nodes (§8.5).

using Containers = StateMachineTest;

TEST_F(Containers, CreateContainerAnswersWithPathAndStatAndOwnerZero) {
  TxnResult r = CreateNode("/k", kContainerFlag, Open(), {}, Op::kCreateContainer);
  ASSERT_EQ(r.err, Err::kOk);
  auto resp = Dec<proto::Create2Response>(r.body);
  EXPECT_EQ(resp.path, "/k");
  EXPECT_EQ(resp.stat.ephemeral_owner, 0);
  EXPECT_TRUE(sm_.tree().Find("/k")->IsContainer());
  EXPECT_EQ(sm_.tree().containers(), (std::set<std::string>{"/k"}));
}

TEST_F(Containers, APlainCreateWithTheContainerFlagMakesAPersistentNode) {
  // ZooKeeper's CreateTxn only knows ephemeral or not; opcode 19 is what makes a container.
  ASSERT_EQ(CreateNode("/k", kContainerFlag).err, Err::kOk);
  EXPECT_FALSE(sm_.tree().Find("/k")->IsContainer());
}

TEST_F(Containers, MayHaveChildren) {
  CreateNode("/k", kContainerFlag, Open(), {}, Op::kCreateContainer);
  EXPECT_EQ(CreateNode("/k/c").err, Err::kOk);
  EXPECT_EQ(CreateNode("/k/e", kEphemeral).err, Err::kOk);
}

TEST_F(Containers, ANeverUsedContainerIsNotACleanupCandidate) {
  CreateNode("/k", kContainerFlag, Open(), {}, Op::kCreateContainer);
  EXPECT_FALSE(sm_.IsCleanupCandidate("/k", time_ms_ + 1'000'000'000));
}

TEST_F(Containers, AContainerWhoseLastChildWentIsACandidate) {
  CreateNode("/k", kContainerFlag, Open(), {}, Op::kCreateContainer);
  CreateNode("/k/c");
  EXPECT_FALSE(sm_.IsCleanupCandidate("/k", time_ms_));
  DeleteNode("/k/c");
  EXPECT_TRUE(sm_.IsCleanupCandidate("/k", time_ms_));
}

TEST_F(Containers, OrdinaryAndMissingNodesAreNeverCandidates) {
  CreateNode("/p");
  EXPECT_FALSE(sm_.IsCleanupCandidate("/p", time_ms_ + 1'000'000'000));
  EXPECT_FALSE(sm_.IsCleanupCandidate("/missing", time_ms_));
}

TEST_F(Containers, DeleteContainerRemovesACandidateLikeADelete) {
  CreateNode("/k", kContainerFlag, Open(), {}, Op::kCreateContainer);
  CreateNode("/k/c");
  DeleteNode("/k/c");
  int64_t z = sm_.last_zxid();
  TxnResult r = DeleteContainer("/k", time_ms_);
  EXPECT_EQ(r.err, Err::kOk);
  EXPECT_EQ(r.zxid, z + 1);
  EXPECT_FALSE(Exists("/k"));
  EXPECT_TRUE(sm_.tree().containers().empty());
  EXPECT_EQ(StatOf("/").pzxid, r.zxid);
  EXPECT_EQ(EventsOf(r), (Events{{EventType::kNodeDeleted, "/k"},
                                 {EventType::kNodeChildrenChanged, "/"}}));
}

TEST_F(Containers, DeleteContainerOfANodeThatGainedAChildIsNotEmpty) {
  CreateNode("/k", kContainerFlag, Open(), {}, Op::kCreateContainer);
  CreateNode("/k/c");
  int64_t z = sm_.last_zxid();
  TxnResult r = DeleteContainer("/k", time_ms_);
  EXPECT_EQ(r.err, Err::kNotEmpty);
  EXPECT_EQ(r.zxid, z + 1);
  EXPECT_TRUE(Exists("/k"));
}

TEST_F(Containers, DeleteContainerOfAMissingNodeIsNoNode) {
  EXPECT_EQ(DeleteContainer("/missing", time_ms_).err, Err::kNoNode);
}

TEST_F(Containers, DeleteContainerOfANodeThatIsNoLongerACandidateChangesNothing) {
  CreateNode("/k", kContainerFlag, Open(), {}, Op::kCreateContainer);
  CreateNode("/p");
  EXPECT_NE(DeleteContainer("/k", time_ms_).err, Err::kOk);
  EXPECT_NE(DeleteContainer("/p", time_ms_).err, Err::kOk);
  EXPECT_TRUE(Exists("/k"));
  EXPECT_TRUE(Exists("/p"));
}

class NeverUsedContainers : public StateMachineTest {
 protected:
  NeverUsedContainers() : StateMachineTest(Options{false, 5000}) {}
};

TEST_F(NeverUsedContainers, BecomeCandidatesOnceOlderThanTheLimit) {
  CreateNode("/k", kContainerFlag, Open(), {}, Op::kCreateContainer);
  int64_t mtime = StatOf("/k").mtime;
  EXPECT_FALSE(sm_.IsCleanupCandidate("/k", mtime + 5000));
  EXPECT_TRUE(sm_.IsCleanupCandidate("/k", mtime + 5001));
}

using Ttl = ExtendedTypes;

TEST_F(Ttl, CreateTtlAnswersWithPathAndStatAndOwnerZero) {
  TxnResult r = CreateTtl("/t", kTtlFlag, 1000);
  ASSERT_EQ(r.err, Err::kOk);
  auto resp = Dec<proto::Create2Response>(r.body);
  EXPECT_EQ(resp.path, "/t");
  EXPECT_EQ(resp.stat.ephemeral_owner, 0);
  EXPECT_EQ(sm_.tree().Find("/t")->TtlMs(), 1000);
  EXPECT_EQ(sm_.tree().ttls(), (std::set<std::string>{"/t"}));
}

TEST_F(Ttl, SequentialTtlNodesGetASuffix) {
  EXPECT_EQ(Dec<proto::Create2Response>(CreateTtl("/t-", kTtlSequentialFlag, 1000).body).path,
            "/t-0000000000");
}

TEST_F(Ttl, ATtlMustBePositiveAndAtMostFortyBits) {
  EXPECT_EQ(CreateTtl("/t", kTtlFlag, 0).err, Err::kBadArguments);
  EXPECT_EQ(CreateTtl("/t", kTtlFlag, -1).err, Err::kBadArguments);
  EXPECT_EQ(CreateTtl("/t", kTtlFlag, proto::kTtlMaxMs + 1).err, Err::kBadArguments);
  EXPECT_EQ(CreateTtl("/t", kTtlFlag, proto::kTtlMaxMs).err, Err::kOk);
}

TEST_F(Ttl, ATtlWithANonTtlModeIsBadArguments) {
  EXPECT_EQ(CreateTtl("/t", kPersistent, 1000).err, Err::kBadArguments);
  EXPECT_EQ(CreateTtl("/t", kEphemeral, 1000).err, Err::kBadArguments);
}

TEST_F(Ttl, ATtlModeThroughAPlainCreateIsBadArguments) {
  // Opcodes 1, 15 and 19 carry no TTL (ttl = -1), which a TTL mode refuses.
  EXPECT_EQ(CreateNode("/t", kTtlFlag).err, Err::kBadArguments);
}

TEST_F(Ttl, IsACandidateOnlyWhenStrictlyOlderThanItsTtl) {
  CreateTtl("/t", kTtlFlag, 1000);
  int64_t mtime = StatOf("/t").mtime;
  EXPECT_FALSE(sm_.IsCleanupCandidate("/t", mtime + 1000));
  EXPECT_TRUE(sm_.IsCleanupCandidate("/t", mtime + 1001));
}

TEST_F(Ttl, SetDataRestartsTheTtl) {
  CreateTtl("/t", kTtlFlag, 1000);
  int64_t created = StatOf("/t").mtime;
  SetNodeData("/t", std::string("v"));
  EXPECT_FALSE(sm_.IsCleanupCandidate("/t", created + 1001));
  EXPECT_TRUE(sm_.IsCleanupCandidate("/t", StatOf("/t").mtime + 1001));
}

TEST_F(Ttl, ANodeWithChildrenIsNeverACandidate) {
  CreateTtl("/t", kTtlFlag, 1000);
  CreateNode("/t/c");
  EXPECT_FALSE(sm_.IsCleanupCandidate("/t", StatOf("/t").mtime + 100000));
}

TEST_F(Ttl, DeleteContainerRemovesAnExpiredTtlNode) {
  CreateTtl("/t", kTtlFlag, 1000);
  EXPECT_EQ(DeleteContainer("/t", StatOf("/t").mtime + 1001).err, Err::kOk);
  EXPECT_FALSE(Exists("/t"));
  EXPECT_TRUE(sm_.tree().ttls().empty());
}

}  // namespace
}  // namespace paddock::statemachine
