#include "server/server.h"

#include <algorithm>
#include <sstream>

#include "base/assert.h"
#include "base/log.h"

namespace paddock::server {

namespace {
constexpr size_t kExpiriesPerTurnMax = 1000;
// How stale the disk guard's free-space reading may be.
constexpr int64_t kDiskCheckMs = 100;
}

Server::Server(Config config, const Clock* clock, ServerIo* io)
    : config_(std::move(config)),
      clock_(clock),
      io_(io),
      sm_(statemachine::Options{config_.extended_types_enabled, config_.container_never_used_ms}),
      session_driver_(SessionDriver::Options{config_.IsEnsemble(), config_.ElectionTimeoutMs(),
                                             config_.tick_ms / 2 + 1, kExpiriesPerTurnMax}),
      outbox_(config_.server_id, Outbox::Limits{}),
      roles_(RoleTracker::Options{static_cast<uint64_t>(config_.server_id), config_.IsEnsemble(),
                                  2 * config_.ElectionTimeoutMs()}) {
  stats_.start_wall_ms = clock_->NowWallMs();
  next_seq_ = std::max<int64_t>(1, stats_.start_wall_ms) * 1000;
}

Server::~Server() = default;

consensus::LogStats Server::LogStats() const {
  return log_ != nullptr ? log_->Stats() : consensus::LogStats{};
}

consensus::Callbacks Server::LogCallbacks() {
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
  return cb;
}

void Server::Start(consensus::ReplicatedLog* log, std::function<int64_t()> disk_free_bytes) {
  log_ = log;
  disk_guard_ = std::make_unique<DiskGuard>(config_.RaftDir(), config_.disk_reserve_bytes,
                                            kDiskCheckMs, std::move(disk_free_bytes));
  next_heartbeat_ms_ = clock_->NowMonotonicMs();
}

// Runs after every loop turn's I/O. libraft is only ever called from here, never from inside
// its own callbacks. Expiry is decided here too, after the turn's reads: after a stall (a long
// snapshot, a paused process) the touches of the sessions due may have just been read.
void Server::Tick() {
  if (stopping_ || log_ == nullptr) return;
  int64_t now = clock_->NowMonotonicMs();
  UpdateRole();
  ResumeThrottled();
  ResumeParkedHandshakes();
  RunPeriodicJobs(now);
  if (roles_.leader_ready()) {
    std::optional<int64_t> wake = session_driver_.NextWakeMs();
    if (wake && *wake <= now) ExpireDueSessions();
  }
  FlushProposals();
  NudgeCommit();
  if (heartbeat_urgent_) SendHeartbeats();
  // The turn's log lines in one write, before the replies: a client that was answered finds
  // the lines about its request already written.
  log::Flush();
  FlushOutput();
}

void Server::RunPeriodicJobs(int64_t now) {
  if (peers_ != nullptr && now >= next_heartbeat_ms_) {
    next_heartbeat_ms_ = now + std::max(1, config_.tick_ms / 2);
    TouchWaitingSessions();
    SendHeartbeats();
  }
  if (!roles_.serving()) return;
  if (now >= next_scan_ms_) {
    // Stalled handshakes are looked for ten times per timeout (at most every second).
    next_scan_ms_ = now + std::clamp<int64_t>(config_.handshake_timeout_ms / 10, 10, 1000);
    ScanConnections();
  }
  if (now >= next_cleaner_ms_) {
    next_cleaner_ms_ = now + config_.container_check_interval_ms;
    RunCleaner();
  }
}

int64_t Server::NextWakeMs() const {
  int64_t now = clock_->NowMonotonicMs();
  if (!flush_ids_.empty()) return now;
  int64_t wake = now + 60'000;
  if (peers_ != nullptr) wake = std::min(wake, next_heartbeat_ms_);
  if (roles_.serving()) wake = std::min({wake, next_scan_ms_, next_cleaner_ms_});
  if (roles_.leader_ready()) {
    if (std::optional<int64_t> e = session_driver_.NextWakeMs()) wake = std::min(wake, *e);
  }
  return wake;
}

void Server::Shutdown() {
  if (stopping_) return;
  stopping_ = true;
  roles_.StoppedServing();
  for (auto& [id, c] : connections_) c->Abort("server shutting down");
  flush_ids_.clear();
}

Connection* Server::AddConnection(std::unique_ptr<Connection> c) {
  Connection* raw = c.get();
  raw->set_max_unsent_bytes(static_cast<size_t>(config_.max_unsent_bytes));
  raw->MarkAccepted(clock_->NowWallMs(), clock_->NowMonotonicMs());
  connections_[raw->id()] = std::move(c);
  return raw;
}

// The state was replaced by a snapshot (a member far behind, sent one by the leader): clients
// whose watches and reads were based on the old state reconnect, and deadlines follow the new
// session table. (No libraft call here: this runs inside its callback.)
void Server::OnRestored(size_t bytes, int64_t took_ms) {
  PADDOCK_LOG_INFO("state restored from a snapshot zxid=0x{:x} sessions={} nodes={} bytes={} "
                   "restore_ms={}", sm_.last_zxid(), sm_.sessions().size(),
                   sm_.tree().NodeCount(), bytes, took_ms);
  if (roles_.serving()) StopServing("state replaced by a snapshot from the leader");
  if (roles_.catch_up_seq() != 0) {
    // Our catch-up marker may be inside the snapshot, never to be applied on its own: ask again.
    outbox_.Settled(roles_.catch_up_seq());
    roles_.CatchUpLost();
  }
  session_driver_.Follow(sm_.sessions(), clock_->NowMonotonicMs());
}

void Server::ScheduleFlush(int64_t connection_id) {
  if (stopping_) return;  // every connection is being aborted, and the handles closed
  flush_ids_.push_back(connection_id);
}

// Last in every loop turn: each connection's replies of this turn leave in one write.
void Server::FlushOutput() {
  if (flush_ids_.empty()) return;
  std::vector<int64_t> ids;
  ids.swap(flush_ids_);
  for (int64_t id : ids) {
    // A connection freed meanwhile is gone from the map; one that closed flushed on its own.
    auto it = connections_.find(id);
    if (it != connections_.end()) it->second->FlushQueued();
  }
  // Flushing can queue more (an aborted connection's session ends): scheduled anew above, it
  // goes out at the end of the next turn, which NextWakeMs makes immediate.
}

// maxClientCnxns, with ZooKeeper's semantics: at most that many concurrent connections from one
// IP address (0: no limit); one more is closed at once.
bool Server::AdmitConnection(Connection& c) {
  int32_t& count = connections_per_ip_[c.remote_ip()];
  if (config_.max_client_cnxns > 0 && count >= config_.max_client_cnxns) {
    PADDOCK_LOG_WARN("connection refused reason=\"too many connections\" remote={} "
                     "connections={} maxClientCnxns={}",
                     c.remote_ip(), count, config_.max_client_cnxns);
    return false;
  }
  count++;
  c.MarkCountedPerIp();
  return true;
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
    if (c->state() == Connection::State::kHandshake &&
        c->accepted_mono_ms() <= handshake_deadline) {
      stalled.emplace_back(c.get(), false);
    } else if (c->unsent_bytes() > 0) {
      int64_t limit = c->timeout_ms() > 0 ? c->timeout_ms() : config_.handshake_timeout_ms;
      if (now - c->output_progress_mono_ms() >= limit) stalled.emplace_back(c.get(), true);
    }
  }
  for (auto [c, not_reading] : stalled) {
    if (not_reading) {
      stats_.slow_client_disconnects++;
      PADDOCK_LOG_WARN("closing connection remote={}:{} session=0x{:x} unsent_bytes={} "
                       "reason=\"client read nothing for its session timeout\"", c->remote_ip(),
                       c->remote_port(), c->session_id(), c->unsent_bytes());
      c->Abort("client not reading");
    } else {
      PADDOCK_LOG_INFO("connection closed reason=\"no handshake within {} ms\" remote={}:{}",
                       config_.handshake_timeout_ms, c->remote_ip(), c->remote_port());
      c->Abort("handshake timeout");
    }
  }
}

