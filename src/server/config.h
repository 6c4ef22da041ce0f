// Server configuration: ZooKeeper's zoo.cfg, read as a drop-in (design brief, "Configuration").
//
// The file is Java-properties text (key=value, key: value or key value; # and ! comments).
// Known keys are parsed and validated; a malformed value stops start-up with an error naming the
// key. A ZooKeeper key Paddock does not honour is logged (harmless) or refused (see KeyClass).
// Unknown keys are logged and ignored, as ZooKeeper accepts them. Paddock's own keys start with
// "paddock.". Plain value type.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "net/host_lookup.h"

namespace paddock::server {

// One server.N line: host:raftPort:peerPort[:participant][;[clientHost:]clientPort]. The first
// port carries Raft (ZooKeeper's quorum port), the second Paddock's peer channel (ZooKeeper's
// election port): forwarded writes and session touches. The host is an IPv4 literal, an IPv6
// literal in brackets, or a host name, looked up again whenever a member connects to it
// (net/host_lookup.h); a member's own host must resolve when it starts (it listens there).
struct ServerEntry {
  std::string host;  // without brackets
  int32_t raft_port = 0;
  int32_t peer_port = 0;
  std::string client_host;  // from the optional ";clientHost:clientPort" part
  int32_t client_port = -1;

  std::string RaftAddress() const { return net::JoinHostPort(host, raft_port); }
};

// How Paddock treats a zoo.cfg key (README "zoo.cfg keys"). Honoured: implemented as in
// ZooKeeper. Mapped: sets Paddock's equivalent. Logged: accepted, changes nothing a client sees,
// one info line names it. Refused: start-up stops naming it and saying what to do; some refused
// keys accept a harmless value (e.g. readonlymode.enabled=false), which is then logged.
enum class KeyClass { kHonoured, kMapped, kLogged, kRefused };
const char* KeyClassName(KeyClass c);
// Every key of the table, sorted: exact names, "prefix.N" (digits) and "prefix.*" patterns.
std::vector<std::pair<std::string, KeyClass>> ZooCfgKeys();

// Parses the value of a server.N line; the error names the key.
Result<ServerEntry> ParseServerEntry(const std::string& key, const std::string& value);

struct Config {
  int32_t tick_ms = 2000;
  std::string data_dir = "./data";
  std::string data_log_dir;  // empty: same as data_dir
  int32_t client_port = 2181;
  std::string client_port_address;  // empty: all interfaces
  int32_t session_timeout_ms_min = -1;  // -1: 2 ticks
  int32_t session_timeout_ms_max = -1;  // -1: 20 ticks
  int32_t max_client_cnxns = 60;
  int32_t init_limit = 10;
  int32_t sync_limit = 5;
  int32_t jute_max_buffer = 0xfffff;
  int32_t global_outstanding_limit = 1000;
  // A client whose unsent replies and notifications exceed this is disconnected.
  int64_t max_unsent_bytes = 64 << 20;
  bool extended_types_enabled = false;
  std::string super_digest;  // DigestAuthenticationProvider.superDigest
  int64_t container_check_interval_ms = 60000;
  int64_t container_max_per_minute = 10000;
  int64_t container_never_used_ms = 0;
  std::set<std::string> four_letter_words = {"srvr"};
  std::map<int, ServerEntry> servers;  // server.N lines: the ensemble (empty or one: standalone)
  // paddock.peerKeyFile: the file holding the ensemble's shared key, which every link between
  // members proves before it is used (net/peer_auth.h). Required in an ensemble; LoadPeerKey
  // reads it into peer_key.
  std::string peer_key_file;
  std::string peer_key;
  // Raft's election timeout (paddock.electionTimeoutMs); -1: tickTime, at least 300 ms.
  int64_t election_timeout_ms = -1;
  // paddock.appendSpinMicros: how long the loop polls without sleeping after submitting a log
  // append (server/append_spin.h); 0: never (the default, see README).
  int64_t append_spin_us = 0;
  int32_t server_id = 1;               // myid (1 in standalone)
  std::string log_level = "info";
  // paddock.logFile: log to this file instead of stderr, rotated by size (base/log.h); empty:
  // stderr. paddock.logFileMaxBytes and paddock.logFiles (-1: not given) need it.
  std::string log_file;
  int64_t log_file_bytes_max = -1;  // -1: 100 MiB
  int32_t log_files_max = -1;       // -1: 10, the current file included
  // A connection that has not completed its handshake by then is closed (ZooKeeper's
  // zookeeper.nio.sessionlessCnxnTimeout).
  int64_t handshake_timeout_ms = 10000;
  // Log entries between snapshots; 0: SnapshotThreshold() picks.
  uint32_t snapshot_threshold = 0;
  uint32_t snapshot_trailing = 2000;
  // Client writes are refused (SYSTEMERROR) while the log's filesystem has less free space than
  // this; 0 disables the check (see server/disk_guard.h).
  int64_t disk_reserve_bytes = 64ll << 20;
  // The admin HTTP endpoint (ZooKeeper's AdminServer keys). Loopback by default, unlike
  // ZooKeeper's 0.0.0.0: the endpoint has no authentication.
  bool admin_enable_server = true;
  bool admin_snapshot_enabled = false;  // the admin `snapshot` command (ZooKeeper 3.9's key)
  std::string admin_server_address = "127.0.0.1";
  int32_t admin_server_port = 8080;
  // metricsProvider.className=...PrometheusMetricsProvider: ZooKeeper's metric names in the
  // Prometheus format on httpHost:httpPort (ZooKeeper's defaults: 0.0.0.0, 7000).
  bool zk_metrics_enabled = false;
  std::string zk_metrics_host = "0.0.0.0";
  int32_t zk_metrics_port = 7000;
  std::string admin_command_url = "/commands";
  // TLS: ZooKeeper's secureClientPort and ssl.* keys, PEM files only (ClientX509Util). Without
  // clientPort and with secureClientPort, only the TLS port listens, as in ZooKeeper.
  bool client_port_given = false;  // clientPort appeared in the file (or on the command line)
  int32_t secure_client_port = -1;  // -1: no TLS port
  std::string ssl_key_store_location;  // PEM: private key and certificate chain
  std::string ssl_key_store_password;  // decrypts an encrypted key
  std::string ssl_trust_store_location;  // PEM CA bundle; empty: the system's CAs
  enum class ClientAuth { kNone, kWant, kNeed };
  ClientAuth ssl_client_auth = ClientAuth::kNeed;  // ZooKeeper's default
  std::string ssl_protocol = "TLSv1.2";       // ZooKeeper 3.8's default
  std::vector<std::string> ssl_enabled_protocols;  // empty: ssl_protocol alone
  std::vector<std::string> ssl_cipher_suites;      // IANA names; empty: OpenSSL's defaults
  std::vector<std::string> ignored_keys;  // known keys accepted without effect: logged at start
  std::string source;  // the file read, for `conf`
  std::string text;    // its contents, for the admin command initial_configuration

