// LatencyStats: min, average, max and last of request latencies in milliseconds, as ZooKeeper's
// srvr, stat, cons and mntr report them (and the admin endpoint's commands, from the same
// values). One type for the server's totals and each connection's. Plain value; not
// thread-safe.
#pragma once

#include <cstdint>

namespace paddock::server {

struct LatencyStats {
  int64_t last_ms = 0;
  int64_t min_ms = -1;  // -1 until the first
  int64_t max_ms = 0;
  int64_t total_ms = 0;
  int64_t count = 0;

  void Record(int64_t ms) {
    last_ms = ms;
    if (min_ms < 0 || ms < min_ms) min_ms = ms;
    if (ms > max_ms) max_ms = ms;
    total_ms += ms;
    count++;
  }
  void Reset() { *this = LatencyStats{}; }
  // What the reports show: 0 before the first request.
  int64_t Min() const { return min_ms < 0 ? 0 : min_ms; }
  double Average() const {
    return count == 0 ? 0.0 : static_cast<double>(total_ms) / static_cast<double>(count);
  }
  // cons prints the average as a whole number, as ZooKeeper's does.
  int64_t AverageWhole() const { return count == 0 ? 0 : total_ms / count; }
};

}  // namespace paddock::server
