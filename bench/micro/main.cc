// paddock-micro: Google Benchmark micro benchmarks of the hot paths (codec, tree, expiry queue,
// watches). Not a test: `build/bin/paddock-micro` (add --benchmark_filter=Tree to pick some).
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
