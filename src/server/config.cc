#include "server/config.h"


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
                                             "conf", "wchs", "wchc", "wchp", "mntr", "srst", "isro",
                                             "dirs", "gtmk", "stmk", "hash"};
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

std::string Lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
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

// A value that changes nothing a client sees is accepted; one that would is refused naming the
// key and what to do.
Status RefuseTrue(const std::string& key, const std::string& value, const std::string& why) {
  bool on = false;
  if (Status s = ParseBool(key, Lower(value), &on); !s.ok()) return s;
  if (!on) return Status::Ok();
  return Status::Error(key + "=" + value + ": " + why);
}

Status RefuseFalse(const std::string& key, const std::string& value, const std::string& why) {
  bool on = false;
  if (Status s = ParseBool(key, Lower(value), &on); !s.ok()) return s;
  if (on) return Status::Ok();
  return Status::Error(key + "=" + value + ": " + why);
}

Status RefuseUnless(const std::string& key, const std::string& value,
                    const std::set<std::string>& harmless, const std::string& why) {
  if (harmless.count(value) != 0) return Status::Ok();
  return Status::Error(key + "=" + value + ": " + why);
}

// ZooKeeper's auth providers that Paddock has built in (digest, x509, ip).
Status CheckAuthProvider(const std::string& key, const std::string& value) {
  static const std::string kAuth = "org.apache.zookeeper.server.auth.";
  if (value == kAuth + "DigestAuthenticationProvider" ||
      value == kAuth + "X509AuthenticationProvider" || value == kAuth + "IPAuthenticationProvider") {
    return Status::Ok();
  }
  if (value == kAuth + "SASLAuthenticationProvider") {
    return Status::Error(key + "=" + value +
                         ": Paddock has no SASL (Kerberos or DIGEST-MD5) authentication; use "
                         "digest or x509 (ssl.clientAuth) and remove this key");
  }
  return Status::Error(key + "=" + value +
                       ": Paddock cannot load Java authentication providers (built in: digest, "
                       "x509, ip); remove this key");
}

