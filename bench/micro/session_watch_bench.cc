// ExpiryQueue (src/session): touch and expire; WatchManager (src/watch): add and trigger.
#include <benchmark/benchmark.h>

#include "session/expiry_queue.h"
#include "session/password.h"
#include "watch/watch_manager.h"

namespace {

using paddock::session::ExpiryQueue;
using paddock::watch::Mode;
using paddock::watch::Table;
using paddock::watch::WatchManager;

// The session password (HMAC-SHA256 of the id under the ensemble secret): made on every member
// for every new session, and checked on every reattach.
void BM_SessionPassword(benchmark::State& state) {
  const std::string secret(paddock::session::kSecretBytes, 's');
  int64_t id = 0;
  for (auto _ : state) benchmark::DoNotOptimize(paddock::session::SessionPassword(secret, ++id));
}
BENCHMARK(BM_SessionPassword);

// Touch one of N sessions per iteration (every request and ping does this).
void BM_ExpiryTouch(benchmark::State& state) {
  ExpiryQueue q;
  const int64_t n = state.range(0);
  for (int64_t id = 1; id <= n; id++) q.Add(id, 30000, 0);
  int64_t now = 0, i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(q.Touch(i % n + 1, ++now));
    i++;
  }
}
BENCHMARK(BM_ExpiryTouch)->Arg(1000)->Arg(100000);

// 10,000 sessions with the same deadline, expired in batches of 1,000.
void BM_ExpiryPollExpired(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    ExpiryQueue q;
    for (int64_t id = 1; id <= 10000; id++) q.Add(id, 4000, id % 50);
    state.ResumeTiming();
    size_t total = 0;
    for (;;) {
      std::vector<int64_t> batch = q.PollExpired(10000, 1000);
      if (batch.empty()) break;
      total += batch.size();
      for (int64_t id : batch) q.Remove(id);
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(BM_ExpiryPollExpired);

// A data watch set and fired on a path (the getData-with-watch then setData cycle).
void BM_WatchAddTrigger(benchmark::State& state) {
  WatchManager w;
  const int64_t watchers = state.range(0);
  int64_t i = 0;
  for (auto _ : state) {
    std::string path = "/svc/n" + std::to_string(i++ % 1000);
    for (int64_t k = 0; k < watchers; k++) w.Add(Table::kData, path, k + 1, Mode::kStandard);
    benchmark::DoNotOptimize(w.Trigger(paddock::proto::EventType::kNodeDataChanged, path));
  }
  state.SetItemsProcessed(state.iterations() * watchers);
}
BENCHMARK(BM_WatchAddTrigger)->Arg(1)->Arg(100);

// A child event with 1,000 unrelated watched paths and one persistent recursive watch on "/".
void BM_WatchTriggerRecursive(benchmark::State& state) {
  WatchManager w;
  for (int64_t k = 0; k < 1000; k++) {
    w.Add(Table::kData, "/other/n" + std::to_string(k), k + 10, Mode::kStandard);
  }
  w.Add(Table::kData, "/", 1, Mode::kPersistentRecursive);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        w.Trigger(paddock::proto::EventType::kNodeCreated, "/svc/members/m-0000000001"));
  }
}
BENCHMARK(BM_WatchTriggerRecursive);

}  // namespace
