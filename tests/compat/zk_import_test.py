#!/usr/bin/python3
"""`paddock-admin import-zookeeper`, checked against the real Apache ZooKeeper it imports from.

What it proves (issue #15's acceptance): a real ZooKeeper 3.8.0 (Debian's) filled with a random
tree is stopped and imported; the imported Paddock data directory then serves exactly the tree a
ZooKeeper restarted on the same data serves, node for node, through the client protocol: the
path set, every node's data bytes (null and empty kept apart), all eleven Stat fields (czxid,
mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, dataLength, numChildren,
pzxid) and the ACL list in order. The open sessions are carried with their ephemerals (the
session ids `dump` lists are compared as well); with `--drop-sessions` there are no sessions and
no ephemerals and the persistent nodes are otherwise the same. A log record damaged after its
checksum was written is refused with a message naming the file and the byte offset, and a
missing --from directory is refused too.

Why against a real ZooKeeper: the importer reads ZooKeeper's own files (the newest valid
snapshot, a fuzzy one, plus the transaction logs after it: src/datadir/zk_import.h),
and the only authority on what those files mean is ZooKeeper loading them itself.

How:
1. ZooKeeper starts with extendedTypesEnabled=true (TTL nodes), a container check interval of an
   hour (nothing is reaped while the test runs), snapCount=2000 (several snapshots and logs; a
   snapshot is written while requests keep being applied, so it is fuzzy) and forceSync=no
   (speed only; a kill -9 keeps what was written).
2. A seeded workload (random.Random(seed); the seed is printed, PADDOCK_IMPORT_SEED replays
   one) builds > 10,000 nodes on four levels through kazoo and through tests/lib/jute.py (kazoo
   2.8 has no containers or TTL nodes): persistent and persistent sequential nodes, ephemeral
   and ephemeral sequential nodes of three sessions kept open, containers with children, TTL and
   TTL sequential nodes, data empty / null / text / binary up to 4 KiB, ten ACL lists (digest
   alice and bob, world, ip, `auth`, mixed permission bits), setData several times on a quarter
   of the nodes, setACL (some twice), deletes (so pzxid moves and cversion counts deletes),
   successful and failing multis, kazoo's and raw ones with createContainer/createTTL inside
   (every node a failing multi would have created is named `never...`, and none may exist),
   two sessions closed explicitly (their ephemerals gone). A tail of writes, one new session
   holding ephemerals and one session close follow the newest snapshot, so the importer must
   replay them from the logs; the test checks that the newest snapshot lies strictly inside the
   logs before it stops ZooKeeper.
3. The live tree is walked, then ZooKeeper is killed with SIGKILL while the ephemeral owners'
   sessions are open (no closeSession is written, so they are in its data). Its data directory
   is kept untouched from here on (the test checks the importer does not change it).
4. The importer runs twice: without flags (--from <dataDir>) and with --drop-sessions (--from
   <dataDir>/version-2). Exit codes are checked, summary lines printed as RESULT lines.
5. A ZooKeeper restarted on a sparse copy of the data (restarting writes a new snapshot, so the
   original stays pristine for the importer) is the reference; paddock-server runs on each
   imported directory. All three are walked promptly, breadth-first through kazoo (getData with
   the Stat, getChildren, getACL), by a client holding both digest identities. Sessions are
   opened with a 90 s timeout, and restored sessions live that long after a restart, so the
   walks happen well before the carried ephemerals could expire.
6. The live tree must equal the restarted ZooKeeper's (this validates the walker and the
   workload); the import must equal the reference. /zookeeper, /zookeeper/quota and
   /zookeeper/config are compared like every other node: a standalone server has no dynamic
   config and both servers show the same empty nodes, so nothing is skipped.

--drop-sessions: the expectation is what ZooKeeper itself does to the ephemerals of a session
that is gone when it loads its data (ZooKeeperServer.loadData deletes them): the parent loses the
children (numChildren - d), its client-visible cversion counts the d deletes (+ d, because
ZooKeeper reports 2 * creates - children), and its pzxid may move forward, at most to the last
zxid; every other field of every other node is unchanged.

The Paddock half needs build/bin/paddock-admin ($PADDOCK_ADMIN, else next to $PADDOCK_SERVER).
Missing, it fails the Paddock tests; PADDOCK_IMPORT_DEV_SKIP=1 turns that into a skip, for
developing the ZooKeeper half only.

Run: /usr/bin/python3 tests/compat/zk_import_test.py [-v]
(PADDOCK_SERVER names paddock-server; ctest sets it; PADDOCK_IMPORT_KEEP=1 keeps the temporary
directory.) A run takes about 30 s.
"""

