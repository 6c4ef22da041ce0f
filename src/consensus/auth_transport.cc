#include "consensus/auth_transport.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "base/assert.h"
#include "base/log.h"
#include "net/frame_reader.h"
#include "net/host_lookup.h"
#include "net/peer_auth.h"
#include "net/tcp_user_timeout.h"

namespace paddock::consensus {
namespace {

// How often connections are checked against the handshake timeout.
constexpr uint64_t kSweepMs = 200;

struct Transport;

// A connection until it is handed to libraft (or closed): outgoing for a connect request, or
// incoming from the listener.
struct Conn {
  Transport* owner = nullptr;
  uv_tcp_t* tcp = nullptr;  // raft_malloc'd: libraft frees it with raft_free once it owns it
  uv_connect_t connect{};
  raft_uv_connect* req = nullptr;  // outgoing: libraft's request; nullptr: nobody to tell
  raft_uv_connect_cb cb = nullptr;
  int status = RAFT_NOCONNECTION;  // what cb gets if the connection closes
  bool outgoing = false;
  bool tcp_up = false;
  bool closing = false;
  int writes = 0;  // handshake writes in flight
  uint64_t peer = 0;  // outgoing: the member dialed
  net::HostLookup* lookup = nullptr;  // outgoing: resolving the member's host name
  uint64_t opened_ms = 0;
  std::string remote;
  std::optional<net::PeerAuth> auth;
  net::FrameReader frames{net::PeerAuth::kFrameLimits};  // the handshake frame being read
  char buf[net::PeerAuth::kFrameBytesMax];
};

struct Write {
  uv_write_t req{};
  Conn* conn = nullptr;
  std::string data;
};

struct Transport {
  raft_uv_transport* t = nullptr;
  uv_loop_t* loop = nullptr;
  std::string key;
  std::map<uint64_t, std::string> voters;  // id -> Raft address
  uint64_t self = 0;
  std::string address;
  uv_tcp_t listener{};
  uv_timer_t sweep{};
  bool listener_open = false;
  bool sweep_open = false;
  raft_uv_accept_cb accept_cb = nullptr;
  std::set<Conn*> conns;
  int handles = 0;  // open handles of ours: the listener, the sweep timer, each conn's tcp
  bool closing = false;
  raft_uv_transport_close_cb close_cb = nullptr;
  bool released = false;  // AuthTransportRelease came before the last handle closed
  uint64_t timeout_ms = net::PeerAuth::kTimeoutMs;
  net::RefusalThrottle refusals;
};

Transport* Of(raft_uv_transport* t) { return static_cast<Transport*>(t->impl); }
uv_stream_t* Stream(uv_tcp_t* tcp) { return reinterpret_cast<uv_stream_t*>(tcp); }
uv_handle_t* Handle(uv_tcp_t* tcp) { return reinterpret_cast<uv_handle_t*>(tcp); }

// A handle of ours finished closing. The last one ends a close (libraft's callback) or a
// release that was waiting for it.
void HandleClosed(Transport* tr) {
  PADDOCK_ASSERT(tr->handles > 0);
  if (--tr->handles > 0) return;
  if (tr->released) {
    delete tr;
    return;
  }
  if (tr->closing && tr->close_cb != nullptr) {
    raft_uv_transport_close_cb cb = std::exchange(tr->close_cb, nullptr);
    cb(tr->t);  // libraft may release the transport now: nothing after this
  }
}

void LogRefused(Transport* tr, const Conn* c, const std::string& why) {
  std::string host = c->remote.substr(0, c->remote.rfind(':'));
  uint64_t repeats = 0;
  if (tr->refusals.Warn(host, why, uv_now(tr->loop), &repeats)) {
    PADDOCK_LOG_WARN("raft link refused remote={} reason=\"{}\" side={} member={} "
                     "repeats_not_logged={}",
                     c->remote, why, c->outgoing ? "dialing" : "accepting", c->peer, repeats);
  } else {
    PADDOCK_LOG_DEBUG("raft link refused remote={} reason=\"{}\"", c->remote, why);
  }
}

void ConnClosed(uv_handle_t* h) {
  auto* c = static_cast<Conn*>(h->data);
  Transport* tr = c->owner;
  raft_free(c->tcp);
  tr->conns.erase(c);
  raft_uv_connect* req = c->req;
  raft_uv_connect_cb cb = c->cb;
  int status = c->status;
  delete c;
  if (req != nullptr && !tr->released) cb(req, nullptr, status);  // libraft retries later
  HandleClosed(tr);
}

// `log`: the handshake failed (a connect that failed is retried by libraft without a word).
void CloseConn(Conn* c, const std::string& why, bool log) {
  if (c->closing) return;
  c->closing = true;
  if (c->lookup != nullptr) std::exchange(c->lookup, nullptr)->Cancel();
  if (log && !c->owner->closing) LogRefused(c->owner, c, why);
  uv_close(Handle(c->tcp), ConnClosed);
}

void SweepStalled(uv_timer_t* timer) {
  auto* tr = static_cast<Transport*>(timer->data);
  uint64_t now = uv_now(tr->loop);
  std::vector<Conn*> stalled;
  for (Conn* c : tr->conns) {
    if (!c->closing && now - c->opened_ms > tr->timeout_ms) stalled.push_back(c);
  }
  for (Conn* c : stalled) {
    CloseConn(c, std::string(c->tcp_up ? "handshake" : "connect") + " not done within " +
                     std::to_string(tr->timeout_ms) + " ms",
              c->tcp_up);
  }
  if (tr->conns.empty()) uv_timer_stop(&tr->sweep);
}

Conn* NewConn(Transport* tr) {
  auto* c = new Conn;
  c->owner = tr;
  c->opened_ms = uv_now(tr->loop);
  c->tcp = static_cast<uv_tcp_t*>(raft_malloc(sizeof(uv_tcp_t)));
  PADDOCK_ASSERT(c->tcp != nullptr);
  PADDOCK_ASSERT(uv_tcp_init(tr->loop, c->tcp) == 0);
  c->tcp->data = c;
  c->connect.data = c;
  tr->handles++;
  tr->conns.insert(c);
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&tr->sweep))) {
    uv_timer_start(&tr->sweep, SweepStalled, kSweepMs, kSweepMs);
  }
  return c;
}

