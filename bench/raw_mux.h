// RawMux: many ZooKeeper-protocol sessions on one libuv loop, for the scenarios that need tens
// of thousands of sessions (sessions, hold) or sessions that go silent on purpose (expiry).
//
// Why not libpaddock here: every paddock::Client runs its own event thread with its own libuv
// loop (src/client/network_client.h), so 100,000 idle sessions would be 100,000 threads; and a
// libpaddock session always pings, while the expiry scenario needs sessions that stop talking.
// A RawSession is a socket, a frame reader and a few fields; the handshake, ping, create and
// closeSession frames are built with the project's own jute codec (src/proto).
//
// With many sessions on loopback the client side runs out of ephemeral ports (about 28,000 per
// source address), so sessions are spread over source addresses 127.0.0.1, 127.0.0.2, ... when
// the server is on loopback. Single-threaded: everything runs on the caller's thread.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common.h"
#include "net/frame_reader.h"
#include "proto/jute.h"

namespace paddock::bench {

class RawMux;

// A server's replies are at most jute.maxbuffer bytes, as ZooKeeper's.
inline constexpr net::FrameReader::Limits kReplyLimits{0, proto::kJuteMaxBufferDefault};

struct RawSession {
  enum class State { kIdle, kConnecting, kHandshake, kOpen, kClosing, kClosed };
  uv_tcp_t tcp{};
  uv_connect_t connect_req{};
  net::FrameReader reader{kReplyLimits};
  RawMux* mux = nullptr;
  size_t index = 0;
  State state = State::kIdle;
  int64_t session_id = 0;
  int32_t timeout_ms = 0;
  int64_t started_ns = 0;     // connect started
  int64_t last_send_ns = 0;   // last frame sent
  int64_t sent_at_ns = 0;     // send time of the request in flight (one at a time)
  int32_t next_xid = 1;
  bool server_closed = false;  // the server closed the connection or answered with an error
};

class RawMux {
 public:
  struct Hooks {
    // The handshake completed (ok) or failed (connect error, refused session).
    std::function<void(RawSession&, bool ok)> on_connected;
    // A reply to a request (xid > 0 or closeSession); pings are absorbed here.
    std::function<void(RawSession&, int32_t xid, int32_t err)> on_reply;
    // The socket is closed (by us or by the server); the slot may be reused.
    std::function<void(RawSession&)> on_closed;
  };

  RawMux(std::vector<Endpoint> endpoints, int64_t source_addrs, Hooks hooks);
  ~RawMux();
  RawMux(const RawMux&) = delete;
  RawMux& operator=(const RawMux&) = delete;

  // Starts connecting session s (which must be kIdle or kClosed) with the given timeout.
  void Open(RawSession* s, int32_t timeout_ms);
  void SendPing(RawSession* s);
  // create(path, data, open ACL, flags); returns the xid.
  int32_t SendCreate(RawSession* s, const std::string& path, const std::string& data,
                     int32_t flags);
  int32_t SendCloseSession(RawSession* s);
  // Closes the socket without a closeSession (the session stays on the server).
  void CloseSocket(RawSession* s);

  // Runs the loop for one turn (waits at most about 5 ms).
  void RunOnce();
  uv_loop_t* loop() { return &loop_; }
  const Hooks& hooks() const { return hooks_; }
  int64_t pings_sent() const { return pings_sent_; }
  int64_t connect_errors() const { return connect_errors_; }

 private:
  static void OnConnect(uv_connect_t* req, int status);
  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t n, const uv_buf_t* buf);
  static void OnClose(uv_handle_t* h);
  void HandleFrame(RawSession* s, std::string_view frame);
  void Send(RawSession* s, std::string frame);
  void Fail(RawSession* s);

  uv_loop_t loop_{};
  uv_timer_t wake_{};
  std::vector<Endpoint> endpoints_;
  int64_t source_addrs_;
  Hooks hooks_;
  std::vector<char> read_buf_;
  uint64_t opened_ = 0;
  int64_t pings_sent_ = 0;
  int64_t connect_errors_ = 0;
};

// Source addresses needed for n concurrent loopback connections (at most 250).
int64_t AutoSourceAddrs(int64_t n);

}  // namespace paddock::bench
