#include "server/ensemble_messages.h"

#include "proto/jute.h"

namespace paddock::server {

std::string EncodeHeartbeat(const Heartbeat& h) {
  std::string out;
  out.reserve(16 + h.touches.size() * 16);
  proto::JuteWriter w(&out);
  w.Byte(static_cast<uint8_t>(h.role));
  w.Bool(h.serving);
  w.Long(h.last_zxid);
  w.Int(h.heard_you_age_ms);
  w.Int(static_cast<int32_t>(h.touches.size()));
  for (const Heartbeat::Touch& t : h.touches) {
    w.Long(t.session_id);
    w.Int(t.timeout_ms);
    w.Int(t.age_ms);
  }
  return out;
}

bool DecodeHeartbeat(std::string_view body, Heartbeat* out) {
  proto::JuteReader r(body);
  uint8_t role = 0;
  int32_t n = 0;
  if (!r.Byte(&role) || role > 2 || !r.Bool(&out->serving) || !r.Long(&out->last_zxid) ||
      !r.Int(&out->heard_you_age_ms) || out->heard_you_age_ms < -1 || !r.Int(&n) || n < 0 || static_cast<size_t>(n) > body.size() / 16) {
    return false;
  }
  out->role = static_cast<Heartbeat::Role>(role);
  out->touches.resize(static_cast<size_t>(n));
  for (Heartbeat::Touch& t : out->touches) {
    if (!r.Long(&t.session_id) || !r.Int(&t.timeout_ms) || !r.Int(&t.age_ms)) return false;
    if (t.timeout_ms <= 0 || t.age_ms < 0) return false;
  }
  return r.AtEnd();
}

std::string EncodeSeqs(const std::vector<int64_t>& seqs) {
  std::string out;
  proto::JuteWriter w(&out);
  w.Int(static_cast<int32_t>(seqs.size()));
  for (int64_t s : seqs) w.Long(s);
  return out;
}

bool DecodeSeqs(std::string_view body, std::vector<int64_t>* out) {
  proto::JuteReader r(body);
  int32_t n = 0;
  if (!r.Int(&n) || n < 0 || static_cast<size_t>(n) > body.size() / 8) return false;
  out->resize(static_cast<size_t>(n));
  for (int64_t& s : *out) {
    if (!r.Long(&s)) return false;
  }
  return r.AtEnd();
}

namespace {

bool Forwardable(statemachine::TxnKind kind) {
  using statemachine::TxnKind;
  switch (kind) {
    case TxnKind::kRequest:
    case TxnKind::kCreateSession:
    case TxnKind::kAttachSession:
    case TxnKind::kSync:
      return true;
    case TxnKind::kExpireSession:
    case TxnKind::kDeleteContainer:
    case TxnKind::kInit:
      return false;
  }
  return false;  // a value outside the enum
}

}  // namespace

const statemachine::Txn* FirstNotForwardable(std::span<const statemachine::Txn> txns) {
  for (const statemachine::Txn& t : txns) {
    if (!Forwardable(t.kind)) return &t;
  }
  return nullptr;
}

std::string TxnKindName(statemachine::TxnKind kind) {
  using statemachine::TxnKind;
  switch (kind) {
    case TxnKind::kRequest: return "request";
    case TxnKind::kCreateSession: return "createSession";
    case TxnKind::kExpireSession: return "expireSession";
    case TxnKind::kDeleteContainer: return "deleteContainer";
    case TxnKind::kInit: return "init";
    case TxnKind::kSync: return "sync";
    case TxnKind::kAttachSession: return "attachSession";
  }
  return "kind(" + std::to_string(static_cast<int>(kind)) + ")";
}

}  // namespace paddock::server