void Server::OnConnectionClosing(Connection& c) {
  watches_.RemoveWatcher(c.id());
  parked_.erase(c.id());
  if (c.session_id() != 0) {
    auto it = session_connections_.find(c.session_id());
    if (it != session_connections_.end() && it->second == c.id()) {
      session_connections_.erase(it);
      NoteDisconnect(c);
    }
  }
  for (const auto& p : c.pipeline()) {
    if (p.kind == PendingRequest::Kind::kWrite && !p.done) waiting_.erase(p.seq);
  }
  if (c.connect_seq() != 0) waiting_.erase(c.connect_seq());
  // The pipeline itself stays until the connection is freed: a close can come from inside the
  // handling of one of its requests (a notification or reply that pushes the output over
  // paddock.maxUnsentBytes), and that request is still being written to. Nothing drains a
  // closing connection, so its requests no longer count as outstanding.
  outstanding_ -= static_cast<int64_t>(c.pipeline().size());
  throttled_.erase(c.id());
}

void Server::OnConnectionFreed(int64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  if (it->second->counted_per_ip()) {
    auto ip = connections_per_ip_.find(it->second->remote_ip());
    if (ip != connections_per_ip_.end() && --ip->second <= 0) connections_per_ip_.erase(ip);
  }
  connections_.erase(it);
}

