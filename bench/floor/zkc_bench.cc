// paddock-zkc-bench: latency and load measured through ZooKeeper's official C client
// (libzookeeper-mt 3.8), so the floor (paddock-floor), Paddock and ZooKeeper are all timed by the
// same client code (issue #18).
//
//   paddock-zkc-bench latency --connect 127.0.0.1:2191 --op create --count 5000 --warmup 200
//   paddock-zkc-bench load --connect HOSTS --sessions 6 --depth 32 --duration-s 5 --op create
//
// latency: one session, one request in flight (the client's synchronous calls), each call timed
//   with steady_clock; prints {"op","count","p50_ms",...,"errors"} on stdout.
// load: S sessions, each keeping D asynchronous requests in flight (a completion issues the next);
//   a request's latency is its completion time minus its issue time. --spread connects session k
//   to host k mod H of the list, --pin K every session to host K; by default each session gets the
//   whole list and the client picks. Bounded by --duration-s and --max-ops.
// Everything is created under /floor-<pid>-<ms> (persistent nodes), removed at the end within
// --cleanup-s. Exit 0 when every session connected within --timeout-s and no request failed;
// 1 otherwise (the JSON is still printed when the run happened); 2 on bad flags.
#include <unistd.h>
#include <zookeeper/zookeeper.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kDeletesInFlightMax = 256;
constexpr auto kPollInterval = std::chrono::milliseconds(10);

struct Options {
  std::string connect = "127.0.0.1:2191";
  std::string op = "create";
  int64_t count = 1000;
  int64_t warmup = 100;
  int size = 100;
  double timeout_s = 10;
  double max_s = 600;
  double cleanup_s = 30;
  int session_timeout_ms = 30000;
  int sessions = 1;
  int depth = 1;
  double duration_s = 5;
  int64_t max_ops = 5'000'000;
  bool spread = false;
  int pin = -1;
};

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

