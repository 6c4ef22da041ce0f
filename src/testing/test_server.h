// Test-only support (never linked into release binaries): real server processes and a TCP proxy
// that a test controls, for client tests that run against paddock-server and Apache ZooKeeper.
//
// TestServer starts `paddock-server` ($PADDOCK_SERVER) or Debian's ZooKeeper (java with the
// Debian jars) on a free loopback port with a temporary data directory, and waits until it
// answers `srvr`. TcpProxy forwards a loopback port to a server; the test can cut every
// connection, or blackhole traffic (accept and hold connections but pass nothing), then restore.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace paddock::testing {

enum class ServerKind { kPaddock, kZooKeeper };
const char* ServerKindName(ServerKind k);

class TestServer {
 public:
  // Starts a server; aborts the test process with a message if it is not serving in time.
  static std::unique_ptr<TestServer> Start(ServerKind kind,
                                           std::map<std::string, std::string> extra_cfg = {});
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  std::string connect_string() const { return "127.0.0.1:" + std::to_string(port_); }
  ServerKind kind() const { return kind_; }
  void Kill9();
  void Stop();
  // Starts again on the same port and data directory.
  void Restart();

 private:
  TestServer(ServerKind kind, int port, std::string dir);
  void Spawn();
  void WaitServing();

  ServerKind kind_;
  int port_;
  std::string dir_;
  int pid_ = -1;
};

// A free TCP port on 127.0.0.1 (bound and released).
int FreePort();
// Sends a four-letter word; returns the answer ("" on failure).
std::string FourLetterWord(int port, const std::string& word);

class TcpProxy {
 public:
  explicit TcpProxy(int target_port);
  ~TcpProxy();
  int port() const { return port_; }
  // Closes every connection through the proxy; new ones are accepted.
  void Cut();
  // Holds connections open but passes no bytes (a silent network); new connections hang too.
  void Blackhole();
  // Forwards again; connections held in blackhole are closed so that clients reconnect.
  void Restore();

 private:
  struct Pair {
    int client = -1;
    int server = -1;
  };
  void Run();
  void CloseAll();

  int target_port_;
  int port_ = 0;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  bool blackhole_ = false;
  bool cut_ = false;
  std::vector<Pair> pairs_;
  std::thread thread_;
};

}  // namespace paddock::testing