  int32_t SessionTimeoutMinMs() const {
    return session_timeout_ms_min < 0 ? 2 * tick_ms : session_timeout_ms_min;
  }
  int32_t SessionTimeoutMaxMs() const {
    return session_timeout_ms_max < 0 ? 20 * tick_ms : session_timeout_ms_max;
  }
  std::string RaftDir() const { return (data_log_dir.empty() ? data_dir : data_log_dir) + "/raft"; }
  int64_t ElectionTimeoutMs() const {
    return election_timeout_ms > 0 ? election_timeout_ms : std::max<int64_t>(tick_ms, 300);
  }
  bool IsEnsemble() const { return servers.size() > 1; }
  int64_t AppendSpinMicros() const { return append_spin_us; }
  // Standalone: ZooKeeper's snapCount default, 100,000. A snapshot costs the loop little (a
  // fork), but every page it writes while the child lives, and again after, faults once: at
  // 10,000 entries a snapshot ran almost all the time under a steady 11,000 writes/s, and setData
  // p99 went from 14 to 80-90 ms (docs/performance.md). In an ensemble, 10,000: a follower that
  // receives a snapshot drops its in-memory entries in time quadratic in their number (libraft
  // 0.15's removeSuffix; libraft-evaluation §5.12), so it must not hold 100,000. The 64 MB byte
  // bound applies either way.
  uint32_t SnapshotThreshold() const {
    if (snapshot_threshold != 0) return snapshot_threshold;
    return IsEnsemble() ? 10000 : 100000;
  }
  int64_t LogFileBytesMax() const {
    return log_file_bytes_max < 0 ? int64_t{100} << 20 : log_file_bytes_max;
  }
  int32_t LogFilesMax() const { return log_files_max < 0 ? 10 : log_files_max; }
  // The plain port listens unless only secureClientPort was configured.
  bool PlainPortEnabled() const { return client_port_given || secure_client_port < 0; }
};

// Parses zoo.cfg text. `unknown` receives keys that were ignored.
Result<Config> ParseConfig(const std::string& text, std::vector<std::string>* unknown);
Result<Config> LoadConfig(const std::string& path, std::vector<std::string>* unknown);
// Checks relations between keys (e.g. min <= max session timeout).
Status ValidateConfig(const Config& config);
// In an ensemble (more than one server.N line) this member's id comes from <dataDir>/myid, as in
// ZooKeeper: a missing or malformed file, or an id that is not one of the server.N lines, is an
// error naming the file. With at most one server line the id stays 1 (standalone).
Status ResolveServerId(Config* config);

// In an ensemble, reads paddock.peerKeyFile into config->peer_key, whitespace trimmed at both
// ends. A missing key, an unreadable file or fewer than PeerAuth::kKeyBytesMin (16) bytes is an
// error naming the key and saying how to make one. Standalone, the key is neither needed nor
// read.
Status LoadPeerKey(Config* config);

}  // namespace paddock::server
