// Applying committed txns: the write half of the state machine.
#include "base/assert.h"
#include "session/password.h"
#include "statemachine/prep.h"
#include "statemachine/state_machine.h"
#include "tree/path.h"

namespace paddock::statemachine {

using proto::Err;
using proto::EventType;
using proto::Op;

StateMachine::StateMachine(Options options) : options_(options) {}

TxnResult StateMachine::Apply(const Txn& txn) {
  switch (txn.kind) {
    case TxnKind::kInit: {
      // Only the first init counts: a new leader may propose one before it has seen the first.
      if (secret_.empty()) secret_ = txn.body;
      TxnResult r;
      r.zxid = last_zxid_;
      return r;
    }
    case TxnKind::kSync: {
      TxnResult r;
      r.zxid = last_zxid_;
      proto::PathRequest req;
      if (!proto::DecodeFrom(txn.body, &req)) {
        r.err = Err::kMarshallingError;
      } else {
        r.body = proto::EncodeToString(req);
      }
      return r;
    }
    case TxnKind::kCreateSession:
      return ApplyCreateSession(txn);
    case TxnKind::kAttachSession:
      return ApplyAttachSession(txn);
    case TxnKind::kExpireSession: {
      TxnResult r;
      r.zxid = ++last_zxid_;
      return ApplyCloseSession(txn, std::move(r));
    }
    case TxnKind::kDeleteContainer:
      return ApplyDeleteContainer(txn);
    case TxnKind::kRequest:
      return ApplyRequest(txn);
  }
  PADDOCK_ASSERT_MSG(false, "unknown txn kind");
}

TxnResult StateMachine::ApplyRequest(const Txn& txn) {
  TxnResult result;
  result.zxid = ++last_zxid_;
  auto op = static_cast<Op>(txn.op);
  if (!proto::IsWriteOp(op)) {
    result.err = Err::kUnimplemented;
    return result;
  }
  if (Err e = CheckAttachment(txn); e != Err::kOk) {
    result.err = e;
    return result;
  }
  if (op == Op::kCloseSession) return ApplyCloseSession(txn, std::move(result));
  if (op == Op::kReconfig) {
    // Dynamic reconfiguration is disabled, as in a default ZooKeeper: RECONFIGDISABLED.
    result.err = Err::kReconfigDisabled;
    return result;
  }
  if (op == Op::kMulti) return ApplyMulti(txn, std::move(result));
  return ApplySingle(txn, std::move(result));
}

TxnResult StateMachine::ApplyCreateSession(const Txn& txn) {
  TxnResult r;
  r.zxid = ++last_zxid_;
  proto::IntResponse timeout;
  if (!proto::DecodeFrom(txn.body, &timeout) || secret_.empty()) {
    r.err = Err::kMarshallingError;
    return r;
  }
  r.session_id = sessions_.Create(txn.origin_server, txn.time_ms, timeout.value, r.zxid);
  r.timeout_ms = timeout.value;
  r.passwd = session::SessionPassword(secret_, r.session_id);
  r.session_created = true;
  return r;
}

// The session's order rule (issue #14, defect 1). A write applies only from the connection that
// holds the session's current attachment, and only if every earlier write of that connection
// was applied: once one write's outcome is unknown (lost with a leader, a failed forward), no
// later write of its connection applies, and a connection the client has left can change
// nothing (ZooKeeper's SESSIONMOVED). Every write that passes counts, whatever its result.
Err StateMachine::CheckAttachment(const Txn& txn) {
  if (txn.cseq == 0) return Err::kOk;  // an entry of an older format
  const session::SessionTable::Session* s = sessions_.Find(txn.session_id);
  if (s == nullptr) return Err::kOk;  // the op's own checks answer SESSIONEXPIRED
  if (s->attach_zxid != txn.attach_zxid || txn.cseq != s->writes + 1) return Err::kSessionMoved;
  sessions_.CountWrite(txn.session_id);
  return Err::kOk;
}

TxnResult StateMachine::ApplyAttachSession(const Txn& txn) {
  TxnResult r;
  r.zxid = ++last_zxid_;
  r.session_id = txn.session_id;
  proto::IntResponse timeout;
  if (!proto::DecodeFrom(txn.body, &timeout)) {
    r.err = Err::kMarshallingError;
    return r;
  }
  if (!sessions_.Attach(txn.session_id, r.zxid, timeout.value)) {
    r.err = Err::kSessionExpired;
    return r;
  }
  r.timeout_ms = timeout.value;
  r.passwd = session::SessionPassword(secret_, r.session_id);
  r.session_attached = true;
  return r;
}

void StateMachine::DeleteNode(const std::string& path, int64_t zxid,
                              std::vector<WatchTrigger>* triggers) {
  std::string parent(tree::ParentOf(path));
  proto::AclList acl = tree_.Find(path)->acl();
  tree_.Delete(path, zxid);
  triggers->push_back({EventType::kNodeDeleted, path, std::move(acl)});
  triggers->push_back({EventType::kNodeChildrenChanged, parent, tree_.Find(parent)->acl()});
}

TxnResult StateMachine::ApplyCloseSession(const Txn& txn, TxnResult result) {
  // Deleting the ephemerals and forgetting the session is one step: one zxid, one entry.
  for (const std::string& path : tree_.EphemeralsOf(txn.session_id)) {
    DeleteNode(path, result.zxid, &result.triggers);
  }
  sessions_.Remove(txn.session_id);
  PADDOCK_ASSERT(tree_.EphemeralsOf(txn.session_id).empty());
  result.session_id = txn.session_id;
  result.session_closed = true;
  return result;
}

bool StateMachine::IsCleanupCandidate(const std::string& path, int64_t time_ms) const {
  const tree::Node* n = tree_.Find(path);
  if (n == nullptr || n->num_children() != 0) return false;
  if (n->IsContainer()) {
    if (n->cversion > 0) return true;
    return options_.container_never_used_ms > 0 &&
           time_ms - n->mtime > options_.container_never_used_ms;
  }
  if (n->IsTtl()) return time_ms - n->mtime > n->TtlMs();
  return false;
}

TxnResult StateMachine::ApplyDeleteContainer(const Txn& txn) {
  TxnResult r;
  r.zxid = ++last_zxid_;
  const tree::Node* n = tree_.Find(txn.body);
  if (n == nullptr) {
    r.err = Err::kNoNode;
  } else if (n->num_children() != 0) {
    r.err = Err::kNotEmpty;
  } else if (!IsCleanupCandidate(txn.body, txn.time_ms)) {
    r.err = Err::kBadArguments;
  } else {
    DeleteNode(txn.body, r.zxid, &r.triggers);
  }
  return r;
}

}  // namespace paddock::statemachine
