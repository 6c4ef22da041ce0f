"""ACL enforcement, compared operation by operation with the real Apache ZooKeeper.

What it proves: every operation that checks an ACL in ZooKeeper 3.8 checks the same permission
in Paddock, against the same node, with the same identities, and answers with the same error
code and result; operations that check nothing in ZooKeeper check nothing in Paddock either.
How: one ZooKeeper (Debian's 3.8.0) and one paddock-server are started with the same zoo.cfg
(TTL nodes on, a super digest for super:test). Each test runs one scenario, identically, against
both servers through the raw wire client (tests/lib/jute.py), under its own top-level node. A
scenario records a labelled outcome per request (error name and normalised result) together
with the error it expects. The test then fails if

* the two outcome lists differ at any label, unless that label is listed in KNOWN_DIFFERENCES
  (each entry names the ZooKeeper version or issue behind it, and both servers' outcomes are
  then asserted explicitly); or
* an outcome is not the expected one (on ZooKeeper this checks the scenario itself: a scenario
  whose nodes accidentally grant everything would otherwise pass on both servers).

Permission matrix. For an operation needing permission P on a node N (or on N's parent), the
matrix builds one N per case: for each identity kind (world:anyone, digest user:password,
ip:127.0.0.1, ip:127.0.0.0/8, and the `auth` scheme expanded from the creator's digest) an ACL
granting everything except P (expect NOAUTH) and an ACL granting only P (expect OK); then a
digest ACL with a caller holding the wrong password or another user (NOAUTH), an ip ACL for
another network (NOAUTH), and the super identity on a node that denies P (OK), and a wrong super
password (NOAUTH).

What ZooKeeper 3.8 checks (read from apache/zookeeper, release-3.8.0 and release-3.8.6,
PrepRequestProcessor and FinalRequestProcessor): create/create2/createContainer/createTTL CREATE
on the parent; delete DELETE on the parent; setData WRITE; setACL ADMIN; getData, getChildren,
getChildren2, getAllChildrenNumber, and check inside multi READ; getACL READ or ADMIN (digest ids
masked without ADMIN); exists READ on an existing node from 3.8.4 (ZOOKEEPER-2590). No ACL
check: sync, getEphemerals (the caller's own ephemerals only), addWatch, setWatches,
setWatches2, checkWatches, removeWatches, whoAmI. From 3.8.4 on (ZOOKEEPER-4799) a notification
is delivered only if the watcher may READ the node concerned (the parent for
NodeChildrenChanged); events synthesised by setWatches are not filtered. Debian's 3.8.0-11+deb12u2
carries that fix (CVE-2024-23944, see its changelog), so notifications are compared directly; it
does not carry ZOOKEEPER-2590, hence the one known difference below. A multi that fails still
answers OK in its reply header, with the first failing op's error in its results: expectations
for a multi are checked against that first error.

Run: /usr/bin/python3 tests/compat/acl_test.py [-v] [TestClass.test_name]
PADDOCK_SERVER names the paddock binary.
"""

import collections
import os
import re
import shutil
import socket
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import jute  # noqa: E402
import zkservers  # noqa: E402
from jute import ACL, OP  # noqa: E402

SUPER_DIGEST = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="  # super:test
SERVER_CFG = {
    "extendedTypesEnabled": "true",
    "DigestAuthenticationProvider.superDigest": SUPER_DIGEST,
}
CALL_TIMEOUT_S = 5.0
CLOSE_WAIT_S = 3.0

ALICE_PW, BOB_PW = "alice:secret", "bob:pw"
ALICE = jute.digest_id("alice", "secret")
BOB = jute.digest_id("bob", "pw")
OPEN = jute.OPEN_ACL_UNSAFE
ALL = jute.PERM_ALL
READ, WRITE, CREATE, DELETE, ADMIN = (jute.PERM_READ, jute.PERM_WRITE, jute.PERM_CREATE,
                                      jute.PERM_DELETE, jute.PERM_ADMIN)

# --------------------------------------------------------------------------------------------
# Known differences: each names the test, a regular expression matched against step labels, the
# error each server must answer at those steps, and why the two differ.

KnownDifference = collections.namedtuple("KnownDifference",
                                         "test label zookeeper paddock reason")

KNOWN_DIFFERENCES = [
    KnownDifference(
        "test_exists_needs_read_on_an_existing_node", r"/(denied|wrong-password|other-user|other-network)$",
        zookeeper="OK", paddock="NOAUTH",
        reason="ZOOKEEPER-2590: exists() checks READ on an existing node from 3.8.4 on; "
               "Debian's 3.8.0 does not. Paddock follows 3.8.4+."),
]


def known_difference(test, label):
    for k in KNOWN_DIFFERENCES:
        if k.test == test and re.search(k.label, label):
            return k
    return None


