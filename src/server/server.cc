#include "server/server.h"

#include <openssl/rand.h>

#include <algorithm>

#include <csignal>

#include "base/assert.h"
#include "base/log.h"
#include "consensus/libraft_log.h"
#include "server/admin/endpoint.h"
#include "server/admin/router.h"
#include "server/tls.h"
#include "session/password.h"

namespace paddock::server {

namespace {
constexpr size_t kExpiriesPerTurnMax = 1000;
// How stale the disk guard's free-space reading may be.
constexpr int64_t kDiskCheckMs = 100;
}

Server::Server(Config config, const Clock* clock)
    : config_(std::move(config)),
      clock_(clock),
      sm_(statemachine::Options{config_.extended_types_enabled, config_.container_never_used_ms}),
      session_driver_(SessionDriver::Options{config_.IsEnsemble(), config_.ElectionTimeoutMs(),
                                             config_.tick_ms / 2 + 1, kExpiriesPerTurnMax}) {
  PADDOCK_ASSERT(uv_loop_init(&loop_) == 0);
  stats_.start_wall_ms = clock_->NowWallMs();
  next_seq_ = std::max<int64_t>(1, stats_.start_wall_ms) * 1000;
}

Server::~Server() { uv_loop_close(&loop_); }

// The log's settings: the data directory, Raft timing and, in an ensemble, every voter.
consensus::LibraftOptions Server::LogOptions() const {
  consensus::LibraftOptions lo;
  lo.dir = config_.RaftDir();
  lo.id = static_cast<uint64_t>(config_.server_id);
  lo.snapshot_threshold = config_.SnapshotThreshold();
  lo.snapshot_trailing = config_.snapshot_trailing;
  lo.election_timeout_ms = static_cast<unsigned>(config_.ElectionTimeoutMs());
  // An ensemble's leader heartbeats every tenth of the election timeout. Standalone, libraft's
  // tick only decides how soon the single voter elects itself at start-up.
  lo.heartbeat_timeout_ms = config_.IsEnsemble() ? std::max(10u, lo.election_timeout_ms / 10)
                                                 : std::min(50u, lo.election_timeout_ms / 10);
  if (config_.IsEnsemble()) {
    lo.address = config_.servers.at(config_.server_id).RaftAddress();
    for (const auto& [id, entry] : config_.servers) {
      lo.voters.emplace_back(static_cast<uint64_t>(id), entry.RaftAddress());
    }
    lo.peer_key = config_.peer_key;
  }
  return lo;
}

// The loop's own handles (Shutdown closes them): the per-turn check, timers, idles, signals.
void Server::InitLoopHandles() {
  uv_check_init(&loop_, &check_);
  check_.data = this;
  uv_check_start(&check_, OnCheck);
  uv_timer_init(&loop_, &expiry_timer_);
  expiry_timer_.data = this;
  uv_idle_init(&loop_, &expiry_idle_);
  expiry_idle_.data = this;
  uv_idle_init(&loop_, &flush_idle_);
  flush_idle_.data = this;
  uv_timer_init(&loop_, &cleaner_timer_);
  cleaner_timer_.data = this;
  uv_timer_init(&loop_, &handshake_timer_);
  handshake_timer_.data = this;
  uv_signal_init(&loop_, &sigint_);
  sigint_.data = this;
  uv_signal_start(&sigint_, OnSignal, SIGINT);
  uv_signal_init(&loop_, &sigterm_);
  sigterm_.data = this;
  uv_signal_start(&sigterm_, OnSignal, SIGTERM);
  uv_async_init(&loop_, &stop_async_, [](uv_async_t* a) { static_cast<Server*>(a->data)->Shutdown(); });
  stop_async_.data = this;
}

Status Server::Run() {
  // A peer that closes its socket must cost a write error (EPIPE), not the process. cpp-httplib
  // ignores SIGPIPE when the admin endpoint starts; doing it here makes that independent of
  // admin.enableServer.
  std::signal(SIGPIPE, SIG_IGN);
  // TLS files are read before anything else, so that a bad ssl.* key stops start-up at once.
  if (config_.secure_client_port >= 0) {
    Result<net::SslCtxPtr> tls = NewServerTlsContext(config_);
    if (!tls.ok()) return tls.status();
    tls_ctx_ = std::move(*tls);
  }
  consensus::LibraftOptions lo = LogOptions();
  log_ = std::make_unique<consensus::LibraftLog>(&loop_, lo);
  disk_guard_ = std::make_unique<DiskGuard>(
      lo.dir, config_.disk_reserve_bytes, kDiskCheckMs,
      [dir = lo.dir] { return DiskGuard::StatvfsFreeBytes(dir); });

  InitLoopHandles();

  consensus::Callbacks cb;
  cb.apply = [this](std::string_view entry) { ApplyEntry(entry); };
  cb.snapshot_started = [this]() {
    stats_.snapshot_zxid_last = sm_.last_zxid();
    stats_.snapshot_wall_ms_last = clock_->NowWallMs();
  };
  // Runs in a forked child (consensus/libraft_log.h): reads the state, nothing else.
  cb.snapshot = [this]() { return sm_.Snapshot(); };
  cb.restore = [this](std::string_view snap) {
    int64_t start = clock_->NowMonotonicMs();
    Status s = sm_.Restore(snap);
    if (s.ok()) OnRestored(snap.size(), clock_->NowMonotonicMs() - start);
    return s;
  };
  Status s = log_->Start(std::move(cb));
  if (!s.ok()) {
    Shutdown();
    uv_run(&loop_, UV_RUN_DEFAULT);
    return s;
  }
  PADDOCK_LOG_INFO("log opened dir={} server_id={} members={}", lo.dir, config_.server_id,
                   std::max<size_t>(1, config_.servers.size()));
  // The client port listens from the start, so that four-letter words can tell an operator
  // that this member does not serve yet; client handshakes are refused until it does.
  if (s = Listen(); s.ok() && config_.IsEnsemble()) s = StartPeers();
  if (!s.ok()) {
    Shutdown();
    uv_run(&loop_, UV_RUN_DEFAULT);
    return s;
  }
  StartAdmin();
  uv_run(&loop_, UV_RUN_DEFAULT);
  return Status::Ok();
}

// The admin endpoint starts before this member serves, so that an operator can look at a server
// that waits for its log; commands that need state answer "not currently serving" meanwhile.
// A port that cannot be bound is a warning, not a failure, as in ZooKeeper.
void Server::StartAdmin() {
  if (!config_.admin_enable_server) {
    PADDOCK_LOG_INFO("admin server disabled");
    return;
  }
  admin_ = std::make_unique<admin::AdminEndpoint>(
      &loop_, [this](const admin::AdminRequest& r) { return admin::Route(*this, r); },
      [this](const admin::AdminRequest& r, admin::AdminReply* out) {
        return admin::RouteStatic(config_.admin_command_url, r, out);
      });
  Status s = admin_->Start(config_.admin_server_address, config_.admin_server_port);
  if (!s.ok()) {
    PADDOCK_LOG_WARN("admin server not started address={} port={} error=\"{}\"",
                     config_.admin_server_address, config_.admin_server_port, s.message());
    return;
  }
  PADDOCK_LOG_INFO("admin server started address={} port={} commands={}",
                   config_.admin_server_address, admin_->port(), config_.admin_command_url);
}

int Server::AdminPort() const { return admin_ ? admin_->port() : 0; }

consensus::LogStats Server::LogStats() const {
  return log_ ? log_->Stats() : consensus::LogStats{};
}

// The state was replaced by a snapshot (a member far behind, sent one by the leader): clients
// whose watches and reads were based on the old state reconnect, and deadlines follow the new
// session table. (No libraft call here: this runs inside its callback.)
void Server::OnRestored(size_t bytes, int64_t took_ms) {
  PADDOCK_LOG_INFO("state restored from a snapshot zxid=0x{:x} sessions={} nodes={} bytes={} "
                   "restore_ms={}", sm_.last_zxid(), sm_.sessions().size(),
                   sm_.tree().NodeCount(), bytes, took_ms);
  if (serving_) StopServing("state replaced by a snapshot from the leader");
  if (catchup_seq_ != 0) {
    // Our catch-up marker may be inside the snapshot, never to be applied on its own: ask again.
    waiting_.erase(catchup_seq_);
    forwarded_.erase(catchup_seq_);
    catchup_seq_ = 0;
  }
  session_driver_.Follow(sm_.sessions(), clock_->NowMonotonicMs());
}

void Server::RequestStop() { uv_async_send(&stop_async_); }

void Server::OnSignal(uv_signal_t* h, int signum) {
  auto* self = static_cast<Server*>(h->data);
  PADDOCK_LOG_INFO("signal received signum={}; shutting down", signum);
  self->Shutdown();
}

void Server::Shutdown() {
  if (stopping_) return;
  stopping_ = true;
  serving_ = false;
  for (auto& [id, c] : connections_) c->Abort("server shutting down");
  if (listening_) uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
  if (secure_listening_) uv_close(reinterpret_cast<uv_handle_t*>(&secure_listener_), nullptr);
  secure_listening_ = false;
  listening_ = false;
  uv_close(reinterpret_cast<uv_handle_t*>(&check_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigint_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&expiry_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&expiry_idle_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&flush_idle_), nullptr);
  flush_ids_.clear();
  uv_close(reinterpret_cast<uv_handle_t*>(&cleaner_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&handshake_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&stop_async_), nullptr);
  if (peer_timer_started_) uv_close(reinterpret_cast<uv_handle_t*>(&peer_timer_), nullptr);
  peer_timer_started_ = false;
  if (peers_) peers_->Stop();
  if (admin_) admin_->Stop();
  if (log_) log_->Stop([]() {});
}

// Runs after every loop turn's I/O: propose the batch gathered this turn and watch leadership.
// libraft is only ever called from here or from timers, never from its own callbacks.
void Server::OnCheck(uv_check_t* h) {
  auto* self = static_cast<Server*>(h->data);
  if (self->stopping_) return;
  self->UpdateRole();
  self->ResumeThrottled();
  self->ResumeParkedHandshakes();
  if (self->expiry_due_) {
    self->expiry_due_ = false;
    uv_idle_stop(&self->expiry_idle_);
    self->ExpireDueSessions();
    self->ArmExpiryTimer();
  }
  self->FlushProposals();
  self->NudgeCommit();
  if (self->heartbeat_urgent_) self->SendHeartbeats();
  self->FlushOutput();
}

void Server::ScheduleFlush(int64_t connection_id) {
  if (stopping_) return;  // every connection is being aborted, and the handles closed
  if (flush_ids_.empty()) uv_idle_start(&flush_idle_, [](uv_idle_t*) {});
  flush_ids_.push_back(connection_id);
}

// Last in every loop turn: each connection's replies of this turn leave in one write.
void Server::FlushOutput() {
  if (flush_ids_.empty()) return;
  uv_idle_stop(&flush_idle_);
  std::vector<int64_t> ids;
  ids.swap(flush_ids_);
  for (int64_t id : ids) {
    // A connection freed meanwhile is gone from the map; one that closed flushed on its own.
    auto it = connections_.find(id);
    if (it != connections_.end()) it->second->FlushQueued();
  }
  // Flushing can queue more (an aborted connection's session ends): scheduled anew above, it
  // goes out at the end of the next turn, which the idle handle makes immediate.
}

// Plain clientPort and TLS secureClientPort, each when configured; both on clientPortAddress.
Status Server::Listen() {
  if (config_.PlainPortEnabled()) {
    if (Status s = ListenOn(&listener_, &listening_, config_.client_port); !s.ok()) return s;
  }
  if (tls_ctx_ != nullptr) {
    Status s = ListenOn(&secure_listener_, &secure_listening_, config_.secure_client_port);
    if (!s.ok()) return s.Wrap("secureClientPort");
  }
  return Status::Ok();
}

Status Server::ListenOn(uv_tcp_t* listener, bool* listening, int port) {
  uv_tcp_init(&loop_, listener);
  listener->data = this;
  *listening = true;
  sockaddr_storage addr{};
  const std::string& host = config_.client_port_address;
  int rv = 0;
  if (host.empty()) {
    rv = uv_ip6_addr("::", port, reinterpret_cast<sockaddr_in6*>(&addr));
  } else if (host.find(':') != std::string::npos) {
    rv = uv_ip6_addr(host.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr));
  } else {
    rv = uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  }
  if (rv != 0) return Status::Error("invalid clientPortAddress '" + host + "'");
  rv = uv_tcp_bind(listener, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rv == UV_EAFNOSUPPORT && host.empty()) {
    uv_ip4_addr("0.0.0.0", port, reinterpret_cast<sockaddr_in*>(&addr));
    rv = uv_tcp_bind(listener, reinterpret_cast<sockaddr*>(&addr), 0);
  }
  if (rv == 0) rv = uv_listen(reinterpret_cast<uv_stream_t*>(listener), 1024, OnNewConnection);
  if (rv != 0) {
    return Status::Error("cannot listen on " + (host.empty() ? std::string("*") : host) + ":" +
                         std::to_string(port) + ": " + uv_strerror(rv));
  }
  return Status::Ok();
}