Clock::time_point After(double seconds) {
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// Nearest-rank percentile of sorted values (0 for none).
double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

std::vector<std::string> SplitHosts(const std::string& connect) {
  std::string hosts = connect.substr(0, connect.find('/'));  // drop a chroot suffix
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= hosts.size()) {
    size_t comma = hosts.find(',', start);
    if (comma == std::string::npos) comma = hosts.size();
    if (comma > start) out.push_back(hosts.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// Unique per run: the pid and the steady clock's milliseconds (since boot).
std::string ParentPath() {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch());
  return "/floor-" + std::to_string(getpid()) + "-" + std::to_string(ms.count());
}

// Requests in flight on one handle, counted down by completions (deletes at cleanup).
struct InFlight {
  std::mutex mu;
  std::condition_variable cv;
  int64_t count = 0;
};

void OnDeleted(int /*rc*/, const void* data) {
  auto* f = static_cast<InFlight*>(const_cast<void*>(data));
  std::lock_guard<std::mutex> lock(f->mu);
  --f->count;
  f->cv.notify_all();
}

// One zhandle_t. Closing it (destructor) runs before the members die, so completions that the
// client delivers while closing still find `deletes` alive.
class Session {
 public:
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() { Close(); }

  bool Start(const std::string& hosts, int session_timeout_ms) {
    zh_ = zookeeper_init(hosts.c_str(), &Session::OnWatch, session_timeout_ms, nullptr, this, 0);
    return zh_ != nullptr;
  }
  // True once the session is connected; false at `deadline` or if it expired or failed.
  bool WaitConnected(Clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_until(lock, deadline, [&] { return connected_ || failed_; });
    return connected_;
  }
  void Close() {
    if (zh_ != nullptr) zookeeper_close(zh_);
    zh_ = nullptr;
  }
  zhandle_t* zh() const { return zh_; }

  InFlight deletes;

 private:
  static void OnWatch(zhandle_t* /*zh*/, int type, int state, const char* /*path*/, void* ctx) {
    if (type != ZOO_SESSION_EVENT) return;
    auto* s = static_cast<Session*>(ctx);
    std::lock_guard<std::mutex> lock(s->mu_);
    if (state == ZOO_CONNECTED_STATE) s->connected_ = true;
    if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) s->failed_ = true;
    s->cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool connected_ = false;
  bool failed_ = false;
  zhandle_t* zh_ = nullptr;
};

bool Connect(Session& s, const std::string& hosts, const Options& o) {
  if (!s.Start(hosts, o.session_timeout_ms)) {
    std::fprintf(stderr, "paddock-zkc-bench: zookeeper_init(%s) failed\n", hosts.c_str());
    return false;
  }
  if (!s.WaitConnected(After(o.timeout_s))) {
    std::fprintf(stderr, "paddock-zkc-bench: no session with %s within %.1f s\n", hosts.c_str(),
                 o.timeout_s);
    return false;
  }
  return true;
}

int CreateNode(Session& s, const std::string& path, const std::string& data) {
  return zoo_create(s.zh(), path.c_str(), data.data(), static_cast<int>(data.size()),
                    &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, nullptr, 0);
}

// Deletes name_at(0..n-1) and then `parent`, best effort, within budget_s. Returns how many of
// the n deletes were not issued or did not complete.
int64_t Cleanup(Session& s, const std::string& parent, int64_t n,
                const std::function<std::string(int64_t)>& name_at, double budget_s) {
  if (budget_s <= 0 || s.zh() == nullptr) return n;
  Clock::time_point deadline = After(budget_s);
  InFlight& f = s.deletes;
  int64_t issued = 0;
  std::unique_lock<std::mutex> lock(f.mu);
  while (issued < n && Clock::now() < deadline) {
    if (f.count >= kDeletesInFlightMax) {
      f.cv.wait_for(lock, kPollInterval);
      continue;
    }
    ++f.count;
    lock.unlock();
    std::string path = name_at(issued++);
    int rc = zoo_adelete(s.zh(), path.c_str(), -1, OnDeleted, &f);
    lock.lock();
    if (rc != ZOK) --f.count;
  }
  f.cv.wait_until(lock, deadline, [&] { return f.count == 0; });
  int64_t left = (n - issued) + f.count;
  lock.unlock();
  if (Clock::now() < deadline) zoo_delete(s.zh(), parent.c_str(), -1);
  if (left > 0) {
    std::fprintf(stderr, "paddock-zkc-bench: cleanup left %lld nodes under %s\n",
                 static_cast<long long>(left), parent.c_str());
  }
  return left;
}

// ---- latency

struct LatencyRun {
  std::vector<double> ms;
  int64_t errors = 0;
  double elapsed_s = 0;
};

// One synchronous call of the op; i numbers the created node.
int LatencyCall(Session& s, const Options& o, const std::string& target, const std::string& data,
                std::vector<char>& buf) {
  if (o.op == "create") {
    return zoo_create(s.zh(), target.c_str(), data.data(), o.size, &ZOO_OPEN_ACL_UNSAFE,
                      ZOO_PERSISTENT, nullptr, 0);
  }
  if (o.op == "getData") {
    int len = static_cast<int>(buf.size());
    Stat stat{};
    return zoo_get(s.zh(), target.c_str(), 0, buf.data(), &len, &stat);
  }
  return zoo_set(s.zh(), target.c_str(), data.data(), o.size, -1);
}

LatencyRun MeasureLatency(Session& s, const Options& o, const std::string& parent,
                          const std::string& data) {
  LatencyRun run;
  run.ms.reserve(static_cast<size_t>(o.count));
  std::vector<char> buf(static_cast<size_t>(std::max(o.size, 1)) + 1024);
  Clock::time_point deadline = After(o.max_s);
  std::string node = parent + "/n";
  Clock::time_point start{};
  for (int64_t i = 0; i < o.warmup + o.count && Clock::now() < deadline; ++i) {
    if (i == o.warmup) start = Clock::now();
    std::string target = o.op == "create" ? node + "-" + std::to_string(i) : node;
    Clock::time_point t0 = Clock::now();
    int rc = LatencyCall(s, o, target, data, buf);
    Clock::time_point t1 = Clock::now();
    if (i >= o.warmup) run.ms.push_back(Ms(t1 - t0));
    if (rc != ZOK) ++run.errors;
  }
  if (start != Clock::time_point{}) run.elapsed_s = Ms(Clock::now() - start) / 1000;
  return run;
}

void PrintLatencyJson(const Options& o, LatencyRun& run) {
  std::vector<double>& v = run.ms;
  std::sort(v.begin(), v.end());
  double mean =
      v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double rate = run.elapsed_s > 0 ? static_cast<double>(v.size()) / run.elapsed_s : 0;
  std::printf(
      "{\"op\": \"%s\", \"count\": %zu, \"p50_ms\": %.4f, \"p90_ms\": %.4f, \"p99_ms\": %.4f, "
      "\"p999_ms\": %.4f, \"max_ms\": %.4f, \"mean_ms\": %.4f, \"ops_per_s\": %.1f, "
      "\"errors\": %lld}\n",
      o.op.c_str(), v.size(), Percentile(v, 0.50), Percentile(v, 0.90), Percentile(v, 0.99),
      Percentile(v, 0.999), v.empty() ? 0 : v.back(), mean, rate,
      static_cast<long long>(run.errors));
  std::fflush(stdout);
}

int RunLatency(const Options& o) {
  Session s;
  if (!Connect(s, o.connect, o)) return 1;
  std::string parent = ParentPath();
  std::string data(static_cast<size_t>(o.size), 'x');
  if (int rc = CreateNode(s, parent, ""); rc != ZOK) {
    std::fprintf(stderr, "paddock-zkc-bench: create %s: %s\n", parent.c_str(), zerror(rc));
    return 1;
  }
  if (o.op != "create") {
    if (int rc = CreateNode(s, parent + "/n", data); rc != ZOK) {
      std::fprintf(stderr, "paddock-zkc-bench: create %s/n: %s\n", parent.c_str(), zerror(rc));
      return 1;
    }
  }
  LatencyRun run = MeasureLatency(s, o, parent, data);
  bool complete = static_cast<int64_t>(run.ms.size()) == o.count;
  int64_t created = o.op == "create" ? o.warmup + static_cast<int64_t>(run.ms.size()) : 1;
  Cleanup(
      s, parent, created,
      [&](int64_t i) {
        return o.op == "create" ? parent + "/n-" + std::to_string(i) : parent + "/n";
      },
      o.cleanup_s);
  PrintLatencyJson(o, run);
  if (!complete) std::fprintf(stderr, "paddock-zkc-bench: stopped by --max-s %.0f\n", o.max_s);
  if (run.errors > 0) {
    std::fprintf(stderr, "paddock-zkc-bench: %lld requests failed\n",
                 static_cast<long long>(run.errors));
  }
  return complete && run.errors == 0 ? 0 : 1;
}

// ---- load

struct LoadShared {
  const Options* o = nullptr;
  std::string parent;
  std::string data;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> issued{0};
};

struct LoadSession;

// One request slot of a session: D of them per session, each always has at most one request.
struct Slot {
  LoadSession* owner = nullptr;
  Clock::time_point issued_at;
};

// Declared state first and the Session last, so the handle is closed (and its last completions
// delivered) while the state is still alive.
struct LoadSession {
  LoadShared* shared = nullptr;
  int index = 0;
  std::string prefix;  // parent/s<k>-
  std::string node;    // parent/s<k> (getData, setData)
  std::atomic<int64_t> next_name{0};
  std::vector<Slot> slots;
  InFlight in_flight;  // guards lat, errors and last_done too
  std::vector<double> lat;
  int64_t errors = 0;
  Clock::time_point last_done{};
  Session session;
};

bool Issue(Slot& slot);

void Completed(const void* data, int rc) {
  Clock::time_point now = Clock::now();
  auto* slot = static_cast<Slot*>(const_cast<void*>(data));
  LoadSession& s = *slot->owner;
  {
    std::lock_guard<std::mutex> lock(s.in_flight.mu);
    s.lat.push_back(Ms(now - slot->issued_at));
    if (rc != ZOK) ++s.errors;
    s.last_done = now;
  }
  if (Issue(*slot)) return;
  std::lock_guard<std::mutex> lock(s.in_flight.mu);
  --s.in_flight.count;
  s.in_flight.cv.notify_all();
}

void OnCreated(int rc, const char* /*value*/, const void* data) { Completed(data, rc); }
void OnData(int rc, const char* /*value*/, int /*len*/, const Stat* /*stat*/, const void* data) {
  Completed(data, rc);
}
void OnStat(int rc, const Stat* /*stat*/, const void* data) { Completed(data, rc); }

// Sends the slot's next request unless the run is over. False when nothing was sent.
bool Issue(Slot& slot) {
  LoadSession& s = *slot.owner;
  LoadShared& sh = *s.shared;
  const Options& o = *sh.o;
  if (sh.stop.load(std::memory_order_relaxed)) return false;
  if (sh.issued.fetch_add(1, std::memory_order_relaxed) >= o.max_ops) return false;
  slot.issued_at = Clock::now();
  int rc = ZOK;
  if (o.op == "create") {
    std::string path = s.prefix + std::to_string(s.next_name.fetch_add(1));
    rc = zoo_acreate(s.session.zh(), path.c_str(), sh.data.data(), o.size, &ZOO_OPEN_ACL_UNSAFE,
                     ZOO_PERSISTENT, OnCreated, &slot);
  } else if (o.op == "getData") {
    rc = zoo_aget(s.session.zh(), s.node.c_str(), 0, OnData, &slot);
  } else {
    rc = zoo_aset(s.session.zh(), s.node.c_str(), sh.data.data(), o.size, -1, OnStat, &slot);
  }
  if (rc == ZOK) return true;
  std::lock_guard<std::mutex> lock(s.in_flight.mu);
  ++s.errors;
  return false;
}

std::string HostsFor(const Options& o, const std::vector<std::string>& hosts, int k) {
  if (o.spread) return hosts[static_cast<size_t>(k) % hosts.size()];
  if (o.pin >= 0) return hosts[static_cast<size_t>(o.pin)];
  return o.connect;
}

// Starts every session, then waits for all of them (one shared deadline).
bool ConnectAll(std::vector<std::unique_ptr<LoadSession>>& ss, LoadShared& sh) {
  const Options& o = *sh.o;
  std::vector<std::string> hosts = SplitHosts(o.connect);
  for (int k = 0; k < o.sessions; ++k) {
    auto s = std::make_unique<LoadSession>();
    s->shared = &sh;
    s->index = k;
    s->prefix = sh.parent + "/s" + std::to_string(k) + "-";
    s->node = sh.parent + "/s" + std::to_string(k);
    s->slots.resize(static_cast<size_t>(o.depth));
    for (Slot& slot : s->slots) slot.owner = s.get();
    if (!s->session.Start(HostsFor(o, hosts, k), o.session_timeout_ms)) {
      std::fprintf(stderr, "paddock-zkc-bench: zookeeper_init for session %d failed\n", k);
      return false;
    }
    ss.push_back(std::move(s));
  }
  Clock::time_point deadline = After(o.timeout_s);
  for (auto& s : ss) {
    if (!s->session.WaitConnected(deadline)) {
      std::fprintf(stderr, "paddock-zkc-bench: session %d not connected within %.1f s\n", s->index,
                   o.timeout_s);
      return false;
    }
  }
  return true;
}

bool PrepareNodes(std::vector<std::unique_ptr<LoadSession>>& ss, const LoadShared& sh) {
  if (int rc = CreateNode(ss[0]->session, sh.parent, ""); rc != ZOK) {
    std::fprintf(stderr, "paddock-zkc-bench: create %s: %s\n", sh.parent.c_str(), zerror(rc));
    return false;
  }
  if (sh.o->op == "create") return true;
  for (auto& s : ss) {
    if (int rc = CreateNode(s->session, s->node, sh.data); rc != ZOK) {
      std::fprintf(stderr, "paddock-zkc-bench: create %s: %s\n", s->node.c_str(), zerror(rc));
      return false;
    }
  }
  return true;
}

// Issues depth requests per session, lets the run go for duration_s (or until max_ops), then
// stops issuing and waits (within timeout_s) for what is in flight. False if that wait failed.
bool DriveLoad(std::vector<std::unique_ptr<LoadSession>>& ss, LoadShared& sh,
               Clock::time_point start) {
  const Options& o = *sh.o;
  for (auto& s : ss) {
    {
      std::lock_guard<std::mutex> lock(s->in_flight.mu);
      s->in_flight.count = o.depth;
    }
    for (Slot& slot : s->slots) {
      if (Issue(slot)) continue;
      std::lock_guard<std::mutex> lock(s->in_flight.mu);
      --s->in_flight.count;
    }
  }
  Clock::time_point end = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(o.duration_s));
  for (auto& s : ss) {
    std::unique_lock<std::mutex> lock(s->in_flight.mu);
    s->in_flight.cv.wait_until(lock, end, [&] { return s->in_flight.count == 0; });
  }
  sh.stop = true;
  Clock::time_point deadline = After(o.timeout_s);
  bool drained = true;
  for (auto& s : ss) {
    std::unique_lock<std::mutex> lock(s->in_flight.mu);
    drained = s->in_flight.cv.wait_until(lock, deadline, [&] { return s->in_flight.count == 0; }) &&
              drained;
  }
  if (!drained) std::fprintf(stderr, "paddock-zkc-bench: requests still in flight at the end\n");
  return drained;
}

void PrintLoadJson(std::vector<std::unique_ptr<LoadSession>>& ss, const Options& o,
                   Clock::time_point start, int64_t& errors) {
  std::vector<double> lat;
  Clock::time_point last = start;
  errors = 0;
  for (auto& s : ss) {
    std::lock_guard<std::mutex> lock(s->in_flight.mu);
    lat.insert(lat.end(), s->lat.begin(), s->lat.end());
    errors += s->errors;
    last = std::max(last, s->last_done);
  }
  std::sort(lat.begin(), lat.end());
  double duration_s = Ms(last - start) / 1000;
  double rate = duration_s > 0 ? static_cast<double>(lat.size()) / duration_s : 0;
  std::printf(
      "{\"op\": \"%s\", \"sessions\": %d, \"depth\": %d, \"ops\": %zu, \"ops_per_s\": %.1f, "
      "\"p50_ms\": %.4f, \"p99_ms\": %.4f, \"errors\": %lld, \"duration_s\": %.3f}\n",
      o.op.c_str(), o.sessions, o.depth, lat.size(), rate, Percentile(lat, 0.50),
      Percentile(lat, 0.99), static_cast<long long>(errors), duration_s);
  std::fflush(stdout);
}

void CleanupLoad(std::vector<std::unique_ptr<LoadSession>>& ss, const LoadShared& sh) {
  std::vector<int64_t> ends;  // cumulative name counts: session k owns [ends[k-1], ends[k])
  int64_t total = 0;
  for (auto& s : ss) {
    total += sh.o->op == "create" ? s->next_name.load() : 1;
    ends.push_back(total);
  }
  auto name_at = [&](int64_t i) {
    auto k = static_cast<size_t>(std::upper_bound(ends.begin(), ends.end(), i) - ends.begin());
    if (sh.o->op != "create") return ss[k]->node;
    int64_t first = k == 0 ? 0 : ends[k - 1];
    return ss[k]->prefix + std::to_string(i - first);
  };
  Cleanup(ss[0]->session, sh.parent, total, name_at, sh.o->cleanup_s);
}

int RunLoad(const Options& o) {
  LoadShared sh;
  sh.o = &o;
  sh.parent = ParentPath();
  sh.data.assign(static_cast<size_t>(o.size), 'x');
  std::vector<std::unique_ptr<LoadSession>> ss;
  if (!ConnectAll(ss, sh) || !PrepareNodes(ss, sh)) return 1;
  Clock::time_point start = Clock::now();
  bool drained = DriveLoad(ss, sh, start);
  int64_t errors = 0;
  PrintLoadJson(ss, o, start, errors);
  if (drained) CleanupLoad(ss, sh);
  if (errors > 0) {
    std::fprintf(stderr, "paddock-zkc-bench: %lld requests failed\n",
                 static_cast<long long>(errors));
  }
  return drained && errors == 0 ? 0 : 1;
}

// ---- flags

void AddCommonFlags(CLI::App* cmd, Options& o) {
  cmd->add_option("--connect", o.connect, "host:port[,host:port...]");
  cmd->add_option("--op", o.op, "create | getData | setData")
      ->check(CLI::IsMember({"create", "getData", "setData"}));
  cmd->add_option("--size", o.size, "data bytes per node")->check(CLI::Range(0, 1'000'000));
  cmd->add_option("--timeout-s", o.timeout_s, "bound on connecting and on draining")
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--cleanup-s", o.cleanup_s, "bound on deleting what was created (0: keep)")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--session-timeout-ms", o.session_timeout_ms, "requested session timeout")
      ->check(CLI::Range(1000, 600'000));
}

void AddLoadFlags(CLI::App* cmd, Options& o) {
  cmd->add_option("--sessions", o.sessions, "S sessions")->check(CLI::Range(1, 1024));
  cmd->add_option("--depth", o.depth, "D requests in flight per session")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--duration-s", o.duration_s, "seconds of load")->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--max-ops", o.max_ops, "stop after this many requests")
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000'000}));
  CLI::Option* spread =
      cmd->add_flag("--spread", o.spread, "session k connects to host k mod H only");
  cmd->add_option("--pin", o.pin, "every session connects to host K (0-based) only")
      ->check(CLI::Range(0, 1023))
      ->excludes(spread);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"paddock-zkc-bench: latency and load through ZooKeeper's C client"};
  app.require_subcommand(1);
  Options o;
  CLI::App* latency = app.add_subcommand("latency", "one session, one request in flight");
  AddCommonFlags(latency, o);
  latency->add_option("--count", o.count, "measured requests")
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));
  latency->add_option("--warmup", o.warmup, "unmeasured requests first")
      ->check(CLI::Range(int64_t{0}, int64_t{100'000'000}));
  latency->add_option("--max-s", o.max_s, "bound on the whole run")
      ->check(CLI::Range(1.0, 86400.0));
  CLI::App* load = app.add_subcommand("load", "S sessions with D requests in flight each");
  AddCommonFlags(load, o);
  AddLoadFlags(load, o);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (SplitHosts(o.connect).empty() ||
      (o.pin >= 0 && static_cast<size_t>(o.pin) >= SplitHosts(o.connect).size())) {
    std::fprintf(stderr, "paddock-zkc-bench: --connect %s does not fit --pin %d\n",
                 o.connect.c_str(), o.pin);
    return 2;
  }
  zoo_set_debug_level(static_cast<ZooLogLevel>(0));
  return latency->parsed() ? RunLatency(o) : RunLoad(o);
}
