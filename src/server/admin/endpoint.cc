#include "server/admin/endpoint.h"

#include <httplib.h>

#include <atomic>
#include <chrono>

#include "base/assert.h"
#include "base/log.h"

namespace paddock::server::admin {
namespace {

constexpr time_t kKeepAliveSec = 1;  // bounds how long Stop() waits for idle keep-alive sockets
constexpr time_t kSocketTimeoutSec = 5;
constexpr size_t kPayloadBytesMax = 64 * 1024;

AdminReply Unavailable(const std::string& why) {
  AdminReply r;
  r.status = 503;
  r.content_type = "text/plain; charset=utf-8";
  r.body = why + "\n";
  return r;
}

AdminRequest FromHttp(const httplib::Request& req) {
  AdminRequest r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [k, v] : req.params) r.params.emplace(k, v);
  return r;
}

}  // namespace

AdminEndpoint::AdminEndpoint(uv_loop_t* loop, AdminHandler handler, StaticHandler static_handler)
    : handler_(std::move(handler)), static_handler_(std::move(static_handler)) {
  PADDOCK_ASSERT(uv_async_init(loop, &async_, OnAsync) == 0);
  async_.data = this;
}

AdminEndpoint::~AdminEndpoint() {
  PADDOCK_ASSERT_MSG(!async_open_, "AdminEndpoint destroyed before Stop()");
  if (!thread_.joinable()) return;
  // stop() only acts once the listen thread runs; it sets listen_done_ if it fails to start.
  while (!http_->is_running() && !listen_done_.load()) std::this_thread::yield();
  http_->stop();
  thread_.join();
}

Status AdminEndpoint::Start(const std::string& address, int port) {
  PADDOCK_ASSERT(http_ == nullptr);
  http_ = std::make_unique<httplib::Server>();
  http_->new_task_queue = [] { return new httplib::ThreadPool(kHttpThreads); };
  http_->set_keep_alive_timeout(kKeepAliveSec);
  http_->set_read_timeout(kSocketTimeoutSec);
  http_->set_write_timeout(kSocketTimeoutSec);
  http_->set_payload_max_length(kPayloadBytesMax);
  http_->Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    auto start = std::chrono::steady_clock::now();
    AdminRequest request = FromHttp(req);
    AdminReply reply;
    if (!static_handler_(request, &reply)) reply = Marshal(std::move(request));
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) res.set_header(name, value);
    res.set_content(reply.body, reply.content_type.c_str());
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - start).count();
    PADDOCK_LOG_DEBUG("admin request method=GET path={} status={} remote={} us={}", req.path,
                      reply.status, req.remote_addr, us);
  });
  bool bound = port == 0 ? (port = http_->bind_to_any_port(address)) > 0
                         : http_->bind_to_port(address, port);
  if (!bound) {
    http_.reset();
    return Status::Error("cannot bind admin server to " + address + ":" + std::to_string(port));
  }
  port_ = port;
  thread_ = std::thread([this] {
    http_->listen_after_bind();
    listen_done_.store(true);
  });
  return Status::Ok();
}

void AdminEndpoint::Stop() {
  std::deque<std::shared_ptr<Pending>> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    pending.swap(queue_);
  }
  for (auto& p : pending) p->reply.set_value(Unavailable("server shutting down"));
  if (async_open_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
    async_open_ = false;
  }
  // Stops accepting; the HTTP threads finish their current request (answered 503 above).
  if (http_ && http_->is_running()) http_->stop();
  port_ = 0;
}

AdminReply AdminEndpoint::Marshal(AdminRequest request) {
  auto pending = std::make_shared<Pending>();
  pending->request = std::move(request);
  std::future<AdminReply> reply = pending->reply.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Unavailable("server shutting down");
    if (queue_.size() >= kQueuedMax) return Unavailable("admin request queue full");
    queue_.push_back(pending);
    // Under the lock: Stop() closes the handle only after setting closed_ under it.
    uv_async_send(&async_);
  }
  if (reply.wait_for(std::chrono::milliseconds(kReplyWaitMs)) != std::future_status::ready) {
    return Unavailable("server busy: no answer within " + std::to_string(kReplyWaitMs) + " ms");
  }
  return reply.get();
}

void AdminEndpoint::OnAsync(uv_async_t* async) {
  static_cast<AdminEndpoint*>(async->data)->Drain();
}

void AdminEndpoint::Drain() {
  std::deque<std::shared_ptr<Pending>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(queue_);
  }
  for (auto& p : batch) p->reply.set_value(handler_(p->request));
}

}  // namespace paddock::server::admin
