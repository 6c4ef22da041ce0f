#include "server/config.h"

#include <arpa/inet.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "net/peer_auth.h"

namespace paddock::server {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

template <typename T>
Status ParseInt(const std::string& key, const std::string& value, T min, T max, T* out) {
  T v{};
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || p != value.data() + value.size() || v < min || v > max) {
    return Status::Error("invalid value for " + key + ": '" + value + "' (expected an integer in [" +
                         std::to_string(min) + ", " + std::to_string(max) + "])");
  }
  *out = v;
  return Status::Ok();
}

Status ParseBool(const std::string& key, const std::string& value, bool* out) {
  if (value == "true" || value == "yes") {
    *out = true;
  } else if (value == "false" || value == "no") {
    *out = false;
  } else {
    return Status::Error("invalid value for " + key + ": '" + value + "' (expected true or false)");
  }
  return Status::Ok();
}

std::set<std::string> ParseWhitelist(const std::string& value) {
  static const std::set<std::string> kAll = {"ruok", "srvr", "stat", "cons", "crst", "dump", "envi",
                                             "conf", "wchs", "wchc", "wchp", "mntr", "srst", "isro"};
  std::set<std::string> out;
  std::stringstream ss(value);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = Trim(item);
    if (item == "*") return kAll;
    if (!item.empty()) out.insert(item);
  }
  return out;
}

