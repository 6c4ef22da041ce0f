// One client connection: its protocol state and the per-session FIFO pipeline. How bytes move
// is the subclass's: TcpConnection (tcp_connection.h) on a real socket, the simulation's own in
// tests/sim.
//
// The server hands the connection every frame it reads, and keeps the requests it has not
// answered yet in `pipeline`, in the order received. Replies leave in that order: a write waits
// for its commit, a read runs only once everything before it has completed (design brief, "The
// life of a request"). Notifications and auth replies bypass the pipeline.
//
// Output is coalesced: frames are queued and leave at the end of the loop turn (FlushQueued).
// Close() stops reading, flushes what is queued, then closes. Threading: the loop thread only.
// Lifetime: owned by the Server; the subclass tells it when the connection can be freed.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "net/frame_reader.h"
#include "proto/records.h"
#include "server/latency_stats.h"

namespace paddock::server {

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

  Connection(int64_t id, int32_t frame_bytes_max)
      : frames({0, static_cast<uint32_t>(frame_bytes_max)}), id_(id) {}
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int64_t id() const { return id_; }
  // Whether the connection speaks TLS.
  virtual bool secure() const = 0;
  // Queues bytes (one or more complete frames) for sending; they leave when the server calls
  // FlushQueued, at the end of the loop iteration (or when a write in flight completes). A
  // connection whose unsent output passes max_unsent_bytes is aborted (it is not reading).
  virtual void Send(std::string_view frames) = 0;
  // Writes what Send queued.
  virtual void FlushQueued() = 0;
  // Stops reading and closes once queued output is flushed. Idempotent. The server's
  // OnConnectionClosing runs inside it.
  virtual void Close(const char* reason) = 0;
  // Closes at once, dropping unsent output.
  virtual void Abort(const char* reason) = 0;
  bool closing() const { return state == State::kClosing; }
  // Flow control (globalOutstandingLimit): stop and resume reading. Frames already buffered
  // stay in `frames` until the server processes them.
  virtual void PauseReading() = 0;
  virtual void ResumeReading() = 0;
  bool reading_paused() const { return reading_paused_; }
  void set_max_unsent_bytes(size_t n) { max_unsent_bytes_ = n; }
  virtual size_t unsent_bytes() const = 0;
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
  net::FrameReader frames;
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
  LatencyStats latency;
  void ResetStats();

 protected:
  int64_t id_;
  bool reading_paused_ = false;
  size_t max_unsent_bytes_ = SIZE_MAX;
  int64_t output_progress_mono_ms_ = 0;
};

}  // namespace paddock::server
