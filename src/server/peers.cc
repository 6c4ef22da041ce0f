#include "server/peers.h"

#include <netdb.h>

#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "base/assert.h"
#include "base/log.h"
#include "net/frame_reader.h"
#include "net/host_lookup.h"
#include "net/tcp_user_timeout.h"

namespace paddock::server {

struct PeerNet::Link {
  uv_tcp_t tcp{};
  uv_connect_t connect{};
  PeerNet* net = nullptr;
  int peer = 0;  // outgoing: the target; incoming: the sender, once it proved who it is
  bool outgoing = false;
  bool connected = false;   // TCP is up
  bool ready = false;       // the handshake succeeded: the link carries frames
  bool hello_seen = false;  // incoming: its kHello arrived
  bool closing = false;
  uint64_t opened_ms = 0;  // uv_now when connecting or accepting began
  net::HostLookup* lookup = nullptr;  // outgoing: resolving the member's host name
  std::string remote;      // the other end's address, for log lines
  std::optional<net::PeerAuth> auth;  // until ready
  // Bytes read and not yet parsed: the handshake's frames, then (incoming) the peer's.
  net::FrameReader frames{net::PeerAuth::kFrameLimits};
  size_t unsent = 0;
};

struct PeerNet::WriteReq {
  uv_write_t req{};
  Link* link = nullptr;
  std::string data;
};

PeerNet::PeerNet(uv_loop_t* loop, int self, std::map<int, Endpoint> members, std::string key,
                 MessageFn on_message, LinkFn on_link)
    : loop_(loop),
      self_(self),
      members_(std::move(members)),
      key_(std::move(key)),
      on_message_(std::move(on_message)),
      on_link_(std::move(on_link)) {
  PADDOCK_ASSERT(key_.size() >= net::PeerAuth::kKeyBytesMin);
}

PeerNet::~PeerNet() {
  // Links still open here belong to a loop that is no longer run: free them directly.
  for (Link* l : links_) {
    if (l->lookup != nullptr) l->lookup->Cancel();
    delete l;
  }
}

Status PeerNet::Start() {
  const Endpoint& me = members_.at(self_);
  sockaddr_storage addr{};
  if (std::string error = net::ResolveNow(me.host, me.port, &addr); !error.empty()) {
    return Status::Error("server." + std::to_string(self_) + ": " + error);
  }
  uv_tcp_init(loop_, &listener_);
  listener_.data = this;
  uv_timer_init(loop_, &retry_timer_);
  retry_timer_.data = this;
  started_ = true;
  int rv = uv_tcp_bind(&listener_, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rv == 0) rv = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 64, OnConnection);
  if (rv != 0) {
    return Status::Error("server." + std::to_string(self_) + ": cannot listen on peer port " +
                         me.host + ":" + std::to_string(me.port) + ": " + uv_strerror(rv));
  }
  uv_timer_start(&retry_timer_, OnRetry, 0, kRetryMs);
  return Status::Ok();
}

void PeerNet::Stop() {
  if (stopping_) return;
  stopping_ = true;
  std::vector<Link*> all(links_.begin(), links_.end());
  for (Link* l : all) Close(l, "stopping");
  if (started_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&retry_timer_), nullptr);
  }
}

bool PeerNet::Connected(int to) const {
  auto it = out_.find(to);
  return it != out_.end() && it->second->ready && !it->second->closing;
}

std::set<int> PeerNet::InboundPeers() const {
  std::set<int> peers;
  for (const Link* l : links_) {
    if (!l->outgoing && !l->closing && l->hello_seen) peers.insert(l->peer);
  }
  return peers;
}

void PeerNet::OnRetry(uv_timer_t* t) {
  auto* net = static_cast<PeerNet*>(t->data);
  net->CloseStalledHandshakes();
  net->ConnectMissing();
}

