// The read side of a connection: handshake, request classification and the FIFO pipeline.
#include <algorithm>
#include <vector>

#include "base/log.h"
#include "net/frame_reader.h"
#include "server/four_letter.h"
#include "server/server.h"
#include "session/password.h"
#include "statemachine/acl.h"

namespace paddock::server {

using proto::Err;
using proto::Op;
using Kind = PendingRequest::Kind;

namespace {

Kind Classify(Op op) {
  switch (op) {
    case Op::kExists:
    case Op::kGetData:
    case Op::kGetACL:
    case Op::kGetChildren:
    case Op::kGetChildren2:
    case Op::kGetAllChildrenNumber:
    case Op::kGetEphemerals:
    case Op::kMultiRead:
      return Kind::kRead;
    case Op::kSync:
      return Kind::kWrite;
    default:
      return proto::IsWriteOp(op) ? Kind::kWrite : Kind::kLocal;
  }
}

std::string Frame(const proto::ReplyHeader& h, std::string_view body) {
  std::string out;
  out.reserve(4 + 16 + body.size());  // length, reply header (xid, zxid, err), body
  size_t at = net::BeginFrame(&out);
  proto::JuteWriter w(&out);
  h.Encode(w);
  out.append(body);
  net::FinishFrame(&out, at);
  return out;
}

}  // namespace

void Server::OnConnectionData(Connection& c) {
  while (!c.closing() && c.state() != Connection::State::kConnecting) {
    if (c.state() == Connection::State::kHandshake) {
      int32_t word = 0;
      if (c.frames().PeekInt(&word) && IsFourLetterWord(word)) {
        std::string_view request;
        // stmk waits for the trace mask after the word (the handshake timeout bounds the wait).
        if (!c.frames().Peek(FourLetterWordBytes(*this, word), &request)) return;
        c.Send(RunFourLetterWord(*this, word, request.substr(4)));
        c.Close("four-letter word");
        return;
      }
    }
    std::string_view payload;
    net::FrameReader::Next next = c.frames().Pop(&payload);
    if (next == net::FrameReader::Next::kNeedMore) return;
    if (next == net::FrameReader::Next::kBadLength) {
      PADDOCK_LOG_WARN("closing connection remote={}:{} reason=\"frame length out of range\"",
                       c.remote_ip(), c.remote_port());
      c.Abort("frame length out of range");
      return;
    }
    c.RecordReceived();
    stats_.packets_received++;
    if (c.state() == Connection::State::kHandshake) {
      HandleHandshake(c, payload);
    } else {
      HandleRequest(c, payload);
      if (ShouldThrottle(c)) {
        Throttle(c);
        return;
      }
    }
  }
}

// globalOutstandingLimit, as ZooKeeper's shouldThrottle: while more requests are outstanding
// server-wide than the limit, a connection that has any outstanding stops being read. Requests
// wait in the client's socket buffer, not in our memory; a connection with none outstanding
// still gets one in, so every client progresses.
bool Server::ShouldThrottle(const Connection& c) const {
  return outstanding_ > config_.global_outstanding_limit && !c.pipeline().empty();
}

void Server::Throttle(Connection& c) {
  c.PauseReading();
  throttled_.insert(c.id());
  stats_.throttle_events++;
  if (!throttling_) {
    throttling_ = true;
    PADDOCK_LOG_WARN("throttling clients outstanding={} globalOutstandingLimit={} "
                     "reason=\"more requests outstanding than the limit: connections with "
                     "requests in progress are not read until they complete\"",
                     outstanding_, config_.global_outstanding_limit);
  }
}

// Runs once per loop turn: connections whose condition cleared are read again, frames they had
// buffered first.
void Server::ResumeThrottled() {
  // Keyed on throttling_, not on the set: a throttled connection that closed left the set
  // without passing here, and the end of throttling must still be logged.
  if (!throttling_) return;
  std::vector<int64_t> ids(throttled_.begin(), throttled_.end());
  for (int64_t id : ids) {
    auto it = connections_.find(id);
    if (it == connections_.end() || it->second->closing()) {
      throttled_.erase(id);
      continue;
    }
    Connection& c = *it->second;
    if (ShouldThrottle(c)) continue;
    throttled_.erase(id);
    TouchSession(c.session_id());
    c.ResumeReading();
    OnConnectionData(c);
  }
  if (throttled_.empty()) {
    throttling_ = false;
    PADDOCK_LOG_INFO("throttling ended outstanding={} globalOutstandingLimit={}", outstanding_,
                     config_.global_outstanding_limit);
  }
}

void Server::OnConnectionWritable(Connection& c) {
  if (c.unsent_bytes() <= DrainPauseBytes()) Drain(c);
}

// Reads are answered only while the connection's unsent output is below this: a client that
// pipelines large reads gets them as fast as it reads, not all at once in memory.
size_t Server::DrainPauseBytes() const {
  return static_cast<size_t>(std::max(config_.jute_max_buffer, 1 << 20));
}

void Server::HandleHandshake(Connection& c, std::string_view payload) {
  proto::ConnectRequest req;
  if (!roles_.serving() || !proto::DecodeFrom(payload, &req, config_.jute_max_buffer)) {
    c.Abort(roles_.serving() ? "malformed connect request" : "not serving");
    return;
  }
  c.BeginHandshake(std::clamp(req.timeout_ms, config_.SessionTimeoutMinMs(),
                              config_.SessionTimeoutMaxMs()),
                   !req.has_read_only);
  if (req.last_zxid_seen > sm_.last_zxid()) {
    if (config_.IsEnsemble()) {
      ParkHandshake(c, std::move(req));
      return;
    }
    // Standalone, nothing will bring the missing writes: ZooKeeper's refusal, at once.
    RefuseClientAhead(c, req.last_zxid_seen);
    return;
  }
  ContinueHandshake(c, req);
}

// The client has seen a zxid this member has not applied yet: it comes from a member that is
// ahead, typically the leader that just died, whose last commits reach us only once the next
// leader commits. ZooKeeper refuses such a client at once, and it tries the next server, which
// is just as far behind during a failover: it goes round them all with a growing back-off, silent
// all along, until its session expires. Here the handshake waits (for at most the session
// timeout) until this member has caught up, and the session counts as heard meanwhile.
void Server::ParkHandshake(Connection& c, proto::ConnectRequest req) {
  PADDOCK_LOG_INFO("client ahead remote={}:{} session=0x{:x} reason=\"client has seen zxid "
                   "0x{:x}, we have 0x{:x}: its handshake waits until we catch up\"",
                   c.remote_ip(), c.remote_port(), req.session_id, req.last_zxid_seen,
                   sm_.last_zxid());
  bool valid = ValidReattach(req);
  if (valid) TouchSession(req.session_id);
  c.Park();
  parked_[c.id()] = ParkedHandshake{std::move(req), clock_->NowMonotonicMs(), valid};
}

void Server::RefuseClientAhead(Connection& c, int64_t seen_zxid) {
  PADDOCK_LOG_INFO("refusing client remote={}:{} reason=\"client has seen zxid 0x{:x}, we have "
                   "0x{:x}\"", c.remote_ip(), c.remote_port(), seen_zxid, sm_.last_zxid());
  c.Abort("client ahead of server");
}

bool Server::ValidReattach(const proto::ConnectRequest& req) const {
  int64_t id = req.session_id;
  return id != 0 && sm_.sessions().Contains(id) && !session_driver_.Closing(id) &&
         session::CheckPassword(sm_.secret(), id, req.passwd);
}

// Every loop turn while handshakes wait: those whose zxid this member reached go on; those that
// waited a whole session timeout are refused, as ZooKeeper would have at once. Clients of valid
// sessions that still wait are alive: they count as heard.
void Server::ResumeParkedHandshakes() {
  if (parked_.empty()) return;
  int64_t now = clock_->NowMonotonicMs();
  std::vector<int64_t> ready;
  for (auto& [id, p] : parked_) {
    auto c = connections_.find(id);
    if (c == connections_.end() || c->second->closing()) continue;
    if (p.req.last_zxid_seen <= sm_.last_zxid() || now - p.since_ms >= c->second->timeout_ms()) {
      ready.push_back(id);
    }
  }
  for (int64_t id : ready) {
    auto p = parked_.find(id);
    auto c = connections_.find(id);
    if (p == parked_.end() || c == connections_.end() || c->second->closing()) continue;
    proto::ConnectRequest req = std::move(p->second.req);
    parked_.erase(p);
    Connection& conn = *c->second;
    if (req.last_zxid_seen > sm_.last_zxid()) {
      RefuseClientAhead(conn, req.last_zxid_seen);
      continue;
    }
    conn.Unpark();
    ContinueHandshake(conn, req);
    OnConnectionData(conn);  // frames pipelined behind the handshake
  }
}

void Server::ContinueHandshake(Connection& c, const proto::ConnectRequest& req) {
  int32_t timeout = c.timeout_ms();
  if (req.session_id != 0) {
    HandleReattach(c, req, timeout);
    return;
  }
  ProposeSessionTxn(c, statemachine::TxnKind::kCreateSession, 0, timeout);
}

// A session txn of this connection's handshake (create or reattach): the connection waits for
// it, reading nothing more, until it is applied here (apply.cc, OnSessionCreated/Attached).
void Server::ProposeSessionTxn(Connection& c, statemachine::TxnKind kind, int64_t session_id,
                               int32_t timeout_ms) {
  statemachine::Txn txn;
  txn.kind = kind;
  txn.session_id = session_id;
  txn.time_ms = clock_->NowWallMs();
  txn.origin_server = config_.server_id;
  txn.origin_seq = next_seq_++;
  txn.body = proto::EncodeToString(proto::IntResponse{timeout_ms});
  c.AwaitSessionTxn(txn.origin_seq);
  waiting_[txn.origin_seq] = c.id();
  Propose(std::move(txn));
}

// A reattach is decided by the log, not by this member's state: an attachSession txn applies
// after everything committed before it, so a session whose expiry is committed anywhere is
// answered expired here too, however far this member lags (issue #14, defect 3). A wrong
// password is refused at once and never disturbs the session's real connection.
void Server::HandleReattach(Connection& c, const proto::ConnectRequest& req, int32_t timeout_ms) {
  int64_t id = req.session_id;
  if (!session::CheckPassword(sm_.secret(), id, req.passwd) || session_driver_.Closing(id)) {
    PADDOCK_LOG_INFO("reattach refused session=0x{:x} remote={}:{}", id, c.remote_ip(),
                     c.remote_port());
    RefuseReattach(c);
    return;
  }
  ProposeSessionTxn(c, statemachine::TxnKind::kAttachSession, id, timeout_ms);
}

void Server::RefuseReattach(Connection& c) {
  SendConnectResponse(c, false, 0, 0, std::string(session::kPasswordBytes, '\0'));
  c.Close("invalid session");
}

void Server::SendConnectResponse(Connection& c, bool valid, int64_t session_id,
                                 int32_t timeout_ms, const std::string& passwd) {
  proto::ConnectResponse resp;
  resp.timeout_ms = valid ? timeout_ms : 0;
  resp.session_id = valid ? session_id : 0;
  resp.passwd = passwd;
  resp.has_read_only = !c.old_client();
  std::string out;
  net::AppendFrame(&out, proto::EncodeToString(resp));
  c.Send(out);
  c.RecordSent();
  stats_.packets_sent++;
}

void Server::HandleRequest(Connection& c, std::string_view payload) {
  proto::JuteReader r(payload, config_.jute_max_buffer);
  proto::RequestHeader h;
  if (!h.Decode(r)) {
    c.Abort("malformed request header");
    return;
  }
  // A session whose expiry is under way takes no more requests, as ZooKeeper's failed touch
  // does; its connection closes, so that the client knows at once that what it sent went
  // unanswered. (Dropping the request alone left the client waiting for a reply forever when
  // the expiry then failed with a lost leadership: its pings were answered again.)
  if (session_driver_.Closing(c.session_id())) {
    c.Close("session expiring");
    return;
  }
  TouchSession(c.session_id());
  c.RecordRequest(h.type, h.xid);
  auto op = static_cast<Op>(h.type);
  if (op == Op::kAuth) {
    HandleAuth(c, r.Rest());
    return;
  }
  if (op == Op::kPing && !c.pipeline().empty() && !c.pipeline().front().done) {
    // A ping behind a write that waits (for the disk, or for a new leader during a failover) is
    // answered now: clients read ping replies out of order (the C client says so; Java and
    // kazoo match them by xid alone), and one that hears nothing for two thirds of its timeout
    // drops a connection that is only slow.
    std::string reply = Frame({proto::kXidPing, sm_.last_zxid(), 0}, {});
    c.RecordSent();
    stats_.packets_sent++;
    stats_.RecordReply(h.type, 0, 0, reply.size());
    c.Send(reply);
    return;
  }
  PendingRequest p;
  p.kind = Classify(op);
  p.xid = h.xid;
  p.op = h.type;
  p.body = std::string(r.Rest());
  p.received_ms = clock_->NowMonotonicMs();
  Enqueue(c, std::move(p));
}

void Server::HandleAuth(Connection& c, std::string_view body) {
  proto::AuthPacket auth;
  proto::ReplyHeader h{proto::kXidAuth, 0, 0};
  bool ok = proto::DecodeFrom(body, &auth);
  if (ok && auth.scheme == "digest") {
    std::string id = statemachine::DigestId(auth.auth.value_or(""));
    if (!config_.super_digest.empty() && id == config_.super_digest) c.AddIdentity({"super", ""});
    c.AddIdentity({"digest", id});
  } else if (ok && auth.scheme == "ip") {
    c.AddIdentity({"ip", c.remote_ip()});
  } else {
    ok = false;
  }
  if (!ok) {
    PADDOCK_LOG_INFO("auth failed session=0x{:x} scheme={}", c.session_id(), auth.scheme);
    stats_.auth_failed_count++;
    h.err = static_cast<int32_t>(Err::kAuthFailed);
    c.Send(Frame(h, {}));
    c.Close("auth failed");
    return;
  }
  c.Send(Frame(h, {}));
}

void Server::Enqueue(Connection& c, PendingRequest p) {
  PendingRequest& back = c.Enqueue(std::move(p));
  outstanding_++;
  stats_.outstanding_peak = std::max(stats_.outstanding_peak, outstanding_);
  if (back.kind == Kind::kWrite) {
    auto kind = back.op == static_cast<int32_t>(Op::kSync) ? statemachine::TxnKind::kSync
                                                           : statemachine::TxnKind::kRequest;
    ProposeWrite(c, back, kind);
  }
  Drain(c);
}

void Server::ProposeWrite(Connection& c, PendingRequest& p, statemachine::TxnKind kind) {
  // A nearly full disk refuses data-changing requests: SYSTEMERROR, the write not executed.
  if (kind == statemachine::TxnKind::kRequest && p.op != static_cast<int32_t>(Op::kCloseSession) &&
      !disk_guard_->WritesAllowed(clock_->NowMonotonicMs())) {
    FinishReply(c, p, {p.xid, sm_.last_zxid(), static_cast<int32_t>(Err::kSystemError)}, {});
    return;
  }
  statemachine::Txn txn;
  txn.kind = kind;
  txn.session_id = c.session_id();
  txn.xid = p.xid;
  txn.op = p.op;
  txn.time_ms = clock_->NowWallMs();
  txn.origin_server = config_.server_id;
  txn.origin_seq = p.seq = next_seq_++;
  if (kind == statemachine::TxnKind::kRequest) {
    txn.attach_zxid = c.attach_zxid();
    txn.cseq = c.NextWriteSeq();
  }
  txn.identities = c.identities();
  txn.body = std::move(p.body);
  p.body.clear();
  waiting_[txn.origin_seq] = c.id();
  Propose(std::move(txn));
}

void Server::Drain(Connection& c) {
  while (!c.pipeline().empty() && !c.closing()) {
    PendingRequest& p = c.Head();
    if (p.kind == Kind::kWrite && !p.done) return;
    if (!p.done && c.unsent_bytes() > DrainPauseBytes()) return;  // resumed by OnWrite
    if (!p.done) ExecuteAtHead(c, p);
    // Handling it may have closed the connection (its notifications went over the unsent
    // limit): the request stays valid, but the connection is done.
    if (c.closing()) return;
    bool close = p.close_after;
    std::string reply = std::move(p.reply);
    c.PopHead();
    outstanding_--;
    // A connection we do not read cannot be heard from: its requests completing is its sign of
    // life, so that our own backlog never expires a session.
    if (c.reading_paused()) TouchSession(c.session_id());
    c.Send(reply);  // may close the connection (unsent bytes over the limit)
    if (close) {
      c.Close("closed after reply");
      return;
    }
  }
}

void Server::FinishReply(Connection& c, PendingRequest& p, const proto::ReplyHeader& h,
                         const std::string& body) {
  p.reply = Frame(h, body);
  if (p.reply.size() - 4 > static_cast<size_t>(config_.jute_max_buffer)) {
    // A client would refuse a frame over jute.maxbuffer and reconnect, to ask again forever:
    // it gets MARSHALLINGERROR instead (a getChildren of a huge parent, a large multiRead).
    PADDOCK_LOG_WARN("reply too large session=0x{:x} op={} xid={} bytes={} jute.maxbuffer={} "
                     "reply=MARSHALLINGERROR", c.session_id(), p.op, p.xid, p.reply.size() - 4,
                     config_.jute_max_buffer);
    stats_.oversized_replies++;
    proto::ReplyHeader err = h;
    err.err = static_cast<int32_t>(Err::kMarshallingError);
    p.reply = Frame(err, {});
  }
  p.done = true;
  stats_.packets_sent++;
  int64_t latency = clock_->NowMonotonicMs() - p.received_ms;
  c.RecordReply(h.zxid, latency, clock_->NowWallMs());
  stats_.latency.Record(latency);
  stats_.RecordReply(p.op, latency, h.err, p.reply.size());
}

void Server::SendNotification(Connection& c, proto::EventType type, const std::string& path) {
  proto::ReplyHeader h{proto::kXidNotification, -1, 0};
  proto::WatcherEvent e{static_cast<int32_t>(type), proto::kStateSyncConnected, path};
  c.Send(Frame(h, proto::EncodeToString(e)));
  c.RecordSent();
  stats_.packets_sent++;
}

}  // namespace paddock::server
