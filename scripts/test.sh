#!/usr/bin/env bash
# Sets everything up, builds, and runs every test:
#   1. unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/),
#   2. every libFuzzer target for a short bounded time (scripts/fuzz.sh; build-fuzz/),
#   3. the whole suite on the release build (build/): unit, integration (real paddock-server
#      processes on loopback), compatibility (kazoo, the C client, zkCli, and a differential run
#      against the real ZooKeeper server).
# Exits non-zero if any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh asan
scripts/build.sh release
status=0
echo "== unit tests under ASan+UBSan =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -L unit --output-on-failure -j 2 || status=1
echo "== fuzz targets, 10 s each =="
scripts/fuzz.sh 10 || status=1
echo "== all tests (release build) =="
ctest --test-dir build --output-on-failure || status=1
exit "$status"
