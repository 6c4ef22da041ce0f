// The command registry and the commands that need no statistics. Names, aliases and fields
// follow ZooKeeper 3.8's Commands.java; see commands.h.
#include "server/admin/commands.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <set>

#include "server/admin/commands_internal.h"
#include "server/four_letter.h"
#include "server/server.h"

namespace paddock::server::admin {
namespace {

struct Command {
  std::vector<std::string> names;  // primary first
  bool server_required;
  std::function<void(Server&, Json&)> run;
};

void Dump(Server& s, Json& out) {
  int64_t mono = s.clock().NowMonotonicMs();
  int64_t wall = s.clock().NowWallMs();
  // Deadlines as wall-clock ms, in deadline order.
  std::map<int64_t, std::vector<int64_t>> by_deadline;
  for (auto [deadline, id] : s.liveness().ByDeadline()) {
    by_deadline[wall + deadline - mono].push_back(id);
  }
  Json expiry = Json::object();
  for (const auto& [when, ids] : by_deadline) expiry[std::to_string(when)] = ids;
  Json ephemerals = Json::object();
  for (const auto& [id, paths] : s.state().tree().ephemerals()) {
    ephemerals[std::to_string(id)] = paths;
  }
  out["expiry_time_to_session_ids"] = std::move(expiry);
  out["session_id_to_ephemeral_paths"] = std::move(ephemerals);
}

int64_t SessionOfConnection(const Server& s, int64_t connection_id) {
  auto it = s.connections().find(connection_id);
  return it == s.connections().end() ? 0 : it->second->session_id();
}

// Like ZooKeeper, the watch commands cover the data-watch table.
void WatchSummary(Server& s, Json& out) {
  size_t total = 0;
  for (const auto& [path, ws] : s.watches().ByPath()) total += ws.size();
  out["num_connections"] = s.watches().WatcherCount();
  out["num_paths"] = s.watches().WatchedPathCount();
  out["num_total_watches"] = total;
}

void Watches(Server& s, Json& out) {
  Json by_session = Json::object();
  for (const auto& [w, paths] : s.watches().ByWatcher()) {
    by_session[std::to_string(SessionOfConnection(s, w))] = paths;
  }
  out["session_id_to_watched_paths"] = std::move(by_session);
}

void WatchesByPath(Server& s, Json& out) {
  Json by_path = Json::object();
  for (const auto& [path, ws] : s.watches().ByPath()) {
    std::set<int64_t> ids;
    for (auto w : ws) ids.insert(SessionOfConnection(s, w));
    by_path[path] = ids;
  }
  out["path_to_session_ids"] = std::move(by_path);
}

void Environment(Server&, Json& out) {
  utsname u{};
  uname(&u);
  char cwd[4096] = {0};
  if (getcwd(cwd, sizeof(cwd)) == nullptr) cwd[0] = 0;
  const char* user = std::getenv("USER");
  const char* home = std::getenv("HOME");
  out["zookeeper.version"] = VersionString();
  out["host.name"] = u.nodename;
  out["os.name"] = u.sysname;
  out["os.arch"] = u.machine;
  out["os.version"] = u.release;
  out["user.name"] = user != nullptr ? user : "";
  out["user.home"] = home != nullptr ? home : "";
  out["user.dir"] = cwd;
}

void Configuration(Server& s, Json& out) {
  const Config& c = s.config();
  out["client_port"] = c.client_port;
  out["data_dir"] = c.data_dir;
  out["data_log_dir"] = c.data_log_dir.empty() ? c.data_dir : c.data_log_dir;
  out["tick_time"] = c.tick_ms;
  out["max_client_cnxns"] = c.max_client_cnxns;
  out["min_session_timeout"] = c.SessionTimeoutMinMs();
  out["max_session_timeout"] = c.SessionTimeoutMaxMs();
  out["server_id"] = c.server_id;
  out["client_port_listen_backlog"] = -1;
}

void LastSnapshot(Server& s, Json& out) {
  const ServerStats& st = s.stats();
  char zxid[32];
  std::snprintf(zxid, sizeof(zxid), "%llx", static_cast<unsigned long long>(st.snapshot_zxid_last));
  out["zxid"] = zxid;
  out["timestamp"] = st.snapshot_wall_ms_last < 0 ? -1 : st.snapshot_wall_ms_last / 1000;
}

void Dirs(Server& s, Json& out) {
  out["datadir_size"] = DirBytes(s.config().RaftDir());
  out["logdir_size"] = DirBytes(s.config().RaftDir());
}

void ResetConnections(Server& s, Json&) {
  for (const auto& [id, c] : s.connections()) c->ResetStats();
}

const std::vector<Command>& Commands() {
  auto nothing = [](Server&, Json&) {};
  static const std::vector<Command> commands = {
      {{"configuration", "conf", "config"}, true, Configuration},
      {{"connection_stat_reset", "crst"}, true, ResetConnections},
      {{"connections", "cons"}, true, ConnectionsCommand},
      {{"dirs"}, true, Dirs},
      {{"dump"}, true, Dump},
      {{"environment", "env", "envi"}, false, Environment},
      {{"get_trace_mask", "gtmk"}, false, [](Server& s, Json& o) { o["tracemask"] = s.trace_mask(); }},
      {{"hash"}, true, [](Server&, Json& o) { o["digests"] = Json::array(); }},
      {{"initial_configuration", "icfg"}, true,
       [](Server& s, Json& o) { o["initial_configuration"] = s.config().text; }},
      {{"is_read_only", "isro"}, true, [](Server&, Json& o) { o["read_only"] = false; }},
      {{"last_snapshot", "lsnp"}, true, LastSnapshot},
      // ZooKeeper answers the error for a server outside a quorum (standalone).
      {{"leader", "lead"}, true,
       [](Server& s, Json& o) {
         if (!s.config().IsEnsemble()) {
           o["error"] = "server is not initialized";
           return;
         }
         int leader = static_cast<int>(s.KnownLeader());
         o["is_leader"] = s.ModeName() == std::string("leader");
         o["leader_id"] = leader;
         auto e = s.config().servers.find(leader);
         o["leader_ip"] = e == s.config().servers.end() ? "" : e->second.host;
       }},
      {{"monitor", "mntr"}, true, MonitorCommand},
      {{"observer_connection_stat_reset", "orst"}, true, nothing},
      {{"observers", "obsr"}, true,
       [](Server&, Json& o) {
         o["synced_observers"] = 0;
         o["observers"] = Json::array();
       }},
      {{"ruok"}, true, nothing},
      {{"server_stats", "srvr"}, true, ServerStatsCommand},
      {{"sessions"}, true, SessionsCommand},
      {{"stat_reset", "srst"}, true, [](Server& s, Json&) { s.mutable_stats().Reset(); }},
      {{"stats", "stat"}, true, StatsCommand},
      {{"voting_view"}, true, [](Server&, Json& o) { o["current_config"] = Json::object(); }},
      {{"watch_summary", "wchs"}, true, WatchSummary},
      {{"watches", "wchc"}, true, Watches},
      {{"watches_by_path", "wchp"}, true, WatchesByPath},
      {{"zabstate"}, true,
       [](Server&, Json& o) {
         o["voting"] = false;
         o["zabstate"] = "";
       }},
  };
  return commands;
}

const Command* Find(const std::string& name) {
  for (const Command& c : Commands()) {
    if (std::find(c.names.begin(), c.names.end(), name) != c.names.end()) return &c;
  }
  return nullptr;
}

}  // namespace

std::string ServerStateName(const Server& s) { return s.ModeName(); }

std::vector<std::string> CommandPrimaryNames() {
  std::vector<std::string> names;
  for (const Command& c : Commands()) names.push_back(c.names.front());
  std::sort(names.begin(), names.end());
  return names;
}

std::string RunCommand(Server& server, const std::string& name,
                       const std::map<std::string, std::string>&, std::string* primary) {
  Json out = Json::object();
  const Command* command = Find(name);
  *primary = command != nullptr ? command->names.front() : "unknown";
  if (command == nullptr) {
    out["command"] = name;
    out["error"] = "Unknown command: " + name;
  } else if (command->server_required && !server.serving()) {
    out["command"] = name;
    out["error"] = "This ZooKeeper instance is not currently serving requests";
  } else {
    command->run(server, out);
    out["command"] = command->names.front();
    // A command may report its own error (leader does); otherwise it is null.
    if (!out.contains("error")) out["error"] = nullptr;
  }
  return out.dump(2);
}

}  // namespace paddock::server::admin
