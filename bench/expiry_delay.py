#!/usr/bin/python3
"""Measures how late a silent session expires: from its deadline (last packet + negotiated
timeout) to the moment a watcher on another session sees its ephemeral deleted.

    /usr/bin/python3 bench/expiry_delay.py --server paddock --timeout-ms 1000 --sessions 20
    /usr/bin/python3 bench/expiry_delay.py --server zookeeper --timeout-ms 10000 --sessions 10

Each silent session connects, creates one ephemeral, sends nothing more and keeps its socket open.
The watcher pings every 100 ms, so it is never the one that expires. Bounded: sessions <= 1000,
and the run stops at 3 x timeout + 30 s. Prints min / median / max delay in ms, and JSON.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "lib"))
import jute  # noqa: E402
import zkservers  # noqa: E402


def run(kind, timeout_ms, sessions, tick_ms):
    with tempfile.TemporaryDirectory(prefix="expiry-bench-") as tmp:
        cfg = {"tickTime": tick_ms, "minSessionTimeout": min(timeout_ms, 1000),
               "maxSessionTimeout": max(timeout_ms, 10000)}
        server = zkservers.start_target(kind, tmp, cfg)
        try:
            watcher = jute.Connection("127.0.0.1", server.port)
            watcher.handshake(session_timeout_ms=30000)
            silent, deadlines = [], {}
            for i in range(sessions):
                c = jute.Connection("127.0.0.1", server.port)
                s = c.handshake(session_timeout_ms=timeout_ms)
                assert s.timeout == timeout_ms, s
                path = "/eph-%d" % i
                assert c.create(path, flags=jute.FLAG_EPHEMERAL).err == 0
                deadlines[path] = time.monotonic() + timeout_ms / 1000.0
                assert watcher.call(jute.OP["exists"], jute.path_watch_request(path, True)).err == 0
                silent.append(c)
            delays = {}
            stop_at = time.monotonic() + 3 * timeout_ms / 1000.0 + 30
            while len(delays) < sessions and time.monotonic() < stop_at:
                watcher.ping()
                for e in watcher.take_events():
                    if e.type == 2 and e.path in deadlines and e.path not in delays:
                        delays[e.path] = (time.monotonic() - deadlines[e.path]) * 1000.0
                time.sleep(0.005)
            for c in silent:
                c.close()
            return sorted(delays.values())
        finally:
            server.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", choices=["paddock", "zookeeper"], default="paddock")
    ap.add_argument("--timeout-ms", type=int, default=1000)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--tick-ms", type=int, default=500)
    a = ap.parse_args()
    if not 1 <= a.sessions <= 1000:
        sys.exit("--sessions must be in [1, 1000]")
    d = run(a.server, a.timeout_ms, a.sessions, a.tick_ms)
    result = {"server": a.server, "timeout_ms": a.timeout_ms, "tick_ms": a.tick_ms,
              "sessions": a.sessions, "expired_seen": len(d)}
    if d:
        result.update(min_ms=round(d[0], 1), median_ms=round(statistics.median(d), 1),
                      max_ms=round(d[-1], 1))
    print("%s timeout=%d ms tick=%d ms: %d/%d expired, delay after deadline min/median/max = "
          "%s/%s/%s ms" % (a.server, a.timeout_ms, a.tick_ms, len(d), a.sessions,
                           result.get("min_ms"), result.get("median_ms"), result.get("max_ms")))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