// A link that is not up after the handshake timeout is closed: a member that stalls (or a
// stranger that connects and says nothing) must not hold it. Checked every kRetryMs.
void PeerNet::CloseStalledHandshakes() {
  uint64_t now = uv_now(loop_);
  std::vector<Link*> stalled;
  for (Link* l : links_) {
    if (!l->ready && !l->closing && now - l->opened_ms > handshake_timeout_ms_) {
      stalled.push_back(l);
    }
  }
  for (Link* l : stalled) {
    Close(l, std::string(l->connected ? "handshake" : "connect") + " not done within " +
                 std::to_string(handshake_timeout_ms_) + " ms");
  }
}

void PeerNet::ConnectMissing() {
  for (const auto& [id, endpoint] : members_) {
    if (id != self_ && out_.count(id) == 0) Connect(id);
  }
}

// A host name is looked up at every attempt (host_lookup.h), so a member whose name moved to
// another address is found again; a literal is dialed at once.
void PeerNet::Connect(int peer) {
  const Endpoint& e = members_.at(peer);
  auto* link = new Link;
  link->net = this;
  link->peer = peer;
  link->outgoing = true;
  link->opened_ms = uv_now(loop_);
  link->remote = net::JoinHostPort(e.host, e.port);
  link->tcp.data = link;
  link->connect.data = link;
  uv_tcp_init(loop_, &link->tcp);
  uv_tcp_nodelay(&link->tcp, 1);
  links_.insert(link);
  out_[peer] = link;
  sockaddr_storage addr{};
  if (net::LiteralAddress(e.host, e.port, &addr)) {
    Dial(link, addr);
    return;
  }
  link->lookup = net::HostLookup::Start(loop_, e.host, e.port,
                                        [this, link](int status, const sockaddr_storage& a) {
                                          link->lookup = nullptr;
                                          if (status != 0) {
                                            LogUnresolved(link, status);
                                            Close(link, "cannot resolve host");
                                            return;
                                          }
                                          Dial(link, a);
                                        });
  if (link->lookup == nullptr) Close(link, "cannot start a host lookup");
}

void PeerNet::Dial(Link* link, sockaddr_storage addr) {
  int rv = uv_tcp_connect(&link->connect, &link->tcp, reinterpret_cast<sockaddr*>(&addr),
                          OnConnected);
  if (rv != 0) Close(link, uv_strerror(rv));
}

// A name that does not resolve is retried every kRetryMs: one warning, then debug lines while
// the same name keeps failing the same way.
void PeerNet::LogUnresolved(const Link* link, int status) {
  std::string why = std::string("cannot resolve host: ") + uv_strerror(status);
  std::string host = link->remote.substr(0, link->remote.rfind(':'));
  uint64_t repeats = 0;
  if (refusals_.Warn(host, why, uv_now(loop_), &repeats)) {
    PADDOCK_LOG_WARN("peer link not made remote={} reason=\"{}\" member={} repeats_not_logged={}",
                     link->remote, why, link->peer, repeats);
  } else {
    PADDOCK_LOG_DEBUG("peer link not made remote={} reason=\"{}\"", link->remote, why);
  }
}

// TCP is up: the handshake starts; the link is up once the accepting member proved the key.
void PeerNet::OnConnected(uv_connect_t* req, int status) {
  auto* link = static_cast<Link*>(req->data);
  PeerNet* net = link->net;
  if (link->closing) return;
  if (status != 0) {
    net->Close(link, uv_strerror(status));
    return;
  }
  link->connected = true;
  // This link is written every tick/2 (heartbeats): if the member vanished without a FIN
  // reaching us, the writes stop being acknowledged and the kernel drops the link, which is
  // then dialed again by name (net/tcp_user_timeout.h).
  if (std::string error = net::SetTcpUserTimeout(&link->tcp, net->handshake_timeout_ms_);
      !error.empty()) {
    PADDOCK_LOG_WARN("peer link: TCP_USER_TIMEOUT not set peer={} error=\"{}\"", link->peer,
                     error);
  }
  link->auth = net::PeerAuth::Initiator(net->key_, net::AuthPurpose::kPeer,
                                        static_cast<uint64_t>(net->self_),
                                        static_cast<uint64_t>(link->peer),
                                        net::PeerAuth::FreshNonce());
  net->StartReading(link);
  net->Write(link, link->auth->TakeOutput());
}

