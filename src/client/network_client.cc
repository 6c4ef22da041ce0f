// The event thread of the network client: connecting, the handshake, replies and notifications,
// connection loss and reconnection, session expiry, and closing.
#include "client/network_client.h"

#include <cstring>
#include <random>

#include "base/assert.h"
#include "proto/records.h"

namespace paddock::client {
namespace {

constexpr uint64_t kTickMs = 10;
constexpr int64_t kCloseWaitMs = 2000;

std::string Frame(std::string_view payload) {
  std::string out;
  net::AppendFrame(&out, payload);
  return out;
}

}  // namespace

// One TCP connection attempt. Freed in its uv_close callback; stale callbacks are recognised by
// their generation.
struct NetworkClient::Conn {
  NetworkClient* client = nullptr;
  uint64_t generation = 0;
  uv_tcp_t tcp{};
  uv_connect_t connect_req{};
  uv_getaddrinfo_t resolve_req{};
  bool tcp_open = false;
  bool resolving = false;
  bool closed = false;
  // The server's reply limit (jute.maxbuffer) plus room for a reply header, as a reply to a
  // read of a largest node carries both.
  net::FrameReader frames{{0, proto::kJuteMaxBufferDefault + 1024}};
  std::unique_ptr<net::TlsChannel> tls;  // when options.tls is enabled
  char buf[65536];
};

struct WriteReq {
  uv_write_t req{};
  std::string bytes;
};

Result<net::SslCtxPtr> NewClientTlsContext(const TlsOptions& o) {
  Result<net::SslCtxPtr> made = net::NewSslContext(/*server=*/false);
  if (!made.ok()) return made.status();
  net::SslCtxPtr ctx = std::move(*made);
  if (o.ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
      return Status::Error("cannot load the system's CA certificates: " + net::DrainSslErrors());
    }
  } else if (Status s = net::LoadPemTrustStore(ctx.get(), o.ca_file); !s.ok()) {
    return s.Wrap("tls.ca_file");
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (!o.cert_file.empty() || !o.key_file.empty()) {
    const std::string& key = o.key_file.empty() ? o.cert_file : o.key_file;
    if (Status s = net::LoadPemCertAndKey(ctx.get(), o.cert_file, key); !s.ok()) {
      return s.Wrap("tls.cert_file/key_file");
    }
  }
  return ctx;
}

NetworkClient::NetworkClient(ClientOptions options, ConnectString cs, net::SslCtxPtr tls_ctx)
    : options_(std::move(options)),
      cs_(std::move(cs)),
      tls_ctx_(std::move(tls_ctx)),
      policy_(cs_.hosts.size(),
              options_.seed != 0 ? options_.seed : std::random_device{}() * 2654435761ULL + 1) {
  session_id_ = options_.session_id;
  password_ = options_.password;
  PADDOCK_ASSERT(uv_loop_init(&loop_) == 0);
  uv_async_init(&loop_, &async_, OnAsync);
  async_.data = this;
  uv_timer_init(&loop_, &tick_);
  tick_.data = this;
}

NetworkClient::~NetworkClient() {
  Close();
  if (!started_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  uv_loop_close(&loop_);
}

void NetworkClient::Start() {
  std::lock_guard<std::mutex> lock(info_mu_);
  if (started_ || closed_) return;
  started_ = true;
  loop_running_ = true;
  thread_ = std::thread([this]() {
    uv_timer_start(&tick_, OnTick, kTickMs, kTickMs);
    Post([this]() {
      SetState(SessionState::kConnecting);
      next_attempt_ms_ = static_cast<int64_t>(uv_now(&loop_));
      Tick();
    });
    uv_run(&loop_, UV_RUN_DEFAULT);
  });
  thread_id_.store(thread_.get_id());
}

bool NetworkClient::OnEventThread() const {
  return std::this_thread::get_id() == thread_id_.load();
}

bool NetworkClient::Post(std::function<void()> fn) {
  // The send happens under the lock, so it can never race with FinishClose closing the handle.
  std::lock_guard<std::mutex> lock(post_mu_);
  if (!accepting_) return false;
  posted_.push_back(std::move(fn));
  uv_async_send(&async_);
  return true;
}

void NetworkClient::OnAsync(uv_async_t* a) {
  auto* self = static_cast<NetworkClient*>(a->data);
  std::deque<std::function<void()>> work;
  {
    std::lock_guard<std::mutex> lock(self->post_mu_);
    work.swap(self->posted_);
  }
  for (auto& fn : work) fn();
}

bool NetworkClient::WaitConnected(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(info_mu_);
  info_cv_.wait_for(lock, timeout, [this]() {
    SessionState s = state_.load();
    return s == SessionState::kConnected || s == SessionState::kConnectedReadOnly ||
           IsTerminal(s);
  });
  SessionState s = state_.load();
  return s == SessionState::kConnected || s == SessionState::kConnectedReadOnly;
}

int64_t NetworkClient::session_id() const {
  std::lock_guard<std::mutex> lock(info_mu_);
  return session_id_;
}
std::string NetworkClient::password() const {
  std::lock_guard<std::mutex> lock(info_mu_);
  return password_;
}
int32_t NetworkClient::negotiated_timeout_ms() const {
  std::lock_guard<std::mutex> lock(info_mu_);
  return negotiated_ms_;
}
std::string NetworkClient::server() const {
  std::lock_guard<std::mutex> lock(info_mu_);
  return server_;
}

void NetworkClient::SetState(SessionState s) {
  if (state_.load() == s) return;
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    state_.store(s);
  }
  info_cv_.notify_all();
  SessionEvent e;
  e.kind = SessionEvent::Kind::kStateChanged;
  e.state = s;
  Notify(e);
}

int NetworkClient::AddListener(StateListener listener) {
  std::lock_guard<std::mutex> lock(info_mu_);
  int id = next_listener_id_++;
  listeners_[id] = std::move(listener);
  return id;
}

void NetworkClient::RemoveListener(int id) {
  std::lock_guard<std::mutex> lock(info_mu_);
  listeners_.erase(id);
}

void NetworkClient::Notify(SessionEvent e) {
  if (options_.listener) options_.listener(e);
  std::vector<StateListener> extra;
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    for (auto& [id, l] : listeners_) extra.push_back(l);
  }
  for (auto& l : extra) l(e);
}

