// paddock-micro: Google Benchmark micro benchmarks of the hot paths (codec, tree, expiry queue,
// watches). Not a test: `build/bin/paddock-micro` (add --benchmark_filter=Tree to pick some).
// `paddock-micro --version` prints the version line like every Paddock binary.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string_view>

#include "base/version.h"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--version") {
      std::printf("%s\n", paddock::VersionLine("paddock-micro").c_str());
      return 0;
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
