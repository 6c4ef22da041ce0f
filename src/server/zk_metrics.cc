#include "server/zk_metrics.h"

#include <sys/resource.h>

#include <cmath>
#include <limits>

#include "proto/codes.h"
#include "server/admin/prometheus.h"
#include "server/report_util.h"
#include "server/server.h"

namespace paddock::server {
namespace {

// The value below which a fraction q of the recorded values lie, interpolated linearly inside
// its bucket (as Prometheus's histogram_quantile does); NaN with no values, as ZooKeeper's
// summaries show before their first observation.
double Quantile(std::span<const int64_t> bounds, std::span<const int64_t> counts, int64_t count,
                double q) {
  if (count == 0) return std::numeric_limits<double>::quiet_NaN();
  double rank = q * static_cast<double>(count);
  int64_t below = 0;
  for (size_t i = 0; i < counts.size(); i++) {
    if (static_cast<double>(below + counts[i]) >= rank && counts[i] > 0) {
      double lower = i == 0 ? 0 : static_cast<double>(bounds[i - 1]);
      if (i >= bounds.size()) return lower;  // past the last bound: the bound itself
      double upper = static_cast<double>(bounds[i]);
      return lower + (upper - lower) * (rank - static_cast<double>(below)) /
                         static_cast<double>(counts[i]);
    }
    below += counts[i];
  }
  return static_cast<double>(bounds.back());
}

// ZooKeeper's readlatency and updatelatency: requests without and with a txn (ServerStats).
void RequestLatencies(const Server& s, admin::PrometheusWriter* w) {
  admin::LatencyHistogramMs reads, updates;
  for (const auto& [op, stats] : s.stats().ops) {
    admin::LatencyHistogramMs& into =
        proto::IsWriteOp(static_cast<proto::Op>(op)) ? updates : reads;
    for (size_t i = 0; i < into.counts.size(); i++) into.counts[i] += stats.latency.counts[i];
    into.count += stats.latency.count;
    into.sum_ms += stats.latency.sum_ms;
  }
  for (const auto& [name, h] : {std::pair{"readlatency", &reads}, {"updatelatency", &updates}}) {
    std::vector<std::pair<double, double>> qs;
    for (double q : {0.5, 0.9, 0.99}) {
      qs.emplace_back(q, Quantile(h->kBoundsMs, h->counts, h->count, q));
    }
    w->Summary(name, name, qs, h->count, static_cast<double>(h->sum_ms));
  }
}

}  // namespace

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
  // Paddock never drops connections at random (ZooKeeper's BlueThrottle): the chance is 0.
  out.push_back({"connection_drop_probability", "0.0", 0.0});
  add("last_client_response_size", st.response_bytes_last);
  add("max_client_response_size", st.response_bytes_max);
  add("min_client_response_size", st.response_bytes_min);
  add("auth_failed_count", st.auth_failed_count);
  if (s.config().IsEnsemble()) add("quorum_size", s.config().servers.size());
  if (s.config().IsEnsemble() && s.ModeName() == std::string("leader")) {
    // Members that report to the leader over the peer channel, and those of them serving.
    Server::FollowerCounts f = s.Followers();
    add("learners", f.followers);
    add("followers", f.followers);  // mntr only: the pre-3.6 key older scripts read
    add("synced_followers", f.synced);
    add("synced_non_voting_followers", 0);
    add("synced_observers", 0);
  }
  return out;
}

std::string ZkPrometheusText(const Server& s) {
  admin::PrometheusWriter w;
  for (const ZkMetric& m : ZkMetrics(s)) {
    if (m.name != "followers") w.Gauge(m.name, m.name, m.value);
  }
  // ZooKeeper's counters carry no _total (client_java 0.9.0 added none).
  w.Family("stale_sessions_expired", "counter", "stale_sessions_expired");
  w.Sample("stale_sessions_expired", {}, static_cast<double>(s.stats().sessions_expired));
  RequestLatencies(s, &w);
  // Durable log appends (write and sync), in milliseconds as ZooKeeper's fsynctime.
  consensus::LogStats log = s.LogStats();
  const consensus::DurationHistogram& f = log.fsync;
  std::vector<int64_t> bounds_ms;
  for (int64_t us : f.kBoundsUs) bounds_ms.push_back(us);  // interpolated in µs, shown in ms
  double median_us = Quantile(bounds_ms, f.counts, f.count, 0.5);
  w.Summary("fsynctime", "fsynctime", {{0.5, median_us / 1000.0}}, f.count,
            static_cast<double>(f.sum_us) / 1000.0);
  return w.text();
}

}  // namespace paddock::server
