// Proves zoo.cfg parsing: ZooKeeper's keys and defaults, the three separators and comments,
// unknown keys collected rather than fatal, and a malformed value refused with the key named.
#include "server/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

namespace paddock::server {
namespace {

TEST(Config, DefaultsMatchAStandaloneZooKeeper) {
  Result<Config> c = ParseConfig("", nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->client_port, 2181);
  EXPECT_EQ(c->data_dir, "./data");
  EXPECT_EQ(c->SessionTimeoutMinMs(), 4000);
  EXPECT_EQ(c->SessionTimeoutMaxMs(), 40000);
  EXPECT_EQ(c->jute_max_buffer, 0xfffff);
  EXPECT_EQ(c->four_letter_words, std::set<std::string>{"srvr"});
}

TEST(Config, ReadsZooCfgKeysWithAnySeparatorAndComments) {
  std::vector<std::string> unknown;
  Result<Config> c = ParseConfig(
      "# comment\n! also a comment\ntickTime = 500\ndataDir:/tmp/x\nclientPort 2191\n"
      "4lw.commands.whitelist=ruok, stat\nautopurge.snapRetainCount=3\n",
      &unknown);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->tick_ms, 500);
  EXPECT_EQ(c->data_dir, "/tmp/x");
  EXPECT_EQ(c->client_port, 2191);
  EXPECT_EQ(c->SessionTimeoutMinMs(), 1000);
  EXPECT_EQ(c->four_letter_words, (std::set<std::string>{"ruok", "stat"}));
  EXPECT_EQ(unknown, std::vector<std::string>{});
  EXPECT_EQ(c->ignored_keys, std::vector<std::string>{"autopurge.snapRetainCount"});
}

TEST(Config, UnknownKeysAreCollectedNotFatal) {
  std::vector<std::string> unknown;
  Result<Config> c = ParseConfig("my.own.tool.setting=3\nzookeeper.notAKey=1\n", &unknown);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(unknown, (std::vector<std::string>{"my.own.tool.setting", "zookeeper.notAKey"}));
  EXPECT_TRUE(c->ignored_keys.empty());
}

// Each refused key stops start-up with the key named and what to do ("remove ...", "set it to").
TEST(ConfigKeys, RefusedKeysNameTheKeyAndSayWhatToDo) {
  const std::vector<std::string> refused = {
      "dynamicConfigFile=/etc/zookeeper/zoo.cfg.dynamic",
      "group.1=1:2:3",
      "weight.2=1",
      "ssl.quorum.keyStore.location=/k.pem",
      "sslQuorum=true",
      "authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
      "authProvider.sasl=com.example.MyProvider",
      "readonlymode.enabled=true",
      "zookeeper.readonlymode.enabled=TRUE",
      "localSessionsEnabled=true",
      "quorum.auth.enableSasl=true",
      "quorum.auth.serverRequireSasl=true",
      "quorum.auth.learnerRequireSasl=true",
      "reconfigEnabled=true",
      "standaloneEnabled=false",
      "peerType=observer",
      "observerMasterPort=2191",
      "portUnification=true",
      "client.portUnification=true",
      "secureClientPortAddress=10.0.0.1",
      "ssl.context.supplier.class=com.example.Ctx",
      "ssl.crl=true",
      "ssl.ocsp=true",
      "ssl.authProvider=sasl",
      "sessionRequireClientSASLAuth=true",
      "enforce.auth.enabled=true",
      "DigestAuthenticationProvider.enabled=false",
      "DigestAuthenticationProvider.digestAlg=SHA3-256",
      "X509AuthenticationProvider.superUser=CN=admin",
      "skipACL=yes",
      "enforceQuota=true",
      "maxCnxns=100",
      "audit.enable=true",
      "emulate353TTLNodes=true",
      "admin.forceHttps=true",
      "quorumListenOnAllIPs=true",
      "leaderServes=no",
      "oraclePath=/oracle",
      "metricsProvider.className=com.example.MyMetricsProvider",
  };
  for (const auto& line : refused) {
    Result<Config> c = ParseConfig(line + "\n", nullptr);
    ASSERT_FALSE(c.ok()) << line;
    const std::string key = line.substr(0, line.find('='));
    const std::string m = c.status().message();
    EXPECT_EQ(m.rfind(key, 0), 0u) << line << ": " << m;
    EXPECT_TRUE(m.find("remove") != std::string::npos || m.find("set it to") != std::string::npos)
        << m;
  }
}

TEST(ConfigKeys, RefusedKeysAcceptTheirHarmlessValuesAndLogThem) {
  for (const std::string line :
       {"readonlymode.enabled=false", "sslQuorum=false", "localSessionsEnabled=false",
        "reconfigEnabled=false", "standaloneEnabled=true", "quorum.auth.enableSasl=false",
        "peerType=participant", "maxCnxns=0", "skipACL=no", "leaderServes=yes",
        "DigestAuthenticationProvider.enabled=true",
        "authProvider.1=org.apache.zookeeper.server.auth.DigestAuthenticationProvider"}) {
    Result<Config> c = ParseConfig(line + "\n", nullptr);
    ASSERT_TRUE(c.ok()) << line << ": " << c.status().message();
    EXPECT_EQ(c->ignored_keys, std::vector<std::string>{line.substr(0, line.find('='))});
  }
  EXPECT_FALSE(ParseConfig("sslQuorum=maybe\n", nullptr).ok());
}

TEST(ConfigKeys, HarmlessKeysAreLoggedOncePerLine) {
  std::vector<std::string> unknown;
  Result<Config> c = ParseConfig(
      "preAllocSize=65536\nautopurge.purgeInterval=1\njvm.pause.monitor=true\n"
      "zookeeper.nio.numWorkerThreads=8\nmetricsProvider.exportJvmInfo=false\n"
      "admin.idleTimeout=30000\n",
      &unknown);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(unknown.empty());
  EXPECT_EQ(c->ignored_keys,
            (std::vector<std::string>{"preAllocSize", "autopurge.purgeInterval",
                                      "jvm.pause.monitor", "zookeeper.nio.numWorkerThreads",
                                      "metricsProvider.exportJvmInfo", "admin.idleTimeout"}));
}

TEST(ConfigKeys, ThePrometheusProviderServesZooKeepersMetrics) {
  Result<Config> c = ParseConfig("", nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->zk_metrics_enabled);
  EXPECT_EQ(c->zk_metrics_host, "0.0.0.0");
  EXPECT_EQ(c->zk_metrics_port, 7000);
  c = ParseConfig(
      "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider"
      "\nmetricsProvider.httpHost=127.0.0.1\nmetricsProvider.httpPort=7001\n",
      nullptr);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->zk_metrics_enabled);
  EXPECT_EQ(c->zk_metrics_host, "127.0.0.1");
  EXPECT_EQ(c->zk_metrics_port, 7001);
  c = ParseConfig(
      "metricsProvider.className=org.apache.zookeeper.metrics.impl.DefaultMetricsProvider\n",
      nullptr);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FALSE(c->zk_metrics_enabled);
  c = ParseConfig("metricsProvider.httpPort=70000\n", nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("metricsProvider.httpPort"), std::string::npos);
}

