#include "server/daemon.h"

#include <openssl/rand.h>

#include <algorithm>
#include <csignal>

#include "base/assert.h"
#include "base/log.h"
#include "net/host_lookup.h"
#include "server/admin/endpoint.h"
#include "server/admin/router.h"
#include "server/disk_guard.h"
#include "server/tcp_connection.h"
#include "server/tls.h"
#include "server/zk_metrics.h"

namespace paddock::server {

Daemon::Daemon(Config config, const Clock* clock)
    : clock_(clock), server_(std::move(config), clock, this) {
  PADDOCK_ASSERT(uv_loop_init(&loop_) == 0);
}

Daemon::~Daemon() { uv_loop_close(&loop_); }

int Daemon::AdminPort() const { return admin_ ? admin_->port() : 0; }

std::string Daemon::NewSecret(size_t bytes) {
  std::string secret(bytes, '\0');
  PADDOCK_ASSERT(RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()),
                            static_cast<int>(secret.size())) == 1);
  return secret;
}

// The log's settings: the data directory, Raft timing and, in an ensemble, every voter.
consensus::LibraftOptions Daemon::LogOptions() const {
  const Config& config = server_.config();
  consensus::LibraftOptions lo;
  lo.dir = config.RaftDir();
  lo.id = static_cast<uint64_t>(config.server_id);
  lo.snapshot_threshold = config.SnapshotThreshold();
  lo.snapshot_trailing = config.snapshot_trailing;
  lo.election_timeout_ms = static_cast<unsigned>(config.ElectionTimeoutMs());
  // An ensemble's leader heartbeats every tenth of the election timeout. Standalone, libraft's
  // tick only decides how soon the single voter elects itself at start-up.
  lo.heartbeat_timeout_ms = config.IsEnsemble() ? std::max(10u, lo.election_timeout_ms / 10)
                                                : std::min(50u, lo.election_timeout_ms / 10);
  if (config.IsEnsemble()) {
    lo.address = config.servers.at(config.server_id).RaftAddress();
    for (const auto& [id, entry] : config.servers) {
      lo.voters.emplace_back(static_cast<uint64_t>(id), entry.RaftAddress());
    }
    lo.peer_key = config.peer_key;
  }
  return lo;
}

// The loop's own handles (Shutdown closes them): the per-turn check, the wake timer and its
// idle, signals, the stop request.
void Daemon::InitLoopHandles() {
  handles_ready_ = true;
  uv_check_init(&loop_, &check_);
  check_.data = this;
  uv_check_start(&check_, OnCheck);
  uv_timer_init(&loop_, &wake_timer_);
  wake_timer_.data = this;
  uv_idle_init(&loop_, &wake_idle_);
  wake_idle_.data = this;
  uv_signal_init(&loop_, &sigint_);
  sigint_.data = this;
  uv_signal_start(&sigint_, OnSignal, SIGINT);
  uv_signal_init(&loop_, &sigterm_);
  sigterm_.data = this;
  uv_signal_start(&sigterm_, OnSignal, SIGTERM);
  uv_async_init(&loop_, &stop_async_,
                [](uv_async_t* a) { static_cast<Daemon*>(a->data)->Shutdown(); });
  stop_async_.data = this;
}

Status Daemon::Run() {
  // A peer that closes its socket must cost a write error (EPIPE), not the process. cpp-httplib
  // ignores SIGPIPE when the admin endpoint starts; doing it here makes that independent of
  // admin.enableServer.
  std::signal(SIGPIPE, SIG_IGN);
  const Config& config = server_.config();
  // TLS files are read before anything else, so that a bad ssl.* key stops start-up at once.
  if (config.secure_client_port >= 0) {
    Result<net::SslCtxPtr> tls = NewServerTlsContext(config);
    if (!tls.ok()) return tls.status();
    tls_ctx_ = std::move(*tls);
  }
  consensus::LibraftOptions lo = LogOptions();
  log_ = std::make_unique<consensus::LibraftLog>(&loop_, lo);
  append_spin_.window_us = server_.config().AppendSpinMicros();
  server_.Start(log_.get(), [dir = lo.dir] { return DiskGuard::StatvfsFreeBytes(dir); });
  InitLoopHandles();
  if (Status s = log_->Start(server_.LogCallbacks()); !s.ok()) return FailStart(s);
  PADDOCK_LOG_INFO("log opened dir={} server_id={} members={}", lo.dir, config.server_id,
                   std::max<size_t>(1, config.servers.size()));
  // The client port listens from the start, so that four-letter words can tell an operator
  // that this member does not serve yet; client handshakes are refused until it does.
  Status s = Listen();
  if (s.ok() && config.IsEnsemble()) s = StartPeers();
  if (s.ok()) s = StartZkMetrics();
  if (!s.ok()) return FailStart(s);
  StartAdmin();
  uv_run(&loop_, UV_RUN_DEFAULT);
  return Status::Ok();
}

Status Daemon::FailStart(Status s) {
  StopNow();
  uv_run(&loop_, UV_RUN_DEFAULT);
  return s;
}

