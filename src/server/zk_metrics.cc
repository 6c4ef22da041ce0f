#include "server/zk_metrics.h"

#include <sys/resource.h>

#include "server/admin/prometheus.h"
#include "server/report_util.h"
#include "server/server.h"

namespace paddock::server {

std::vector<ZkMetric> ZkMetrics(const Server& s) {
  const ServerStats& st = s.stats();
  const auto& tree = s.state().tree();
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  std::vector<ZkMetric> out;
  auto add = [&out](const char* name, auto v) {
    out.push_back({name, std::to_string(v), static_cast<double>(v)});
  };
  double avg = st.latency.Average();
  out.push_back({"avg_latency", JavaDouble(avg), avg});
  add("max_latency", st.latency.max_ms);
  add("min_latency", st.latency.Min());
  add("packets_received", st.packets_received);
  add("packets_sent", st.packets_sent);
  add("num_alive_connections", s.connections().size());
  add("outstanding_requests", s.OutstandingRequests());
  add("uptime", s.clock().NowWallMs() - st.start_wall_ms);
  add("znode_count", tree.NodeCount() + 1);
  add("watch_count", s.watches().WatchCount());
  add("ephemerals_count", tree.EphemeralCount());
  add("approximate_data_size", tree.ApproximateDataSize());
  add("global_sessions", s.state().sessions().size());
  add("local_sessions", 0);
  add("open_file_descriptor_count", OpenFdCount());
  add("max_file_descriptor_count", static_cast<int64_t>(rl.rlim_cur));
  if (s.config().IsEnsemble() && s.ModeName() == std::string("leader")) {
    // Members that report to the leader over the peer channel, and those of them serving.
    Server::FollowerCounts f = s.Followers();
    add("learners", f.followers);
    add("followers", f.followers);
    add("synced_followers", f.synced);
    add("synced_non_voting_followers", 0);
    add("synced_observers", 0);
  }
  return out;
}

std::string ZkPrometheusText(const Server& s) {
  admin::PrometheusWriter w;
  for (const ZkMetric& m : ZkMetrics(s)) w.Gauge(m.name, m.name, m.value);
  return w.text();
}

}  // namespace paddock::server
