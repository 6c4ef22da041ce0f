// Txns: the entries of the replicated log, and what applying one produces.
//
// A txn carries the request as the client sent it (op + record bytes) plus everything the apply
// step needs to be deterministic on every replica: the leader's wall time (for ctime/mtime and
// TTL checks), the caller's identities (for ACL checks), and the server that holds the caller's
// connection (which sends the reply). Validation happens at apply time, so every replica computes
// the same result, errors included (reference §12.6: failed writes still consume a zxid).
//
// An entry of the log is a batch of txns. Encoding: jute, versioned. Thread-compatible values.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "proto/codes.h"
#include "proto/records.h"

namespace paddock::statemachine {

enum class TxnKind : uint8_t {
  kRequest = 1,        // a client write: create*, delete, setData, setACL, multi, closeSession
  kCreateSession = 2,  // body: int32 negotiated timeout
  kExpireSession = 3,  // the leader decided the session expired; no reply
  kDeleteContainer = 4,  // body: the path; the cleaner's proposal
  kInit = 5,           // body: the ensemble secret; first entry of a new ensemble
  kSync = 6,           // a barrier: no change, no zxid; its reply echoes the path
  kAttachSession = 7,  // a client reattaches: body int32 negotiated timeout; reply: alive or not
};

struct Txn {
  TxnKind kind = TxnKind::kRequest;
  int64_t session_id = 0;
  int32_t xid = 0;
  int32_t op = 0;
  int64_t time_ms = 0;        // leader wall clock, ms since epoch
  int32_t origin_server = 0;  // server holding the client's connection
  int64_t origin_seq = 0;     // that server's request number; 0 = nobody waits
  // A client write (kRequest): the session attachment its connection holds (the zxid of the
  // createSession or attachSession that gave it the session) and its place among that
  // connection's writes, from 1. 0 and 0: not checked (an entry of an older format).
  int64_t attach_zxid = 0;
  int64_t cseq = 0;
  std::vector<proto::Id> identities;
  std::string body;

  void Encode(proto::JuteWriter& w) const;
  bool Decode(proto::JuteReader& r);
  // Decodes the current layout, or (with_attach false) the one before attach_zxid and cseq.
  bool DecodeVersion(proto::JuteReader& r, bool with_attach);
};

// A log entry: a batch of txns.
std::string EncodeBatch(std::span<const Txn> txns);
inline std::string EncodeBatch(const std::vector<Txn>& txns) {
  return EncodeBatch(std::span<const Txn>(txns));
}
Result<std::vector<Txn>> DecodeBatch(std::string_view bytes);

// A watch event to fire on the servers' connections, in order.
struct WatchTrigger {
  proto::EventType type = proto::EventType::kNone;
  std::string path;
  // The ACL of the node concerned (the parent's for NodeChildrenChanged) when the event happened:
  // only watchers that may READ it get the event (ZooKeeper 3.8.4+, ZOOKEEPER-4799).
  proto::AclList acl;
};

struct TxnResult {
  int64_t zxid = 0;  // the txn's zxid; for a sync, the last zxid
  proto::Err err = proto::Err::kOk;
  std::string body;  // encoded response record; empty when none or on error
  std::vector<WatchTrigger> triggers;
  // Session effects: a created session, or a closed/expired one.
  int64_t session_id = 0;
  int32_t timeout_ms = 0;
  std::string passwd;
  bool session_created = false;
  bool session_closed = false;
  bool session_attached = false;  // kAttachSession found the session alive (zxid: attachment)
};

}  // namespace paddock::statemachine