// ssl.keyStore.passwordPath: the password is the file's contents less one line end, as in
// ZooKeeper.
Status ReadPasswordFile(Config& c, const std::string& key, const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::Error(key + ": cannot read " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << f.rdbuf();
  std::string pw = ss.str();
  if (pw.size() >= 2 && pw.compare(pw.size() - 2, 2, "\r\n") == 0) {
    pw.resize(pw.size() - 2);
  } else if (!pw.empty() && pw.back() == '\n') {
    pw.pop_back();
  }
  c.ssl_key_store_password = std::move(pw);
  return Status::Ok();
}

Status ParseServerLine(Config& c, const std::string& key, const std::string& value) {
  int id = 0;
  // 255 would put 0xFF in the top byte of session ids: the TTL-node marker.
  if (Status s = ParseInt(key, key.substr(7), 1, 254, &id); !s.ok()) return s;
  if (c.servers.count(id) != 0) return Status::Error("duplicate " + key);
  Result<ServerEntry> entry = ParseServerEntry(key, value);
  if (!entry.ok()) return entry.status();
  c.servers[id] = *entry;
  return Status::Ok();
}

using Setter = std::function<Status(Config&, const std::string& key, const std::string& value)>;

// One row of the zoo.cfg key table (README "zoo.cfg keys" lists the same keys and classes; a
// unit test compares them). `set` parses an honoured or mapped key; for a logged or refused key
// it checks the value: an error stops start-up, otherwise the key is ignored with one info line.
struct KeyRule {
  KeyClass cls;
  Setter set;  // may be empty: any value
};

// Setters for the rules of refused keys: refuse a true (false) value, or any value but the
// harmless ones, with `why` after the key and value.
Setter WhenTrue(std::string why) {
  return [why](Config&, const std::string& k, const std::string& v) {
    return RefuseTrue(k, v, why);
  };
}

Setter WhenFalse(std::string why) {
  return [why](Config&, const std::string& k, const std::string& v) {
    return RefuseFalse(k, v, why);
  };
}

Setter Always(std::string why) {
  return [why](Config&, const std::string& k, const std::string&) {
    return Status::Error(k + ": " + why);
  };
}

Setter Unless(std::set<std::string> harmless, std::string why) {
  return [harmless, why](Config&, const std::string& k, const std::string& v) {
    return RefuseUnless(k, v, harmless, why);
  };
}

constexpr int32_t kIntMax = INT32_MAX;
constexpr char kNoQuorumSasl[] =
    "Paddock has no SASL between members; links are authenticated with paddock.peerKeyFile; "
    "remove the key or set it to false";
constexpr char kNoPortUnification[] =
    "Paddock does not serve TLS and plaintext on one port; use secureClientPort and remove the key";

Status NoHierarchicalQuorums(const std::string& key) {
  return Status::Error(key + ": Paddock has no hierarchical quorums (its members replicate with "
                       "Raft, every member one vote); remove the group.N and weight.N lines");
}

using Rules = std::map<std::string, KeyRule>;

// ZooKeeper keys Paddock honours.
void HonouredRules(Rules* r) {
  using K = KeyClass;
  r->insert({
      {"tickTime", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 1, kIntMax, &c.tick_ms); }}},
      {"dataDir", {K::kHonoured, [](Config& c, auto&, auto& v) { c.data_dir = v; return Status::Ok(); }}},
      {"dataLogDir", {K::kHonoured, [](Config& c, auto&, auto& v) { c.data_log_dir = v; return Status::Ok(); }}},
      {"clientPort", {K::kHonoured, [](Config& c, auto& k, auto& v) { c.client_port_given = true; return ParseInt(k, v, 0, 65535, &c.client_port); }}},
      {"clientPortAddress", {K::kHonoured, [](Config& c, auto&, auto& v) { c.client_port_address = v; return Status::Ok(); }}},
      {"secureClientPort", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 0, 65535, &c.secure_client_port); }}},
      {"ssl.keyStore.location", {K::kHonoured, [](Config& c, auto&, auto& v) { c.ssl_key_store_location = v; return Status::Ok(); }}},
      {"ssl.keyStore.password", {K::kHonoured, [](Config& c, auto&, auto& v) { c.ssl_key_store_password = v; return Status::Ok(); }}},
      {"ssl.keyStore.type", {K::kHonoured, [](Config&, auto& k, auto& v) { return ParseStoreType(k, v); }}},
      {"ssl.trustStore.location", {K::kHonoured, [](Config& c, auto&, auto& v) { c.ssl_trust_store_location = v; return Status::Ok(); }}},
      {"ssl.trustStore.type", {K::kHonoured, [](Config&, auto& k, auto& v) { return ParseStoreType(k, v); }}},
      {"ssl.clientAuth", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseClientAuth(k, v, &c.ssl_client_auth); }}},
      {"ssl.protocol", {K::kHonoured, [](Config& c, auto& k, auto& v) { c.ssl_protocol = v; return ParseProtocols(k, {v}); }}},
      {"ssl.enabledProtocols", {K::kHonoured, [](Config& c, auto& k, auto& v) { c.ssl_enabled_protocols = ParseList(v); return ParseProtocols(k, c.ssl_enabled_protocols); }}},
      {"ssl.ciphersuites", {K::kHonoured, [](Config& c, auto&, auto& v) { c.ssl_cipher_suites = ParseList(v); return Status::Ok(); }}},
      {"minSessionTimeout", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt(k, v, -1, kIntMax, &c.session_timeout_ms_min); }}},
      {"maxSessionTimeout", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt(k, v, -1, kIntMax, &c.session_timeout_ms_max); }}},
      {"maxClientCnxns", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 0, kIntMax, &c.max_client_cnxns); }}},
      {"jute.maxbuffer", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 1024, kIntMax, &c.jute_max_buffer); }}},
      {"globalOutstandingLimit", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 1, kIntMax, &c.global_outstanding_limit); }}},
      {"extendedTypesEnabled", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseBool(k, v, &c.extended_types_enabled); }}},
      {"DigestAuthenticationProvider.superDigest", {K::kHonoured, [](Config& c, auto&, auto& v) { c.super_digest = v; return Status::Ok(); }}},
      {"znode.container.checkIntervalMs", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 1, INT64_MAX, &c.container_check_interval_ms); }}},
      {"znode.container.maxPerMinute", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 1, INT64_MAX, &c.container_max_per_minute); }}},
      {"znode.container.maxNeverUsedIntervalMs", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 0, INT64_MAX, &c.container_never_used_ms); }}},
      {"4lw.commands.whitelist", {K::kHonoured, [](Config& c, auto&, auto& v) { c.four_letter_words = ParseWhitelist(v); return Status::Ok(); }}},
      {"admin.enableServer", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseBool(k, v, &c.admin_enable_server); }}},
      {"admin.serverAddress", {K::kHonoured, [](Config& c, auto&, auto& v) { c.admin_server_address = v; return Status::Ok(); }}},
      {"admin.serverPort", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 0, 65535, &c.admin_server_port); }}},
      {"admin.snapshot.enabled", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseBool(k, v, &c.admin_snapshot_enabled); }}},
      {"admin.commandURL", {K::kHonoured, [](Config& c, auto&, auto& v) { c.admin_command_url = v; return Status::Ok(); }}},
      {"server.N", {K::kHonoured, ParseServerLine}},
  });
}