void Server::OnNewConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<Server*>(listener->data);
  if (status != 0 || self->stopping_) return;
  int64_t id = self->next_connection_id_++;
  auto conn = std::make_unique<Connection>(self, id, self->config_.jute_max_buffer);
  conn->set_max_unsent_bytes(static_cast<size_t>(self->config_.max_unsent_bytes));
  uv_tcp_init(&self->loop_, conn->handle());
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(conn->handle())) != 0) {
    Connection* raw = conn.release();
    self->connections_[id].reset(raw);
    raw->Abort("accept failed");
    return;
  }
  Connection* raw = conn.get();
  self->connections_[id] = std::move(conn);
  raw->established_wall_ms = self->clock_->NowWallMs();
  raw->accepted_mono_ms = self->clock_->NowMonotonicMs();
  if (listener == reinterpret_cast<uv_stream_t*>(&self->secure_listener_)) {
    raw->EnableTls(self->tls_ctx_.get());
  }
  raw->Start();
  raw->identities.push_back({"ip", raw->remote_ip});
  if (!self->AdmitConnection(*raw)) raw->Abort("too many connections from this address");
}

// maxClientCnxns, with ZooKeeper's semantics: at most that many concurrent connections from one
// IP address (0: no limit); one more is closed at once.
bool Server::AdmitConnection(Connection& c) {
  int32_t& count = connections_per_ip_[c.remote_ip];
  if (config_.max_client_cnxns > 0 && count >= config_.max_client_cnxns) {
    PADDOCK_LOG_WARN("connection refused reason=\"too many connections\" remote={} "
                     "connections={} maxClientCnxns={}",
                     c.remote_ip, count, config_.max_client_cnxns);
    return false;
  }
  count++;
  c.counted_per_ip = true;
  return true;
}

