// The `sessions` admin command: the feed of the live sessions page (sessions_page.cc).
//
// For every live session (the first kLiveListedMax by id): its client's address and the server
// holding its connection, the negotiated timeout, the time since this server last heard from it,
// the time left before it expires, its ephemerals and its watches. Then the sessions that ended
// in the last minutes (SessionBook) with why each one ended. Session ids are hex strings here,
// because JavaScript numbers cannot hold 64 bits.
//
// Bounded work: at most kLiveListedMax sessions and kPathsListedMax paths per list. Child
// watches can only be found by asking the watch table path by path, so they are listed only
// while nodes x connected sessions stays under kChildScanMax.
#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "server/admin/commands_internal.h"
#include "server/server.h"

namespace paddock::server::admin {
namespace {

constexpr size_t kLiveListedMax = 500;
constexpr size_t kPathsListedMax = 50;
constexpr size_t kChildScanMax = 200'000;

struct WatchIndex {
  std::map<int64_t, std::set<std::string>> data;   // connection id -> paths
  std::map<int64_t, std::set<std::string>> child;  // connection id -> paths
  bool child_listed = false;
};

WatchIndex IndexWatches(const Server& s, const std::vector<int64_t>& connection_ids) {
  WatchIndex idx;
  idx.data = s.watches().ByWatcher();
  size_t nodes = s.state().tree().NodeCount();
  idx.child_listed = connection_ids.empty() || nodes * connection_ids.size() <= kChildScanMax;
  if (!idx.child_listed) return idx;
  s.state().tree().ForEachPreorder([&](const std::string& path, const tree::Node&) {
    for (int64_t c : connection_ids) {
      if (s.watches().Contains(watch::Table::kChild, path, c)) idx.child[c].insert(path);
    }
  });
  return idx;
}

Json PathList(const std::set<std::string>* paths) {
  Json list = Json::array();
  if (paths == nullptr) return list;
  for (const auto& p : *paths) {
    if (list.size() >= kPathsListedMax) break;
    list.push_back(p);
  }
  return list;
}

size_t SizeOf(const std::map<int64_t, std::set<std::string>>& m, int64_t key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second.size();
}

const std::set<std::string>* Find(const std::map<int64_t, std::set<std::string>>& m, int64_t key) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

void AddLiveness(Server& s, int64_t id, int32_t table_timeout_ms, int64_t mono, Json& o) {
  const auto& liveness = s.liveness();
  bool tracked = liveness.Contains(id);
  o["timeout_ms"] = tracked ? liveness.TimeoutMs(id) : table_timeout_ms;
  if (tracked) {
    o["expires_in_ms"] = std::max<int64_t>(0, liveness.DeadlineMs(id) - mono);
  } else {
    o["expires_in_ms"] = nullptr;  // expiry under way, or not decided by this server
  }
  const SessionBook::Live* live = s.session_book().Find(id);
  o["last_heard_ms_ago"] = live != nullptr ? Json(mono - live->last_heard_ms) : Json(nullptr);
  o["created"] = live != nullptr && live->created_wall_ms >= 0 ? Json(live->created_wall_ms)
                                                               : Json(nullptr);
  o["last_disconnect"] = live != nullptr ? live->LastDisconnect() : "";
  o["client_address"] = live != nullptr ? live->client_address : "";
}

Json LiveSession(Server& s, int64_t id, int32_t timeout_ms, const WatchIndex& watches,
                 int64_t mono) {
  Json o = Json::object();
  o["session_id"] = HexId(id);
  AddLiveness(s, id, timeout_ms, mono, o);
  auto conn = s.session_connections().find(id);
  bool connected = conn != s.session_connections().end();
  o["connected"] = connected;
  o["server"] = connected ? std::to_string(s.config().server_id) : "";
  int64_t c = connected ? conn->second : -1;
  const auto& eph = s.state().tree().ephemerals();
  auto e = eph.find(id);
  o["ephemeral_count"] = e == eph.end() ? 0 : e->second.size();
  o["ephemerals"] = PathList(e == eph.end() ? nullptr : &e->second);
  o["watch_count"] = SizeOf(watches.data, c) + SizeOf(watches.child, c);
  o["data_watches"] = PathList(Find(watches.data, c));
  o["child_watches"] = PathList(Find(watches.child, c));
  return o;
}

Json EndedSessionJson(const EndedSession& e, int64_t wall) {
  Json o = Json::object();
  o["session_id"] = HexId(e.session_id);
  o["reason"] = EndedSession::ReasonName(e.reason);
  o["detail"] = e.Describe();
  o["ended"] = e.ended_wall_ms;
  o["ended_ms_ago"] = wall - e.ended_wall_ms;
  o["timeout_ms"] = e.timeout_ms;
  o["silence_ms"] = e.silence_ms >= 0 ? Json(e.silence_ms) : Json(nullptr);
  o["lifetime_ms"] = e.created_wall_ms >= 0 ? Json(e.ended_wall_ms - e.created_wall_ms)
                                            : Json(nullptr);
  o["client_address"] = e.client_address;
  o["ephemerals_deleted"] = e.ephemerals_deleted;
  return o;
}

Json ServerInfo(Server& s) {
  const Config& c = s.config();
  Json o = Json::object();
  o["server_id"] = c.server_id;
  o["client_address"] = (c.client_port_address.empty() ? "*" : c.client_port_address) + ":" +
                        std::to_string(c.client_port);
  o["state"] = ServerStateName(s);
  o["role"] = RoleName(s.LogStats().role);
  o["connections"] = s.connections().size();
  return o;
}

}  // namespace

void SessionsCommand(Server& s, Json& out) {
  int64_t mono = s.clock().NowMonotonicMs();
  int64_t wall = s.clock().NowWallMs();
  const auto& table = s.state().sessions().sessions();
  std::vector<int64_t> listed_connections;
  for (const auto& [session, connection] : s.session_connections()) {
    listed_connections.push_back(connection);
  }
  WatchIndex watches = IndexWatches(s, listed_connections);
  Json live = Json::array();
  for (const auto& [id, session] : table) {
    if (live.size() >= kLiveListedMax) break;
    live.push_back(LiveSession(s, id, session.timeout_ms, watches, mono));
  }
  Json ended = Json::array();
  const auto& recent = s.session_book().Recent(wall);
  for (auto it = recent.rbegin(); it != recent.rend(); ++it) {
    ended.push_back(EndedSessionJson(*it, wall));
  }
  out["server"] = ServerInfo(s);
  out["now"] = wall;
  out["live_count"] = table.size();
  out["live_listed"] = live.size();
  out["child_watches_listed"] = watches.child_listed;
  out["live"] = std::move(live);
  out["ended_window_ms"] = SessionBook::kEndedKeepMs;
  out["ended"] = std::move(ended);
}

}  // namespace paddock::server::admin