// Paddock's own keys.
void PaddockRules(Rules* r) {
  using K = KeyClass;
  r->insert({
      {"paddock.logLevel", {K::kHonoured, [](Config& c, auto&, auto& v) { c.log_level = v; return Status::Ok(); }}},
      {"paddock.logFile", {K::kHonoured, [](Config& c, auto& k, auto& v) { c.log_file = v; return v.empty() ? Status::Error("invalid value for " + k + ": empty (expected a file path)") : Status::Ok(); }}},
      {"paddock.logFileMaxBytes", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 1024, INT64_MAX, &c.log_file_bytes_max); }}},
      {"paddock.logFiles", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 1, 1000, &c.log_files_max); }}},
      {"paddock.maxUnsentBytes", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 65536, INT64_MAX, &c.max_unsent_bytes); }}},
      {"paddock.handshakeTimeoutMs", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 1, INT64_MAX, &c.handshake_timeout_ms); }}},
      {"paddock.snapshotThreshold", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt<uint32_t>(k, v, 16, 1u << 30, &c.snapshot_threshold); }}},
      {"paddock.snapshotTrailing", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt<uint32_t>(k, v, 0, 1u << 30, &c.snapshot_trailing); }}},
      {"paddock.electionTimeoutMs", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 50, 3'600'000, &c.election_timeout_ms); }}},
      {"paddock.peerKeyFile", {K::kHonoured, [](Config& c, auto&, auto& v) { c.peer_key_file = v; return Status::Ok(); }}},
      {"paddock.appendSpinMicros", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 0, 10'000, &c.append_spin_us); }}},
      {"paddock.diskReserveBytes", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 0, INT64_MAX, &c.disk_reserve_bytes); }}},
  });
}

// ZooKeeper keys set through an equivalent of Paddock's.
void MappedRules(Rules* r) {
  using K = KeyClass;
  r->insert({
      {"snapCount", {K::kMapped, [](Config& c, auto& k, auto& v) { return ParseInt<uint32_t>(k, v, 16, 1u << 30, &c.snapshot_threshold); }}},
      {"nio.sessionlessCnxnTimeout", {K::kMapped, [](Config& c, auto& k, auto& v) { return ParseInt<int64_t>(k, v, 1, INT64_MAX, &c.handshake_timeout_ms); }}},
      {"ssl.keyStore.passwordPath", {K::kMapped, ReadPasswordFile}},
  });
}