void PeerNet::OnConnection(uv_stream_t* listener, int status) {
  auto* net = static_cast<PeerNet*>(listener->data);
  if (status != 0 || net->stopping_) return;
  auto* link = new Link;
  link->net = net;
  link->opened_ms = uv_now(net->loop_);
  link->tcp.data = link;
  uv_tcp_init(net->loop_, &link->tcp);
  net->links_.insert(link);
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&link->tcp)) != 0) {
    net->Close(link, "accept failed");
    return;
  }
  sockaddr_storage addr{};
  int len = sizeof(addr);
  if (uv_tcp_getpeername(&link->tcp, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    link->remote = net::AddressText(reinterpret_cast<sockaddr*>(&addr));
  }
  link->connected = true;
  std::set<uint64_t> ids;
  for (const auto& [id, e] : net->members_) ids.insert(static_cast<uint64_t>(id));
  link->auth = net::PeerAuth::Responder(net->key_, net::AuthPurpose::kPeer,
                                        static_cast<uint64_t>(net->self_), std::move(ids),
                                        net::PeerAuth::FreshNonce());
  net->StartReading(link);
}

void PeerNet::StartReading(Link* link) {
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&link->tcp),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* l = static_cast<Link*>(h->data);
        *buf = uv_buf_init(l->net->read_buffer_, sizeof(l->net->read_buffer_));
      },
      OnRead);
}

void PeerNet::OnRead(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
  auto* link = static_cast<Link*>(s->data);
  if (n < 0) {
    std::string why = n == UV_EOF ? "closed by peer" : uv_strerror(static_cast<int>(n));
    if (!link->ready) why += " during the handshake (a different key, or not a member?)";
    link->net->Close(link, why);
    return;
  }
  if (link->closing) return;
  if (link->ready && link->outgoing) return;  // outgoing links are only written
  // Frames are parsed in place, in the shared read buffer; what is left of them is kept. Frames
  // after the handshake in the same read are the first of an incoming link.
  link->frames.Borrow(std::string_view(buf->base, static_cast<size_t>(n)));
  if (!link->ready) link->net->OnHandshakeFrames(link);
  if (link->ready && !link->outgoing) link->net->Parse(link);
  link->frames.Keep();
}

void PeerNet::OnHandshakeFrames(Link* link) {
  link->auth->Read(&link->frames);
  if (std::string out = link->auth->TakeOutput(); !out.empty() && !Write(link, std::move(out))) {
    return;
  }
  if (link->auth->failed()) {
    Close(link, link->auth->error());
  } else if (link->auth->done()) {
    OnAuthenticated(link);
  }
}

void PeerNet::OnAuthenticated(Link* link) {
  link->ready = true;
  link->frames.set_limits({1, kFrameBytesMax});  // every frame has at least its type byte
  if (!link->outgoing) {
    link->peer = static_cast<int>(link->auth->peer_id());
    link->auth.reset();
    return;
  }
  link->auth.reset();
  PADDOCK_LOG_INFO("peer link up peer={}", link->peer);
  std::string hello(4, '\0');
  for (int i = 0; i < 4; i++) {
    hello[static_cast<size_t>(i)] = static_cast<char>(static_cast<uint32_t>(self_) >> (24 - 8 * i));
  }
  Send(link->peer, Type::kHello, hello);
  on_link_(link->peer, true);
}

