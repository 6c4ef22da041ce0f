#!/usr/bin/python3
"""A member cut off from the ensemble by a network partition (issue #4).

The test re-runs itself inside a new network and mount namespace (`unshare --net --mount`), so
nothing it does touches the machine's own network. There it builds a bridge (10.77.0.254/24, the
test's own address) and puts each member in a network namespace of its own, linked to the bridge
by a veth pair (member i is 10.77.0.i); tests/lib/netns.py does both. Cutting member P off is
taking its veth down on the bridge side: P can reach nobody and nobody can reach P. Then:

* P stops acknowledging writes: a client inside P's namespace cannot get a write through;
* a kazoo client that was on P moves to the majority and keeps its session and its ephemeral;
* the majority goes on accepting writes;
* once the link is back, P serves again with the same tree as the others (digest).

Needs root and iproute2 (`ip netns`, veth, bridge); skipped otherwise (CI runs as root).
"""

import subprocess
import sys
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lib"))
import netns  # noqa: E402
from ensemble import Ensemble  # noqa: E402

from kazoo.client import KazooClient, KazooState  # noqa: E402
from kazoo.exceptions import KazooException  # noqa: E402

SIZE = 3
WAIT_S = 20.0
NET = netns.Network(SIZE)


def write_from_inside(member, path):
    """Tries one create from a client inside the member's own namespace; returns what happened."""
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(HERE.parent / 'lib')!r})\n"
        "import jute\n"
        "try:\n"
        f"    c = jute.connect({member.host!r}, {member.client_port}, 4000, 3.0)\n"
        f"    r = c.create({path!r}, b'x')\n"
        "    print('err', r.err)\n"
        "except Exception as e:\n"
        "    print('failed', type(e).__name__, e)\n")
    p = subprocess.run(NET.wrap(member.id) + ["/usr/bin/python3", "-c", code],
                       capture_output=True, text=True, timeout=30)
    return p.stdout.strip()


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class PartitionTest(unittest.TestCase):
    def test_a_partitioned_member_stops_writing_its_clients_move_and_it_catches_up(self):
        with Ensemble(size=SIZE, tick_ms=500, hosts=NET.hosts, wrap=NET.wrap) as e:
            e.start()
            leader = e.leader()
            p = next(i for i in e.ids if i != leader)
            order = [p] + [i for i in e.ids if i != p]
            mover = KazooClient(hosts=e.connect_string(order), timeout=4.0,
                                randomize_hosts=False)
            states = []
            mover.add_listener(states.append)
            mover.start(timeout=10)
            sid = mover.client_id[0]
            mover.create("/eph", b"", ephemeral=True)
            mover.create("/before", b"")
            majority = KazooClient(hosts=e.connect_string([i for i in e.ids if i != p]),
                                   timeout=10.0)
            majority.start(timeout=10)

            NET.cut(p)
            # Nothing gets written through P: it lost its leader and stops serving.
            wait_until(lambda: "not serving" in e.members[p].log_tail(200), WAIT_S,
                       f"member {p} to stop serving")
            outcome = write_from_inside(e.members[p], "/through-p")
            self.assertNotIn("err 0", outcome, outcome)
            # The majority goes on; the client that was on P moved there with its session.
            for n in range(20):
                majority.create(f"/during-{n}", b"x")
            def moved():
                try:
                    return (mover.state == KazooState.CONNECTED and
                            mover.exists("/during-19") is not None)
                except KazooException:
                    return False  # still between members

            wait_until(moved, WAIT_S, "the client moved")
            self.assertEqual(mover.client_id[0], sid)
            self.assertNotIn(KazooState.LOST, states)
            self.assertIsNotNone(mover.exists("/eph"))

            NET.heal(p)
            e.wait_serving([p], timeout=WAIT_S)
            digests = {i: e.tree_digest(i) for i in e.ids}
            self.assertEqual(len(set(digests.values())), 1, digests)
            self.assertIsNone(majority.exists("/through-p"))
            print(f"RESULT partition: member {p} cut off, stopped serving, write through it "
                  f"refused ({outcome}); session 0x{sid:x} moved and kept; caught up on heal",
                  flush=True)
            for c in (mover, majority):
                c.stop()
                c.close()


def main():
    if netns.inside():
        NET.build()
        unittest.main()
        return
    sys.exit(netns.rerun_inside_or_skip("partition_test", __file__, sys.argv[1:]))


if __name__ == "__main__":
    main()