// Read, and changing nothing a client sees: one info line each.
void LoggedRules(Rules* r) {
  using K = KeyClass;
  r->insert({
      {"initLimit", {K::kLogged, [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 1, kIntMax, &c.init_limit); }}},
      {"syncLimit", {K::kLogged, [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 1, kIntMax, &c.sync_limit); }}},
      {"ssl.trustStore.password", {K::kLogged, {}}},  // PEM CAs are not encrypted
      {"ssl.trustStore.passwordPath", {K::kLogged, {}}},
      {"ssl.hostnameVerification", {K::kLogged, {}}},
      {"ssl.handshakeDetectionTimeoutMillis", {K::kLogged, {}}},
      {"peerType", {K::kLogged, Unless({"participant"}, "Paddock has no observers; remove the key or set it to participant")}},
      {"electionAlg", {K::kLogged, {}}},
      {"connectToLearnerMasterLimit", {K::kLogged, {}}},
      {"maxTimeToWaitForEpoch", {K::kLogged, {}}},
      {"cnxTimeout", {K::kLogged, {}}},
      {"quorumCnxnTimeoutMs", {K::kLogged, {}}},
      {"quorum.cnxn.threads.size", {K::kLogged, {}}},
      {"quorum.auth.learner.saslLoginContext", {K::kLogged, {}}},
      {"quorum.auth.server.saslLoginContext", {K::kLogged, {}}},
      {"quorum.auth.kerberos.servicePrincipal", {K::kLogged, {}}},
      {"sslQuorumReloadCertFiles", {K::kLogged, {}}},
      {"electionPortBindRetry", {K::kLogged, {}}},
      {"fastleader.minNotificationInterval", {K::kLogged, {}}},
      {"fastleader.maxNotificationInterval", {K::kLogged, {}}},
      {"syncEnabled", {K::kLogged, {}}},
      {"observer.reconnectDelayMs", {K::kLogged, {}}},
      {"observer.election.DelayMs", {K::kLogged, {}}},
      {"multiAddress.enabled", {K::kLogged, {}}},
      {"multiAddress.reachabilityCheckTimeoutMs", {K::kLogged, {}}},
      {"multiAddress.reachabilityCheckEnabled", {K::kLogged, {}}},
      {"maxConcurrentSnapSyncs", {K::kLogged, {}}},
      {"maxConcurrentDiffSyncs", {K::kLogged, {}}},
      {"learner.closeSocketAsync", {K::kLogged, {}}},
      {"leader.closeSocketAsync", {K::kLogged, {}}},
      {"learner.asyncSending", {K::kLogged, {}}},
      {"forward_learner_requests_to_commit_processor_disabled", {K::kLogged, {}}},
      {"follower.skipLearnerRequestToNextProcessor", {K::kLogged, {}}},
      {"tcpKeepAlive", {K::kLogged, {}}},
      {"clientTcpKeepAlive", {K::kLogged, {}}},
      {"localSessionsUpgradingEnabled", {K::kLogged, {}}},
      {"autopurge.snapRetainCount", {K::kLogged, {}}},
      {"autopurge.purgeInterval", {K::kLogged, {}}},
      {"preAllocSize", {K::kLogged, {}}},
      {"commitLogCount", {K::kLogged, {}}},
      {"snapSizeLimitInKb", {K::kLogged, {}}},
      {"txnLogSizeLimitInKb", {K::kLogged, {}}},
      {"forceSync", {K::kLogged, {}}},
      {"fsync.warningthresholdms", {K::kLogged, {}}},
      {"snapshot.compression.method", {K::kLogged, {}}},
      {"snapshot.trust.empty", {K::kLogged, {}}},
      {"digest.enabled", {K::kLogged, {}}},
      {"clientPortListenBacklog", {K::kLogged, {}}},
      {"serverCnxnFactory", {K::kLogged, {}}},
      {"nio.numSelectorThreads", {K::kLogged, {}}},
      {"nio.numWorkerThreads", {K::kLogged, {}}},
      {"commitProcessor.numWorkerThreads", {K::kLogged, {}}},
      {"commitProcessor.maxReadBatchSize", {K::kLogged, {}}},
      {"commitProcessor.maxCommitBatchSize", {K::kLogged, {}}},
      {"flushDelay", {K::kLogged, {}}},
      {"maxWriteQueuePollTime", {K::kLogged, {}}},
      {"maxBatchSize", {K::kLogged, {}}},
      {"maxResponseCacheSize", {K::kLogged, {}}},
      {"maxGetChildrenResponseCacheSize", {K::kLogged, {}}},
      {"watchManagerName", {K::kLogged, {}}},
  });
}

