// Routes admin HTTP requests (endpoint.h) to their answers:
//
//   /                         an index of what the endpoint serves (HTML)
//   <commandURL>              ZooKeeper's list of command links (HTML)
//   <commandURL>/<name>       a ZooKeeper admin command, JSON (commands.h)
//   /metrics                  Prometheus text format (metrics.h)
//   /sessions                 the live sessions page (HTML + JavaScript, sessions_page.h)
//
// <commandURL> is admin.commandURL, "/commands" by default, as in ZooKeeper.
#pragma once

#include <string>

#include "server/admin/endpoint.h"

namespace paddock::server {
class Server;
}

namespace paddock::server::admin {

// Requests whose answer needs server state. Loop thread.
AdminReply Route(Server& server, const AdminRequest& request);
// Requests answered from constants alone: the HTML pages and unknown paths. Any thread; returns
// false when the request needs Route().
bool RouteStatic(const std::string& command_url, const AdminRequest& request, AdminReply* out);

}  // namespace paddock::server::admin
