#include "server/tcp_connection.h"

#include "base/assert.h"
#include "base/log.h"
#include "server/server.h"

namespace paddock::server {

TcpConnection::TcpConnection(Server* server, int64_t id, int32_t frame_bytes_max)
    : Connection(id, frame_bytes_max), server_(server) {
  tcp_.data = this;
}

void TcpConnection::Start() {
  // TCP_NODELAY comes from the listening socket (Daemon::ListenOn): Linux copies it to every
  // socket accepted from it, which saves a system call per connection.
  sockaddr_storage addr{};
  int len = sizeof(addr);
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    char ip[INET6_ADDRSTRLEN] = {0};
    int port = 0;
    if (addr.ss_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&addr);
      uv_ip4_name(a, ip, sizeof(ip));
      port = ntohs(a->sin_port);
    } else {
      auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
      uv_ip6_name(a, ip, sizeof(ip));
      port = ntohs(a->sin6_port);
    }
    std::string text = ip;
    // An IPv4 client on a dual-stack socket: report it as IPv4, as ZooKeeper does.
    if (text.rfind("::ffff:", 0) == 0 && text.find('.') != std::string::npos) {
      text = text.substr(7);
    }
    set_remote(std::move(text), port);
  }
  uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), OnAlloc, OnRead);
}

void TcpConnection::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  // One buffer for every connection: the loop reads one socket at a time and its bytes are
  // consumed before the next read. Idle connections then cost no read buffer at all.
  auto* c = static_cast<TcpConnection*>(h->data);
  std::span<char> shared = c->server_->ReadBuffer();
  buf->base = shared.data();
  buf->len = shared.size();
}

void TcpConnection::OnRead(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
  auto* c = static_cast<TcpConnection*>(s->data);
  if (n == 0) return;
  if (n < 0) {
    c->AbortByPeer(n == UV_EOF ? "client closed" : uv_strerror(static_cast<int>(n)));
    return;
  }
  if (c->closing()) return;
  std::string_view bytes(buf->base, static_cast<size_t>(n));
  if (c->tls_ != nullptr) {
    if (!c->ReadTls(bytes)) return;
  } else {
    c->frames().Borrow(bytes);  // whole frames are decoded in place, in the shared buffer
  }
  c->server_->OnConnectionData(*c);
  c->frames().Keep();  // a partial frame (or frames left by throttling) outlives the buffer
}

void TcpConnection::Send(std::string_view frames_bytes) {
  // Nothing is queued after Close(): what was queued before it still goes out.
  if (handle_closed_ || closing()) return;
  if (unsent_bytes() == 0) output_progress_mono_ms_ = server_->clock().NowMonotonicMs();
  if (!AppendOutput(frames_bytes)) return;
  if (unsent_bytes() > max_unsent_bytes_) {
    PADDOCK_LOG_WARN("closing connection remote={}:{} session=0x{:x} unsent_bytes={} limit={} "
                     "reason=\"client is not reading its replies (paddock.maxUnsentBytes)\"",
                     remote_ip(), remote_port(), session_id(), unsent_bytes(), max_unsent_bytes_);
    server_->mutable_stats().slow_client_disconnects++;
    Abort("client not reading: unsent output over paddock.maxUnsentBytes");
    return;
  }
  // Output leaves at the end of the loop iteration (FlushQueued), all of this connection's in
  // one write: a batch of commits answers many requests of one client at once, and a write(2)
  // per reply made loopback TCP most of the server's time under load (issue 5). A write in
  // flight sends what is queued when it completes.
  if (!writing_ && !flush_scheduled_) {
    flush_scheduled_ = true;
    server_->ScheduleFlush(id_);
  }
}

int TcpConnection::TryWriteQueued() {
  if (handle_closed_ || writing_ || out_.empty()) return 0;
  uv_buf_t b = uv_buf_init(out_.data(), static_cast<unsigned>(out_.size()));
  int n = uv_try_write(reinterpret_cast<uv_stream_t*>(&tcp_), &b, 1);
  if (n == UV_EAGAIN) return 0;
  if (n < 0) return n;
  out_.erase(0, static_cast<size_t>(n));
  // Usually all of it went: an idle connection then keeps no output buffer.
  if (out_.empty()) std::string().swap(out_);
  return 0;
}

void TcpConnection::FlushQueued() {
  flush_scheduled_ = false;
  if (int rv = TryWriteQueued(); rv < 0) {
    out_.clear();
    AbortByPeer(uv_strerror(rv));
    return;
  }
  if (!writing_ && !out_.empty()) {
    Flush();  // the rest waits for the socket; OnWrite carries on from there
    return;
  }
  // All of it went at once: replies held back while output was backed up can be produced now
  // (what OnWrite does when a write completes).
  if (!closing()) server_->OnConnectionWritable(*this);
}

void TcpConnection::PauseReading() {
  if (reading_paused_ || closing()) return;
  reading_paused_ = true;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
}

void TcpConnection::ResumeReading() {
  if (!reading_paused_) return;
  reading_paused_ = false;
  if (closing()) return;
  uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), OnAlloc, OnRead);
}

void TcpConnection::Flush() {
  if (writing_ || out_.empty() || handle_closed_) return;
  inflight_.swap(out_);
  out_.clear();
  if (write_req_ == nullptr) {
    write_req_ = std::make_unique<uv_write_t>();
    write_req_->data = this;
  }
  uv_buf_t b = uv_buf_init(inflight_.data(), static_cast<unsigned>(inflight_.size()));
  int rv = uv_write(write_req_.get(), reinterpret_cast<uv_stream_t*>(&tcp_), &b, 1, OnWrite);
  if (rv != 0) {
    inflight_.clear();
    Abort(uv_strerror(rv));
    return;
  }
  writing_ = true;
}

