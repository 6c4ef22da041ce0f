#!/usr/bin/python3
"""`paddock-admin export-zookeeper`, checked by the real Apache ZooKeeper that loads the export.

What it proves: a stopped Paddock server's data directory, exported with
`paddock-admin export-zookeeper --from <dataDir> --to <new ZooKeeper dataDir> --config <its
zoo.cfg>` (the server's extendedTypesEnabled decides how its log replays), is loaded by a
real ZooKeeper 3.8.0 (Debian's) as its own data, and that ZooKeeper then serves exactly the tree
Paddock serves when restarted on its own data directory, node for node, through the client
protocol: the path set, every node's data bytes (null and empty kept apart), all eleven Stat
fields (czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, dataLength,
numChildren, pzxid) and the ACL list in order. The sessions open when Paddock stopped are
carried with their timeouts: ZooKeeper's `dump` lists them, each with the ephemerals the walk
saw it own, and a session opened with a longer timeout expires correspondingly later in
ZooKeeper's session buckets. With `--drop-sessions` there are no sessions and no ephemerals,
and the persistent nodes are the same except the parents of the dropped ephemerals (see below).
The summary line (`exported nodes=... sessions=... acls=... zxid=... ephemerals dropped=...`)
must agree with what ZooKeeper serves, the snapshot is named after Paddock's last zxid, the
export leaves the Paddock data directory untouched, and the command refuses (exit 1, a message
on stderr, nothing written) a --to whose version-2 holds anything (a previous export, or one
stray file), a missing --from and a --from that is not a Paddock data directory.

Why against a real ZooKeeper: the export exists so that a user can go back to ZooKeeper, and the
only authority on what ZooKeeper's snapshot format means (header, sessions, ACL cache, nodes in
preorder, persisted Stat with its stored cversion and the container / TTL owner markers, the
Adler-32 seal) is ZooKeeper loading the file itself.

How:
1. paddock-server starts with extendedTypesEnabled=true (TTL nodes), a container check interval
   of an hour (nothing is reaped while the test runs), maxSessionTimeout=600000 and
   snapCount=500 (log entries, each a batch of txns, between snapshots), so that its data
   directory holds snapshots plus log entries after the newest (the exporter must restore the
   one and apply the others; `paddock-admin inspect --json` confirms it, and that the workload
   made every kind of node).
2. A seeded workload (random.Random(seed); the seed is printed, PADDOCK_EXPORT_SEED replays
   one), the Filler of tests/lib/zk_trees.py that tests/compat/zk_import_test.py runs against
   ZooKeeper, builds > 10,000 nodes on four levels through kazoo and tests/lib/jute.py:
   persistent and sequential nodes, ephemeral and ephemeral sequential nodes of two sessions
   kept open (and of two closed explicitly, whose ephemerals are gone), containers with
   children, TTL and TTL sequential nodes, data empty / null / text / binary up to 4 KiB, ten
   ACL lists (digest alice and bob, world, ip, `auth`, mixed permission bits), setData several
   times on a quarter of the nodes, setACL (some twice), deletes, successful and failing multis
   (kazoo's and raw ones with createContainer / createTTL inside). A tail of writes follows, with
   one more session holding ephemerals, until Paddock's newest snapshot (its /metrics) has at
   least TAIL_MIN_ENTRIES log entries after it; then a session with a longer timeout
   (LONG_TIMEOUT_S) creates a few more ephemerals.
3. The live tree is walked, Paddock's zxid read, then paddock-server is killed with SIGKILL
   while the ephemeral owners' sessions are open (Paddock is durable: everything acknowledged
   is in its data directory).
4. The export runs twice, into fresh ZooKeeper dataDirs: without flags and with
   --drop-sessions. Exit codes, the summary lines and the files written are checked; the time
   of each export is printed as a RESULT line.
5. Paddock restarted on its own data directory is the reference (restarted sessions live for
   their timeout, so it is walked first); ZooKeeper (zkservers.start_zookeeper, whose zoo.cfg
   dataDir is <its tmpdir>/data, which is where each export was written) then starts on each
   export, one after the other, with the same extendedTypesEnabled and container interval. All
   three are walked breadth-first through kazoo (getData with the Stat, getChildren, getACL) by
   a client holding both digest identities, well within the 120 s the carried sessions last.
6. The live tree must equal the restarted Paddock's (this validates the walker and Paddock's
   recovery); ZooKeeper on the export must equal the reference, with nothing skipped
   (/zookeeper, /zookeeper/quota and /zookeeper/config are compared like any other node).

--drop-sessions: the exporter leaves the ephemerals out of the snapshot and keeps the parents'
persisted stat as it was. ZooKeeper reports a node's cversion as 2 * (stored creates) -
children (DataNode.copyStat), so a parent that lost d ephemerals shows numChildren - d and
cversion + d; its pzxid may move forward (at most to the exported zxid); every other field of
every other node, and every persistent node, is unchanged. The test asserts exactly that.

The command is build/bin/paddock-admin ($PADDOCK_ADMIN, else next to $PADDOCK_SERVER).

Run: /usr/bin/python3 tests/compat/zk_export_test.py [-v]
(PADDOCK_SERVER names paddock-server; ctest sets it; PADDOCK_EXPORT_KEEP=1 keeps the temporary
directory.) A run takes about 30 s.
"""

