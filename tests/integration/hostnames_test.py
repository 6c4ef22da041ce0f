#!/usr/bin/python3
"""Members named by host names and IPv6 literals in server.N, as ZooKeeper allows (issue #15).

The test re-runs itself inside new network and mount namespaces (tests/lib/netns.py), so that
it can give names of its own to addresses of its own: it bind-mounts a hosts file of its own
over /etc/hosts there (the members, in namespaces made by `ip netns exec`, see the same file),
and nothing leaves the machine (no name is asked of DNS). Then, each with a fresh 3-member
ensemble:

* `localhost` for every member (a name that resolves on any machine): the ensemble forms,
  writes go through every member and every member holds the same tree;
* `::1` for every member (IPv6 literals, bracketed in server.N): the same;
* names of the test's hosts file (zk-a, zk-b, zk-c, one network namespace each), then member 3
  moves: its old address vanishes (so that nothing it sends on its way out reaches the
  others), it stops, its namespace gets another address, the hosts file says zk-c is there now,
  and it starts again. The other members find it at its new address, because a name is looked
  up again at every connect: it catches up to the same tree, and a write through it is
  acknowledged. (Resolved once at start-up, the leader would keep dialing the old address:
  member 3 would never receive the log and its tree would stay behind. Without a timeout on
  unacknowledged sends, the leader's links to the old address would stay open for the
  kernel's 15 minutes of retransmissions, and it would not dial at all.)

Needs root, iproute2 and unshare; skipped otherwise (CI runs as root).

Run: /usr/bin/python3 tests/integration/hostnames_test.py [-v]
"""

import os
import socket
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lib"))
import netns  # noqa: E402
import zkservers  # noqa: E402
from ensemble import Ensemble  # noqa: E402

WAIT_S = 20.0
NET = netns.Network(3, subnet="10.78.0")
NAMES = {1: "zk-a", 2: "zk-b", 3: "zk-c"}
MOVED = f"{NET.subnet}.13"
HOSTS_FILE = None  # the file bind-mounted over /etc/hosts


def write_hosts(addresses):
    """Rewrites the test's hosts file in place (the bind mount keeps pointing at its inode)."""
    lines = ["127.0.0.1 localhost", "::1 ip6-localhost"]
    lines += [f"{addresses[i]} {NAMES[i]}" for i in sorted(NAMES)]
    with open(HOSTS_FILE, "w") as f:
        f.write("\n".join(lines) + "\n")


def ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def write_through(member, path, data=b"x"):
    conn = member.connect(session_timeout_ms=6000, timeout=10.0)
    try:
        reply = conn.create(path, data)
        conn.close_session()
        return reply.err
    finally:
        conn.close()


class HostNamesTest(unittest.TestCase):
    def check_serves(self, e):
        leader = e.leader(timeout=WAIT_S)
        for i in e.ids:
            self.assertEqual(write_through(e.members[i], f"/through-{i}"), 0, f"member {i}")
        digests = {i: e.tree_digest(i) for i in e.ids}
        self.assertEqual(len(set(digests.values())), 1, digests)
        return leader

    def test_localhost_names_every_member(self):
        with Ensemble(size=3, tick_ms=300, hosts=["localhost"] * 3) as e:
            cfg = (e.members[1].cfg_path).read_text()
            self.assertIn(f"server.2=localhost:{e.members[2].raft_port}:", cfg)
            e.start(timeout=WAIT_S)
            leader = self.check_serves(e)
            print(f"RESULT host names: 3 members named localhost formed (leader {leader}), "
                  "writes through each", flush=True)

    def test_ipv6_literals(self):
        if not ipv6_loopback():
            self.skipTest("no IPv6 loopback in this namespace")
        with Ensemble(size=3, tick_ms=300, hosts=["::1"] * 3) as e:
            cfg = (e.members[1].cfg_path).read_text()
            self.assertIn(f"server.2=[::1]:{e.members[2].raft_port}:", cfg)
            e.start(timeout=WAIT_S)
            leader = self.check_serves(e)
            print(f"RESULT IPv6: 3 members on [::1] formed (leader {leader})", flush=True)

    def test_a_member_that_moved_is_found_by_its_name(self):
        addresses = dict(zip(sorted(NAMES), NET.hosts))
        write_hosts(addresses)
        with Ensemble(size=3, tick_ms=300, hosts=[NAMES[i] for i in sorted(NAMES)],
                      wrap=NET.wrap) as e:
            e.start(timeout=WAIT_S)
            self.check_serves(e)
            # Member 3 away from the leadership, so that the leader is the one that must find it.
            if e.leader() == 3:
                e.members[3].stop()
                e.leader(timeout=WAIT_S)
                e.members[3].start()
                e.wait_serving([3], timeout=WAIT_S)
            m3 = e.members[3]
            # The address goes first, as when a machine vanishes: nothing member 3 sends on
            # its way out (a FIN, a reset) reaches the others, so the leader's Raft connection
            # to the old address stays open with nobody behind it. The leader must give it up
            # (unacknowledged sends time out) before it dials the name again; libraft alone
            # would keep writing into it for the kernel's 15 minutes of retransmissions.
            ns = NET.namespace(3)
            netns.sh("ip", "-n", ns, "addr", "del", f"{NET.hosts[2]}/24", "dev", "vm3")
            m3.stop()
            netns.sh("ip", "-n", ns, "addr", "add", f"{MOVED}/24", "dev", "vm3")
            addresses[3] = MOVED
            write_hosts(addresses)
            # Written while it was away: it must receive them from the leader at its new address.
            leader = e.leader(timeout=WAIT_S)
            for n in range(10):
                self.assertEqual(write_through(e.members[leader], f"/while-away-{n}"), 0)
            m3.start()
            e.wait_serving([3], timeout=WAIT_S)
            zkservers.wait_until(lambda: len({e.tree_digest(i) for i in e.ids}) == 1, WAIT_S,
                                 interval=0.1,
                                 what="member 3 to hold the same tree at its new address")
            self.assertEqual(write_through(m3, "/through-moved"), 0)
            digests = {i: e.tree_digest(i) for i in e.ids}
            self.assertEqual(len(set(digests.values())), 1, digests)
            print(f"RESULT moved member: zk-c moved {NET.hosts[2]} -> {MOVED}; leader {leader} "
                  "found it by name, it caught up and serves", flush=True)


def main():
    global HOSTS_FILE
    if netns.inside():
        NET.build()
        fd, HOSTS_FILE = tempfile.mkstemp(prefix="paddock-hosts-")
        os.close(fd)
        write_hosts(dict(zip(sorted(NAMES), NET.hosts)))
        subprocess.run(["mount", "--bind", HOSTS_FILE, "/etc/hosts"], check=True)
        try:
            unittest.main()
        finally:
            os.unlink(HOSTS_FILE)
        return
    sys.exit(netns.rerun_inside_or_skip("hostnames_test", __file__, sys.argv[1:]))


if __name__ == "__main__":
    main()
