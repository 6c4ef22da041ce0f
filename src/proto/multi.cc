// Encoding of multi (14) and multiRead (22) requests and their responses (§5.3).
#include "proto/records.h"

namespace paddock::proto {
namespace {

bool IsReadOp(Op t) { return t == Op::kGetChildren || t == Op::kGetData; }

bool DecodeMultiOpBody(JuteReader& r, MultiOp* op) {
  switch (op->type) {
    case Op::kCreate:
    case Op::kCreate2:
    case Op::kCreateContainer:
      return op->body.emplace<CreateRequest>().Decode(r);
    case Op::kCreateTTL:
      return op->body.emplace<CreateTTLRequest>().Decode(r);
    case Op::kDelete:
    case Op::kCheck:
      return op->body.emplace<DeleteRequest>().Decode(r);
    case Op::kSetData:
      return op->body.emplace<SetDataRequest>().Decode(r);
    case Op::kGetChildren:
    case Op::kGetData:
      return op->body.emplace<PathWatchRequest>().Decode(r);
    default:
      return r.Fail();
  }
}

}  // namespace

void MultiRequest::Encode(JuteWriter& w) const {
  for (const MultiOp& op : ops) {
    MultiHeader{static_cast<int32_t>(op.type), false, -1}.Encode(w);
    std::visit([&w](const auto& body) { body.Encode(w); }, op.body);
  }
  MultiHeader{-1, true, -1}.Encode(w);
}

bool MultiRequest::Decode(JuteReader& r) {
  ops.clear();
  bool seen_read = false;
  bool seen_write = false;
  while (true) {
    MultiHeader h;
    if (!h.Decode(r)) return false;
    if (h.done) return true;
    MultiOp op;
    op.type = static_cast<Op>(h.type);
    if (!DecodeMultiOpBody(r, &op)) return false;
    (IsReadOp(op.type) ? seen_read : seen_write) = true;
    if (seen_read && seen_write) return r.Fail();
    ops.push_back(std::move(op));
  }
}

void MultiResponse::Encode(JuteWriter& w) const {
  for (const MultiResult& res : results) {
    int32_t err = res.type == Op::kError ? static_cast<int32_t>(res.err) : 0;
    MultiHeader{static_cast<int32_t>(res.type), false, err}.Encode(w);
    switch (res.type) {
      case Op::kCreate:
        w.String(res.path);
        break;
      case Op::kCreate2:
        Create2Response{res.path, res.stat}.Encode(w);
        break;
      case Op::kSetData:
        res.stat.Encode(w);
        break;
      case Op::kGetData:
        GetDataResponse{res.data, res.stat}.Encode(w);
        break;
      case Op::kGetChildren:
        w.StringVector(res.children);
        break;
      case Op::kError:
        w.Int(err);
        break;
      default:  // delete, check: no body
        break;
    }
  }
  MultiHeader{-1, true, -1}.Encode(w);
}

bool MultiResponse::Decode(JuteReader& r) {
  results.clear();
  while (true) {
    MultiHeader h;
    if (!h.Decode(r)) return false;
    if (h.done) return true;
    MultiResult res;
    res.type = static_cast<Op>(h.type);
    switch (res.type) {
      case Op::kCreate:
        r.String(&res.path);
        break;
      case Op::kCreate2: {
        Create2Response c;
        c.Decode(r);
        res.path = c.path;
        res.stat = c.stat;
        break;
      }
      case Op::kSetData:
        res.stat.Decode(r);
        break;
      case Op::kGetData:
        r.Buf(&res.data);
        res.stat.Decode(r);
        break;
      case Op::kGetChildren:
        r.StringVector(&res.children);
        break;
      case Op::kError: {
        int32_t e = 0;
        r.Int(&e);
        res.err = static_cast<Err>(e);
        break;
      }
      default:
        break;
    }
    if (!r.ok()) return false;
    results.push_back(std::move(res));
  }
}

std::string_view OpShortName(int32_t op) {
  switch (static_cast<Op>(op)) {
    case Op::kNotification: return "NOTF";
    case Op::kCreate: return "CREA";
    case Op::kDelete: return "DELE";
    case Op::kExists: return "EXIS";
    case Op::kGetData: return "GETD";
    case Op::kSetData: return "SETD";
    case Op::kGetACL: return "GACL";
    case Op::kSetACL: return "SACL";
    case Op::kGetChildren: return "GETC";
    case Op::kSync: return "SYNC";
    case Op::kPing: return "PING";
    case Op::kGetChildren2: return "GETC";
    case Op::kCheck: return "CHEC";
    case Op::kMulti: return "MULT";
    case Op::kCreate2: return "CREA";
    case Op::kReconfig: return "RECO";
    case Op::kCheckWatches: return "CHKW";
    case Op::kRemoveWatches: return "REMW";
    case Op::kCreateContainer: return "CREA";
    case Op::kDeleteContainer: return "DELE";
    case Op::kCreateTTL: return "CREA";
    case Op::kMultiRead: return "MLTR";
    case Op::kAuth: return "AUTH";
    case Op::kSetWatches: return "SETW";
    case Op::kSasl: return "SASL";
    case Op::kGetEphemerals: return "GETE";
    case Op::kGetAllChildrenNumber: return "GETACN";
    case Op::kSetWatches2: return "SETW";
    case Op::kAddWatch: return "ADDW";
    case Op::kWhoAmI: return "HOMI";
    case Op::kCreateSession: return "SESS";
    case Op::kCloseSession: return "CLOS";
    case Op::kError: return "ERR";
  }
  return "UNKNOWN";
}

}  // namespace paddock::proto
