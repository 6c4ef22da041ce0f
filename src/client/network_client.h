// NetworkClient: the Client implementation that talks to servers over TCP.
//
// One event thread runs a libuv loop that owns everything below: the connection, the queues of
// requests, the watch registry and the session state. Public methods post work to it through a
// mutex-protected queue and uv_async_send; replies, watch events and state changes are delivered
// on that thread, in order. See paddock/client.h for the session rules it implements and
// client/reconnect_policy.h for its timing rules.
#pragma once

#include <uv.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/connect_string.h"
#include "client/reconnect_policy.h"
#include "client/watch_registry.h"
#include "net/frame_reader.h"
#include "net/tls_channel.h"
#include "paddock/client.h"

namespace paddock::client {

// A request waiting for its reply. `done` gets the reply's error, zxid and body.
struct Request {
  int32_t op = 0;
  std::string body;
  std::function<void(Error, std::string_view)> done;
  // The watch to register when the reply arrives (empty watcher: none).
  WatchRegistry::Kind watch_kind = WatchRegistry::Kind::kData;
  std::string watch_path;
  Watcher watcher;
  bool watch_on_nonode = false;  // exists: register an exist watch on NONODE
  int32_t xid = 0;
};

// The client's TLS context for options.tls: trust, optional client certificate, peer
// verification on. Errors name the file.
Result<net::SslCtxPtr> NewClientTlsContext(const TlsOptions& options);

class NetworkClient final : public Client {
 public:
  // `tls_ctx` (from NewClientTlsContext) makes every connection speak TLS; null: plain TCP.
  NetworkClient(ClientOptions options, ConnectString cs, net::SslCtxPtr tls_ctx = nullptr);
  ~NetworkClient() override;

  void Start() override;
  bool WaitConnected(std::chrono::milliseconds timeout) override;
  void Close() override;
  int AddListener(StateListener listener) override;
  void RemoveListener(int id) override;
  SessionState state() const override { return state_.load(); }
  int64_t session_id() const override;
  std::string password() const override;
  int32_t negotiated_timeout_ms() const override;
  std::string server() const override;

  void Create(const std::string& path, std::optional<std::string> data, CreateMode mode,
              const AclList& acl, int64_t ttl_ms, Callback<CreateResult> cb) override;
  void Delete(const std::string& path, int32_t version, Callback<Empty> cb) override;
  void Exists(const std::string& path, Watcher watcher, Callback<Stat> cb) override;
  void GetData(const std::string& path, Watcher watcher, Callback<DataResult> cb) override;
  void SetData(const std::string& path, std::optional<std::string> data, int32_t version,
               Callback<Stat> cb) override;
  void GetAcl(const std::string& path, Callback<AclResult> cb) override;
  void SetAcl(const std::string& path, const AclList& acl, int32_t version,
              Callback<Stat> cb) override;
  void GetChildren(const std::string& path, Watcher watcher,
                   Callback<ChildrenResult> cb) override;
  void GetAllChildrenNumber(const std::string& path, Callback<int32_t> cb) override;
  void GetEphemerals(const std::string& prefix, Callback<std::vector<std::string>> cb) override;
  void Sync(const std::string& path, Callback<std::string> cb) override;
  void Multi(const std::vector<Op>& ops, Callback<std::vector<OpResult>> cb) override;
  void MultiRead(const std::vector<Op>& ops, Callback<std::vector<OpResult>> cb) override;
  void AddWatch(const std::string& path, AddWatchMode mode, Watcher watcher,
                Callback<Empty> cb) override;
  void RemoveWatches(const std::string& path, WatcherType type, Callback<Empty> cb) override;
  void CheckWatches(const std::string& path, WatcherType type, Callback<Empty> cb) override;
  void WhoAmI(Callback<std::vector<ClientInfo>> cb) override;
  void AddAuth(const std::string& scheme, const std::string& auth, Callback<Empty> cb) override;

 protected:
  bool OnEventThread() const override;
  std::chrono::milliseconds SyncTimeout() const override { return options_.sync_timeout; }

 private:
  struct Conn;
  enum class ConnPhase { kNone, kResolving, kConnecting, kHandshake, kOpen };

  // Any thread. Returns false once the client has shut its event thread down.
  bool Post(std::function<void()> fn);
  void Submit(Request req);
  std::string Path(const std::string& path) const { return AddChroot(cs_.chroot, path); }
  std::string Unroot(const std::string& path) const { return StripChroot(cs_.chroot, path); }

  // Event thread (network_client.cc).
  static void OnAsync(uv_async_t* a);
  static void OnTick(uv_timer_t* t);
  void Tick();
  void SetState(SessionState s);
  void Notify(SessionEvent e);
  void StartAttempt();
  void OnResolved(int status, addrinfo* res);
  void OnTcpConnected(int status);
  void SendConnectRequest();
  void OnData(std::string_view bytes);
  bool DecryptTls(std::string_view ciphertext, std::string* plaintext);
  void HandleFrame(std::string_view frame);
  void HandleConnectResponse(std::string_view frame);
  void OnSessionExpired();
  void AfterHandshake();
  void SendSetWatches();
  void HandleReply(int32_t xid, int64_t zxid, int32_t err, std::string_view body);
  void HandleNotification(std::string_view body);
  void SendRequest(Request req);
  void SendFrame(std::string payload);
  void WriteBytes(std::string bytes);
  void DropConnection(const char* reason);
  void CloseConn();
  void FailAll(Error e);
  void FinishClose();

  ClientOptions options_;
  ConnectString cs_;
  net::SslCtxPtr tls_ctx_;
  ReconnectPolicy policy_;

  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};
  uv_loop_t loop_{};
  uv_async_t async_{};
  uv_timer_t tick_{};
  bool started_ = false;
  bool loop_running_ = false;
  std::mutex post_mu_;
  std::deque<std::function<void()>> posted_;
  bool accepting_ = true;  // guarded by post_mu_

  mutable std::mutex info_mu_;
  std::condition_variable info_cv_;
  std::atomic<SessionState> state_{SessionState::kNotConnected};
  int64_t session_id_ = 0;
  std::string password_;
  int32_t negotiated_ms_ = 0;
  std::string server_;
  std::map<int, StateListener> listeners_;  // guarded by info_mu_
  int next_listener_id_ = 1;

  // Event-thread state.
  Conn* conn_ = nullptr;
  ConnPhase phase_ = ConnPhase::kNone;
  uint64_t generation_ = 0;
  size_t host_index_ = 0;
  int64_t attempt_deadline_ms_ = 0;
  int64_t next_attempt_ms_ = -1;  // -1: no attempt scheduled
  int64_t last_send_ms_ = 0;
  int64_t last_recv_ms_ = 0;
  int64_t last_heard_ms_ = 0;
  bool silent_reported_ = false;
  bool ever_connected_ = false;
  int64_t last_zxid_ = 0;
  int32_t next_xid_ = 1;
  std::deque<Request> queued_;  // waiting for a connection
  std::deque<Request> sent_;    // in flight, in order
  std::vector<std::pair<std::string, std::string>> auths_;
  std::deque<Callback<Empty>> auth_waiters_;
  WatchRegistry watches_;
  bool closing_ = false;
  bool closed_ = false;
  int64_t close_deadline_ms_ = 0;
};

}  // namespace paddock::client
