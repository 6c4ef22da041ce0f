#!/usr/bin/env bash
# Apache ZooKeeper 3.8 (Debian `zookeeper`) and paddock-server side by side on this machine:
# the same paddock-bench scenarios against each, alternating, fsync on for both.
#
#   bench/compare.sh            # the full run (about 20-30 minutes on 2 cores)
#   bench/compare.sh --quick    # small counts, short runs (a few minutes)
#   bench/compare.sh --only ops,sessions --out /tmp/cmp
#   bench/compare.sh --targets zookeeper-3,paddock-3 --quick   # only the 3-member ensembles
#   bench/compare.sh --quick --only latency --targets zookeeper,paddock,floor-a,floor-b,floor-c
#   bench/compare.sh --quick --only shapes --targets zookeeper-3,paddock-3
#
# Groups (--only): ops, half, sessions, hold, expiry, churn, znodes; latency (issue #18: one
# request in flight through ZooKeeper's C client, and the session establishment rate, against
# the floor rows floor-a/b/c = paddock-floor --mode instant/fsync/handshake) and shapes (the
# 3-node rows: load spread over the members or all on the leader, create latency through the
# leader and a follower; tickTime 500). Rows (--targets): zookeeper, paddock, zookeeper-3,
# paddock-3, floor-a, floor-b, floor-c; the default is every row in every group it joins.
#
# Builds build/bin/paddock-server and build/bin/paddock-bench if they are missing (release),
# raises the open-files limit (100,000 sessions need as many descriptors on both sides) and
# runs bench/compare.py, which writes results.json, table.md and latency-cdf.png under
# $TMPDIR/paddock-compare-<time>/ (or --out). Needs the packages of scripts/setup.sh (zookeeper,
# default-jre-headless, gnuplot-nox).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${PADDOCK_BIN:-$root/build/bin}"

if [ ! -x "$bin/paddock-server" ] || [ ! -x "$bin/paddock-bench" ]; then
  "$root/scripts/build.sh" release
fi
# A soft limit up to the hard one is always allowed; root may raise the hard one too.
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "compare: open files limit $(ulimit -n)"
if [ "$(ulimit -n)" -lt 210000 ]; then
  echo "compare: warning: fewer than 210,000 descriptors; the 100,000-session hold will fail" >&2
fi

export PADDOCK_SERVER="$bin/paddock-server" PADDOCK_BENCH="$bin/paddock-bench"
# The latency and shapes groups (bench/floor/); compare.py skips them when paddock-zkc-bench is
# missing (it needs libzookeeper-mt-dev).
export PADDOCK_FLOOR="$bin/paddock-floor" PADDOCK_ZKC_BENCH="$bin/paddock-zkc-bench"
exec /usr/bin/python3 "$root/bench/compare.py" "$@"
