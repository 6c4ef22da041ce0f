#!/usr/bin/python3
"""Backup while serving and restore (issue #15): the admin endpoint's `snapshot` command and
`paddock-admin restore`.

A standalone server with admin.snapshot.enabled=true takes sequential creates from a writer
thread (each acknowledged before the next, bounded in count and time). In the middle of that
load the test fetches <admin>/commands/snapshot: the state as of one zxid, with that zxid in the
`last_zxid` header. More writes follow; then the snapshot is restored

  * into a new standalone data directory, and a server started on it must serve exactly the
    nodes the original had created by that zxid: every /load child with czxid <= last_zxid, with
    the same data and Stat, and none created later (the writes after the snapshot prove the
    cut is at that zxid and not at the end of the download);
  * with --config of a new 3-member ensemble, into every member's data directory: the ensemble
    forms on the copies and every member serves the same tree.

Also: the command answers 403 while admin.snapshot.enabled is off (ZooKeeper's default), and a
snapshot file damaged in transit is refused by restore, with nothing written.

Run: /usr/bin/python3 tests/integration/backup_restore_test.py [-v]
"""

import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lib"))
import zkservers  # noqa: E402
from ensemble import Ensemble  # noqa: E402
from kazoo.client import KazooClient  # noqa: E402

WRITES_MAX = 3000
LOAD_S_MAX = 20.0


def admin_binary():
    return os.environ.get("PADDOCK_ADMIN",
                          str(Path(zkservers.paddock_binary()).parent / "paddock-admin"))


def fetch(url):
    """(status, headers, body) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def walk_load(hosts):
    """{name: (data, stat tuple)} of every /load child, read through one member."""
    c = KazooClient(hosts=hosts, timeout=20)
    c.start(timeout=20)
    try:
        out = {}
        for name in c.get_children("/load"):
            data, stat = c.get("/load/" + name)
            out[name] = (data, tuple(stat))
        return out
    finally:
        c.stop()
        c.close()


class Writer(threading.Thread):
    """Sequential creates of /load/n-<seq>, each acknowledged before the next."""

    def __init__(self, hosts):
        super().__init__(daemon=True)
        self.client = KazooClient(hosts=hosts, timeout=20)
        self.client.start(timeout=20)
        self.client.ensure_path("/load")
        self.done = 0
        self.stop_flag = threading.Event()
        self.error = None

    def run(self):
        deadline = time.monotonic() + LOAD_S_MAX
        try:
            while (not self.stop_flag.is_set() and self.done < WRITES_MAX
                   and time.monotonic() < deadline):
                self.client.create("/load/n-", str(self.done).encode(), sequence=True)
                self.done += 1
        except Exception as e:  # reported by the test
            self.error = e
        finally:
            self.client.stop()
            self.client.close()

    def wait_for(self, count):
        zkservers.wait_until(lambda: self.done >= count or self.error is not None, LOAD_S_MAX,
                             what=f"{count} acknowledged creates")


class BackupRestoreTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="paddock-backup-")
        self.root = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def snapshot_under_load(self):
        server = zkservers.start_paddock(self.root / "orig", {"admin.snapshot.enabled": "true"})
        self.addCleanup(server.stop)
        writer = Writer(server.connect_string)
        writer.start()
        writer.wait_for(300)
        status, headers, body = fetch(
            f"http://127.0.0.1:{server.admin_port}/commands/snapshot")
        self.assertEqual(status, 200, body[:200])
        self.assertEqual(headers.get("Content-Type"), "application/octet-stream")
        zxid = int(headers["last_zxid"], 16)
        at_fetch = writer.done
        writer.wait_for(at_fetch + 300)
        writer.stop_flag.set()
        writer.join(timeout=LOAD_S_MAX)
        self.assertIsNone(writer.error)
        snap = self.root / "backup.snap"
        snap.write_bytes(body)
        original = walk_load(server.connect_string)
        expected = {n: v for n, v in original.items() if v[1][0] <= zxid}  # czxid <= last_zxid
        later = len(original) - len(expected)
        self.assertGreater(len(expected), 0)
        self.assertGreater(later, 0, "no write after the snapshot: the cut is not tested")
        print(f"RESULT snapshot under load: {len(body)} bytes at zxid {hex(zxid)}, "
              f"{len(expected)} creates before it, {later} after", flush=True)
        return snap, zxid, expected

    def restore(self, snap, to, config=None):
        argv = [admin_binary(), "restore", "--from", str(snap), "--to", str(to)]
        if config is not None:
            argv += ["--config", str(config)]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60)

    def test_a_snapshot_taken_under_load_restores_the_state_at_its_zxid(self):
        snap, zxid, expected = self.snapshot_under_load()
        # A new standalone server.
        r = self.restore(snap, self.root / "standalone" / "data")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"zxid={hex(zxid)}", r.stdout)
        restored = zkservers.start_paddock(self.root / "standalone")
        self.addCleanup(restored.stop)
        got = walk_load(restored.connect_string)
        self.assertEqual(set(got), set(expected))
        self.assertEqual(got, expected)
        print(f"RESULT standalone restore: {len(got)} nodes, each equal to the original's",
              flush=True)
        # A new 3-member ensemble, every member on a copy.
        with Ensemble(size=3, tick_ms=300) as e:
            for i in e.ids:
                r = self.restore(snap, e.members[i].data_dir, e.members[i].cfg_path)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("voters=3", r.stdout)
            e.start(timeout=30)
            leader = e.leader(timeout=30)
            for i in e.ids:
                self.assertEqual(walk_load(f"{e.members[i].host}:{e.members[i].client_port}"),
                                 expected, f"member {i}")
            self.assertEqual(len({e.tree_digest(i) for i in e.ids}), 1)
            print(f"RESULT ensemble restore: 3 members (leader {leader}) serve the "
                  f"{len(expected)} nodes", flush=True)

    def test_disabled_by_default_and_a_damaged_file_is_refused(self):
        server = zkservers.start_paddock(self.root / "off")
        self.addCleanup(server.stop)
        status, _, body = fetch(f"http://127.0.0.1:{server.admin_port}/commands/snapshot")
        self.assertEqual(status, 403)
        self.assertIn(b"admin.snapshot.enabled", body)
        server.stop()
        on = zkservers.start_paddock(self.root / "on", {"admin.snapshot.enabled": "true"})
        self.addCleanup(on.stop)
        status, _, body = fetch(f"http://127.0.0.1:{on.admin_port}/commands/snapshot")
        self.assertEqual(status, 200)
        damaged = bytearray(body)
        damaged[len(damaged) // 2] ^= 0x01
        snap = self.root / "damaged.snap"
        snap.write_bytes(bytes(damaged))
        target = self.root / "never" / "data"
        r = self.restore(snap, target)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("damaged", r.stderr)
        self.assertFalse((target / "raft").exists())


if __name__ == "__main__":
    unittest.main()