Status Daemon::StartPeers() {
  const Config& config = server_.config();
  std::map<int, PeerNet::Endpoint> members;
  for (const auto& [id, e] : config.servers) members[id] = {e.host, e.peer_port};
  peers_ = std::make_unique<PeerNet>(
      &loop_, config.server_id, std::move(members), config.peer_key,
      [this](int from, PeerNet::Type type, std::string_view body) {
        server_.OnPeerMessage(from, type, body);
      },
      [this](int peer, bool up) { server_.OnPeerLink(peer, up); });
  if (Status s = peers_->Start(); !s.ok()) return s;
  server_.SetPeers(peers_.get());
  return Status::Ok();
}

// ZooKeeper's Prometheus provider: /metrics only, as its servlet, in the Prometheus text format
// with ZooKeeper's names. Unlike the admin server, a port that
// cannot be bound stops start-up, as the provider's failure to start stops ZooKeeper.
Status Daemon::StartZkMetrics() {
  const Config& config = server_.config();
  if (!config.zk_metrics_enabled) return Status::Ok();
  zk_metrics_ = std::make_unique<admin::AdminEndpoint>(
      &loop_,
      [this](const admin::AdminRequest& r) {
        admin::AdminReply reply;
        if (r.path != "/metrics") {
          reply.status = 404;
          reply.content_type = "text/plain";
          reply.body = "not found: ZooKeeper's metrics are at /metrics\n";
          return reply;
        }
        reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
        reply.body = ZkPrometheusText(server_);
        return reply;
      },
      [](const admin::AdminRequest&, admin::AdminReply*) { return false; });
  Status s = zk_metrics_->Start(config.zk_metrics_host, config.zk_metrics_port);
  if (!s.ok()) {
    return Status::Error("metricsProvider (Prometheus) cannot listen on " +
                         config.zk_metrics_host + ":" + std::to_string(config.zk_metrics_port) +
                         ": " + s.message());
  }
  PADDOCK_LOG_INFO("ZooKeeper metrics served address={} port={} path=/metrics",
                   config.zk_metrics_host, zk_metrics_->port());
  return Status::Ok();
}

// The admin endpoint starts before this member serves, so that an operator can look at a server
// that waits for its log; commands that need state answer "not currently serving" meanwhile.
// A port that cannot be bound is a warning, not a failure, as in ZooKeeper.
void Daemon::StartAdmin() {
  const Config& config = server_.config();
  if (!config.admin_enable_server) {
    PADDOCK_LOG_INFO("admin server disabled");
    return;
  }
  admin_ = std::make_unique<admin::AdminEndpoint>(
      &loop_, [this](const admin::AdminRequest& r) { return admin::Route(server_, r); },
      [this](const admin::AdminRequest& r, admin::AdminReply* out) {
        return admin::RouteStatic(server_.config().admin_command_url, r, out);
      });
  Status s = admin_->Start(config.admin_server_address, config.admin_server_port);
  if (!s.ok()) {
    PADDOCK_LOG_WARN("admin server not started address={} port={} error=\"{}\"",
                     config.admin_server_address, config.admin_server_port, s.message());
    return;
  }
  PADDOCK_LOG_INFO("admin server started address={} port={} commands={}",
                   config.admin_server_address, admin_->port(), config.admin_command_url);
}

void Daemon::RequestStop() { uv_async_send(&stop_async_); }

void Daemon::OnSignal(uv_signal_t* h, int signum) {
  auto* self = static_cast<Daemon*>(h->data);
  PADDOCK_LOG_INFO("signal received signum={}; shutting down", signum);
  self->Shutdown();
}

void Daemon::Shutdown() {
  if (stopping_) return;
  if (handing_over_) {
    PADDOCK_LOG_INFO("stop requested again during the leadership transfer; stopping now");
    StopNow();
    return;
  }
  if (log_ != nullptr && server_.config().IsEnsemble() && log_->IsLeader()) {
    handing_over_ = true;
    log_->TransferLeadership([this](uint64_t leader) {
      if (!handing_over_) return;
      handing_over_ = false;
      if (leader != 0) {
        PADDOCK_LOG_INFO("leadership handed over to={}; stopping", leader);
      } else {
        PADDOCK_LOG_WARN("leadership not handed over (no member took over within an election "
                         "timeout); stopping");
      }
      StopNow();
    });
    return;
  }
  StopNow();
}

void Daemon::StopNow() {
  if (stopping_) return;
  handing_over_ = false;
  stopping_ = true;
  server_.Shutdown();
  if (listening_) uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
  if (secure_listening_) uv_close(reinterpret_cast<uv_handle_t*>(&secure_listener_), nullptr);
  secure_listening_ = false;
  listening_ = false;
  if (handles_ready_) {
    for (auto* h : {reinterpret_cast<uv_handle_t*>(&check_),
                    reinterpret_cast<uv_handle_t*>(&wake_timer_),
                    reinterpret_cast<uv_handle_t*>(&wake_idle_),
                    reinterpret_cast<uv_handle_t*>(&sigint_),
                    reinterpret_cast<uv_handle_t*>(&sigterm_),
                    reinterpret_cast<uv_handle_t*>(&stop_async_)}) {
      uv_close(h, nullptr);
    }
  }
  handles_ready_ = false;
  if (peers_) peers_->Stop();
  if (admin_) admin_->Stop();
  if (zk_metrics_) zk_metrics_->Stop();
  if (log_) log_->Stop([]() {});
}

