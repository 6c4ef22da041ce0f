#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/) and runs each for a bounded time.
#   scripts/fuzz.sh            # 10 s per target (what the test command runs)
#   scripts/fuzz.sh 600        # a longer run: 10 minutes per target
# The seed corpora in tests/fuzz/corpus/ are copied to a scratch directory first, so a run
# never modifies the repository. A crash stops the script with the reproducer's path.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPADDOCK_FUZZ=ON -DPADDOCK_TESTS=OFF >/dev/null
ninja -C build-fuzz frame_fuzz records_fuzz config_fuzz snapshot_fuzz statemachine_fuzz
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for target in frame records config snapshot statemachine; do
  mkdir -p "$work/$target" "$work/$target-artifacts"
  if [ -d "tests/fuzz/corpus/$target" ]; then cp -r "tests/fuzz/corpus/$target/." "$work/$target/"; fi
  echo "== fuzz $target for ${seconds}s"
  if ! build-fuzz/fuzz/${target}_fuzz -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$work/$target-artifacts/" "$work/$target" > "$work/$target.log" 2>&1; then
    tail -40 "$work/$target.log"
    mkdir -p fuzz-crashes && cp -r "$work/$target-artifacts/." fuzz-crashes/ || true
    echo "fuzz: $target FAILED (reproducers copied to fuzz-crashes/)"
    exit 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$target.log" | sed "s/^/  $target /"
done
echo "fuzz: all targets ran ${seconds}s without a crash"
