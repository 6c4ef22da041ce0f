// Test-only support for the state machine's unit tests: a machine already past kInit with one
// live session, helpers that encode requests the way a client sends them and apply them as
// kRequest txns, and shorthands for the multi ops. Included only by *_test.cc files.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "proto/records.h"
#include "session/password.h"
#include "statemachine/state_machine.h"

namespace paddock::statemachine::test_fixture {

using proto::AclList;
using proto::Buffer;
using proto::Err;
using proto::EventType;
using proto::MultiOp;
using proto::Op;
using proto::Stat;
namespace perms = proto::perms;

constexpr int32_t kPersistent = 0;
constexpr int32_t kEphemeral = 1;
constexpr int32_t kPersistentSequential = 2;
constexpr int32_t kEphemeralSequential = 3;
constexpr int32_t kContainerFlag = 4;
constexpr int32_t kTtlFlag = 5;
constexpr int32_t kTtlSequentialFlag = 6;
constexpr int64_t kStartMs = 1'700'000'000'000;

inline const proto::Id kAlice{"digest", "alice:hash1"};
inline const proto::Id kBob{"digest", "bob:hash2"};
inline const proto::Id kSuper{"super", ""};

inline AclList Open() { return {{perms::kAll, {"world", "anyone"}}}; }
inline AclList WorldOnly(int32_t p) { return {{p, {"world", "anyone"}}}; }

template <typename T>
std::string Enc(const T& record) {
  return proto::EncodeToString(record);
}

template <typename T>
T Dec(const std::string& bytes) {
  T record;
  EXPECT_TRUE(proto::DecodeFrom(bytes, &record));
  return record;
}

using Events = std::vector<std::pair<EventType, std::string>>;
inline Events EventsOf(const TxnResult& r) {
  Events out;
  for (const WatchTrigger& t : r.triggers) out.emplace_back(t.type, t.path);
  return out;
}

using Watches = std::vector<std::pair<watch::Table, std::string>>;

inline MultiOp CreateOp(std::string path, int32_t flags = kPersistent, Op type = Op::kCreate) {
  return {type, proto::CreateRequest{std::move(path), std::string("m"), Open(), flags}};
}
inline MultiOp DeleteOp(std::string path, int32_t version = -1) {
  return {Op::kDelete, proto::DeleteRequest{std::move(path), version}};
}
inline MultiOp SetDataOp(std::string path, std::string data, int32_t version = -1) {
  return {Op::kSetData, proto::SetDataRequest{std::move(path), std::move(data), version}};
}
inline MultiOp CheckOp(std::string path, int32_t version) {
  return {Op::kCheck, proto::CheckVersionRequest{std::move(path), version}};
}
inline MultiOp ReadOp(Op type, std::string path, bool watch = false) {
  return {type, proto::PathWatchRequest{std::move(path), watch}};
}

// A machine after kInit and one session. Writes go out as that session unless told otherwise;
// every write carries a txn time one second after the previous one.
class StateMachineTest : public testing::Test {
 protected:
  explicit StateMachineTest(Options options = {}) : sm_(options) {
    Txn init;
    init.kind = TxnKind::kInit;
    init.body = std::string(session::kSecretBytes, 's');
    sm_.Apply(init);
    session_ = NewSession();
  }

  int64_t NewSession(int32_t timeout_ms = 30000) {
    Txn t;
    t.kind = TxnKind::kCreateSession;
    t.origin_server = 1;
    t.time_ms = NextTime();
    t.body = Enc(proto::IntResponse{timeout_ms});
    TxnResult r = sm_.Apply(t);
    EXPECT_TRUE(r.session_created);
    return r.session_id;
  }

  int64_t NextTime() { return time_ms_ += 1000; }

  TxnResult WriteAs(int64_t session, Op op, std::string body, Identities ids = {}) {
    Txn t;
    t.kind = TxnKind::kRequest;
    t.session_id = session;
    t.op = static_cast<int32_t>(op);
    t.time_ms = NextTime();
    t.identities = std::move(ids);
    t.body = std::move(body);
    return sm_.Apply(t);
  }
  TxnResult Write(Op op, std::string body, Identities ids = {}) {
    return WriteAs(session_, op, std::move(body), std::move(ids));
  }

  TxnResult CreateNode(std::string path, int32_t flags = kPersistent, AclList acl = Open(),
                   Identities ids = {}, Op op = Op::kCreate) {
    return Write(op, Enc(proto::CreateRequest{std::move(path), std::string("d"), acl, flags}),
                 std::move(ids));
  }
  TxnResult CreateTtl(std::string path, int32_t flags, int64_t ttl) {
    return Write(Op::kCreateTTL,
                 Enc(proto::CreateTTLRequest{std::move(path), std::string("d"), Open(), flags, ttl}));
  }
  TxnResult DeleteNode(std::string path, int32_t version = -1, Identities ids = {}) {
    return Write(Op::kDelete, Enc(proto::DeleteRequest{std::move(path), version}), std::move(ids));
  }
  TxnResult SetNodeData(std::string path, Buffer data, int32_t version = -1, Identities ids = {}) {
    return Write(Op::kSetData, Enc(proto::SetDataRequest{std::move(path), std::move(data), version}),
                 std::move(ids));
  }
  TxnResult SetNodeAcl(std::string path, AclList acl, int32_t version = -1, Identities ids = {}) {
    return Write(Op::kSetACL, Enc(proto::SetACLRequest{std::move(path), std::move(acl), version}),
                 std::move(ids));
  }
  TxnResult RunMulti(std::vector<MultiOp> ops, int64_t session = 0) {
    return WriteAs(session == 0 ? session_ : session, Op::kMulti,
                   Enc(proto::MultiRequest{std::move(ops)}));
  }
  TxnResult Close(int64_t session, TxnKind kind = TxnKind::kRequest) {
    Txn t;
    t.kind = kind;
    t.session_id = session;
    t.op = static_cast<int32_t>(Op::kCloseSession);
    t.time_ms = NextTime();
    return sm_.Apply(t);
  }
  TxnResult DeleteContainer(const std::string& path, int64_t time_ms) {
    Txn t;
    t.kind = TxnKind::kDeleteContainer;
    t.time_ms = time_ms;
    t.body = path;
    return sm_.Apply(t);
  }

  ReadResult Read(Op op, std::string body, Identities ids = {}, int64_t session = 0) const {
    return sm_.Read(static_cast<int32_t>(op), body, ids, session == 0 ? session_ : session);
  }
  ReadResult ReadPath(Op op, std::string path, bool watch = false, Identities ids = {}) const {
    return Read(op, Enc(proto::PathWatchRequest{std::move(path), watch}), std::move(ids));
  }

  Stat StatOf(const std::string& path) const {
    const tree::Node* n = sm_.tree().Find(path);
    EXPECT_NE(n, nullptr) << path;
    return n == nullptr ? Stat{} : n->ClientStat();
  }
  bool Exists(const std::string& path) const { return sm_.tree().Find(path) != nullptr; }

  StateMachine sm_;
  int64_t session_ = 0;
  int64_t time_ms_ = kStartMs;
};

class ExtendedTypes : public StateMachineTest {
 protected:
  ExtendedTypes() : StateMachineTest(Options{true, 0}) {}
};

}  // namespace paddock::statemachine::test_fixture
