// /metrics: the server's counters in the Prometheus text format (prometheus.h).
//
// Families (all prefixed paddock_): requests and their latency by opcode; sessions alive,
// created, closed and expired; how sessions' connections ended; connections, ephemerals,
// watches, znodes and outstanding requests; the Raft role, term, commit, applied and last index;
// durable append (fsync) latency; the last snapshot's size and time. Loop thread only.
#pragma once

#include <string>

namespace paddock::server {
class Server;
}

namespace paddock::server::admin {

std::string RenderMetrics(Server& server);

}  // namespace paddock::server::admin
