#!/usr/bin/python3
"""A member cut off from the ensemble by a network partition (issue #4).

The test re-runs itself inside a new network and mount namespace (`unshare --net --mount`), so
nothing it does touches the machine's own network. There it builds a bridge (10.77.0.254/24, the
test's own address) and puts each member in a network namespace of its own, linked to the bridge
by a veth pair (member i is 10.77.0.i). Cutting member P off is taking its veth down on the
bridge side: P can reach nobody and nobody can reach P. Then:

* P stops acknowledging writes: a client inside P's namespace cannot get a write through;
* a kazoo client that was on P moves to the majority and keeps its session and its ephemeral;
* the majority goes on accepting writes;
* once the link is back, P serves again with the same tree as the others (digest).

Needs root and iproute2 (`ip netns`, veth, bridge); skipped otherwise (CI runs as root).
"""

import os
import shutil
import subprocess
import sys
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lib"))
from ensemble import Ensemble  # noqa: E402

from kazoo.client import KazooClient, KazooState  # noqa: E402
from kazoo.exceptions import KazooException  # noqa: E402

INSIDE = "PADDOCK_PARTITION_NETNS"
SIZE = 3
SUBNET = "10.77.0"
WAIT_S = 20.0


def sh(*argv):
    subprocess.run(list(argv), check=True, capture_output=True, text=True)


def build_topology():
    """The bridge and one namespace per member (inside our own private namespaces)."""
    os.makedirs("/run/netns", exist_ok=True)
    sh("mount", "-t", "tmpfs", "none", "/run/netns")
    sh("ip", "link", "set", "lo", "up")
    sh("ip", "link", "add", "br0", "type", "bridge")
    sh("ip", "addr", "add", f"{SUBNET}.254/24", "dev", "br0")
    sh("ip", "link", "set", "br0", "up")
    for i in range(1, SIZE + 1):
        ns = f"pdk{i}"
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", f"vh{i}", "type", "veth", "peer", "name", f"vm{i}")
        sh("ip", "link", "set", f"vm{i}", "netns", ns)
        sh("ip", "link", "set", f"vh{i}", "master", "br0", "up")
        sh("ip", "-n", ns, "addr", "add", f"{SUBNET}.{i}/24", "dev", f"vm{i}")
        sh("ip", "-n", ns, "link", "set", f"vm{i}", "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")


def cut(i, off):
    sh("ip", "link", "set", f"vh{i}", "down" if off else "up")


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
    p = subprocess.run(["ip", "netns", "exec", f"pdk{member.id}", "/usr/bin/python3", "-c", code],
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
        hosts = [f"{SUBNET}.{i}" for i in range(1, SIZE + 1)]
        with Ensemble(size=SIZE, tick_ms=500, hosts=hosts,
                      wrap=lambda i: ["ip", "netns", "exec", f"pdk{i}"]) as e:
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

            cut(p, True)
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

            cut(p, False)
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
    if os.environ.get(INSIDE) == "1":
        build_topology()
        unittest.main()
        return
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("unshare"):
        print("partition_test: skipped (needs root, iproute2 and unshare)")
        return
    env = dict(os.environ, **{INSIDE: "1"})
    p = subprocess.run(["unshare", "--net", "--mount", sys.executable, __file__] + sys.argv[1:],
                       env=env)
    sys.exit(p.returncode)


if __name__ == "__main__":
    main()