TEST(ConfigKeys, SnapCountSetsTheSnapshotThreshold) {
  EXPECT_EQ(ParseConfig("snapCount=50000\n", nullptr)->SnapshotThreshold(), 50000u);
  const std::string three =
      "server.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889\nserver.3=127.0.0.1:2890:3890\n";
  EXPECT_EQ(ParseConfig(three + "snapCount=2000\n", nullptr)->SnapshotThreshold(), 2000u);
  EXPECT_TRUE(ParseConfig("snapCount=2000\n", nullptr)->ignored_keys.empty());
  Result<Config> bad = ParseConfig("snapCount=-5\n", nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("invalid value for snapCount"), std::string::npos);
  Result<Config> both = ParseConfig("snapCount=2000\npaddock.snapshotThreshold=3000\n", nullptr);
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.status().message().find("keep one of them"), std::string::npos);
}

TEST(ConfigKeys, SessionlessTimeoutAndPasswordPathAreMapped) {
  EXPECT_EQ(ParseConfig("nio.sessionlessCnxnTimeout=750\n", nullptr)->handshake_timeout_ms, 750);
  EXPECT_EQ(ParseConfig("zookeeper.nio.sessionlessCnxnTimeout=900\n", nullptr)
                ->handshake_timeout_ms,
            900);
  std::filesystem::path file = std::filesystem::temp_directory_path() / "paddock-cfg-pw.txt";
  std::ofstream(file) << "s3cret\n";
  Result<Config> c = ParseConfig("ssl.keyStore.passwordPath=" + file.string() + "\n", nullptr);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->ssl_key_store_password, "s3cret");
  std::filesystem::remove(file);
  Result<Config> missing =
      ParseConfig("ssl.keyStore.passwordPath=" + file.string() + "\n", nullptr);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message().rfind("ssl.keyStore.passwordPath: cannot read", 0), 0u);
}

