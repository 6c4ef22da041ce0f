// One client TCP connection: socket I/O, framing, and the per-session FIFO pipeline.
//
// The connection reads frames, hands them to the Server, and keeps the requests it has not
// answered yet in `pipeline`, in the order received. Replies leave in that order: a write waits
// for its commit, a read runs only once everything before it has completed (design brief, "The
// life of a request"). Notifications and auth replies bypass the pipeline.
//
// Output is coalesced: frames are appended to a buffer and written with one uv_write when the
// previous write completes. Close() stops reading, flushes what is queued, then closes.
// Threading: loop thread only. Lifetime: owned by the Server; freed in the uv_close callback.
#pragma once

#include <uv.h>

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "net/tls_channel.h"
#include "proto/frame.h"
#include "proto/records.h"

namespace paddock::server {

class Server;

struct PendingRequest {
  enum class Kind { kRead, kWrite, kLocal };
  Kind kind = Kind::kLocal;
  int32_t xid = 0;
  int32_t op = 0;
  int64_t seq = 0;  // for writes: the txn's origin_seq
  bool done = false;
  bool close_after = false;
  std::string body;   // request record (reads and local ops run at the head)
  std::string reply;  // frames to send when this request reaches the head
  int64_t received_ms = 0;
};

class Connection {
 public:
  enum class State { kHandshake, kConnecting, kOpen, kClosing };

  Connection(Server* server, int64_t id, int32_t frame_bytes_max);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uv_tcp_t* handle() { return &tcp_; }
  int64_t id() const { return id_; }
  // Starts reading; REQUIRES: the handle has been accepted.
  void Start();
  // Speaks TLS on this connection (an accept on secureClientPort). REQUIRES: before Start();
  // ctx outlives the connection. Bytes read are decrypted before framing and bytes sent are
  // encrypted; a TLS failure closes this connection only, with a log line.
  void EnableTls(SSL_CTX* ctx);
  bool secure() const { return tls_ != nullptr; }
  // Queues bytes (one or more complete frames) for sending; they leave when the server calls
  // FlushQueued, at the end of the loop iteration (or when a write in flight completes).
  void Send(std::string_view frames);
  // Writes what Send queued: as much as the socket takes at once, the rest through libuv.
  void FlushQueued();
  // Stops reading and closes once queued output is flushed. Idempotent.
  void Close(const char* reason);
  // Closes at once, dropping unsent output.
  void Abort(const char* reason);
  bool closing() const { return state == State::kClosing; }
  // Flow control (globalOutstandingLimit): stop and resume reading from the socket. Frames
  // already buffered stay in `frames` until the server processes them.
  void PauseReading();
  void ResumeReading();
  bool reading_paused() const { return reading_paused_; }
  // A client whose unsent output grows past this is disconnected (it is not reading).
  void set_max_unsent_bytes(size_t n) { max_unsent_bytes_ = n; }
  size_t unsent_bytes() const { return out_.size() + inflight_.size(); }
  // When output last made progress: queued into an empty buffer, or a write completed. A
  // connection with unsent output and no progress for a session timeout is not reading.
  int64_t output_progress_mono_ms() const { return output_progress_mono_ms_; }

  // Set by the server. (Small fields together: an idle connection's size matters.)
  State state = State::kHandshake;
  int32_t timeout_ms = 0;
  int remote_port = 0;
  bool old_client = false;      // no readOnly byte in the handshake
  bool closed_by_peer = false;  // see close_reason
  bool counted_per_ip = false;  // counted against maxClientCnxns
  int32_t last_op = 0;
  int32_t last_cxid = 0;
  int64_t session_id = 0;
  int64_t connect_seq = 0;  // createSession or attachSession txn this connection waits for
  // The session attachment this connection holds (the zxid of the txn that gave it the
  // session), and how many writes it has proposed under it (statemachine/txn.h).
  int64_t attach_zxid = 0;
  int64_t writes_proposed = 0;
  std::vector<proto::Id> identities;
  std::string remote_ip;
  // A list, not a deque: libstdc++'s deque allocates about 600 bytes even when empty, and most
  // connections are idle.
  std::list<PendingRequest> pipeline;
  proto::FrameReader frames;
  // Why the connection closed (set by Close), and whether the peer ended it: end of stream or a
  // socket error rather than a decision of this server. For the admin sessions page.
  const char* close_reason = "";  // a string literal or uv_strerror's (static either way)

  // Statistics for cons / stat.
  int64_t packets_received = 0;
  int64_t packets_sent = 0;
  int64_t established_wall_ms = 0;
  int64_t accepted_mono_ms = 0;  // for the handshake timeout
  int64_t last_zxid = 0;
  int64_t last_response_wall_ms = 0;
  int64_t last_latency_ms = 0;
  int64_t latency_min_ms = -1;
  int64_t latency_max_ms = 0;
  int64_t latency_total_ms = 0;
  int64_t latency_count = 0;
  void RecordLatency(int64_t ms);
  void ResetStats();

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
  int64_t id_;
  uv_tcp_t tcp_{};
  bool writing_ = false;
  bool handle_closed_ = false;
  bool reading_paused_ = false;
  bool flush_scheduled_ = false;  // the server will call FlushQueued
  std::unique_ptr<uv_write_t> write_req_;  // while writing (kept once closing)
  std::string out_;       // queued, not yet handed to libuv
  std::string inflight_;  // being written
  size_t max_unsent_bytes_ = SIZE_MAX;
  int64_t output_progress_mono_ms_ = 0;
  std::unique_ptr<net::TlsChannel> tls_;
};

}  // namespace paddock::server
