#include "server/connection.h"

namespace paddock::server {

void Connection::RecordLatency(int64_t ms) {
  last_latency_ms = ms;
  if (latency_min_ms < 0 || ms < latency_min_ms) latency_min_ms = ms;
  if (ms > latency_max_ms) latency_max_ms = ms;
  latency_total_ms += ms;
  latency_count++;
}

void Connection::ResetStats() {
  packets_received = packets_sent = 0;
  latency_min_ms = -1;
  latency_max_ms = latency_total_ms = latency_count = 0;
  last_latency_ms = 0;
}

}  // namespace paddock::server
