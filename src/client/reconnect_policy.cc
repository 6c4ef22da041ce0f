#include "client/reconnect_policy.h"

namespace paddock::client {

ReconnectPolicy::ReconnectPolicy(size_t host_count, uint64_t seed) : rng_(seed) {
  for (size_t i = 0; i < host_count; i++) order_.push_back(i);
  std::shuffle(order_.begin(), order_.end(), rng_);
}

size_t ReconnectPolicy::NextHost() {
  size_t host = order_[position_];
  position_ = (position_ + 1) % order_.size();
  attempts_in_round_++;
  return host;
}

int64_t ReconnectPolicy::DelayBeforeNextMs(int32_t session_timeout_ms) {
  if (attempts_in_round_ < order_.size()) return 0;
  attempts_in_round_ = 0;
  rounds_failed_++;
  int64_t cap = std::min<int64_t>(5000, std::max<int64_t>(100, session_timeout_ms / 3));
  int64_t window = std::min<int64_t>(cap, int64_t{100} << std::min(rounds_failed_ - 1, 10));
  std::uniform_int_distribution<int64_t> jitter(0, window);
  return jitter(rng_);
}

void ReconnectPolicy::OnConnected() {
  attempts_in_round_ = 0;
  rounds_failed_ = 0;
}

}  // namespace paddock::client
