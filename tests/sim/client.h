// SimClient: a ZooKeeper client with the session rules of the real ones, speaking the wire
// protocol to the simulated members (cluster.h), and recording every operation it makes.
//
// Session rules, as the Java client and kazoo follow them: a handshake with the session id,
// password and the last zxid seen; a ping after a third of the timeout idle; a connection given
// up after two thirds of the timeout without hearing from the server (or a connect not answered
// within the timeout divided by the members); on any loss, every request in flight has an
// unknown outcome and the client reconnects to another member (seeded choice) with its session;
// an answer of timeout 0 means the session expired: the client records it and starts a new one.
// Requests are pipelined (a few in flight) and answered in order.
//
// Workload: compare-and-set on /reg (read its version, then setData with it; half the reads
// leave a data watch on /reg), persistent
// sequential creates under /seq, creates of the client's own FIFO nodes /fifo/c<i>-<k> with an
// increasing k, and ephemerals /eph/c<i>-<k>. A client may also go silent (a paused process):
// it sends nothing and handles nothing until the silence ends.
//
// Watches (checked as replies arrive, ZooKeeper's guarantee): a watch left by a read on a
// connection fires once, and before any reply on that connection shows the change it announces
// (a later version of /reg). A watch belongs to its connection: the client does not send
// SetWatches, so a new connection starts with none.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "net/frame_reader.h"
#include "proto/jute.h"
#include "sim/cluster.h"

namespace paddock::sim {

struct OpRecord {
  enum class Kind { kSetup, kRead, kCas, kSeq, kFifo, kEphemeral };
  enum class Outcome { kPending, kOk, kFail, kUnknown };
  Kind kind = Kind::kRead;
  int client = 0;
  int64_t session_id = 0;
  std::string path;           // the node (for kSeq the prefix)
  std::string value;          // data written (kCas: a unique token)
  int32_t version = -1;       // kCas: the expected version; kRead: the version read
  bool watch = false;         // kRead: leaves a data watch
  int64_t fifo_k = -1;        // kFifo: the client's counter
  int64_t invoke_ms = 0;
  int64_t complete_ms = -1;
  Outcome outcome = Outcome::kPending;
  int32_t err = 0;
  std::string result_path;    // kSeq: the created name
  int32_t result_version = -1;  // kCas: the new version
};

struct History {
  std::vector<OpRecord> ops;
  std::vector<std::string> violations;
  int64_t sessions_expired = 0;
  int64_t reconnects = 0;
  int64_t watch_events = 0;
};

class SimClient final : public ClientEnd {
 public:
  SimClient(Cluster* cluster, int index, uint64_t seed, int32_t timeout_ms, History* history);

  // Called every step: timers (pings, silence, connect and read timeouts) and new requests.
  void Tick();
  // Stops sending and handling anything until `until_ms` (a paused client).
  void Silence(int64_t until_ms) { silent_until_ms_ = until_ms; }
  // For the checks' own test: each watch event is ignored (copies 0) or handled twice (2).
  void set_event_copies(int copies) { event_copies_ = copies; }
  // Directed scenarios: every later connection goes to `member` (-1: back to the seeded walk).
  void Prefer(int member) { preferred_ = member; }
  unsigned member() const { return member_; }
  // Stops issuing new requests (the end of a run); pings go on.
  void Quiesce() { quiesced_ = true; }
  bool Idle() const { return inflight_.empty(); }
  // Where the client is and what it waits for (for a run that does not settle).
  std::string Describe() const;
  int64_t session_id() const { return session_id_; }
  bool connected() const { return state_ == State::kConnected; }
  int64_t last_heard_ms() const { return last_heard_ms_; }

  void OnBytes(int64_t connection, std::string_view bytes) override;
  void OnClosed(int64_t connection) override;

 private:
  enum class State { kIdle, kConnecting, kConnected };
  struct Inflight {
    int32_t xid = 0;
    size_t op = 0;  // index in history_->ops; SIZE_MAX for a ping
  };
  void Connect();
  void Lost(const char* why);
  void HandleFrame(std::string_view payload);
  void HandleConnectResponse(std::string_view payload);
  void HandleReply(std::string_view payload);
  void Complete(const Inflight& f, int32_t err, std::string_view body);
  void IssueNext();
  void Submit(OpRecord op, int32_t type, const std::string& body);
  void SendFrame(const std::string& payload);
  void Ping();

  Cluster* cluster_;
  int index_;
  std::mt19937_64 rng_;
  int32_t timeout_ms_;
  History* history_;
  State state_ = State::kIdle;
  unsigned member_ = 0;
  int64_t connection_ = 0;
  int64_t session_id_ = 0;
  std::string passwd_;
  int64_t last_zxid_ = 0;
  int32_t next_xid_ = 1;
  std::deque<Inflight> inflight_;
  // A server's replies are at most jute.maxbuffer bytes, as ZooKeeper's.
  static constexpr net::FrameReader::Limits kReplyLimits{0, proto::kJuteMaxBufferDefault};
  net::FrameReader frames_{kReplyLimits};
  int64_t connect_started_ms_ = 0;
  int64_t last_heard_ms_ = 0;
  int64_t last_sent_ms_ = 0;
  int64_t next_connect_ms_ = 0;
  int64_t silent_until_ms_ = 0;
  bool quiesced_ = false;
  // A compare-and-set waits for its read: the version read, or -1.
  int32_t cas_version_ = -1;
  // The data watch on /reg this connection holds, and the version it was set at.
  bool watch_armed_ = false;
  int event_copies_ = 1;
  int preferred_ = -1;
  int32_t watch_version_ = -1;
  void SeenVersion(int32_t version, const char* how);
  void HandleHeld();
  void HandleEvent(std::string_view body);
  int64_t next_k_ = 0;
  int bootstrap_ = 0;             // client 0: parents asked for so far
  std::set<std::string> parents_;  // and those confirmed
  // What reached the client while it was silent, handled when the silence ends.
  struct Held {
    int64_t connection = 0;
    std::string bytes;
    bool close = false;
  };
  std::vector<Held> held_;
};

}  // namespace paddock::sim
