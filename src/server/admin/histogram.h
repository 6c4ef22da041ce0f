// LatencyHistogramMs: request latencies in fixed millisecond buckets, for /metrics.
//
// The server's clock has millisecond resolution, so the first bucket (<= 1 ms) holds every
// request answered within the same millisecond. Bucket i counts values <= kBoundsMs[i]; the last
// bucket counts the rest. Plain value type; loop thread only.
#pragma once

#include <array>
#include <cstdint>

namespace paddock::server::admin {

struct LatencyHistogramMs {
  static constexpr std::array<int64_t, 13> kBoundsMs = {1,   2,   5,    10,   25,   50,   100,
                                                        250, 500, 1000, 2500, 5000, 10000};
  std::array<int64_t, kBoundsMs.size() + 1> counts{};
  int64_t count = 0;
  int64_t sum_ms = 0;

  void Record(int64_t ms) {
    size_t i = 0;
    while (i < kBoundsMs.size() && ms > kBoundsMs[i]) i++;
    counts[i]++;
    count++;
    sum_ms += ms;
  }
};

}  // namespace paddock::server::admin
