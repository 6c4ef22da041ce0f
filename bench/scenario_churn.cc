// churn: service-discovery style. K sessions each keep D chains of "create an ephemeral
// sequential member under one parent, then delete it"; one watcher session holds a persistent
// recursive watch on the parent (ZooKeeper 3.6+) and sees every member come and go. Notification
// latency = time the watcher sees NodeCreated - time the create was sent. Members are named
// "m<worker>-<n>-" + the server's sequence suffix, so the watcher can match an event to its send
// time even when the event arrives before the creator's reply.
#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "scenarios.h"

namespace paddock::bench {
namespace {

constexpr size_t kSequenceDigits = 10;

struct Shared {
  std::mutex mu;
  std::unordered_map<std::string, int64_t> sent_ns;  // member name without suffix -> send time
  Latencies notify_lat;
  int64_t created_events = 0;
  int64_t deleted_events = 0;
};

struct ChurnWorker {
  std::unique_ptr<Client> client;
  std::string prefix;  // parent + "/m<k>-"
  std::atomic<int64_t> seq{0};
  std::atomic<int64_t> cycles{0};
  std::atomic<int64_t> errors{0};
  std::atomic<int64_t> inflight{0};
  Latencies create_lat;  // event thread only
};

struct ChurnRun {
  std::shared_ptr<Shared> shared;
  int64_t end_ns = 0;
  int64_t per_worker_max = 0;
};

void StartCycle(ChurnWorker& w, const ChurnRun& run) {
  if (NowNs() >= run.end_ns || w.seq.load() >= run.per_worker_max) {
    w.inflight--;
    return;
  }
  std::string name = w.prefix + std::to_string(w.seq.fetch_add(1)) + "-";
  const int64_t t0 = NowNs();
  {
    std::lock_guard<std::mutex> lock(run.shared->mu);
    run.shared->sent_ns[name] = t0;
  }
  w.client->Create(name, "", CreateMode::kEphemeralSequential, OpenAcl(), -1,
                   [&w, &run, t0](Reply<CreateResult> r) {
                     w.create_lat.Add(NowNs() - t0);
                     if (!r.ok()) {
                       w.errors++;
                       bool dead = r.error == Error::kClosing || r.error == Error::kInvalidState;
                       if (dead) w.inflight--;
                       if (!dead) StartCycle(w, run);
                       return;
                     }
                     w.client->Delete(r.value.path, -1, [&w, &run](Reply<Empty> d) {
                       if (!d.ok()) w.errors++;
                       w.cycles++;
                       StartCycle(w, run);
                     });
                   });
}

std::vector<std::unique_ptr<ChurnWorker>> MakeChurnWorkers(const Options& o,
                                                           const std::string& parent) {
  std::vector<std::unique_ptr<ChurnWorker>> ws;
  for (int64_t k = 0; k < o.clients; k++) {
    auto w = std::make_unique<ChurnWorker>();
    w->client = Connect(o, o.session_timeout_ms, PinnedConnect(o.connect, k));
    if (!w->client) return {};
    w->prefix = parent + "/m" + std::to_string(k) + "-";
    ws.push_back(std::move(w));
  }
  return ws;
}

// Returns the number of NodeCreated events seen.
int64_t ReportEvents(Shared& sh, Report& rep) {
  std::lock_guard<std::mutex> lock(sh.mu);
  rep.PutLatency("notification_latency", sh.notify_lat);
  rep.Put("created_events", sh.created_events);
  rep.Put("deleted_events", sh.deleted_events);
  return sh.created_events;
}

}  // namespace

bool RunChurn(const Options& o, Report& rep) {
  auto watcher = Connect(o, 30000);
  if (!watcher) return false;
  const std::string parent = RunPath(o, "churn");
  if (!EnsurePath(*watcher, parent)) return false;
  ChurnRun run;
  run.shared = std::make_shared<Shared>();
  std::shared_ptr<Shared> sh = run.shared;
  auto aw = watcher->AddWatch(parent, AddWatchMode::kPersistentRecursive, [sh](const WatchEvent& e) {
    const int64_t now = NowNs();
    std::lock_guard<std::mutex> lock(sh->mu);
    if (e.type == EventType::kNodeDeleted) {
      sh->deleted_events++;
      return;
    }
    if (e.type != EventType::kNodeCreated || e.path.size() < kSequenceDigits) return;
    sh->created_events++;
    auto it = sh->sent_ns.find(e.path.substr(0, e.path.size() - kSequenceDigits));
    if (it == sh->sent_ns.end()) return;
    sh->notify_lat.Add(now - it->second);
    sh->sent_ns.erase(it);
  });
  if (!aw.ok()) return false;
  std::vector<std::unique_ptr<ChurnWorker>> ws = MakeChurnWorkers(o, parent);
  if (ws.empty()) return false;
  run.per_worker_max = std::max<int64_t>(1, o.ops_max / o.clients);
  run.end_ns = NowNs() + static_cast<int64_t>(o.duration_s * 1e9);
  Progress progress("churn", o.progress);
  const int64_t t0 = NowNs();
  for (auto& w : ws) {
    for (int64_t d = 0; d < o.depth; d++) {
      w->inflight++;
      StartCycle(*w, run);
    }
  }
  int64_t cycles = 0, errors = 0, inflight = 1;
  while (inflight > 0 && NowNs() < run.end_ns + 30'000'000'000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    cycles = errors = inflight = 0;
    for (auto& w : ws) {
      cycles += w->cycles.load();
      errors += w->errors.load();
      inflight += w->inflight.load();
    }
    progress.Tick(std::to_string(cycles) + " create+delete cycles");
  }
  const double secs = SecondsSince(t0);
  progress.Done();
  // Let the last notifications arrive (bounded), then stop the watcher.
  watcher->Sync(parent);
  Latencies create_lat;
  for (auto& w : ws) {
    w->client->Close();
    create_lat.Merge(w->create_lat);
  }
  rep.Put("clients", o.clients);
  rep.Put("depth", o.depth);
  rep.Put("cycles", cycles);
  rep.Put("errors", errors);
  rep.Put("seconds", secs, "s");
  rep.Put("cycles_per_s", static_cast<double>(cycles) / secs, "create+delete/s");
  rep.PutLatency("create_latency", create_lat);
  int64_t created_events = ReportEvents(*sh, rep);
  DeleteTree(*watcher, parent);
  watcher->Close();
  return cycles > 0 && errors == 0 && created_events >= cycles;
}

}  // namespace paddock::bench
