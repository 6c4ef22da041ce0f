// Proves that StateMachine applies writes the way a ZooKeeper 3.8 server does (reference §5.3,
// §5.4, §8, §9, §12.6): zxids for every write, failed or not; create, delete, setData and setACL
// with their stat maintenance and every error in ZooKeeper's order of precedence; sequential
// names; and multi, atomic on success and all-or-nothing on failure. Every test drives the machine
// only through its public entry points, as a replica would: a kInit txn with a 32-byte secret, a
// kCreateSession txn (body = jute int timeout), then kRequest txns carrying an opcode and the
// encoded request record exactly as a client sent it. Replies are decoded with the proto records
// and compared field by field. The error tests put two or more faults into one request, to pin
// which error wins, not just that it is reported.
#include "statemachine/state_machine.h"

#include <gtest/gtest.h>

#include "statemachine/prep.h"
#include "statemachine/state_machine_test_fixture.h"

namespace paddock::statemachine {
namespace {

using namespace test_fixture;  // NOLINT: the fixture's vocabulary is the point of these files
using namespace std::string_literals;

// Bootstrapping and zxids.

using Bootstrap = StateMachineTest;

TEST(BootstrapFresh, InitKeepsTheSecretAndConsumesNoZxid) {
  StateMachine sm;
  Txn init;
  init.kind = TxnKind::kInit;
  init.body = std::string(32, 'a');
  EXPECT_EQ(sm.Apply(init).zxid, 0);
  EXPECT_EQ(sm.last_zxid(), 0);
  EXPECT_EQ(sm.secret(), std::string(32, 'a'));
}

TEST(BootstrapFresh, OnlyTheFirstInitSetsTheSecret) {
  StateMachine sm;
  Txn init;
  init.kind = TxnKind::kInit;
  init.body = std::string(32, 'a');
  sm.Apply(init);
  init.body = std::string(32, 'b');
  sm.Apply(init);
  EXPECT_EQ(sm.secret(), std::string(32, 'a'));
}

TEST(BootstrapFresh, WithoutASecretNoSessionCanBeCreated) {
  StateMachine sm;
  Txn t;
  t.kind = TxnKind::kCreateSession;
  t.body = Enc(proto::IntResponse{30000});
  TxnResult r = sm.Apply(t);
  EXPECT_EQ(r.err, Err::kMarshallingError);
  EXPECT_FALSE(r.session_created);
  EXPECT_EQ(sm.sessions().size(), 0u);
}

TEST(BootstrapFresh, TheFirstSessionCreationTakesZxidOne) {
  StateMachine sm;
  Txn init;
  init.kind = TxnKind::kInit;
  init.body = std::string(32, 'a');
  sm.Apply(init);
  Txn t;
  t.kind = TxnKind::kCreateSession;
  t.body = Enc(proto::IntResponse{30000});
  EXPECT_EQ(sm.Apply(t).zxid, 1);
}

TEST_F(Bootstrap, CreateSessionAllocatesAnIdOfTheOriginServerWithItsPassword) {
  Txn t;
  t.kind = TxnKind::kCreateSession;
  t.origin_server = 7;
  t.time_ms = 0x12345;
  t.body = Enc(proto::IntResponse{4000});
  TxnResult r = sm_.Apply(t);
  EXPECT_EQ(r.err, Err::kOk);
  EXPECT_TRUE(r.session_created);
  EXPECT_EQ(r.session_id, 0x0700000123450000);
  EXPECT_EQ(r.timeout_ms, 4000);
  EXPECT_EQ(r.passwd, session::SessionPassword(sm_.secret(), r.session_id));
  ASSERT_TRUE(sm_.sessions().Contains(r.session_id));
  EXPECT_EQ(sm_.sessions().Find(r.session_id)->timeout_ms, 4000);
}

TEST_F(Bootstrap, CreateSessionWithAMalformedBodyFailsButConsumesAZxid) {
  Txn t;
  t.kind = TxnKind::kCreateSession;
  t.body = "\x01";
  int64_t before = sm_.last_zxid();
  TxnResult r = sm_.Apply(t);
  EXPECT_EQ(r.err, Err::kMarshallingError);
  EXPECT_EQ(r.zxid, before + 1);
  EXPECT_EQ(sm_.sessions().size(), 1u);
}

using Zxid = StateMachineTest;

TEST_F(Zxid, EveryWriteConsumesOneZxidWhetherItSucceedsOrFails) {
  int64_t z = sm_.last_zxid();
  EXPECT_EQ(CreateNode("/a").zxid, z + 1);
  EXPECT_EQ(CreateNode("/a").zxid, z + 2);  // NODEEXISTS
  EXPECT_EQ(DeleteNode("/missing").zxid, z + 3);
  EXPECT_EQ(SetNodeData("/a", std::string("v"), 7).zxid, z + 4);  // BADVERSION
  EXPECT_EQ(SetNodeAcl("/a", {}).zxid, z + 5);                      // INVALIDACL
  EXPECT_EQ(RunMulti({CreateOp("/b"), CreateOp("/b")}).zxid, z + 6);
  EXPECT_EQ(sm_.last_zxid(), z + 6);
}

TEST_F(Zxid, AFailedWriteCarriesNoBodyAndNoTriggers) {
  CreateNode("/a");
  TxnResult r = CreateNode("/a");
  EXPECT_EQ(r.err, Err::kNodeExists);
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(r.triggers.empty());
}

TEST_F(Zxid, SyncConsumesNoZxidAndEchoesThePath) {
  CreateNode("/a");
  Txn t;
  t.kind = TxnKind::kSync;
  t.body = Enc(proto::PathRequest{"/a"});
  int64_t z = sm_.last_zxid();
  TxnResult r = sm_.Apply(t);
  EXPECT_EQ(r.err, Err::kOk);
  EXPECT_EQ(r.zxid, z);
  EXPECT_EQ(sm_.last_zxid(), z);
  EXPECT_EQ(Dec<proto::PathRequest>(r.body).path, "/a");
}

TEST_F(Zxid, ARequestWithAMalformedBodyIsAMarshallingErrorThatConsumesAZxid) {
  int64_t z = sm_.last_zxid();
  TxnResult r = Write(Op::kCreate, "\x00\x00\x00\x09/a"s);
  EXPECT_EQ(r.err, Err::kMarshallingError);
  EXPECT_EQ(r.zxid, z + 1);
  EXPECT_FALSE(Exists("/a"));
}

TEST_F(Zxid, AReadOrUnknownOpInARequestTxnIsUnimplementedAndConsumesAZxid) {
  int64_t z = sm_.last_zxid();
  EXPECT_EQ(Write(Op::kCheck, Enc(proto::CheckVersionRequest{"/", -1})).err, Err::kUnimplemented);
  EXPECT_EQ(Write(Op::kGetData, Enc(proto::PathWatchRequest{"/", false})).err,
            Err::kUnimplemented);
  EXPECT_EQ(WriteAs(session_, static_cast<Op>(77), "").err, Err::kUnimplemented);
  EXPECT_EQ(sm_.last_zxid(), z + 3);
}

TEST_F(Zxid, ReconfigIsRefusedAsDisabledAndConsumesAZxid) {
  int64_t z = sm_.last_zxid();
  TxnResult r = Write(Op::kReconfig, Enc(proto::ReconfigRequest{}));
  EXPECT_EQ(r.err, Err::kReconfigDisabled);
  EXPECT_EQ(r.zxid, z + 1);
}

TEST_F(Zxid, ReadsNeverConsumeAZxid) {
  int64_t z = sm_.last_zxid();
  ReadPath(Op::kGetData, "/zookeeper", true);
  ReadPath(Op::kExists, "/nothing", true);
  EXPECT_EQ(sm_.last_zxid(), z);
}

// Create: results and stat maintenance (§5.4, §8.2).

using Create = StateMachineTest;

TEST_F(Create, ReturnsTheCreatedPathForOpcodeCreate) {
  TxnResult r = CreateNode("/a");
  ASSERT_EQ(r.err, Err::kOk);
  EXPECT_EQ(Dec<proto::CreateResponse>(r.body).path, "/a");
}

TEST_F(Create, ReturnsPathAndStatForOpcodeCreate2) {
  TxnResult r = CreateNode("/a", kPersistent, Open(), {}, Op::kCreate2);
  ASSERT_EQ(r.err, Err::kOk);
  auto resp = Dec<proto::Create2Response>(r.body);
  EXPECT_EQ(resp.path, "/a");
  EXPECT_EQ(resp.stat, StatOf("/a"));
  EXPECT_EQ(resp.stat.czxid, r.zxid);
}

TEST_F(Create, StampsTheNodeWithTheTxnZxidAndTime) {
  TxnResult r = CreateNode("/a");
  Stat s = StatOf("/a");
  EXPECT_EQ(s.czxid, r.zxid);
  EXPECT_EQ(s.mzxid, r.zxid);
  EXPECT_EQ(s.pzxid, r.zxid);
  EXPECT_EQ(s.ctime, time_ms_);
  EXPECT_EQ(s.mtime, time_ms_);
  EXPECT_EQ(s.version, 0);
  EXPECT_EQ(s.cversion, 0);
  EXPECT_EQ(s.aversion, 0);
  EXPECT_EQ(s.ephemeral_owner, 0);
  EXPECT_EQ(s.data_length, 1);
}

TEST_F(Create, BumpsTheParentsCversionAndPzxidButNotItsMzxid) {
  CreateNode("/p");
  int64_t parent_mzxid = StatOf("/p").mzxid;
  TxnResult r = CreateNode("/p/c");
  EXPECT_EQ(sm_.tree().Find("/p")->cversion, 1);
  EXPECT_EQ(StatOf("/p").cversion, 1);  // 2 * 1 - 1
  EXPECT_EQ(StatOf("/p").pzxid, r.zxid);
  EXPECT_EQ(StatOf("/p").mzxid, parent_mzxid);
}

TEST_F(Create, FiresNodeCreatedThenChildrenChangedOfTheParent) {
  CreateNode("/p");
  EXPECT_EQ(EventsOf(CreateNode("/p/c")),
            (Events{{EventType::kNodeCreated, "/p/c"}, {EventType::kNodeChildrenChanged, "/p"}}));
}

TEST_F(Create, OfATopLevelNodeReportsTheRootAsParent) {
  EXPECT_EQ(EventsOf(CreateNode("/a")),
            (Events{{EventType::kNodeCreated, "/a"}, {EventType::kNodeChildrenChanged, "/"}}));
}

TEST_F(Create, KeepsNullData) {
  Write(Op::kCreate, Enc(proto::CreateRequest{"/n", std::nullopt, Open(), kPersistent}));
  auto resp = Dec<proto::GetDataResponse>(ReadPath(Op::kGetData, "/n").body);
  EXPECT_FALSE(resp.data.has_value());
  EXPECT_EQ(resp.stat.data_length, 0);
}

TEST_F(Create, OfAnEphemeralRecordsTheSessionAsOwner) {
  ASSERT_EQ(CreateNode("/e", kEphemeral).err, Err::kOk);
  EXPECT_EQ(StatOf("/e").ephemeral_owner, session_);
  EXPECT_EQ(sm_.tree().EphemeralsOf(session_), (std::vector<std::string>{"/e"}));
}

TEST_F(Create, ExpandsAnAuthAclIntoTheCallersDigestIdentity) {
  ASSERT_EQ(CreateNode("/p", kPersistent, {{perms::kAll, {"auth", ""}}}, {kAlice}).err, Err::kOk);
  EXPECT_EQ(sm_.tree().Find("/p")->acl(), (AclList{{perms::kAll, kAlice}}));
}

TEST_F(Create, UnderTheZookeeperSubtreeIsAllowed) {
  EXPECT_EQ(CreateNode("/zookeeper/mine").err, Err::kOk);
}

TEST_F(Create, OfTheRootIsNodeExists) { EXPECT_EQ(CreateNode("/").err, Err::kNodeExists); }

TEST_F(Create, AFailedCreateLeavesTheParentUntouched) {
  CreateNode("/p");
  Stat before = StatOf("/p");
  size_t count = sm_.tree().NodeCount();
  EXPECT_EQ(CreateNode("/p/x", kPersistent, {}).err, Err::kInvalidAcl);
  EXPECT_EQ(StatOf("/p"), before);
  EXPECT_EQ(sm_.tree().NodeCount(), count);
}

// Create: each error, and which one wins when several apply (§5.4 steps 1-12).

TEST_F(Create, AnUnknownFlagIsBadArgumentsBeforeAnyOtherCheck) {
  int64_t gone = 0x7700000000000001;
  EXPECT_EQ(WriteAs(gone, Op::kCreate, Enc(proto::CreateRequest{"nope", {}, {}, 7})).err,
            Err::kBadArguments);
  EXPECT_EQ(CreateNode("/missing/x", -1, {}).err, Err::kBadArguments);
}

TEST_F(Create, TtlModeWithoutExtendedTypesIsUnimplementedBeforeTtlOrPathChecks) {
  EXPECT_EQ(CreateTtl("/missing/x", kTtlFlag, 0).err, Err::kUnimplemented);
  EXPECT_EQ(CreateTtl("/t", kTtlSequentialFlag, 1000).err, Err::kUnimplemented);
  EXPECT_FALSE(Exists("/t"));
}

TEST_F(Create, CreateTtlWithANonTtlModeIsBadArguments) {
  EXPECT_EQ(CreateTtl("/t", kPersistent, 1000).err, Err::kBadArguments);
}

TEST_F(Create, AnUnknownSessionIsSessionExpiredBeforePathAclAndParentChecks) {
  int64_t gone = 0x7700000000000001;
  EXPECT_EQ(WriteAs(gone, Op::kCreate, Enc(proto::CreateRequest{"nope", {}, {}, 0})).err,
            Err::kSessionExpired);
  EXPECT_EQ(WriteAs(gone, Op::kCreate, Enc(proto::CreateRequest{"/e", {}, Open(), 1})).err,
            Err::kSessionExpired);
}

TEST_F(Create, APathWithoutSlashOrWithNulIsBadArgumentsBeforeTheAclCheck) {
  EXPECT_EQ(CreateNode("noslash", kPersistent, {}).err, Err::kBadArguments);
  EXPECT_EQ(CreateNode("/a\0b"s, kPersistent, {}).err, Err::kBadArguments);
}

TEST_F(Create, AnInvalidAclWinsOverAMissingParent) {
  EXPECT_EQ(CreateNode("/missing/x", kPersistent, {}).err, Err::kInvalidAcl);
  EXPECT_EQ(CreateNode("/missing/x", kPersistent, {{perms::kAll, {"auth", ""}}}).err,
            Err::kInvalidAcl);
}

TEST_F(Create, AMissingParentIsNoNodeBeforeTheFullPathIsValidated) {
  EXPECT_EQ(CreateNode("/missing/x").err, Err::kNoNode);
  EXPECT_EQ(CreateNode("/missing/.").err, Err::kNoNode);
  EXPECT_EQ(CreateNode("relative/x").err, Err::kNoNode);  // parent "relative" does not exist
}

TEST_F(Create, WithoutCreatePermissionOnTheParentIsNoAuthBeforeNameChecks) {
  CreateNode("/locked");
  CreateNode("/locked/x");
  SetNodeAcl("/locked", WorldOnly(perms::kAll & ~perms::kCreate));
  EXPECT_EQ(CreateNode("/locked/y").err, Err::kNoAuth);
  EXPECT_EQ(CreateNode("/locked/x").err, Err::kNoAuth);  // not NODEEXISTS
  EXPECT_EQ(CreateNode("/locked/.").err, Err::kNoAuth);  // not BADARGUMENTS
}

TEST_F(Create, ChecksCreatePermissionAgainstTheCallersIdentities) {
  CreateNode("/priv", kPersistent, {{perms::kAll, kAlice}});
  EXPECT_EQ(CreateNode("/priv/a", kPersistent, Open(), {kBob}).err, Err::kNoAuth);
  EXPECT_EQ(CreateNode("/priv/a", kPersistent, Open(), {kAlice}).err, Err::kOk);
  EXPECT_EQ(CreateNode("/priv/b", kPersistent, Open(), {kSuper}).err, Err::kOk);
}

TEST_F(Create, AnInvalidFullPathIsBadArgumentsOnceTheParentIsFound) {
  CreateNode("/a");
  EXPECT_EQ(CreateNode("/.").err, Err::kBadArguments);
  EXPECT_EQ(CreateNode("/a/").err, Err::kBadArguments);
  EXPECT_EQ(CreateNode("/a/..").err, Err::kBadArguments);
  EXPECT_EQ(CreateNode("/a/\x01").err, Err::kBadArguments);
}

TEST_F(Create, AnExistingNodeIsNodeExists) {
  CreateNode("/a");
  EXPECT_EQ(CreateNode("/a").err, Err::kNodeExists);
  EXPECT_EQ(CreateNode("/a", kEphemeral).err, Err::kNodeExists);
}

TEST_F(Create, UnderASessionEphemeralIsNoChildrenForEphemerals) {
  CreateNode("/e", kEphemeral);
  EXPECT_EQ(CreateNode("/e/x").err, Err::kNoChildrenForEphemerals);
  EXPECT_EQ(CreateNode("/e/x", kEphemeral).err, Err::kNoChildrenForEphemerals);
  EXPECT_EQ(CreateNode("/e/.").err, Err::kBadArguments);  // the name is checked first
}

// Sequential names (§8.3).

using Sequential = StateMachineTest;

TEST_F(Sequential, TheFirstChildOfANewParentGetsSuffixZero) {
  CreateNode("/q");
  TxnResult r = CreateNode("/q/n", kPersistentSequential);
  EXPECT_EQ(Dec<proto::CreateResponse>(r.body).path, "/q/n0000000000");
  EXPECT_TRUE(Exists("/q/n0000000000"));
}

TEST_F(Sequential, TheSuffixCountsEveryEarlierChildCreation) {
  CreateNode("/q");
  CreateNode("/q/plain");
  CreateNode("/q/n", kPersistentSequential);
  EXPECT_EQ(Dec<proto::CreateResponse>(CreateNode("/q/n", kPersistentSequential).body).path,
            "/q/n0000000002");
}

TEST_F(Sequential, DeletesDoNotRewindTheCounter) {
  CreateNode("/q");
  CreateNode("/q/n", kPersistentSequential);
  CreateNode("/q/n", kPersistentSequential);
  DeleteNode("/q/n0000000000");
  DeleteNode("/q/n0000000001");
  EXPECT_EQ(Dec<proto::CreateResponse>(CreateNode("/q/n", kPersistentSequential).body).path,
            "/q/n0000000002");
}

TEST_F(Sequential, FailedCreatesDoNotAdvanceTheCounter) {
  CreateNode("/q");
  CreateNode("/q/n", kPersistentSequential, {});  // INVALIDACL
  EXPECT_EQ(Dec<proto::CreateResponse>(CreateNode("/q/n", kPersistentSequential).body).path,
            "/q/n0000000000");
}

TEST_F(Sequential, APathEndingInSlashGetsTheSuffixAsItsWholeName) {
  CreateNode("/q");
  EXPECT_EQ(Dec<proto::CreateResponse>(CreateNode("/q/", kPersistentSequential).body).path,
            "/q/0000000000");
}

TEST_F(Sequential, TheSuffixIsAppendedBeforeThePathIsValidated) {
  CreateNode("/q");
  // "/q/." is invalid, but "/q/.0000000000" is a fine name.
  EXPECT_EQ(Dec<proto::CreateResponse>(CreateNode("/q/.", kPersistentSequential).body).path,
            "/q/.0000000000");
}

TEST_F(Sequential, ANameTakenByAnOrdinaryNodeIsNodeExists) {
  CreateNode("/q");
  CreateNode("/q/n0000000001");
  EXPECT_EQ(CreateNode("/q/n", kPersistentSequential).err, Err::kNodeExists);
}

TEST_F(Sequential, EphemeralSequentialIsOwnedByTheSession) {
  CreateNode("/q");
  TxnResult r = CreateNode("/q/lock-", kEphemeralSequential);
  EXPECT_EQ(Dec<proto::CreateResponse>(r.body).path, "/q/lock-0000000000");
  EXPECT_EQ(StatOf("/q/lock-0000000000").ephemeral_owner, session_);
}

TEST(SequenceSuffix, FormatsLikeJavasPercent010d) {
  EXPECT_EQ(internal::SequenceSuffix(0), "0000000000");
  EXPECT_EQ(internal::SequenceSuffix(42), "0000000042");
  EXPECT_EQ(internal::SequenceSuffix(INT32_MAX), "2147483647");
}

TEST(SequenceSuffix, PutsTheMinusSignInFrontOfTheZeroPadding) {
  EXPECT_EQ(internal::SequenceSuffix(-1), "-000000001");
  EXPECT_EQ(internal::SequenceSuffix(-5), "-000000005");
  EXPECT_EQ(internal::SequenceSuffix(INT32_MIN), "-2147483648");
}

// Delete.

using Delete = StateMachineTest;

TEST_F(Delete, RemovesTheNodeWithAnEmptyReply) {
  CreateNode("/a");
  TxnResult r = DeleteNode("/a");
  EXPECT_EQ(r.err, Err::kOk);
  EXPECT_TRUE(r.body.empty());
  EXPECT_FALSE(Exists("/a"));
}

TEST_F(Delete, FiresNodeDeletedThenChildrenChangedOfTheParent) {
  CreateNode("/p");
  CreateNode("/p/c");
  EXPECT_EQ(EventsOf(DeleteNode("/p/c")),
            (Events{{EventType::kNodeDeleted, "/p/c"}, {EventType::kNodeChildrenChanged, "/p"}}));
}

TEST_F(Delete, RaisesTheParentsPzxidAndCountsInItsClientCversion) {
  CreateNode("/p");
  CreateNode("/p/c");
  TxnResult r = DeleteNode("/p/c");
  EXPECT_EQ(StatOf("/p").pzxid, r.zxid);
  EXPECT_EQ(StatOf("/p").cversion, 2);  // one create + one delete
  EXPECT_EQ(sm_.tree().Find("/p")->cversion, 1);
}

TEST_F(Delete, WithTheCurrentVersionSucceeds) {
  CreateNode("/a");
  SetNodeData("/a", std::string("x"));
  EXPECT_EQ(DeleteNode("/a", 1).err, Err::kOk);
}

TEST_F(Delete, AnUnknownSessionIsSessionExpiredBeforeAnyPathCheck) {
  int64_t gone = 0x7700000000000001;
  EXPECT_EQ(WriteAs(gone, Op::kDelete, Enc(proto::DeleteRequest{"/zookeeper", -1})).err,
            Err::kSessionExpired);
}

TEST_F(Delete, OfTheFourSpecialNodesIsBadArguments) {
  for (const char* p : {"/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"}) {
    EXPECT_EQ(DeleteNode(p).err, Err::kBadArguments) << p;
    EXPECT_TRUE(Exists(p)) << p;
  }
}

TEST_F(Delete, OfAUserNodeUnderZookeeperIsAllowed) {
  CreateNode("/zookeeper/mine");
  EXPECT_EQ(DeleteNode("/zookeeper/mine").err, Err::kOk);
}

TEST_F(Delete, APathWithoutSlashOrWithNulIsBadArguments) {
  EXPECT_EQ(DeleteNode("noslash").err, Err::kBadArguments);
  EXPECT_EQ(DeleteNode("/a\0"s).err, Err::kBadArguments);
}

TEST_F(Delete, AMissingParentIsNoNode) { EXPECT_EQ(DeleteNode("/missing/x").err, Err::kNoNode); }

TEST_F(Delete, WithoutDeletePermissionOnTheParentIsNoAuthEvenForAMissingNode) {
  CreateNode("/locked");
  CreateNode("/locked/x");
  SetNodeAcl("/locked", WorldOnly(perms::kAll & ~perms::kDelete));
  EXPECT_EQ(DeleteNode("/locked/x").err, Err::kNoAuth);
  EXPECT_EQ(DeleteNode("/locked/missing").err, Err::kNoAuth);
  EXPECT_TRUE(Exists("/locked/x"));
}

TEST_F(Delete, NeedsNoPermissionOnTheNodeItself) {
  CreateNode("/a", kPersistent, WorldOnly(perms::kRead));
  EXPECT_EQ(DeleteNode("/a").err, Err::kOk);
}

TEST_F(Delete, AMissingNodeIsNoNode) {
  EXPECT_EQ(DeleteNode("/missing").err, Err::kNoNode);
  CreateNode("/a");
  EXPECT_EQ(DeleteNode("/a/").err, Err::kNoNode);  // parent "/a" exists, node "/a/" does not
}

TEST_F(Delete, AVersionMismatchIsBadVersionBeforeNotEmpty) {
  CreateNode("/a");
  CreateNode("/a/c");
  EXPECT_EQ(DeleteNode("/a", 5).err, Err::kBadVersion);
}

TEST_F(Delete, ANodeWithChildrenIsNotEmpty) {
  CreateNode("/a");
  CreateNode("/a/c");
  EXPECT_EQ(DeleteNode("/a").err, Err::kNotEmpty);
  EXPECT_TRUE(Exists("/a"));
}

// SetData.

using SetData = StateMachineTest;

TEST_F(SetData, BumpsVersionAndStampsMzxidAndMtime) {
  TxnResult created = CreateNode("/a");
  TxnResult r = SetNodeData("/a", std::string("hello"), 0);
  ASSERT_EQ(r.err, Err::kOk);
  Stat s = StatOf("/a");
  EXPECT_EQ(s.version, 1);
  EXPECT_EQ(s.mzxid, r.zxid);
  EXPECT_EQ(s.mtime, time_ms_);
  EXPECT_EQ(s.czxid, created.zxid);
  EXPECT_EQ(s.pzxid, created.zxid);
  EXPECT_EQ(s.data_length, 5);
  EXPECT_EQ(Dec<proto::StatResponse>(r.body).stat, s);
}

TEST_F(SetData, FiresOnlyNodeDataChanged) {
  CreateNode("/a");
  EXPECT_EQ(EventsOf(SetNodeData("/a", std::string("v"))),
            (Events{{EventType::kNodeDataChanged, "/a"}}));
}

TEST_F(SetData, CanSetNullData) {
  CreateNode("/a");
  SetNodeData("/a", std::nullopt);
  EXPECT_FALSE(Dec<proto::GetDataResponse>(ReadPath(Op::kGetData, "/a").body).data.has_value());
}

TEST_F(SetData, AnUnknownSessionIsSessionExpiredFirst) {
  int64_t gone = 0x7700000000000001;
  EXPECT_EQ(WriteAs(gone, Op::kSetData, Enc(proto::SetDataRequest{"bad", {}, 3})).err,
            Err::kSessionExpired);
}

TEST_F(SetData, AnInvalidPathIsBadArgumentsBeforeNoNode) {
  EXPECT_EQ(SetNodeData("/missing/", std::string("v")).err, Err::kBadArguments);
  EXPECT_EQ(SetNodeData("/a/../b", std::string("v")).err, Err::kBadArguments);
}

TEST_F(SetData, AMissingNodeIsNoNode) {
  EXPECT_EQ(SetNodeData("/missing", std::string("v")).err, Err::kNoNode);
}

TEST_F(SetData, WithoutWritePermissionIsNoAuthBeforeBadVersion) {
  CreateNode("/a", kPersistent, WorldOnly(perms::kRead));
  EXPECT_EQ(SetNodeData("/a", std::string("v"), 9).err, Err::kNoAuth);
  EXPECT_EQ(SetNodeData("/a", std::string("v"), 9, {kSuper}).err, Err::kBadVersion);
}

TEST_F(SetData, OfTheConfigNodeNeedsMoreThanItsReadOnlyAcl) {
  EXPECT_EQ(SetNodeData("/zookeeper/config", std::string("v")).err, Err::kNoAuth);
  EXPECT_EQ(SetNodeData("/zookeeper/config", std::string("v"), -1, {kSuper}).err, Err::kOk);
}

TEST_F(SetData, AStaleVersionIsBadVersionAndChangesNothing) {
  CreateNode("/a");
  SetNodeData("/a", std::string("1"));
  EXPECT_EQ(SetNodeData("/a", std::string("2"), 0).err, Err::kBadVersion);
  EXPECT_EQ(sm_.tree().Find("/a")->DataBuffer(), "1");
  EXPECT_EQ(StatOf("/a").version, 1);
}

// SetACL.

using SetAcl = StateMachineTest;

TEST_F(SetAcl, ReplacesTheAclAndBumpsAversionButNotMzxid) {
  TxnResult created = CreateNode("/a");
  TxnResult r = SetNodeAcl("/a", WorldOnly(perms::kRead), 0);
  ASSERT_EQ(r.err, Err::kOk);
  EXPECT_EQ(sm_.tree().Find("/a")->acl(), WorldOnly(perms::kRead));
  Stat s = StatOf("/a");
  EXPECT_EQ(s.aversion, 1);
  EXPECT_EQ(s.mzxid, created.zxid);
  EXPECT_EQ(s.version, 0);
  EXPECT_EQ(Dec<proto::StatResponse>(r.body).stat, s);
}

TEST_F(SetAcl, FiresNoWatch) {
  CreateNode("/a");
  EXPECT_TRUE(SetNodeAcl("/a", Open()).triggers.empty());
}

TEST_F(SetAcl, ExpandsAnAuthEntry) {
  CreateNode("/a");
  SetNodeAcl("/a", {{perms::kRead, {"auth", ""}}}, -1, {kBob});
  EXPECT_EQ(sm_.tree().Find("/a")->acl(), (AclList{{perms::kRead, kBob}}));
}

TEST_F(SetAcl, AnUnknownSessionIsSessionExpiredFirst) {
  int64_t gone = 0x7700000000000001;
  EXPECT_EQ(WriteAs(gone, Op::kSetACL, Enc(proto::SetACLRequest{"bad", {}, 3})).err,
            Err::kSessionExpired);
}

TEST_F(SetAcl, AnInvalidPathIsBadArgumentsBeforeTheAclCheck) {
  EXPECT_EQ(SetNodeAcl("bad", {}).err, Err::kBadArguments);
}

TEST_F(SetAcl, AnInvalidAclIsInvalidAclBeforeNoNode) {
  EXPECT_EQ(SetNodeAcl("/missing", {}).err, Err::kInvalidAcl);
  EXPECT_EQ(SetNodeAcl("/missing", {{perms::kAll, {"digest", "nocolon"}}}).err, Err::kInvalidAcl);
}

TEST_F(SetAcl, AMissingNodeIsNoNode) { EXPECT_EQ(SetNodeAcl("/missing", Open()).err, Err::kNoNode); }

TEST_F(SetAcl, WithoutAdminPermissionIsNoAuthBeforeBadVersion) {
  CreateNode("/a", kPersistent, WorldOnly(perms::kAll & ~perms::kAdmin));
  EXPECT_EQ(SetNodeAcl("/a", Open(), 7).err, Err::kNoAuth);
}

TEST_F(SetAcl, AStaleAversionIsBadVersion) {
  CreateNode("/a");
  SetNodeAcl("/a", Open());
  EXPECT_EQ(SetNodeAcl("/a", Open(), 0).err, Err::kBadVersion);
  EXPECT_EQ(SetNodeAcl("/a", Open(), 1).err, Err::kOk);
}

TEST_F(SetAcl, OfTheConfigNodeStartsFromAversionMinusOne) {
  EXPECT_EQ(SetNodeAcl("/zookeeper/config", Open(), 0, {kSuper}).err, Err::kBadVersion);
  EXPECT_EQ(SetNodeAcl("/zookeeper/config", Open(), -1, {kSuper}).err, Err::kOk);
  EXPECT_EQ(StatOf("/zookeeper/config").aversion, 0);
}

// Multi (§5.3).

using Multi = StateMachineTest;

TEST_F(Multi, AppliesEveryOpUnderOneZxid) {
  CreateNode("/a");
  int64_t z = sm_.last_zxid();
  TxnResult r = RunMulti({CreateOp("/m"), CreateOp("/m/c"), SetDataOp("/a", "v"), DeleteOp("/m/c")});
  ASSERT_EQ(r.err, Err::kOk);
  EXPECT_EQ(r.zxid, z + 1);
  EXPECT_EQ(sm_.last_zxid(), z + 1);
  EXPECT_EQ(StatOf("/m").czxid, z + 1);
  EXPECT_EQ(StatOf("/m").pzxid, z + 1);
  EXPECT_EQ(StatOf("/a").mzxid, z + 1);
  EXPECT_FALSE(Exists("/m/c"));
}

TEST_F(Multi, ReportsOneResultPerOpWithTheOpsType) {
  CreateNode("/a");
  TxnResult r = RunMulti({CreateOp("/b"), CreateOp("/c", kPersistent, Op::kCreate2),
                       SetDataOp("/a", "v"), CheckOp("/a", 1), DeleteOp("/b")});
  auto resp = Dec<proto::MultiResponse>(r.body);
  ASSERT_EQ(resp.results.size(), 5u);
  EXPECT_EQ(resp.results[0].type, Op::kCreate);
  EXPECT_EQ(resp.results[0].path, "/b");
  EXPECT_EQ(resp.results[1].type, Op::kCreate2);
  EXPECT_EQ(resp.results[1].path, "/c");
  EXPECT_EQ(resp.results[1].stat, StatOf("/c"));
  EXPECT_EQ(resp.results[2].type, Op::kSetData);
  EXPECT_EQ(resp.results[2].stat, StatOf("/a"));
  EXPECT_EQ(resp.results[3].type, Op::kCheck);
  EXPECT_EQ(resp.results[4].type, Op::kDelete);
}

TEST_F(Multi, ReportsContainerCreatesAsCreate2) {
  TxnResult r = RunMulti({CreateOp("/k", kContainerFlag, Op::kCreateContainer)});
  auto resp = Dec<proto::MultiResponse>(r.body);
  ASSERT_EQ(resp.results.size(), 1u);
  EXPECT_EQ(resp.results[0].type, Op::kCreate2);
  EXPECT_TRUE(sm_.tree().Find("/k")->IsContainer());
}

TEST_F(Multi, ACreateWithTheContainerFlagMakesAContainerWhateverItsOpcode) {
  // ZooKeeper rebuilds a multi's creates from their flags; unlike a single create (see
  // Containers.APlainCreateWithTheContainerFlagMakesAPersistentNode in apply_test.cc).
  TxnResult r = RunMulti({CreateOp("/k", kContainerFlag, Op::kCreate)});
  auto resp = Dec<proto::MultiResponse>(r.body);
  ASSERT_EQ(resp.results.size(), 1u);
  EXPECT_EQ(resp.results[0].type, Op::kCreate2);
  EXPECT_TRUE(sm_.tree().Find("/k")->IsContainer());
}

TEST_F(Multi, FiresTheTriggersOfEveryOpInOrder) {
  CreateNode("/a");
  TxnResult r = RunMulti({CreateOp("/b"), SetDataOp("/a", "v"), DeleteOp("/b")});
  EXPECT_EQ(EventsOf(r), (Events{{EventType::kNodeCreated, "/b"},
                                 {EventType::kNodeChildrenChanged, "/"},
                                 {EventType::kNodeDataChanged, "/a"},
                                 {EventType::kNodeDeleted, "/b"},
                                 {EventType::kNodeChildrenChanged, "/"}}));
}

TEST_F(Multi, ValidatesEachOpAgainstTheStateLeftByTheEarlierOnes) {
  TxnResult r = RunMulti({CreateOp("/m"), SetDataOp("/m", "v", 0), CheckOp("/m", 1),
                       CreateOp("/m/c"), DeleteOp("/m/c"), DeleteOp("/m", 1)});
  EXPECT_EQ(r.err, Err::kOk);
  for (const auto& res : Dec<proto::MultiResponse>(r.body).results) {
    EXPECT_NE(res.type, Op::kError);
  }
  EXPECT_FALSE(Exists("/m"));
}

TEST_F(Multi, SeesANodeDeletedByAnEarlierOpAsMissing) {
  CreateNode("/a");
  auto resp = Dec<proto::MultiResponse>(RunMulti({DeleteOp("/a"), CreateOp("/a/b")}).body);
  EXPECT_EQ(resp.results[1].err, Err::kNoNode);
  EXPECT_TRUE(Exists("/a"));
}

TEST_F(Multi, SeesAChildCreatedByAnEarlierOpWhenDeletingItsParent) {
  CreateNode("/p");
  auto resp = Dec<proto::MultiResponse>(RunMulti({CreateOp("/p/c"), DeleteOp("/p")}).body);
  EXPECT_EQ(resp.results[1].err, Err::kNotEmpty);
}

TEST_F(Multi, SeesAnEphemeralCreatedByAnEarlierOpAsAnEphemeralParent) {
  auto resp =
      Dec<proto::MultiResponse>(RunMulti({CreateOp("/e", kEphemeral), CreateOp("/e/c")}).body);
  EXPECT_EQ(resp.results[1].err, Err::kNoChildrenForEphemerals);
}

TEST_F(Multi, SeesTheAclOfANodeCreatedByAnEarlierOp) {
  MultiOp locked{Op::kCreate, proto::CreateRequest{"/l", {}, WorldOnly(perms::kRead), 0}};
  auto resp = Dec<proto::MultiResponse>(RunMulti({locked, CreateOp("/l/c")}).body);
  EXPECT_EQ(resp.results[1].err, Err::kNoAuth);
}

TEST_F(Multi, GivesSequentialCreatesConsecutiveSuffixes) {
  CreateNode("/q");
  auto resp = Dec<proto::MultiResponse>(
      RunMulti({CreateOp("/q/n", kPersistentSequential), CreateOp("/q/n", kPersistentSequential)})
          .body);
  ASSERT_EQ(resp.results.size(), 2u);
  EXPECT_EQ(resp.results[0].path, "/q/n0000000000");
  EXPECT_EQ(resp.results[1].path, "/q/n0000000001");
}

TEST_F(Multi, AFailingOpMarksEarlierOpsOkItselfWithItsCodeAndLaterOpsMinusTwo) {
  CreateNode("/a");
  TxnResult r = RunMulti({CreateOp("/b"), SetDataOp("/a", "v", 5), CreateOp("/c"), DeleteOp("/a")});
  EXPECT_EQ(r.err, Err::kOk);  // the reply header carries no error
  auto resp = Dec<proto::MultiResponse>(r.body);
  ASSERT_EQ(resp.results.size(), 4u);
  for (const auto& res : resp.results) EXPECT_EQ(res.type, Op::kError);
  EXPECT_EQ(resp.results[0].err, Err::kOk);
  EXPECT_EQ(resp.results[1].err, Err::kBadVersion);
  EXPECT_EQ(resp.results[2].err, Err::kRuntimeInconsistency);
  EXPECT_EQ(resp.results[3].err, Err::kRuntimeInconsistency);
}

TEST_F(Multi, AFailingMultiAppliesNothingButConsumesAZxid) {
  CreateNode("/a");
  Stat root = StatOf("/");
  size_t count = sm_.tree().NodeCount();
  int64_t z = sm_.last_zxid();
  TxnResult r = RunMulti({CreateOp("/b"), SetDataOp("/a", "v"), CheckOp("/a", 0), DeleteOp("/x")});
  EXPECT_EQ(r.zxid, z + 1);
  EXPECT_FALSE(Exists("/b"));
  EXPECT_EQ(StatOf("/a").version, 0);
  EXPECT_EQ(StatOf("/"), root);
  EXPECT_EQ(sm_.tree().NodeCount(), count);
  EXPECT_TRUE(r.triggers.empty());
}

TEST_F(Multi, AFailureInTheFirstOpMarksAllTheRestMinusTwo) {
  auto resp = Dec<proto::MultiResponse>(RunMulti({DeleteOp("/missing"), CreateOp("/b")}).body);
  ASSERT_EQ(resp.results.size(), 2u);
  EXPECT_EQ(resp.results[0].err, Err::kNoNode);
  EXPECT_EQ(resp.results[1].err, Err::kRuntimeInconsistency);
}

TEST_F(Multi, AFailingCheckStopsTheWholeMulti) {
  CreateNode("/a");
  auto resp = Dec<proto::MultiResponse>(RunMulti({CreateOp("/b"), CheckOp("/a", 3)}).body);
  EXPECT_EQ(resp.results[1].err, Err::kBadVersion);
  EXPECT_FALSE(Exists("/b"));
}

TEST_F(Multi, ACheckOfAMissingNodeIsNoNode) {
  auto resp = Dec<proto::MultiResponse>(RunMulti({CheckOp("/missing", -1)}).body);
  EXPECT_EQ(resp.results[0].err, Err::kNoNode);
}

TEST_F(Multi, ACheckNeedsReadPermission) {
  CreateNode("/a", kPersistent, WorldOnly(perms::kWrite));
  auto resp = Dec<proto::MultiResponse>(RunMulti({CheckOp("/a", 0)}).body);
  EXPECT_EQ(resp.results[0].err, Err::kNoAuth);
}

TEST_F(Multi, FromAnUnknownSessionFailsAtTheFirstOp) {
  auto resp = Dec<proto::MultiResponse>(RunMulti({CreateOp("/a"), CreateOp("/b")}, 0x77).body);
  EXPECT_EQ(resp.results[0].err, Err::kSessionExpired);
  EXPECT_EQ(resp.results[1].err, Err::kRuntimeInconsistency);
}

TEST_F(Multi, AnEmptyMultiSucceedsWithNoResults) {
  int64_t z = sm_.last_zxid();
  TxnResult r = RunMulti({});
  EXPECT_EQ(r.err, Err::kOk);
  EXPECT_EQ(r.zxid, z + 1);
  EXPECT_TRUE(Dec<proto::MultiResponse>(r.body).results.empty());
}

TEST_F(Multi, AnUndecodableBodyIsAMarshallingError) {
  std::string body = Enc(proto::MultiRequest{{CreateOp("/a")}});
  body.resize(body.size() - 4);
  TxnResult r = Write(Op::kMulti, body);
  EXPECT_EQ(r.err, Err::kMarshallingError);
  EXPECT_FALSE(Exists("/a"));
}

TEST_F(Multi, ReadOpsInAMultiAreAMarshallingErrorThatConsumesAZxid) {
  int64_t z = sm_.last_zxid();
  TxnResult r = RunMulti({ReadOp(Op::kGetData, "/"), ReadOp(Op::kGetChildren, "/")});
  EXPECT_EQ(r.err, Err::kMarshallingError);
  EXPECT_EQ(r.zxid, z + 1);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(Multi, MixingReadAndWriteOpsIsAMarshallingError) {
  TxnResult r = RunMulti({CreateOp("/a"), ReadOp(Op::kGetData, "/")});
  EXPECT_EQ(r.err, Err::kMarshallingError);
  EXPECT_FALSE(Exists("/a"));
}

}  // namespace
}  // namespace paddock::statemachine
