#include "statemachine/txn.h"

namespace paddock::statemachine {
namespace {
// "PDK2" batches carry each txn's attach_zxid and cseq (issue #14); "PDK1" entries, written
// before, decode with both 0.
constexpr int32_t kBatchMagic = 0x50444b32;      // "PDK2"
constexpr int32_t kBatchMagicV1 = 0x50444b31;    // "PDK1"
// The fixed fields of an encoded txn: kind, session_id, xid, op, time_ms, origin_server,
// origin_seq, and the counts of identities and body (and attach_zxid, cseq from PDK2).
constexpr size_t kTxnBytesMin = 1 + 8 + 4 + 4 + 8 + 4 + 8 + 4 + 4;
constexpr uint8_t kKindMax = static_cast<uint8_t>(TxnKind::kAttachSession);
}  // namespace

void Txn::Encode(proto::JuteWriter& w) const {
  w.Byte(static_cast<uint8_t>(kind));
  w.Long(session_id);
  w.Int(xid);
  w.Int(op);
  w.Long(time_ms);
  w.Int(origin_server);
  w.Long(origin_seq);
  w.Long(attach_zxid);
  w.Long(cseq);
  w.RecordVector(identities);
  w.String(body);
}

bool Txn::Decode(proto::JuteReader& r) { return DecodeVersion(r, true); }

bool Txn::DecodeVersion(proto::JuteReader& r, bool with_attach) {
  uint8_t k = 0;
  if (!r.Byte(&k)) return false;
  if (k < 1 || k > (with_attach ? kKindMax : 6)) return r.Fail();
  kind = static_cast<TxnKind>(k);
  if (!(r.Long(&session_id) && r.Int(&xid) && r.Int(&op) && r.Long(&time_ms) &&
        r.Int(&origin_server) && r.Long(&origin_seq))) {
    return false;
  }
  if (with_attach && !(r.Long(&attach_zxid) && r.Long(&cseq))) return false;
  return r.RecordVector(&identities) && r.String(&body);
}

std::string EncodeBatch(std::span<const Txn> txns) {
  std::string out;
  proto::JuteWriter w(&out);
  w.Int(kBatchMagic);
  w.Int(static_cast<int32_t>(txns.size()));
  for (const Txn& t : txns) t.Encode(w);
  return out;
}

Result<std::vector<Txn>> DecodeBatch(std::string_view bytes) {
  proto::JuteReader r(bytes, INT32_MAX);
  int32_t magic = 0;
  int32_t n = 0;
  if (!r.Int(&magic) || (magic != kBatchMagic && magic != kBatchMagicV1) || !r.Int(&n) ||
      n < 0) {
    return Status::Error("log entry: bad batch header");
  }
  // A count the entry cannot hold is damage; it must not size an allocation.
  if (static_cast<size_t>(n) > r.remaining() / kTxnBytesMin) {
    return Status::Error("log entry: txn count exceeds the entry");
  }
  std::vector<Txn> txns(static_cast<size_t>(n));
  for (Txn& t : txns) {
    if (!t.DecodeVersion(r, magic == kBatchMagic)) {
      return Status::Error("log entry: malformed txn");
    }
  }
  if (!r.AtEnd()) return Status::Error("log entry: trailing bytes");
  return txns;
}

}  // namespace paddock::statemachine
