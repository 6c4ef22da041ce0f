// Proves that a snapshot carries the whole replicated state and nothing can slip through damaged:
// Restore(Snapshot()) reproduces the tree (data, ACLs, every stat field, the ephemeral, container
// and TTL indexes), the sessions with their timeouts, the id counters, the secret and the last
// zxid, so the restored machine goes on exactly as the original would; any flipped bit, any
// truncation and any extra byte is rejected; and a failed Restore leaves the machine as it was.
// The damage tests flip every single byte position of a real snapshot in turn. A last group
// hand-builds snapshots with a correct digest but a broken structure, in the layout snapshot.cc
// documents, to prove that the loader refuses them instead of tripping an assertion.
#include "statemachine/state_machine.h"

#include <openssl/sha.h>

#include <gtest/gtest.h>

#include "statemachine/state_machine_test_fixture.h"

namespace paddock::statemachine {
namespace {

using namespace test_fixture;  // NOLINT: the fixture's vocabulary is the point of these files

// A machine with a bit of everything: two sessions from two servers, persistent, ephemeral,
// sequential, container and TTL nodes, null and empty data, a restrictive ACL, changed versions.
class Snapshot : public StateMachineTest {
 protected:
  Snapshot() : StateMachineTest(Options{true, 0}) {
    Txn t;
    t.kind = TxnKind::kCreateSession;
    t.origin_server = 3;
    t.time_ms = NextTime();
    t.body = Enc(proto::IntResponse{9000});
    other_ = sm_.Apply(t).session_id;
    CreateNode("/app");
    CreateNode("/app/cfg", kPersistent, {{perms::kAll, kAlice}, {perms::kRead, {"world", "anyone"}}});
    Write(Op::kCreate, Enc(proto::CreateRequest{"/app/null", std::nullopt, Open(), kPersistent}));
    CreateNode("/app/job-", kPersistentSequential);
    CreateNode("/app/job-", kPersistentSequential);
    CreateNode("/app/lock", kEphemeral);
    WriteAs(other_, Op::kCreate, Enc(proto::CreateRequest{"/theirs", {}, Open(), kEphemeral}));
    CreateNode("/k", kContainerFlag, Open(), {}, Op::kCreateContainer);
    Write(Op::kCreateTTL,
          Enc(proto::CreateTTLRequest{"/t", std::string(), Open(), kTtlFlag, 60000}));
    SetNodeData("/app", std::string("payload"));
    SetNodeAcl("/app", Open());
    DeleteNode("/app/job-0000000000");
  }

