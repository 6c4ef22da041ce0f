// DataTree (src/tree): create, find (getData) and setData of 100-byte znodes.
#include <benchmark/benchmark.h>

#include "tree/data_tree.h"

namespace {

using paddock::tree::DataTree;

const paddock::proto::AclList kOpen = {{31, {"world", "anyone"}}};

std::string Child(int64_t i) { return "/bench/n" + std::to_string(i); }

void Fill(DataTree& t, int64_t n) {
  t.Create("/bench", std::string(), kOpen, 0, 0, 1, 0);
  for (int64_t i = 0; i < n; i++) {
    t.Create(Child(i), std::string(100, 'x'), kOpen, 0, static_cast<int32_t>(i + 1), i + 2, 0);
  }
}

void BM_TreeCreate(benchmark::State& state) {
  DataTree t;
  t.Create("/bench", std::string(), kOpen, 0, 0, 1, 0);
  int64_t i = 0;
  for (auto _ : state) {
    t.Create(Child(i), std::string(100, 'x'), kOpen, 0, static_cast<int32_t>(i + 1), i + 2, 0);
    i++;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TreeCreate);

void BM_TreeFind(benchmark::State& state) {
  DataTree t;
  const int64_t n = state.range(0);
  Fill(t, n);
  int64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(t.Find(Child(i++ % n)));
  }
}
BENCHMARK(BM_TreeFind)->Arg(1000)->Arg(100000);

void BM_TreeSetData(benchmark::State& state) {
  DataTree t;
  const int64_t n = 100000;
  Fill(t, n);
  int64_t i = 0;
  for (auto _ : state) {
    t.SetData(Child(i % n), std::string(100, 'y'), static_cast<int32_t>(i / n + 1), n + i + 2, 0);
    i++;
  }
}
BENCHMARK(BM_TreeSetData);

}  // namespace