# --------------------------------------------------------------------------------------------
# Normalising replies


def norm_stat(st):
    return {"version": st.version, "cversion": st.cversion, "aversion": st.aversion,
            "dataLength": st.dataLength, "numChildren": st.numChildren,
            "ephemeral": st.ephemeralOwner != 0}


def norm_value(opcode, v):
    name = jute.OP_NAME.get(opcode)
    if v is None or isinstance(v, (int, str, bytes)):
        return v
    if name in ("create2", "createContainer", "createTTL"):
        return {"path": v[0], "stat": norm_stat(v[1])}
    if name in ("exists", "setData", "setACL"):
        return norm_stat(v)
    if name == "getData":
        return {"data": v[0], "stat": norm_stat(v[1])}
    if name == "getACL":
        return {"acl": sorted(tuple(a) for a in v[0]), "stat": norm_stat(v[1])}
    if name in ("getChildren", "getEphemerals"):
        return sorted(v)
    if name == "getChildren2":
        return {"children": sorted(v[0]), "stat": norm_stat(v[1])}
    if name == "whoAmI":
        return sorted(tuple(c) for c in v)
    if name in ("multi", "multiRead"):
        return [{"type": jute.OP_NAME.get(r.type, r.type), "err": jute.err_name(r.err),
                 "value": r.value if r.type == OP["error"] else norm_value(r.type, r.value)}
                for r in v]
    return repr(v)


def norm_reply(r):
    value = r.value
    if r.err != 0:
        # A failed multi still carries its per-op results; other error replies carry nothing.
        value = None
        if r.opcode in (OP["multi"], OP["multiRead"]) and r.value:
            value = jute.decode_response(r.opcode, r.value)
    return {"err": "OK" if r.err == 0 else jute.err_name(r.err),
            "value": norm_value(r.opcode, value)}


def verdict(opcode, outcome):
    """What an expectation is checked against: the reply's error, except for a multi, whose
    reply header says OK even when it failed; there it is the first failing op's error."""
    if opcode == OP["multi"] and outcome["err"] == "OK":
        for result in outcome["value"] or []:
            if result["err"] != "OK":
                return result["err"]
    return outcome["err"]


# --------------------------------------------------------------------------------------------
# One scenario run against one server

Step = collections.namedtuple("Step", "label outcome expect verdict")


class Run:
    """Runs one scenario against one server: connections, fixture helpers and the record."""

    def __init__(self, server, base):
        self.server = server
        self.base = base
        self.steps = []
        self._conns = []
        self._admin = None

    # ---- connections

    def conn(self, *digests, session_id=0, passwd=bytes(16)):
        """A new connection (a new session unless session_id), with digest auths added."""
        c = jute.Connection(zkservers.LOOPBACK, self.server.port, CALL_TIMEOUT_S)
        self._conns.append(c)
        c.handshake(30000, session_id=session_id, passwd=passwd)
        for d in digests:
            r = c.auth("digest", d)
            assert r.err == 0, f"addauth digest {d}: {jute.err_name(r.err)}"
        return c

    @property
    def admin(self):
        """A super-authenticated connection for building fixtures."""
        if self._admin is None:
            self._admin = self.conn("super:test")
        return self._admin

    def close(self):
        for c in self._conns:
            c.close()

    # ---- fixtures (errors here are harness errors, not outcomes)

    def make(self, path, acl=OPEN, data=b"d", creator=None, flags=0):
        r = (creator or self.admin).create(path, data, acl, flags)
        assert r.err == 0, f"fixture create {path}: {jute.err_name(r.err)}"
        return path

    # ---- recording

    def record(self, label, reply, expect=None):
        """Records a reply's outcome; `expect` is the error name it should have ('OK', ...)."""
        outcome = norm_reply(reply)
        self.steps.append(Step(label, outcome, expect, verdict(reply.opcode, outcome)))
        return reply

    def note(self, label, outcome, expect=None):
        """Records a plain outcome (a dict with at least 'err')."""
        self.steps.append(Step(label, outcome, expect, outcome["err"]))

    def events(self, label, conn, expect=None):
        """Barrier on `conn` (exists('/') round trip), then records the events it received."""
        conn.exists("/")
        evs = [(jute.EVENT_NAME.get(e.type, e.type), e.path) for e in conn.take_events()]
        self.note(label, {"err": "delivered" if evs else "filtered", "events": evs}, expect)


# --------------------------------------------------------------------------------------------
# The permission matrix


