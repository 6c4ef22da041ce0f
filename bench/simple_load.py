#!/usr/bin/python3
"""The same simple client loop against paddock-server and Apache ZooKeeper, one after the other,
on this machine: one connection creating 100-byte znodes, (a) one request at a time, and
(b) 64 requests in flight. Reports ops/s and latency percentiles of (a).

    /usr/bin/python3 bench/simple_load.py --seconds 5

Both servers fsync every acknowledged write (ZooKeeper's default forceSync=yes; Paddock's log is
written with O_DSYNC/fsync by libraft). Bounded: each phase stops after --seconds or 200,000 ops.
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

OPS_MAX = 200000
DATA = b"x" * 100


def sequential(c, seconds, prefix):
    lat = []
    t_end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < t_end and i < OPS_MAX:
        t0 = time.monotonic()
        r = c.create("%s/n%d" % (prefix, i), DATA)
        lat.append((time.monotonic() - t0) * 1000.0)
        assert r.err == 0, r
        i += 1
    return lat


def pipelined(c, seconds, prefix, window):
    t0 = time.monotonic()
    t_end = t0 + seconds
    inflight = []
    done = i = 0
    while (time.monotonic() < t_end and i < OPS_MAX) or inflight:
        while len(inflight) < window and time.monotonic() < t_end and i < OPS_MAX:
            body = jute.create_request("%s/p%d" % (prefix, i), DATA)
            inflight.append(c.submit(jute.OP["create"], body))
            i += 1
        xid = inflight.pop(0)
        assert c.read_reply(xid, jute.OP["create"]).err == 0
        done += 1
    return done / (time.monotonic() - t0)


def run(kind, seconds):
    with tempfile.TemporaryDirectory(prefix="load-bench-") as tmp:
        server = zkservers.start_target(kind, tmp, {})
        try:
            c = jute.Connection("127.0.0.1", server.port)
            c.handshake()
            c.create("/s")
            c.create("/p")
            lat = sequential(c, seconds, "/s")
            rate = pipelined(c, seconds, "/p", 64)
            q = statistics.quantiles(lat, n=100)
            return {"server": kind, "seq_ops_per_s": round(len(lat) / seconds),
                    "seq_p50_ms": round(q[49], 3), "seq_p99_ms": round(q[98], 3),
                    "window64_ops_per_s": round(rate)}
        finally:
            server.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    a = ap.parse_args()
    results = [run("zookeeper", a.seconds), run("paddock", a.seconds)]
    for r in results:
        print("%-9s sequential create: %6d ops/s p50 %.3f ms p99 %.3f ms | 64 in flight: %6d ops/s"
              % (r["server"], r["seq_ops_per_s"], r["seq_p50_ms"], r["seq_p99_ms"],
                 r["window64_ops_per_s"]))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
