#include "server/four_letter.h"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <sstream>

#include "server/report_util.h"
#include "server/server.h"
#include "server/zk_metrics.h"

namespace paddock::server {
namespace {

constexpr int32_t Word(const char (&s)[5]) {
  return static_cast<int32_t>((static_cast<uint32_t>(static_cast<uint8_t>(s[0])) << 24) |
                              (static_cast<uint32_t>(static_cast<uint8_t>(s[1])) << 16) |
                              (static_cast<uint32_t>(static_cast<uint8_t>(s[2])) << 8) |
                              static_cast<uint32_t>(static_cast<uint8_t>(s[3])));
}

const std::map<int32_t, std::string>& Words() {
  static const std::map<int32_t, std::string> words = {
      {Word("ruok"), "ruok"}, {Word("srvr"), "srvr"}, {Word("stat"), "stat"},
      {Word("cons"), "cons"}, {Word("crst"), "crst"}, {Word("dump"), "dump"},
      {Word("envi"), "envi"}, {Word("conf"), "conf"}, {Word("wchs"), "wchs"},
      {Word("wchc"), "wchc"}, {Word("wchp"), "wchp"}, {Word("mntr"), "mntr"},
      {Word("srst"), "srst"}, {Word("isro"), "isro"}, {Word("dirs"), "dirs"},
      {Word("gtmk"), "gtmk"}, {Word("stmk"), "stmk"}, {Word("hash"), "hash"}};
  return words;
}

std::string ConnectionLine(const Connection& c, bool full) {
  std::ostringstream o;
  o << " /" << c.remote_ip() << ":" << c.remote_port() << "[" << (c.closing() ? 0 : 1)
    << "](queued=" << c.pipeline().size() << ",recved=" << c.packets_received()
    << ",sent=" << c.packets_sent();
  if (full && c.session_id() != 0) {
    o << ",sid=" << HexId(c.session_id()) << ",lop=" << proto::OpShortName(c.last_op())
      << ",est=" << c.established_wall_ms() << ",to=" << c.timeout_ms()
      << ",lcxid=" << HexId(c.last_cxid()) << ",lzxid=" << HexId(c.last_zxid())
      << ",lresp=" << c.last_response_wall_ms() << ",llat=" << c.latency().last_ms
      << ",minlat=" << c.latency().Min() << ",avglat=" << c.latency().AverageWhole()
      << ",maxlat=" << c.latency().max_ms;
  }
  o << ")\n";
  return o.str();
}

std::string ServerLines(const Server& s) {
  const ServerStats& st = s.stats();
  std::ostringstream o;
  o << "Latency min/avg/max: " << st.latency.Min() << "/"
    << JavaDouble(st.latency.Average()) << "/" << st.latency.max_ms
    << "\n";
  o << "Received: " << st.packets_received << "\n";
  o << "Sent: " << st.packets_sent << "\n";
  o << "Connections: " << s.connections().size() << "\n";
  o << "Outstanding: " << s.OutstandingRequests() << "\n";
  o << "Zxid: " << HexId(s.state().last_zxid()) << "\n";
  o << "Mode: " << s.ModeName() << "\n";
  // ZooKeeper's path map holds the root twice ("" and "/").
  o << "Node count: " << s.state().tree().NodeCount() + 1 << "\n";
  return o.str();
}

std::string Srvr(const Server& s) {
  return std::string("Zookeeper version: ") + VersionString() + "\n" + ServerLines(s);
}

std::string Stat(const Server& s) {
  std::string out = std::string("Zookeeper version: ") + VersionString() + "\nClients:\n";
  for (const auto& [id, c] : s.connections()) out += ConnectionLine(*c, false);
  out += "\n";
  return out + ServerLines(s);
}

std::string Cons(const Server& s) {
  std::string out;
  for (const auto& [id, c] : s.connections()) out += ConnectionLine(*c, true);
  return out + "\n";
}

std::string Mntr(const Server& s) {
  const ServerStats& st = s.stats();
  std::ostringstream o;
  auto kv = [&o](const std::string& k, const auto& v) { o << "zk_" << k << "\t" << v << "\n"; };
  kv("version", VersionString());
  kv("server_state", s.ModeName());
  for (const ZkMetric& m : ZkMetrics(s)) kv(m.name, m.text);
  // Paddock's own, after ZooKeeper's (mntr readers take the keys they know).
  kv("sessions_created", st.sessions_created);
  kv("sessions_closed", st.sessions_closed);
  kv("sessions_expired", st.sessions_expired);
  return o.str();
}

// Like ZooKeeper, wchs/wchc/wchp report the data-watch table only.
std::string Wchs(const Server& s) {
  size_t total = 0;
  for (const auto& [path, ws] : s.watches().ByPath()) total += ws.size();
  std::ostringstream o;
  o << s.watches().WatcherCount() << " connections watching " << s.watches().WatchedPathCount()
    << " paths\nTotal watches:" << total << "\n";
  return o.str();
}

int64_t SessionOf(const Server& s, int64_t connection_id) {
  auto it = s.connections().find(connection_id);
  return it == s.connections().end() ? 0 : it->second->session_id();
}

std::string Wchc(const Server& s) {
  std::ostringstream o;
  for (const auto& [w, paths] : s.watches().ByWatcher()) {
    o << HexId(SessionOf(s, w)) << "\n";
    for (const auto& p : paths) o << "\t" << p << "\n";
  }
  o << "\n";
  return o.str();
}

std::string Wchp(const Server& s) {
  std::ostringstream o;
  for (const auto& [path, ws] : s.watches().ByPath()) {
    o << path << "\n";
    for (auto w : ws) o << "\t" << HexId(SessionOf(s, w)) << "\n";
  }
  o << "\n";
  return o.str();
}

// Java's Date.toString() in UTC: "Sun Nov 22 04:51:16 UTC 2026".
std::string WhenString(int64_t wall_ms) {
  std::time_t t = static_cast<std::time_t>(wall_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char when[64];
  std::strftime(when, sizeof(when), "%a %b %d %H:%M:%S UTC %Y", &tm);
  return when;
}

std::string Dump(const Server& s) {
  std::ostringstream o;
  auto by_deadline = s.liveness().ByDeadline();
  std::map<int64_t, std::vector<int64_t>> buckets;
  int64_t mono = s.clock().NowMonotonicMs();
  int64_t wall = s.clock().NowWallMs();
  for (auto [deadline, id] : by_deadline) buckets[deadline].push_back(id);
  o << "SessionTracker dump:\nSession Sets (" << buckets.size() << ")/(" << by_deadline.size()
    << "):\n";
  for (const auto& [deadline, ids] : buckets) {
    o << ids.size() << " expire at " << WhenString(wall + deadline - mono) << ":\n";
    for (auto id : ids) o << "\t" << HexId(id) << "\n";
  }
  const auto& eph = s.state().tree().ephemerals();
  o << "ephemeral nodes dump:\nSessions with Ephemerals (" << eph.size() << "):\n";
  for (const auto& [id, paths] : eph) {
    o << HexId(id) << ":\n";
    for (const auto& p : paths) o << "\t" << p << "\n";
  }
  // Connections grouped by when their idle timer would close them, as ZooKeeper prints them:
  // the session timeout after the last activity, or 10 s for a connection without a session.
  std::map<std::string, std::vector<const Connection*>> by_expiry;
  for (const auto& [id, c] : s.connections()) {
    int64_t last = std::max(c->established_wall_ms(), c->last_response_wall_ms());
    int64_t idle_ms = c->session_id() != 0 ? c->timeout_ms() : 10000;
    by_expiry[WhenString(last + idle_ms)].push_back(c.get());
  }
  o << "Connections dump:\nConnections Sets (" << by_expiry.size() << ")/("
    << s.connections().size() << "):\n";
  for (const auto& [when, conns] : by_expiry) {
    o << conns.size() << " expire at " << when << ":\n";
    for (const Connection* c : conns) {
      o << "\tip: /" << c->remote_ip() << ":" << c->remote_port() << " sessionId: "
        << HexId(c->session_id()) << "\n";
    }
  }
  return o.str();
}

std::string Envi() {
  utsname u{};
  uname(&u);
  char cwd[4096] = {0};
  if (getcwd(cwd, sizeof(cwd)) == nullptr) cwd[0] = 0;
  const char* user = std::getenv("USER");
  const char* home = std::getenv("HOME");
  std::ostringstream o;
  o << "Environment:\n";
  o << "zookeeper.version=" << VersionString() << "\n";
  o << "host.name=" << u.nodename << "\n";
  o << "os.name=" << u.sysname << "\n";
  o << "os.arch=" << u.machine << "\n";
  o << "os.version=" << u.release << "\n";
  o << "user.name=" << (user ? user : "") << "\n";
  o << "user.home=" << (home ? home : "") << "\n";
  o << "user.dir=" << cwd << "\n";
  return o.str();
}

// As ZooKeeper's dirs: the bytes under its snapshot and log directories, here the same Raft
// directory (conf's dataDirSize and dataLogSize).
std::string Dirs(const Server& s) {
  const int64_t bytes = DirBytes(s.config().RaftDir());
  return "datadir_size: " + std::to_string(bytes) + "\nlogdir_size: " + std::to_string(bytes) +
         "\n";
}

int64_t ReadBigEndian64(std::string_view b) {
  uint64_t u = 0;
  for (size_t i = 0; i < 8; i++) u = (u << 8) | static_cast<uint8_t>(b[i]);
  return static_cast<int64_t>(u);
}

std::string Conf(const Server& s) {
  const Config& c = s.config();
  std::ostringstream o;
  o << "clientPort=" << c.client_port << "\n";
  o << "secureClientPort=" << c.secure_client_port << "\n";
  o << "dataDir=" << c.data_dir << "\n";
  o << "dataDirSize=" << DirBytes(c.RaftDir()) << "\n";
  o << "dataLogDir=" << (c.data_log_dir.empty() ? c.data_dir : c.data_log_dir) << "\n";
  o << "dataLogSize=" << DirBytes(c.RaftDir()) << "\n";
  o << "tickTime=" << c.tick_ms << "\n";
  o << "maxClientCnxns=" << c.max_client_cnxns << "\n";
  o << "minSessionTimeout=" << c.SessionTimeoutMinMs() << "\n";
  o << "maxSessionTimeout=" << c.SessionTimeoutMaxMs() << "\n";
  o << "clientPortListenBacklog=-1\n";
  o << "serverId=" << c.server_id << "\n";
  return o.str();
}

}  // namespace

const char* VersionString() { return "3.8.0-paddock-0.1.0, built on 2026-11-22 00:00 UTC"; }

bool IsFourLetterWord(int32_t word) { return Words().count(word) != 0; }

size_t FourLetterWordBytes(const Server& server, int32_t word) {
  bool stmk = word == Word("stmk") && server.config().four_letter_words.count("stmk") != 0;
  return stmk ? 12 : 4;
}

std::string RunFourLetterWord(Server& server, int32_t word, std::string_view argument) {
  const std::string& name = Words().at(word);
  if (server.config().four_letter_words.count(name) == 0) {
    return name + " is not executed because it is not in the whitelist.\n";
  }
  if (name == "ruok") return "imok";
  // As ZooKeeper: commands that read the server's state need a serving server.
  static const std::set<std::string> kNeedServing = {"srvr", "stat", "cons", "mntr", "wchs",
                                                     "wchc", "wchp", "dump", "conf", "crst",
                                                     "srst", "dirs", "hash"};
  if (!server.serving() && kNeedServing.count(name) != 0) {
    return "This ZooKeeper instance is not currently serving requests\n";
  }
  if (name == "isro") return server.serving() ? "rw" : "null";
  if (name == "srvr") return Srvr(server);
  if (name == "stat") return Stat(server);
  if (name == "cons") return Cons(server);
  if (name == "mntr") return Mntr(server);
  if (name == "wchs") return Wchs(server);
  if (name == "wchc") return Wchc(server);
  if (name == "wchp") return Wchp(server);
  if (name == "dump") return Dump(server);
  if (name == "envi") return Envi();
  if (name == "conf") return Conf(server);
  if (name == "dirs") return Dirs(server);
  // ZooKeeper's trace mask selects what its TRACE logging prints; Paddock keeps and reports it,
  // and its own log level (paddock.logLevel) decides what is logged. Decimal, no line end.
  if (name == "gtmk") return std::to_string(server.trace_mask());
  if (name == "stmk") {
    server.set_trace_mask(ReadBigEndian64(argument));
    return std::to_string(server.trace_mask());
  }
  // ZooKeeper prints "<zxid hex>: <digest>" per line from its digest history, which is empty with
  // digest.enabled=false; Paddock keeps no ZooKeeper tree digests, so it answers as that.
  if (name == "hash") return "";
  if (name == "crst") {
    for (const auto& [id, c] : server.connections()) c->ResetStats();
    return "Connection stats reset.\n";
  }
  if (name == "srst") {
    // As the admin endpoint's stat_reset: ZooKeeper's ServerStats.reset() behind both.
    server.mutable_stats().Reset();
    return "Server stats reset.\n";
  }
  return name + " is not executed because it is not in the whitelist.\n";
}

}  // namespace paddock::server
