"""Random ZooKeeper trees: the filling workload, the walker and the comparison of two trees.

Shared by the compat tests that move a tree between Apache ZooKeeper and Paddock
(tests/compat/zk_import_test.py and tests/compat/zk_export_test.py).
Everything goes through the client protocol (kazoo 2.8, plus tests/lib/jute.py for what kazoo
lacks: containers, TTL nodes, raw multis with them), so it runs against either server.

- `Filler(server, rng)` builds a seeded random tree of more than MIN_NODES nodes on four levels
  and keeps a model of it: persistent and sequential nodes, ephemerals of two sessions kept open
  (`owners`) and two that are closed explicitly (`doomed`), containers with children, TTL nodes,
  data empty / null / text / binary up to 4 KiB, ten ACL lists (digest alice and bob, world, ip,
  `auth`, mixed permissions), then `mutate()` (setData, deletes, setACL), `multis()` (kazoo's
  and raw ones, failing ones create nothing named `never...`), `close_doomed(i)`, `tail(n)`.
- `walk(zk)` reads the whole tree breadth-first: path -> Node(data, stat, acl, children).
- `tree_diffs(a, b, names)` / `node_diffs(...)`: one line per difference (data bytes, each of
  the eleven Stat fields, the ACL list in order), empty when equal.

Clients authenticate as both digest identities (AUTHS), so every node the Filler makes is
readable by the walker. Use /usr/bin/python3 (Debian's kazoo).
"""

import collections
import os
import re
import subprocess
from pathlib import Path

import jute
import zkservers

from kazoo.client import KazooClient
from kazoo.protocol.states import ZnodeStat
from kazoo.retry import KazooRetry
from kazoo.security import (
    CREATOR_ALL_ACL, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, make_acl, make_digest_acl)

SESSION_TIMEOUT_S = 90.0  # default for new_client() and the Filler's sessions
WAIT_S = 30.0
MIN_NODES = 10000
PLANNED_NODES = 12000  # before the deletes

AUTHS = [("digest", "alice:secret"), ("digest", "bob:pw")]
WORLD = ("world", "anyone")

# ACL lists under which the filling client (alice and bob) may do everything...
FULL_ACLS = [
    OPEN_ACL_UNSAFE,
    [make_digest_acl("alice", "secret", all=True), make_acl(*WORLD, read=True)],
    [make_digest_acl("alice", "secret", all=True)],
    [make_digest_acl("bob", "pw", all=True), make_acl(*WORLD, read=True, create=True)],
    [make_acl("ip", "127.0.0.1", all=True)],
    CREATOR_ALL_ACL,
    [make_digest_acl("alice", "secret", all=True), make_digest_acl("bob", "pw", read=True,
                                                                     write=True),
     make_acl(*WORLD, read=True)],
]
# ... and lists that leave it less (only on nodes nothing touches afterwards). All grant READ
# to alice, bob or the world, so the comparing client reads every node.
RESTRICTIVE_ACLS = [
    READ_ACL_UNSAFE,
    [make_digest_acl("bob", "pw", read=True, write=True)],
    [make_digest_acl("alice", "secret", read=True, admin=True),
     make_acl(*WORLD, create=True, delete=True)],
]
STAT_FIELDS = ZnodeStat._fields

Node = collections.namedtuple("Node", "data stat acl children")


def log(msg):
    print(msg, flush=True)


def admin_binary():
    """$PADDOCK_ADMIN, else paddock-admin next to paddock-server."""
    if os.environ.get("PADDOCK_ADMIN"):
        return Path(os.environ["PADDOCK_ADMIN"])
    return Path(zkservers.paddock_binary()).parent / "paddock-admin"


def new_client(server, session_timeout_s=None, **kwargs):
    zk = KazooClient(hosts=server.connect_string, timeout=session_timeout_s or SESSION_TIMEOUT_S,
                     auth_data=AUTHS,
                     connection_retry=KazooRetry(max_tries=-1, delay=0.1, max_delay=1.0),
                     randomize_hosts=False, **kwargs)
    zk.start(timeout=WAIT_S)
    return zk


def stop_client(zk):
    try:
        zk.stop()
        zk.close()
    except Exception:  # noqa: BLE001 -- cleanup of a client whose server may be gone
        pass