// The session's current connection ended: the sessions page shows how.
void Server::NoteDisconnect(const Connection& c) {
  admin::DisconnectBy by = admin::DisconnectBy::kServer;
  if (c.closed_by_peer()) {
    by = std::string_view(c.close_reason()) == "client closed" ? admin::DisconnectBy::kClient
                                             : admin::DisconnectBy::kNetwork;
  }
  stats_.session_disconnects[static_cast<size_t>(by)]++;
  session_book_.Disconnected(c.session_id(), by, c.close_reason());
  if (by != admin::DisconnectBy::kClient && !stopping_) {
    PADDOCK_LOG_INFO("session disconnected id=0x{:x} remote={}:{} how=\"{}\"", c.session_id(),
                     c.remote_ip(), c.remote_port(),
                     admin::DescribeDisconnect(by, c.close_reason()));
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
  latency.Reset();
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

void Server::ExpireDueSessions() {
  if (!roles_.leader_ready() || !log_->IsLeader()) return;
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

void Server::RunCleaner() {
  if (!roles_.leader_ready() || !log_->IsLeader()) return;
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
namespace paddock::server {

std::string Server::DebugState() const {
  std::ostringstream o;
  o << "outbox=" << outbox_.size() << " waiting=" << waiting_.size()
    << " leader=" << roles_.known_leader() << " ready=" << roles_.leader_ready()
    << " synced=" << roles_.follower_synced() << " catch_up=" << roles_.catch_up_seq();
  for (const auto& [id, c] : connections_) {
    if (c->pipeline().empty()) continue;
    o << " conn" << id << "[";
    for (const PendingRequest& p : c->pipeline()) {
      o << " " << static_cast<int>(p.kind) << ":" << p.seq << (p.done ? ":done" : "")
        << (waiting_.count(p.seq) != 0 ? ":waiting" : "");
    }
    o << " ]";
  }
  for (const auto& [id, p] : peer_states_) {
    o << " peer" << id << "=role" << static_cast<int>(p.role) << "@" << p.heard_ms;
  }
  return o.str();
}

}  // namespace paddock::server
