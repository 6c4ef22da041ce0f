// ZooKeeper's own metric names, for the tools built on them: the `mntr` four-letter word lists
// them as "zk_<name>\t<value>", and ZooKeeper's Prometheus provider
// (metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider,
// served on metricsProvider.httpHost:httpPort) exposes them under the bare name, which is what
// the community ZooKeeper dashboards and alert rules query. One list feeds both, so the two
// cannot disagree. Paddock's own metrics (its names) stay on the admin endpoint's /metrics.
//
// The list holds the gauges ZooKeeperServer and the leader register in ZooKeeper 3.8 that have
// a meaning here. The Prometheus text adds the counters and summaries of ZooKeeper's
// ServerMetrics that Paddock can give (mntr keeps to the gauges): docs/zookeeper-metrics.md
// lists every ZooKeeper 3.8 name, served or not, with the reason for each one left out, and
// compat/zk_metrics_test.py holds the two to each other and to a real ZooKeeper.
//
// Threading: the loop thread (reads server state).
#pragma once

#include <string>
#include <vector>

namespace paddock::server {

class Server;

struct ZkMetric {
  std::string name;  // ZooKeeper's name, without mntr's "zk_" prefix
  std::string text;  // the value as mntr prints it
  double value = 0;  // the value as Prometheus exposes it
};

// In mntr's order. Leader-only metrics (learners, followers, synced_*) only on a leader;
// "followers" (ZooKeeper before 3.6) only in mntr.
std::vector<ZkMetric> ZkMetrics(const Server& s);
// The Prometheus text format (version 0.0.4) of ZooKeeper's names: ZkMetrics as gauges, as
// ZooKeeper's provider registers them, then the counters and summaries (readlatency and
// updatelatency with quantiles 0.5, 0.9 and 0.99, fsynctime with 0.5, in milliseconds;
// quantiles estimated from Paddock's histograms since start, where ZooKeeper keeps a 10-minute
// window).
std::string ZkPrometheusText(const Server& s);

}  // namespace paddock::server