// The handshake succeeded and our writes are done: the stream is libraft's from here on.
void MaybeHandOver(Conn* c) {
  if (c->closing || !c->auth->done() || c->writes > 0) return;
  Transport* tr = c->owner;
  uv_read_stop(Stream(c->tcp));
  tr->conns.erase(c);
  tr->handles--;
  PADDOCK_ASSERT(tr->handles > 0);  // the sweep timer is open until the transport closes
  uv_tcp_t* tcp = c->tcp;
  tcp->data = nullptr;
  if (c->outgoing) {
    raft_uv_connect* req = c->req;
    raft_uv_connect_cb cb = c->cb;
    delete c;
    cb(req, Stream(tcp), 0);
    return;
  }
  auto voter = tr->voters.find(c->auth->peer_id());
  PADDOCK_ASSERT(voter != tr->voters.end());  // the responder admitted voters only
  delete c;
  tr->accept_cb(tr->t, voter->first, voter->second.c_str(), Stream(tcp));
}

void WriteDone(uv_write_t* req, int status) {
  auto* w = static_cast<Write*>(req->data);
  Conn* c = w->conn;
  delete w;
  c->writes--;
  if (status != 0) {
    CloseConn(c, uv_strerror(status), status != UV_ECANCELED);
    return;
  }
  MaybeHandOver(c);
}

bool WriteConn(Conn* c, std::string data) {
  auto* w = new Write;
  w->conn = c;
  w->req.data = w;
  w->data = std::move(data);
  uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  int rv = uv_write(&w->req, Stream(c->tcp), &b, 1, WriteDone);
  if (rv != 0) {
    delete w;
    CloseConn(c, uv_strerror(rv), true);
    return false;
  }
  c->writes++;
  return true;
}

// Exactly the bytes the handshake frame being read still needs (none once the handshake
// ended): what follows on the stream is libraft's.
void AllocHandshake(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Conn*>(h->data);
  size_t want = c->auth->state() == net::PeerAuth::State::kRunning
                    ? std::min(c->frames.BytesWanted(), sizeof(c->buf))
                    : 0;
  *buf = uv_buf_init(c->buf, static_cast<unsigned>(want));
}

