// Server: one member's wiring. It composes the parts that hold the rules — the state machine,
// the watch tables, the session driver, the role tracker and the outbox — with the client
// connections, the replicated log and the peer links it is given, and runs the request pipeline.
// It owns no socket, no timer and no thread: the process around it (Daemon, daemon.h, on libuv;
// the simulation in tests/sim) hands it connections and peer messages, starts the log with
// LogCallbacks(), and calls Tick() once per loop turn and no later than NextWakeMs().
//
// Writes become txns, batched per turn into one log entry; committed entries are applied in
// order, and the member that holds a request's connection sends its reply. Only the leader
// decides session expiry and proposes it as a txn. A new leader serves once a barrier has
// committed; a follower once a catch-up marker it forwarded has come back through the log; a
// member that knows no leader (or cannot reach it) for twice the election timeout stops
// serving and closes its clients' connections, so that they move (role_tracker.h).
//
// Threading: one loop thread does everything (design brief, "Threading"): no locks around
// state, a deterministic order. docs/design.md shows the parts and one write's path.
#pragma once

#include <array>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "consensus/replicated_log.h"
#include "server/admin/histogram.h"
#include "server/admin/session_book.h"
#include "server/config.h"
#include "server/connection.h"
#include "server/latency_stats.h"
#include "server/disk_guard.h"
#include "server/ensemble_messages.h"
#include "server/peer_links.h"
#include "server/outbox.h"
#include "server/role_tracker.h"
#include "server/session_driver.h"
#include "session/expiry_queue.h"
#include "statemachine/state_machine.h"
#include "watch/watch_manager.h"

namespace paddock::server {

// Server-wide counters for srvr/stat/mntr, the admin commands and /metrics.
struct ServerStats {
  struct OpStats {
    int64_t count = 0;
    int64_t errors = 0;  // replies with a non-zero error code
    admin::LatencyHistogramMs latency;
  };
  int64_t packets_received = 0;
  int64_t packets_sent = 0;
  LatencyStats latency;
  int64_t sessions_created = 0;
  int64_t sessions_closed = 0;
  int64_t sessions_expired = 0;
  int64_t start_wall_ms = 0;
  // Per opcode, since start (srst does not clear them: Prometheus counters only grow).
  std::map<int32_t, OpStats> ops;
  // Reply frame sizes (ZooKeeper's client_response stats); -1 until the first reply.
  int64_t response_bytes_last = -1;
  int64_t response_bytes_min = -1;
  int64_t response_bytes_max = -1;
  int64_t auth_failed_count = 0;
  // Limits that triggered (issue #6): connections paused by globalOutstandingLimit, clients
  // disconnected for not reading, replies refused for exceeding jute.maxbuffer.
  int64_t throttle_events = 0;
  int64_t outstanding_peak = 0;
  int64_t slow_client_disconnects = 0;
  int64_t oversized_replies = 0;
  // How the connections of sessions ended, indexed by admin::DisconnectBy.
  std::array<int64_t, 3> session_disconnects{};
  // The last snapshot this server took: zxid and wall time; -1 when none yet.
  int64_t snapshot_zxid_last = -1;
  int64_t snapshot_wall_ms_last = -1;
  // Admin requests answered on the loop, by command primary name ("metrics" for /metrics,
  // "unknown" for names that are not commands: the key set stays bounded).
  std::map<std::string, int64_t> admin_requests;

  // A reply left the pipeline: counts it under its opcode.
  void RecordReply(int32_t op, int64_t latency_ms, int32_t err, size_t frame_bytes);
  // What srst / stat_reset clear, as ZooKeeper's ServerStats.reset(): packet counts, latency
  // and reply sizes.
  void Reset();
};

// What the process around a Server provides besides the log and the peer links.
class ServerIo {
 public:
  virtual ~ServerIo() = default;
  // The admin endpoint's bound port, 0 when it is not serving.
  virtual int AdminPort() const = 0;
  // `bytes` unpredictable bytes: the ensemble's secret, made by its first leader.
  virtual std::string NewSecret(size_t bytes) = 0;
};

class Server {
 public:
  Server(Config config, const Clock* clock, ServerIo* io);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // What the log calls back with: committed entries, snapshots, restores.
  consensus::Callbacks LogCallbacks();
  // The log this member uses (the caller starts it with LogCallbacks() next), and how to read
  // the free space of its disk. REQUIRES: before the log starts.
  void Start(consensus::ReplicatedLog* log, std::function<int64_t()> disk_free_bytes);
  // In an ensemble: the links to the other members (before the first Tick).
  void SetPeers(PeerLinks* peers) { peers_ = peers; }
  // One turn of work, after the turn's I/O: roles, throttled connections, parked handshakes,
  // expiries and periodic jobs due at now, proposals, heartbeats, then every connection's output.
  void Tick();
  // When Tick must run next at the latest (monotonic ms); now when output is waiting.
  int64_t NextWakeMs() const;
  // Stops: every connection is aborted and no more work is done. The caller stops the log and
  // the peer links afterwards.
  void Shutdown();
  bool stopping() const { return stopping_; }

