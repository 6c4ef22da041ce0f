#include "raw_mux.h"

#include <cstring>

#include "base/assert.h"
#include "proto/records.h"

namespace paddock::bench {
namespace {

struct WriteReq {
  uv_write_t req{};
  std::string bytes;
};

constexpr size_t kReadBufBytes = 64 * 1024;

std::string Frame(const proto::RequestHeader& h, const std::string& body) {
  std::string out;
  size_t at = net::BeginFrame(&out);
  proto::JuteWriter w(&out);
  h.Encode(w);
  w.RawBytes(body);
  net::FinishFrame(&out, at);
  return out;
}

}  // namespace

int64_t AutoSourceAddrs(int64_t n) { return std::clamp<int64_t>(n / 20000 + 1, 1, 250); }

RawMux::RawMux(std::vector<Endpoint> endpoints, int64_t source_addrs, Hooks hooks)
    : endpoints_(std::move(endpoints)),
      source_addrs_(source_addrs),
      hooks_(std::move(hooks)),
      read_buf_(kReadBufBytes) {
  PADDOCK_ASSERT(!endpoints_.empty());
  PADDOCK_ASSERT(uv_loop_init(&loop_) == 0);
  uv_timer_init(&loop_, &wake_);
  // Keeps RunOnce from blocking for long when nothing happens.
  uv_timer_start(&wake_, [](uv_timer_t*) {}, 5, 5);
}

RawMux::~RawMux() {
  uv_close(reinterpret_cast<uv_handle_t*>(&wake_), nullptr);
  uv_walk(
      &loop_,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

void RawMux::RunOnce() { uv_run(&loop_, UV_RUN_ONCE); }

void RawMux::Open(RawSession* s, int32_t timeout_ms) {
  PADDOCK_ASSERT(s->state == RawSession::State::kIdle || s->state == RawSession::State::kClosed);
  s->mux = this;
  s->state = RawSession::State::kConnecting;
  s->session_id = 0;
  s->timeout_ms = timeout_ms;
  s->server_closed = false;
  s->next_xid = 1;
  s->reader = net::FrameReader(kReplyLimits);
  s->started_ns = NowNs();
  uv_tcp_init(&loop_, &s->tcp);
  s->tcp.data = s;
  const Endpoint& e = endpoints_[opened_ % endpoints_.size()];
  sockaddr_in dst{};
  uv_ip4_addr(e.host.c_str(), e.port, &dst);
  int64_t sources = source_addrs_ > 0 ? source_addrs_ : 1;
  if (sources > 1 && e.host.rfind("127.", 0) == 0) {
    std::string src = "127.0.0." + std::to_string(1 + (opened_ / endpoints_.size()) %
                                                          static_cast<uint64_t>(sources));
    sockaddr_in local{};
    uv_ip4_addr(src.c_str(), 0, &local);
    uv_tcp_bind(&s->tcp, reinterpret_cast<const sockaddr*>(&local), 0);
  }
  opened_++;
  uv_tcp_nodelay(&s->tcp, 1);
  s->connect_req.data = s;
  int rc = uv_tcp_connect(&s->connect_req, &s->tcp, reinterpret_cast<const sockaddr*>(&dst),
                          OnConnect);
  if (rc != 0) Fail(s);
}

void RawMux::OnConnect(uv_connect_t* req, int status) {
  auto* s = static_cast<RawSession*>(req->data);
  RawMux* m = s->mux;
  if (status != 0) {
    if (status != UV_ECANCELED) m->Fail(s);
    return;
  }
  s->state = RawSession::State::kHandshake;
  uv_read_start(reinterpret_cast<uv_stream_t*>(&s->tcp), OnAlloc, OnRead);
  proto::ConnectRequest c;
  c.timeout_ms = s->timeout_ms;
  c.passwd = std::string(16, '\0');
  c.has_read_only = true;
  std::string out;
  size_t at = net::BeginFrame(&out);
  proto::JuteWriter w(&out);
  c.Encode(w);
  net::FinishFrame(&out, at);
  m->Send(s, std::move(out));
}

void RawMux::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  RawMux* m = static_cast<RawSession*>(h->data)->mux;
  *buf = uv_buf_init(m->read_buf_.data(), static_cast<unsigned>(m->read_buf_.size()));
}

void RawMux::OnRead(uv_stream_t* stream, ssize_t n, const uv_buf_t* buf) {
  auto* s = static_cast<RawSession*>(stream->data);
  RawMux* m = s->mux;
  if (n < 0) {
    s->server_closed = s->state != RawSession::State::kClosing;
    m->Fail(s);
    return;
  }
  s->reader.Append(std::string_view(buf->base, static_cast<size_t>(n)));
  std::string_view frame;
  for (;;) {
    net::FrameReader::Next next = s->reader.Pop(&frame);
    if (next == net::FrameReader::Next::kNeedMore) break;
    if (next == net::FrameReader::Next::kBadLength) {
      s->server_closed = true;
      m->Fail(s);
      return;
    }
    m->HandleFrame(s, frame);
    if (s->state == RawSession::State::kClosed) return;
  }
}

void RawMux::HandleFrame(RawSession* s, std::string_view frame) {
  if (s->state == RawSession::State::kHandshake) {
    proto::ConnectResponse r;
    bool ok = proto::DecodeFrom(frame, &r) && r.session_id != 0 && r.timeout_ms > 0;
    s->session_id = r.session_id;
    s->timeout_ms = r.timeout_ms;
    s->state = ok ? RawSession::State::kOpen : RawSession::State::kClosing;
    if (hooks_.on_connected) hooks_.on_connected(*s, ok);
    if (!ok) CloseSocket(s);
    return;
  }
  proto::ReplyHeader h;
  proto::JuteReader r(frame);
  if (!h.Decode(r)) {
    s->server_closed = true;
    Fail(s);
    return;
  }
  if (h.xid == proto::kXidPing || h.xid == proto::kXidNotification) {
    if (h.err != 0) s->server_closed = true;
    return;
  }
  if (h.err == static_cast<int32_t>(proto::Err::kSessionExpired)) s->server_closed = true;
  if (hooks_.on_reply) hooks_.on_reply(*s, h.xid, h.err);
}

void RawMux::Send(RawSession* s, std::string frame) {
  auto* w = new WriteReq;
  w->bytes = std::move(frame);
  w->req.data = w;
  s->last_send_ns = NowNs();
  uv_buf_t b = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&s->tcp), &b, 1,
                    [](uv_write_t* req, int) { delete static_cast<WriteReq*>(req->data); });
  if (rc != 0) {
    delete w;
    Fail(s);
  }
}