void ReadHandshake(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
  auto* c = static_cast<Conn*>(s->data);
  if (n == 0 || c->closing) return;
  if (n < 0) {
    CloseConn(c, n == UV_EOF ? "closed by peer during the handshake (a different key, or not "
                               "a member?)"
                             : uv_strerror(static_cast<int>(n)),
              true);
    return;
  }
  c->frames.Append(std::string_view(buf->base, static_cast<size_t>(n)));
  c->auth->Read(&c->frames);
  PADDOCK_ASSERT(!c->auth->done() || c->frames.buffered() == 0);  // nothing of libraft's taken
  if (c->auth->failed()) {
    CloseConn(c, c->auth->error(), true);
    return;
  }
  if (c->auth->done()) uv_read_stop(s);  // the other side sends nothing more of its own
  if (std::string out = c->auth->TakeOutput(); !out.empty() && !WriteConn(c, std::move(out))) {
    return;
  }
  MaybeHandOver(c);
}

void OnConnected(uv_connect_t* req, int status) {
  auto* c = static_cast<Conn*>(req->data);
  if (c->closing) return;
  if (status != 0) {
    CloseConn(c, uv_strerror(status), false);
    return;
  }
  c->tcp_up = true;
  // libraft never reads this stream: only a failed write tells it the member is gone.
  if (std::string error = net::SetTcpUserTimeout(c->tcp, c->owner->timeout_ms); !error.empty()) {
    PADDOCK_LOG_WARN("raft link: TCP_USER_TIMEOUT not set error=\"{}\"", error);
  }
  uv_read_start(Stream(c->tcp), AllocHandshake, ReadHandshake);
  WriteConn(c, c->auth->TakeOutput());
}

void OnConnection(uv_stream_t* listener, int status) {
  auto* tr = static_cast<Transport*>(listener->data);
  if (status != 0 || tr->closing) return;
  Conn* c = NewConn(tr);
  if (uv_accept(listener, Stream(c->tcp)) != 0) {
    CloseConn(c, "accept failed", false);
    return;
  }
  sockaddr_storage addr{};
  int len = sizeof(addr);
  if (uv_tcp_getpeername(c->tcp, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    c->remote = net::AddressText(reinterpret_cast<sockaddr*>(&addr));
  }
  c->tcp_up = true;
  std::set<uint64_t> ids;
  for (const auto& [id, address] : tr->voters) ids.insert(id);
  c->auth = net::PeerAuth::Responder(tr->key, net::AuthPurpose::kRaft, tr->self, std::move(ids),
                                     net::PeerAuth::FreshNonce());
  uv_read_start(Stream(c->tcp), AllocHandshake, ReadHandshake);
}

// raft_uv_transport->init: this member's id and address (copied: libraft's may not outlive it).
int Init(raft_uv_transport* t, raft_id id, const char* address) {
  Transport* tr = Of(t);
  tr->self = id;
  tr->address = address;
  return 0;
}

int Listen(raft_uv_transport* t, raft_uv_accept_cb cb) {
  Transport* tr = Of(t);
  tr->accept_cb = cb;
  // This member's own server.N host, resolved once, at start (a name with several addresses:
  // the first, as a connecting member's lookup takes the first).
  sockaddr_storage addr{};
  std::string host;
  int port = 0;
  if (!net::SplitHostPort(tr->address, &host, &port)) {
    std::snprintf(t->errmsg, sizeof(t->errmsg), "bad raft address %s", tr->address.c_str());
    return RAFT_INVALID;
  }
  if (std::string error = net::ResolveNow(host, port, &addr); !error.empty()) {
    std::snprintf(t->errmsg, sizeof(t->errmsg), "raft address %s: %s", tr->address.c_str(),
                  error.c_str());
    return RAFT_INVALID;
  }
  uv_tcp_init(tr->loop, &tr->listener);
  tr->listener.data = tr;
  tr->listener_open = true;
  tr->handles++;
  int rv = uv_tcp_bind(&tr->listener, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rv == 0) rv = uv_listen(Stream(&tr->listener), 64, OnConnection);
  if (rv != 0) {
    std::snprintf(t->errmsg, sizeof(t->errmsg), "listen on %s: %s", tr->address.c_str(),
                  uv_strerror(rv));
    tr->listener_open = false;
    uv_close(Handle(&tr->listener), [](uv_handle_t* h) {
      HandleClosed(static_cast<Transport*>(h->data));
    });
    return RAFT_IOERR;
  }
  return 0;
}

// The member's address is the one this member's configuration gives now (libraft's own copy is
// the one in its log's configuration, which a changed zoo.cfg does not rewrite). A host name is
// looked up on every connect (host_lookup.h): a member whose name moved to another address is
// found at the next attempt.
int Connect(raft_uv_transport* t, raft_uv_connect* req, raft_id id, const char* address,
            raft_uv_connect_cb cb) {
  Transport* tr = Of(t);
  if (tr->closing) return RAFT_CANCELED;
  if (id == 0 || id == tr->self) return RAFT_NOCONNECTION;
  auto voter = tr->voters.find(id);
  std::string target = voter != tr->voters.end() ? voter->second : address;
  std::string host;
  int port = 0;
  if (!net::SplitHostPort(target, &host, &port)) return RAFT_NOCONNECTION;
  Conn* c = NewConn(tr);
  c->outgoing = true;
  c->peer = id;
  c->remote = target;
  c->auth = net::PeerAuth::Initiator(tr->key, net::AuthPurpose::kRaft, tr->self, id,
                                     net::PeerAuth::FreshNonce());
  sockaddr_storage addr{};
  if (net::LiteralAddress(host, port, &addr)) {
    int rv = uv_tcp_connect(&c->connect, c->tcp, reinterpret_cast<sockaddr*>(&addr), OnConnected);
    if (rv != 0) {
      CloseConn(c, uv_strerror(rv), false);  // libraft is told by the return value, not cb
      return RAFT_NOCONNECTION;
    }
  } else {
    c->lookup = net::HostLookup::Start(tr->loop, host, port, [c, host](int status,
                                                                       const sockaddr_storage& a) {
      c->lookup = nullptr;
      if (status != 0) {
        CloseConn(c, "cannot resolve host '" + host + "': " + uv_strerror(status), true);
        return;
      }
      sockaddr_storage copy = a;
      int rv = uv_tcp_connect(&c->connect, c->tcp, reinterpret_cast<sockaddr*>(&copy),
                              OnConnected);
      if (rv != 0) CloseConn(c, uv_strerror(rv), false);
    });
    if (c->lookup == nullptr) {
      CloseConn(c, "cannot start a host lookup", false);
      return RAFT_NOCONNECTION;
    }
  }
  c->req = req;
  c->cb = cb;
  return 0;
}

// Pending connects are cancelled (their cb gets RAFT_CANCELED); nothing is accepted any more.
void CloseHandles(Transport* tr) {
  tr->closing = true;
  std::vector<Conn*> all(tr->conns.begin(), tr->conns.end());
  for (Conn* c : all) {
    c->status = RAFT_CANCELED;
    CloseConn(c, "closing", false);
  }
  auto closed = [](uv_handle_t* h) { HandleClosed(static_cast<Transport*>(h->data)); };
  if (tr->listener_open) {
    tr->listener_open = false;
    uv_close(Handle(&tr->listener), closed);
  }
  if (tr->sweep_open) {
    tr->sweep_open = false;
    uv_close(reinterpret_cast<uv_handle_t*>(&tr->sweep), closed);
  }
}

void Close(raft_uv_transport* t, raft_uv_transport_close_cb cb) {
  Transport* tr = Of(t);
  PADDOCK_ASSERT(!tr->closing);
  tr->close_cb = cb;
  CloseHandles(tr);
}

}  // namespace

