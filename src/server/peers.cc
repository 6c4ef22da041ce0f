#include "server/peers.h"

#include <netdb.h>

#include <cstring>
#include <memory>
#include <vector>

#include "base/assert.h"
#include "base/log.h"

namespace paddock::server {

struct PeerNet::Link {
  uv_tcp_t tcp{};
  uv_connect_t connect{};
  PeerNet* net = nullptr;
  int peer = 0;  // outgoing: the target; incoming: the sender, once its kHello arrived
  bool outgoing = false;
  bool connected = false;
  bool closing = false;
  std::string in;  // bytes read and not yet parsed
  size_t unsent = 0;
};

struct PeerNet::WriteReq {
  uv_write_t req{};
  Link* link = nullptr;
  std::string data;
};

namespace {

// A numeric address, or a host name resolved once (at start-up).
bool Resolve(const std::string& host, int32_t port, sockaddr_storage* out) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
  if (uv_ip4_addr(host.c_str(), port, v4) == 0) return true;
  if (uv_ip6_addr(host.c_str(), port, v6) == 0) return true;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return false;
  std::memcpy(out, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  return true;
}

std::string Header(PeerNet::Type type, size_t body_bytes) {
  auto n = static_cast<uint32_t>(body_bytes + 1);
  std::string h(5, '\0');
  for (int i = 0; i < 4; i++) h[static_cast<size_t>(i)] = static_cast<char>(n >> (24 - 8 * i));
  h[4] = static_cast<char>(type);
  return h;
}

}  // namespace

PeerNet::PeerNet(uv_loop_t* loop, int self, std::map<int, Endpoint> members, MessageFn on_message,
                 LinkFn on_link)
    : loop_(loop),
      self_(self),
      members_(std::move(members)),
      on_message_(std::move(on_message)),
      on_link_(std::move(on_link)) {}

PeerNet::~PeerNet() {
  // Links still open here belong to a loop that is no longer run: free them directly.
  for (Link* l : links_) delete l;
}

Status PeerNet::Start() {
  const Endpoint& me = members_.at(self_);
  sockaddr_storage addr{};
  if (!Resolve(me.host, me.port, &addr)) {
    return Status::Error("server." + std::to_string(self_) + ": cannot resolve host '" + me.host +
                         "'");
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
  return it != out_.end() && it->second->connected && !it->second->closing;
}

std::set<int> PeerNet::InboundPeers() const {
  std::set<int> peers;
  for (const Link* l : links_) {
    if (!l->outgoing && !l->closing && l->peer != 0) peers.insert(l->peer);
  }
  return peers;
}

void PeerNet::OnRetry(uv_timer_t* t) { static_cast<PeerNet*>(t->data)->ConnectMissing(); }

void PeerNet::ConnectMissing() {
  for (const auto& [id, endpoint] : members_) {
    if (id != self_ && out_.count(id) == 0) Connect(id);
  }
}

void PeerNet::Connect(int peer) {
  const Endpoint& e = members_.at(peer);
  sockaddr_storage addr{};
  if (!Resolve(e.host, e.port, &addr)) return;  // tried again at the next retry
  auto* link = new Link;
  link->net = this;
  link->peer = peer;
  link->outgoing = true;
  link->tcp.data = link;
  link->connect.data = link;
  uv_tcp_init(loop_, &link->tcp);
  uv_tcp_nodelay(&link->tcp, 1);
  links_.insert(link);
  out_[peer] = link;
  int rv = uv_tcp_connect(&link->connect, &link->tcp, reinterpret_cast<sockaddr*>(&addr),
                          OnConnected);
  if (rv != 0) Close(link, uv_strerror(rv));
}

void PeerNet::OnConnected(uv_connect_t* req, int status) {
  auto* link = static_cast<Link*>(req->data);
  PeerNet* net = link->net;
  if (link->closing) return;
  if (status != 0) {
    net->Close(link, uv_strerror(status));
    return;
  }
  link->connected = true;
  PADDOCK_LOG_INFO("peer link up peer={}", link->peer);
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&link->tcp),
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* l = static_cast<Link*>(h->data);
        *buf = uv_buf_init(l->net->read_buffer_, sizeof(l->net->read_buffer_));
      },
      OnRead);
  std::string hello(4, '\0');
  for (int i = 0; i < 4; i++) {
    hello[static_cast<size_t>(i)] = static_cast<char>(static_cast<uint32_t>(net->self_) >> (24 - 8 * i));
  }
  net->Send(link->peer, Type::kHello, hello);
  net->on_link_(link->peer, true);
}

