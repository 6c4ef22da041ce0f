// paddock/client.h: Paddock's C++ client for Paddock and Apache ZooKeeper 3.8 servers.
//
//   paddock::ClientOptions o;
//   o.connect_string = "10.0.0.1:2181,10.0.0.2:2181/app";
//   o.session_timeout = std::chrono::seconds(10);
//   o.listener = [](const paddock::SessionEvent& e) { ... };
//   std::unique_ptr<paddock::Client> c = paddock::NewClient(o);
//   c->Start();
//   c->WaitConnected(std::chrono::seconds(5));
//   paddock::Reply<paddock::CreateResult> r = c->Create("/x", "data");   // synchronous
//   c->GetData("/x", watcher, [](paddock::Reply<paddock::DataResult> r) { ... });  // callback
//   std::future<paddock::Reply<paddock::Stat>> f = c->SetDataAsync("/x", "new");   // future
//
// Sessions (the ZooKeeper rules, made easy to live with):
// * The connection string lists host:port pairs (IPv4, [IPv6]:port, names resolved at each
//   attempt) and an optional chroot suffix; every path in requests, replies and watch events is
//   relative to the chroot.
// * The host list is shuffled; a failed connect moves to the next host after a connect timeout of
//   session timeout / number of hosts; after a full round without success the client backs off
//   (growing, jittered delay) so that many clients do not reconnect in a storm.
// * States: kNotConnected -> kConnecting -> kConnected (or kConnectedReadOnly); on loss back to
//   kConnecting and, with the same session, kConnected again; kExpired when a server says the
//   session is gone; kAuthFailed; kClosed after Close(). The listener also hears
//   kSilentPastTimeout when no server has been heard for longer than the negotiated timeout.
// * Pings go out after one third of the timeout without sending; a connection that has not
//   received anything for two thirds of the timeout is given up.
// * Requests complete in the order they were issued. On a connection loss, requests in flight
//   fail with kConnectionLoss (they may or may not have been applied); requests issued while
//   connecting wait for the connection. After a reconnect the client re-registers its watches
//   (setWatches2) so that changes made meanwhile fire.
//
// Threading: every public method is thread-safe. Callbacks (replies, watchers, the listener)
// run on the client's own event thread, one at a time, in order. A callback must not block and
// must not call the synchronous methods (they return kApiError if it does); it may call the
// callback and future forms.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "paddock/types.h"

namespace paddock {

template <typename T>
using Callback = std::function<void(Reply<T>)>;
// A watch callback. One-shot watchers fire once; persistent ones until removed.
using Watcher = std::function<void(const WatchEvent&)>;
using StateListener = std::function<void(const SessionEvent&)>;

// TLS to a server's secureClientPort (ZooKeeper's zookeeper.client.secure). PEM files.
struct TlsOptions {
  bool enabled = false;
  // CA certificates the server's certificate must chain to; "" uses the system's CAs.
  std::string ca_file;
  // The client's certificate chain and unencrypted private key, for servers that ask for one
  // (ssl.clientAuth=need or want); both "" to send none.
  std::string cert_file;
  std::string key_file;
  // The server certificate must name the host of the connect string (DNS name or IP address
  // in its subjectAltName), as ZooKeeper's zookeeper.ssl.hostnameVerification (default true).
  bool verify_hostname = true;
};

struct ClientOptions {
  std::string connect_string = "127.0.0.1:2181";
  std::chrono::milliseconds session_timeout{30000};
  // Resume an existing session (id and password from Client::session_id/password).
  int64_t session_id = 0;
  std::string password;
  // May a read-only server serve this client (ZooKeeper's canBeReadOnly)?
  bool can_be_read_only = false;
  // After the ensemble expires the session, start a new one instead of staying kExpired.
  // The listener hears kExpired first, then kConnecting and kConnected with the new session.
  bool renew_session_on_expiry = false;
  StateListener listener;
  // Seed for host shuffling and backoff jitter; 0 picks one at random.
  uint64_t seed = 0;
  // How long a synchronous call waits for its reply before giving up with kOperationTimeout.
  std::chrono::milliseconds sync_timeout{60000};
  // Every connection speaks TLS when tls.enabled. A failed handshake counts as a failed
  // connection attempt (the client moves on to the next host).
  TlsOptions tls;
};

class Client {
 public:
  virtual ~Client() = default;