// The README's "zoo.cfg keys" table lists exactly the parser's keys with the same classes.
TEST(ConfigKeys, ReadmeTableMatchesTheParser) {
  std::ifstream f(PADDOCK_README_PATH);
  ASSERT_TRUE(f) << PADDOCK_README_PATH;
  std::string line;
  bool in_section = false;
  std::map<std::string, std::string> readme;
  while (std::getline(f, line)) {
    if (line.rfind("## ", 0) == 0) in_section = line == "## zoo.cfg keys";
    if (!in_section || line.rfind("| `", 0) != 0) continue;
    size_t key_end = line.find("` |", 3);
    ASSERT_NE(key_end, std::string::npos) << line;
    size_t class_end = line.find(" |", key_end + 3);
    std::string key = line.substr(3, key_end - 3);
    std::string cls = line.substr(key_end + 4, class_end - key_end - 4);
    EXPECT_TRUE(readme.emplace(key, cls).second) << "listed twice: " << key;
  }
  std::map<std::string, std::string> code;
  for (const auto& [key, cls] : ZooCfgKeys()) code.emplace(key, KeyClassName(cls));
  for (const auto& [key, cls] : code) {
    auto it = readme.find(key);
    if (it == readme.end()) {
      ADD_FAILURE() << "README zoo.cfg keys lacks `" << key << "` (" << cls << ")";
    } else {
      EXPECT_EQ(it->second, cls) << key;
    }
  }
  for (const auto& [key, cls] : readme) {
    EXPECT_EQ(code.count(key), 1u) << "README lists `" << key << "`, the parser does not";
  }
}

TEST(Config, HandshakeTimeoutDefaultsToTenSecondsAndIsConfigurable) {
  EXPECT_EQ(ParseConfig("", nullptr)->handshake_timeout_ms, 10000);
  EXPECT_EQ(ParseConfig("paddock.handshakeTimeoutMs=250\n", nullptr)->handshake_timeout_ms, 250);
  EXPECT_FALSE(ParseConfig("paddock.handshakeTimeoutMs=0\n", nullptr).ok());
}

TEST(Config, SnapshotThresholdDependsOnTheTopologyUnlessGiven) {
  EXPECT_EQ(ParseConfig("", nullptr)->SnapshotThreshold(), 100000u);
  const std::string three =
      "server.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889\nserver.3=127.0.0.1:2890:3890\n";
  EXPECT_EQ(ParseConfig(three, nullptr)->SnapshotThreshold(), 10000u);
  EXPECT_EQ(ParseConfig(three + "paddock.snapshotThreshold=64\n", nullptr)->SnapshotThreshold(),
            64u);
  EXPECT_EQ(ParseConfig("paddock.snapshotThreshold=500000\n", nullptr)->SnapshotThreshold(),
            500000u);
  EXPECT_FALSE(ParseConfig("paddock.snapshotThreshold=0\n", nullptr).ok());
}

TEST(Config, DiskReserveDefaultsTo64MiBAndZeroDisablesIt) {
  EXPECT_EQ(ParseConfig("", nullptr)->disk_reserve_bytes, 64ll << 20);
  EXPECT_EQ(ParseConfig("paddock.diskReserveBytes=0\n", nullptr)->disk_reserve_bytes, 0);
  EXPECT_FALSE(ParseConfig("paddock.diskReserveBytes=-1\n", nullptr).ok());
}

TEST(Config, StarWhitelistsEveryFourLetterWord) {
  Result<Config> c = ParseConfig("4lw.commands.whitelist=*\n", nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->four_letter_words.count("mntr"), 1u);
  EXPECT_EQ(c->four_letter_words.count("wchp"), 1u);
  for (const char* word : {"dirs", "gtmk", "stmk", "hash"}) {
    EXPECT_EQ(c->four_letter_words.count(word), 1u) << word;
  }
}