void TcpConnection::OnWrite(uv_write_t* req, int status) {
  auto* c = static_cast<TcpConnection*>(req->data);
  c->writing_ = false;
  if (c->out_.empty()) {
    // Caught up: an idle connection keeps no output buffers and no write request.
    std::string().swap(c->inflight_);
    std::string().swap(c->out_);
    if (!c->closing()) c->write_req_.reset();
  } else {
    c->inflight_.clear();
  }
  if (status != 0) {
    c->AbortByPeer(uv_strerror(status));
    return;
  }
  c->output_progress_mono_ms_ = c->server_->clock().NowMonotonicMs();
  if (!c->out_.empty()) {
    c->Flush();
  } else if (c->closing()) {
    c->CloseHandle();
  }
  // Replies held back while output was backed up can be produced now.
  if (!c->closing()) c->server_->OnConnectionWritable(*c);
}

void TcpConnection::Close(const char* reason) {
  if (closing()) return;
  PADDOCK_LOG_DEBUG("connection closing id={} remote={}:{} session=0x{:x} reason=\"{}\"", id_,
                    remote_ip(), remote_port(), session_id(), reason);
  BeginClose(reason);
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  server_->OnConnectionClosing(*this);
  if (tls_ != nullptr && !handle_closed_) {
    std::string wire;
    tls_->Shutdown(&wire);  // close_notify, after whatever is queued
    out_.append(wire);
    if (!writing_) Flush();
  }
  if (!writing_ && !out_.empty()) {
    // Queued this turn: it still goes out, at once if the socket takes it, so that the close
    // follows the last reply without a loop turn in between. (Closing first matters: when the
    // client closes first, its side keeps the port in TIME_WAIT, and a client opening sessions
    // by the thousand then runs out of ports; the session benchmark fell from 12,700/s to
    // 3,000/s on its third run.)
    if (tls_ == nullptr && TryWriteQueued() < 0) out_.clear();
    if (!out_.empty()) Flush();
  }
  if (!writing_ && out_.empty()) CloseHandle();
}

void TcpConnection::Abort(const char* reason) {
  // Replies queued in this iteration were already due: they get one non-blocking try, as when
  // every reply was written at once; whatever the socket does not take is dropped.
  // (TLS output goes with the close_notify that Close queues.)
  if (tls_ == nullptr) {
    (void)TryWriteQueued();
    out_.clear();
  }
  Close(reason);
  out_.clear();
  if (!writing_) CloseHandle();
  // A write in flight completes (or is cancelled) first; OnWrite then closes the handle.
}

void TcpConnection::CloseHandle() {
  if (handle_closed_) return;
  handle_closed_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), OnClosed);
}

void TcpConnection::OnClosed(uv_handle_t* h) {
  auto* c = static_cast<TcpConnection*>(h->data);
  c->server_->OnConnectionFreed(c->id_);
}

void TcpConnection::EnableTls(SSL_CTX* ctx) {
  tls_ = std::make_unique<net::TlsChannel>(ctx, net::TlsChannel::Role::kServer);
}

// Returns false when the connection was closed: a failed handshake (an untrusted or missing
// client certificate, a plain-text client on the TLS port) or a corrupt record.
bool TcpConnection::ReadTls(std::string_view ciphertext) {
  std::string plaintext;
  std::string wire;
  bool was_done = tls_->handshake_done();
  Status s = tls_->Receive(ciphertext, &plaintext, &wire);
  if (!wire.empty()) {
    out_.append(wire);  // handshake messages, or the alert that explains a failure
    if (!writing_) Flush();
  }
  if (!s.ok()) {
    if (tls_->peer_closed()) {
      AbortByPeer("client closed");
      return false;
    }
    PADDOCK_LOG_WARN("tls connection closed remote={}:{} session=0x{:x} handshake_done={} "
                     "error=\"{}\"", remote_ip(), remote_port(), session_id(),
                     tls_->handshake_done(), s.message());
    // As ZooKeeper's NettyServerCnxnFactory, a failed handshake counts as an auth failure.
    if (!tls_->handshake_done()) server_->mutable_stats().auth_failed_count++;
    Close(tls_->handshake_done() ? "TLS error" : "TLS handshake failed");
    return false;
  }
  if (!was_done && tls_->handshake_done()) OnTlsHandshakeDone();
  frames().Append(plaintext);
  return true;
}

// ZooKeeper's X509AuthenticationProvider: a verified client certificate authenticates the
// connection as x509:<subject DN>, usable in ACLs like any other identity.
void TcpConnection::OnTlsHandshakeDone() {
  std::string subject = tls_->PeerSubject();
  if (!subject.empty()) AddIdentity({"x509", subject});
  PADDOCK_LOG_DEBUG("tls handshake done remote={}:{} tls=\"{}\" client_cert=\"{}\"", remote_ip(),
                    remote_port(), tls_->Describe(), subject);
}

bool TcpConnection::AppendOutput(std::string_view plaintext) {
  if (tls_ == nullptr) {
    out_.append(plaintext);
    return true;
  }
  std::string wire;
  Status s = tls_->Send(plaintext, &wire);
  out_.append(wire);
  if (!s.ok()) {
    PADDOCK_LOG_WARN("tls connection closed remote={}:{} session=0x{:x} error=\"{}\"", remote_ip(),
                     remote_port(), session_id(), s.message());
    Abort("TLS error");
    return false;
  }
  return true;
}

}  // namespace paddock::server
