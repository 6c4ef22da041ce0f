#!/usr/bin/python3
"""Rolling restart of a 3-member ensemble under writes: Paddock against Apache ZooKeeper 3.8.

For each target (paddock-3: tests/lib/ensemble.py; zookeeper-3: QuorumPeerMain JVMs from
Debian's package, as bench/compare.py runs them), with the same tickTime (default 2000 ms,
ZooKeeper's): one kazoo client that knows every member writes without pause (sequential creates,
each acknowledged before the next). Every member in turn, followers first and the leader last,
gets SIGTERM, is started again and waited for (it serves and 20 more creates are acknowledged).
Reported per restart: the longest gap between two acknowledgements from the SIGTERM until then.
A leader stopping with SIGTERM elects anew in ZooKeeper; Paddock's hands its leadership over
first (LibraftLog::TransferLeadership). Checked at the end: every acknowledged create is there,
and the session was never lost. `--rounds` repeats the whole restart sequence.

Run: /usr/bin/python3 bench/rolling_restart.py [--targets paddock-3,zookeeper-3] [--rounds 3]
     [--tick-ms 2000]   (PADDOCK_SERVER selects the binary; the machine's java runs ZooKeeper)
"""

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "lib"))
import compare  # noqa: E402
import zkservers  # noqa: E402

from kazoo.client import KazooClient  # noqa: E402
from kazoo.exceptions import KazooException  # noqa: E402
from kazoo.protocol.states import KazooState  # noqa: E402

WAIT_S = 120.0
WRITES_MAX = 1_000_000


class Writer(threading.Thread):
    def __init__(self, client):
        super().__init__(daemon=True)
        self.client = client
        self.acked = []
        self.unknown = 0
        self.halt = threading.Event()

    def run(self):
        n = 0
        while not self.halt.is_set() and n < WRITES_MAX:
            path = f"/rr/{n:08d}"
            n += 1
            try:
                self.client.create(path, b"x")
                self.acked.append((time.monotonic(), path))
            except KazooException:
                self.unknown += 1
                time.sleep(0.01)

    def wait_more(self, count):
        start = len(self.acked)
        deadline = time.monotonic() + WAIT_S
        while len(self.acked) < start + count:
            if time.monotonic() > deadline:
                raise RuntimeError("writes stalled")
            time.sleep(0.01)

    def longest_gap_ms(self, since, until):
        times = [since] + [t for t, _ in self.acked if since <= t <= until] + [until]
        return max((b - a) * 1000 for a, b in zip(times, times[1:]))


class Members:
    """Stop, start and mode of one member, whichever target."""

    def __init__(self, server):
        self.server = server

    def ids(self):
        return [i for i, *_ in self.server.endpoints()]

    def mode(self, i):
        for j, host, port, _pid in self.server.endpoints():
            if j == i:
                return compare.member_mode(host, port)
        return None

    def restart(self, i):
        if isinstance(self.server, compare.PaddockEnsemble):
            m = self.server.ens.members[i]
            m.stop()
            m.start()
        else:
            m = self.server.members[i]
            m.stop()
            m.start()
        deadline = time.monotonic() + WAIT_S
        while self.mode(i) not in ("leader", "follower"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"member {i} did not serve again:\n{self.server.describe()}")
            time.sleep(0.05)

    def connect_string(self):
        return ",".join(f"{host}:{port}" for _i, host, port, _pid in self.server.endpoints())


def run_target(name, tick_ms, rounds):
    start = compare.start_paddock3 if name == "paddock-3" else compare.start_zookeeper3
    tmp = tempfile.mkdtemp(prefix=f"paddock-rolling-{name}-")
    server = start(tmp, tick_ms)
    members = Members(server)
    states = []
    client = KazooClient(hosts=members.connect_string(), timeout=30.0)
    client.add_listener(states.append)
    client.start(timeout=60)
    client.ensure_path("/rr")
    session = client.client_id[0]
    writer = Writer(client)
    writer.start()
    rows = []
    try:
        writer.wait_more(100)
        for r in range(rounds):
            leader = next(i for i in members.ids() if members.mode(i) == "leader")
            for i in [i for i in members.ids() if i != leader] + [leader]:
                t0 = time.monotonic()
                members.restart(i)
                writer.wait_more(20)
                gap = writer.longest_gap_ms(t0, time.monotonic())
                rows.append((r, i, i == leader, gap))
                print(f"{name} round {r + 1} member {i}{' (leader)' if i == leader else ''}: "
                      f"longest write gap {gap:.0f} ms", flush=True)
        writer.halt.set()
        writer.join(timeout=WAIT_S)
        present = set(client.get_children("/rr"))
        lost = [p for _, p in writer.acked if p.rsplit("/", 1)[1] not in present]
        kept = client.client_id[0] == session and KazooState.LOST not in states
    finally:
        writer.halt.set()
        client.stop()
        client.close()
        server.stop()
    leader_gaps = [g for *_, was_leader, g in rows if was_leader]
    follower_gaps = [g for *_, was_leader, g in rows if not was_leader]
    return {
        "target": name, "acked": len(writer.acked), "unknown": writer.unknown,
        "lost": len(lost), "session_kept": kept,
        "leader_gap_ms": leader_gaps, "follower_gap_ms": follower_gaps,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--targets", default="paddock-3,zookeeper-3")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tick-ms", type=int, default=2000)
    a = ap.parse_args()
    results = [run_target(t, a.tick_ms, a.rounds) for t in a.targets.split(",")]
    print(f"\nrolling restart, 3 members, tickTime {a.tick_ms} ms, {a.rounds} round(s):")
    print(f"{'target':<12} {'leader restart: longest gap (median, max)':>42} "
          f"{'follower restarts (max)':>24} {'acked':>7} {'lost':>5} {'session':>8}")
    for r in results:
        lg, fg = r["leader_gap_ms"], r["follower_gap_ms"]
        print(f"{r['target']:<12} {statistics.median(lg):>30.0f} ms {max(lg):>6.0f} ms "
              f"{max(fg):>21.0f} ms {r['acked']:>7} {r['lost']:>5} "
              f"{'kept' if r['session_kept'] else 'LOST':>8}")
    bad = [r for r in results if r["lost"] or not r["session_kept"]]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