// Read, and changing nothing a client sees: one info line each. (continued)
void LoggedRules2(Rules* r) {
  using K = KeyClass;
  r->insert({
      {"watcherCleanThreadsNum", {K::kLogged, {}}},
      {"watcherCleanThreshold", {K::kLogged, {}}},
      {"watcherCleanIntervalInSeconds", {K::kLogged, {}}},
      {"maxInProcessingDeadWatchers", {K::kLogged, {}}},
      {"bitHashCacheSize", {K::kLogged, {}}},
      {"connectionMaxTokens", {K::kLogged, {}}},
      {"connectionTokenFillTime", {K::kLogged, {}}},
      {"connectionTokenFillCount", {K::kLogged, {}}},
      {"connectionFreezeTime", {K::kLogged, {}}},
      {"connectionDropIncrease", {K::kLogged, {}}},
      {"connectionDropDecrease", {K::kLogged, {}}},
      {"connectionDecreaseRatio", {K::kLogged, {}}},
      {"connection_throttle_weight_enabled", {K::kLogged, {}}},
      {"connection_throttle_global_session_weight", {K::kLogged, {}}},
      {"connection_throttle_local_session_weight", {K::kLogged, {}}},
      {"connection_throttle_renew_session_weight", {K::kLogged, {}}},
      {"requestThrottleLimit", {K::kLogged, {}}},
      {"requestThrottleStallTime", {K::kLogged, {}}},
      {"requestThrottleDropStale", {K::kLogged, {}}},
      {"requestStaleLatencyCheck", {K::kLogged, {}}},
      {"requestStaleConnectionCheck", {K::kLogged, {}}},
      {"request_throttler.shutdownTimeout", {K::kLogged, {}}},
      {"throttledOpWaitTime", {K::kLogged, {}}},
      {"largeRequestMaxBytes", {K::kLogged, {}}},
      {"largeRequestThreshold", {K::kLogged, {}}},
      {"advancedFlowControlEnabled", {K::kLogged, {}}},
      {"netty.server.outstandingHandshake.limit", {K::kLogged, {}}},
      {"netty.server.earlyDropSecureConnectionHandshakes", {K::kLogged, {}}},
      {"enableEagerACLCheck", {K::kLogged, {}}},
      {"jute.maxbuffer.extrasize", {K::kLogged, {}}},
      {"messageTracker.BufferSize", {K::kLogged, {}}},
      {"messageTracker.Enabled", {K::kLogged, {}}},
      {"jvm.pause.monitor", {K::kLogged, {}}},
      {"jvm.pause.info-threshold.ms", {K::kLogged, {}}},
      {"jvm.pause.warn-threshold.ms", {K::kLogged, {}}},
      {"jvm.pause.sleep.time.ms", {K::kLogged, {}}},
      {"audit.impl.class", {K::kLogged, {}}},
      {"admin.idleTimeout", {K::kLogged, {}}},
      {"admin.portUnification", {K::kLogged, {}}},
      {"metricsProvider.*", {K::kLogged, {}}},
      {"kerberos.removeHostFromPrincipal", {K::kLogged, {}}},
      {"kerberos.removeRealmFromPrincipal", {K::kLogged, {}}},
      {"kerberos.canonicalizeHostNames", {K::kLogged, {}}},
      {"kinit", {K::kLogged, {}}},
      {"superUser", {K::kLogged, {}}},
      {"ensembleAuthName", {K::kLogged, {}}},
      {"enforce.auth.schemes", {K::kLogged, {}}},
      {"authProvider.*", {K::kLogged, [](Config&, auto& k, auto& v) { return CheckAuthProvider(k, v); }}},
      {"ssl.authProvider", {K::kLogged, Unless({"x509"}, "Paddock's TLS identities come from its x509 provider only; remove this key")}},
      {"metricsProvider.className", {K::kHonoured, [](Config& c, auto& k, auto& v) {
        if (v == "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider") {
          c.zk_metrics_enabled = true;
          return Status::Ok();
        }
        c.zk_metrics_enabled = false;
        return RefuseUnless(k, v, {"org.apache.zookeeper.metrics.impl.DefaultMetricsProvider"},
                            "Paddock serves ZooKeeper's Prometheus provider "
                            "(org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider) "
                            "or the default; set it to one of those or remove the key");
      }}},
      {"metricsProvider.httpHost", {K::kHonoured, [](Config& c, auto&, auto& v) { c.zk_metrics_host = v; return Status::Ok(); }}},
      {"metricsProvider.httpPort", {K::kHonoured, [](Config& c, auto& k, auto& v) { return ParseInt(k, v, 0, 65535, &c.zk_metrics_port); }}},
  });
}