  int64_t other_ = 0;
};

// Restores into a fresh machine, asserting success.
StateMachine RestoredFrom(const std::string& snapshot) {
  StateMachine copy(Options{true, 0});
  Status s = copy.Restore(snapshot);
  EXPECT_TRUE(s.ok()) << s.message();
  return copy;
}

std::vector<std::string> Paths(const tree::DataTree& t) {
  std::vector<std::string> out;
  t.ForEachPreorder([&out](const std::string& p, const tree::Node&) { out.push_back(p); });
  return out;
}

TEST_F(Snapshot, RestoreReproducesEveryNodeWithItsDataAclAndStat) {
  StateMachine copy = RestoredFrom(sm_.Snapshot());
  ASSERT_EQ(Paths(copy.tree()), Paths(sm_.tree()));
  sm_.tree().ForEachPreorder([&copy](const std::string& p, const tree::Node& n) {
    const tree::Node* c = copy.tree().Find(p);
    ASSERT_NE(c, nullptr) << p;
    EXPECT_EQ(c->DataBuffer(), n.DataBuffer()) << p;
    EXPECT_EQ(c->acl(), n.acl()) << p;
    EXPECT_EQ(c->ClientStat(), n.ClientStat()) << p;
    EXPECT_EQ(c->cversion, n.cversion) << p;
    EXPECT_EQ(c->ephemeral_owner, n.ephemeral_owner) << p;
  });
}

TEST_F(Snapshot, RestoreKeepsNullDataDistinctFromEmptyData) {
  StateMachine copy = RestoredFrom(sm_.Snapshot());
  EXPECT_FALSE(copy.tree().Find("/app/null")->has_data());
  EXPECT_EQ(copy.tree().Find("/t")->DataBuffer(), std::string());
}

TEST_F(Snapshot, RestoreRebuildsTheEphemeralContainerAndTtlIndexes) {
  StateMachine copy = RestoredFrom(sm_.Snapshot());
  EXPECT_EQ(copy.tree().ephemerals(), sm_.tree().ephemerals());
  EXPECT_EQ(copy.tree().EphemeralsOf(session_), (std::vector<std::string>{"/app/lock"}));
  EXPECT_EQ(copy.tree().containers(), (std::set<std::string>{"/k"}));
  EXPECT_EQ(copy.tree().ttls(), (std::set<std::string>{"/t"}));
}

TEST_F(Snapshot, RestoreBringsBackSessionsCountersSecretAndZxid) {
  StateMachine copy = RestoredFrom(sm_.Snapshot());
  ASSERT_EQ(copy.sessions().size(), 2u);
  EXPECT_EQ(copy.sessions().Find(session_)->timeout_ms, 30000);
  EXPECT_EQ(copy.sessions().Find(other_)->timeout_ms, 9000);
  EXPECT_EQ(copy.sessions().next_ids(), sm_.sessions().next_ids());
  EXPECT_EQ(copy.secret(), sm_.secret());
  EXPECT_EQ(copy.last_zxid(), sm_.last_zxid());
}

TEST_F(Snapshot, OfARestoredMachineIsByteForByteTheSame) {
  std::string snapshot = sm_.Snapshot();
  EXPECT_EQ(RestoredFrom(snapshot).Snapshot(), snapshot);
}

TEST_F(Snapshot, ARestoredMachineContinuesExactlyAsTheOriginal) {
  StateMachine copy = RestoredFrom(sm_.Snapshot());
  std::vector<Txn> next(3);
  next[0].kind = TxnKind::kCreateSession;
  next[0].origin_server = 1;
  next[0].body = Enc(proto::IntResponse{5000});
  next[1].session_id = session_;
  next[1].op = static_cast<int32_t>(Op::kCreate);
  next[1].body = Enc(proto::CreateRequest{"/app/job-", {}, Open(), kPersistentSequential});
  next[2].kind = TxnKind::kExpireSession;
  next[2].session_id = other_;
  for (const Txn& t : next) {
    TxnResult a = sm_.Apply(t);
    TxnResult b = copy.Apply(t);
    EXPECT_EQ(b.zxid, a.zxid);
    EXPECT_EQ(b.err, a.err);
    EXPECT_EQ(b.body, a.body);
    EXPECT_EQ(b.session_id, a.session_id);
    EXPECT_EQ(b.passwd, a.passwd);
  }
  EXPECT_EQ(copy.Snapshot(), sm_.Snapshot());
}

TEST_F(Snapshot, RestoreReplacesRatherThanMergesTheTargetsState) {
  StateMachine target;
  Txn init;
  init.kind = TxnKind::kInit;
  init.body = std::string(32, 'x');
  target.Apply(init);
  Txn create;
  create.kind = TxnKind::kCreateSession;
  create.body = Enc(proto::IntResponse{1000});
  int64_t stale = target.Apply(create).session_id;
  ASSERT_TRUE(target.Restore(sm_.Snapshot()).ok());
  EXPECT_FALSE(target.sessions().Contains(stale));
  EXPECT_EQ(target.secret(), sm_.secret());
  EXPECT_EQ(target.Snapshot(), sm_.Snapshot());
}

// Damage. The target has state of its own, so that "left unchanged" is visible.

class DamagedSnapshot : public Snapshot {
 protected:
  DamagedSnapshot() : good_(sm_.Snapshot()) {
    Txn init;
    init.kind = TxnKind::kInit;
    init.body = std::string(32, 'x');
    target_.Apply(init);
    Txn session;
    session.kind = TxnKind::kCreateSession;
    session.body = Enc(proto::IntResponse{1000});
    int64_t id = target_.Apply(session).session_id;
    Txn create;
    create.session_id = id;
    create.op = static_cast<int32_t>(Op::kCreate);
    create.body = Enc(proto::CreateRequest{"/mine", std::string("m"), Open(), kEphemeral});
    target_.Apply(create);
    before_ = target_.Snapshot();
  }

  // True if Restore refused `damaged` and the target is exactly as it was.
  bool Rejected(const std::string& damaged) {
    bool refused = !target_.Restore(damaged).ok();
    return refused && target_.Snapshot() == before_;
  }

  std::string good_;
  StateMachine target_;
  std::string before_;
};

TEST_F(DamagedSnapshot, AnyChangedByteIsRejectedAndLeavesTheStateUnchanged) {
  std::vector<size_t> accepted;
  for (size_t i = 0; i < good_.size(); i++) {
    for (int flip : {0x01, 0x80, 0xFF}) {
      std::string damaged = good_;
      damaged[i] = static_cast<char>(static_cast<uint8_t>(damaged[i]) ^ flip);
      if (!Rejected(damaged)) accepted.push_back(i);
    }
  }
  EXPECT_TRUE(accepted.empty()) << "first accepted position: " << accepted.front();
}

TEST_F(DamagedSnapshot, EveryTruncationIsRejectedAndLeavesTheStateUnchanged) {
  std::vector<size_t> accepted;
  for (size_t n = 0; n < good_.size(); n++) {
    if (!Rejected(good_.substr(0, n))) accepted.push_back(n);
  }
  EXPECT_TRUE(accepted.empty()) << "first accepted length: " << accepted.front();
}

TEST_F(DamagedSnapshot, AnExtraTrailingByteIsRejected) {
  EXPECT_TRUE(Rejected(good_ + '\0'));
}

TEST_F(DamagedSnapshot, AnEmptySnapshotIsRejected) { EXPECT_TRUE(Rejected("")); }

TEST_F(DamagedSnapshot, TheTargetStillAcceptsAGoodSnapshotAfterARejectedOne) {
  std::string damaged = good_;
  damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 0x10);
  ASSERT_TRUE(Rejected(damaged));
  EXPECT_TRUE(target_.Restore(good_).ok());
  EXPECT_EQ(target_.Snapshot(), good_);
}

// Hand-built snapshots: a correct digest over a broken structure. The layout is the one
// snapshot.cc documents: magic, version, last_zxid, secret, sessions, next ids, node count, then
// each node's path, data, acl and persisted stat; a SHA-256 of all that closes it.

std::string Seal(std::string body) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest);
  body.append(reinterpret_cast<const char*>(digest), sizeof(digest));
  return body;
}