TEST(Config, MalformedValueNamesTheKey) {
  Result<Config> c = ParseConfig("clientPort=12ab\n", nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("clientPort"), std::string::npos);
  c = ParseConfig("clientPort=70000\n", nullptr);
  ASSERT_FALSE(c.ok());
  c = ParseConfig("extendedTypesEnabled=maybe\n", nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("extendedTypesEnabled"), std::string::npos);
}

TEST(Config, MinSessionTimeoutAboveMaxIsRefused) {
  Result<Config> c = ParseConfig("minSessionTimeout=5000\nmaxSessionTimeout=4000\n", nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("minSessionTimeout"), std::string::npos);
}

TEST(Config, DuplicateServerLineIsRefused) {
  Result<Config> c = ParseConfig("server.1=a:1:2\nserver.1=b:1:2\n", nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("server.1"), std::string::npos);
}

TEST(Config, AdminServerIsOnByDefaultOnLoopbackPort8080) {
  Result<Config> c = ParseConfig("", nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->admin_enable_server);
  EXPECT_EQ(c->admin_server_address, "127.0.0.1");
  EXPECT_EQ(c->admin_server_port, 8080);
  EXPECT_EQ(c->admin_command_url, "/commands");
}

TEST(Config, ReadsZooKeepersAdminKeys) {
  Result<Config> c = ParseConfig(
      "admin.enableServer=false\nadmin.serverAddress=0.0.0.0\nadmin.serverPort=9090\n"
      "admin.commandURL=/cmd\n",
      nullptr);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FALSE(c->admin_enable_server);
  EXPECT_EQ(c->admin_server_address, "0.0.0.0");
  EXPECT_EQ(c->admin_server_port, 9090);
  EXPECT_EQ(c->admin_command_url, "/cmd");
}

TEST(Config, MalformedAdminAndLogValuesNameTheKey) {
  for (const char* text : {"admin.serverPort=http\n", "admin.enableServer=perhaps\n",
                           "admin.commandURL=commands\n", "paddock.logLevel=loud\n"}) {
    Result<Config> c = ParseConfig(text, nullptr);
    ASSERT_FALSE(c.ok()) << text;
    std::string key(text, std::string(text).find('='));
    EXPECT_NE(c.status().message().find(key), std::string::npos) << c.status().message();
  }
}

TEST(Config, LogFileIsOffByDefaultAndRotatesAt100MiBOverTenFiles) {
  Result<Config> c = ParseConfig("", nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->log_file, "");
  c = ParseConfig("paddock.logFile=/var/log/paddock/paddock.log\n", nullptr);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->log_file, "/var/log/paddock/paddock.log");
  EXPECT_EQ(c->LogFileBytesMax(), int64_t{100} << 20);
  EXPECT_EQ(c->LogFilesMax(), 10);
  c = ParseConfig("paddock.logFile=p.log\npaddock.logFileMaxBytes=4096\npaddock.logFiles=3\n",
                  nullptr);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->LogFileBytesMax(), 4096);
  EXPECT_EQ(c->LogFilesMax(), 3);
}

TEST(Config, MalformedLogFileValuesNameTheKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"paddock.logFile=\n", "paddock.logFile"},
      {"paddock.logFile=p.log\npaddock.logFileMaxBytes=100\n", "paddock.logFileMaxBytes"},
      {"paddock.logFile=p.log\npaddock.logFileMaxBytes=1MB\n", "paddock.logFileMaxBytes"},
      {"paddock.logFile=p.log\npaddock.logFiles=0\n", "paddock.logFiles"},
      {"paddock.logFile=p.log\npaddock.logFiles=1001\n", "paddock.logFiles"}};
  for (const auto& [text, key] : cases) {
    Result<Config> c = ParseConfig(text, nullptr);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.status().message().find(key), std::string::npos) << c.status().message();
  }
}

TEST(Config, LogFileLimitsWithoutALogFileAreRefused) {
  for (const char* key : {"paddock.logFileMaxBytes=4096", "paddock.logFiles=3"}) {
    Result<Config> c = ParseConfig(std::string(key) + "\n", nullptr);
    ASSERT_FALSE(c.ok()) << key;
    std::string name(key, std::string(key).find('='));
    EXPECT_NE(c.status().message().find(name + " is set but paddock.logFile is not"),
              std::string::npos)
        << c.status().message();
  }
}