import collections
import json
import logging
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import warnings
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import zkservers  # noqa: E402
from zk_trees import (  # noqa: E402
    MIN_NODES, STAT_FIELDS, Filler, admin_binary, failure_text, is_ephemeral, log, manifest,
    new_client, node_diffs, run_async, stop_client, tracked_sessions, tree_diffs, walk)

logging.basicConfig(level=logging.CRITICAL)  # kazoo logs reconnect noise at WARNING
warnings.filterwarnings("ignore", category=DeprecationWarning, module="kazoo")

SESSION_TIMEOUT_S = 120.0  # the Filler's sessions
LONG_TIMEOUT_S = 180.0     # one more session, to see the timeouts carried
PADDOCK_CFG = {
    "tickTime": 2000,
    "maxSessionTimeout": 600000,
    "extendedTypesEnabled": "true",
    "znode.container.checkIntervalMs": 3600000,
    "snapCount": 500,  # log entries (batches of txns) between snapshots
}
ZOOKEEPER_CFG = {
    "tickTime": 2000,
    "maxSessionTimeout": 600000,
    "extendedTypesEnabled": "true",
    "znode.container.checkIntervalMs": 3600000,
    "forceSync": "no",  # speed only: ZooKeeper writes a snapshot of what it loaded
}
EXPORT_TIMEOUT_S = 300.0
TAIL_MIN_ENTRIES = 40  # log entries after Paddock's newest snapshot
IDX = {f: i for i, f in enumerate(STAT_FIELDS)}


def server_zxid(server):
    text = zkservers.four_letter_word(server.port, "srvr")
    m = re.search(r"Zxid: 0x([0-9a-fA-F]+)", text)
    assert m, f"no Zxid in srvr answer {text!r}"
    return int(m.group(1), 16)


def raft_indexes(paddock):
    """Paddock's (raft_last_index, snapshot_last_index), from its /metrics."""
    url = f"http://{zkservers.LOOPBACK}:{paddock.admin_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as f:
        text = f.read().decode()
    values = dict(re.findall(r"^paddock_(raft_last_index|snapshot_last_index) (\d+)", text,
                             re.M))
    return int(values.get("raft_last_index", 0)), int(values.get("snapshot_last_index", 0))


