// The admin commands that report statistics: server_stats, stats, connections and monitor, with
// ZooKeeper 3.8's field names (ServerStats, ServerCnxn.getConnectionInfo, MonitorCommand).
#include <sys/resource.h>

#include "proto/codes.h"
#include "server/admin/commands_internal.h"
#include "server/four_letter.h"
#include "server/report_util.h"
#include "server/server.h"

namespace paddock::server::admin {
namespace {

Json ClientResponse(const ServerStats& st) {
  Json r = Json::object();
  r["last_buffer_size"] = st.response_bytes_last;
  r["min_buffer_size"] = st.response_bytes_min;
  r["max_buffer_size"] = st.response_bytes_max;
  return r;
}

Json ServerStatsObject(const Server& s) {
  const ServerStats& st = s.stats();
  Json o = Json::object();
  o["packets_sent"] = st.packets_sent;
  o["packets_received"] = st.packets_received;
  o["fsync_threshold_exceed_count"] = 0;
  o["client_response_stats"] = ClientResponse(st);
  o["data_dir_size"] = DirBytes(s.config().RaftDir());
  o["log_dir_size"] = DirBytes(s.config().RaftDir());
  o["provider_null"] = false;
  o["server_state"] = ServerStateName(s);
  o["last_processed_zxid"] = s.state().last_zxid();
  o["outstanding_requests"] = s.OutstandingRequests();
  o["avg_latency"] = st.latency.Average();
  o["max_latency"] = st.latency.max_ms;
  o["min_latency"] = st.latency.Min();
  o["num_alive_client_connections"] = s.connections().size();
  o["auth_failed_count"] = st.auth_failed_count;
  o["non_mtlsremote_conn_count"] = 0;
  o["non_mtlslocal_conn_count"] = 0;
  o["uptime"] = s.clock().NowWallMs() - st.start_wall_ms;
  return o;
}

Json ConnectionInfo(const Connection& c, bool brief) {
  Json o = Json::object();
  o["remote_socket_address"] = c.remote_ip() + ":" + std::to_string(c.remote_port());
  o["interest_ops"] = c.closing() ? 0 : 1;
  o["outstanding_requests"] = c.pipeline().size();
  o["packets_received"] = c.packets_received();
  o["packets_sent"] = c.packets_sent();
  if (brief) return o;
  o["session_id"] = c.session_id();
  o["last_operation"] = proto::OpShortName(c.last_op());
  o["established"] = c.established_wall_ms();
  o["session_timeout"] = c.timeout_ms();
  o["last_cxid"] = c.last_cxid();
  o["last_zxid"] = c.last_zxid();
  o["last_response_time"] = c.last_response_wall_ms();
  o["last_latency"] = c.latency().last_ms;
  o["min_latency"] = c.latency().Min();
  o["avg_latency"] = c.latency().AverageWhole();
  o["max_latency"] = c.latency().max_ms;
  return o;
}

Json Connections(const Server& s, bool brief) {
  Json list = Json::array();
  for (const auto& [id, c] : s.connections()) list.push_back(ConnectionInfo(*c, brief));
  return list;
}

// Paddock's own monitor keys: sessions, the Raft log and snapshots.
void MonitorPaddock(const Server& s, Json& o) {
  const ServerStats& st = s.stats();
  consensus::LogStats log = s.LogStats();
  o["sessions_created"] = st.sessions_created;
  o["sessions_closed"] = st.sessions_closed;
  o["sessions_expired"] = st.sessions_expired;
  o["raft_role"] = RoleName(log.role);
  o["raft_term"] = log.term;
  o["raft_commit_index"] = log.commit_index;
  o["raft_applied_index"] = log.last_applied;
  o["raft_last_index"] = log.last_index;
  o["snapshots_taken"] = log.snapshots_taken;
  o["snapshot_bytes_last"] = log.snapshot_bytes_last;
  o["snapshot_time_ms_last"] = static_cast<double>(log.snapshot_total_us_last) / 1000.0;
}

// ZooKeeper's fsynctime summary (ms), from the log's append durations.
void MonitorFsync(const Server& s, Json& o) {
  const consensus::DurationHistogram& f = s.LogStats().fsync;
  o["avg_fsynctime"] = f.count == 0 ? 0.0 : static_cast<double>(f.sum_us) / 1000.0 /
                                                static_cast<double>(f.count);
  o["max_fsynctime"] = f.max_us / 1000;
  o["cnt_fsynctime"] = f.count;
  o["sum_fsynctime"] = f.sum_us / 1000;
}

}  // namespace

const char* RoleName(consensus::LogStats::Role role) {
  switch (role) {
    case consensus::LogStats::Role::kLeader: return "leader";
    case consensus::LogStats::Role::kFollower: return "follower";
    case consensus::LogStats::Role::kCandidate: return "candidate";
    case consensus::LogStats::Role::kUnavailable: return "unavailable";
  }
  return "unavailable";
}

void ServerStatsCommand(Server& s, Json& out) {
  out["version"] = VersionString();
  out["read_only"] = false;
  out["server_stats"] = ServerStatsObject(s);
  out["client_response"] = ClientResponse(s.stats());
  // ZooKeeper's path map holds the root twice ("" and "/"), as in srvr.
  out["node_count"] = s.state().tree().NodeCount() + 1;
}

void StatsCommand(Server& s, Json& out) {
  ServerStatsCommand(s, out);
  out["connections"] = Connections(s, true);
  out["secure_connections"] = Json::array();
}

void ConnectionsCommand(Server& s, Json& out) {
  out["connections"] = Connections(s, false);
  out["secure_connections"] = Json::array();
}

void MonitorCommand(Server& s, Json& o) {
  const ServerStats& st = s.stats();
  const auto& tree = s.state().tree();
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  o["version"] = VersionString();
  o["server_state"] = ServerStateName(s);
  o["ephemerals_count"] = tree.EphemeralCount();
  o["num_alive_connections"] = s.connections().size();
  o["avg_latency"] = st.latency.Average();
  o["outstanding_requests"] = s.OutstandingRequests();
  o["znode_count"] = tree.NodeCount() + 1;
  o["global_sessions"] = s.state().sessions().size();
  o["non_mtls_remote_conn_count"] = 0;
  o["last_client_response_size"] = st.response_bytes_last;
  o["packets_sent"] = st.packets_sent;
  o["packets_received"] = st.packets_received;
  o["max_client_response_size"] = st.response_bytes_max;
  o["watch_count"] = s.watches().WatchCount();
  o["auth_failed_count"] = st.auth_failed_count;
  o["min_latency"] = st.latency.Min();
  o["max_file_descriptor_count"] = static_cast<int64_t>(rl.rlim_cur);
  o["approximate_data_size"] = tree.ApproximateDataSize();
  o["open_file_descriptor_count"] = OpenFdCount();
  o["local_sessions"] = 0;
  o["uptime"] = s.clock().NowWallMs() - st.start_wall_ms;
  o["max_latency"] = st.latency.max_ms;
  o["min_client_response_size"] = st.response_bytes_min;
  o["non_mtls_local_conn_count"] = 0;
  MonitorFsync(s, o);
  MonitorPaddock(s, o);
}

}  // namespace paddock::server::admin