std::vector<std::string> ParseList(const std::string& value) {
  std::vector<std::string> out;
  std::stringstream ss(value);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = Trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string Upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

// ssl.clientAuth: none, want or need in any case (Java's ClientAuth.valueOf(upper)); empty is
// ZooKeeper's default, need.
Status ParseClientAuth(const std::string& key, const std::string& value, Config::ClientAuth* out) {
  std::string v = Upper(value);
  if (v.empty() || v == "NEED") {
    *out = Config::ClientAuth::kNeed;
  } else if (v == "WANT") {
    *out = Config::ClientAuth::kWant;
  } else if (v == "NONE") {
    *out = Config::ClientAuth::kNone;
  } else {
    return Status::Error("invalid value for " + key + ": '" + value +
                         "' (expected none, want or need)");
  }
  return Status::Ok();
}

// ssl.keyStore.type / ssl.trustStore.type: Paddock reads PEM files only.
Status ParseStoreType(const std::string& key, const std::string& value) {
  if (value.empty() || Upper(value) == "PEM") return Status::Ok();
  return Status::Error("invalid value for " + key + ": '" + value +
                       "' (only PEM is supported; convert JKS or PKCS12 stores to PEM)");
}

Status ParseProtocols(const std::string& key, const std::vector<std::string>& names) {
  static const std::set<std::string> kKnown = {"TLS", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
  for (const auto& n : names) {
    if (kKnown.count(n) == 0) {
      return Status::Error("invalid value for " + key + ": '" + n +
                           "' (expected TLSv1.2, TLSv1.3, TLSv1.1, TLSv1 or TLS)");
    }
  }
  if (names.empty()) return Status::Error("invalid value for " + key + ": empty");
  return Status::Ok();
}

using Setter = std::function<Status(Config&, const std::string& key, const std::string& value)>;

const std::map<std::string, Setter>& Setters() {
  constexpr int32_t kIntMax = INT32_MAX;
  static const std::map<std::string, Setter> setters = {
      {"tickTime", [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 1, kIntMax, &c.tick_ms); }},
      {"dataDir", [](Config& c, auto&, auto& v) { c.data_dir = v; return Status::Ok(); }},
      {"dataLogDir", [](Config& c, auto&, auto& v) { c.data_log_dir = v; return Status::Ok(); }},
      {"clientPort", [](Config& c, auto& k, auto& v) { c.client_port_given = true; return ParseInt(k, v, 0, 65535, &c.client_port); }},
      {"secureClientPort", [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 0, 65535, &c.secure_client_port); }},
      {"ssl.keyStore.location", [](Config& c, auto&, auto& v) { c.ssl_key_store_location = v; return Status::Ok(); }},
      {"ssl.keyStore.password", [](Config& c, auto&, auto& v) { c.ssl_key_store_password = v; return Status::Ok(); }},
      {"ssl.keyStore.type", [](Config&, auto& k, auto& v) { return ParseStoreType(k, v); }},
      {"ssl.trustStore.location", [](Config& c, auto&, auto& v) { c.ssl_trust_store_location = v; return Status::Ok(); }},
      {"ssl.trustStore.password", [](Config&, auto&, auto&) { return Status::Ok(); }},  // PEM CAs are not encrypted
      {"ssl.trustStore.type", [](Config&, auto& k, auto& v) { return ParseStoreType(k, v); }},
      {"ssl.clientAuth", [](Config& c, auto& k, auto& v) { return ParseClientAuth(k, v, &c.ssl_client_auth); }},
      {"ssl.protocol", [](Config& c, auto& k, auto& v) { c.ssl_protocol = v; return ParseProtocols(k, {v}); }},
      {"ssl.enabledProtocols", [](Config& c, auto& k, auto& v) { c.ssl_enabled_protocols = ParseList(v); return ParseProtocols(k, c.ssl_enabled_protocols); }},
      {"ssl.ciphersuites", [](Config& c, auto&, auto& v) { c.ssl_cipher_suites = ParseList(v); return Status::Ok(); }},
      {"clientPortAddress", [](Config& c, auto&, auto& v) { c.client_port_address = v; return Status::Ok(); }},
      {"minSessionTimeout", [](Config& c, auto& k, auto& v) { return ParseInt(k, v, -1, kIntMax, &c.session_timeout_ms_min); }},
      {"maxSessionTimeout", [](Config& c, auto& k, auto& v) { return ParseInt(k, v, -1, kIntMax, &c.session_timeout_ms_max); }},
      {"maxClientCnxns", [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 0, kIntMax, &c.max_client_cnxns); }},
      {"initLimit", [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 1, kIntMax, &c.init_limit); }},
      {"syncLimit", [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 1, kIntMax, &c.sync_limit); }},
      {"jute.maxbuffer", [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 1024, kIntMax, &c.jute_max_buffer); }},
      {"globalOutstandingLimit", [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 1, kIntMax, &c.global_outstanding_limit); }},
      {"extendedTypesEnabled", [](Config& c, auto& k, auto& v) { return ParseBool(k, v, &c.extended_types_enabled); }},
      {"DigestAuthenticationProvider.superDigest", [](Config& c, auto&, auto& v) { c.super_digest = v; return Status::Ok(); }},
      {"znode.container.checkIntervalMs", [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 1, INT64_MAX, &c.container_check_interval_ms); }},
      {"znode.container.maxPerMinute", [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 1, INT64_MAX, &c.container_max_per_minute); }},
      {"znode.container.maxNeverUsedIntervalMs", [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 0, INT64_MAX, &c.container_never_used_ms); }},
      {"4lw.commands.whitelist", [](Config& c, auto&, auto& v) { c.four_letter_words = ParseWhitelist(v); return Status::Ok(); }},
      {"admin.enableServer", [](Config& c, auto& k, auto& v) { return ParseBool(k, v, &c.admin_enable_server); }},
      {"admin.serverAddress", [](Config& c, auto&, auto& v) { c.admin_server_address = v; return Status::Ok(); }},
      {"admin.serverPort", [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 0, 65535, &c.admin_server_port); }},
      {"admin.commandURL", [](Config& c, auto&, auto& v) { c.admin_command_url = v; return Status::Ok(); }},
      {"paddock.logLevel", [](Config& c, auto&, auto& v) { c.log_level = v; return Status::Ok(); }},
      {"paddock.logFile", [](Config& c, auto& k, auto& v) { c.log_file = v; return v.empty() ? Status::Error("invalid value for " + k + ": empty (expected a file path)") : Status::Ok(); }},
      {"paddock.logFileMaxBytes", [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 1024, INT64_MAX, &c.log_file_bytes_max); }},
      {"paddock.logFiles", [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 1, 1000, &c.log_files_max); }},
      {"paddock.maxUnsentBytes", [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 65536, INT64_MAX, &c.max_unsent_bytes); }},
      {"paddock.handshakeTimeoutMs", [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 1, INT64_MAX, &c.handshake_timeout_ms); }},
      {"paddock.snapshotThreshold", [](Config& c, auto& k, auto& v) { return ParseInt<uint32_t>(k, v, 16, 1u << 30, &c.snapshot_threshold); }},
      {"paddock.snapshotTrailing", [](Config& c, auto& k, auto& v) { return ParseInt<uint32_t>(k, v, 0, 1u << 30, &c.snapshot_trailing); }},
      {"paddock.electionTimeoutMs", [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 50, 3'600'000, &c.election_timeout_ms); }},
      {"paddock.peerKeyFile", [](Config& c, auto&, auto& v) { c.peer_key_file = v; return Status::Ok(); }},
      {"paddock.diskReserveBytes", [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 0, INT64_MAX, &c.disk_reserve_bytes); }},
  };
  return setters;
}