def settle(result):
    """The value of a kazoo IAsyncResult, or the exception it failed with."""
    try:
        return result.get(timeout=WAIT_S)
    except Exception as e:  # noqa: BLE001 -- the caller decides which errors are expected
        return e


def run_async(calls, window=800):
    """Runs zero-argument callables returning IAsyncResults, at most `window` in flight, and
    returns their outcomes in order."""
    out, pending = [], collections.deque()
    for call in calls:
        pending.append(call())
        if len(pending) >= window:
            out.append(settle(pending.popleft()))
    while pending:
        out.append(settle(pending.popleft()))
    return out


def jute_acl(acl):
    return [jute.ACL(a.perms, a.id.scheme, a.id.id) for a in acl]


def raw_pipeline(conn, requests, window=200):
    """Sends (opcode, body) requests on a raw connection, `window` at a time; returns Replies."""
    out = []
    for i in range(0, len(requests), window):
        sent = [(conn.submit(op, body), op) for op, body in requests[i:i + window]]
        out += [conn.read_reply(xid, op) for xid, op in sent]
    return out


def multi_errors(reply):
    """Per-op error names of a raw multi reply (a failed multi may answer OK in its header)."""
    value = reply.value
    if reply.err != 0:
        value = jute.decode_response(jute.OP["multi"], value) if value else []
    return [jute.err_name(r.err) if r.type != jute.OP["error"] else jute.err_name(r.value)
            for r in value or []]

def copy_sparse(src, dst):
    """Copies a ZooKeeper data dir keeping its preallocated logs sparse."""
    subprocess.run(["cp", "-a", "--sparse=always", str(src), str(dst)], check=True)


def manifest(directory):
    return sorted((str(p.relative_to(directory)), p.stat().st_size, p.stat().st_mtime_ns)
                  for p in Path(directory).rglob("*") if p.is_file())


def zookeeper_zxid(server):
    text = zkservers.four_letter_word(server.port, "srvr")
    m = re.search(r"Zxid: 0x([0-9a-fA-F]+)", text)
    assert m, f"no Zxid in srvr answer {text!r}"
    return int(m.group(1), 16)


def tracked_sessions(server):
    """Session ids of the SessionTracker section of `dump`."""
    text = zkservers.four_letter_word(server.port, "dump")
    section = text.split("ephemeral nodes dump:")[0]
    return {int(m, 16) for m in re.findall(r"^\t0x([0-9a-fA-F]+)\s*$", section, re.M)}



# --------------------------------------------------------------------------------------------
# Walking and comparing trees


def child_path(parent, name):
    return f"/{name}" if parent == "/" else f"{parent}/{name}"


def walk(zk, chunk=400):
    """Breadth-first walk of the whole tree: path -> Node(data, stat, acl, children)."""
    nodes, level = {}, ["/"]
    while level:
        nxt = []
        for i in range(0, len(level), chunk):
            paths = level[i:i + chunk]
            asyncs = [(p, zk.get_async(p), zk.get_children_async(p), zk.get_acls_async(p))
                      for p in paths]
            for p, g, c, a in asyncs:
                got, kids, acls = settle(g), settle(c), settle(a)
                if isinstance(got, Exception):
                    data = stat = f"error {type(got).__name__}"
                else:
                    data, stat = got[0], tuple(got[1])
                if isinstance(acls, Exception):
                    acl = f"error {type(acls).__name__}"
                else:
                    acl = tuple((x.perms, x.id.scheme, x.id.id) for x in acls[0])
                if isinstance(kids, Exception):
                    children = f"error {type(kids).__name__}"
                else:
                    children = tuple(sorted(kids))
                    nxt += [child_path(p, k) for k in children]
                nodes[p] = Node(data, stat, acl, children)
        level = nxt
    return nodes


def show_data(d):
    if not isinstance(d, bytes):
        return repr(d)
    return f"{len(d)} bytes {d[:24]!r}{'...' if len(d) > 24 else ''}"