TEST(Config, LineWithoutSeparatorIsRefused) {
  EXPECT_FALSE(ParseConfig("justakey\n", nullptr).ok());
}

TEST(Config, TlsIsOffByDefaultWithZooKeepersDefaults) {
  Result<Config> c = ParseConfig("", nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->secure_client_port, -1);
  EXPECT_TRUE(c->PlainPortEnabled());
  EXPECT_EQ(c->ssl_client_auth, Config::ClientAuth::kNeed);
  EXPECT_EQ(c->ssl_protocol, "TLSv1.2");
  EXPECT_TRUE(c->ssl_enabled_protocols.empty());
}

TEST(Config, ReadsZooKeepersSslKeys) {
  std::vector<std::string> unknown;
  Result<Config> c = ParseConfig(
      "secureClientPort=2281\nssl.keyStore.location=/k.pem\nssl.keyStore.password=pw\n"
      "ssl.keyStore.type=PEM\nssl.trustStore.location=/ca.pem\nssl.trustStore.type=pem\n"
      "ssl.clientAuth=Want\nssl.protocol=TLSv1.3\nssl.enabledProtocols=TLSv1.2, TLSv1.3\n"
      "ssl.ciphersuites=TLS_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
      "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory\n",
      &unknown);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->secure_client_port, 2281);
  EXPECT_FALSE(c->PlainPortEnabled()) << "clientPort absent: only the TLS port, as in ZooKeeper";
  EXPECT_EQ(c->ssl_key_store_location, "/k.pem");
  EXPECT_EQ(c->ssl_key_store_password, "pw");
  EXPECT_EQ(c->ssl_trust_store_location, "/ca.pem");
  EXPECT_EQ(c->ssl_client_auth, Config::ClientAuth::kWant);
  EXPECT_EQ(c->ssl_protocol, "TLSv1.3");
  EXPECT_EQ(c->ssl_enabled_protocols, (std::vector<std::string>{"TLSv1.2", "TLSv1.3"}));
  EXPECT_EQ(c->ssl_cipher_suites.size(), 2u);
  EXPECT_TRUE(unknown.empty());
  EXPECT_EQ(c->ignored_keys, std::vector<std::string>{"serverCnxnFactory"});
  EXPECT_TRUE(ParseConfig("clientPort=2181\nsecureClientPort=2281\nssl.keyStore.location=/k\n",
                          nullptr)->PlainPortEnabled());
  EXPECT_EQ(ParseConfig("ssl.clientAuth=NONE\n", nullptr)->ssl_client_auth,
            Config::ClientAuth::kNone);
}

TEST(Config, BadSslValuesNameTheKey) {
  for (const char* text : {"ssl.keyStore.type=JKS\n", "ssl.trustStore.type=PKCS12\n",
                           "ssl.clientAuth=maybe\n", "ssl.protocol=SSLv3\n",
                           "ssl.enabledProtocols=TLSv1.2,TLSv9\n", "secureClientPort=http\n"}) {
    Result<Config> c = ParseConfig(text, nullptr);
    ASSERT_FALSE(c.ok()) << text;
    std::string key(text, std::string(text).find('='));
    EXPECT_NE(c.status().message().find(key), std::string::npos) << c.status().message();
  }
  Result<Config> c = ParseConfig("secureClientPort=2281\n", nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("ssl.keyStore.location"), std::string::npos);
}

// An ensemble member's id comes from <dataDir>/myid (ZooKeeper's rules and messages).
class MyIdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("paddock-myid-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  Config Ensemble() {
    Result<Config> c = ParseConfig("dataDir=" + dir_.string() +
                                       "\nserver.1=127.0.0.1:2888:3888\n"
                                       "server.2=127.0.0.1:2889:3889\nserver.3=127.0.0.1:2890:3890\n",
                                   nullptr);
    EXPECT_TRUE(c.ok());
    return *c;
  }
  void WriteMyId(const std::string& text) { std::ofstream(dir_ / "myid") << text; }
  // Re-parses the ensemble's text with `line` added.
  bool ParseConfigInto(Config* c, const std::string& line) {
    Result<Config> parsed = ParseConfig("dataDir=" + dir_.string() +
                                            "\nserver.1=127.0.0.1:2888:3888\n"
                                            "server.2=127.0.0.1:2889:3889\n" + line + "\n",
                                        nullptr);
    if (parsed.ok()) *c = *parsed;
    return parsed.ok();
  }
  std::filesystem::path dir_;
};

