#include "server/config.h"

#include <charconv>
#include <fstream>
#include <functional>
#include <sstream>

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

using Setter = std::function<Status(Config&, const std::string& key, const std::string& value)>;

const std::map<std::string, Setter>& Setters() {
  constexpr int32_t kIntMax = INT32_MAX;
  static const std::map<std::string, Setter> setters = {
      {"tickTime", [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 1, kIntMax, &c.tick_ms); }},
      {"dataDir", [](Config& c, auto&, auto& v) { c.data_dir = v; return Status::Ok(); }},
      {"dataLogDir", [](Config& c, auto&, auto& v) { c.data_log_dir = v; return Status::Ok(); }},
      {"clientPort", [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 0, 65535, &c.client_port); }},
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
      {"paddock.handshakeTimeoutMs", [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 1, INT64_MAX, &c.handshake_timeout_ms); }},
      {"paddock.snapshotThreshold", [](Config& c, auto& k, auto& v) { return ParseInt<uint32_t>(k, v, 16, 1u << 30, &c.snapshot_threshold); }},
      {"paddock.snapshotTrailing", [](Config& c, auto& k, auto& v) { return ParseInt<uint32_t>(k, v, 0, 1u << 30, &c.snapshot_trailing); }},
  };
  return setters;
}

}  // namespace

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
      config.servers[id] = value;
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
  if (c.admin_command_url.size() < 2 || c.admin_command_url[0] != '/' ||
      c.admin_command_url.back() == '/') {
    return Status::Error("invalid value for admin.commandURL: '" + c.admin_command_url +
                         "' (expected a path such as /commands)");
  }
  return Status::Ok();
}

}  // namespace paddock::server
