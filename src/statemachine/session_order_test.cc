// Proves the state machine's session order rule (issue #14, defect 1) and attachments (defect
// 3), on txns applied as every replica applies them:
//  * a createSession attaches the session at its own zxid; an attachSession on a live session
//    re-attaches it at the attach's zxid, with the newly negotiated timeout, and answers the
//    session's password; on a session that is gone it answers SESSIONEXPIRED, whatever any
//    member thought before, so an expired session is never answered as live;
//  * a write applies only with the session's current attachment: one from a connection the
//    client has left is SESSIONMOVED and changes nothing (ZooKeeper's rule);
//  * a write applies only if every earlier write of its connection applied: once one is lost
//    (its entry never committed), every later write of that connection is SESSIONMOVED, so the
//    session's writes never apply out of the order sent;
//  * a write that fails validation still counts (it is in the log), and the attachment and its
//    count survive a snapshot;
//  * entries of the older layout (cseq 0) are not checked.
#include <gtest/gtest.h>

#include "session/password.h"
#include "statemachine/state_machine.h"
#include "statemachine/state_machine_test_fixture.h"

namespace paddock::statemachine {
namespace {

using namespace test_fixture;  // NOLINT: the fixture's vocabulary is the point of these files

class SessionOrder : public StateMachineTest {
 protected:
  SessionOrder() { attach_ = sm_.sessions().Find(session_)->attach_zxid; }

  TxnResult Create(const std::string& path, int64_t cseq, int64_t attach = -1) {
    Txn t;
    t.kind = TxnKind::kRequest;
    t.session_id = session_;
    t.op = static_cast<int32_t>(Op::kCreate);
    t.time_ms = NextTime();
    t.attach_zxid = attach < 0 ? attach_ : attach;
    t.cseq = cseq;
    t.body = Enc(proto::CreateRequest{path, std::string("d"), Open(), kPersistent});
    return sm_.Apply(t);
  }

  TxnResult Attach(int64_t session, int32_t timeout_ms) {
    Txn t;
    t.kind = TxnKind::kAttachSession;
    t.session_id = session;
    t.origin_server = 2;
    t.time_ms = NextTime();
    t.body = Enc(proto::IntResponse{timeout_ms});
    return sm_.Apply(t);
  }

  int64_t attach_ = 0;
};

TEST_F(SessionOrder, ACreatedSessionIsAttachedAtItsOwnZxid) {
  EXPECT_GT(attach_, 0);
  EXPECT_EQ(sm_.sessions().Find(session_)->writes, 0);
}

TEST_F(SessionOrder, WritesInTheOrderSentApply) {
  EXPECT_EQ(Create("/a", 1).err, Err::kOk);
  EXPECT_EQ(Create("/b", 2).err, Err::kOk);
  EXPECT_EQ(Create("/c", 3).err, Err::kOk);
  EXPECT_EQ(sm_.sessions().Find(session_)->writes, 3);
}

TEST_F(SessionOrder, AWriteThatFailsValidationStillCounts) {
  EXPECT_EQ(Create("/a", 1).err, Err::kOk);
  EXPECT_EQ(Create("/a", 2).err, Err::kNodeExists);
  EXPECT_EQ(Create("/b", 3).err, Err::kOk);
}

TEST_F(SessionOrder, NoWriteAppliesAfterAnEarlierWriteOfItsConnectionWasLost) {
  EXPECT_EQ(Create("/a", 1).err, Err::kOk);
  // Write 2 was lost with a leader; 3 and 4 reached the next one.
  TxnResult third = Create("/c", 3);
  EXPECT_EQ(third.err, Err::kSessionMoved);
  EXPECT_GT(third.zxid, 0);  // in the log all the same
  EXPECT_EQ(Create("/d", 4).err, Err::kSessionMoved);
  EXPECT_FALSE(Exists("/c"));
  EXPECT_FALSE(Exists("/d"));
}

TEST_F(SessionOrder, AWriteAppliedTwiceIsRefusedTheSecondTime) {
  EXPECT_EQ(Create("/a", 1).err, Err::kOk);
  EXPECT_EQ(Create("/b", 1).err, Err::kSessionMoved);
  EXPECT_FALSE(Exists("/b"));
}

TEST_F(SessionOrder, AnAttachMovesTheSessionAndRefusesTheOldConnectionsWrites) {
  EXPECT_EQ(Create("/a", 1).err, Err::kOk);
  TxnResult r = Attach(session_, 9000);
  ASSERT_EQ(r.err, Err::kOk);
  EXPECT_TRUE(r.session_attached);
  EXPECT_EQ(r.timeout_ms, 9000);
  EXPECT_EQ(r.passwd, session::SessionPassword(sm_.secret(), session_));
  EXPECT_EQ(sm_.sessions().Find(session_)->timeout_ms, 9000);
  EXPECT_EQ(sm_.sessions().Find(session_)->attach_zxid, r.zxid);
  // The old connection's next write arrives late: it must not apply.
  EXPECT_EQ(Create("/late", 2).err, Err::kSessionMoved);
  EXPECT_FALSE(Exists("/late"));
  // The new connection's writes count from 1.
  EXPECT_EQ(Create("/new", 1, r.zxid).err, Err::kOk);
}

TEST_F(SessionOrder, AnAttachToASessionThatIsGoneAnswersExpired) {
  Close(session_, TxnKind::kExpireSession);
  TxnResult r = Attach(session_, 9000);
  EXPECT_EQ(r.err, Err::kSessionExpired);
  EXPECT_FALSE(r.session_attached);
  EXPECT_TRUE(r.passwd.empty());
  EXPECT_FALSE(sm_.sessions().Contains(session_));
}

TEST_F(SessionOrder, TheAttachmentAndItsCountSurviveASnapshot) {
  EXPECT_EQ(Create("/a", 1).err, Err::kOk);
  StateMachine copy;
  ASSERT_TRUE(copy.Restore(sm_.Snapshot()).ok());
  const session::SessionTable::Session* s = copy.sessions().Find(session_);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->attach_zxid, attach_);
  EXPECT_EQ(s->writes, 1);
}

TEST_F(SessionOrder, EntriesOfTheOlderLayoutAreNotChecked) {
  EXPECT_EQ(Create("/a", 0, 0).err, Err::kOk);
  EXPECT_EQ(Create("/b", 0, 0).err, Err::kOk);
  EXPECT_EQ(sm_.sessions().Find(session_)->writes, 0);
}

}  // namespace
}  // namespace paddock::statemachine