TEST_F(MyIdTest, StandaloneNeedsNoMyId) {
  Result<Config> c = ParseConfig("dataDir=" + dir_.string() + "\nserver.1=127.0.0.1:2888:3888\n",
                                 nullptr);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(ResolveServerId(&*c).ok());
  EXPECT_EQ(c->server_id, 1);
}

TEST_F(MyIdTest, EnsembleReadsItsIdFromMyId) {
  Config c = Ensemble();
  WriteMyId("2\n");
  ASSERT_TRUE(ResolveServerId(&c).ok());
  EXPECT_EQ(c.server_id, 2);
}

TEST_F(MyIdTest, MissingMyIdIsNamed) {
  Config c = Ensemble();
  Status s = ResolveServerId(&c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find((dir_ / "myid").string() + " file is missing"), std::string::npos)
      << s.message();
}

TEST_F(MyIdTest, MalformedMyIdIsNamed) {
  Config c = Ensemble();
  WriteMyId("two\n");
  Status s = ResolveServerId(&c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("myid"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("'two'"), std::string::npos) << s.message();
}

TEST_F(MyIdTest, ClientAddressOfTheServerLineIsUsed) {
  Result<Config> c = ParseConfig("dataDir=" + dir_.string() +
                                     "\nserver.1=127.0.0.1:2888:3888;127.0.0.2:2182\n"
                                     "server.2=127.0.0.1:2889:3889\n",
                                 nullptr);
  ASSERT_TRUE(c.ok());
  WriteMyId("1\n");
  ASSERT_TRUE(ResolveServerId(&*c).ok());
  EXPECT_EQ(c->client_port, 2182);
  EXPECT_EQ(c->client_port_address, "127.0.0.2");
}

TEST_F(MyIdTest, IdNotInTheServerListIsRefused) {
  Config c = Ensemble();
  WriteMyId("7");
  Status s = ResolveServerId(&c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("my id 7"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("not in the server list"), std::string::npos) << s.message();
}

TEST_F(MyIdTest, EnsembleWithoutPeerKeyFileStopsSayingHowToMakeOne) {
  Config c = Ensemble();
  Status s = LoadPeerKey(&c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("paddock.peerKeyFile"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("head -c 32 /dev/urandom | base64"), std::string::npos)
      << s.message();
}

TEST_F(MyIdTest, PeerKeyIsReadTrimmed) {
  Config c = Ensemble();
  std::ofstream(dir_ / "peer.key") << "  c2VjcmV0LWtleS1vZi10aGUtZW5zZW1ibGU=\n\n";
  ASSERT_TRUE(ParseConfigInto(&c, "paddock.peerKeyFile=" + (dir_ / "peer.key").string()));
  ASSERT_TRUE(LoadPeerKey(&c).ok());
  EXPECT_EQ(c.peer_key, "c2VjcmV0LWtleS1vZi10aGUtZW5zZW1ibGU=");
}

TEST_F(MyIdTest, ShortOrMissingPeerKeyFileIsRefusedNamingTheKey) {
  Config c = Ensemble();
  c.peer_key_file = (dir_ / "peer.key").string();
  Status missing = LoadPeerKey(&c);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("paddock.peerKeyFile: cannot read " + c.peer_key_file),
            std::string::npos) << missing.message();
  std::ofstream(dir_ / "peer.key") << " 0123456789abcde \n";  // 15 bytes once trimmed
  Status short_key = LoadPeerKey(&c);
  ASSERT_FALSE(short_key.ok());
  EXPECT_NE(short_key.message().find("holds 15 bytes after trimming whitespace; the key must be "
                                     "at least 16 bytes"),
            std::string::npos) << short_key.message();
  EXPECT_TRUE(c.peer_key.empty());
}

TEST_F(MyIdTest, StandaloneIgnoresThePeerKey) {
  Result<Config> c = ParseConfig("dataDir=" + dir_.string() +
                                     "\npaddock.peerKeyFile=/nonexistent/peer.key\n",
                                 nullptr);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(LoadPeerKey(&*c).ok());
  EXPECT_TRUE(c->peer_key.empty());
}

TEST(Config, DuplicateServerIdIsRefused) {
  Result<Config> c =
      ParseConfig("server.1=127.0.0.1:2888:3888\nserver.1=127.0.0.1:2889:3889\n", nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("duplicate server.1"), std::string::npos);
}

TEST(ServerEntryTest, ParsesZooKeeperForms) {
  Result<ServerEntry> e = ParseServerEntry("server.1", "10.0.0.1:2888:3888");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "10.0.0.1");
  EXPECT_EQ(e->raft_port, 2888);
  EXPECT_EQ(e->peer_port, 3888);
  EXPECT_EQ(e->client_port, -1);
  EXPECT_EQ(e->RaftAddress(), "10.0.0.1:2888");

  e = ParseServerEntry("server.2", "[::1]:2888:3888:participant;127.0.0.1:2182");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->client_host, "127.0.0.1");
  EXPECT_EQ(e->client_port, 2182);

  e = ParseServerEntry("server.3", "h:1:2;2183");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->client_port, 2183);
  EXPECT_TRUE(e->client_host.empty());
}

