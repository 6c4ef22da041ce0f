// One client connection: its protocol state and the per-session FIFO pipeline. How bytes move
// is the subclass's: TcpConnection (tcp_connection.h) on a real socket, the simulation's own in
// tests/sim.
//
// The server hands the connection every frame it reads, and keeps the requests it has not
// answered yet in its pipeline, in the order received. Replies leave in that order: a write waits
// for its commit, a read runs only once everything before it has completed (design brief, "The
// life of a request"). Notifications and auth replies bypass the pipeline.
//
// Its state changes only through the operations below, each keeping what belongs together
// consistent: Attach gives the session, its attachment and a fresh write count at once; the
// pipeline changes by Enqueue and PopHead; statistics by their Record* calls.
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
      : id_(id), frames_({0, static_cast<uint32_t>(frame_bytes_max)}) {}
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
  // OnConnectionClosing runs inside it, after BeginClose.
  virtual void Close(const char* reason) = 0;
  // Closes at once, dropping unsent output.
  virtual void Abort(const char* reason) = 0;
  bool closing() const { return state_ == State::kClosing; }
  // Flow control (globalOutstandingLimit): stop and resume reading. Frames already buffered
  // stay in frames() until the server processes them.
  virtual void PauseReading() = 0;
  virtual void ResumeReading() = 0;
  bool reading_paused() const { return reading_paused_; }
  void set_max_unsent_bytes(size_t n) { max_unsent_bytes_ = n; }
  virtual size_t unsent_bytes() const = 0;
  // When output last made progress: queued into an empty buffer, or a write completed. A
  // connection with unsent output and no progress for a session timeout is not reading.
  int64_t output_progress_mono_ms() const { return output_progress_mono_ms_; }
  // The peer ended the connection (end of stream, a socket error): closes at once, as Abort,
  // and the close counts as the peer's doing unless this server was closing it already.
  void AbortByPeer(const char* reason);

  // The bytes read and not yet handled: the subclass puts them in, the server takes frames out.
  net::FrameReader& frames() { return frames_; }

  // The handshake, as the server drives it:
  //
  //   kHandshake --Park--> kConnecting --Unpark--> kHandshake      (this member catches up)
  //   kHandshake --AwaitSessionTxn--> kConnecting --Attach--> kOpen
  //   any --Close/Abort--> kClosing
  //
  // While kConnecting nothing more is read. The session txn is createSession or attachSession.
  State state() const { return state_; }
  // The ConnectRequest arrived: the session timeout negotiated for it, and whether the client
  // is an old one (no readOnly byte, in its request and in our answer). REQUIRES: kHandshake.
  void BeginHandshake(int32_t timeout_ms, bool old_client);
  // The handshake waits until this member has applied what the client has seen.
  // REQUIRES: kHandshake.
  void Park();
  // REQUIRES: parked (kConnecting, no session txn awaited).
  void Unpark();
  // The handshake waits for its session txn, proposed as origin_seq `seq`. REQUIRES: kHandshake.
  void AwaitSessionTxn(int64_t seq);
  // The awaited session txn was applied (whether or not it gave a session).
  void SessionTxnApplied() { connect_seq_ = 0; }
  // The session txn gave this connection the session: attached by the txn at `attach_zxid`,
  // with no write proposed under the attachment yet (statemachine/txn.h). The connection is
  // open. REQUIRES: kConnecting, the session txn applied.
  void Attach(int64_t session_id, int64_t attach_zxid);
  // The cseq of the next write proposed under this attachment: 1, 2, ... REQUIRES: attached.
  int64_t NextWriteSeq();

  int32_t timeout_ms() const { return timeout_ms_; }
  bool old_client() const { return old_client_; }
  int64_t session_id() const { return session_id_; }
  int64_t attach_zxid() const { return attach_zxid_; }
  // The session txn this connection waits for (0: none).
  int64_t connect_seq() const { return connect_seq_; }

  // Who the client is, for ACL checks and whoAmI: each identity once, as ZooKeeper's authInfo
  // set holds them (a second add of the same one does nothing).
  void AddIdentity(proto::Id id);
  const std::vector<proto::Id>& identities() const { return identities_; }

  const std::string& remote_ip() const { return remote_ip_; }
  int remote_port() const { return remote_port_; }
  // Counted against maxClientCnxns for its IP address (uncounted when it is freed).
  void MarkCountedPerIp() { counted_per_ip_ = true; }
  bool counted_per_ip() const { return counted_per_ip_; }
  // Why the connection closed (a string literal or uv_strerror's: static either way), and
  // whether the peer ended it: end of stream or a socket error rather than a decision of this
  // server. For the admin sessions page.
  const char* close_reason() const { return close_reason_; }
  bool closed_by_peer() const { return closed_by_peer_; }

  // The requests not answered yet, in the order received (see the top of this file).
  const std::list<PendingRequest>& pipeline() const { return pipeline_; }
  PendingRequest& Enqueue(PendingRequest p);
  // REQUIRES: the pipeline is not empty.
  PendingRequest& Head();
  void PopHead();
  // The write waiting for the txn proposed as origin_seq `seq`, or nullptr.
  PendingRequest* FindWrite(int64_t seq);

  // Statistics for cons / stat / the admin endpoint.
  // The server took the connection in, at these times (the handshake timeout runs from
  // `mono_ms`).
  void MarkAccepted(int64_t wall_ms, int64_t mono_ms);
  // A frame was read; a frame other than a request's reply was sent (those: RecordReply).
  void RecordReceived() { packets_received_++; }
  void RecordSent() { packets_sent_++; }
  // A request arrived (its opcode and xid).
  void RecordRequest(int32_t op, int32_t xid);
  // A request's reply is ready: the zxid it carries, how long the request took.
  void RecordReply(int64_t zxid, int64_t latency_ms, int64_t now_wall_ms);
  void ResetStats();
  int32_t last_op() const { return last_op_; }
  int32_t last_cxid() const { return last_cxid_; }
  int64_t packets_received() const { return packets_received_; }
  int64_t packets_sent() const { return packets_sent_; }
  int64_t established_wall_ms() const { return established_wall_ms_; }
  int64_t accepted_mono_ms() const { return accepted_mono_ms_; }
  int64_t last_zxid() const { return last_zxid_; }
  int64_t last_response_wall_ms() const { return last_response_wall_ms_; }
  const LatencyStats& latency() const { return latency_; }

 protected:
  // For the subclass: where the client is (log lines, maxClientCnxns, the "ip" identity).
  void set_remote(std::string ip, int port);
  // For the subclass's Close: the connection is closing, for `reason`. REQUIRES: !closing().
  void BeginClose(const char* reason);

  int64_t id_;
  size_t max_unsent_bytes_ = SIZE_MAX;
  int64_t output_progress_mono_ms_ = 0;

 private:
  // Small fields together: an idle connection's size matters (reading_paused_, the
  // subclass's, fills the last byte of these sixteen).
  State state_ = State::kHandshake;
  int32_t timeout_ms_ = 0;
  int remote_port_ = 0;
  bool old_client_ = false;
  bool closed_by_peer_ = false;
  bool counted_per_ip_ = false;

 protected:
  bool reading_paused_ = false;

 private:
  int32_t last_op_ = 0;
  int32_t last_cxid_ = 0;
  int64_t session_id_ = 0;
  int64_t connect_seq_ = 0;
  int64_t attach_zxid_ = 0;
  int64_t writes_proposed_ = 0;  // under the current attachment
  std::vector<proto::Id> identities_;
  std::string remote_ip_;
  // A list, not a deque: libstdc++'s deque allocates about 600 bytes even when empty, and most
  // connections are idle.
  std::list<PendingRequest> pipeline_;
  net::FrameReader frames_;
  const char* close_reason_ = "";

  int64_t packets_received_ = 0;
  int64_t packets_sent_ = 0;
  int64_t established_wall_ms_ = 0;
  int64_t accepted_mono_ms_ = 0;
  int64_t last_zxid_ = 0;
  int64_t last_response_wall_ms_ = 0;
  LatencyStats latency_;
};

}  // namespace paddock::server
