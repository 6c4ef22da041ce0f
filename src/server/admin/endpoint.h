// AdminEndpoint: the admin HTTP server (ZooKeeper's AdminServer, zookeeperAdmin.md "The
// AdminServer"): /commands/<name> in JSON, /metrics for Prometheus and the live sessions page.
//
// Threading. The server's state belongs to the one libuv loop thread and has no locks (design
// brief, "Threading"). cpp-httplib (Debian libcpp-httplib-dev, the brief's choice) serves HTTP
// with blocking sockets on a small pool of its own threads, and those threads never read server
// state. Each request is marshalled instead:
//
//   HTTP thread                          loop thread
//   -----------                          -----------
//   lock; push {request, promise}; unlock
//   uv_async_send  ------------------->  OnAsync: take the queue under the lock
//   wait on the future (bounded)         reply = handler(request)  (reads state, no lock)
//   write reply   <-------------------   promise.set_value(reply)
//
// The queue is bounded (a full queue answers 503 at once) and so is the wait (a loop that does
// not answer within kReplyWaitMs answers 503; the promise stays valid for the loop to fulfil
// later). Requests that need no state (the sessions page's HTML) are answered on the HTTP thread.
//
// Why a library with threads rather than HTTP parsed on the loop: cpp-httplib is small, well
// kept and already packaged; it brings a tested HTTP/1.1 parser, keep-alive and socket timeouts,
// and the hand-off above costs one queue and one async handle. Admin traffic is light (a
// scraper, a browser tab), so the extra hop is not on any hot path.
//
// Lifetime: Start() after the loop exists; Stop() on the loop thread (it closes the async handle
// and makes the HTTP threads answer 503 from then on); the destructor joins the HTTP thread and
// must run after the loop has finished (the Server destroys it after uv_run returns).
#pragma once

#include <uv.h>

#include <atomic>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"

namespace httplib {
class Server;
}

namespace paddock::server::admin {

struct AdminRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> params;  // query string (first value of each key)
};

struct AdminReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;  // besides Content-Type
};

// Computes a reply. Runs on the loop thread.
using AdminHandler = std::function<AdminReply(const AdminRequest&)>;
// Answers a request on the HTTP thread without touching server state, or returns false.
using StaticHandler = std::function<bool(const AdminRequest&, AdminReply*)>;

class AdminEndpoint {
 public:
  static constexpr int64_t kReplyWaitMs = 5000;
  static constexpr size_t kQueuedMax = 64;
  static constexpr size_t kHttpThreads = 4;

  // REQUIRES: `loop` outlives this object; called on the loop thread.
  AdminEndpoint(uv_loop_t* loop, AdminHandler handler, StaticHandler static_handler);
  ~AdminEndpoint();
  AdminEndpoint(const AdminEndpoint&) = delete;
  AdminEndpoint& operator=(const AdminEndpoint&) = delete;

  // Binds address:port (port 0: any free port) and starts serving on a new thread. An error
  // (address in use, bad address) leaves the endpoint stopped; the caller decides what to do.
  Status Start(const std::string& address, int port);
  // Stops serving: waiting and later requests answer 503. Loop thread; idempotent.
  void Stop();
  // The bound port, or 0 when not serving.
  int port() const { return port_; }

 private:
  struct Pending {
    AdminRequest request;
    std::promise<AdminReply> reply;
  };
  // HTTP thread: queue, wake the loop, wait.
  AdminReply Marshal(AdminRequest request);
  // Loop thread.
  static void OnAsync(uv_async_t* async);
  void Drain();

  AdminHandler handler_;
  StaticHandler static_handler_;
  uv_async_t async_{};
  bool async_open_ = true;
  int port_ = 0;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  std::atomic<bool> listen_done_{false};

  std::mutex mu_;
  std::deque<std::shared_ptr<Pending>> queue_;  // guarded by mu_
  bool closed_ = false;                         // guarded by mu_
};

}  // namespace paddock::server::admin