void Server::OnHandshakeTimer(uv_timer_t* t) {
  static_cast<Server*>(t->data)->ScanConnections();
}

// Closes connections that stalled: no handshake within the handshake timeout (its slot is
// freed), or unsent output that made no progress for a whole session timeout (the client is not
// reading: it could not see our ping replies either).
void Server::ScanConnections() {
  int64_t now = clock_->NowMonotonicMs();
  int64_t handshake_deadline = now - config_.handshake_timeout_ms;
  std::vector<std::pair<Connection*, bool>> stalled;  // (connection, not reading)
  for (auto& [id, c] : connections_) {
    if (c->closing()) continue;
    if (c->state == Connection::State::kHandshake && c->accepted_mono_ms <= handshake_deadline) {
      stalled.emplace_back(c.get(), false);
    } else if (c->unsent_bytes() > 0) {
      int64_t limit = c->timeout_ms > 0 ? c->timeout_ms : config_.handshake_timeout_ms;
      if (now - c->output_progress_mono_ms() >= limit) stalled.emplace_back(c.get(), true);
    }
  }
  for (auto [c, not_reading] : stalled) {
    if (not_reading) {
      stats_.slow_client_disconnects++;
      PADDOCK_LOG_WARN("closing connection remote={}:{} session=0x{:x} unsent_bytes={} "
                       "reason=\"client read nothing for its session timeout\"", c->remote_ip,
                       c->remote_port, c->session_id, c->unsent_bytes());
      c->Abort("client not reading");
    } else {
      PADDOCK_LOG_INFO("connection closed reason=\"no handshake within {} ms\" remote={}:{}",
                       config_.handshake_timeout_ms, c->remote_ip, c->remote_port);
      c->Abort("handshake timeout");
    }
  }
}