void PeerNet::Parse(Link* link) {
  std::string_view frame;
  while (!link->closing) {
    net::FrameReader::Next next = link->frames.Pop(&frame);
    if (next == net::FrameReader::Next::kNeedMore) return;
    if (next == net::FrameReader::Next::kBadLength) {
      Close(link, "frame length out of range");
      return;
    }
    auto type = static_cast<Type>(frame[0]);
    std::string_view body = frame.substr(1);
    if (!link->hello_seen) {
      // The member proved its id in the handshake; its hello must say the same.
      int id = 0;
      if (type == Type::kHello && body.size() == 4) {
        for (size_t i = 0; i < 4; i++) id = (id << 8) | static_cast<uint8_t>(body[i]);
      }
      if (id != link->peer) {
        Close(link, "no valid hello");
        return;
      }
      link->hello_seen = true;
      continue;
    }
    on_message_(link->peer, type, body);
  }
}

bool PeerNet::Send(int to, Type type, std::string_view body) {
  auto it = out_.find(to);
  if (it == out_.end() || !it->second->ready || it->second->closing) return false;
  std::string data;
  net::AppendFrame(&data, static_cast<uint8_t>(type), body);
  return Write(it->second, std::move(data));
}

// Queues bytes on any open link; false (the link closed) if that failed.
bool PeerNet::Write(Link* link, std::string data) {
  auto* w = new WriteReq;
  w->link = link;
  w->req.data = w;
  w->data = std::move(data);
  link->unsent += w->data.size();
  uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  int rv = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&link->tcp), &b, 1,
                    [](uv_write_t* req, int status) {
                      auto* wr = static_cast<WriteReq*>(req->data);
                      Link* l = wr->link;
                      l->unsent -= wr->data.size();
                      delete wr;
                      if (status != 0 && status != UV_ECANCELED) {
                        l->net->Close(l, uv_strerror(status));
                      }
                    });
  if (rv != 0) {
    link->unsent -= w->data.size();
    delete w;
    Close(link, uv_strerror(rv));
    return false;
  }
  if (link->unsent > kUnsentBytesMax) {
    Close(link, "peer not reading");
    return false;
  }
  return true;
}

void PeerNet::Close(Link* link, const std::string& why) {
  if (link->closing) return;
  link->closing = true;
  if (link->lookup != nullptr) std::exchange(link->lookup, nullptr)->Cancel();
  if (link->outgoing) {
    auto it = out_.find(link->peer);
    if (it != out_.end() && it->second == link) out_.erase(it);
  }
  if (link->ready && link->outgoing) {
    PADDOCK_LOG_INFO("peer link down peer={} reason=\"{}\"", link->peer, why);
    if (!stopping_) on_link_(link->peer, false);
  } else if (link->ready && !stopping_) {
    PADDOCK_LOG_DEBUG("peer link from peer={} closed reason=\"{}\"", link->peer, why);
  } else if (link->connected && !stopping_) {
    LogRefused(link, why);  // the handshake failed (a failed connect is retried silently)
  }
  // Pending writes complete (cancelled) before the close callback, which frees the link.
  uv_close(reinterpret_cast<uv_handle_t*>(&link->tcp), [](uv_handle_t* h) {
    auto* l = static_cast<Link*>(h->data);
    l->net->links_.erase(l);
    delete l;
  });
}

// One line per refused link: a warning, or at debug level when the same host failed the same
// way moments ago (a member with a wrong key retries every kRetryMs).
void PeerNet::LogRefused(const Link* link, const std::string& why) {
  std::string host = link->remote.substr(0, link->remote.rfind(':'));
  uint64_t repeats = 0;
  if (refusals_.Warn(host, why, uv_now(loop_), &repeats)) {
    PADDOCK_LOG_WARN("peer link refused remote={} reason=\"{}\" side={} member={} "
                     "repeats_not_logged={}",
                     link->remote, why, link->outgoing ? "dialing" : "accepting",
                     link->outgoing ? link->peer : 0, repeats);
  } else {
    PADDOCK_LOG_DEBUG("peer link refused remote={} reason=\"{}\"", link->remote, why);
  }
}

}  // namespace paddock::server