void NetworkClient::OnTick(uv_timer_t* t) { static_cast<NetworkClient*>(t->data)->Tick(); }

// Every timing rule, checked every few milliseconds against the loop's monotonic clock.
void NetworkClient::Tick() {
  auto now = static_cast<int64_t>(uv_now(&loop_));
  if (closing_) {
    if (now >= close_deadline_ms_) FinishClose();
    return;
  }
  if (IsTerminal(state_.load())) return;
  int32_t timeout = negotiated_ms_ > 0 ? negotiated_ms_
                                       : static_cast<int32_t>(options_.session_timeout.count());
  if (phase_ == ConnPhase::kOpen) {
    if (ReadTimedOut(now, last_recv_ms_, timeout)) {
      DropConnection("no reply from the server for two thirds of the session timeout");
    } else if (PingDue(now, last_send_ms_, timeout)) {
      SendFrame(proto::EncodeToString(proto::RequestHeader{proto::kXidPing, 11}));
    }
    return;
  }
  if (ever_connected_ && !silent_reported_ && now - last_heard_ms_ > timeout) {
    silent_reported_ = true;
    SessionEvent e;
    e.kind = SessionEvent::Kind::kSilentPastTimeout;
    e.state = state_.load();
    e.silent_ms = now - last_heard_ms_;
    Notify(e);
  }
  if (phase_ != ConnPhase::kNone && now >= attempt_deadline_ms_) {
    DropConnection("connect timeout");
  }
  if (phase_ == ConnPhase::kNone && next_attempt_ms_ >= 0 && now >= next_attempt_ms_) {
    next_attempt_ms_ = -1;
    StartAttempt();
  }
}