  // Starts connecting; returns at once.
  virtual void Start() = 0;
  // Blocks until connected (true) or until the timeout or a terminal state (false).
  virtual bool WaitConnected(std::chrono::milliseconds timeout) = 0;
  // Closes the session (closeSession, waiting up to 2 s for the answer) and stops the event
  // thread. Pending requests fail with kClosing. Idempotent; must not be called from a callback.
  virtual void Close() = 0;

  // Adds a listener for session events (besides ClientOptions::listener); returns its id.
  // Listeners run on the event thread and must not block.
  virtual int AddListener(StateListener listener) = 0;
  virtual void RemoveListener(int id) = 0;

  virtual SessionState state() const = 0;
  virtual int64_t session_id() const = 0;
  virtual std::string password() const = 0;
  virtual int32_t negotiated_timeout_ms() const = 0;
  // "host:port" of the server currently connected, or "" when not connected.
  virtual std::string server() const = 0;

  // --- Callback forms (the primitives). `watcher` may be empty (no watch).
  virtual void Create(const std::string& path, std::optional<std::string> data, CreateMode mode,
                      const AclList& acl, int64_t ttl_ms, Callback<CreateResult> cb) = 0;
  virtual void Delete(const std::string& path, int32_t version, Callback<Empty> cb) = 0;
  // kNoNode if missing; a watcher is set even then (it fires on creation).
  virtual void Exists(const std::string& path, Watcher watcher, Callback<Stat> cb) = 0;
  virtual void GetData(const std::string& path, Watcher watcher, Callback<DataResult> cb) = 0;
  virtual void SetData(const std::string& path, std::optional<std::string> data, int32_t version,
                       Callback<Stat> cb) = 0;
  virtual void GetAcl(const std::string& path, Callback<AclResult> cb) = 0;
  virtual void SetAcl(const std::string& path, const AclList& acl, int32_t version,
                      Callback<Stat> cb) = 0;
  virtual void GetChildren(const std::string& path, Watcher watcher,
                           Callback<ChildrenResult> cb) = 0;
  virtual void GetAllChildrenNumber(const std::string& path, Callback<int32_t> cb) = 0;
  virtual void GetEphemerals(const std::string& prefix,
                             Callback<std::vector<std::string>> cb) = 0;
  // Completes once the server has every write committed before it; echoes the path.
  virtual void Sync(const std::string& path, Callback<std::string> cb) = 0;
  // Atomic writes. Reply.error is the first failing op's code; value has every op's result.
  virtual void Multi(const std::vector<Op>& ops, Callback<std::vector<OpResult>> cb) = 0;
  // Independent reads (getData / getChildren); each result has its own error.
  virtual void MultiRead(const std::vector<Op>& ops, Callback<std::vector<OpResult>> cb) = 0;
  virtual void AddWatch(const std::string& path, AddWatchMode mode, Watcher watcher,
                        Callback<Empty> cb) = 0;
  // Removes this client's watchers of that type on path, here and on the server.
  virtual void RemoveWatches(const std::string& path, WatcherType type, Callback<Empty> cb) = 0;
  virtual void CheckWatches(const std::string& path, WatcherType type, Callback<Empty> cb) = 0;
  virtual void WhoAmI(Callback<std::vector<ClientInfo>> cb) = 0;
  // Adds credentials (e.g. "digest", "user:password"); resent after every reconnect.
  virtual void AddAuth(const std::string& scheme, const std::string& auth,
                       Callback<Empty> cb) = 0;

