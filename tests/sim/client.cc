#include "sim/client.h"

#include <climits>
#include <sstream>

#include "base/assert.h"
#include "proto/records.h"

namespace paddock::sim {

using proto::Op;

namespace {
constexpr size_t kDepthMax = 3;
constexpr size_t kPingOp = SIZE_MAX;
const proto::AclList kOpen = {{proto::perms::kAll, {"world", "anyone"}}};
}  // namespace

SimClient::SimClient(Cluster* cluster, int index, uint64_t seed, int32_t timeout_ms,
                     History* history)
    : cluster_(cluster),
      index_(index),
      rng_(seed),
      timeout_ms_(timeout_ms),
      history_(history) {
  member_ = static_cast<unsigned>(rng_() % cluster_->size());
}

void SimClient::SendFrame(const std::string& payload) {
  std::string out;
  net::AppendFrame(&out, payload);
  cluster_->SendToMember(member_, connection_, std::move(out));
  last_sent_ms_ = cluster_->NowMs();
}

void SimClient::Connect() {
  // Another member than the last one, as a client walks its shuffled host list.
  member_ = (member_ + 1 + static_cast<unsigned>(rng_() % (cluster_->size() - 1))) %
            cluster_->size();
  if (preferred_ >= 0) member_ = static_cast<unsigned>(preferred_);
  frames_ = net::FrameReader(kReplyLimits);
  connection_ = cluster_->Connect(member_, this);
  connect_started_ms_ = cluster_->NowMs();
  if (connection_ == 0) {
    next_connect_ms_ = cluster_->NowMs() + 20;
    return;
  }
  state_ = State::kConnecting;
  proto::ConnectRequest req;
  req.last_zxid_seen = last_zxid_;
  req.timeout_ms = timeout_ms_;
  req.session_id = session_id_;
  req.passwd = session_id_ != 0 ? passwd_ : std::string(16, '\0');
  req.has_read_only = true;
  SendFrame(proto::EncodeToString(req));
  cluster_->NoteHandshake(session_id_);
}

// The connection is gone: everything in flight has an unknown outcome.
void SimClient::Lost(const char* /*why*/) {
  if (state_ != State::kIdle && connection_ != 0) cluster_->Hangup(member_, connection_);
  for (const Inflight& f : inflight_) {
    if (f.op == kPingOp) continue;
    OpRecord& op = history_->ops[f.op];
    op.outcome = OpRecord::Outcome::kUnknown;
    op.complete_ms = cluster_->NowMs();
  }
  inflight_.clear();
  cas_version_ = -1;
  watch_armed_ = false;  // the server drops a connection's watches with it
  if (parents_.size() < 4) bootstrap_ = 0;  // ask again for what is not confirmed
  state_ = State::kIdle;
  connection_ = 0;
  history_->reconnects++;
  next_connect_ms_ = cluster_->NowMs() + 10 + static_cast<int64_t>(rng_() % 90);
}

std::string SimClient::Describe() const {
  std::ostringstream d;
  d << "client " << index_ << " on m" << member_ + 1 << " state " << static_cast<int>(state_)
    << " waits for";
  for (const Inflight& f : inflight_) {
    if (f.op == kPingOp) {
      d << " ping";
      continue;
    }
    const OpRecord& op = history_->ops[f.op];
    d << " " << op.path << "@" << op.invoke_ms;
  }
  d << " heard@" << last_heard_ms_;
  return d.str();
}

void SimClient::Tick() {
  int64_t now = cluster_->NowMs();
  if (now < silent_until_ms_) return;
  HandleHeld();
  switch (state_) {
    case State::kIdle:
      if (now >= next_connect_ms_) Connect();
      return;
    case State::kConnecting:
      // The Java client gives a connect timeout / members to each attempt.
      if (now - connect_started_ms_ > timeout_ms_ / static_cast<int64_t>(cluster_->size())) {
        Lost("connect timeout");
      }
      return;
    case State::kConnected:
      if (now - last_heard_ms_ > timeout_ms_ * 2 / 3) {
        Lost("read timeout");
        return;
      }
      if (now - last_sent_ms_ >= timeout_ms_ / 3) Ping();
      while (!quiesced_ && inflight_.size() < kDepthMax) IssueNext();
      return;
  }
}

void SimClient::Ping() {
  SendFrame(proto::EncodeToString(proto::RequestHeader{proto::kXidPing,
                                                       static_cast<int32_t>(Op::kPing)}));
  inflight_.push_back({proto::kXidPing, kPingOp});
}

void SimClient::Submit(OpRecord op, int32_t type, const std::string& body) {
  op.client = index_;
  op.session_id = session_id_;
  op.invoke_ms = cluster_->NowMs();
  history_->ops.push_back(std::move(op));
  int32_t xid = next_xid_++;
  std::string payload = proto::EncodeToString(proto::RequestHeader{xid, type});
  payload.append(body);
  SendFrame(payload);
  inflight_.push_back({xid, history_->ops.size() - 1});
}

void SimClient::IssueNext() {
  uint64_t r = rng_() % 100;
  OpRecord op;
  if (index_ == 0 && bootstrap_ < 4) {
    // The first client creates the parents every other request needs (NODEEXISTS after a
    // reconnect is fine).
    static const char* const kParents[] = {"/reg", "/seq", "/fifo", "/eph"};
    op.kind = OpRecord::Kind::kSetup;
    op.path = kParents[bootstrap_++];
    Submit(op, static_cast<int32_t>(Op::kCreate),
           proto::EncodeToString(proto::CreateRequest{op.path, std::string("0"), kOpen, 0}));
    return;
  }
  if (cas_version_ >= 0) {
    op.kind = OpRecord::Kind::kCas;
    op.path = "/reg";
    op.version = cas_version_;
    op.value = "c" + std::to_string(index_) + "-" + std::to_string(next_k_++);
    cas_version_ = -1;
    Submit(op, static_cast<int32_t>(Op::kSetData),
           proto::EncodeToString(proto::SetDataRequest{op.path, op.value, op.version}));
  } else if (r < 30) {
    op.kind = OpRecord::Kind::kRead;
    op.path = "/reg";
    op.watch = r < 15;
    Submit(op, static_cast<int32_t>(Op::kGetData),
           proto::EncodeToString(proto::PathWatchRequest{op.path, op.watch}));
  } else if (r < 55) {
    op.kind = OpRecord::Kind::kSeq;
    op.path = "/seq/n-";
    Submit(op, static_cast<int32_t>(Op::kCreate),
           proto::EncodeToString(proto::CreateRequest{op.path, std::string("s"), kOpen, 2}));
  } else if (r < 85) {
    op.kind = OpRecord::Kind::kFifo;
    op.fifo_k = next_k_++;
    op.path = "/fifo/c" + std::to_string(index_) + "-" + std::to_string(op.fifo_k);
    Submit(op, static_cast<int32_t>(Op::kCreate),
           proto::EncodeToString(proto::CreateRequest{op.path, std::string("f"), kOpen, 0}));
  } else {
    op.kind = OpRecord::Kind::kEphemeral;
    op.path = "/eph/c" + std::to_string(index_) + "-" + std::to_string(next_k_++);
    Submit(op, static_cast<int32_t>(Op::kCreate),
           proto::EncodeToString(proto::CreateRequest{op.path, std::string("e"), kOpen, 1}));
  }
}

// What arrived during a silence, in the order it arrived, before anything that arrives after:
// a paused process reads its socket in order when it wakes up. (Bytes that arrived just after
// the silence ended were once handled before the held ones, in the step before the client's
// next Tick: a watch event overtook the replies sent before it, and the checks reported the
// server for it, seed 25592.)
void SimClient::HandleHeld() {
  while (!held_.empty()) {
    std::vector<Held> held;
    held.swap(held_);
    for (Held& h : held) {
      if (h.close) {
        OnClosed(h.connection);
      } else {
        OnBytes(h.connection, h.bytes);
      }
    }
  }
}

void SimClient::OnBytes(int64_t connection, std::string_view bytes) {
  if (cluster_->NowMs() < silent_until_ms_) {
    held_.push_back({connection, std::string(bytes), false});
    return;
  }
  HandleHeld();
  if (connection != connection_ || state_ == State::kIdle) return;  // one it has left
  frames_.Append(bytes);
  std::string_view payload;
  while (connection == connection_ && state_ != State::kIdle &&
         frames_.Pop(&payload) == net::FrameReader::Next::kFrame) {
    last_heard_ms_ = cluster_->NowMs();
    HandleFrame(payload);
  }
}

void SimClient::OnClosed(int64_t connection) {
  if (cluster_->NowMs() < silent_until_ms_) {
    held_.push_back({connection, std::string(), true});
    return;
  }
  HandleHeld();
  if (connection != connection_ || state_ == State::kIdle) return;
  connection_ = 0;  // nothing to hang up: the server closed it
  Lost("connection closed");
}

void SimClient::HandleFrame(std::string_view payload) {
  if (state_ == State::kConnecting) {
    HandleConnectResponse(payload);
  } else {
    HandleReply(payload);
  }
}

void SimClient::HandleConnectResponse(std::string_view payload) {
  proto::ConnectResponse resp;
  if (!proto::DecodeFrom(payload, &resp)) {
    history_->violations.push_back("client " + std::to_string(index_) +
                                   ": malformed ConnectResponse");
    Lost("malformed");
    return;
  }
  if (resp.timeout_ms <= 0 || resp.session_id == 0) {
    // Expired (or never known): a new session next time.
    if (session_id_ != 0) history_->sessions_expired++;
    session_id_ = 0;
    passwd_.clear();
    Lost("session expired");
    return;
  }
  if (session_id_ != 0 && resp.session_id != session_id_) {
    history_->violations.push_back("client " + std::to_string(index_) +
                                   ": reattach answered with another session");
  }
  session_id_ = resp.session_id;
  passwd_ = resp.passwd;
  state_ = State::kConnected;
  last_heard_ms_ = cluster_->NowMs();
}

void SimClient::HandleReply(std::string_view payload) {
  proto::JuteReader r(payload, INT32_MAX);
  proto::ReplyHeader h;
  if (!h.Decode(r)) {
    history_->violations.push_back("client " + std::to_string(index_) + ": malformed reply");
    Lost("malformed");
    return;
  }
  if (h.xid == proto::kXidNotification) {
    for (int i = 0; i < event_copies_; i++) HandleEvent(r.Rest());
    return;
  }
  if (h.zxid > last_zxid_) last_zxid_ = h.zxid;
  if (h.xid == proto::kXidPing) {
    // Pings may be answered out of order (behind a write that waits).
    for (auto it = inflight_.begin(); it != inflight_.end(); ++it) {
      if (it->op == kPingOp) {
        inflight_.erase(it);
        break;
      }
    }
    return;
  }
  // Pings aside, replies come in the order sent.
  auto it = inflight_.begin();
  while (it != inflight_.end() && it->op == kPingOp) ++it;
  if (it == inflight_.end() || it->xid != h.xid) {
    history_->violations.push_back("client " + std::to_string(index_) + ": reply xid " +
                                   std::to_string(h.xid) + " out of order");
    Lost("xid out of order");
    return;
  }
  Inflight f = *it;
  inflight_.erase(it);
  Complete(f, h.err, r.Rest());
}

void SimClient::Complete(const Inflight& f, int32_t err, std::string_view body) {
  OpRecord& op = history_->ops[f.op];
  op.complete_ms = cluster_->NowMs();
  op.err = err;
  if (op.kind == OpRecord::Kind::kSetup &&
      (err == 0 || err == static_cast<int32_t>(proto::Err::kNodeExists))) {
    parents_.insert(op.path);
  }
  if (err != 0) {
    // Connection loss and session errors leave the outcome unknown only when the request may
    // have applied; an error reply means it did not.
    op.outcome = OpRecord::Outcome::kFail;
    return;
  }
  op.outcome = OpRecord::Outcome::kOk;
  switch (op.kind) {
    case OpRecord::Kind::kRead: {
      proto::GetDataResponse resp;
      if (proto::DecodeFrom(body, &resp)) {
        op.version = resp.stat.version;
        op.value = resp.data.value_or("");
        cas_version_ = resp.stat.version;
        SeenVersion(resp.stat.version, "read");
        if (op.watch && !watch_armed_) {
          watch_armed_ = true;
          watch_version_ = resp.stat.version;
        }
      }
      break;
    }
    case OpRecord::Kind::kCas: {
      proto::StatResponse resp;
      if (proto::DecodeFrom(body, &resp)) {
        op.result_version = resp.stat.version;
        SeenVersion(resp.stat.version, "setData reply");
      }
      break;
    }
    case OpRecord::Kind::kSeq: {
      proto::JuteReader rr(body, INT32_MAX);
      rr.String(&op.result_path);
      break;
    }
    default:
      break;
  }
}

// A reply on this connection shows /reg at `version`: the change past the watched version must
// have been announced first.
void SimClient::SeenVersion(int32_t version, const char* how) {
  if (!watch_armed_ || version <= watch_version_) return;
  history_->violations.push_back(
      "client " + std::to_string(index_) + ": " + how + " showed /reg at version " +
      std::to_string(version) + " before the watch set at version " +
      std::to_string(watch_version_) + " fired (on m" + std::to_string(member_ + 1) + ")");
  watch_armed_ = false;  // reported once
}

void SimClient::HandleEvent(std::string_view body) {
  proto::WatcherEvent e;
  if (!proto::DecodeFrom(body, &e)) {
    history_->violations.push_back("client " + std::to_string(index_) + ": malformed event");
    return;
  }
  if (e.path != "/reg") return;
  history_->watch_events++;
  if (e.type != static_cast<int32_t>(proto::EventType::kNodeDataChanged) || !watch_armed_) {
    history_->violations.push_back(
        "client " + std::to_string(index_) + ": event type " + std::to_string(e.type) +
        " for /reg with no data watch set on this connection (a watch fired twice?) on m" +
        std::to_string(member_ + 1));
  }
  watch_armed_ = false;
}

}  // namespace paddock::sim