def node_diffs(path, a, b, names, skip_fields=()):
    out = []
    if a.data != b.data:
        out.append(f"{path}: data {names[0]} {show_data(a.data)} != {names[1]} "
                   f"{show_data(b.data)}")
    if isinstance(a.stat, tuple) and isinstance(b.stat, tuple):
        for field, x, y in zip(STAT_FIELDS, a.stat, b.stat):
            if x != y and field not in skip_fields:
                out.append(f"{path}: {field} {names[0]} {x:#x} != {names[1]} {y:#x}"
                           if "zxid" in field or field == "ephemeralOwner" else
                           f"{path}: {field} {names[0]} {x} != {names[1]} {y}")
    elif a.stat != b.stat:
        out.append(f"{path}: stat {names[0]} {a.stat} != {names[1]} {b.stat}")
    if a.acl != b.acl:
        out.append(f"{path}: acl {names[0]} {a.acl} != {names[1]} {b.acl}")
    return out


def tree_diffs(ref, got, names):
    out = [f"{p}: only on {names[0]}" for p in sorted(ref.keys() - got.keys())]
    out += [f"{p}: only on {names[1]}" for p in sorted(got.keys() - ref.keys())]
    for p in sorted(ref.keys() & got.keys()):
        out += node_diffs(p, ref[p], got[p], names)
    return out


def is_ephemeral(node):
    # The client Stat shows 0 for containers and TTL nodes: non-zero is a session's ephemeral.
    return isinstance(node.stat, tuple) and node.stat[STAT_FIELDS.index("ephemeralOwner")] != 0


def failure_text(diffs, limit=25):
    head = "\n  ".join(diffs[:limit])
    more = f"\n  ... and {len(diffs) - limit} more" if len(diffs) > limit else ""
    return f"{len(diffs)} differences:\n  {head}{more}"


# --------------------------------------------------------------------------------------------
# The workload