void RawMux::SendPing(RawSession* s) {
  if (s->state != RawSession::State::kOpen) return;
  proto::RequestHeader h{proto::kXidPing, static_cast<int32_t>(proto::Op::kPing)};
  Send(s, Frame(h, ""));
  pings_sent_++;
}

int32_t RawMux::SendCreate(RawSession* s, const std::string& path, const std::string& data,
                           int32_t flags) {
  proto::CreateRequest c;
  c.path = path;
  c.data = data;
  c.acl = {proto::Acl{31, proto::Id{"world", "anyone"}}};
  c.flags = flags;
  proto::RequestHeader h{s->next_xid++, static_cast<int32_t>(proto::Op::kCreate)};
  s->sent_at_ns = NowNs();
  Send(s, Frame(h, proto::EncodeToString(c)));
  return h.xid;
}

int32_t RawMux::SendCloseSession(RawSession* s) {
  proto::RequestHeader h{s->next_xid++, static_cast<int32_t>(proto::Op::kCloseSession)};
  s->sent_at_ns = NowNs();
  s->state = RawSession::State::kClosing;
  Send(s, Frame(h, ""));
  return h.xid;
}

void RawMux::Fail(RawSession* s) {
  if (s->state == RawSession::State::kConnecting || s->state == RawSession::State::kHandshake) {
    connect_errors_++;
    RawSession::State was = s->state;
    s->state = RawSession::State::kClosing;
    if (hooks_.on_connected && was != RawSession::State::kClosing) hooks_.on_connected(*s, false);
  }
  CloseSocket(s);
}

void RawMux::CloseSocket(RawSession* s) {
  auto* h = reinterpret_cast<uv_handle_t*>(&s->tcp);
  if (s->state == RawSession::State::kIdle || uv_is_closing(h)) return;
  s->state = RawSession::State::kClosing;
  uv_close(h, OnClose);
}

void RawMux::OnClose(uv_handle_t* h) {
  auto* s = static_cast<RawSession*>(h->data);
  s->state = RawSession::State::kClosed;
  if (s->mux->hooks_.on_closed) s->mux->hooks_.on_closed(*s);
}

}  // namespace paddock::bench
