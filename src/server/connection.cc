#include "server/connection.h"

#include <algorithm>
#include <utility>

#include "base/assert.h"

namespace paddock::server {

void Connection::AbortByPeer(const char* reason) {
  if (!closing()) closed_by_peer_ = true;
  Abort(reason);
}

void Connection::BeginHandshake(int32_t timeout_ms, bool old_client) {
  PADDOCK_ASSERT(state_ == State::kHandshake);
  timeout_ms_ = timeout_ms;
  old_client_ = old_client;
}

void Connection::Park() {
  PADDOCK_ASSERT(state_ == State::kHandshake);
  state_ = State::kConnecting;
}

void Connection::Unpark() {
  PADDOCK_ASSERT(state_ == State::kConnecting && connect_seq_ == 0);
  state_ = State::kHandshake;
}

void Connection::AwaitSessionTxn(int64_t seq) {
  PADDOCK_ASSERT(state_ == State::kHandshake && seq != 0);
  connect_seq_ = seq;
  state_ = State::kConnecting;
}

void Connection::Attach(int64_t session_id, int64_t attach_zxid) {
  PADDOCK_ASSERT(state_ == State::kConnecting && connect_seq_ == 0);
  session_id_ = session_id;
  attach_zxid_ = attach_zxid;
  writes_proposed_ = 0;
  state_ = State::kOpen;
}

int64_t Connection::NextWriteSeq() {
  PADDOCK_ASSERT(session_id_ != 0);
  return ++writes_proposed_;
}

void Connection::AddIdentity(proto::Id id) {
  if (std::find(identities_.begin(), identities_.end(), id) == identities_.end()) {
    identities_.push_back(std::move(id));
  }
}

PendingRequest& Connection::Enqueue(PendingRequest p) {
  pipeline_.push_back(std::move(p));
  return pipeline_.back();
}

PendingRequest& Connection::Head() {
  PADDOCK_ASSERT(!pipeline_.empty());
  return pipeline_.front();
}

void Connection::PopHead() {
  PADDOCK_ASSERT(!pipeline_.empty());
  pipeline_.pop_front();
}

PendingRequest* Connection::FindWrite(int64_t seq) {
  for (PendingRequest& p : pipeline_) {
    if (p.kind == PendingRequest::Kind::kWrite && p.seq == seq) return &p;
  }
  return nullptr;
}

void Connection::MarkAccepted(int64_t wall_ms, int64_t mono_ms) {
  established_wall_ms_ = wall_ms;
  accepted_mono_ms_ = mono_ms;
}

void Connection::RecordRequest(int32_t op, int32_t xid) {
  last_op_ = op;
  last_cxid_ = xid;
}

void Connection::RecordReply(int64_t zxid, int64_t latency_ms, int64_t now_wall_ms) {
  packets_sent_++;
  last_zxid_ = zxid;
  latency_.Record(latency_ms);
  last_response_wall_ms_ = now_wall_ms;
}

void Connection::ResetStats() {
  packets_received_ = packets_sent_ = 0;
  latency_.Reset();
}

void Connection::set_remote(std::string ip, int port) {
  remote_ip_ = std::move(ip);
  remote_port_ = port;
}

void Connection::BeginClose(const char* reason) {
  PADDOCK_ASSERT(state_ != State::kClosing);
  state_ = State::kClosing;
  close_reason_ = reason;
}

}  // namespace paddock::server