class Filler:
    """Builds the random tree on a live ZooKeeper and keeps a model of what it made."""

    def __init__(self, server, rng, session_timeout_s=None):
        self.server, self.rng = server, rng
        self.session_timeout_s = session_timeout_s or SESSION_TIMEOUT_S
        self.admin = self.client()             # owns no ephemerals: a carried idle session
        self.owners = [self.client(), self.client()]  # kept open
        self.doomed = [self.client(), self.client()]  # closed explicitly
        self.late_owner = None                 # opened after the newest snapshot
        self.raw = jute.Connection(zkservers.LOOPBACK, server.port, WAIT_S)
        self.raw.handshake(int(self.session_timeout_s * 1000))
        for scheme, cred in AUTHS:
            r = self.raw.auth(scheme, cred)
            assert r.err == 0, f"raw addauth {cred}: {jute.err_name(r.err)}"
        self.kind = {}      # path -> kind
        self.children = collections.defaultdict(set)
        self.frozen = set()  # restrictive ACL: never written again
        self.deleted = set()
        self.counter = 0
        self.stats = collections.Counter()

    def client(self):
        return new_client(self.server, self.session_timeout_s)

    def clients(self):
        return [c for c in [self.admin, *self.owners, *self.doomed, self.late_owner] if c]

    # ---- random choices

    def data(self):
        r = self.rng.random()
        if r < 0.08:
            return b""
        if r < 0.12:
            return None
        if r < 0.55:
            return f"value-{self.rng.randrange(10**6)}".encode()
        if r < 0.9:
            return self.rng.randbytes(self.rng.randrange(1, 300))
        return self.rng.randbytes(self.rng.randrange(300, 4097))

    def name(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def ttl(self):
        return self.rng.randrange(3_600_000, 864_000_000)

    # ---- creating

    def create_level(self, specs):
        """specs: (parent, prefix, kind, acl, frozen). Creates them all; returns new paths."""
        kazoo_calls, kazoo_specs, raw_reqs, raw_specs = [], [], [], []
        for parent, prefix, kind, acl, frozen in specs:
            path = child_path(parent, self.name(prefix))
            data = self.data()
            if kind in ("container", "ttl", "ttl_seq"):
                flags = {"container": jute.FLAG_CONTAINER, "ttl": jute.FLAG_TTL,
                         "ttl_seq": jute.FLAG_SEQUENTIAL_TTL}[kind]
                if kind == "container":
                    raw_reqs.append((jute.OP["createContainer"],
                                     jute.create_request(path, data, jute_acl(acl), flags)))
                else:
                    raw_reqs.append((jute.OP["createTTL"], jute.create_ttl_request(
                        path, data, jute_acl(acl), flags, self.ttl())))
                raw_specs.append((parent, kind, frozen))
                continue
            ephemeral = kind.startswith("ephemeral")
            client = self.admin
            if ephemeral:
                client = self.rng.choices([*self.owners, *self.doomed], [4, 4, 1, 1])[0]
            kazoo_calls.append(lambda c=client, p=path, d=data, a=acl, e=ephemeral,
                               s=kind.endswith("_seq"): c.create_async(p, d, acl=a, ephemeral=e,
                                                                        sequence=s))
            kazoo_specs.append((parent, kind, frozen))
        created = []
        results = run_async(kazoo_calls)
        replies = raw_pipeline(self.raw, raw_reqs)
        for (parent, kind, frozen), res in zip(kazoo_specs, results):
            assert not isinstance(res, Exception), f"create under {parent}: {res!r}"
            created.append(self._add(res, parent, kind, frozen))
        for (parent, kind, frozen), r in zip(raw_specs, replies):
            assert r.err == 0, f"raw create {kind} under {parent}: {jute.err_name(r.err)}"
            created.append(self._add(r.value[0], parent, kind, frozen))
        return created

    def _add(self, path, parent, kind, frozen):
        self.kind[path] = kind
        self.children[parent].add(path)
        if frozen:
            self.frozen.add(path)
        self.stats[kind] += 1
        return path

    def live(self, pred=lambda p: True):
        return sorted(p for p in self.kind if p not in self.deleted and pred(p))

    def writable(self, p):
        return p not in self.frozen and p not in self.deleted

    def build_tree(self):
        rng = self.rng
        self.create_level([("/", "imp", "persistent", OPEN_ACL_UNSAFE, False)])
        top = self.live()
        level1 = self.create_level(
            [(top[0], "a", k, rng.choice(FULL_ACLS), False)
             for k in ["persistent"] * 8 + ["container", "ttl"]])
        level2 = self.create_level(
            [(p, "b", rng.choices(["persistent", "persistent_seq", "container", "ttl"],
                                  [70, 10, 10, 10])[0], rng.choice(FULL_ACLS), False)
             for p in level1 for _ in range(rng.randint(10, 16))])
        specs = []
        for p in level2:
            for _ in range(rng.randint(55, 105)):
                kind = rng.choices(
                    ["persistent", "persistent_seq", "ephemeral", "ephemeral_seq", "ttl",
                     "ttl_seq", "container"], [50, 12, 12, 6, 6, 2, 4])[0]
                frozen = kind != "container" and rng.random() < 0.12
                acl = rng.choice(RESTRICTIVE_ACLS if frozen else FULL_ACLS)
                specs.append((p, "c-" if kind.endswith("_seq") else "c", kind, acl, frozen))
        level3 = self.create_level(specs)
        specs = []
        for p in level3:
            kind = self.kind[p]
            if kind == "container":
                specs += [(p, "k", "persistent", rng.choice(FULL_ACLS), False)
                          for _ in range(rng.randint(1, 3))]
            elif p not in self.frozen and not kind.startswith("ephemeral") and \
                    rng.random() < 0.07:
                specs += [(p, "d", rng.choice(["persistent", "persistent", "ephemeral",
                                               "ttl", "persistent_seq"]),
                           rng.choice(FULL_ACLS), False) for _ in range(rng.randint(1, 4))]
        self.level4 = self.create_level(specs)
        self.dirs = [p for p in level2 if p not in self.frozen]
        # Topped up to PLANNED_NODES, so that more than MIN_NODES are left whatever the seed.
        self.create_level([(rng.choice(self.dirs), "e", rng.choice(["persistent", "ttl"]),
                            rng.choice(FULL_ACLS), False)
                           for _ in range(PLANNED_NODES - len(self.kind))])
        self.leaf_parents = level3

    def mutate(self):
        rng = self.rng
        # setData, several times on some nodes.
        targets = [p for p in self.live(self.writable) if rng.random() < 0.25]
        calls = []
        for p in targets:
            for _ in range(rng.choice([1, 1, 1, 2, 3, 5])):
                calls.append(lambda p=p, d=self.data(): self.admin.set_async(p, d))
        errors = [r for r in run_async(calls) if isinstance(r, Exception)]
        assert not errors, f"setData: {errors[:5]}"
        self.stats["setData"] += len(calls)
        # Deletes of childless leaves (not the only children of small containers).
        level4 = set(self.level4)
        def deletable(p):
            parent = p.rsplit("/", 1)[0]
            return (not self.children[p] - self.deleted and self.kind[p] != "container"
                    and not (self.kind.get(parent) == "container" and p in level4))
        victims = [p for p in self.live(deletable) if p.count("/") >= 4 and rng.random() < 0.08]
        errors = [r for r in run_async([lambda p=p: self.admin.delete_async(p) for p in victims])
                  if isinstance(r, Exception)]
        assert not errors, f"delete: {errors[:5]}"
        self.deleted.update(victims)
        self.stats["delete"] += len(victims)
        # New sequential nodes after the deletes: the suffixes count on.
        self.create_level([(rng.choice(self.dirs), "s-", rng.choice(
            ["persistent_seq", "ephemeral_seq", "ttl_seq"]), rng.choice(FULL_ACLS), False)
            for _ in range(300)])
        # setACL, some twice, some with an expected aversion; the node is left alone afterwards.
        targets = [p for p in self.live(self.writable) if p.count("/") >= 4
                   and rng.random() < 0.04]
        calls = []
        for p in targets:
            calls.append(lambda p=p, a=rng.choice(FULL_ACLS): self.admin.set_acls_async(p, a, 0))
            if rng.random() < 0.3:
                calls.append(lambda p=p, a=rng.choice(FULL_ACLS + RESTRICTIVE_ACLS):
                             self.admin.set_acls_async(p, a))
        errors = [r for r in run_async(calls) if isinstance(r, Exception)]
        assert not errors, f"setACL: {errors[:5]}"
        self.frozen.update(targets)
        self.stats["setACL"] += len(calls)

    def multis(self, ok_count, fail_count, raw_ok, raw_fail):
        rng = self.rng
        writable = self.live(lambda p: self.writable(p) and not self.kind[p].startswith(
            "ephemeral"))
        deletable = self.live(lambda p: self.writable(p) and p.count("/") >= 4
                              and self.kind[p] in ("persistent", "persistent_seq", "ttl")
                              and not self.children[p] - self.deleted
                              and self.kind.get(p.rsplit("/", 1)[0]) != "container")
        rng.shuffle(deletable)
        del deletable[ok_count // 3 + 1:]
        victims = set(deletable)
        writable = [p for p in writable if p not in victims]
        txns, expect_ok, made = [], [], []
        for i in range(ok_count):
            t = self.admin.transaction()
            variant = i % 3
            if variant == 0:
                p = child_path(rng.choice(self.dirs), self.name("m"))
                t.create(p, self.data() or b"", acl=rng.choice(FULL_ACLS))
                t.set_data(p, self.data() or b"x")
                t.create(p + "/c", b"child")
                t.check(p, 1)
                made += [(p, "persistent"), (p + "/c", "persistent")]
            elif variant == 1 and deletable:
                victim = deletable.pop()
                t.delete(victim)
                t.create(victim.rsplit("/", 1)[0] + "/ms-", b"after delete", sequence=True)
                self.deleted.add(victim)
            else:
                for p in rng.sample(writable, 2):
                    t.set_data(p, self.data() or b"y")
            txns.append(t)
            expect_ok.append(True)
        for i in range(fail_count):
            t = self.admin.transaction()
            d = rng.choice(self.dirs)
            never = child_path(d, self.name("never"))
            variant = i % 4
            if variant == 0:
                t.create(never, b"n")
                t.set_data(rng.choice(writable), b"never set")
                t.check(rng.choice(writable), 10**6)
            elif variant == 1:
                t.create(never, b"n")
                t.create(rng.choice(writable), b"exists")
            elif variant == 2:
                t.set_data(rng.choice(writable), b"never set")
                t.delete(never + "-missing")
            else:
                t.create(never, b"n")
                t.create(never + "/c", b"n", ephemeral=True)
                t.create(never, b"again")
            txns.append(t)
            expect_ok.append(False)
        results = run_async([t.commit_async for t in txns])
        for ok, res in zip(expect_ok, results):
            assert not isinstance(res, Exception), f"multi: {res!r}"
            failed = [r for r in res if isinstance(r, Exception)]
            assert bool(failed) != ok, f"multi expected {'ok' if ok else 'to fail'}: {res}"
            if ok:
                for r in res:
                    if isinstance(r, str) and "/ms-" in r:
                        self._add(r, r.rsplit("/", 1)[0], "persistent_seq", False)
        for p, kind in made:
            self._add(p, p.rsplit("/", 1)[0], kind, False)
        self.stats["multi ok"] += ok_count
        self.stats["multi failed"] += fail_count
        # Raw multis with createContainer and createTTL inside (kazoo 2.8 has neither).
        reqs, expect = [], []
        for _ in range(raw_ok):
            d = rng.choice(self.dirs)
            c, t = child_path(d, self.name("rc")), child_path(d, self.name("rt"))
            reqs.append((jute.OP["multi"], jute.multi_request([
                (jute.OP["createContainer"], jute.create_request(c, b"rc", flags=4)),
                (jute.OP["create"], jute.create_request(c + "/x", self.data())),
                (jute.OP["createTTL"], jute.create_ttl_request(t, b"rt", ttl=self.ttl())),
                (jute.OP["setData"], jute.set_data_request(t, self.data(), 0)),
            ])))
            expect.append([(c, "container"), (c + "/x", "persistent"), (t, "ttl")])
        for _ in range(raw_fail):
            d = rng.choice(self.dirs)
            reqs.append((jute.OP["multi"], jute.multi_request([
                (jute.OP["createTTL"], jute.create_ttl_request(
                    child_path(d, self.name("never-rt")), b"n", ttl=self.ttl())),
                (jute.OP["createContainer"], jute.create_request(
                    child_path(d, self.name("never-rc")), b"n", flags=4)),
                (jute.OP["create"], jute.create_request(rng.choice(writable), b"exists")),
            ])))
            expect.append(None)
        for r, new_nodes in zip(raw_pipeline(self.raw, reqs), expect):
            errs = multi_errors(r)
            if new_nodes is None:
                assert "NODEEXISTS" in errs, f"raw failing multi: {errs}"
            else:
                assert r.err == 0 and set(errs) == {"OK"}, f"raw multi: {errs}"
                for p, kind in new_nodes:
                    self._add(p, p.rsplit("/", 1)[0], kind, False)
        self.stats["raw multi ok"] += raw_ok
        self.stats["raw multi failed"] += raw_fail

    def close_doomed(self, i):
        """Closes a session explicitly (closeSession): its ephemerals go."""
        zk = self.doomed[i]
        mine = [p for p in self.live(lambda p: self.kind[p].startswith("ephemeral"))]
        owned = {p for p, r in zip(mine, run_async([lambda p=p: zk.exists_async(p)
                                                    for p in mine]))
                 if not isinstance(r, Exception) and r and r.ephemeralOwner == zk.client_id[0]}
        # A few of them are deleted first, one by one.
        first = sorted(owned)[:5]
        run_async([lambda p=p: zk.delete_async(p) for p in first])
        zk.stop()
        zk.close()
        self.deleted.update(owned)
        self.stats["sessions closed"] += 1

    def tail(self, round_no):
        """Writes that follow the newest snapshot (fewer than snapCount / 2 per round)."""
        rng = self.rng
        if round_no == 0:
            self.late_owner = self.client()
            paths = run_async([lambda d=rng.choice(self.dirs): self.late_owner.create_async(
                child_path(d, self.name("late")), self.data(), ephemeral=True)
                for _ in range(25)])
            for p in paths:
                assert not isinstance(p, Exception), p
                self._add(p, p.rsplit("/", 1)[0], "ephemeral", False)
            self.close_doomed(1)
        targets = rng.sample(self.live(self.writable), 200)
        errors = [r for r in run_async([lambda p=p: self.admin.set_async(p, self.data())
                                        for p in targets]) if isinstance(r, Exception)]
        assert not errors, f"tail setData: {errors[:5]}"
        self.create_level([(rng.choice(self.dirs), "t", rng.choice(
            ["persistent", "persistent_seq", "ttl", "container"]), rng.choice(FULL_ACLS),
            False) for _ in range(40)])
        self.multis(4, 2, 2, 1)

    def close_raw(self):
        r = self.raw.call(jute.OP["closeSession"])
        assert r.err == 0, f"raw closeSession: {jute.err_name(r.err)}"
        self.raw.close()