import collections
import logging
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import jute  # noqa: E402
import zkservers  # noqa: E402

from kazoo.client import KazooClient  # noqa: E402
from kazoo.protocol.states import ZnodeStat  # noqa: E402
from kazoo.retry import KazooRetry  # noqa: E402
from kazoo.security import (  # noqa: E402
    ACL, CREATOR_ALL_ACL, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, make_acl, make_digest_acl)

logging.basicConfig(level=logging.CRITICAL)  # kazoo logs reconnect noise at WARNING
warnings.filterwarnings("ignore", category=DeprecationWarning, module="kazoo")

SESSION_TIMEOUT_S = 90.0
ZOOKEEPER_CFG = {
    "tickTime": 2000,
    "maxSessionTimeout": 180000,
    "extendedTypesEnabled": "true",
    "znode.container.checkIntervalMs": 3600000,
    "snapCount": 2000,
    "forceSync": "no",
}
PADDOCK_CFG = {
    "tickTime": 2000,
    "maxSessionTimeout": 180000,
    "extendedTypesEnabled": "true",
    "znode.container.checkIntervalMs": 3600000,
}
WAIT_S = 30.0
IMPORT_TIMEOUT_S = 300.0
MIN_NODES = 10000
PLANNED_NODES = 12000  # before the deletes
TAIL_MIN_TXNS = 300  # transactions the importer must replay after the newest snapshot

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