def zookeeper_dump(server):
    """ZooKeeper's `dump`: (session id -> expiry bucket time, session id -> ephemeral paths)."""
    text = zkservers.four_letter_word(server.port, "dump")
    tracker, _, rest = text.partition("ephemeral nodes dump:")
    expiry, bucket = {}, None
    for line in tracker.splitlines():
        m = re.match(r"^\d+ expire at (\w{3} \w{3} \d\d \d\d:\d\d:\d\d) \S+ (\d{4}):$", line)
        if m:
            bucket = datetime.strptime(f"{m.group(1)} {m.group(2)}", "%a %b %d %H:%M:%S %Y")
            continue
        m = re.match(r"^\t0x([0-9a-fA-F]+)\s*$", line)
        if m:
            expiry[int(m.group(1), 16)] = bucket
    ephemerals, owner = collections.defaultdict(set), None
    for line in rest.split("Connections dump:")[0].splitlines():
        m = re.match(r"^0x([0-9a-fA-F]+):$", line)
        if m:
            owner = int(m.group(1), 16)
        elif line.startswith("\t/") and owner is not None:
            ephemerals[owner].add(line[1:].rstrip())
    return text, expiry, dict(ephemerals)


def owned_ephemerals(tree):
    out = collections.defaultdict(set)
    for p, n in tree.items():
        if is_ephemeral(n):
            out[n.stat[IDX["ephemeralOwner"]]].add(p)
    return dict(out)


def summary_fields(line):
    """`exported nodes=1 sessions=2 ... zxid=0x.. ephemerals dropped=3 into F in 5 ms` -> dict."""
    out = {k: v for k, v in re.findall(r"(\w+)=(\S+)", line or "")}
    m = re.search(r" into (\S+) in (\d+) ms", line or "")
    if m:
        out["file"], out["ms"] = m.group(1), int(m.group(2))
    return out


def diff_summary(diffs, kind_of):
    """Differences counted by field, and the nodes missing on one side by the Filler's kind."""
    fields, missing = collections.Counter(), collections.Counter()
    for d in diffs:
        path, _, what = d.partition(": ")
        if what.startswith("only on"):
            fields[what] += 1
            missing[f"{what.split()[-1]}: {kind_of.get(path, 'other')}"] += 1
        else:
            fields[what.split()[0]] += 1
    return (", ".join(f"{k} {v}" for k, v in fields.most_common()) +
            ("; missing by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(missing.items()))
             if missing else ""))


class ExportZookeeperTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.seed = int(os.environ.get("PADDOCK_EXPORT_SEED") or
                       random.SystemRandom().randrange(1 << 31))
        log(f"seed {cls.seed} (PADDOCK_EXPORT_SEED={cls.seed} replays this workload)")
        cls.tmp = Path(tempfile.mkdtemp(prefix="paddock-zkexport-"))
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
        if os.environ.get("PADDOCK_EXPORT_KEEP"):
            log(f"kept {cls.tmp}")
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def _prepare(cls):
        cls.admin = admin_binary()
        if not os.access(cls.admin, os.X_OK):
            raise RuntimeError(f"paddock-admin not found or not executable: {cls.admin} (build "
                               "it, or set PADDOCK_ADMIN)")
        t0 = time.monotonic()
        paddock = zkservers.start_paddock(cls.tmp / "paddock", PADDOCK_CFG)
        cls.servers.append(paddock)
        cls.pd_data = paddock.tmpdir / "data"
        filler = Filler(paddock, random.Random(cls.seed), SESSION_TIMEOUT_S)
        lingering = None
        try:
            filler.build_tree()
            filler.mutate()
            filler.multis(150, 40, 10, 10)
            filler.close_doomed(0)
            # A tail of writes (one more owner; the second doomed session closes), until the
            # newest snapshot lies well inside the log: the exporter must apply entries too.
            for round_no in range(12):
                filler.tail(round_no)
                last, snap = raft_indexes(paddock)
                if round_no >= 2 and snap > 0 and last - snap >= TAIL_MIN_ENTRIES:
                    break
            lingering = new_client(paddock, LONG_TIMEOUT_S)
            results = run_async([lambda d=filler.rng.choice(filler.dirs), s=s:
                                 lingering.create_async(f"{d}/linger", b"long timeout",
                                                        ephemeral=True, sequence=s)
                                 for s in (False, True, True, True)])
            assert not any(isinstance(r, Exception) for r in results), results
            filler.close_raw()
            fill_s = time.monotonic() - t0
            cls.final_zxid = server_zxid(paddock)
            cls.live_tree = walk(filler.admin)
            assert server_zxid(paddock) == cls.final_zxid, "the walk wrote something"
            cls.live_sessions = {c.client_id[0] for c in [*filler.clients(), lingering]
                                 if c.connected}
            cls.timeouts = {c.client_id[0]: c._session_timeout / 1000.0
                            for c in [*filler.clients(), lingering] if c.connected}
            cls.lingering_id = lingering.client_id[0]
            cls.kind_of = {p: k for p, k in filler.kind.items() if p in cls.live_tree}
            cls.live_kinds = list(cls.kind_of.values())
            log(f"RESULT zk export workload: {len(cls.live_tree)} nodes in {fill_s:.1f} s, "
                f"final zxid {cls.final_zxid:#x}, {len(cls.live_sessions)} sessions open; "
                + ", ".join(f"{k} {v}" for k, v in sorted(filler.stats.items())))
            paddock.kill9()  # the owners' sessions stay open in Paddock's data
        finally:
            for c in [*filler.clients(), lingering]:
                if c:
                    stop_client(c)
            filler.raw.close()
        raft = cls.pd_data / "raft"
        cls.raft_files = sorted(str(p.relative_to(raft)) for p in raft.rglob("*") if p.is_file())
        log(f"RESULT zk export source: {len(cls.raft_files)} files in {raft}: "
            f"{', '.join(cls.raft_files[:12])}{' ...' if len(cls.raft_files) > 12 else ''}")
        cls.pristine = manifest(cls.pd_data)

        # The exports, from the untouched data directory, into fresh ZooKeeper dataDirs.
        cls.exports = {}
        for name, flags in (("plain", []), ("drop", ["--drop-sessions"])):
            cls.exports[name] = cls.run_export(cls.pd_data, cls.tmp / f"zk-{name}" / "data",
                                               flags)
        cls.after_export = manifest(cls.pd_data)
        cls.export_files = {name: sorted(str(p.relative_to(cls.tmp / f"zk-{name}" / "data"))
                                         for p in (cls.tmp / f"zk-{name}" / "data").rglob("*"))
                            for name in cls.exports}
        cls.inspect = cls.run_inspect(cls.pd_data)

        # Paddock restarted on its own data first (its restored sessions live their timeout),
        # then ZooKeeper on each export. Each is walked, then stopped.
        cls.trees, cls.sessions, cls.dumps, cls.start_errors, cls.start_zxid = {}, {}, {}, {}, {}
        cls.after_write = {}
        t1 = time.monotonic()
        paddock.start()
        cls.read(paddock, "reference")
        paddock.stop()
        for name, result in cls.exports.items():
            if result.returncode != 0:
                continue
            try:
                zk = zkservers.start_zookeeper(cls.tmp / f"zk-{name}", ZOOKEEPER_CFG)
            except RuntimeError as e:
                cls.start_errors[name] = str(e)
                continue
            cls.servers.append(zk)
            cls.read(zk, name, zookeeper=True)
            zk.stop()
        log("RESULT zk export walks: " + ", ".join(f"{n} {len(t)} nodes"
                                                    for n, t in cls.trees.items())
            + f" in {time.monotonic() - t1:.1f} s since the restart (sessions last "
            f"{SESSION_TIMEOUT_S:.0f} s)")

    @classmethod
    def read(cls, server, name, zookeeper=False):
        cls.start_zxid[name] = server_zxid(server)  # before this reader's createSession
        reader = new_client(server, SESSION_TIMEOUT_S)
        try:
            cls.trees[name] = walk(reader)
            me = reader.client_id[0]
            cls.sessions[name] = tracked_sessions(server) - {me}
            if zookeeper:
                text, expiry, ephemerals = zookeeper_dump(server)
                expiry.pop(me, None)
                cls.dumps[name] = (text, expiry, ephemerals)
                # The server goes on from the exported zxid: a write gets a later one.
                path = reader.create("/written-after-export", b"new", sequence=True)
                cls.after_write[name] = reader.exists(path).czxid
        finally:
            stop_client(reader)

    @classmethod
    def run_inspect(cls, data_dir):
        r = subprocess.run([str(cls.admin), "inspect", "--json", str(data_dir),
                            "--config", str(cls.tmp / "paddock" / "zoo.cfg")],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=EXPORT_TIMEOUT_S)
        assert r.returncode == 0, f"inspect failed:\n{r.stdout}\n{r.stderr}"
        info = json.loads(r.stdout)
        log(f"RESULT zk export source: snapshot {info['snapshot']}, entries {info['entries']}, "
            f"{info['nodes']} nodes ({info['ttl_nodes']} TTL, {info['containers']} containers, "
            f"{info['ephemerals']} ephemerals), zxid {info['zxid']}")
        return info

    @classmethod
    def run_export(cls, src, dst, flags=()):
        # The server's zoo.cfg: its extendedTypesEnabled decides how its log replays.
        argv = [str(cls.admin), "export-zookeeper", "--from", str(src), "--to", str(dst),
                "--config", str(cls.tmp / "paddock" / "zoo.cfg"), *flags]
        t = time.monotonic()
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=EXPORT_TIMEOUT_S)
        r.seconds = time.monotonic() - t
        summary = [line for line in r.stdout.splitlines() if line.startswith("exported")]
        r.summary = summary[0] if summary else None
        log(f"RESULT zk export {' '.join(flags) or '(no flags)'}: exit {r.returncode} in "
            f"{r.seconds:.2f} s: {r.summary or r.stdout.strip()[-300:]}"
            + (f"\n  stderr: {r.stderr.strip()[-1000:]}" if r.stderr.strip() else ""))
        return r

    # ---- helpers

    def exported(self, name):
        r = self.exports[name]
        self.assertEqual(r.returncode, 0, f"export {name} failed:\n{r.stdout}\n{r.stderr}")
        self.assertIsNotNone(r.summary, f"no line starting with 'exported' on stdout:\n"
                                        f"{r.stdout}")
        self.assertNotIn(name, self.start_errors, self.start_errors.get(name))
        return self.trees[name]

    def assert_refused(self, r, *names):
        self.assertEqual(r.returncode, 1, f"not refused with exit 1:\n{r.stdout}\n{r.stderr}")
        self.assertTrue(r.stderr.strip(), "no message on stderr")
        self.assertIsNone(r.summary, "a refused export printed a summary")
        for name in names:
            self.assertIn(str(name), r.stderr, f"the message does not name {name}")

    # ---- the tests

    def test_restarted_paddock_serves_the_live_tree(self):
        """Validates the walker and the workload: the reference is what Paddock served."""
        ref = self.trees["reference"]
        self.assertGreaterEqual(len(ref), MIN_NODES)
        diffs = tree_diffs(self.live_tree, ref, ("live", "restarted"))
        if diffs:
            self.fail(failure_text(diffs))
        self.assertEqual(self.sessions["reference"], self.live_sessions,
                         "restored sessions differ from the ones open at the kill")
        kinds = collections.Counter(
            "ephemeral" if is_ephemeral(n) else "persistent" for n in ref.values())
        self.assertGreater(kinds["ephemeral"], 100, kinds)
        self.assertGreaterEqual(len(owned_ephemerals(ref)), 3, "ephemerals of too few sessions")
        self.assertEqual([p for p in ref if "/never" in p], [], "nodes of failed multis exist")
        errors = [p for p, n in ref.items() if any(isinstance(f, str) and f.startswith("error")
                                                    for f in n)]
        self.assertEqual(errors, [], "nodes the comparing client could not read")

    def test_paddock_data_has_a_snapshot_and_entries_after_it(self):
        snapshot, entries = self.inspect["snapshot"], self.inspect["entries"]
        self.assertIsNotNone(snapshot, "no snapshot in Paddock's data directory")
        self.assertGreaterEqual(entries["last"] - snapshot["index"], TAIL_MIN_ENTRIES,
                                f"too few log entries after the snapshot: {self.inspect}")
        kinds = collections.Counter(self.live_kinds)
        for kind in ("ttl", "ttl_seq", "container", "ephemeral", "persistent_seq"):
            self.assertGreater(kinds[kind], 20, f"the workload made too few {kind}: {kinds}")

    def test_export_leaves_the_data_directory_alone(self):
        self.assertEqual(self.after_export, self.pristine, "the exporter changed its --from dir")

    def test_export_writes_one_snapshot_named_after_the_last_zxid(self):
        name = f"snapshot.{self.final_zxid:x}"
        for export in self.exports:
            r = self.exports[export]
            self.assertEqual(r.returncode, 0, f"export {export} failed:\n{r.stderr}")
            self.assertEqual(self.export_files[export], ["version-2", f"version-2/{name}"],
                             export)
            fields = summary_fields(r.summary)
            self.assertEqual(int(fields["zxid"], 16), self.final_zxid, r.summary)
            self.assertEqual(Path(fields["file"]).name, name, r.summary)

    def test_zookeeper_serves_the_export(self):
        got = self.exported("plain")
        ref = self.trees["reference"]
        diffs = tree_diffs(ref, got, ("paddock", "zookeeper"))
        log(f"RESULT zk export compare: {len(ref)} nodes on Paddock, {len(got)} on ZooKeeper, "
            f"{sum(map(is_ephemeral, ref.values()))} ephemerals, {len(diffs)} differences"
            + (f" ({diff_summary(diffs, self.kind_of)})" if diffs else ""))
        if diffs:
            self.fail(failure_text(diffs))
        self.assertEqual(self.start_zxid["plain"], self.final_zxid,
                         "ZooKeeper's zxid after loading the export")
        self.assertGreater(self.after_write["plain"], self.final_zxid,
                           "a write on ZooKeeper reused an exported zxid")
        fields = summary_fields(self.exports["plain"].summary)
        acls = {n.acl for n in ref.values()} - {((31, "world", "anyone"),)}
        self.assertEqual(
            (int(fields["nodes"]), int(fields["sessions"]), int(fields["acls"]),
             int(fields["dropped"])),
            (len(ref), len(self.live_sessions), len(acls), 0), self.exports["plain"].summary)

    def test_zookeeper_keeps_the_carried_sessions(self):
        self.exported("plain")
        self.assertEqual(self.sessions["plain"], self.live_sessions,
                         "sessions in ZooKeeper's dump differ from the ones open at the kill")
        text, expiry, ephemerals = self.dumps["plain"]
        owned = owned_ephemerals(self.trees["plain"])
        self.assertEqual(ephemerals, owned, "dump's ephemerals by session differ from the walk's"
                                            f"\n{text[:3000]}")
        self.assertLessEqual(set(owned), self.live_sessions, "ephemerals of an unknown session")
        # The timeouts came along: ZooKeeper restored all sessions at once, so the one opened
        # with a longer timeout is in a bucket that much later (buckets are tickTime apart).
        self.assertIsNotNone(expiry.get(self.lingering_id), f"no expiry bucket\n{text[:3000]}")
        for sid, when in expiry.items():
            want = self.timeouts[sid] - self.timeouts[self.lingering_id]
            seen = (when - expiry[self.lingering_id]).total_seconds()
            self.assertLessEqual(abs(seen - want), 4.0,
                                 f"session {sid:#x} (timeout {self.timeouts[sid]} s) expires "
                                 f"{seen} s after the {LONG_TIMEOUT_S} s one\n{text[:3000]}")

    def test_zookeeper_serves_the_export_without_sessions(self):
        got = self.exported("drop")
        ref = self.trees["reference"]
        dropped = collections.Counter(p.rsplit("/", 1)[0] or "/" for p, n in ref.items()
                                      if is_ephemeral(n))
        expected = {p: n for p, n in ref.items() if not is_ephemeral(n)}
        self.assertEqual([p for p, n in got.items() if is_ephemeral(n)], [],
                         "ephemerals left by --drop-sessions")
        diffs = [f"{p}: only on paddock" for p in sorted(expected.keys() - got.keys())]
        diffs += [f"{p}: only on zookeeper" for p in sorted(got.keys() - expected.keys())]
        for p in sorted(expected.keys() & got.keys()):
            a, b = expected[p], got[p]
            d = dropped.get(p, 0)
            if not d:
                diffs += node_diffs(p, a, b, ("paddock", "zookeeper"))
                continue
            # The children lists differ by the dropped ephemerals by construction.
            diffs += node_diffs(p, a._replace(children=()), b._replace(children=()),
                                ("paddock", "zookeeper"),
                                skip_fields=("numChildren", "cversion", "pzxid"))
            want = {"numChildren": a.stat[IDX["numChildren"]] - d,
                    "cversion": a.stat[IDX["cversion"]] + d}
            for field, value in want.items():
                if b.stat[IDX[field]] != value:
                    diffs.append(f"{p}: {field} {b.stat[IDX[field]]}, expected {value} after "
                                 f"dropping {d} ephemerals")
            pz = b.stat[IDX["pzxid"]]
            if not a.stat[IDX["pzxid"]] <= pz <= self.final_zxid:
                diffs.append(f"{p}: pzxid {pz:#x} outside [{a.stat[IDX['pzxid']]:#x}, "
                             f"{self.final_zxid:#x}]")
        log(f"RESULT zk export --drop-sessions compare: {len(expected)} persistent nodes "
            f"expected, {len(got)} served, {sum(dropped.values())} ephemerals dropped under "
            f"{len(dropped)} parents, {len(diffs)} differences"
            + (f" ({diff_summary(diffs, self.kind_of)})" if diffs else ""))
        if diffs:
            self.fail(failure_text(diffs))
        self.assertEqual(self.sessions["drop"], set(), "sessions left by --drop-sessions")
        self.assertEqual(self.dumps["drop"][2], {}, "ephemerals in ZooKeeper's dump")
        fields = summary_fields(self.exports["drop"].summary)
        self.assertEqual((int(fields["nodes"]), int(fields["sessions"]), int(fields["dropped"])),
                         (len(expected), 0, sum(dropped.values())),
                         self.exports["drop"].summary)

    def test_non_empty_version_2_is_refused(self):
        # A previous export: the snapshot there stays as it was.
        target = self.tmp / "refuse-previous" / "data"
        self.assertEqual(self.run_export(self.pd_data, target).returncode, 0)
        before = manifest(target)
        r = self.run_export(self.pd_data, target, ["--drop-sessions"])
        self.assert_refused(r, target / "version-2")
        self.assertEqual(manifest(target), before, "a refused export changed --to")
        # One stray file is enough.
        target = self.tmp / "refuse-stray" / "data"
        (target / "version-2").mkdir(parents=True)
        (target / "version-2" / "log.1").write_bytes(b"")
        r = self.run_export(self.pd_data, target)
        self.assert_refused(r, target / "version-2")
        self.assertEqual(sorted(p.name for p in (target / "version-2").iterdir()), ["log.1"])

    def test_missing_from_is_refused(self):
        missing = self.tmp / "no-such-paddock-dir"
        target = self.tmp / "refuse-missing" / "data"
        r = self.run_export(missing, target)
        self.assert_refused(r, missing.name)
        self.assertFalse(list(target.rglob("snapshot*")), "a snapshot written anyway")

    def test_from_that_is_no_data_directory_is_refused(self):
        for src in (self.tmp / "zk-plain" / "data", self.tmp / "empty-dir"):
            src.mkdir(parents=True, exist_ok=True)
            target = self.tmp / f"refuse-{src.name}" / "data"
            r = self.run_export(src, target)
            self.assert_refused(r, src.name)
            self.assertFalse(list(target.rglob("snapshot*")), "a snapshot written anyway")


if __name__ == "__main__":
    unittest.main()