// "host:port" with an IPv6 host in brackets; splits at the last colon.
Status SplitHostPort(const std::string& key, const std::string& text, std::string* host,
                     int32_t* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Status::Error("invalid value for " + key + ": '" + text + "' (expected host:port)");
  }
  *host = text.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  return ParseInt(key, text.substr(colon + 1), 1, 65535, port);
}

}  // namespace

Result<ServerEntry> ParseServerEntry(const std::string& key, const std::string& value) {
  ServerEntry e;
  std::string peers = value;
  std::string client;
  if (size_t semi = value.find(';'); semi != std::string::npos) {
    peers = Trim(value.substr(0, semi));
    client = Trim(value.substr(semi + 1));
  }
  // host:raftPort:peerPort[:role]; an IPv6 host is written in brackets.
  std::vector<std::string> parts;
  size_t start = 0;
  if (!peers.empty() && peers[0] == '[') {
    size_t close = peers.find(']');
    if (close == std::string::npos) return Status::Error("invalid value for " + key + ": '" + value + "' (unclosed [)");
    parts.push_back(peers.substr(1, close - 1));
    start = close + 2;
    if (close + 1 >= peers.size() || peers[close + 1] != ':') start = std::string::npos;
  }
  while (start != std::string::npos && start <= peers.size()) {
    size_t colon = peers.find(':', start);
    parts.push_back(peers.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    start = colon == std::string::npos ? colon : colon + 1;
  }
  if (parts.size() < 3 || parts.size() > 4 || parts[0].empty()) {
    return Status::Error("invalid value for " + key + ": '" + value +
                         "' (expected host:raftPort:peerPort[:participant][;[clientHost:]clientPort])");
  }
  e.host = parts[0];
  if (Status s = ParseInt(key, parts[1], 1, 65535, &e.raft_port); !s.ok()) return s;
  if (Status s = ParseInt(key, parts[2], 1, 65535, &e.peer_port); !s.ok()) return s;
  if (parts.size() == 4 && parts[3] != "participant") {
    return Status::Error("invalid value for " + key + ": role '" + parts[3] +
                         "' (only participant is supported; Paddock has no observers)");
  }
  if (!client.empty()) {
    if (client.find(':') == std::string::npos) {
      if (Status s = ParseInt(key, client, 1, 65535, &e.client_port); !s.ok()) return s;
    } else if (Status s = SplitHostPort(key, client, &e.client_host, &e.client_port); !s.ok()) {
      return s;
    }
  }
  return e;
}

Result<Config> ParseConfig(const std::string& text, std::vector<std::string>* unknown) {
  Config config;
  std::stringstream in(text);
  std::string raw;
  int line_no = 0;
  while (std::getline(in, raw)) {
    line_no++;
    std::string line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == '!') continue;
    size_t sep = line.find_first_of("=:");
    if (sep == std::string::npos) sep = line.find_first_of(" \t");
    if (sep == std::string::npos) {
      return Status::Error("line " + std::to_string(line_no) + ": expected key=value: " + line);
    }
    std::string key = Trim(line.substr(0, sep));
    std::string value = Trim(line.substr(sep + 1));
    auto it = Setters().find(key);
    if (it != Setters().end()) {
      if (Status s = it->second(config, key, value); !s.ok()) return s;
    } else if (key.rfind("server.", 0) == 0) {
      int id = 0;
      // 255 would put 0xFF in the top byte of session ids: the TTL-node marker.
      if (Status s = ParseInt(key, key.substr(7), 1, 254, &id); !s.ok()) return s;
      if (config.servers.count(id) != 0) return Status::Error("duplicate " + key);
      Result<ServerEntry> entry = ParseServerEntry(key, value);
      if (!entry.ok()) return entry.status();
      config.servers[id] = *entry;
    } else if (unknown != nullptr) {
      unknown->push_back(key);
    }
  }
  if (Status s = ValidateConfig(config); !s.ok()) return s;
  return config;
}

