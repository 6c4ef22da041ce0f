// ops: K libpaddock sessions x D requests in flight, one op type per phase, for a duration
// each (or at a fixed total rate with --rate); znodes: create N znodes and read the server's
// RSS. Also the libpaddock helpers shared by the scenarios.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <thread>

#include "scenarios.h"

namespace paddock::bench {

// Worker k's connect string: the k-th host (round-robin) of a multi-host one, with its chroot.
// A client library shuffles its hosts, so K clients land unevenly on an ensemble's members and
// the figures vary from run to run; pinned, they spread evenly and repeatably.
std::string PinnedConnect(const std::string& connect, int64_t k) {
  size_t slash = connect.find('/');
  std::string hosts = connect.substr(0, slash);
  std::string chroot = slash == std::string::npos ? "" : connect.substr(slash);
  std::vector<std::string> list;
  for (size_t begin = 0; begin <= hosts.size();) {
    size_t comma = std::min(hosts.find(',', begin), hosts.size());
    if (comma > begin) list.push_back(hosts.substr(begin, comma - begin));
    begin = comma + 1;
  }
  if (list.size() < 2) return connect;
  return list[static_cast<size_t>(k) % list.size()] + chroot;
}

std::unique_ptr<Client> Connect(const Options& o, int32_t timeout_ms, const std::string& connect) {
  ClientOptions co;
  co.connect_string = connect.empty() ? o.connect : connect;
  co.session_timeout = std::chrono::milliseconds(timeout_ms);
  co.sync_timeout = std::chrono::milliseconds(30000);
  auto c = NewClient(co);
  c->Start();
  if (!c->WaitConnected(std::chrono::seconds(10))) {
    c->Close();
    return nullptr;
  }
  return c;
}

bool EnsurePath(Client& c, const std::string& path) {
  for (size_t at = path.find('/', 1);; at = path.find('/', at + 1)) {
    std::string p = at == std::string::npos ? path : path.substr(0, at);
    auto r = c.Create(p, "");
    if (!r.ok() && r.error != Error::kNodeExists) return false;
    if (at == std::string::npos) return true;
  }
}

std::string RunPath(const Options& o, const std::string& tag) {
  return o.prefix + "/" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(NowNs());
}

void DeleteTree(Client& c, const std::string& path) {
  // Iterative post-order: a stack of (path, children listed?). Bounded by a node count.
  std::vector<std::pair<std::string, bool>> stack{{path, false}};
  for (int64_t steps = 0; !stack.empty() && steps < 10'000'000; steps++) {
    auto [p, listed] = stack.back();
    if (listed) {
      stack.pop_back();
      c.Delete(p, -1, [](Reply<Empty>) {});
      continue;
    }
    stack.back().second = true;
    auto kids = c.GetChildren(p);
    if (!kids.ok()) continue;
    for (const auto& k : kids.value.children) stack.emplace_back(p + "/" + k, false);
  }
  c.Sync(path);  // every asynchronous delete above has completed once this returns
}

namespace {

enum class OpKind { kCreate, kSetData, kGetData, kExists, kMix, kDelete, kCreateEphemeral };
struct OpName {
  const char* name;
  OpKind kind;
};
constexpr OpName kOps[] = {{"create", OpKind::kCreate},   {"setData", OpKind::kSetData},
                           {"getData", OpKind::kGetData}, {"exists", OpKind::kExists},
                           {"mix", OpKind::kMix},         {"delete", OpKind::kDelete},
                           {"create-ephemeral", OpKind::kCreateEphemeral}};

struct Worker {
  std::unique_ptr<Client> client;
  std::string base;  // this worker's node names: base + "c<i>" / "e<i>"
  std::atomic<int64_t> seq{0};
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int64_t> inflight{0};
  std::atomic<int64_t> created{0};   // persistent nodes c0..c<created-1> (create phase)
  Latencies lat;                     // event thread only while a phase runs
};

struct Phase {
  OpKind kind = OpKind::kCreate;
  int64_t end_ns = 0;
  int64_t per_worker_max = 0;
  bool chained = true;  // closed loop: each completion issues the next request
  std::string data;
};

void Issue(Worker& w, const Phase& ph);

// A closed or expired client ends the chain (its callbacks may then run synchronously).
void Complete(Worker& w, const Phase& ph, int64_t t0, Error e) {
  w.lat.Add(NowNs() - t0);
  w.done++;
  if (e != Error::kOk) w.errors++;
  bool dead = e == Error::kClosing || e == Error::kInvalidState;
  if (ph.chained && !dead && NowNs() < ph.end_ns && w.seq.load() < ph.per_worker_max) {
    Issue(w, ph);
  } else {
    w.inflight--;
  }
}

// Returns false (and issues nothing) when the op has nothing left to do (delete past the end).
bool IssueOne(Worker& w, const Phase& ph, int64_t i, OpKind kind) {
  const int64_t t0 = NowNs();
  Client& c = *w.client;
  int64_t n = std::max<int64_t>(1, w.created.load());
  std::string existing = w.base + "c" + std::to_string(i % n);
  switch (kind) {
    case OpKind::kCreate:
      c.Create(w.base + "c" + std::to_string(i), ph.data, CreateMode::kPersistent, OpenAcl(), -1,
               [&w, &ph, t0](Reply<CreateResult> r) {
                 if (r.ok()) w.created++;
                 Complete(w, ph, t0, r.error);
               });
      return true;
    case OpKind::kCreateEphemeral:
      c.Create(w.base + "e" + std::to_string(i), ph.data, CreateMode::kEphemeral, OpenAcl(), -1,
               [&w, &ph, t0](Reply<CreateResult> r) { Complete(w, ph, t0, r.error); });
      return true;
    case OpKind::kSetData:
      c.SetData(existing, ph.data, -1,
                [&w, &ph, t0](Reply<Stat> r) { Complete(w, ph, t0, r.error); });
      return true;
    case OpKind::kGetData:
      c.GetData(existing, nullptr,
                [&w, &ph, t0](Reply<DataResult> r) { Complete(w, ph, t0, r.error); });
      return true;
    case OpKind::kExists:
      c.Exists(existing, nullptr, [&w, &ph, t0](Reply<Stat> r) { Complete(w, ph, t0, r.error); });
      return true;
    case OpKind::kDelete:
      if (i >= w.created.load()) return false;
      c.Delete(w.base + "c" + std::to_string(i), -1,
               [&w, &ph, t0](Reply<Empty> r) { Complete(w, ph, t0, r.error); });
      return true;
    case OpKind::kMix: {
      // 70% getData, 20% setData, 10% exists, interleaved deterministically.
      uint64_t r = static_cast<uint64_t>(i) * 2654435761ULL % 10;
      return IssueOne(w, ph, i, r < 7 ? OpKind::kGetData
                                : r < 9 ? OpKind::kSetData
                                        : OpKind::kExists);
    }
  }
  return false;
}

void Issue(Worker& w, const Phase& ph) {
  int64_t i = w.seq.fetch_add(1);
  if (!IssueOne(w, ph, i, ph.kind)) w.inflight--;
}

void WaitIdle(std::vector<std::unique_ptr<Worker>>& ws, int64_t t0, int64_t until,
              Progress& progress, const std::string& name) {
  for (;;) {
    int64_t inflight = 0, done = 0;
    for (auto& w : ws) {
      inflight += w->inflight.load();
      done += w->done.load();
    }
    if (inflight == 0 || NowNs() > until) return;
    progress.Tick(name + ": " + std::to_string(done) + " ops, " +
                  std::to_string(static_cast<int64_t>(static_cast<double>(done) / SecondsSince(t0))) +
                  " ops/s");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Open loop at a fixed total rate: request i goes out at t0 + i / rate, to worker i % K, unless
// that worker already has D in flight (then it is counted as skipped).
int64_t RunPaced(const Options& o, std::vector<std::unique_ptr<Worker>>& ws, const Phase& ph,
                 Progress& progress) {
  const int64_t t0 = NowNs();
  int64_t skipped = 0;
  for (int64_t i = 0; NowNs() < ph.end_ns && i < ph.per_worker_max * o.clients; i++) {
    int64_t due = t0 + static_cast<int64_t>(static_cast<double>(i) * 1e9 / o.rate);
    int64_t now = NowNs();
    if (due > now) std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
    if (i % 1024 == 0) progress.Tick("paced: " + std::to_string(i) + " sent, " +
                                     std::to_string(skipped) + " skipped (D in flight)");
    Worker& w = *ws[static_cast<size_t>(i % o.clients)];
    if (w.inflight.load() >= o.depth) {
      skipped++;
      continue;
    }
    w.inflight++;
    Issue(w, ph);
  }
  return skipped;
}

void RunPhase(const Options& o, std::vector<std::unique_ptr<Worker>>& ws, const Phase& ph,
              const std::string& name, Report& rep) {
  Progress progress("ops " + name, o.progress);
  for (auto& w : ws) {
    w->seq = 0;
    w->done = 0;
    w->errors = 0;
  }
  const int64_t t0 = NowNs();
  int64_t skipped = 0;
  if (ph.chained) {
    for (auto& w : ws) {
      for (int64_t d = 0; d < o.depth; d++) {
        w->inflight++;
        Issue(*w, ph);
      }
    }
  } else {
    skipped = RunPaced(o, ws, ph, progress);
  }
  WaitIdle(ws, t0, ph.end_ns + 30'000'000'000, progress, name);
  progress.Done();
  const double secs = SecondsSince(t0);
  Latencies all;
  int64_t done = 0, errors = 0;
  for (auto& w : ws) {
    all.Merge(w->lat);
    w->lat = Latencies();
    done += w->done.load();
    errors += w->errors.load();
  }
  rep.Put("ops." + name + ".ops", done);
  rep.Put("ops." + name + ".errors", errors);
  rep.Put("ops." + name + ".seconds", secs, "s");
  rep.Put("ops." + name + ".ops_per_s", static_cast<double>(done) / secs, "ops/s");
  if (!ph.chained) rep.Put("ops." + name + ".skipped_at_depth", skipped);
  rep.PutLatency("ops." + name + ".latency", all);
}

std::vector<std::unique_ptr<Worker>> MakeWorkers(const Options& o, const std::string& base) {
  std::vector<std::unique_ptr<Worker>> ws;
  for (int64_t k = 0; k < o.clients; k++) {
    auto w = std::make_unique<Worker>();
    w->client = Connect(o, o.session_timeout_ms, PinnedConnect(o.connect, k));
    if (!w->client) return {};
    w->base = base + "/w" + std::to_string(k) + "-";
    w->lat.Reserve(1 << 16);
    ws.push_back(std::move(w));
  }
  return ws;
}

}  // namespace

bool RunOps(const Options& o, Report& rep) {
  auto admin = Connect(o, 30000);
  if (!admin) return false;
  const std::string base = RunPath(o, "ops");
  if (!EnsurePath(*admin, base)) return false;
  std::deque<Phase> phases;  // outlives the workers: their callbacks refer to it
  auto ws = MakeWorkers(o, base);
  if (ws.empty()) return false;
  rep.Put("clients", o.clients);
  rep.Put("depth", o.depth);
  rep.Put("data_bytes", o.data_bytes, "B");
  if (o.rate > 0) rep.Put("target_rate", o.rate, "ops/s");
  bool ok = true;
  for (const OpName& op : kOps) {
    if (!o.ops.empty() && std::find(o.ops.begin(), o.ops.end(), op.name) == o.ops.end()) continue;
    Phase& ph = phases.emplace_back();
    ph.kind = op.kind;
    ph.data = Payload(o.data_bytes);
    ph.chained = o.rate <= 0;
    ph.per_worker_max = std::max<int64_t>(1, o.ops_max / o.clients);
    ph.end_ns = NowNs() + static_cast<int64_t>(o.duration_s * 1e9);
    if (op.kind == OpKind::kDelete) ph.end_ns += 60'000'000'000;  // deletes what was created
    RunPhase(o, ws, ph, op.name, rep);
    ok = ok && rep.json()["results"]["ops"][op.name]["errors"].get<int64_t>() == 0 &&
         rep.json()["results"]["ops"][op.name]["ops"].get<int64_t>() > 0;
  }
  for (auto& w : ws) w->client->Close();
  DeleteTree(*admin, base);
  admin->Close();
  return ok;
}

// Creates N znodes of data_bytes under one parent (kept: compare.sh restarts the server on
// them), then reads the server's RSS.
bool RunZnodes(const Options& o, Report& rep) {
  auto admin = Connect(o, 30000);
  if (!admin) return false;
  const std::string base = o.prefix + "/znodes";
  if (!EnsurePath(*admin, base)) return false;
  ProcFigures before = ReadProc(o.server_pid);
  std::deque<Phase> phases;
  auto ws = MakeWorkers(o, base);
  if (ws.empty()) return false;
  Phase& ph = phases.emplace_back();
  ph.kind = OpKind::kCreate;
  ph.data = Payload(o.data_bytes);
  ph.per_worker_max = (o.znodes + o.clients - 1) / o.clients;
  ph.end_ns = NowNs() + static_cast<int64_t>(o.timeout_s * 1e9);
  RunPhase(o, ws, ph, "create", rep);
  for (auto& w : ws) w->client->Close();
  auto count = admin->GetAllChildrenNumber(base);
  admin->Close();
  ProcFigures after = ReadProc(o.server_pid);
  rep.Put("znodes_requested", o.znodes);
  rep.Put("znodes_present", count.ok() ? count.value : -1);
  if (before.ok && after.ok) {
    rep.Put("server_rss_before_bytes", before.rss_bytes);
    rep.Put("server_rss_after_bytes", after.rss_bytes);
    rep.Put("server_rss_per_znode_bytes",
            static_cast<double>(after.rss_bytes - before.rss_bytes) /
                static_cast<double>(std::max<int64_t>(1, o.znodes)), "B");
  } else {
    rep.Note("no --server-pid: server RSS not measured");
  }
  return count.ok() && count.value >= o.znodes;
}

}  // namespace paddock::bench
