// The timing rules of a client connection, as pure functions of time (tests use a manual clock):
// when to ping, when a connection is dead, how long to wait before the next connect attempt,
// and the order in which hosts are tried.
//
// * Ping after one third of the negotiated timeout without sending anything.
// * Give a connection up after two thirds of the timeout without receiving anything.
// * Connect timeout (TCP connect + handshake) = session timeout / number of hosts.
// * Hosts are shuffled once (seeded); attempts go round-robin. Moving to the next host after a
//   failure is immediate, except that each completed round without success waits a backoff:
//   "full jitter" over an exponentially growing window (100 ms, 200 ms, ... capped at a third of
//   the session timeout and at 5 s), so that clients of a failed server spread out.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace paddock::client {

inline bool PingDue(int64_t now_ms, int64_t last_send_ms, int32_t timeout_ms) {
  return now_ms - last_send_ms >= timeout_ms / 3;
}

inline bool ReadTimedOut(int64_t now_ms, int64_t last_recv_ms, int32_t timeout_ms) {
  return now_ms - last_recv_ms >= timeout_ms * 2 / 3;
}

inline int32_t ConnectTimeoutMs(int32_t session_timeout_ms, size_t hosts) {
  return std::max<int32_t>(1, session_timeout_ms / static_cast<int32_t>(std::max<size_t>(1, hosts)));
}

class ReconnectPolicy {
 public:
  ReconnectPolicy(size_t host_count, uint64_t seed);

  // The order in which host indexes are tried (a fixed shuffle).
  const std::vector<size_t>& order() const { return order_; }
  // The host to try next, advancing the round-robin.
  size_t NextHost();
  // Delay before the attempt returned by the next NextHost(): 0 within a round, a jittered
  // backoff after a full round of failures.
  int64_t DelayBeforeNextMs(int32_t session_timeout_ms);
  // A connection succeeded: the backoff starts over.
  void OnConnected();
  int rounds_failed() const { return rounds_failed_; }

 private:
  std::vector<size_t> order_;
  size_t position_ = 0;
  size_t attempts_in_round_ = 0;
  int rounds_failed_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace paddock::client
