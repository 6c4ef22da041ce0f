#!/usr/bin/env bash
# The simulation's long mode, in chunks: runs seeds [FIRST, FIRST + COUNT) of the release build's
# cluster_sim_test, CHUNK seeds per process, and appends one RESULT line per chunk to LOG (a
# failing seed prints its replay command there too). The binary is copied first, so that
# rebuilding while it runs changes nothing.
#   scripts/sim_long.sh 1 100000 1000 sim-long.log
set -euo pipefail
cd "$(dirname "$0")/.."
first="${1:-1}"
count="${2:-100000}"
chunk="${3:-1000}"
log="${4:-sim-long.log}"
bin="$(mktemp -d)/cluster_sim_test"
cp build/tests/cluster_sim_test "$bin"
echo "# $(date -u +%FT%TZ) commit $(git rev-parse --short HEAD) seeds $first..$((first + count - 1))" >>"$log"
end=$((first + count))
for ((f = first; f < end; f += chunk)); do
  n=$((end - f < chunk ? end - f : chunk))
  PADDOCK_SIM_FIRST="$f" PADDOCK_SIM_SEEDS="$n" "$bin" --gtest_filter='*EverySeed*' 2>&1 |
    grep -E '^RESULT|^seed [0-9]+:|^  |replay:' >>"$log" || true
done