  // A connection the process accepted. Returns it (owned by the server until it is freed).
  Connection* AddConnection(std::unique_ptr<Connection> c);
  // maxClientCnxns: false if the connection's address has too many already (then abort it).
  bool AdmitConnection(Connection& c);
  // Called by connections.
  void OnConnectionData(Connection& c);
  void OnConnectionClosing(Connection& c);
  void OnConnectionFreed(int64_t id);
  // A write to the connection completed: replies held back by its unsent output may go.
  void OnConnectionWritable(Connection& c);
  // The connection has output queued: FlushOutput writes it at the end of this turn.
  void ScheduleFlush(int64_t connection_id);
  // The buffer every connection reads into (loop thread; its contents are consumed at once).
  std::span<char> ReadBuffer() { return read_buffer_; }
  // The peer channel.
  void OnPeerMessage(int from, PeerLinks::Type type, std::string_view body);
  void OnPeerLink(int peer, bool up);

  // For four-letter words.
  const Config& config() const { return config_; }
  const statemachine::StateMachine& state() const { return sm_; }
  const watch::WatchManager& watches() const { return watches_; }
  const session::ExpiryQueue& liveness() const { return session_driver_.liveness(); }
  const SessionDriver& sessions() const { return session_driver_; }
  bool leader_ready() const { return roles_.leader_ready(); }
  // One line on the member's inner state (outbox, waiting requests, pipelines, peers), for
  // the simulation's failure reports and debugging.
  std::string DebugState() const;
  const ServerStats& stats() const { return stats_; }
  // Null until Start.
  const DiskGuard* disk_guard() const { return disk_guard_.get(); }
  ServerStats& mutable_stats() { return stats_; }
  // ZooKeeper's trace mask (gtmk, stmk): kept and reported, it changes no logging.
  int64_t trace_mask() const { return trace_mask_; }
  void set_trace_mask(int64_t mask) { trace_mask_ = mask; }
  const std::unordered_map<int64_t, std::unique_ptr<Connection>>& connections() const {
    return connections_;
  }
  size_t OutstandingRequests() const;
  bool serving() const { return roles_.serving(); }
  // "standalone", "leader" or "follower" (srvr, mntr); meaningful while serving.
  const char* ModeName() const { return roles_.ModeName(); }
  struct FollowerCounts {
    int followers = 0;  // members whose heartbeats arrive, following this leader
    int synced = 0;     // of them, those serving clients
  };
  FollowerCounts Followers() const;
  uint64_t KnownLeader() const { return roles_.known_leader(); }
  const Clock& clock() const { return *clock_; }
  // For the admin endpoint (loop thread).
  admin::SessionBook& session_book() { return session_book_; }
  const std::unordered_map<int64_t, int64_t>& session_connections() const {
    return session_connections_;
  }
  consensus::LogStats LogStats() const;
  // The admin endpoint's bound port, 0 when it is not serving.
  int AdminPort() const { return io_->AdminPort(); }

 private:
  // Start-up, periodic work, shutdown.
  void StartServing();
  void StopServing(const char* why);
  void OnRestored(size_t bytes, int64_t took_ms);
  void RunPeriodicJobs(int64_t now);
  void FlushOutput();
  void ScanConnections();

  // Requests (requests.cc).
  void HandleHandshake(Connection& c, std::string_view payload);
  void ParkHandshake(Connection& c, proto::ConnectRequest req);
  void ResumeParkedHandshakes();
  void RefuseClientAhead(Connection& c, int64_t seen_zxid);
  void ContinueHandshake(Connection& c, const proto::ConnectRequest& req);
  void ProposeSessionTxn(Connection& c, statemachine::TxnKind kind, int64_t session_id,
                         int32_t timeout_ms);
  bool ValidReattach(const proto::ConnectRequest& req) const;
  void HandleReattach(Connection& c, const proto::ConnectRequest& req, int32_t timeout_ms);
  void RefuseReattach(Connection& c);
  void SendConnectResponse(Connection& c, bool valid, int64_t session_id, int32_t timeout_ms,
                           const std::string& passwd);
  void HandleRequest(Connection& c, std::string_view payload);
  void HandleAuth(Connection& c, std::string_view body);
  bool ShouldThrottle(const Connection& c) const;
  void Throttle(Connection& c);
  void ResumeThrottled();
  size_t DrainPauseBytes() const;
  void Enqueue(Connection& c, PendingRequest p);
  void ProposeWrite(Connection& c, PendingRequest& p, statemachine::TxnKind kind);
  void Drain(Connection& c);
  void ExecuteAtHead(Connection& c, PendingRequest& p);
  void ExecuteLocal(Connection& c, PendingRequest& p, proto::ReplyHeader* h, std::string* body);
  void SetWatchesAtHead(Connection& c, std::string_view body, bool v2, proto::ReplyHeader* h);
  void SendNotification(Connection& c, proto::EventType type, const std::string& path);
  void FinishReply(Connection& c, PendingRequest& p, const proto::ReplyHeader& h,
                   const std::string& body);

