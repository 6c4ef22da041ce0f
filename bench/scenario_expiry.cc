// expiry: M silent sessions, each with one ephemeral; a watcher session (libpaddock, which
// pings) sees each ephemeral deleted. Delay = time the deletion is seen - deadline, where the
// deadline is the session's last packet (its create request) + its negotiated timeout. The
// silent sessions are RawMux sessions: they create their ephemeral and then send nothing, with
// their sockets left open, which is what a hung client looks like to the server.
#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "raw_mux.h"
#include "scenarios.h"

namespace paddock::bench {
namespace {

constexpr int32_t kFlagEphemeral = 1;

struct Deletions {
  std::mutex mu;
  std::unordered_map<std::string, int64_t> seen_ns;  // path -> time the deletion was seen
};

Json SummarizeMs(std::vector<double> v) {
  Json j = Json::object();
  j["count"] = v.size();
  if (v.empty()) return j;
  std::sort(v.begin(), v.end());
  auto at = [&v](double q) {
    return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5))];
  };
  j["min_ms"] = at(0);
  j["median_ms"] = at(0.5);
  j["p99_ms"] = at(0.99);
  j["max_ms"] = at(1);
  return j;
}

struct SilentSessions {
  int64_t connected = 0, failed = 0, created = 0, create_errors = 0;
  std::vector<int64_t> deadline_ns;  // by session index; 0: no ephemeral
};

// Connects M sessions, C at a time, each creating parent/e<i> right after its handshake.
void CreateSilent(const Options& o, RawMux* mux, SilentSessions& ss,
                  std::vector<std::unique_ptr<RawSession>>& pool, int64_t deadline) {
  Progress progress("expiry setup", o.progress);
  int64_t opened = 0;
  const int64_t m = static_cast<int64_t>(pool.size());
  while (ss.created + ss.create_errors + ss.failed < m && NowNs() < deadline) {
    while (opened < m && opened - ss.created - ss.create_errors - ss.failed < o.concurrency) {
      mux->Open(pool[static_cast<size_t>(opened++)].get(), o.session_timeout_ms);
    }
    mux->RunOnce();
    progress.Tick("silent sessions with an ephemeral: " + std::to_string(ss.created) + "/" +
                  std::to_string(m));
  }
  progress.Done();
}

std::vector<double> Delays(Deletions& del, const SilentSessions& ss, const std::string& parent) {
  std::vector<double> delays;
  std::lock_guard<std::mutex> lock(del.mu);
  for (size_t i = 0; i < ss.deadline_ns.size(); i++) {
    if (ss.deadline_ns[i] == 0) continue;
    auto it = del.seen_ns.find(parent + "/e" + std::to_string(i));
    if (it != del.seen_ns.end()) delays.push_back(NsToMs(it->second - ss.deadline_ns[i]));
  }
  return delays;
}

void ExpiryReport(const Options& o, const SilentSessions& ss, int32_t timeout_ms,
                  const std::vector<double>& delays, int64_t remaining, Report& rep) {
  rep.Put("sessions", o.sessions);
  rep.Put("negotiated_timeout_ms", timeout_ms, "ms");
  rep.Put("ephemerals_created", ss.created);
  rep.Put("connect_failures", ss.failed + ss.create_errors);
  rep.Put("deletions_seen", static_cast<int64_t>(delays.size()));
  rep.Put("ephemerals_left", remaining);
  Json sum = SummarizeMs(delays);
  rep.Put("delay_after_deadline", sum);
  for (const char* k : {"min_ms", "median_ms", "p99_ms", "max_ms"}) {
    if (sum.contains(k)) rep.Put(std::string("delay_after_deadline.") + k, sum[k], "ms");
  }
}

}  // namespace

bool RunExpiry(const Options& o, Report& rep) {
  const int64_t deadline = NowNs() + static_cast<int64_t>(o.timeout_s * 1e9);
  auto watcher = Connect(o, 30000);
  if (!watcher) return false;
  const std::string parent = RunPath(o, "expiry");
  if (!EnsurePath(*watcher, parent)) return false;
  auto del = std::make_shared<Deletions>();
  auto w = watcher->AddWatch(parent, AddWatchMode::kPersistentRecursive, [del](const WatchEvent& e) {
    if (e.type != EventType::kNodeDeleted) return;
    std::lock_guard<std::mutex> lock(del->mu);
    del->seen_ns.emplace(e.path, NowNs());
  });
  if (!w.ok()) {
    rep.Note("addWatch failed: " + std::to_string(static_cast<int>(w.error)));
    return false;
  }
  const int64_t m = o.sessions;
  std::vector<std::unique_ptr<RawSession>> pool(static_cast<size_t>(m));
  for (size_t i = 0; i < pool.size(); i++) {
    pool[i] = std::make_unique<RawSession>();
    pool[i]->index = i;
  }
  SilentSessions ss;
  ss.deadline_ns.assign(static_cast<size_t>(m), 0);
  RawMux* mux = nullptr;
  RawMux::Hooks hooks;
  hooks.on_connected = [&](RawSession& s, bool ok) {
    if (!ok) {
      ss.failed++;
      return;
    }
    ss.connected++;
    mux->SendCreate(&s, parent + "/e" + std::to_string(s.index), "", kFlagEphemeral);
  };
  hooks.on_reply = [&](RawSession& s, int32_t, int32_t err) {
    if (err != 0) {
      ss.create_errors++;
      return;
    }
    ss.created++;
    ss.deadline_ns[s.index] = s.sent_at_ns + static_cast<int64_t>(s.timeout_ms) * 1'000'000;
  };
  int64_t sources = o.source_addrs > 0 ? o.source_addrs : AutoSourceAddrs(m);
  RawMux raw(ParseEndpoints(o.connect), sources, hooks);
  mux = &raw;
  CreateSilent(o, mux, ss, pool, deadline);
  int64_t last_deadline = 0;
  for (int64_t d : ss.deadline_ns) last_deadline = std::max(last_deadline, d);
  const int64_t wait_until =
      std::min<int64_t>(deadline, last_deadline + 2LL * o.session_timeout_ms * 1'000'000 + 30'000'000'000);
  Progress progress("expiry", o.progress);
  size_t seen = 0;
  while (NowNs() < wait_until) {
    raw.RunOnce();  // the silent sessions read (and drop) whatever comes; they never write
    {
      std::lock_guard<std::mutex> lock(del->mu);
      seen = del->seen_ns.size();
    }
    if (static_cast<int64_t>(seen) >= ss.created) break;
    progress.Tick("deletions seen " + std::to_string(seen) + "/" + std::to_string(ss.created));
  }
  progress.Done();
  std::vector<double> delays = Delays(*del, ss, parent);
  auto left = watcher->GetChildren(parent);
  int64_t remaining = left.ok() ? static_cast<int64_t>(left.value.children.size()) : -1;
  ExpiryReport(o, ss, pool.empty() ? 0 : pool[0]->timeout_ms, delays, remaining, rep);
  DeleteTree(*watcher, parent);
  watcher->Close();
  return ss.created == m && static_cast<int64_t>(delays.size()) == m && remaining == 0;
}

}  // namespace paddock::bench
