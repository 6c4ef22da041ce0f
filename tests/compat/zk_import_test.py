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
import zkservers  # noqa: E402
from zk_trees import (  # noqa: E402  (shared with compat/zk_export_test.py)
    Filler,
    MIN_NODES,
    SESSION_TIMEOUT_S,
    STAT_FIELDS,
    admin_binary,
    copy_sparse,
    failure_text,
    is_ephemeral,
    log,
    manifest,
    new_client,
    node_diffs,
    stop_client,
    tracked_sessions,
    tree_diffs,
    walk,
    zookeeper_zxid,
)

logging.basicConfig(level=logging.CRITICAL)  # kazoo logs reconnect noise at WARNING
warnings.filterwarnings("ignore", category=DeprecationWarning, module="kazoo")

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
IMPORT_TIMEOUT_S = 300.0
TAIL_MIN_TXNS = 300  # transactions the importer must replay after the newest snapshot


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


# --------------------------------------------------------------------------------------------
# Walking and comparing trees


# --------------------------------------------------------------------------------------------
# The workload


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
        log("RESULT zk import walks: " + ", ".join(f"{n} {len(t)} nodes"
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
