// Applying prepared changes: single writes and multi.
#include "base/assert.h"
#include "statemachine/prep.h"
#include "statemachine/state_machine.h"
#include "tree/path.h"

namespace paddock::statemachine {

using internal::Change;
using internal::Overlay;
using internal::PrepContext;
using proto::Err;
using proto::EventType;
using proto::Op;

namespace {

// Performs one prepared change; fills the multi-style result and the watch triggers. The
// change's data moves into the tree (a copy of every body showed in the write profile).
proto::MultiResult Perform(tree::DataTree& tree, Change& c, int64_t zxid, int64_t time_ms,
                           std::vector<WatchTrigger>* triggers) {
  proto::MultiResult res;
  res.type = c.result_type;
  switch (c.op) {
    case Op::kCreate: {
      std::string parent(tree::ParentOf(c.path));
      tree.Create(c.path, c.data, c.acl, c.ephemeral_owner, c.parent_cversion, zxid,
                  time_ms);
      triggers->push_back({EventType::kNodeCreated, c.path, c.acl});
      triggers->push_back({EventType::kNodeChildrenChanged, parent, tree.Find(parent)->acl()});
      res.path = c.path;
      res.stat = tree.Find(c.path)->ClientStat();
      break;
    }
    case Op::kDelete: {
      std::string parent(tree::ParentOf(c.path));
      proto::AclList acl = tree.Find(c.path)->acl();
      tree.Delete(c.path, zxid);
      triggers->push_back({EventType::kNodeDeleted, c.path, std::move(acl)});
      triggers->push_back({EventType::kNodeChildrenChanged, parent, tree.Find(parent)->acl()});
      break;
    }
    case Op::kSetData:
      tree.SetData(c.path, c.data, c.version, zxid, time_ms);
      triggers->push_back({EventType::kNodeDataChanged, c.path, tree.Find(c.path)->acl()});
      res.stat = tree.Find(c.path)->ClientStat();
      break;
    case Op::kSetACL:
      tree.SetAcl(c.path, c.acl, c.version);
      res.stat = tree.Find(c.path)->ClientStat();
      break;
    case Op::kCheck:
      break;
    default:
      PADDOCK_ASSERT_MSG(false, "not a change");
  }
  return res;
}

// The response record of a single (non-multi) write.
std::string SingleResponse(Op op, const proto::MultiResult& res) {
  switch (op) {
    case Op::kCreate:
      return proto::EncodeToString(proto::CreateResponse{res.path});
    case Op::kCreate2:
    case Op::kCreateContainer:
    case Op::kCreateTTL:
      return proto::EncodeToString(proto::Create2Response{res.path, res.stat});
    case Op::kSetData:
    case Op::kSetACL:
      return proto::EncodeToString(proto::StatResponse{res.stat});
    default:
      return {};
  }
}

// A multi (14) may hold only write ops. ZooKeeper decodes getData/getChildren ops in a multi
// too, but then fails the whole request with MARSHALLINGERROR in its prep step.
bool HasReadOp(const proto::MultiRequest& multi) {
  for (const proto::MultiOp& op : multi.ops) {
    if (op.type == Op::kGetData || op.type == Op::kGetChildren) return true;
  }
  return false;
}

}  // namespace

TxnResult StateMachine::ApplySingle(const Txn& txn, TxnResult result) {
  PrepContext ctx{txn.session_id, sessions_.Contains(txn.session_id), &txn.identities, &options_};
  Overlay view(tree_);
  Change change;
  auto op = static_cast<Op>(txn.op);
  result.err = internal::PrepWrite(ctx, view, op, txn.body, &change);
  if (result.err != Err::kOk) return result;
  proto::MultiResult res = Perform(tree_, change, result.zxid, txn.time_ms, &result.triggers);
  result.body = SingleResponse(op, res);
  return result;
}

TxnResult StateMachine::ApplyMulti(const Txn& txn, TxnResult result) {
  proto::MultiRequest multi;
  proto::JuteReader reader(txn.body);
  if (!multi.Decode(reader) || HasReadOp(multi)) {
    result.err = Err::kMarshallingError;
    return result;
  }
  PrepContext ctx{txn.session_id, sessions_.Contains(txn.session_id), &txn.identities, &options_};
  Overlay view(tree_);
  std::vector<Change> changes(multi.ops.size());
  size_t failed = multi.ops.size();
  Err failure = Err::kOk;
  for (size_t i = 0; i < multi.ops.size() && failed == multi.ops.size(); i++) {
    failure = internal::PrepMultiOp(ctx, view, multi.ops[i], &changes[i]);
    if (failure != Err::kOk) failed = i;
  }
  proto::MultiResponse response;
  if (failed < multi.ops.size()) {
    // Nothing is applied: earlier ops report 0, the failing op its code, later ops -2.
    for (size_t i = 0; i < multi.ops.size(); i++) {
      Err e = i < failed ? Err::kOk : (i == failed ? failure : Err::kRuntimeInconsistency);
      response.results.push_back({Op::kError, e, {}, {}, std::nullopt, {}});
    }
  } else {
    for (Change& c : changes) {
      response.results.push_back(Perform(tree_, c, result.zxid, txn.time_ms, &result.triggers));
    }
  }
  result.body = proto::EncodeToString(response);
  return result;
}

}  // namespace paddock::statemachine