// After every loop turn's I/O: the server's turn, then the wake-up it asks for.
void Daemon::OnCheck(uv_check_t* h) {
  auto* self = static_cast<Daemon*>(h->data);
  if (self->stopping_) return;
  self->server_.Tick();
  log::Flush();  // lines logged while the output went out
  if (!self->stopping_) self->ArmWake();
}

// Timers run before the loop polls its sockets, and the poll would then block until the next
// timer or I/O before the check phase runs: a wake-up (or output waiting) starts the idle
// handle, which makes that poll return at once.
void Daemon::ArmWake() {
  int64_t delay = server_.NextWakeMs() - clock_->NowMonotonicMs();
  // The clock is read only when the spin is on: this runs every loop turn.
  bool spin = append_spin_.window_us > 0 && log_ != nullptr &&
              append_spin_.ShouldSpin(log_->AppendsInFlight(), log_->MicrosSinceLastAppend());
  if (delay <= 0 || spin) {
    uv_timer_stop(&wake_timer_);
    uv_idle_start(&wake_idle_, [](uv_idle_t*) {});
    return;
  }
  uv_idle_stop(&wake_idle_);
  uv_timer_start(&wake_timer_, OnWake, static_cast<uint64_t>(delay), 0);
}

void Daemon::OnWake(uv_timer_t* t) {
  auto* self = static_cast<Daemon*>(t->data);
  uv_idle_start(&self->wake_idle_, [](uv_idle_t*) {});
}

// Plain clientPort and TLS secureClientPort, each when configured; both on clientPortAddress.
Status Daemon::Listen() {
  const Config& config = server_.config();
  if (config.PlainPortEnabled()) {
    if (Status s = ListenOn(&listener_, &listening_, config.client_port); !s.ok()) return s;
  }
  if (tls_ctx_ != nullptr) {
    Status s = ListenOn(&secure_listener_, &secure_listening_, config.secure_client_port);
    if (!s.ok()) return s.Wrap("secureClientPort");
  }
  return Status::Ok();
}

Status Daemon::ListenOn(uv_tcp_t* listener, bool* listening, int port) {
  uv_tcp_init(&loop_, listener);
  listener->data = this;
  *listening = true;
  sockaddr_storage addr{};
  const std::string& host = server_.config().client_port_address;
  int rv = 0;
  if (host.empty()) {
    rv = uv_ip6_addr("::", port, reinterpret_cast<sockaddr_in6*>(&addr));
  } else if (std::string error = net::ResolveNow(host, port, &addr); !error.empty()) {
    // A literal, or a name resolved once (as ZooKeeper binds clientPortAddress at start).
    return Status::Error("invalid clientPortAddress '" + host + "': " + error);
  }
  rv = uv_tcp_bind(listener, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rv == UV_EAFNOSUPPORT && host.empty()) {
    uv_ip4_addr("0.0.0.0", port, reinterpret_cast<sockaddr_in*>(&addr));
    rv = uv_tcp_bind(listener, reinterpret_cast<sockaddr*>(&addr), 0);
  }
  // Accepted sockets inherit TCP_NODELAY from the listener (TcpConnection::Start sets none).
  if (rv == 0) rv = uv_tcp_nodelay(listener, 1);
  if (rv == 0) rv = uv_listen(reinterpret_cast<uv_stream_t*>(listener), 1024, OnNewConnection);
  if (rv != 0) {
    return Status::Error("cannot listen on " + (host.empty() ? std::string("*") : host) + ":" +
                         std::to_string(port) + ": " + uv_strerror(rv));
  }
  return Status::Ok();
}

void Daemon::OnNewConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<Daemon*>(listener->data);
  if (status != 0 || self->stopping_) return;
  auto conn = std::make_unique<TcpConnection>(&self->server_, self->next_connection_id_++,
                                              self->server_.config().jute_max_buffer);
  uv_tcp_init(&self->loop_, conn->handle());
  TcpConnection* raw = conn.get();
  self->server_.AddConnection(std::move(conn));
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(raw->handle())) != 0) {
    raw->Abort("accept failed");
    return;
  }
  if (listener == reinterpret_cast<uv_stream_t*>(&self->secure_listener_)) {
    raw->EnableTls(self->tls_ctx_.get());
  }
  raw->Start();
  raw->AddIdentity({"ip", raw->remote_ip()});
  if (!self->server_.AdmitConnection(*raw)) raw->Abort("too many connections from this address");
}

}  // namespace paddock::server