void Server::OnConnectionClosing(Connection& c) {
  watches_.RemoveWatcher(c.id());
  parked_.erase(c.id());
  if (c.session_id != 0) {
    auto it = session_connections_.find(c.session_id);
    if (it != session_connections_.end() && it->second == c.id()) {
      session_connections_.erase(it);
      NoteDisconnect(c);
    }
  }
  for (const auto& p : c.pipeline) {
    if (p.kind == PendingRequest::Kind::kWrite && !p.done) waiting_.erase(p.seq);
  }
  if (c.connect_seq != 0) waiting_.erase(c.connect_seq);
  // The pipeline itself stays until the connection is freed: a close can come from inside the
  // handling of one of its requests (a notification or reply that pushes the output over
  // paddock.maxUnsentBytes), and that request is still being written to. Nothing drains a
  // closing connection, so its requests no longer count as outstanding.
  outstanding_ -= static_cast<int64_t>(c.pipeline.size());
  throttled_.erase(c.id());
}

void Server::OnConnectionFreed(int64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  if (it->second->counted_per_ip) {
    auto ip = connections_per_ip_.find(it->second->remote_ip);
    if (ip != connections_per_ip_.end() && --ip->second <= 0) connections_per_ip_.erase(ip);
  }
  connections_.erase(it);
}