Result<Config> LoadConfig(const std::string& path, std::vector<std::string>* unknown) {
  std::ifstream f(path);
  if (!f) return Status::Error("cannot read config file " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  Result<Config> c = ParseConfig(ss.str(), unknown);
  if (!c.ok()) return c.status().Wrap(path);
  c->source = path;
  c->text = ss.str();
  return c;
}

Status ValidateConfig(const Config& c) {
  if (c.SessionTimeoutMinMs() > c.SessionTimeoutMaxMs()) {
    return Status::Error("minSessionTimeout (" + std::to_string(c.SessionTimeoutMinMs()) +
                         ") must not be larger than maxSessionTimeout (" +
                         std::to_string(c.SessionTimeoutMaxMs()) + ")");
  }
  if (c.data_dir.empty()) return Status::Error("dataDir is empty");
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "off"};
  if (kLevels.count(c.log_level) == 0) {
    return Status::Error("invalid value for paddock.logLevel: '" + c.log_level +
                         "' (expected trace, debug, info, warn, error or off)");
  }
  if (c.log_file.empty() && (c.log_file_bytes_max >= 0 || c.log_files_max >= 0)) {
    return Status::Error(std::string(c.log_file_bytes_max >= 0 ? "paddock.logFileMaxBytes"
                                                               : "paddock.logFiles") +
                         " is set but paddock.logFile is not (the file to rotate)");
  }
  if (c.secure_client_port >= 0 && c.ssl_key_store_location.empty()) {
    return Status::Error("secureClientPort is set but ssl.keyStore.location is not (a PEM file "
                         "with the server's private key and certificate chain)");
  }
  if (c.admin_command_url.size() < 2 || c.admin_command_url[0] != '/' ||
      c.admin_command_url.back() == '/') {
    return Status::Error("invalid value for admin.commandURL: '" + c.admin_command_url +
                         "' (expected a path such as /commands)");
  }
  return Status::Ok();
}

Status ResolveServerId(Config* config) {
  if (config->servers.size() <= 1) return Status::Ok();
  for (const auto& [n, e] : config->servers) {
    in_addr v4{};
    if (inet_pton(AF_INET, e.host.c_str(), &v4) != 1) {
      return Status::Error("server." + std::to_string(n) + ": host '" + e.host +
                           "' must be an IPv4 address (libraft's transport connects to IPv4 "
                           "literals only)");
    }
  }
  std::string path = config->data_dir + "/myid";
  std::ifstream f(path);
  if (!f) {
    return Status::Error(path + " file is missing (an ensemble of " +
                         std::to_string(config->servers.size()) +
                         " servers needs this member's id there)");
  }
  std::string line;
  std::getline(f, line);
  int id = 0;
  if (Status s = ParseInt(path, Trim(line), 1, 254, &id); !s.ok()) return s;
  if (config->servers.count(id) == 0) {
    return Status::Error("my id " + std::to_string(id) + " (from " + path +
                         ") is not in the server list");
  }
  config->server_id = id;
  // "server.N=...;clientHost:clientPort" sets this member's client address unless the file says.
  const ServerEntry& me = config->servers.at(id);
  if (me.client_port > 0 && !config->client_port_given) {
    config->client_port = me.client_port;
    config->client_port_given = true;
  }
  if (!me.client_host.empty() && config->client_port_address.empty() &&
      me.client_host != "0.0.0.0") {
    config->client_port_address = me.client_host;
  }
  return Status::Ok();
}

Status LoadPeerKey(Config* config) {
  if (!config->IsEnsemble()) return Status::Ok();
  const std::string how =
      "make one with `head -c 32 /dev/urandom | base64 > peer.key` and give every member the "
      "same file";
  if (config->peer_key_file.empty()) {
    return Status::Error(
        "an ensemble needs paddock.peerKeyFile, a file holding the key that members prove to "
        "each other before a peer or Raft link is used: " + how);
  }
  std::ifstream f(config->peer_key_file, std::ios::binary);
  if (!f) {
    return Status::Error("paddock.peerKeyFile: cannot read " + config->peer_key_file + ": " +
                         std::strerror(errno) + " (" + how + ")");
  }
  std::stringstream ss;
  ss << f.rdbuf();
  std::string key = Trim(ss.str());
  if (key.size() < net::PeerAuth::kKeyBytesMin) {
    return Status::Error("paddock.peerKeyFile: " + config->peer_key_file + " holds " +
                         std::to_string(key.size()) +
                         " bytes after trimming whitespace; the key must be at least " +
                         std::to_string(net::PeerAuth::kKeyBytesMin) + " bytes (" + how + ")");
  }
  config->peer_key = std::move(key);
  return Status::Ok();
}

}  // namespace paddock::server
