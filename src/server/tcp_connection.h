// TcpConnection: a client connection on a libuv TCP socket, optionally speaking TLS.
//
// Reads go through one buffer shared by every connection (the loop reads one socket at a time);
// output is coalesced and written once per loop turn. Threading: the loop thread only.
// Lifetime: owned by the Server, freed once libuv has closed the handle (OnConnectionFreed).
#pragma once

#include <uv.h>

#include <memory>
#include <string>
#include <string_view>

#include "net/tls_channel.h"
#include "server/connection.h"

namespace paddock::server {

class Server;

class TcpConnection final : public Connection {
 public:
  TcpConnection(Server* server, int64_t id, int32_t frame_bytes_max);

  uv_tcp_t* handle() { return &tcp_; }
  // Starts reading; REQUIRES: the handle has been accepted.
  void Start();
  // Speaks TLS on this connection (an accept on secureClientPort). REQUIRES: before Start();
  // ctx outlives the connection. Bytes read are decrypted before framing and bytes sent are
  // encrypted; a TLS failure closes this connection only, with a log line.
  void EnableTls(SSL_CTX* ctx);

  bool secure() const override { return tls_ != nullptr; }
  void Send(std::string_view frames) override;
  // As much as the socket takes at once, the rest through libuv.
  void FlushQueued() override;
  void Close(const char* reason) override;
  void Abort(const char* reason) override;
  void PauseReading() override;
  void ResumeReading() override;
  size_t unsent_bytes() const override { return out_.size() + inflight_.size(); }

 private:
  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t n, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClosed(uv_handle_t* h);
  void Flush();
  // One non-blocking write of out_; a negative libuv error if the socket failed.
  int TryWriteQueued();
  void CloseHandle();
  // TLS (tls_ set): decrypt what was read into `frames`; encrypt what is sent into out_.
  bool ReadTls(std::string_view ciphertext);
  bool AppendOutput(std::string_view plaintext);
  void OnTlsHandshakeDone();

  Server* server_;
  uv_tcp_t tcp_{};
  bool writing_ = false;
  bool handle_closed_ = false;
  bool flush_scheduled_ = false;  // the server will call FlushQueued
  std::unique_ptr<uv_write_t> write_req_;  // while writing (kept once closing)
  std::string out_;       // queued, not yet handed to libuv
  std::string inflight_;  // being written
  std::unique_ptr<net::TlsChannel> tls_;
};

}  // namespace paddock::server