void PeerNet::OnConnection(uv_stream_t* listener, int status) {
  auto* net = static_cast<PeerNet*>(listener->data);
  if (status != 0 || net->stopping_) return;
  auto* link = new Link;
  link->net = net;
  link->tcp.data = link;
  uv_tcp_init(net->loop_, &link->tcp);
  net->links_.insert(link);
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&link->tcp)) != 0) {
    net->Close(link, "accept failed");
    return;
  }
  link->connected = true;
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
    link->net->Close(link, n == UV_EOF ? "closed by peer" : uv_strerror(static_cast<int>(n)));
    return;
  }
  if (link->outgoing || link->closing) return;  // outgoing links are only written
  link->in.append(buf->base, static_cast<size_t>(n));
  link->net->Parse(link);
}

void PeerNet::Parse(Link* link) {
  size_t at = 0;
  while (!link->closing && link->in.size() - at >= 4) {
    uint32_t n = 0;
    for (size_t i = 0; i < 4; i++) n = (n << 8) | static_cast<uint8_t>(link->in[at + i]);
    if (n == 0 || n > kFrameBytesMax) {  // every frame has at least its type byte
      Close(link, "frame length out of range");
      return;
    }
    if (link->in.size() - at - 4 < n) break;
    auto type = static_cast<Type>(link->in[at + 4]);
    std::string_view body(link->in.data() + at + 5, n - 1);
    at += 4 + n;
    if (link->peer == 0) {
      int id = 0;
      if (type == Type::kHello && body.size() == 4) {
        for (size_t i = 0; i < 4; i++) id = (id << 8) | static_cast<uint8_t>(body[i]);
      }
      if (id == self_ || members_.count(id) == 0) {
        Close(link, "no valid hello");
        return;
      }
      link->peer = id;
      continue;
    }
    on_message_(link->peer, type, body);
  }
  link->in.erase(0, at);
}

bool PeerNet::Send(int to, Type type, std::string_view body) {
  auto it = out_.find(to);
  if (it == out_.end() || !it->second->connected || it->second->closing) return false;
  Link* link = it->second;
  auto* w = new WriteReq;
  w->link = link;
  w->req.data = w;
  w->data = Header(type, body.size());
  w->data.append(body);
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

void PeerNet::Close(Link* link, const char* why) {
  if (link->closing) return;
  link->closing = true;
  if (link->outgoing) {
    auto it = out_.find(link->peer);
    if (it != out_.end() && it->second == link) out_.erase(it);
    if (link->connected) {
      PADDOCK_LOG_INFO("peer link down peer={} reason=\"{}\"", link->peer, why);
      if (!stopping_) on_link_(link->peer, false);
    }
  } else if (link->peer != 0 && !stopping_) {
    PADDOCK_LOG_DEBUG("peer link from peer={} closed reason=\"{}\"", link->peer, why);
  }
  // Pending writes complete (cancelled) before the close callback, which frees the link.
  uv_close(reinterpret_cast<uv_handle_t*>(&link->tcp), [](uv_handle_t* h) {
    auto* l = static_cast<Link*>(h->data);
    l->net->links_.erase(l);
    delete l;
  });
}

}  // namespace paddock::server