// The session's current connection ended: the sessions page shows how.
void Server::NoteDisconnect(const Connection& c) {
  admin::DisconnectBy by = admin::DisconnectBy::kServer;
  if (c.closed_by_peer) {
    by = std::string_view(c.close_reason) == "client closed" ? admin::DisconnectBy::kClient
                                           : admin::DisconnectBy::kNetwork;
  }
  stats_.session_disconnects[static_cast<size_t>(by)]++;
  session_book_.Disconnected(c.session_id, by, c.close_reason);
  if (by != admin::DisconnectBy::kClient && !stopping_) {
    PADDOCK_LOG_INFO("session disconnected id=0x{:x} remote={}:{} how=\"{}\"", c.session_id,
                     c.remote_ip, c.remote_port, admin::DescribeDisconnect(by, c.close_reason));
  }
}

void ServerStats::RecordReply(int32_t op, int64_t latency_ms, int32_t err, size_t frame_bytes) {
  OpStats& o = ops[op];
  o.count++;
  if (err != 0) o.errors++;
  o.latency.Record(latency_ms);
  auto bytes = static_cast<int64_t>(frame_bytes);
  response_bytes_last = bytes;
  if (response_bytes_min < 0 || bytes < response_bytes_min) response_bytes_min = bytes;
  if (bytes > response_bytes_max) response_bytes_max = bytes;
}