void NetworkClient::StartAttempt() {
  host_index_ = policy_.NextHost();
  const HostPort& hp = cs_.hosts[host_index_];
  auto* c = new Conn;
  c->client = this;
  c->generation = ++generation_;
  c->tcp.data = c;
  c->resolve_req.data = c;
  c->connect_req.data = c;
  conn_ = c;
  phase_ = ConnPhase::kResolving;
  int32_t timeout = static_cast<int32_t>(options_.session_timeout.count());
  attempt_deadline_ms_ = static_cast<int64_t>(uv_now(&loop_)) +
                         ConnectTimeoutMs(timeout, cs_.hosts.size());
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  c->resolving = true;
  int rv = uv_getaddrinfo(
      &loop_, &c->resolve_req,
      [](uv_getaddrinfo_t* req, int status, addrinfo* res) {
        auto* conn = static_cast<Conn*>(req->data);
        conn->resolving = false;
        NetworkClient* self = conn->client;
        if (conn->closed) {
          uv_freeaddrinfo(res);
          if (!conn->tcp_open) delete conn;
          return;
        }
        self->OnResolved(status, res);
        uv_freeaddrinfo(res);
      },
      hp.host.c_str(), std::to_string(hp.port).c_str(), &hints);
  if (rv != 0) {
    c->resolving = false;
    DropConnection("cannot resolve host");
  }
}

void NetworkClient::OnResolved(int status, addrinfo* res) {
  if (status != 0 || res == nullptr) {
    DropConnection("cannot resolve host");
    return;
  }
  Conn* c = conn_;
  uv_tcp_init(&loop_, &c->tcp);
  c->tcp_open = true;
  phase_ = ConnPhase::kConnecting;
  int rv = uv_tcp_connect(&c->connect_req, &c->tcp, res->ai_addr, [](uv_connect_t* req, int st) {
    auto* conn = static_cast<Conn*>(req->data);
    if (conn->closed) return;
    conn->client->OnTcpConnected(st);
  });
  if (rv != 0) DropConnection("connect failed");
}

void NetworkClient::OnTcpConnected(int status) {
  if (status != 0) {
    DropConnection("connection refused");
    return;
  }
  uv_tcp_nodelay(&conn_->tcp, 1);
  phase_ = ConnPhase::kHandshake;
  if (tls_ctx_ != nullptr) {
    // The ConnectRequest sent below is held by the channel until the TLS handshake is done.
    conn_->tls = std::make_unique<net::TlsChannel>(tls_ctx_.get(), net::TlsChannel::Role::kClient,
                                                   cs_.hosts[host_index_].host,
                                                   options_.tls.verify_hostname);
    std::string hello;
    if (!conn_->tls->Start(&hello).ok()) {
      DropConnection("TLS handshake failed");
      return;
    }
    WriteBytes(std::move(hello));
  }
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&conn_->tcp),
      [](uv_handle_t* h, size_t, uv_buf_t* b) {
        auto* conn = static_cast<Conn*>(h->data);
        *b = uv_buf_init(conn->buf, sizeof(conn->buf));
      },
      [](uv_stream_t* s, ssize_t n, const uv_buf_t* b) {
        auto* conn = static_cast<Conn*>(s->data);
        if (conn->closed || n == 0) return;
        if (n < 0) {
          conn->client->DropConnection("connection closed by the server");
          return;
        }
        conn->client->OnData(std::string_view(b->base, static_cast<size_t>(n)));
      });
  SendConnectRequest();
}

void NetworkClient::SendConnectRequest() {
  proto::ConnectRequest req;
  req.last_zxid_seen = last_zxid_;
  req.timeout_ms = static_cast<int32_t>(options_.session_timeout.count());
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    req.session_id = session_id_;
    req.passwd = password_.empty() ? std::string(16, '\0') : password_;
  }
  req.has_read_only = true;
  req.read_only = options_.can_be_read_only;
  SendFrame(proto::EncodeToString(req));
}

