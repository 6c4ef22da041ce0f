// Declarations shared by the admin command files (commands.cc, commands_stats.cc,
// sessions_view.cc). Not part of the admin module's interface. Loop thread only.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "consensus/replicated_log.h"
#include "server/report_util.h"

namespace paddock::server {
class Server;
}

namespace paddock::server::admin {

using Json = nlohmann::ordered_json;

// Commands that report statistics (commands_stats.cc).
void ServerStatsCommand(Server& s, Json& out);  // server_stats (srvr)
void StatsCommand(Server& s, Json& out);        // stats (stat)
void ConnectionsCommand(Server& s, Json& out);  // connections (cons)
void MonitorCommand(Server& s, Json& out);      // monitor (mntr)
// Paddock's live sessions feed (sessions_view.cc).
void SessionsCommand(Server& s, Json& out);

// Helpers.
std::string ServerStateName(const Server& s);  // "standalone" for now, as in mntr
const char* RoleName(consensus::LogStats::Role role);  // "leader", "follower", ...

}  // namespace paddock::server::admin