def new_client(server, **kwargs):
    zk = KazooClient(hosts=server.connect_string, timeout=SESSION_TIMEOUT_S, auth_data=AUTHS,
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


# --------------------------------------------------------------------------------------------
# ZooKeeper's files


def zxid_of(name, prefix):
    parts = name.split(".")
    if len(parts) < 2 or parts[0] != prefix:
        return None
    try:
        return int(parts[1], 16)
    except ValueError:
        return None


def files_by_zxid(v2dir, prefix):
    out = []
    for p in Path(v2dir).iterdir():
        z = zxid_of(p.name, prefix)
        if z is not None and not p.name.endswith(".tmp"):
            out.append((z, p))
    return sorted(out)


def valid_snapshot(path):
    """ZooKeeper's quick screen for an uncompressed snapshot: it ends with the string "/"."""
    size = path.stat().st_size
    if size < 10:
        return False
    with open(path, "rb") as f:
        f.seek(size - 5)
        return f.read(5) == b"\x00\x00\x00\x01/"


def snapshot_digest_zxid(path):
    """The zxid of the tree digest at a snapshot's end (the last txn whose effect the fuzzy
    snapshot may hold), or None without a digest."""
    data = path.read_bytes()
    tail = data[-46:]
    if len(tail) < 46 or tail[8:13] != b"\x00\x00\x00\x01/":
        return None
    zxid, version = struct.unpack(">qi", tail[13:25])
    return zxid if version == 2 else None


LogRecord = collections.namedtuple("LogRecord", "offset length zxid")


def log_records(path):
    """The complete records of a txn log file: (offset of the record, payload length, zxid)."""
    out = []
    with open(path, "rb") as f:
        if len(f.read(16)) < 16:
            return out
        offset = 16
        while True:
            head = f.read(12)
            if len(head) < 12:
                break
            _crc, length = struct.unpack(">qi", head)
            if length <= 0:
                break
            payload = f.read(length)
            if len(payload) < length or f.read(1) != b"B":
                break
            out.append(LogRecord(offset, length, struct.unpack(">q", payload[12:20])[0]))
            offset += 12 + length + 1
    return out


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

    def __init__(self, server, rng):
        self.server, self.rng = server, rng
        self.admin = new_client(server)        # owns no ephemerals: a carried idle session
        self.owners = [new_client(server), new_client(server)]  # kept open
        self.doomed = [new_client(server), new_client(server)]  # closed explicitly
        self.late_owner = None                 # opened after the newest snapshot
        self.raw = jute.Connection(zkservers.LOOPBACK, server.port, WAIT_S)
        self.raw.handshake(int(SESSION_TIMEOUT_S * 1000))
        for scheme, cred in AUTHS:
            r = self.raw.auth(scheme, cred)
            assert r.err == 0, f"raw addauth {cred}: {jute.err_name(r.err)}"
        self.kind = {}      # path -> kind
        self.children = collections.defaultdict(set)
        self.frozen = set()  # restrictive ACL: never written again
        self.deleted = set()
        self.counter = 0
        self.stats = collections.Counter()

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
            self.late_owner = new_client(self.server)
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


# --------------------------------------------------------------------------------------------
# The test


class ImportZookeeperTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.seed = int(os.environ.get("PADDOCK_IMPORT_SEED") or
                       random.SystemRandom().randrange(1 << 31))
        log(f"seed {cls.seed} (PADDOCK_IMPORT_SEED={cls.seed} replays this workload)")
        cls.tmp = Path(tempfile.mkdtemp(prefix="paddock-zkimport-"))
        cls.servers = []
        try:
            cls._prepare()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()
        if os.environ.get("PADDOCK_IMPORT_KEEP"):
            log(f"kept {cls.tmp}")
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def _prepare(cls):
        t0 = time.monotonic()
        zk = zkservers.start_zookeeper(cls.tmp / "zookeeper", ZOOKEEPER_CFG)
        cls.servers.append(zk)
        cls.zk_data = zk.tmpdir / "data"
        cls.v2 = cls.zk_data / "version-2"
        filler = Filler(zk, random.Random(cls.seed))
        try:
            filler.build_tree()
            filler.mutate()
            filler.multis(150, 40, 10, 10)
            filler.close_doomed(0)
            fill_s = time.monotonic() - t0
            # Writes after the newest snapshot, until it lies well inside the logs.
            for round_no in range(6):
                filler.tail(round_no)
                cls.final_zxid = zookeeper_zxid(zk)
                time.sleep(1.0)  # a snapshot the tail triggered has started by now
                zkservers.wait_until(
                    lambda: all(valid_snapshot(p) for _, p in files_by_zxid(cls.v2, "snapshot")
                                [-1:]), 10.0, what="the newest snapshot to be complete")
                cls.snap_zxid = files_by_zxid(cls.v2, "snapshot")[-1][0]
                if cls.final_zxid - cls.snap_zxid >= TAIL_MIN_TXNS:
                    break
            filler.close_raw()  # its session ends with a closeSession in the log
            cls.final_zxid = zookeeper_zxid(zk)
            cls.live_tree = walk(filler.admin)
            assert zookeeper_zxid(zk) == cls.final_zxid, "the walk wrote something"
            cls.live_sessions = {c.client_id[0] for c in filler.clients() if c.connected}
            log(f"RESULT zk import workload: {len(cls.live_tree)} nodes in {fill_s:.1f} s, "
                f"final zxid {cls.final_zxid:#x}; "
                + ", ".join(f"{k} {v}" for k, v in sorted(filler.stats.items())))
            zk.kill9()  # the owners' sessions stay open in ZooKeeper's data
        finally:
            for c in filler.clients():
                stop_client(c)
            filler.raw.close()
        cls.describe_files()
        cls.pristine = manifest(cls.zk_data)

        # The imports, from the untouched data.
        cls.admin = admin_binary()
        cls.imports = {}
        if os.access(cls.admin, os.X_OK):
            for name, src, flags in (("plain", cls.zk_data, []),
                                     ("drop", cls.v2, ["--drop-sessions"])):
                cls.imports[name] = cls.run_import(src, cls.tmp / f"paddock-{name}" / "data",
                                                   flags)
            cls.after_import = manifest(cls.zk_data)

        # The reference and the imports, walked promptly (restored sessions live 90 s).
        copy_sparse(cls.zk_data, cls.tmp / "reference")
        (cls.tmp / "zkref").mkdir()
        (cls.tmp / "reference").rename(cls.tmp / "zkref" / "data")
        ref = zkservers.start_zookeeper(cls.tmp / "zkref", ZOOKEEPER_CFG)
        cls.servers.append(ref)
        cls.trees, cls.sessions, cls.start_errors = {}, {}, {}
        targets = [("reference", ref)]
        for name, result in cls.imports.items():
            if result.returncode != 0:
                continue
            try:
                s = zkservers.start_paddock(cls.tmp / f"paddock-{name}", PADDOCK_CFG)
                cls.servers.append(s)
                targets.append((name, s))
            except RuntimeError as e:
                cls.start_errors[name] = str(e)
        t1 = time.monotonic()
        for name, server in targets:
            reader = new_client(server)
            try:
                cls.trees[name] = walk(reader)
                cls.sessions[name] = tracked_sessions(server) - {reader.client_id[0]}
            finally:
                stop_client(reader)
        log(f"RESULT zk import walks: " + ", ".join(f"{n} {len(t)} nodes"
                                                     for n, t in cls.trees.items())
            + f" in {time.monotonic() - t1:.1f} s (sessions must last {SESSION_TIMEOUT_S:.0f} s)")
        for s in cls.servers:
            s.stop()

    @classmethod
    def describe_files(cls):
        snaps = files_by_zxid(cls.v2, "snapshot")
        logs = files_by_zxid(cls.v2, "log")
        cls.snapshots, cls.logs = snaps, logs
        newest = snaps[-1][1]
        digest_zxid = snapshot_digest_zxid(newest)
        cls.replay_count = sum(1 for _, p in logs for r in log_records(p)
                               if r.zxid > cls.snap_zxid)
        fuzz = (f"its digest is at {digest_zxid:#x} ({digest_zxid - cls.snap_zxid} txns "
                f"past its name)" if digest_zxid else "no digest")
        log(f"RESULT zk import files: {len(snaps)} snapshots, {len(logs)} logs "
            f"({', '.join(p.name for _, p in logs)}); newest snapshot {newest.name} "
            f"({fuzz}); {cls.replay_count} log entries after it, last zxid {cls.final_zxid:#x}")

    @classmethod
    def run_import(cls, src, dst, flags=()):
        argv = [str(cls.admin), "import-zookeeper", "--from", str(src), "--to", str(dst),
                *flags]
        dst.parent.mkdir(parents=True, exist_ok=True)
        t = time.monotonic()
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=IMPORT_TIMEOUT_S)
        r.seconds = time.monotonic() - t
        summary = [line for line in r.stdout.splitlines() if line.startswith("imported")]
        r.summary = summary[0] if summary else None
        log(f"RESULT zk import {' '.join(flags) or '(no flags)'}: exit {r.returncode} in "
            f"{r.seconds:.1f} s: {r.summary or r.stdout.strip()[-300:]}"
            + (f"\n  stderr: {r.stderr.strip()[-1000:]}" if r.stderr.strip() else ""))
        return r

    # ---- helpers

    def need_importer(self):
        if not os.access(self.admin, os.X_OK):
            msg = (f"paddock-admin not found or not executable: {self.admin} (build it, or set "
                   "PADDOCK_ADMIN)")
            if os.environ.get("PADDOCK_IMPORT_DEV_SKIP") == "1":
                self.skipTest(msg + "; skipped because PADDOCK_IMPORT_DEV_SKIP=1")
            self.fail(msg)

    def imported(self, name):
        self.need_importer()
        r = self.imports[name]
        self.assertEqual(r.returncode, 0, f"import {name} failed:\n{r.stdout}\n{r.stderr}")
        self.assertIsNotNone(r.summary, f"no line starting with 'imported' on stdout:\n"
                                        f"{r.stdout}")
        self.assertNotIn(name, self.start_errors, self.start_errors.get(name))
        return self.trees[name]

    # ---- the tests

    def test_zookeeper_data_has_the_newest_snapshot_inside_the_logs(self):
        self.assertGreaterEqual(len(self.snapshots), 3, self.snapshots)
        self.assertGreaterEqual(len(self.logs), 3, self.logs)
        self.assertLessEqual(self.logs[0][0], self.snap_zxid, "no log before the snapshot")
        self.assertGreaterEqual(self.replay_count, TAIL_MIN_TXNS,
                                "too few log entries after the newest snapshot")

    def test_restarted_zookeeper_serves_the_live_tree(self):
        """Validates the walker and the workload: ZooKeeper's own recovery is the reference."""
        ref = self.trees["reference"]
        self.assertGreaterEqual(len(ref), MIN_NODES)
        diffs = tree_diffs(self.live_tree, ref, ("live", "restarted"))
        self.assertEqual(diffs, [], failure_text(diffs))
        kinds = collections.Counter(
            "ephemeral" if is_ephemeral(n) else "persistent" for n in ref.values())
        self.assertGreater(kinds["ephemeral"], 100, kinds)
        never = [p for p in ref if "/never" in p]
        self.assertEqual(never, [], "nodes of failed multis exist")
        self.assertEqual(self.sessions["reference"], self.live_sessions,
                         "restored sessions differ from the ones open at the kill")
        errors = [p for p, n in ref.items() if any(isinstance(f, str) and f.startswith("error")
                                                    for f in n)]
        self.assertEqual(errors, [], "nodes the comparing client could not read")

    def test_import_serves_the_same_tree(self):
        got = self.imported("plain")
        ref = self.trees["reference"]
        diffs = tree_diffs(ref, got, ("zookeeper", "paddock"))
        log(f"RESULT zk import compare: {len(ref)} nodes on ZooKeeper, {len(got)} on Paddock, "
            f"{sum(map(is_ephemeral, ref.values()))} ephemerals, {len(diffs)} differences")
        self.assertEqual(diffs, [], failure_text(diffs))
        self.assertEqual(self.sessions["plain"], self.sessions["reference"],
                         "sessions (dump's SessionTracker ids) differ")
        self.assertEqual(self.after_import, self.pristine, "the importer changed its --from dir")

    def test_import_dropping_sessions_has_no_ephemerals(self):
        got = self.imported("drop")
        ref = self.trees["reference"]
        dropped = collections.Counter(p.rsplit("/", 1)[0] or "/" for p, n in ref.items()
                                      if is_ephemeral(n))
        expected = {p: n for p, n in ref.items() if not is_ephemeral(n)}
        self.assertEqual([p for p, n in got.items() if is_ephemeral(n)], [],
                         "ephemerals left by --drop-sessions")
        diffs = [f"{p}: only on zookeeper" for p in sorted(expected.keys() - got.keys())]
        diffs += [f"{p}: only on paddock" for p in sorted(got.keys() - expected.keys())]
        idx = {f: i for i, f in enumerate(STAT_FIELDS)}
        for p in sorted(expected.keys() & got.keys()):
            a, b = expected[p], got[p]
            d = dropped.get(p, 0)
            if not d:
                diffs += node_diffs(p, a, b, ("zookeeper", "paddock"))
                continue
            diffs += node_diffs(p, a, b, ("zookeeper", "paddock"),
                                skip_fields=("numChildren", "cversion", "pzxid"))
            want = {"numChildren": a.stat[idx["numChildren"]] - d,
                    "cversion": a.stat[idx["cversion"]] + d}
            for field, value in want.items():
                if b.stat[idx[field]] != value:
                    diffs.append(f"{p}: {field} {b.stat[idx[field]]}, expected {value} after "
                                 f"dropping {d} ephemerals")
            pz = b.stat[idx["pzxid"]]
            if not a.stat[idx["pzxid"]] <= pz <= self.final_zxid:
                diffs.append(f"{p}: pzxid {pz:#x} outside [{a.stat[idx['pzxid']]:#x}, "
                             f"{self.final_zxid:#x}]")
        log(f"RESULT zk import --drop-sessions compare: {len(expected)} persistent nodes "
            f"expected, {len(got)} served, {sum(dropped.values())} ephemerals dropped, "
            f"{len(diffs)} differences")
        self.assertEqual(diffs, [], failure_text(diffs))
        self.assertEqual(self.sessions["drop"], set(), "sessions left by --drop-sessions")

    def test_damaged_log_record_is_refused(self):
        self.need_importer()
        src = self.tmp / "damaged"
        copy_sparse(self.zk_data, src)
        newest_log = files_by_zxid(src / "version-2", "log")[-1][1]
        records = log_records(newest_log)
        record = next(r for r in records if r.zxid > self.snap_zxid)
        self.assertIsNot(record, records[-1], "the damaged record must not be the last")
        # TxnHeader's time field (payload bytes 20..27): only the checksum can tell.
        flip = record.offset + 12 + 26
        with open(newest_log, "r+b") as f:
            f.seek(flip)
            byte = f.read(1)
            f.seek(flip)
            f.write(bytes([byte[0] ^ 0xFF]))
        r = self.run_import(src, self.tmp / "damaged-out" / "data")
        log(f"RESULT zk import damaged {newest_log.name}: record {records.index(record)} at "
            f"offset {record.offset} (zxid {record.zxid:#x}), byte {flip} flipped")
        self.assertNotEqual(r.returncode, 0, f"a damaged log was imported:\n{r.stdout}")
        self.assertIn(newest_log.name, r.stderr)
        self.assertIn("offset", r.stderr.lower())
        offsets = {record.offset, record.offset + 8, record.offset + 12, flip}
        named = {str(o) for o in offsets} | {f"{o:#x}" for o in offsets}
        self.assertTrue(any(re.search(rf"(?<![0-9a-fx]){re.escape(o)}(?![0-9a-f])",
                                      r.stderr.lower()) for o in named),
                        f"stderr names none of the offsets {sorted(offsets)}: {r.stderr}")

    def test_missing_from_directory_is_refused(self):
        self.need_importer()
        missing = self.tmp / "no-such-zookeeper-dir"
        r = self.run_import(missing, self.tmp / "missing-out" / "data")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(missing.name, r.stderr, "the error does not name the --from directory")


if __name__ == "__main__":
    unittest.main()
