#!/usr/bin/python3
"""CI smoke of paddock-bench: every scenario, tiny (about a second each), against a
paddock-server started here; checks that each run exits 0 and that its JSON figures are sane.
Not a timed test: no figure is compared with a target. Then the sessions and ops scenarios once more
against a 3-member paddock ensemble started by bench/compare.py's start_paddock3 (its 3-node rows;
a few seconds). Also runs paddock-micro once with a tiny --benchmark_min_time when $PADDOCK_MICRO
is set.

    PADDOCK_SERVER=build/bin/paddock-server PADDOCK_BENCH=build/bin/paddock-bench \\
        /usr/bin/python3 bench/smoke_test.py
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402
import zkservers  # noqa: E402

BENCH = os.environ.get("PADDOCK_BENCH", str(zkservers.REPO_ROOT / "build" / "bin" / "paddock-bench"))
RUN_TIMEOUT_S = 60

SCENARIOS = {
    "sessions": ["--sessions", "300", "--concurrency", "20"],
    "hold": ["--sessions", "300", "--concurrency", "50", "--duration", "1.5",
             "--session-timeout-ms", "1000"],
    "ops": ["--clients", "2", "--depth", "4", "--duration", "0.3"],
    "expiry": ["--sessions", "20", "--session-timeout-ms", "1000"],
    "churn": ["--clients", "2", "--depth", "2", "--duration", "0.5"],
    "znodes": ["--znodes", "500", "--clients", "2", "--depth", "8"],
}
# The groups compare.py runs against its ensembles (compare.ENSEMBLE_GROUPS).
ENSEMBLE_SCENARIOS = ("sessions", "ops")
# A short tick: a paddock ensemble elects within a few ticks, and CI waits for that.
ENSEMBLE_TICK_MS = 500


def run(name, server, tmp, label=""):
    out = Path(tmp) / f"{name}{label}.json"
    argv = [BENCH, name, "--connect", server.connect_string, "--server-pid", str(server.pid),
            "--json", str(out), "--no-progress", "--timeout", "40"] + SCENARIOS[name]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    assert p.returncode == 0, f"{name}: exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    data = json.loads(out.read_text())
    assert data["ok"] is True and data["scenario"] == name, data
    return data["results"]


def check(name, r):
    if name == "sessions":
        assert r["connected"] == 300 and r["failed"] == 0 and r["sessions_per_s"] > 0, r
        assert r["connect_latency"]["count"] == 300 and r["connect_latency"]["p99_ms"] > 0, r
    elif name == "hold":
        assert r["connected"] == 300 and r["sessions_lost"] == 0 and r["expiries_seen"] == 0, r
        assert r["pings_sent"] > 0 and r["server_rss_held_bytes"] > 0, r
    elif name == "ops":
        for op in ("create", "setData", "getData", "exists", "mix", "delete",
                   "create-ephemeral"):
            o = r["ops"][op]
            assert o["ops"] > 0 and o["errors"] == 0 and o["ops_per_s"] > 0, (op, o)
            assert o["latency"]["p50_ms"] <= o["latency"]["p99_ms"] <= o["latency"]["max_ms"], o
        assert r["ops"]["delete"]["ops"] == r["ops"]["create"]["ops"], r["ops"]
    elif name == "expiry":
        assert r["ephemerals_created"] == 20 and r["deletions_seen"] == 20, r
        assert r["ephemerals_left"] == 0 and r["delay_after_deadline"]["max_ms"] < 5000, r
    elif name == "churn":
        assert r["cycles"] > 0 and r["errors"] == 0, r
        assert r["notification_latency"]["count"] > 0, r
    elif name == "znodes":
        assert r["znodes_present"] >= 500 and r["server_rss_after_bytes"] > 0, r


def ensemble_smoke(tmp):
    """compare.py's 3-node path: a connect string of three members, --server-pid the leader's."""
    server = compare.start_paddock3(Path(tmp) / "ensemble", ENSEMBLE_TICK_MS)
    try:
        for name in ENSEMBLE_SCENARIOS:
            check(name, run(name, server, tmp, "-3"))
            print(f"ok {name} (3-node)")
    finally:
        server.stop()


def micro():
    binary = os.environ.get("PADDOCK_MICRO")
    if not binary:
        return
    p = subprocess.run([binary, "--benchmark_min_time=0.001"], capture_output=True, text=True,
                       timeout=RUN_TIMEOUT_S)
    assert p.returncode == 0, p.stdout + p.stderr
    print("paddock-micro: ran %d benchmarks" % p.stdout.count("\n"))


def main():
    with tempfile.TemporaryDirectory(prefix="bench-smoke-") as tmp:
        server = zkservers.start_paddock(Path(tmp) / "server", {
            "maxClientCnxns": 0, "minSessionTimeout": 1000})
        try:
            for name in SCENARIOS:
                r = run(name, server, tmp)
                check(name, r)
                print(f"ok {name}")
        finally:
            server.stop()
        ensemble_smoke(tmp)
    micro()
    print("bench smoke: all scenarios ok")


if __name__ == "__main__":
    main()
