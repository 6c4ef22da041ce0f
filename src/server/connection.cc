#include "server/connection.h"

namespace paddock::server {

void Connection::ResetStats() {
  packets_received = packets_sent = 0;
  latency.Reset();
}

}  // namespace paddock::server
