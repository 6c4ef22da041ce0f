#include "server/admin/metrics.h"

#include <map>

#include "proto/codes.h"
#include "server/admin/commands_internal.h"
#include "server/admin/prometheus.h"
#include "server/four_letter.h"
#include "server/server.h"

namespace paddock::server::admin {
namespace {

using proto::Op;

// ZooKeeper's OpCode names (the Java client's ZooDefs.OpCode), used as the `op` label.
std::string OpLabel(int32_t op) {
  static const std::map<Op, const char*> kNames = {
      {Op::kCreate, "create"},
      {Op::kDelete, "delete"},
      {Op::kExists, "exists"},
      {Op::kGetData, "getData"},
      {Op::kSetData, "setData"},
      {Op::kGetACL, "getACL"},
      {Op::kSetACL, "setACL"},
      {Op::kGetChildren, "getChildren"},
      {Op::kSync, "sync"},
      {Op::kPing, "ping"},
      {Op::kGetChildren2, "getChildren2"},
      {Op::kCheck, "check"},
      {Op::kMulti, "multi"},
      {Op::kCreate2, "create2"},
      {Op::kReconfig, "reconfig"},
      {Op::kCheckWatches, "checkWatches"},
      {Op::kRemoveWatches, "removeWatches"},
      {Op::kCreateContainer, "createContainer"},
      {Op::kDeleteContainer, "deleteContainer"},
      {Op::kCreateTTL, "createTTL"},
      {Op::kMultiRead, "multiRead"},
      {Op::kAuth, "auth"},
      {Op::kSetWatches, "setWatches"},
      {Op::kSasl, "sasl"},
      {Op::kGetEphemerals, "getEphemerals"},
      {Op::kGetAllChildrenNumber, "getAllChildrenNumber"},
      {Op::kSetWatches2, "setWatches2"},
      {Op::kAddWatch, "addWatch"},
      {Op::kWhoAmI, "whoAmI"},
      {Op::kCreateSession, "createSession"},
      {Op::kCloseSession, "closeSession"},
  };
  auto it = kNames.find(static_cast<Op>(op));
  return it == kNames.end() ? "op" + std::to_string(op) : it->second;
}

template <typename T>
double D(T v) {
  return static_cast<double>(v);
}

void Requests(const Server& s, PrometheusWriter& w) {
  const auto& ops = s.stats().ops;
  w.Family("paddock_requests_total", "counter", "Requests answered, by ZooKeeper opcode.");
  for (const auto& [op, o] : ops) {
    w.Sample("paddock_requests_total", {{"op", OpLabel(op)}}, D(o.count));
  }
  w.Family("paddock_request_errors_total", "counter",
           "Requests answered with a non-zero ZooKeeper error code, by opcode.");
  for (const auto& [op, o] : ops) {
    w.Sample("paddock_request_errors_total", {{"op", OpLabel(op)}}, D(o.errors));
  }
  w.Family("paddock_request_duration_seconds", "histogram",
           "Time from receiving a request to its reply being ready (millisecond resolution), "
           "by opcode.");
  for (const auto& [op, o] : ops) {
    w.Histogram("paddock_request_duration_seconds", {{"op", OpLabel(op)}},
                LatencyHistogramMs::kBoundsMs, o.latency.counts, D(o.latency.sum_ms), 1e-3);
  }
  w.Counter("paddock_packets_received_total", "Client packets received.",
            D(s.stats().packets_received));
  w.Counter("paddock_packets_sent_total", "Client packets sent.", D(s.stats().packets_sent));
  w.Counter("paddock_auth_failed_total", "Authentication requests refused.",
            D(s.stats().auth_failed_count));
  w.Family("paddock_admin_requests_total", "counter",
           "Admin endpoint requests answered by the server, by command (\"metrics\" for this "
           "page).");
  for (const auto& [name, n] : s.stats().admin_requests) {
    w.Sample("paddock_admin_requests_total", {{"command", name}}, D(n));
  }
}

void Sessions(Server& s, PrometheusWriter& w) {
  const ServerStats& st = s.stats();
  w.Gauge("paddock_sessions_alive", "Live sessions in the replicated session table.",
          D(s.state().sessions().size()));
  w.Counter("paddock_sessions_created_total", "Sessions created since this server started.",
            D(st.sessions_created));
  w.Counter("paddock_sessions_closed_total", "Sessions closed by their client.",
            D(st.sessions_closed));
  w.Counter("paddock_sessions_expired_total",
            "Sessions expired: nothing heard from the client for the whole session timeout.",
            D(st.sessions_expired));
  w.Family("paddock_session_disconnects_total", "counter",
           "Connections of sessions that ended, by who ended them (the session lives on).");
  const char* by[] = {"client", "network", "server"};
  for (size_t i = 0; i < 3; i++) {
    w.Sample("paddock_session_disconnects_total", {{"by", by[i]}}, D(st.session_disconnects[i]));
  }
  w.Counter("paddock_throttled_reads_total",
            "Times a connection stopped being read because of globalOutstandingLimit.",
            D(st.throttle_events));
  w.Gauge("paddock_outstanding_requests_peak",
          "The most requests outstanding at once since this server started.",
          D(st.outstanding_peak));
  w.Counter("paddock_slow_client_disconnects_total",
            "Clients disconnected for not reading their replies.",
            D(st.slow_client_disconnects));
  w.Counter("paddock_oversized_replies_total",
            "Replies over jute.maxbuffer, answered with MARSHALLINGERROR instead.",
            D(st.oversized_replies));
  w.Gauge("paddock_connections", "Open client connections.", D(s.connections().size()));
  w.Gauge("paddock_outstanding_requests", "Requests received and not yet answered.",
          D(s.OutstandingRequests()));
  w.Gauge("paddock_ephemerals", "Ephemeral znodes.", D(s.state().tree().EphemeralCount()));
  w.Gauge("paddock_watches", "Watch registrations (data and child tables).",
          D(s.watches().WatchCount()));
  w.Gauge("paddock_znodes", "Znodes in the tree, the root included.",
          D(s.state().tree().NodeCount()));
  w.Gauge("paddock_approximate_data_size_bytes", "Bytes of paths and data in the tree.",
          D(s.state().tree().ApproximateDataSize()));
}

void Raft(const Server& s, PrometheusWriter& w) {
  consensus::LogStats log = s.LogStats();
  w.Family("paddock_raft_role", "gauge", "1 for this member's current Raft role, 0 otherwise.");
  for (auto role : {consensus::LogStats::Role::kLeader, consensus::LogStats::Role::kFollower,
                    consensus::LogStats::Role::kCandidate,
                    consensus::LogStats::Role::kUnavailable}) {
    w.Sample("paddock_raft_role", {{"role", RoleName(role)}}, log.role == role ? 1 : 0);
  }
  w.Gauge("paddock_raft_term", "Current Raft term.", D(log.term));
  w.Gauge("paddock_raft_commit_index", "Highest log index known to be committed.",
          D(log.commit_index));
  w.Gauge("paddock_raft_applied_index", "Highest log index applied to the state machine.",
          D(log.last_applied));
  w.Gauge("paddock_raft_last_index", "Highest log index in this member's log.", D(log.last_index));
  w.Family("paddock_raft_fsync_duration_seconds", "histogram",
           "Durable log appends: from handing entries to the disk backend until they are "
           "written and synced.");
  w.Histogram("paddock_raft_fsync_duration_seconds", {}, consensus::DurationHistogram::kBoundsUs,
              log.fsync.counts, D(log.fsync.sum_us), 1e-6);
  w.Counter("paddock_snapshots_total", "Snapshots taken since this server started.",
            D(log.snapshots_taken));
  w.Gauge("paddock_snapshot_last_size_bytes", "Size of the last snapshot taken.",
          D(log.snapshot_bytes_last));
  w.Gauge("paddock_snapshot_last_duration_seconds",
          "Time the last snapshot took, capture and write to disk.",
          D(log.snapshot_total_us_last) * 1e-6);
  w.Gauge("paddock_snapshot_last_capture_duration_seconds",
          "Time the last snapshot spent serializing the state on the event loop.",
          D(log.snapshot_capture_us_last) * 1e-6);
  w.Gauge("paddock_snapshot_last_index", "Log index covered by the last snapshot.",
          D(log.snapshot_index_last));
  // Read at each scrape (one statvfs), whether or not the guard is on.
  int64_t free = DiskGuard::StatvfsFreeBytes(s.config().RaftDir());
  if (free >= 0) {
    w.Gauge("paddock_disk_free_bytes",
            "Bytes free for the server on the filesystem of the Raft log (statvfs f_bavail).",
            D(free));
  }
  w.Gauge("paddock_disk_reserve_bytes",
          "paddock.diskReserveBytes: below this much free space client writes are refused "
          "(0: the guard is off).",
          D(s.config().disk_reserve_bytes));
  w.Gauge("paddock_disk_writes_refused",
          "1 while client writes are refused because the log's disk is below the reserve.",
          s.disk_guard() != nullptr && s.disk_guard()->low() ? 1 : 0);
  w.Gauge("paddock_snapshot_last_timestamp_seconds",
          "Wall-clock time of the last snapshot (0: none since start).",
          s.stats().snapshot_wall_ms_last < 0 ? 0 : D(s.stats().snapshot_wall_ms_last) * 1e-3);
}

}  // namespace

std::string RenderMetrics(Server& server) {
  PrometheusWriter w;
  w.Family("paddock_build_info", "gauge", "Version of this server; the value is always 1.");
  w.Sample("paddock_build_info", {{"version", VersionString()}}, 1);
  w.Gauge("paddock_uptime_seconds", "Time since this server started.",
          D(server.clock().NowWallMs() - server.stats().start_wall_ms) * 1e-3);
  w.Gauge("paddock_serving", "1 when this server answers clients.", server.serving() ? 1 : 0);
  Requests(server, w);
  Sessions(server, w);
  Raft(server, w);
  return w.text();
}

}  // namespace paddock::server::admin
