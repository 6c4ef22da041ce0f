// Shared pieces of paddock-bench: options, clocks, latency summaries, the report (JSON and a
// readable table), the progress line and the server's /proc figures.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace paddock::bench {

using Json = nlohmann::ordered_json;

// Every option of every scenario; each scenario reads the ones it needs.
struct Options {
  std::string connect = "127.0.0.1:2181";
  std::string scenario;
  std::string json_path;
  int server_pid = 0;
  int64_t sessions = 1000;         // N (sessions, hold), M (expiry)
  int64_t concurrency = 100;       // C: connects in flight (sessions, hold, expiry)
  int64_t clients = 16;            // K (ops, churn)
  int64_t depth = 16;              // D: requests in flight per client (ops, churn)
  double duration_s = 10;          // per op (ops), hold time (hold), run time (churn)
  int64_t ops_max = 2'000'000;     // per op phase
  int64_t data_bytes = 100;
  int64_t znodes = 100000;         // znodes scenario
  std::vector<std::string> ops;    // ops phases to run (empty: all)
  double rate = 0;                 // ops: target ops/s over all clients (0: saturated)
  int32_t session_timeout_ms = 10000;
  int64_t source_addrs = 0;        // raw sessions: loopback source addresses (0: auto)
  double timeout_s = 300;          // hard bound on the whole scenario
  std::string prefix = "/paddock-bench";
  bool progress = true;
};

inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
inline double NsToMs(int64_t ns) { return static_cast<double>(ns) / 1e6; }
inline double SecondsSince(int64_t start_ns) {
  return static_cast<double>(NowNs() - start_ns) / 1e9;
}

// Latency samples in microseconds.
class Latencies {
 public:
  void Add(int64_t ns) {
    us_.push_back(static_cast<uint32_t>(std::clamp<int64_t>(ns / 1000, 0, UINT32_MAX)));
  }
  void Merge(const Latencies& other) { us_.insert(us_.end(), other.us_.begin(), other.us_.end()); }
  void Reserve(size_t n) { us_.reserve(n); }
  size_t size() const { return us_.size(); }
  // {count, min_ms, p50_ms, p99_ms, p999_ms, max_ms, mean_ms} and a CDF of about 120 points
  // ("cdf": [[ms, fraction], ...]) when with_cdf. Sorts the samples.
  Json Summary(bool with_cdf);

 private:
  std::vector<uint32_t> us_;
};

// The result of one scenario: a nested JSON object plus the rows of the readable table.
class Report {
 public:
  explicit Report(const Options& o);
  // Sets results.<dotted key> and adds a table row (unless it is an array or object).
  void Put(const std::string& key, const Json& value, const std::string& unit = "");
  // Puts a latency summary under key (table rows for p50/p99/p999/max).
  void PutLatency(const std::string& key, Latencies& lat);
  void Note(const std::string& text);
  Json& json() { return json_; }
  void PrintTable() const;
  bool WriteJson(const std::string& path) const;

 private:
  Json json_;
  std::vector<std::pair<std::string, std::string>> rows_;
};

// One line on stderr, rewritten in place on a terminal, at most once a second.
class Progress {
 public:
  Progress(std::string name, bool enabled);
  // Prints if a second has passed since the last line.
  void Tick(const std::string& text);
  void Done();

 private:
  std::string name_;
  bool enabled_;
  bool tty_;
  int64_t start_ns_;
  int64_t last_ns_ = 0;
  bool printed_ = false;
};

// Figures of a process read from /proc/<pid> (0 when unreadable).
struct ProcFigures {
  int64_t rss_bytes = 0;
  double cpu_s = 0;  // user + system
  bool ok = false;
};
ProcFigures ReadProc(int pid);

// host:port pairs of a connect string (IPv4 literals or "localhost"); empty on a parse error.
struct Endpoint {
  std::string host;
  int port = 0;
};
std::vector<Endpoint> ParseEndpoints(const std::string& connect);

// The data of every znode the bench writes.
std::string Payload(int64_t bytes);

}  // namespace paddock::bench