  // --- Synchronous forms. Must not be called from a callback (kApiError).
  Reply<CreateResult> Create(const std::string& path, std::optional<std::string> data,
                             CreateMode mode = CreateMode::kPersistent,
                             const AclList& acl = OpenAcl(), int64_t ttl_ms = -1);
  Reply<Empty> Delete(const std::string& path, int32_t version = -1);
  Reply<Stat> Exists(const std::string& path, Watcher watcher = nullptr);
  Reply<DataResult> GetData(const std::string& path, Watcher watcher = nullptr);
  Reply<Stat> SetData(const std::string& path, std::optional<std::string> data,
                      int32_t version = -1);
  Reply<AclResult> GetAcl(const std::string& path);
  Reply<Stat> SetAcl(const std::string& path, const AclList& acl, int32_t version = -1);
  Reply<ChildrenResult> GetChildren(const std::string& path, Watcher watcher = nullptr);
  Reply<int32_t> GetAllChildrenNumber(const std::string& path);
  Reply<std::vector<std::string>> GetEphemerals(const std::string& prefix = "/");
  Reply<std::string> Sync(const std::string& path);
  Reply<std::vector<OpResult>> Multi(const std::vector<Op>& ops);
  Reply<std::vector<OpResult>> MultiRead(const std::vector<Op>& ops);
  Reply<Empty> AddWatch(const std::string& path, AddWatchMode mode, Watcher watcher);
  Reply<Empty> RemoveWatches(const std::string& path, WatcherType type);
  Reply<Empty> CheckWatches(const std::string& path, WatcherType type);
  Reply<std::vector<ClientInfo>> WhoAmI();
  Reply<Empty> AddAuth(const std::string& scheme, const std::string& auth);

  // --- Future forms.
  std::future<Reply<CreateResult>> CreateAsync(const std::string& path,
                                               std::optional<std::string> data,
                                               CreateMode mode = CreateMode::kPersistent,
                                               const AclList& acl = OpenAcl(),
                                               int64_t ttl_ms = -1);
  std::future<Reply<Empty>> DeleteAsync(const std::string& path, int32_t version = -1);
  std::future<Reply<Stat>> ExistsAsync(const std::string& path, Watcher watcher = nullptr);
  std::future<Reply<DataResult>> GetDataAsync(const std::string& path,
                                              Watcher watcher = nullptr);
  std::future<Reply<Stat>> SetDataAsync(const std::string& path, std::optional<std::string> data,
                                        int32_t version = -1);
  std::future<Reply<AclResult>> GetAclAsync(const std::string& path);
  std::future<Reply<Stat>> SetAclAsync(const std::string& path, const AclList& acl,
                                       int32_t version = -1);
  std::future<Reply<ChildrenResult>> GetChildrenAsync(const std::string& path,
                                                      Watcher watcher = nullptr);
  std::future<Reply<int32_t>> GetAllChildrenNumberAsync(const std::string& path);
  std::future<Reply<std::vector<std::string>>> GetEphemeralsAsync(const std::string& prefix);
  std::future<Reply<std::string>> SyncAsync(const std::string& path);
  std::future<Reply<std::vector<OpResult>>> MultiAsync(const std::vector<Op>& ops);
  std::future<Reply<std::vector<OpResult>>> MultiReadAsync(const std::vector<Op>& ops);
  std::future<Reply<Empty>> AddWatchAsync(const std::string& path, AddWatchMode mode,
                                          Watcher watcher);
  std::future<Reply<Empty>> RemoveWatchesAsync(const std::string& path, WatcherType type);
  std::future<Reply<Empty>> CheckWatchesAsync(const std::string& path, WatcherType type);
  std::future<Reply<std::vector<ClientInfo>>> WhoAmIAsync();
  std::future<Reply<Empty>> AddAuthAsync(const std::string& scheme, const std::string& auth);

 protected:
  // True when called on the client's event thread (synchronous calls are refused there).
  virtual bool OnEventThread() const = 0;
  virtual std::chrono::milliseconds SyncTimeout() const = 0;

 private:
  template <typename T, typename Begin>
  Reply<T> Await(Begin begin);
  template <typename T, typename Begin>
  std::future<Reply<T>> Promise(Begin begin);
};

// The network client. Does not connect until Start(). Returns nullptr when the connect string
// is malformed or a TLS file cannot be loaded.
std::unique_ptr<Client> NewClient(ClientOptions options);

}  // namespace paddock
