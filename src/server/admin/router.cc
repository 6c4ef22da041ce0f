#include "server/admin/router.h"

#include <cstdio>
#include <nlohmann/json.hpp>

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

// ZooKeeper 3.9's `snapshot` command: the whole state as of one zxid, streamed as a file (here
// Paddock's own snapshot format, which `paddock-admin restore` turns into a data directory).
// The state is serialized on the loop at once, so it is consistent; this member answers nothing
// else while it serializes (docs/operations.md has the time per million znodes). Off unless
// admin.snapshot.enabled=true, as in ZooKeeper; the last zxid is in the header last_zxid.
namespace {

AdminReply SnapshotReply(Server& server) {
  AdminReply reply;
  auto error = [&](int status, const std::string& message) {
    reply.status = status;
    reply.body = nlohmann::json{{"command", "snapshot"}, {"error", message}}.dump();
    return reply;
  };
  if (!server.config().admin_snapshot_enabled) {
    return error(403, "the snapshot command is disabled (admin.snapshot.enabled=false)");
  }
  if (!server.serving()) {
    return error(503, "This ZooKeeper instance is not currently serving requests");
  }
  char zxid[24];
  std::snprintf(zxid, sizeof(zxid), "0x%llx",
                static_cast<unsigned long long>(server.state().last_zxid()));
  reply.content_type = "application/octet-stream";
  reply.body = server.state().Snapshot();
  reply.headers["last_zxid"] = zxid;
  reply.headers["Content-Disposition"] =
      std::string("attachment; filename=\"paddock-snapshot.") + (zxid + 2) + "\"";
  return reply;
}

}  // namespace

AdminReply Route(Server& server, const AdminRequest& request) {
  AdminReply reply;
  const std::string& prefix = server.config().admin_command_url + "/";
  if (request.path == "/metrics") {
    server.mutable_stats().admin_requests["metrics"]++;
    reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
    reply.body = RenderMetrics(server);
  } else if (request.path == prefix + "snapshot") {
    server.mutable_stats().admin_requests["snapshot"]++;
    reply = SnapshotReply(server);
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