void NetworkClient::OnData(std::string_view bytes) {
  auto now = static_cast<int64_t>(uv_now(&loop_));
  last_recv_ms_ = last_heard_ms_ = now;
  Conn* c = conn_;
  uint64_t gen = c->generation;
  std::string plaintext;
  if (c->tls != nullptr) {
    if (!DecryptTls(bytes, &plaintext)) return;
    bytes = plaintext;
  }
  c->frames.Append(bytes);
  std::string_view payload;
  while (conn_ == c && c->generation == gen && !c->closed) {
    net::FrameReader::Next next = c->frames.Pop(&payload);
    if (next == net::FrameReader::Next::kNeedMore) return;
    if (next == net::FrameReader::Next::kBadLength) {
      DropConnection("reply frame too large");
      return;
    }
    std::string frame(payload);
    HandleFrame(frame);
  }
}

// Returns false when the connection was dropped (a failed handshake, an untrusted server, a
// corrupt record, or the server's close_notify).
bool NetworkClient::DecryptTls(std::string_view ciphertext, std::string* plaintext) {
  Conn* c = conn_;
  std::string wire;
  Status s = c->tls->Receive(ciphertext, plaintext, &wire);
  if (!wire.empty()) WriteBytes(std::move(wire));
  if (conn_ != c) return false;  // the write failed and dropped the connection
  if (!s.ok()) {
    DropConnection("TLS failure");
    return false;
  }
  return true;
}

void NetworkClient::HandleFrame(std::string_view frame) {
  if (phase_ == ConnPhase::kHandshake) {
    HandleConnectResponse(frame);
    return;
  }
  proto::JuteReader r(frame);
  proto::ReplyHeader h;
  if (!h.Decode(r)) {
    DropConnection("malformed reply header");
    return;
  }
  HandleReply(h.xid, h.zxid, h.err, r.Rest());
}

void NetworkClient::HandleConnectResponse(std::string_view frame) {
  proto::ConnectResponse resp;
  if (!proto::DecodeFrom(frame, &resp)) {
    DropConnection("malformed connect response");
    return;
  }
  if (resp.timeout_ms <= 0 || resp.session_id == 0) {
    OnSessionExpired();
    return;
  }
  const HostPort& hp = cs_.hosts[host_index_];
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    session_id_ = resp.session_id;
    password_ = resp.passwd;
    negotiated_ms_ = resp.timeout_ms;
    server_ = (hp.host.find(':') != std::string::npos ? "[" + hp.host + "]" : hp.host) + ":" +
              std::to_string(hp.port);
  }
  phase_ = ConnPhase::kOpen;
  ever_connected_ = true;
  silent_reported_ = false;
  policy_.OnConnected();
  SetState(resp.read_only ? SessionState::kConnectedReadOnly : SessionState::kConnected);
  AfterHandshake();
}

// The session is gone (the server answered with id 0 / timeout 0).
void NetworkClient::OnSessionExpired() {
  CloseConn();
  FailAll(Error::kSessionExpired);
  watches_.Clear();
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    negotiated_ms_ = 0;
    server_.clear();
  }
  SetState(SessionState::kExpired);
  if (!options_.renew_session_on_expiry || closing_) return;
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    session_id_ = 0;
    password_.clear();
  }
  ever_connected_ = false;
  last_zxid_ = 0;
  SetState(SessionState::kConnecting);
  next_attempt_ms_ = static_cast<int64_t>(uv_now(&loop_));
}

// Credentials first, then the watches, then whatever was issued while connecting.
void NetworkClient::AfterHandshake() {
  size_t answered = auths_.size() - auth_waiters_.size();
  std::deque<Callback<Empty>> waiting = std::move(auth_waiters_);
  auth_waiters_.clear();
  for (size_t i = 0; i < auths_.size(); i++) {
    proto::AuthPacket p{0, auths_[i].first, auths_[i].second};
    std::string payload = proto::EncodeToString(proto::RequestHeader{proto::kXidAuth, 100});
    payload += proto::EncodeToString(p);
    SendFrame(std::move(payload));
    if (i < answered) {
      auth_waiters_.push_back(nullptr);
    } else {
      auth_waiters_.push_back(std::move(waiting.front()));
      waiting.pop_front();
    }
  }
  SendSetWatches();
  std::deque<Request> pending = std::move(queued_);
  queued_.clear();
  for (auto& req : pending) SendRequest(std::move(req));
}

