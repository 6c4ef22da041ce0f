// Daemon: the paddock-server process around one Server. It owns the libuv loop and everything
// that touches the operating system: the client listeners (plain and TLS) and their TCP
// connections, the replicated log on disk (LibraftLog), the peer links (PeerNet), the admin
// endpoint, signals, and the one timer that wakes the loop when the Server asks (NextWakeMs).
// Every loop turn ends with Server::Tick() in the check phase, after the turn's I/O.
//
// Threading: Run() runs the loop on the calling thread; RequestStop() may be called from any
// thread.
#pragma once

#include <uv.h>

#include <memory>

#include "base/clock.h"
#include "base/status.h"
#include "consensus/libraft_log.h"
#include "net/tls_channel.h"
#include "server/append_spin.h"
#include "server/config.h"
#include "server/peers.h"
#include "server/server.h"

namespace paddock::server {

namespace admin {
class AdminEndpoint;
}  // namespace admin

class Daemon final : public ServerIo {
 public:
  Daemon(Config config, const Clock* clock);
  ~Daemon() override;
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Opens the log, listens and runs the loop until a signal or RequestStop(). Returns an error
  // if start-up fails.
  Status Run();
  // Asks the loop to shut down gracefully (thread-safe: only signals the loop).
  void RequestStop();

  int AdminPort() const override;
  std::string NewSecret(size_t bytes) override;

 private:
  consensus::LibraftOptions LogOptions() const;
  void InitLoopHandles();
  Status StartPeers();
  Status Listen();
  Status ListenOn(uv_tcp_t* listener, bool* listening, int port);
  void StartAdmin();
  // metricsProvider: ZooKeeper's Prometheus provider, ZooKeeper's names (zk_metrics.h).
  Status StartZkMetrics();
  // A signal or RequestStop. A leading member of an ensemble first hands the leadership over
  // (LibraftLog::TransferLeadership), serving meanwhile, so that a rolling restart costs the
  // clients no election timeout; a second request while it does stops at once.
  void Shutdown();
  void StopNow();
  Status FailStart(Status s);
  void ArmWake();
  static void OnNewConnection(uv_stream_t* listener, int status);
  static void OnCheck(uv_check_t* h);
  static void OnWake(uv_timer_t* t);
  static void OnSignal(uv_signal_t* h, int signum);

  const Clock* clock_;
  Server server_;
  uv_loop_t loop_{};
  uv_tcp_t listener_{};
  uv_tcp_t secure_listener_{};  // secureClientPort (TLS)
  net::SslCtxPtr tls_ctx_;      // set when secureClientPort is configured
  uv_check_t check_{};
  // Wakes the loop when the server asks; while it is due (or output waits), the idle handle
  // keeps poll from blocking before the check phase runs Tick.
  uv_timer_t wake_timer_{};
  uv_idle_t wake_idle_{};
  // Polls without sleeping for a while after each log append (server/append_spin.h).
  AppendSpin append_spin_;
  uv_signal_t sigint_{};
  uv_signal_t sigterm_{};
  uv_async_t stop_async_{};
  bool handles_ready_ = false;
  bool listening_ = false;
  bool secure_listening_ = false;
  bool stopping_ = false;
  bool handing_over_ = false;  // a leadership transfer runs before stopping
  int64_t next_connection_id_ = 1;
  std::unique_ptr<consensus::LibraftLog> log_;
  std::unique_ptr<PeerNet> peers_;
  // Destroyed after the loop has run to its end (it joins its HTTP thread).
  std::unique_ptr<admin::AdminEndpoint> admin_;
  std::unique_ptr<admin::AdminEndpoint> zk_metrics_;
};

}  // namespace paddock::server