// Refused: ignoring them would change what clients or operators see.
void RefusedRules(Rules* r) {
  using K = KeyClass;
  r->insert({
      {"dynamicConfigFile", {K::kRefused, Always("Paddock does not read dynamic config files yet; move its server.N lines into zoo.cfg and remove the key")}},
      {"group.N", {K::kRefused, [](Config&, auto& k, auto&) { return NoHierarchicalQuorums(k); }}},
      {"weight.N", {K::kRefused, [](Config&, auto& k, auto&) { return NoHierarchicalQuorums(k); }}},
      {"ssl.quorum.*", {K::kRefused, Always("Paddock has no TLS between members; links are authenticated with paddock.peerKeyFile; remove the ssl.quorum.* keys")}},
      {"sslQuorum", {K::kRefused, WhenTrue("Paddock has no TLS between members; links are authenticated with paddock.peerKeyFile; remove the key or set it to false")}},
      {"portUnification", {K::kRefused, WhenTrue(kNoPortUnification)}},
      {"client.portUnification", {K::kRefused, WhenTrue(kNoPortUnification)}},
      {"secureClientPortAddress", {K::kRefused, Always("Paddock binds secureClientPort on clientPortAddress; set that and remove the key")}},
      {"ssl.context.supplier.class", {K::kRefused, Always("Paddock cannot load Java SSL context suppliers; give PEM files in ssl.keyStore.location and ssl.trustStore.location and remove the key")}},
      {"ssl.crl", {K::kRefused, WhenTrue("Paddock does not check certificate revocation lists; remove the key or set it to false")}},
      {"ssl.ocsp", {K::kRefused, WhenTrue("Paddock does not check certificates with OCSP; remove the key or set it to false")}},
      {"quorum.auth.enableSasl", {K::kRefused, WhenTrue(kNoQuorumSasl)}},
      {"quorum.auth.serverRequireSasl", {K::kRefused, WhenTrue(kNoQuorumSasl)}},
      {"quorum.auth.learnerRequireSasl", {K::kRefused, WhenTrue(kNoQuorumSasl)}},
      {"sessionRequireClientSASLAuth", {K::kRefused, WhenTrue("Paddock has no SASL authentication; remove the key or set it to false")}},
      {"enforce.auth.enabled", {K::kRefused, WhenTrue("Paddock does not refuse unauthenticated clients; protect data with ACLs, remove the key or set it to false")}},
      {"DigestAuthenticationProvider.enabled", {K::kRefused, WhenFalse("Paddock always accepts digest authentication; remove the key or set it to true")}},
      {"DigestAuthenticationProvider.digestAlg", {K::kRefused, Unless({"SHA1", "SHA-1"}, "Paddock's digest ACLs use SHA1 only, ZooKeeper's default; remove the key")}},
      {"X509AuthenticationProvider.superUser", {K::kRefused, Always("Paddock has no x509 super user; use DigestAuthenticationProvider.superDigest and remove the key")}},
      {"skipACL", {K::kRefused, WhenTrue("Paddock always checks ACLs; remove the key or set it to no")}},
      {"enforceQuota", {K::kRefused, WhenTrue("Paddock does not enforce quotas; remove the key or set it to false")}},
      {"maxCnxns", {K::kRefused, Unless({"0"}, "Paddock has no server-wide connection limit (maxClientCnxns limits each client address); remove the key or set it to 0")}},
      {"audit.enable", {K::kRefused, WhenTrue("Paddock writes no audit log; remove the key or set it to false")}},
      {"emulate353TTLNodes", {K::kRefused, WhenTrue("Paddock does not emulate ZooKeeper 3.5.3's TTL session ids; remove the key or set it to false")}},
      {"admin.forceHttps", {K::kRefused, WhenTrue("Paddock's admin endpoint speaks plain HTTP on loopback; remove the key or set it to false")}},
      {"readonlymode.enabled", {K::kRefused, WhenTrue("Paddock has no read-only mode (a member cut off from the quorum refuses clients); remove the key or set it to false")}},
      {"localSessionsEnabled", {K::kRefused, WhenTrue("Paddock has no local sessions (every session is global); remove the key or set it to false")}},
      {"reconfigEnabled", {K::kRefused, WhenTrue("Paddock answers reconfig with RECONFIGDISABLED; remove the key or set it to false")}},
      {"standaloneEnabled", {K::kRefused, WhenFalse("Paddock runs a single server.N line standalone; remove the key or set it to true")}},
      {"quorumListenOnAllIPs", {K::kRefused, WhenTrue("Paddock listens for members on the address of this member's server.N line; remove the key or set it to false")}},
      {"leaderServes", {K::kRefused, [](Config&, auto& k, auto& v) { return v != "no" ? Status::Ok() : Status::Error(k + "=no: Paddock's leader always serves clients; remove the key or set it to yes"); }}},
      {"observerMasterPort", {K::kRefused, Always("Paddock has no observers; remove the key")}},
      {"oraclePath", {K::kRefused, Always("Paddock has no oracle for two-member ensembles (Raft needs a majority); use three members and remove the key")}},
  });
}

