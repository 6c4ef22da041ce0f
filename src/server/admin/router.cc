#include "server/admin/router.h"

#include "server/admin/commands.h"
#include "server/admin/metrics.h"
#include "server/admin/sessions_page.h"
#include "server/server.h"

namespace paddock::server::admin {
namespace {

constexpr const char* kHtml = "text/html; charset=utf-8";

AdminReply Html(std::string body) {
  AdminReply r;
  r.content_type = kHtml;
  r.body = std::move(body);
  return r;
}

// ZooKeeper's command index: one link per primary name.
std::string CommandIndex(const std::string& command_url) {
  std::string out;
  for (const auto& name : CommandPrimaryNames()) {
    out += "<a href=\"" + command_url + "/" + name + "\">" + name + "</a>\n<br/>\n";
  }
  return out;
}

std::string RootIndex(const std::string& command_url) {
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Paddock admin</title>"
         "</head><body><h1>Paddock admin</h1><ul>"
         "<li><a href=\"/sessions\">sessions</a>: live sessions, updated every second</li>"
         "<li><a href=\"/metrics\">metrics</a>: Prometheus text format</li>"
         "<li><a href=\"" + command_url + "\">commands</a>: ZooKeeper's admin commands (JSON)</li>"
         "</ul></body></html>\n";
}

}  // namespace

bool RouteStatic(const std::string& command_url, const AdminRequest& request, AdminReply* out) {
  const std::string& path = request.path;
  if (path == "/" || path.empty()) {
    *out = Html(RootIndex(command_url));
  } else if (path == command_url || path == command_url + "/") {
    *out = Html(CommandIndex(command_url));
  } else if (path == "/sessions" || path == "/sessions/") {
    *out = Html(SessionsPageHtml(command_url + "/sessions"));
  } else if (path == "/metrics" || path.rfind(command_url + "/", 0) == 0) {
    return false;
  } else {
    out->status = 404;
    out->content_type = "text/plain; charset=utf-8";
    out->body = "not found: " + path + "\n";
  }
  return true;
}

AdminReply Route(Server& server, const AdminRequest& request) {
  AdminReply reply;
  const std::string& prefix = server.config().admin_command_url + "/";
  if (request.path == "/metrics") {
    server.mutable_stats().admin_requests["metrics"]++;
    reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
    reply.body = RenderMetrics(server);
  } else if (request.path.rfind(prefix, 0) == 0) {
    std::string primary;
    reply.body = RunCommand(server, request.path.substr(prefix.size()), request.params, &primary);
    server.mutable_stats().admin_requests[primary]++;
  } else {
    reply.status = 404;
    reply.content_type = "text/plain; charset=utf-8";
    reply.body = "not found: " + request.path + "\n";
  }
  return reply;
}

}  // namespace paddock::server::admin
