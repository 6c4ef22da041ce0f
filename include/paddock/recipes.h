// paddock/recipes.h: coordination recipes on top of paddock::Client.
//
// Each recipe tells its user when it may no longer hold what it holds:
//   kSuspended  the connection is lost; the session may still be alive (do not assume you hold)
//   kResumed    reconnected with the same session: still held
//   kLost       the session expired: not held any more
// Listeners run on the client's event thread and must not block.
//
// Thread-safety: each recipe object is used from one thread at a time (its blocking calls are
// not for client callbacks); listeners may arrive concurrently with those calls.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <string>

#include "paddock/client.h"

namespace paddock {

enum class RecipeEvent { kAcquired, kSuspended, kResumed, kLost, kReleased };
std::string RecipeEventName(RecipeEvent e);
using RecipeListener = std::function<void(RecipeEvent)>;

// A distributed lock: each contender creates an ephemeral sequential node under `dir`; the
// lowest holds the lock; every other contender watches only its predecessor (no herd effect).
class Lock {
 public:
  Lock(Client& client, std::string dir, RecipeListener listener = nullptr);
  ~Lock();
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  // Blocks until the lock is held (kOk), the timeout passes (kOperationTimeout, and this
  // contender leaves the queue), or an error.
  Error Acquire(std::chrono::milliseconds timeout);
  // Like Acquire, but on timeout keeps this contender's place in the queue, so that it can be
  // called again (Release() withdraws).
  Error AcquireKeepingPlace(std::chrono::milliseconds timeout);
  Error Release();
  bool held() const { return held_.load(); }
  // This contender's node, once created.
  std::string node() const;

 private:
  Error EnsureNode();
  void OnSession(const SessionEvent& e);

  Client& client_;
  std::string dir_;
  RecipeListener listener_;
  int listener_id_ = 0;
  std::string prefix_;  // a unique name prefix, to find our node after a connection loss
  mutable std::mutex mu_;
  std::string node_;
  std::atomic<bool> held_{false};
  std::atomic<bool> suspended_{false};
};

// Leader election: contenders queue under `dir` like the lock; the first is the leader. Runs
// asynchronously: Start() returns at once and the listener hears kAcquired when elected.
class LeaderElection {
 public:
  LeaderElection(Client& client, std::string dir, std::string id, RecipeListener listener);
  ~LeaderElection();
  LeaderElection(const LeaderElection&) = delete;
  LeaderElection& operator=(const LeaderElection&) = delete;

  void Start();
  // Withdraws (deleting this contender's node); blocks until done.
  void Stop();
  bool is_leader() const { return leader_.load(); }

 private:
  Lock lock_;
  std::string id_;
  RecipeListener listener_;
  std::atomic<bool> leader_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Service registration: an ephemeral node that exists while this process is alive, re-created
// after a new session (use ClientOptions::renew_session_on_expiry so that the client starts one).
class ServiceRegistration {
 public:
  ServiceRegistration(Client& client, std::string path, std::string data,
                      RecipeListener listener = nullptr);
  ~ServiceRegistration();
  ServiceRegistration(const ServiceRegistration&) = delete;
  ServiceRegistration& operator=(const ServiceRegistration&) = delete;

  // Creates the node (kOk, or the error); later sessions re-create it by themselves.
  Error Start();
  void Stop();
  bool registered() const { return registered_.load(); }

 private:
  void OnSession(const SessionEvent& e);
  void CreateAsync();

  Client& client_;
  std::string path_;
  std::string data_;
  RecipeListener listener_;
  int listener_id_ = 0;
  std::atomic<bool> registered_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<int64_t> session_{0};
};

}  // namespace paddock