def identity_cases(perm):
    """(name, acl for the target, who creates it, digests of the caller, expected error)."""
    deny, grant = ALL & ~perm, perm
    cases = []
    for verdict, perms in (("denied", deny), ("granted", grant)):
        expect = "NOAUTH" if verdict == "denied" else "OK"
        cases += [
            (f"world/{verdict}", [ACL(perms, "world", "anyone")], None, (), expect),
            (f"digest/{verdict}", [ACL(perms, "digest", ALICE)], None, (ALICE_PW,), expect),
            (f"ip/{verdict}", [ACL(perms, "ip", "127.0.0.1")], None, (), expect),
            (f"ip-net/{verdict}", [ACL(perms, "ip", "127.0.0.0/8")], None, (), expect),
            (f"auth/{verdict}", [ACL(perms, "auth", "")], "alice", (ALICE_PW,), expect),
        ]
    cases += [
        ("digest/wrong-password", [ACL(ALL, "digest", ALICE)], None, ("alice:wrong",), "NOAUTH"),
        ("digest/other-user", [ACL(ALL, "digest", ALICE)], None, (BOB_PW,), "NOAUTH"),
        ("ip/other-network", [ACL(ALL, "ip", "10.0.0.0/8")], None, (), "NOAUTH"),
        ("super/denied-to-everyone-else", [ACL(deny, "world", "anyone")], None,
         ("super:test",), "OK"),
        ("super-wrong-password/denied", [ACL(deny, "world", "anyone")], None,
         ("super:nope",), "NOAUTH"),
    ]
    return cases


def permission_matrix(run, op_label, perm, act, on_parent=False, with_child=False):
    """Builds one target node per identity case and records `act(conn, node)` on each.

    on_parent: the op works on a child of the target (create/delete need CREATE/DELETE on the
    parent); with_child: the target gets an OPEN child "c" first (created by super).
    """
    for i, (case, acl, creator, digests, expect) in enumerate(identity_cases(perm)):
        node = f"{run.base}/n{i}"
        maker = run.conn(ALICE_PW) if creator == "alice" else None
        run.make(node, acl, creator=maker)
        if with_child:
            run.make(node + "/c")
        caller = run.conn(*digests)
        run.record(f"{op_label} {case}", act(caller, node), expect)


# --------------------------------------------------------------------------------------------
# The test case: both servers for the whole module