std::string RawBody(const std::vector<std::string>& paths, int32_t magic = 0x50534e50,
                    int32_t version = 1) {
  std::string out;
  proto::JuteWriter w(&out);
  w.Int(magic);
  w.Int(version);
  w.Long(42);                          // last_zxid
  w.String(std::string(32, 'r'));      // secret
  w.Int(1);                            // one session
  w.Long(0x0100000000000001);
  w.Int(5000);
  w.Int(1);                            // one id counter
  w.Int(1);
  w.Long(0x0100000000000002);
  w.Long(static_cast<int64_t>(paths.size()));
  for (const std::string& p : paths) {
    w.String(p);
    w.Buf(std::string("v"));
    w.RecordVector(Open());
    for (int64_t v : {1, 1, 0, 0}) w.Long(v);  // czxid, mzxid, ctime, mtime
    for (int32_t v : {0, 0, 0}) w.Int(v);      // version, cversion, aversion
    w.Long(0);                                 // ephemeral owner
    w.Long(1);                                 // pzxid
  }
  return out;
}

TEST_F(DamagedSnapshot, AHandBuiltSnapshotInTheDocumentedLayoutLoads) {
  ASSERT_TRUE(target_.Restore(Seal(RawBody({"/", "/a", "/a/b"}))).ok());
  EXPECT_NE(target_.tree().Find("/a/b"), nullptr);
  EXPECT_EQ(target_.tree().ChildrenOf(*target_.tree().Find("/")), (std::vector<std::string>{"a"}));
  EXPECT_EQ(target_.last_zxid(), 42);
  EXPECT_EQ(target_.secret(), std::string(32, 'r'));
  EXPECT_TRUE(target_.sessions().Contains(0x0100000000000001));
}

TEST_F(DamagedSnapshot, AnUnknownMagicOrVersionIsRejected) {
  EXPECT_TRUE(Rejected(Seal(RawBody({"/"}, 0x12345678))));
  EXPECT_TRUE(Rejected(Seal(RawBody({"/"}, 0x50534e50, 3))));
}

TEST_F(DamagedSnapshot, ASnapshotWithoutNodesIsRejected) { EXPECT_TRUE(Rejected(Seal(RawBody({})))); }

TEST_F(DamagedSnapshot, ASnapshotThatDoesNotStartWithTheRootIsRejected) {
  EXPECT_TRUE(Rejected(Seal(RawBody({"/a"}))));
  EXPECT_TRUE(Rejected(Seal(RawBody({"/", "/"}))));
}

TEST_F(DamagedSnapshot, ANodeBeforeItsParentIsRejected) {
  EXPECT_TRUE(Rejected(Seal(RawBody({"/", "/a/b", "/a"}))));
}

TEST_F(DamagedSnapshot, ADuplicateNodeIsRejected) {
  EXPECT_TRUE(Rejected(Seal(RawBody({"/", "/a", "/a"}))));
}

TEST_F(DamagedSnapshot, ANodeWithAnInvalidPathIsRejected) {
  for (const char* bad : {"", "a", "/a/", "//", "/a//b", "/.."}) {
    EXPECT_TRUE(Rejected(Seal(RawBody({"/", "/a", bad})))) << "[" << bad << "]";
  }
}

TEST_F(DamagedSnapshot, FewerNodesThanAnnouncedIsRejected) {
  std::string body = RawBody({"/", "/a"});
  std::string one_node = RawBody({"/"});
  // Announce two nodes but carry only the root.
  std::string lying = RawBody({"/", "/a"}).substr(0, one_node.size());
  EXPECT_TRUE(Rejected(Seal(lying)));
  EXPECT_TRUE(Rejected(Seal(body.substr(0, body.size() - 3))));
}

TEST_F(DamagedSnapshot, BytesAfterTheLastNodeAreRejected) {
  EXPECT_TRUE(Rejected(Seal(RawBody({"/", "/a"}) + "junk")));
}

}  // namespace
}  // namespace paddock::statemachine
