#include "testing/test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

extern char** environ;

namespace paddock::testing {
namespace {

constexpr int kReadyTimeoutPaddockMs = 15000;
constexpr int kReadyTimeoutZooKeeperMs = 60000;

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "test_server: %s\n", msg.c_str());
  std::abort();
}

int ConnectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string PaddockBinary() {
  const char* env = std::getenv("PADDOCK_SERVER");
  return env != nullptr ? env : "build/bin/paddock-server";
}

}  // namespace

const char* ServerKindName(ServerKind k) { return k == ServerKind::kPaddock ? "paddock" : "zookeeper"; }

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) Die("bind failed");
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

std::string FourLetterWord(int port, const std::string& word) {
  int fd = ConnectLoopback(port);
  if (fd < 0) return "";
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (write(fd, word.data(), word.size()) != static_cast<ssize_t>(word.size())) {
    close(fd);
    return "";
  }
  std::string out;
  char buf[4096];
  for (int i = 0; i < 1000; i++) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

TestServer::TestServer(ServerKind kind, int port, std::string dir)
    : kind_(kind), port_(port), dir_(std::move(dir)) {}

std::unique_ptr<TestServer> TestServer::Start(ServerKind kind,
                                              std::map<std::string, std::string> extra_cfg) {
  char tmpl[] = "/tmp/paddock-test-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) Die("mkdtemp failed");
  std::string dir = tmpl;
  int port = FreePort();
  std::map<std::string, std::string> cfg = {
      {"tickTime", "500"},           {"dataDir", dir + "/data"},
      {"clientPort", std::to_string(port)}, {"clientPortAddress", "127.0.0.1"},
      {"4lw.commands.whitelist", "*"}, {"maxSessionTimeout", "30000"},
      {"admin.enableServer", "false"},
  };
  for (auto& [k, v] : extra_cfg) cfg[k] = v;
  std::filesystem::create_directories(dir + "/data");
  std::ofstream f(dir + "/zoo.cfg");
  for (auto& [k, v] : cfg) f << k << "=" << v << "\n";
  f.close();
  std::ofstream log4j(dir + "/log4j.properties");
  log4j << "log4j.rootLogger=WARN, FILE\nlog4j.appender.FILE=org.apache.log4j.FileAppender\n"
           "log4j.appender.FILE.File=" << dir << "/server.log\n"
           "log4j.appender.FILE.layout=org.apache.log4j.PatternLayout\n";
  log4j.close();
  std::unique_ptr<TestServer> s(new TestServer(kind, port, dir));
  s->Spawn();
  s->WaitServing();
  return s;
}

void TestServer::Spawn() {
  std::string cfg = dir_ + "/zoo.cfg";
  std::string out = dir_ + "/server.out";
  std::vector<std::string> args;
  if (kind_ == ServerKind::kPaddock) {
    args = {PaddockBinary(), cfg};
  } else {
    args = {"/usr/bin/java", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Dzookeeper.admin.enableServer=false", "-Dlog4j.configuration=file:" + dir_ +
            "/log4j.properties", "-cp",
            "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-log4j12.jar:"
            "/usr/share/java/log4j-1.2.jar:"
            // Netty's codec and resolver: the manifest of Debian's zookeeper.jar misses them,
            // and NettyServerCnxnFactory (secureClientPort) needs them.
            "/usr/share/java/netty-codec.jar:/usr/share/java/netty-resolver.jar",
            "org.apache.zookeeper.server.ZooKeeperServerMain", cfg};
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) {
    Die("cannot start " + args[0]);
  }
  posix_spawn_file_actions_destroy(&fa);
  pid_ = pid;
}

void TestServer::WaitServing() {
  int limit_ms = kind_ == ServerKind::kPaddock ? kReadyTimeoutPaddockMs : kReadyTimeoutZooKeeperMs;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(limit_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (FourLetterWord(port_, "srvr").find("Mode:") != std::string::npos) return;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) Die("server exited; see " + dir_ + "/server.out");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Die(std::string(ServerKindName(kind_)) + " not serving in time; see " + dir_);
}

void TestServer::Kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void TestServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 200; i++) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Kill9();
}

void TestServer::Restart() {
  Stop();
  Spawn();
  WaitServing();
}

TestServer::~TestServer() {
  Kill9();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace paddock::testing