int AuthTransportInit(raft_uv_transport* t, uv_loop_t* loop, std::string key,
                      std::vector<std::pair<uint64_t, std::string>> voters) {
  PADDOCK_ASSERT(key.size() >= net::PeerAuth::kKeyBytesMin);
  auto* tr = new Transport;
  tr->t = t;
  tr->loop = loop;
  tr->key = std::move(key);
  for (auto& [id, address] : voters) tr->voters[id] = std::move(address);
  // The sweep timer is the handle that stays open until the transport closes (MaybeHandOver).
  uv_timer_init(loop, &tr->sweep);
  tr->sweep.data = tr;
  tr->sweep_open = true;
  tr->handles = 1;
  t->impl = tr;
  t->errmsg[0] = '\0';
  t->init = Init;
  t->listen = Listen;
  t->connect = Connect;
  t->close = Close;
  return 0;
}

void AuthTransportRelease(raft_uv_transport* t) {
  Transport* tr = Of(t);
  t->impl = nullptr;
  if (tr->handles == 0) {
    delete tr;
    return;
  }
  tr->released = true;  // libraft is gone: no callback of its may run any more
  tr->close_cb = nullptr;
  if (!tr->closing) CloseHandles(tr);
}

void AuthTransportSetTimeout(raft_uv_transport* t, uint64_t ms) { Of(t)->timeout_ms = ms; }

}  // namespace paddock::consensus
