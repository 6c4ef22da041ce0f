"""Ensemble members in network namespaces of their own, behind one bridge, for partition tests.

A test first re-runs itself inside new network and mount namespaces (`rerun_inside`), so nothing
it builds touches the machine's own network and everything goes away when it exits. Inside,
`Network(size).build()` makes a bridge br0 carrying the test's own address (<subnet>.254/24) and,
for each member i, a network namespace pdk<i> linked to the bridge by a veth pair: vh<i> on the
bridge side, vm<i> inside with address <subnet>.i. Clients run in the test's namespace and reach
every member over the bridge. Cutting member i off takes vh<i> down: i can reach nobody and
nobody can reach i. Cutting it off its peers only puts blackhole routes in i's namespace towards
every other member and in theirs towards i: the members cannot reach each other (a connect fails
at once, packets of open connections are dropped), while the test and its clients on the bridge
still reach every member. Healing undoes either.

    def main():
        if netns.inside():
            net = netns.Network(3)
            net.build()
            with Ensemble(size=3, hosts=net.hosts, wrap=net.wrap) as e:
                e.start()
                net.cut(2)              # member 2 partitioned away
                net.heal(2)
            return
        reason = netns.unsupported_reason()
        if reason:
            print(f"skipped ({reason})")
            return
        sys.exit(netns.rerun_inside(__file__, sys.argv[1:]))

API:
  inside() -> bool                  this process runs inside the namespaces rerun_inside made
  unsupported_reason() -> str|None  why namespaces cannot be built here (not root, no iproute2
                                    or unshare), or None
  rerun_inside(script, argv) -> int runs `python3 script argv...` under `unshare --net --mount`
                                    with the inside() marker set; returns its exit code
  rerun_inside_or_skip(name, script, argv) -> int   the same, or 0 after printing
                                    "<name>: skipped (<reason>)" where namespaces are unsupported
  Network(size, subnet="10.77.0")
    build()        /run/netns on a private tmpfs, lo up, the bridge, one namespace per member
    hosts          [<subnet>.1, ..., <subnet>.size], for Ensemble(hosts=...)
    wrap(i)        ["ip", "netns", "exec", "pdk<i>"], for Ensemble(wrap=...) (it execs, so the
                   pid an Ensemble holds is the server's)
    namespace(i)   "pdk<i>"
    cut(i)         take member i's link down: cut off from everybody
    cut_peers(i)   cut member i off the other members only; clients still reach it
    heal(i) / heal_all()   undo the cuts of member i / of every member
    isolated       the set of member ids cut off (either way) now

Needs root and iproute2 (ip netns, veth, bridge) and util-linux unshare.
"""

import os
import shutil
import subprocess
import sys

INSIDE_ENV = "PADDOCK_NETNS_INSIDE"
PYTHON = "/usr/bin/python3"


def sh(*argv):
    subprocess.run(list(argv), check=True, capture_output=True, text=True)


def inside():
    return os.environ.get(INSIDE_ENV) == "1"


def unsupported_reason():
    if os.geteuid() != 0:
        return "needs root"
    if not shutil.which("ip"):
        return "needs iproute2"
    if not shutil.which("unshare"):
        return "needs unshare"
    return None


def rerun_inside_or_skip(name, script, argv):
    """Outside the namespaces: rerun_inside, or, where namespaces cannot be built, a line saying
    that `name` is skipped and why. Returns the exit code for the caller to exit with."""
    reason = unsupported_reason()
    if reason:
        print(f"{name}: skipped ({reason})")
        return 0
    return rerun_inside(script, argv)


def rerun_inside(script, argv):
    """Runs the script again in fresh network and mount namespaces; returns its exit code."""
    assert not inside(), "already inside the test's namespaces"
    env = dict(os.environ, **{INSIDE_ENV: "1"})
    python = sys.executable or PYTHON
    p = subprocess.run(["unshare", "--net", "--mount", python, str(script)] + list(argv), env=env)
    return p.returncode


class Network:
    """The bridge and one namespace per member; see the module docstring."""

    def __init__(self, size, subnet="10.77.0"):
        assert 1 <= size < 254, "one address per member, and .254 is the bridge"
        self.size = size
        self.subnet = subnet
        self.isolated = set()
        self._links_down = set()
        self._blackholes = set()  # (member whose namespace holds the route, member it drops)

    @property
    def hosts(self):
        return [f"{self.subnet}.{i}" for i in range(1, self.size + 1)]

    def namespace(self, member_id):
        return f"pdk{member_id}"

    def wrap(self, member_id):
        return ["ip", "netns", "exec", self.namespace(member_id)]

    def build(self):
        assert inside(), "build() only inside the namespaces rerun_inside() made"
        os.makedirs("/run/netns", exist_ok=True)
        sh("mount", "-t", "tmpfs", "none", "/run/netns")
        sh("ip", "link", "set", "lo", "up")
        sh("ip", "link", "add", "br0", "type", "bridge")
        sh("ip", "addr", "add", f"{self.subnet}.254/24", "dev", "br0")
        sh("ip", "link", "set", "br0", "up")
        for i in range(1, self.size + 1):
            ns = self.namespace(i)
            sh("ip", "netns", "add", ns)
            sh("ip", "link", "add", f"vh{i}", "type", "veth", "peer", "name", f"vm{i}")
            sh("ip", "link", "set", f"vm{i}", "netns", ns)
            sh("ip", "link", "set", f"vh{i}", "master", "br0", "up")
            sh("ip", "-n", ns, "addr", "add", f"{self.subnet}.{i}/24", "dev", f"vm{i}")
            sh("ip", "-n", ns, "link", "set", f"vm{i}", "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        return self

    def cut(self, member_id):
        sh("ip", "link", "set", f"vh{member_id}", "down")
        self._links_down.add(member_id)
        self.isolated.add(member_id)

    def cut_peers(self, member_id):
        for other in range(1, self.size + 1):
            if other == member_id:
                continue
            for route in ((member_id, other), (other, member_id)):
                if route not in self._blackholes:
                    sh("ip", "-n", self.namespace(route[0]), "route", "add", "blackhole",
                       f"{self.subnet}.{route[1]}/32")
                    self._blackholes.add(route)
        self.isolated.add(member_id)

    def heal(self, member_id):
        if member_id in self._links_down:
            sh("ip", "link", "set", f"vh{member_id}", "up")
            self._links_down.discard(member_id)
        for route in sorted(self._blackholes):
            if member_id in route:
                sh("ip", "-n", self.namespace(route[0]), "route", "del", "blackhole",
                   f"{self.subnet}.{route[1]}/32")
                self._blackholes.discard(route)
        self.isolated.discard(member_id)

    def heal_all(self):
        for i in sorted(self.isolated | self._links_down):
            self.heal(i)
        assert not self._blackholes, self._blackholes