void NetworkClient::SendSetWatches() {
  if (watches_.empty()) return;
  proto::SetWatches sw;
  using K = WatchRegistry::Kind;
  auto rooted = [this](std::vector<std::string> paths) {
    for (auto& p : paths) p = Path(p);
    return paths;
  };
  sw.relative_zxid = last_zxid_;
  sw.data_watches = rooted(watches_.Paths(K::kData));
  sw.exist_watches = rooted(watches_.Paths(K::kExist));
  sw.child_watches = rooted(watches_.Paths(K::kChild));
  sw.persistent_watches = rooted(watches_.Paths(K::kPersistent));
  sw.persistent_recursive_watches = rooted(watches_.Paths(K::kRecursive));
  sw.v2 = !sw.persistent_watches.empty() || !sw.persistent_recursive_watches.empty();
  int32_t op = sw.v2 ? 105 : 101;
  std::string payload = proto::EncodeToString(proto::RequestHeader{proto::kXidSetWatchesC, op});
  payload += proto::EncodeToString(sw);
  SendFrame(std::move(payload));
}

void NetworkClient::HandleReply(int32_t xid, int64_t zxid, int32_t err, std::string_view body) {
  if (xid == proto::kXidNotification) {
    HandleNotification(body);
    return;
  }
  if (xid == proto::kXidPing || xid == proto::kXidSetWatchesC) return;
  if (xid == proto::kXidAuth) {
    Callback<Empty> cb;
    if (!auth_waiters_.empty()) {
      cb = std::move(auth_waiters_.front());
      auth_waiters_.pop_front();
    }
    if (err == static_cast<int32_t>(Error::kAuthFailed)) {
      CloseConn();
      FailAll(Error::kAuthFailed);
      SetState(SessionState::kAuthFailed);
    }
    if (cb) cb(Reply<Empty>{static_cast<Error>(err), {}});
    return;
  }
  if (sent_.empty() || sent_.front().xid != xid) {
    DropConnection("reply out of order");
    return;
  }
  Request req = std::move(sent_.front());
  sent_.pop_front();
  if (zxid > 0) last_zxid_ = std::max(last_zxid_, zxid);
  auto e = static_cast<Error>(err);
  if (req.watcher && (e == Error::kOk || (e == Error::kNoNode && req.watch_on_nonode))) {
    auto kind = e == Error::kNoNode ? WatchRegistry::Kind::kExist : req.watch_kind;
    watches_.Add(kind, req.watch_path, std::move(req.watcher));
  }
  if (req.done) req.done(e, body);
}

void NetworkClient::HandleNotification(std::string_view body) {
  proto::WatcherEvent ev;
  if (!proto::DecodeFrom(body, &ev)) {
    DropConnection("malformed notification");
    return;
  }
  WatchEvent event{static_cast<EventType>(ev.type), Unroot(ev.path)};
  for (auto& w : watches_.Take(event.type, event.path)) w(event);
}

void NetworkClient::Submit(Request req) {
  auto done = req.done;
  bool posted = Post([this, req = std::move(req)]() mutable {
    if (closing_ || closed_ || IsTerminal(state_.load())) {
      Error e = closing_ || closed_ ? Error::kClosing
                : state_.load() == SessionState::kExpired ? Error::kSessionExpired
                : state_.load() == SessionState::kAuthFailed ? Error::kAuthFailed
                                                               : Error::kInvalidState;
      if (req.done) req.done(e, {});
      return;
    }
    if (phase_ == ConnPhase::kOpen) {
      SendRequest(std::move(req));
    } else {
      queued_.push_back(std::move(req));
    }
  });
  if (!posted && done) done(Error::kClosing, {});
}

void NetworkClient::SendRequest(Request req) {
  req.xid = next_xid_;
  next_xid_ = next_xid_ == INT32_MAX ? 1 : next_xid_ + 1;
  std::string payload = proto::EncodeToString(proto::RequestHeader{req.xid, req.op});
  payload += req.body;
  sent_.push_back(std::move(req));
  SendFrame(std::move(payload));
}