const Rules& AllRules() {
  static const Rules rules = [] {
    Rules r;
    HonouredRules(&r);
    PaddockRules(&r);
    MappedRules(&r);
    LoggedRules(&r);
    LoggedRules2(&r);
    RefusedRules(&r);
    return r;
  }();
  return rules;
}

// The rule for a key: exact, then "prefix.N" (digits) and "prefix.*" patterns, then the same
// without a leading "zookeeper." (ZooKeeper turns an unknown zoo.cfg key into the system property
// "zookeeper." + key, so operators write either spelling).
const std::pair<const std::string, KeyRule>* FindRule(const std::string& key) {
  const auto& rules = AllRules();
  if (auto it = rules.find(key); it != rules.end()) return &*it;
  for (const auto& entry : rules) {
    const std::string& pattern = entry.first;
    if (pattern.size() < 2 || pattern[pattern.size() - 2] != '.') continue;
    std::string prefix = pattern.substr(0, pattern.size() - 1);
    if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix) != 0) continue;
    std::string rest = key.substr(prefix.size());
    if (pattern.back() == '*') return &entry;
    if (pattern.back() == 'N' && rest.find_first_not_of("0123456789") == std::string::npos) {
      return &entry;
    }
  }
  const std::string zk = "zookeeper.";
  if (key.size() > zk.size() && key.compare(0, zk.size(), zk) == 0) {
    return FindRule(key.substr(zk.size()));
  }
  return nullptr;
}

// A literal address, or a name made of what DNS names and /etc/hosts aliases are made of
// (letters, digits, '-', '.', '_'), labels of at most 63 characters, 253 in all.
bool ValidHost(const std::string& host) {
  sockaddr_storage addr{};
  if (net::LiteralAddress(host, 1, &addr)) return true;
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') {
    return false;
  }
  size_t label = 0;
  for (char ch : host) {
    if (ch == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_';
    if (!ok || ++label > 63) return false;
  }
  return true;
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

std::vector<std::pair<std::string, KeyClass>> ZooCfgKeys() {
  std::vector<std::pair<std::string, KeyClass>> out;
  for (const auto& [key, rule] : AllRules()) out.emplace_back(key, rule.cls);
  return out;
}

const char* KeyClassName(KeyClass c) {
  switch (c) {
    case KeyClass::kHonoured: return "honoured";
    case KeyClass::kMapped: return "mapped";
    case KeyClass::kLogged: return "logged";
    case KeyClass::kRefused: return "refused";
  }
  return "?";
}

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
  if (!ValidHost(e.host)) {
    return Status::Error("invalid value for " + key + ": host '" + e.host +
                         "' (expected an IPv4 address, an IPv6 address in brackets, or a host "
                         "name)");
  }
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
  bool snap_count = false;
  bool snapshot_threshold = false;
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
    const auto* rule = FindRule(key);
    if (rule == nullptr) {
      if (unknown != nullptr) unknown->push_back(key);
      continue;
    }
    if (rule->second.set) {
      if (Status s = rule->second.set(config, key, value); !s.ok()) return s;
    }
    if (rule->second.cls == KeyClass::kLogged || rule->second.cls == KeyClass::kRefused) {
      config.ignored_keys.push_back(key);
    }
    if (rule->first == "snapCount") snap_count = true;
    if (rule->first == "paddock.snapshotThreshold") snapshot_threshold = true;
  }
  if (snap_count && snapshot_threshold) {
    return Status::Error("snapCount and paddock.snapshotThreshold both set the snapshot "
                         "threshold; keep one of them");
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