void ServerStats::Reset() {
  packets_received = packets_sent = 0;
  latency_min_ms = -1;
  latency_max_ms = latency_total_ms = latency_count = 0;
  response_bytes_last = response_bytes_min = response_bytes_max = -1;
}

size_t Server::OutstandingRequests() const { return static_cast<size_t>(outstanding_); }

// The client of a session held here was heard from: its deadline moves, and the other members
// learn it with the next heartbeat.
void Server::TouchSession(int64_t session_id) {
  int64_t now = clock_->NowMonotonicMs();
  session_driver_.Heard(session_id, now);
  session_book_.Heard(session_id, now);
}

// Only the leader decides expiry; a follower keeps deadlines but never wakes for them.
void Server::ArmExpiryTimer() {
  if (stopping_) return;
  std::optional<int64_t> wake = session_driver_.NextWakeMs();
  if (!wake || !leader_ready_) {
    uv_timer_stop(&expiry_timer_);
    return;
  }
  int64_t delay = *wake - clock_->NowMonotonicMs();
  uv_timer_start(&expiry_timer_, OnExpiryTimer, delay < 0 ? 0 : static_cast<uint64_t>(delay), 0);
}

// Timers run before the loop reads its sockets. After a stall (a long snapshot, a paused
// process) the touches of the sessions due may be waiting unread in those sockets, so the
// decision is taken in this turn's check phase, after they were read; the idle handle keeps the
// poll from blocking meanwhile.
void Server::OnExpiryTimer(uv_timer_t* t) {
  auto* self = static_cast<Server*>(t->data);
  self->expiry_due_ = true;
  uv_idle_start(&self->expiry_idle_, [](uv_idle_t*) {});
}

void Server::ExpireDueSessions() {
  if (!leader_ready_ || !log_->IsLeader()) return;
  int64_t now = clock_->NowMonotonicMs();
  // Bounded work per turn; the timer fires again at once if more are due.
  for (int64_t id : session_driver_.PollExpired(now)) {
    const auto* s = sm_.sessions().Find(id);
    PADDOCK_ASSERT(s != nullptr);  // the driver follows the table
    session_book_.ExpiryDecided(id, now);
    const admin::SessionBook::Live* live = session_book_.Find(id);
    PADDOCK_LOG_INFO("session expiring id=0x{:x} timeout_ms={} silence_ms={}", id, s->timeout_ms,
                     live != nullptr ? live->silence_ms : -1);
    statemachine::Txn txn;
    txn.kind = statemachine::TxnKind::kExpireSession;
    txn.session_id = id;
    txn.time_ms = clock_->NowWallMs();
    txn.origin_server = config_.server_id;
    Propose(std::move(txn));
  }
}

void Server::OnCleanerTimer(uv_timer_t* t) { static_cast<Server*>(t->data)->RunCleaner(); }

void Server::RunCleaner() {
  if (!leader_ready_ || !log_->IsLeader()) return;
  int64_t now = clock_->NowWallMs();
  int64_t budget = config_.container_max_per_minute * config_.container_check_interval_ms / 60000;
  if (budget < 1) budget = 1;
  std::vector<std::string> candidates;
  for (const auto* set : {&sm_.tree().containers(), &sm_.tree().ttls()}) {
    for (const auto& path : *set) {
      if (static_cast<int64_t>(candidates.size()) >= budget) break;
      if (cleanup_pending_.count(path) == 0 && sm_.IsCleanupCandidate(path, now)) {
        candidates.push_back(path);
      }
    }
  }
  for (auto& path : candidates) {
    statemachine::Txn txn;
    txn.kind = statemachine::TxnKind::kDeleteContainer;
    txn.time_ms = now;
    txn.origin_server = config_.server_id;
    txn.body = path;
    cleanup_pending_.insert(path);
    Propose(std::move(txn));
  }
}

}  // namespace paddock::server
