#include "server/connection.h"

#include "base/assert.h"
#include "base/log.h"
#include "server/server.h"

namespace paddock::server {

Connection::Connection(Server* server, int64_t id, int32_t frame_bytes_max)
    : frames(frame_bytes_max), server_(server), id_(id) {
  tcp_.data = this;
  write_req_.data = this;
}

void Connection::Start() {
  uv_tcp_nodelay(&tcp_, 1);
  sockaddr_storage addr{};
  int len = sizeof(addr);
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    char ip[INET6_ADDRSTRLEN] = {0};
    if (addr.ss_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&addr);
      uv_ip4_name(a, ip, sizeof(ip));
      remote_port = ntohs(a->sin_port);
    } else {
      auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
      uv_ip6_name(a, ip, sizeof(ip));
      remote_port = ntohs(a->sin6_port);
    }
    remote_ip = ip;
    // An IPv4 client on a dual-stack socket: report it as IPv4, as ZooKeeper does.
    if (remote_ip.rfind("::ffff:", 0) == 0 && remote_ip.find('.') != std::string::npos) {
      remote_ip = remote_ip.substr(7);
    }
  }
  uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), OnAlloc, OnRead);
}

void Connection::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(h->data);
  buf->base = c->read_buf_;
  buf->len = sizeof(c->read_buf_);
}

void Connection::OnRead(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  if (n == 0) return;
  if (n < 0) {
    c->closed_by_peer = !c->closing();
    c->Abort(n == UV_EOF ? "client closed" : uv_strerror(static_cast<int>(n)));
    return;
  }
  if (c->closing()) return;
  c->frames.Append(std::string_view(buf->base, static_cast<size_t>(n)));
  c->server_->OnConnectionData(*c);
}

void Connection::Send(std::string_view frames_bytes) {
  // Nothing is queued after Close(): what was queued before it still goes out.
  if (handle_closed_ || state == State::kClosing) return;
  out_.append(frames_bytes);
  if (!writing_) Flush();
}

void Connection::Flush() {
  if (writing_ || out_.empty() || handle_closed_) return;
  inflight_.swap(out_);
  out_.clear();
  uv_buf_t b = uv_buf_init(inflight_.data(), static_cast<unsigned>(inflight_.size()));
  int rv = uv_write(&write_req_, reinterpret_cast<uv_stream_t*>(&tcp_), &b, 1, OnWrite);
  if (rv != 0) {
    inflight_.clear();
    Abort(uv_strerror(rv));
    return;
  }
  writing_ = true;
}

void Connection::OnWrite(uv_write_t* req, int status) {
  auto* c = static_cast<Connection*>(req->data);
  c->writing_ = false;
  c->inflight_.clear();
  if (status != 0) {
    c->closed_by_peer = !c->closing();
    c->Abort(uv_strerror(status));
    return;
  }
  if (!c->out_.empty()) {
    c->Flush();
  } else if (c->closing()) {
    c->CloseHandle();
  }
}

void Connection::Close(const char* reason) {
  if (state == State::kClosing) return;
  PADDOCK_LOG_DEBUG("connection closing id={} remote={}:{} session=0x{:x} reason=\"{}\"", id_,
                    remote_ip, remote_port, session_id, reason);
  state = State::kClosing;
  close_reason = reason;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  server_->OnConnectionClosing(*this);
  if (!writing_ && out_.empty()) CloseHandle();
}

void Connection::Abort(const char* reason) {
  Close(reason);
  out_.clear();
  if (!writing_) CloseHandle();
  // A write in flight completes (or is cancelled) first; OnWrite then closes the handle.
}

void Connection::CloseHandle() {
  if (handle_closed_) return;
  handle_closed_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), OnClosed);
}

void Connection::OnClosed(uv_handle_t* h) {
  auto* c = static_cast<Connection*>(h->data);
  c->server_->OnConnectionFreed(c->id_);
}

void Connection::RecordLatency(int64_t ms) {
  last_latency_ms = ms;
  if (latency_min_ms < 0 || ms < latency_min_ms) latency_min_ms = ms;
  if (ms > latency_max_ms) latency_max_ms = ms;
  latency_total_ms += ms;
  latency_count++;
}

void Connection::ResetStats() {
  packets_received = packets_sent = 0;
  latency_min_ms = -1;
  latency_max_ms = latency_total_ms = latency_count = 0;
  last_latency_ms = 0;
}

}  // namespace paddock::server