TEST(ServerEntryTest, RefusesMalformedLinesNamingTheKey) {
  for (const char* bad : {"h:1", "h:1:2:3:4", "h:x:2", "h:1:70000", "h:1:2:observer", ":1:2",
                          "h:1:2;x", "[::1:1:2"}) {
    Result<ServerEntry> e = ParseServerEntry("server.4", bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_NE(e.status().message().find("server.4"), std::string::npos) << bad;
  }
  Result<Config> c = ParseConfig("server.1=nonsense\n", nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("server.1"), std::string::npos);
}

TEST(ServerEntryTest, ElectionTimeoutDefaultsToTheTick) {
  Result<Config> c = ParseConfig("tickTime=100\n", nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->ElectionTimeoutMs(), 300);
  c = ParseConfig("tickTime=2000\n", nullptr);
  EXPECT_EQ(c->ElectionTimeoutMs(), 2000);
  c = ParseConfig("tickTime=2000\npaddock.electionTimeoutMs=700\n", nullptr);
  EXPECT_EQ(c->ElectionTimeoutMs(), 700);
}

// The loop's spin after a log append: off by default (on two shared cores it cost the write
// tail more than it saved at the median), settable, and refused out of range with the key named.
TEST(ServerEntryTest, AppendSpinIsOffByDefaultAndBounded) {
  Result<Config> c = ParseConfig("tickTime=2000\n", nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->AppendSpinMicros(), 0);
  c = ParseConfig("paddock.appendSpinMicros=150\n", nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->AppendSpinMicros(), 150);
  c = ParseConfig("paddock.appendSpinMicros=20000\n", nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("paddock.appendSpinMicros"), std::string::npos);
}

// Host names and IPv6 literals are members' addresses as in ZooKeeper; nothing is resolved while
// the file is read (a member's name may not resolve yet: it is looked up at every connect).
TEST_F(MyIdTest, EnsembleHostsMayBeNamesAndIpv6Literals) {
  Result<Config> c = ParseConfig("dataDir=" + dir_.string() +
                                     "\nserver.1=127.0.0.1:2888:3888\nserver.2=zk2.example:2889:3889"
                                     "\nserver.3=[::1]:2890:3890\n",
                                 nullptr);
  ASSERT_TRUE(c.ok()) << c.status().message();
  WriteMyId("1\n");
  ASSERT_TRUE(ResolveServerId(&*c).ok());
  EXPECT_EQ(c->servers.at(2).RaftAddress(), "zk2.example:2889");
  EXPECT_EQ(c->servers.at(3).RaftAddress(), "[::1]:2890");
}

TEST(ServerEntryTest, RefusesAHostThatIsNoAddressNorName) {
  for (const char* bad : {"zk 2:1:2", "zk/2:1:2", ".zk:1:2", "-zk:1:2", "zk..a:1:2", "zk?:1:2"}) {
    Result<ServerEntry> e = ParseServerEntry("server.2", bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_NE(e.status().message().find("server.2"), std::string::npos) << bad;
  }
  std::string label63(63, 'a');
  EXPECT_TRUE(ParseServerEntry("server.2", label63 + ".b:1:2").ok());
  EXPECT_FALSE(ParseServerEntry("server.2", label63 + "a.b:1:2").ok());
  EXPECT_TRUE(ParseServerEntry("server.2", "zk_2-a.internal:1:2").ok());
}

}  // namespace
}  // namespace paddock::server