class AclCompatTest(unittest.TestCase):
    servers = {}

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="paddock-acl-")
        try:
            cls.servers["zookeeper"] = zkservers.start_zookeeper(
                Path(cls.tmp) / "zookeeper", SERVER_CFG)
            cls.servers["paddock"] = zkservers.start_paddock(Path(cls.tmp) / "paddock",
                                                             SERVER_CFG)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for server in cls.servers.values():
            server.stop()
        cls.servers = {}
        if os.environ.get("PADDOCK_KEEP_TMP"):
            print(f"kept {cls.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---- running and comparing

    def run_both(self, scenario):
        """Runs `scenario(run)` on each server; compares and checks; returns the Paddock run."""
        runs = {}
        for kind, server in self.servers.items():
            run = Run(server, "/" + self._testMethodName)
            try:
                run.make(run.base)
                scenario(run)
            finally:
                run.close()
            runs[kind] = run
        self.compare(runs["zookeeper"].steps, runs["paddock"].steps)
        return runs["paddock"]

    def compare(self, zk_steps, pd_steps):
        self.assertEqual([s.label for s in zk_steps], [s.label for s in pd_steps],
                         "the scenario took different paths on the two servers")
        self.assertTrue(zk_steps, "the scenario recorded nothing")
        problems = []
        for zk, pd in zip(zk_steps, pd_steps):
            known = known_difference(self._testMethodName, zk.label)
            if known is not None:
                if zk.outcome["err"] != known.zookeeper or pd.outcome["err"] != known.paddock:
                    problems.append(f"{zk.label}: known difference no longer as documented "
                                    f"({known.reason})\n  zookeeper: {zk.outcome}\n"
                                    f"  paddock:   {pd.outcome}")
                continue
            if zk.outcome != pd.outcome:
                problems.append(f"{zk.label}: differs\n  zookeeper: {zk.outcome}\n"
                                f"  paddock:   {pd.outcome}")
            elif zk.expect is not None and zk.verdict != zk.expect:
                problems.append(f"{zk.label}: expected {zk.expect}, both servers answered "
                                f"{zk.outcome}")
        if problems:
            self.fail(f"{len(problems)} of {len(zk_steps)} steps wrong:\n" + "\n".join(problems))

    # ---- create (CREATE on the parent)

    def test_create_needs_create_on_the_parent(self):
        self.run_both(lambda run: permission_matrix(
            run, "create", CREATE, lambda c, n: c.create(n + "/new", b"x"), on_parent=True))

    def test_create2_needs_create_on_the_parent(self):
        self.run_both(lambda run: permission_matrix(
            run, "create2", CREATE, lambda c, n: c.create2(n + "/new", b"x"), on_parent=True))

    def test_create_container_needs_create_on_the_parent(self):
        self.run_both(lambda run: permission_matrix(
            run, "createContainer", CREATE, lambda c, n: c.create_container(n + "/new"),
            on_parent=True))

    def test_create_ttl_needs_create_on_the_parent(self):
        self.run_both(lambda run: permission_matrix(
            run, "createTTL", CREATE, lambda c, n: c.create_ttl(n + "/new", ttl=3600000),
            on_parent=True))

    def test_create_inside_multi_needs_create_on_the_parent(self):
        self.run_both(lambda run: permission_matrix(
            run, "multi[create]", CREATE, lambda c, n: c.multi([jute.op_create(n + "/new")]),
            on_parent=True))

    # ---- delete (DELETE on the parent)

    def test_delete_needs_delete_on_the_parent(self):
        self.run_both(lambda run: permission_matrix(
            run, "delete", DELETE, lambda c, n: c.delete(n + "/c"), on_parent=True,
            with_child=True))

    def test_delete_inside_multi_needs_delete_on_the_parent(self):
        self.run_both(lambda run: permission_matrix(
            run, "multi[delete]", DELETE, lambda c, n: c.multi([jute.op_delete(n + "/c")]),
            on_parent=True, with_child=True))

    def test_delete_of_a_node_needs_nothing_on_the_node_itself(self):
        def scenario(run):
            run.make(run.base + "/p")
            run.make(run.base + "/p/locked", acl=[ACL(0, "world", "anyone")])
            run.record("delete child with empty perms", run.conn().delete(run.base + "/p/locked"),
                       "OK")
        self.run_both(scenario)

    # ---- setData (WRITE), getData (READ), exists (READ, 3.8.4+)

    def test_set_data_needs_write(self):
        self.run_both(lambda run: permission_matrix(
            run, "setData", WRITE, lambda c, n: c.set_data(n, b"new")))

    def test_set_data_inside_multi_needs_write(self):
        self.run_both(lambda run: permission_matrix(
            run, "multi[setData]", WRITE, lambda c, n: c.multi([jute.op_set_data(n, b"new")])))

    def test_get_data_needs_read(self):
        self.run_both(lambda run: permission_matrix(
            run, "getData", READ, lambda c, n: c.get_data(n)))

    def test_exists_needs_read_on_an_existing_node(self):
        def scenario(run):
            permission_matrix(run, "exists", READ, lambda c, n: c.exists(n))
            run.make(run.base + "/closed", acl=[ACL(ALL & ~READ, "world", "anyone")])
            run.record("exists missing child of unreadable node",
                       run.conn().exists(run.base + "/closed/missing"), "NONODE")
        pd = self.run_both(scenario)
        # Paddock's own answers, asserted outright (ZooKeeper 3.8.0 says OK to the denied ones).
        for step in pd.steps:
            self.assertEqual(step.verdict, step.expect, step.label)

    def test_exists_watch_is_not_left_behind_when_read_is_denied(self):
        def scenario(run):
            node = run.make(run.base + "/closed", acl=[ACL(ALL & ~READ, "world", "anyone")])
            watcher = run.conn()
            watcher.exists(node, watch=True)
            run.admin.set_data(node, b"changed")
            watcher.exists("/")
            # 3.8.0 sets the watch; 3.8.4+ answers NOAUTH before registering it, so nothing
            # can fire even without the notification filter.
            run.note("exists-watch events", {"err": "n/a",
                                             "events": len(watcher.take_events())})
        pd = self.run_both_paddock_only(scenario)
        self.assertEqual(pd.steps[0].outcome["events"], 0)

    def run_both_paddock_only(self, scenario):
        """Runs a scenario whose outcome is ZooKeeper-version dependent on Paddock only."""
        run = Run(self.servers["paddock"], "/" + self._testMethodName)
        try:
            run.make(run.base)
            scenario(run)
        finally:
            run.close()
        return run

    # ---- getChildren, getChildren2, getAllChildrenNumber (READ)

    def test_get_children_needs_read(self):
        self.run_both(lambda run: permission_matrix(
            run, "getChildren", READ, lambda c, n: c.get_children(n), with_child=True))

    def test_get_children2_needs_read(self):
        self.run_both(lambda run: permission_matrix(
            run, "getChildren2", READ, lambda c, n: c.get_children2(n), with_child=True))

    def test_get_all_children_number_needs_read(self):
        self.run_both(lambda run: permission_matrix(
            run, "getAllChildrenNumber", READ, lambda c, n: c.get_all_children_number(n),
            with_child=True))

    # ---- getACL (READ or ADMIN; digest ids masked without ADMIN), setACL (ADMIN)

    def test_get_acl_needs_read_or_admin(self):
        self.run_both(lambda run: permission_matrix(
            run, "getACL", READ | ADMIN, lambda c, n: c.get_acl(n)))

    def test_get_acl_masks_digest_ids_without_admin(self):
        def scenario(run):
            acl_for = {
                "read-only": [ACL(READ, "world", "anyone"), ACL(ALL, "digest", BOB)],
                "admin-only": [ACL(ADMIN, "world", "anyone"), ACL(ALL, "digest", BOB)],
                "read-and-admin": [ACL(READ | ADMIN, "world", "anyone"),
                                   ACL(ALL, "digest", BOB)],
            }
            for name, acl in acl_for.items():
                node = run.make(f"{run.base}/{name}", acl)
                run.record(f"getACL {name} as anyone", run.conn().get_acl(node), "OK")
                run.record(f"getACL {name} as bob", run.conn(BOB_PW).get_acl(node), "OK")
        pd = self.run_both(scenario)
        masked = {s.label: s.outcome["value"]["acl"] for s in pd.steps}
        self.assertIn((31, "digest", "bob:x"), masked["getACL read-only as anyone"])
        self.assertIn((31, "digest", BOB), masked["getACL admin-only as anyone"])
        self.assertIn((31, "digest", BOB), masked["getACL read-only as bob"])

    def test_set_acl_needs_admin(self):
        self.run_both(lambda run: permission_matrix(
            run, "setACL", ADMIN, lambda c, n: c.set_acl(n, OPEN)))

    def test_set_acl_checks_the_new_list_before_the_permission(self):
        def scenario(run):
            node = run.make(run.base + "/closed", acl=[ACL(ALL & ~ADMIN, "world", "anyone")])
            c = run.conn()
            run.record("setACL empty list, no ADMIN", c.set_acl(node, []), "INVALIDACL")
            run.record("setACL bad scheme, no ADMIN", c.set_acl(node, [ACL(31, "foo", "x")]),
                       "INVALIDACL")
            run.record("setACL good list, no ADMIN", c.set_acl(node, OPEN), "NOAUTH")
            run.record("setACL good list, bad version, no ADMIN", c.set_acl(node, OPEN, 9),
                       "NOAUTH")
        self.run_both(scenario)

    # ---- check inside multi (READ), multi mixes, multiRead

    def test_check_inside_multi_needs_read(self):
        self.run_both(lambda run: permission_matrix(
            run, "multi[check]", READ, lambda c, n: c.multi([jute.op_check(n, -1)])))

    def test_multi_fails_whole_at_the_first_noauth_and_changes_nothing(self):
        def scenario(run):
            b = run.base
            run.make(b + "/ro", acl=[ACL(ALL & ~WRITE, "world", "anyone")])
            run.make(b + "/rw")
            run.make(b + "/nodelete", acl=[ACL(ALL & ~DELETE, "world", "anyone")])
            run.make(b + "/nodelete/c")
            c = run.conn()
            run.record("multi create, setData unwritable, create", c.multi([
                jute.op_create(b + "/m1"), jute.op_set_data(b + "/ro", b"x"),
                jute.op_create(b + "/m2")]), "NOAUTH")
            run.record("multi setData ok, delete without DELETE, setData ok", c.multi([
                jute.op_set_data(b + "/rw", b"1"), jute.op_delete(b + "/nodelete/c"),
                jute.op_set_data(b + "/rw", b"2")]), "NOAUTH")
            run.record("multi two NOAUTHs: the first one counts", c.multi([
                jute.op_check(b + "/rw", 7), jute.op_set_data(b + "/ro", b"x")]), "BADVERSION")
            run.record("multi NOAUTH before BADVERSION", c.multi([
                jute.op_set_data(b + "/ro", b"x"), jute.op_check(b + "/rw", 7)]), "NOAUTH")
            run.record("m1 was not created", c.exists(b + "/m1"), "NONODE")
            run.record("rw unchanged", c.get_data(b + "/rw"), "OK")
            run.record("nodelete/c still there", c.exists(b + "/nodelete/c"), "OK")
            run.record("multi all allowed", c.multi([
                jute.op_create(b + "/m3"), jute.op_set_data(b + "/rw", b"3"),
                jute.op_check(b + "/ro", 0)]), "OK")
        self.run_both(scenario)

    def test_multi_read_answers_noauth_per_op(self):
        def scenario(run):
            b = run.base
            run.make(b + "/open", data=b"o")
            run.make(b + "/open/c")
            run.make(b + "/closed", acl=[ACL(ALL & ~READ, "world", "anyone")])
            run.make(b + "/closed/c")
            run.make(b + "/alice", acl=[ACL(READ, "digest", ALICE)], data=b"a")
            ops = [jute.op_get_data(b + "/open"), jute.op_get_data(b + "/closed"),
                   jute.op_get_children(b + "/closed"), jute.op_get_children(b + "/open"),
                   jute.op_get_data(b + "/alice"), jute.op_get_data(b + "/missing")]
            run.record("multiRead as anyone", run.conn().multi_read(ops), "OK")
            run.record("multiRead as alice", run.conn(ALICE_PW).multi_read(ops), "OK")
            run.record("multiRead as super", run.conn("super:test").multi_read(ops), "OK")
        pd = self.run_both(scenario)
        errs = [r["err"] for r in pd.steps[0].outcome["value"]]
        self.assertEqual(errs, ["OK", "NOAUTH", "NOAUTH", "OK", "NOAUTH", "NONODE"])

    # ---- operations ZooKeeper 3.8 does not check

    def test_sync_checks_no_acl(self):
        def scenario(run):
            node = run.make(run.base + "/closed", acl=[ACL(0, "world", "anyone")])
            run.record("sync unreadable node", run.conn().sync(node), "OK")
            run.record("sync missing node", run.conn().sync(run.base + "/missing"), "OK")
        self.run_both(scenario)

    def test_get_ephemerals_lists_only_the_callers_own_whatever_their_acl(self):
        def scenario(run):
            alice = run.conn(ALICE_PW)
            run.make(run.base + "/e1", acl=[ACL(ALL & ~READ, "digest", ALICE)], creator=alice,
                     flags=jute.FLAG_EPHEMERAL)
            run.make(run.base + "/e2", acl=[ACL(0, "world", "anyone")], creator=alice,
                     flags=jute.FLAG_EPHEMERAL)
            run.record("getEphemerals own, unreadable", alice.get_ephemerals(run.base), "OK")
            run.record("getEphemerals another session", run.conn(ALICE_PW).get_ephemerals(
                run.base), "OK")
        pd = self.run_both(scenario)
        self.assertEqual(pd.steps[0].outcome["value"], [pd.base + "/e1", pd.base + "/e2"])
        self.assertEqual(pd.steps[1].outcome["value"], [])

    def test_add_watch_checks_no_acl(self):
        def scenario(run):
            node = run.make(run.base + "/closed", acl=[ACL(ALL & ~READ, "world", "anyone")])
            c = run.conn()
            run.record("addWatch persistent on unreadable",
                       c.add_watch(node, jute.ADD_WATCH_PERSISTENT), "OK")
            run.record("addWatch recursive on unreadable",
                       c.add_watch(node, jute.ADD_WATCH_PERSISTENT_RECURSIVE), "OK")
            run.record("addWatch on missing", c.add_watch(run.base + "/missing",
                                                          jute.ADD_WATCH_PERSISTENT), "OK")
        self.run_both(scenario)

    def test_set_watches_checks_no_acl_and_its_synthesised_events_are_not_filtered(self):
        def scenario(run):
            b = run.base
            node = run.make(b + "/closed", acl=[ACL(ALL & ~READ, "world", "anyone")])
            run.make(node + "/c")
            c = run.conn()
            zxid = run.admin.exists("/").zxid
            for method in ("set_watches", "set_watches2"):
                r = getattr(c, method)(zxid, data=[node], exist=[node], child=[node])
                run.record(f"{method} on unreadable", r, "OK")
                run.events(f"{method} synthesised events", c, "delivered")
                getattr(c, method)(zxid, exist=[b + "/later"])
                run.make(b + "/later")
                run.events(f"{method} registered exist watch fires on create", c)
                run.admin.delete(b + "/later")
                c.exists("/")
                c.take_events()
        self.run_both(scenario)

    def test_remove_and_check_watches_check_no_acl(self):
        def scenario(run):
            node = run.make(run.base + "/n")
            c = run.conn()
            c.get_data(node, watch=True)
            run.admin.set_acl(node, [ACL(0, "world", "anyone")])
            run.record("checkWatches on now-unreadable",
                       c.check_watches(node, jute.WATCH_TYPE_DATA), "OK")
            run.record("removeWatches on now-unreadable",
                       c.remove_watches(node, jute.WATCH_TYPE_DATA), "OK")
            run.record("removeWatches again", c.remove_watches(node, jute.WATCH_TYPE_DATA),
                       "NOWATCHER")
        self.run_both(scenario)

    def test_who_am_i_lists_each_identity_once(self):
        def scenario(run):
            c = run.conn()
            run.record("whoAmI anonymous", c.who_am_i(), "OK")
            for d in (ALICE_PW, ALICE_PW, BOB_PW):
                c.auth("digest", d)
            run.record("whoAmI after alice, alice, bob", c.who_am_i(), "OK")
            run.record("addauth ip", c.auth("ip", ""), "OK")
            run.record("whoAmI after addauth ip", c.who_am_i(), "OK")
            run.record("create with auth scheme", c.create(run.base + "/mine", b"",
                                                           jute.CREATOR_ALL_ACL), "OK")
            run.record("getACL of auth-expanded node", c.get_acl(run.base + "/mine"), "OK")
            s = run.conn("super:test")
            run.record("whoAmI super", s.who_am_i(), "OK")
            run.record("create with auth scheme as super", s.create(
                run.base + "/supers", b"", jute.CREATOR_ALL_ACL), "OK")
            run.record("getACL of super's auth node", s.get_acl(run.base + "/supers"), "OK")
        self.run_both(scenario)

    def test_notifications_need_read_on_the_node(self):
        def scenario(run):
            b = run.base
            hidden = [ACL(ALL & ~READ, "world", "anyone")]
            shown = run.make(b + "/shown")
            closed = run.make(b + "/closed", acl=hidden)
            w = run.conn()
            w.exists(shown, watch=True)
            w.get_children(b, watch=True)
            w.add_watch(closed, jute.ADD_WATCH_PERSISTENT)
            run.admin.set_data(shown, b"1")
            run.events("events readable setData", w, "delivered")
            run.admin.set_data(closed, b"1")
            run.events("events unreadable setData (persistent watch)", w)
            run.admin.create(closed + "/kid", b"", OPEN)
            run.events("events unreadable parent gets a child (persistent watch)", w)
            run.admin.create(b + "/new-unreadable", b"", hidden)
            run.events("events readable parent gets a hidden child", w, "delivered")
            w.exists(b + "/x", watch=True)
            run.admin.create(b + "/x", b"", hidden)
            run.events("events unreadable node created (exists watch)", w)
            w.add_watch(b, jute.ADD_WATCH_PERSISTENT_RECURSIVE)
            run.admin.set_data(b + "/x", b"2")
            run.events("events unreadable descendant (recursive watch)", w)
            run.admin.set_data(shown, b"2")
            run.events("events readable descendant (recursive watch)", w, "delivered")
            super_w = run.conn("super:test")
            super_w.add_watch(closed, jute.ADD_WATCH_PERSISTENT)
            run.admin.set_data(closed, b"3")
            run.events("events super sees everything", super_w, "delivered")
        self.run_both(scenario)

    def test_reconfig_is_refused_without_reconfig_enabled(self):
        def scenario(run):
            for who, digests in (("anyone", ()), ("alice", (ALICE_PW,)),
                                 ("super", ("super:test",))):
                r = run.conn(*digests).reconfig(
                    joining="server.2=127.0.0.1:2888:3888;127.0.0.1:2182")
                run.record(f"reconfig as {who}", r)
        self.run_both(scenario)

    # ---- authentication

    def test_auth_with_an_unknown_scheme_fails_and_closes_but_keeps_the_session(self):
        def scenario(run):
            for scheme in ("nosuchscheme", "world", "super", "auth", ""):
                c = run.conn()
                sid, pw = c.session.session_id, c.session.passwd
                r = c.auth(scheme, "x:y")
                run.record(f"auth {scheme!r}", r, "AUTHFAILED")
                run.note(f"auth {scheme!r} closes the connection",
                         {"err": "closed" if c.wait_for_close(CLOSE_WAIT_S) else "open"},
                         "closed")
                back = run.conn(session_id=sid, passwd=pw)
                run.note(f"auth {scheme!r} session still valid",
                         {"err": "valid" if back.session.session_id == sid else "gone"},
                         "valid")
        self.run_both(scenario)

    def test_digest_with_the_wrong_password_does_not_match(self):
        def scenario(run):
            node = run.make(run.base + "/a", acl=[ACL(ALL, "digest", ALICE)], data=b"s")
            for pw in ("alice:wrong", "alice:Secret", "alice:secret ", "alice", "alice:",
                       ALICE, "Alice:secret"):
                c = run.conn()
                run.record(f"addauth digest {pw!r}", c.auth("digest", pw), "OK")
                run.record(f"getData as {pw!r}", c.get_data(node), "NOAUTH")
            run.record("getData as alice:secret", run.conn(ALICE_PW).get_data(node), "OK")
            c = run.conn("alice:wrong", ALICE_PW)
            run.record("getData with a wrong and the right identity", c.get_data(node), "OK")
        self.run_both(scenario)

    def test_auth_of_one_session_does_not_leak_to_another(self):
        def scenario(run):
            node = run.make(run.base + "/a", acl=[ACL(ALL, "digest", ALICE)], data=b"s")
            alice, other = run.conn(ALICE_PW), run.conn()
            run.record("alice reads", alice.get_data(node), "OK")
            run.record("other session, same client address", other.get_data(node), "NOAUTH")
            run.record("other session whoAmI", other.who_am_i(), "OK")
            su = run.conn("super:test")
            run.record("super reads", su.get_data(node), "OK")
            run.record("other session still denied after super", other.get_data(node),
                       "NOAUTH")
        self.run_both(scenario)

    def test_identities_belong_to_the_connection_not_the_session(self):
        def scenario(run):
            node = run.make(run.base + "/a", acl=[ACL(ALL, "digest", ALICE)], data=b"s")
            first = run.conn(ALICE_PW)
            run.record("first connection reads", first.get_data(node), "OK")
            sid, pw = first.session.session_id, first.session.passwd
            second = run.conn(session_id=sid, passwd=pw)
            run.note("reattached", {"err": "same session" if second.session.session_id == sid
                                    else "other"}, "same session")
            run.record("reattached without auth", second.get_data(node), "NOAUTH")
            run.record("whoAmI after reattach", second.who_am_i(), "OK")
            second.auth("digest", ALICE_PW)
            run.record("reattached after resending auth", second.get_data(node), "OK")
        self.run_both(scenario)

    def test_super_bypasses_every_check(self):
        def scenario(run):
            b = run.base
            node = run.make(b + "/none", acl=[ACL(0, "world", "anyone")], data=b"z")
            run.make(node + "/c")
            s = run.conn("super:test")
            run.record("getData", s.get_data(node), "OK")
            run.record("getChildren", s.get_children(node), "OK")
            run.record("getACL", s.get_acl(node), "OK")
            run.record("setData", s.set_data(node, b"y"), "OK")
            run.record("create child", s.create(node + "/d"), "OK")
            run.record("delete child", s.delete(node + "/d"), "OK")
            run.record("multi check", s.multi([jute.op_check(node, 1)]), "OK")
            run.record("setACL", s.set_acl(node, [ACL(0, "world", "anyone")]), "OK")
            run.record("exists", s.exists(node), "OK")
        self.run_both(scenario)

    # ---- ACL validation

    def test_invalid_acl_lists_are_refused_on_create_and_set_acl(self):
        bad = {
            "empty": [],
            "null": None,
            "unknown scheme": [ACL(31, "foo", "bar")],
            "world not anyone": [ACL(31, "world", "everyone")],
            "ip three parts": [ACL(31, "ip", "127.0.0")],
            "ip octet 256": [ACL(31, "ip", "127.0.0.256")],
            "ip bits 33": [ACL(31, "ip", "127.0.0.1/33")],
            "ip letters": [ACL(31, "ip", "localhost")],
            "ip v6": [ACL(31, "ip", "::1")],
            "digest no colon": [ACL(31, "digest", "alice")],
            "digest two colons": [ACL(31, "digest", "alice:x:y")],
            "super scheme": [ACL(31, "super", "")],
            "auth without identities": [ACL(31, "auth", "")],
            "good then bad": [ACL(31, "world", "anyone"), ACL(31, "ip", "nope")],
        }

        def scenario(run):
            target = run.make(run.base + "/target")
            c = run.conn()
            c.auth("ip", "")  # an ip identity is not an authenticated one for "auth"
            for name, acl in bad.items():
                run.record(f"create {name}", c.create(f"{run.base}/x", b"", acl), "INVALIDACL")
                run.record(f"setACL {name}", c.set_acl(target, acl), "INVALIDACL")
            run.record("nothing was created", c.exists(run.base + "/x"), "NONODE")
            run.record("target ACL unchanged", c.get_acl(target), "OK")
        self.run_both(scenario)

    def test_valid_but_unusual_acls_are_accepted_as_zookeeper_does(self):
        good = {
            "ip with bits": [ACL(31, "ip", "127.0.0.0/8")],
            "ip bits 0": [ACL(31, "ip", "0.0.0.0/0")],
            "ip leading zeros": [ACL(31, "ip", "127.000.000.001")],
            "digest trailing colon": [ACL(31, "digest", "alice:hash:")],
            "duplicates": [ACL(31, "world", "anyone"), ACL(31, "world", "anyone")],
            "perms zero": [ACL(0, "world", "anyone")],
            "perms beyond ALL": [ACL(0x7F, "world", "anyone")],
        }

        def scenario(run):
            c = run.conn()
            for i, (name, acl) in enumerate(good.items()):
                path = f"{run.base}/g{i}"
                run.record(f"create {name}", c.create(path, b"", acl), "OK")
                run.record(f"getACL {name}", run.admin.get_acl(path), "OK")
            run.record("ip 0.0.0.0/0 matches us", c.get_data(f"{run.base}/g1"), "OK")
            run.record("ip 127.000.000.001 matches us", c.get_data(f"{run.base}/g2"), "OK")
        self.run_both(scenario)


if __name__ == "__main__":
    unittest.main(verbosity=2)