  // Log and apply (apply.cc).
  void Propose(statemachine::Txn txn);
  void FlushProposals();
  void ProposeEntry(Outbox::Entry entry);
  void HandleFailures(const Failures& f, const char* why);
  void NudgeCommit();
  void ApplyEntry(std::string_view entry);
  void HandleTxnResult(const statemachine::Txn& txn, statemachine::TxnResult& r);
  void OnSessionCreated(const statemachine::Txn& txn, const statemachine::TxnResult& r);
  void OnSessionAttached(const statemachine::Txn& txn, const statemachine::TxnResult& r);
  Connection* TakeWaitingConnection(const statemachine::Txn& txn);
  void OpenSession(Connection& c, int64_t session_id, int64_t attach_zxid, int32_t timeout_ms,
                   const std::string& passwd);
  void OnSessionClosed(const statemachine::Txn& txn, const statemachine::TxnResult& r);
  void CompleteWrite(const statemachine::Txn& txn, const statemachine::TxnResult& r);

  // The ensemble: roles, the peer channel, forwarding, touches (ensemble.cc).
  void UpdateRole();
  bool LeaderLinkUp(uint64_t leader, int64_t now) const;
  void OnLeaderReady();
  void LeadershipLost();
  void SendLiveness(int peer);
  int32_t HeardAgeMs(int peer, int64_t now) const;
  Heartbeat OwnState() const;
  void OnLeaderChanged(uint64_t from, uint64_t to);
  void RequestCatchUp();
  void ForwardBatch();
  void FailForwarded(uint64_t leader);
  void FailOrigin(int64_t seq, const char* why);
  void OnForwarded(int from, std::string_view body);
  void OnHeartbeat(int from, std::string_view body);
  void SendHeartbeats();
  void TouchWaitingSessions();

  // Sessions.
  void TouchSession(int64_t session_id);
  void NoteDisconnect(const Connection& c);
  void ExpireDueSessions();
  void RunCleaner();

  Config config_;
  const Clock* clock_;
  ServerIo* io_;
  // Connections with output queued in this turn (FlushOutput writes it).
  std::vector<int64_t> flush_ids_;
  std::unordered_map<std::string, int32_t> connections_per_ip_;
  bool stopping_ = false;
  // Periodic jobs (Tick): heartbeats and the role check every tick/2 (ensemble), the scan for
  // stalled connections and the container cleaner while serving.
  int64_t next_heartbeat_ms_ = 0;
  int64_t next_scan_ms_ = 0;
  int64_t next_cleaner_ms_ = 0;
  // The ensemble (ensemble.cc). Standalone, this member is its only voter and always leads.
  PeerLinks* peers_ = nullptr;
  bool heartbeat_urgent_ = false;
  struct PeerState {
    Heartbeat::Role role = Heartbeat::Role::kNone;
    bool serving = false;
    int64_t heard_ms = 0;          // when its last heartbeat arrived (our clock)
    int32_t heard_us_age_ms = -1;  // how long before sending it it had heard ours; -1: never
  };
  std::map<int, PeerState> peer_states_;

  statemachine::StateMachine sm_;
  watch::WatchManager watches_;
  SessionDriver session_driver_;
  consensus::ReplicatedLog* log_ = nullptr;
  std::unique_ptr<DiskGuard> disk_guard_;  // refuses writes while the log's disk is full

  std::unordered_map<int64_t, std::unique_ptr<Connection>> connections_;
  std::vector<char> read_buffer_ = std::vector<char>(65536);
  int64_t outstanding_ = 0;       // requests in every pipeline (globalOutstandingLimit)
  std::set<int64_t> throttled_;   // connections not read because of it
  bool throttling_ = false;
  int64_t next_connection_id_ = 1;
  std::unordered_map<int64_t, int64_t> session_connections_;  // session id -> connection id
  std::unordered_map<int64_t, int64_t> waiting_;              // origin seq -> connection id
  // Handshakes of clients that have seen a later zxid than ours wait for us to catch up.
  struct ParkedHandshake {
    proto::ConnectRequest req;
    int64_t since_ms = 0;
    bool valid_session = false;  // a reattach with the right password: its client is alive
  };
  std::unordered_map<int64_t, ParkedHandshake> parked_;       // connection id -> handshake
  // Request numbers of txns this member originates. They start from the wall clock, so that a
  // txn of an earlier run of this member, committed late, never matches a request of this one.
  int64_t next_seq_ = 1;
  Outbox outbox_;
  RoleTracker roles_;
  std::set<std::string> cleanup_pending_;
  ServerStats stats_;
  // ZooTrace's default: client requests, server packets, sessions and warnings.
  int64_t trace_mask_ = 306;
  admin::SessionBook session_book_;
};

}  // namespace paddock::server
