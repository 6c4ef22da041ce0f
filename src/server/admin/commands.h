// ZooKeeper's AdminServer commands (zookeeperAdmin.md, "The AdminServer"; Commands.java), served
// at <admin.commandURL>/<name> as JSON objects with ZooKeeper's field names.
//
// Every answer has "command" (the primary name, as ZooKeeper reports it) and "error" (null, or a
// message). An unknown name answers {"command": name, "error": "Unknown command: name"}, and a
// command that needs a serving server answers ZooKeeper's "This ZooKeeper instance is not
// currently serving requests" while this member waits for its log. Values are Paddock's: for
// example dump's expiry times are wall-clock milliseconds, not ZooKeeper's tick-rounded uptime.
// Paddock adds one command, `sessions`, the feed of the live sessions page (sessions_view.h).
// Loop thread only.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace paddock::server {
class Server;
}

namespace paddock::server::admin {

// The primary names, sorted (the index page at <admin.commandURL>).
std::vector<std::string> CommandPrimaryNames();
// Runs a command by primary name or alias; returns the JSON text. `primary` receives the
// command's primary name, or "unknown".
std::string RunCommand(Server& server, const std::string& name,
                       const std::map<std::string, std::string>& params, std::string* primary);

}  // namespace paddock::server::admin