void NetworkClient::SendFrame(std::string payload) {
  if (conn_ == nullptr || !conn_->tcp_open) return;
  if (conn_->tls == nullptr) {
    WriteBytes(Frame(payload));
    return;
  }
  std::string wire;
  if (!conn_->tls->Send(Frame(payload), &wire).ok()) {
    DropConnection("TLS failure");
    return;
  }
  last_send_ms_ = static_cast<int64_t>(uv_now(&loop_));
  if (!wire.empty()) WriteBytes(std::move(wire));
}

void NetworkClient::WriteBytes(std::string bytes) {
  if (conn_ == nullptr || !conn_->tcp_open) return;
  auto* w = new WriteReq;
  w->bytes = std::move(bytes);
  w->req.data = w;
  uv_buf_t b = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  last_send_ms_ = static_cast<int64_t>(uv_now(&loop_));
  int rv = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&conn_->tcp), &b, 1,
                    [](uv_write_t* req, int) { delete static_cast<WriteReq*>(req->data); });
  if (rv != 0) {
    delete w;
    DropConnection("write failed");
  }
}

void NetworkClient::CloseConn() {
  Conn* c = conn_;
  conn_ = nullptr;
  phase_ = ConnPhase::kNone;
  if (c == nullptr) return;
  c->closed = true;
  if (c->tcp_open) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp),
             [](uv_handle_t* h) { delete static_cast<Conn*>(h->data); });
  } else if (!c->resolving) {
    delete c;
  }
  // A resolving Conn is freed by its getaddrinfo callback.
}

// The connection is lost or failed: requests in flight fail, the next attempt is scheduled.
void NetworkClient::DropConnection(const char* reason) {
  (void)reason;
  bool was_open = phase_ == ConnPhase::kOpen;
  CloseConn();
  std::deque<Request> lost = std::move(sent_);
  sent_.clear();
  for (auto& req : lost) {
    if (req.done) req.done(Error::kConnectionLoss, {});
  }
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    server_.clear();
  }
  if (closing_) {
    FinishClose();
    return;
  }
  if (IsTerminal(state_.load())) return;
  if (was_open) SetState(SessionState::kConnecting);
  int32_t timeout = static_cast<int32_t>(options_.session_timeout.count());
  next_attempt_ms_ = static_cast<int64_t>(uv_now(&loop_)) + policy_.DelayBeforeNextMs(timeout);
}

void NetworkClient::FailAll(Error e) {
  std::deque<Request> all = std::move(sent_);
  sent_.clear();
  for (auto& r : queued_) all.push_back(std::move(r));
  queued_.clear();
  for (auto& req : all) {
    if (req.done) req.done(e, {});
  }
  std::deque<Callback<Empty>> waiters = std::move(auth_waiters_);
  auth_waiters_.clear();
  for (auto& cb : waiters) {
    if (cb) cb(Reply<Empty>{e, {}});
  }
}

void NetworkClient::Close() {
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    if (closed_ || !started_) {
      closed_ = true;
      if (!started_ && state_.load() != SessionState::kClosed) state_.store(SessionState::kClosed);
      return;
    }
  }
  PADDOCK_ASSERT_MSG(!OnEventThread(), "Client::Close() called from a client callback");
  bool posted = Post([this]() {
    if (closing_) return;
    closing_ = true;
    close_deadline_ms_ = static_cast<int64_t>(uv_now(&loop_)) + kCloseWaitMs;
    if (phase_ != ConnPhase::kOpen) {
      FinishClose();
      return;
    }
    Request req;
    req.op = static_cast<int32_t>(proto::Op::kCloseSession);
    req.done = [this](Error, std::string_view) { FinishClose(); };
    SendRequest(std::move(req));
  });
  (void)posted;  // false only if the event thread already shut down; join either way
  thread_.join();
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    closed_ = true;
  }
}

void NetworkClient::FinishClose() {
  if (closed_) return;
  closed_ = true;
  CloseConn();
  FailAll(Error::kClosing);
  SetState(SessionState::kClosed);
  std::deque<std::function<void()>> leftover;
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    accepting_ = false;
    leftover.swap(posted_);
  }
  for (auto& fn : leftover) fn();  // each sees closed_ and fails its request with kClosing
  uv_timer_stop(&tick_);
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
}

}  // namespace paddock::client
