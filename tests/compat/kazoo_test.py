"""Kazoo (an independent Python ZooKeeper client) against one server, end to end.

What it proves: Debian's kazoo 2.8 works unmodified against the selected server for the
features applications actually use: multi-host connect strings with dead hosts, chroot,
CRUD with versions, ephemerals, session expiry and session resumption after connection loss,
data and child watches, digest ACLs, transactions, sequential nodes and the Lock recipe.
(kazoo 2.8 never sends SetWatches; watch re-registration after a reconnect is covered by
cclient_test.py and differential_test.py.)
How: the test starts the server selected by PADDOCK_TARGET (paddock, the default, or
zookeeper, which validates the test itself) on a free loopback port, and drives kazoo
clients against it. Network trouble is produced by tests/lib/tcpproxy.py between one client
and the server, so nothing about the server is faked.

Session timing: the server runs with tickTime=1000 and minSessionTimeout=2000 so that an
expiry takes 2-3 s; every wait is bounded.

kazoo 2.8 has no add_watch(), so persistent and recursive watches are not exercised here
(differential_test.py covers them on the wire); that test is reported as skipped.

Run: PADDOCK_TARGET=zookeeper /usr/bin/python3 tests/compat/kazoo_test.py [-v]
"""

import logging
import shutil
import sys
import tempfile
import threading
import time
import unittest
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import tcpproxy  # noqa: E402
import zkservers  # noqa: E402

from kazoo.client import KazooClient  # noqa: E402
from kazoo.exceptions import (  # noqa: E402
    BadVersionError, LockTimeout, NoAuthError, NoChildrenForEphemeralsError, NodeExistsError,
    NoNodeError, NotEmptyError, RolledBackError, RuntimeInconsistency)
from kazoo.protocol.states import EventType, KazooState  # noqa: E402
from kazoo.retry import KazooRetry  # noqa: E402
from kazoo.security import make_digest_acl, OPEN_ACL_UNSAFE  # noqa: E402

SERVER_CFG = {"tickTime": 1000, "minSessionTimeout": 2000, "maxSessionTimeout": 30000}
WAIT_S = 15.0

logging.basicConfig(level=logging.CRITICAL)  # kazoo logs reconnect noise at WARNING
warnings.filterwarnings("ignore", category=DeprecationWarning, module="kazoo")


def fast_retry():
    """Reconnect quickly and forever: the tests decide when the network comes back."""
    return KazooRetry(max_tries=-1, delay=0.05, backoff=1.5, max_delay=0.5, max_jitter=0.2)


class Recorder:
    """Collects watch events and connection states from kazoo's callback threads.

    Watch recorders skip kazoo's synthetic session events (type NONE), which kazoo hands to
    pending watchers when a connection drops."""

    def __init__(self, node_events_only=True):
        self.cond = threading.Condition()
        self.items = []
        self.node_events_only = node_events_only

    def __call__(self, item):
        if self.node_events_only and getattr(item, "type", None) == EventType.NONE:
            return
        with self.cond:
            self.items.append(item)
            self.cond.notify_all()

    def wait_for(self, predicate, timeout=WAIT_S, what="event"):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate(self.items):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting for {what}; saw {self.items}")
                self.cond.wait(remaining)
            return list(self.items)


class KazooTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kind = zkservers.selected_target()
        cls.tmp = tempfile.mkdtemp(prefix="paddock-kazoo-")
        try:
            cls.server = zkservers.start_target(cls.kind, cls.tmp, SERVER_CFG)
        except BaseException:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.root = f"/{self._testMethodName}"

    def client(self, hosts=None, start=True, **kwargs):
        """A kazoo client (stopped and closed at test end); hosts default to the server."""
        kwargs.setdefault("randomize_hosts", False)
        kwargs.setdefault("connection_retry", fast_retry())
        kwargs.setdefault("timeout", 10.0)
        zk = KazooClient(hosts=hosts or self.server.connect_string, **kwargs)
        self.addCleanup(self._close_client, zk)
        if start:
            zk.start(timeout=WAIT_S)
        return zk

    @staticmethod
    def _close_client(zk):
        try:
            zk.stop()
        finally:
            zk.close()

    def proxy(self):
        p = tcpproxy.TcpProxy(self.server.port)
        self.addCleanup(p.stop)
        return p

    # ---- connection strings

    def test_multi_host_with_dead_hosts_first(self):
        dead1, dead2 = zkservers.dead_port(), zkservers.dead_port()
        hosts = f"127.0.0.1:{dead1},127.0.0.1:{dead2},{self.server.connect_string}"
        zk = self.client(hosts)
        self.assertEqual(zk.state, KazooState.CONNECTED)
        zk.ensure_path(self.root)
        self.assertIsNotNone(zk.exists(self.root))
        self.assertIn("zookeeper", zk.get_children("/"))

    def test_chroot(self):
        plain = self.client()
        plain.ensure_path(self.root + "/app")
        dead = zkservers.dead_port()
        chrooted = self.client(f"127.0.0.1:{dead},{self.server.connect_string}{self.root}/app")
        self.assertEqual(chrooted.create("/x", b"1"), "/x")
        self.assertEqual(plain.get(self.root + "/app/x")[0], b"1")
        self.assertEqual(chrooted.get_children("/"), ["x"])
        seq = chrooted.create("/s-", sequence=True)
        self.assertRegex(seq, r"^/s-\d{10}$")
        events = Recorder()
        chrooted.get("/x", watch=events)
        plain.set(self.root + "/app/x", b"2")
        got = events.wait_for(lambda items: items, what="chrooted watch")
        self.assertEqual((got[0].type, got[0].path), (EventType.CHANGED, "/x"))
        chrooted.delete("/x")
        self.assertIsNone(plain.exists(self.root + "/app/x"))

    # ---- basic operations

    def test_crud_with_versions(self):
        zk = self.client()
        zk.create(self.root, b"v0")
        data, stat = zk.get(self.root)
        self.assertEqual((data, stat.version, stat.data_length), (b"v0", 0, 2))
        stat = zk.set(self.root, b"v1", version=0)
        self.assertEqual(stat.version, 1)
        with self.assertRaises(BadVersionError):
            zk.set(self.root, b"v2", version=0)
        with self.assertRaises(NodeExistsError):
            zk.create(self.root)
        with self.assertRaises(NoNodeError):
            zk.get(self.root + "/missing")
        path, stat = zk.create(self.root + "/child", b"c", include_data=True)
        self.assertEqual((path, stat.version, stat.numChildren), (self.root + "/child", 0, 0))
        with self.assertRaises(NotEmptyError):
            zk.delete(self.root)
        with self.assertRaises(BadVersionError):
            zk.delete(self.root + "/child", version=3)
        zk.delete(self.root + "/child", version=0)
        zk.create(self.root + "/a/b/c", b"deep", makepath=True)
        self.assertEqual(zk.get(self.root + "/a/b/c")[0], b"deep")
        zk.delete(self.root, recursive=True)
        self.assertIsNone(zk.exists(self.root))

    def test_sequential_nodes(self):
        zk = self.client()
        zk.create(self.root)
        names = [zk.create(self.root + "/n-", sequence=True) for _ in range(3)]
        self.assertEqual(names, [f"{self.root}/n-{i:010d}" for i in range(3)])
        eph = zk.create(self.root + "/e-", ephemeral=True, sequence=True)
        self.assertEqual(eph, f"{self.root}/e-0000000003")
        self.assertEqual(zk.exists(eph).owner_session_id, zk.client_id[0])
        self.assertEqual(sorted(zk.get_children(self.root)),
                         sorted(n.rsplit("/", 1)[1] for n in names + [eph]))

    def test_ephemeral_deleted_when_owner_stops(self):
        owner, watcher = self.client(), self.client()
        watcher.create(self.root)
        owner.create(self.root + "/eph", b"e", ephemeral=True)
        with self.assertRaises(NoChildrenForEphemeralsError):
            owner.create(self.root + "/eph/child")
        events = Recorder()
        self.assertIsNotNone(watcher.exists(self.root + "/eph", watch=events))
        owner.stop()
        got = events.wait_for(lambda items: items, what="NodeDeleted")
        self.assertEqual((got[0].type, got[0].path), (EventType.DELETED, self.root + "/eph"))
        self.assertEqual(watcher.get_children(self.root), [])

    # ---- sessions across connection trouble

    def test_session_expiry_when_connection_is_cut(self):
        proxy = self.proxy()
        watcher = self.client()
        watcher.create(self.root)
        victim = self.client(proxy.address, timeout=2.0)
        states = Recorder(node_events_only=False)
        victim.add_listener(states)
        old_session = victim.client_id[0]
        victim.create(self.root + "/eph", ephemeral=True)
        deleted = Recorder()
        watcher.exists(self.root + "/eph", watch=deleted)

        proxy.blackhole()
        got = deleted.wait_for(lambda items: items, what="ephemeral deleted by expiry")
        self.assertEqual(got[0].type, EventType.DELETED)
        proxy.forward()
        states.wait_for(lambda items: KazooState.LOST in items, what="LOST state")
        self.assertEqual(states.items[0], KazooState.SUSPENDED)
        states.wait_for(lambda items: items[-1] == KazooState.CONNECTED, what="new session")
        self.assertNotEqual(victim.client_id[0], old_session)
        self.assertIsNone(victim.exists(self.root + "/eph"))

    def test_reconnect_keeps_session(self):
        proxy = self.proxy()
        victim = self.client(proxy.address, timeout=10.0)
        states = Recorder(node_events_only=False)
        victim.add_listener(states)
        session = victim.client_id[0]
        victim.create(self.root, ephemeral=True)
        dropped = Recorder(node_events_only=False)
        victim.get(self.root, watch=dropped)

        proxy.cut()
        states.wait_for(lambda items: KazooState.CONNECTED in items, what="reconnect")
        self.assertEqual(states.items[:2], [KazooState.SUSPENDED, KazooState.CONNECTED])
        self.assertEqual(victim.client_id[0], session)
        self.assertEqual(victim.exists(self.root).owner_session_id, session)
        # kazoo 2.8 sends no SetWatches: on connection loss it hands every watcher a
        # type-NONE event and forgets it. A watch set after the reconnect must work.
        self.assertEqual(dropped.wait_for(lambda i: i)[0].type, EventType.NONE)
        events = Recorder()
        victim.get(self.root, watch=events)
        self.client().set(self.root, b"after reconnect")
        got = events.wait_for(lambda items: items, what="watch after reconnect")
        self.assertEqual((got[0].type, got[0].path), (EventType.CHANGED, self.root))

    # ---- watches

    def test_data_and_child_watches(self):
        zk, other = self.client(), self.client()
        zk.create(self.root, b"0")
        data_events, child_events = Recorder(), Recorder()
        zk.get(self.root, watch=data_events)
        zk.get_children(self.root, watch=child_events)
        other.set(self.root, b"1")
        other.create(self.root + "/kid")
        self.assertEqual(data_events.wait_for(lambda i: i)[0].type, EventType.CHANGED)
        self.assertEqual(child_events.wait_for(lambda i: i)[0].type, EventType.CHILD)
        other.set(self.root, b"2")  # standard watches are one-shot
        time.sleep(0.3)
        self.assertEqual(len(data_events.items), 1)

        seen_data = Recorder(node_events_only=False)
        seen_children = Recorder(node_events_only=False)
        zk.DataWatch(self.root, lambda data, stat: seen_data(data))
        zk.ChildrenWatch(self.root, lambda children: seen_children(sorted(children)))
        other.set(self.root, b"3")
        other.create(self.root + "/kid2")
        seen_data.wait_for(lambda items: b"3" in items, what="DataWatch update")
        seen_children.wait_for(lambda items: ["kid", "kid2"] in items, what="ChildrenWatch")
        exists_events = Recorder()
        self.assertIsNone(zk.exists(self.root + "/later", watch=exists_events))
        other.create(self.root + "/later")
        self.assertEqual(exists_events.wait_for(lambda i: i)[0].type, EventType.CREATED)

    def test_persistent_and_recursive_watches(self):
        if not hasattr(KazooClient, "add_watch"):
            self.skipTest("kazoo 2.8 has no add_watch(); covered by differential_test.py")

    # ---- ACLs, transactions, recipes

    def test_digest_acl_and_add_auth(self):
        alice = self.client(auth_data=[("digest", "alice:secret")])
        acl = make_digest_acl("alice", "secret", all=True)
        alice.create(self.root, b"private", acl=[acl])
        self.assertEqual(alice.get(self.root)[0], b"private")
        acls, _ = alice.get_acls(self.root)
        self.assertEqual([(a.perms, a.id.scheme, a.id.id) for a in acls],
                         [(31, "digest", acl.id.id)])
        stranger = self.client()
        with self.assertRaises(NoAuthError):
            stranger.get(self.root)
        with self.assertRaises(NoAuthError):
            stranger.set(self.root, b"x")
        stranger.add_auth("digest", "alice:secret")
        self.assertEqual(stranger.get(self.root)[0], b"private")
        stranger.set_acls(self.root, OPEN_ACL_UNSAFE)
        self.assertEqual(self.client().get(self.root)[0], b"private")

    def test_transactions(self):
        zk = self.client()
        zk.create(self.root)
        t = zk.transaction()
        t.create(self.root + "/a", b"1")
        t.create(self.root + "/b", b"2")
        t.set_data(self.root + "/a", b"1b", version=0)
        t.check(self.root + "/b", 0)
        t.delete(self.root + "/b")
        self.assertEqual(t.commit(),
                         [self.root + "/a", self.root + "/b", zk.exists(self.root + "/a"),
                          True, True])
        self.assertEqual(zk.get(self.root + "/a")[0], b"1b")

        t = zk.transaction()
        t.create(self.root + "/c")
        t.delete(self.root + "/missing")
        t.create(self.root + "/d")
        results = t.commit()
        self.assertEqual([type(r) for r in results],
                         [RolledBackError, NoNodeError, RuntimeInconsistency])
        self.assertEqual(sorted(zk.get_children(self.root)), ["a"])

    def test_lock_recipe_with_two_clients(self):
        c1, c2 = self.client(), self.client()
        lock1, lock2 = c1.Lock(self.root, "first"), c2.Lock(self.root, "second")
        self.assertTrue(lock1.acquire(timeout=WAIT_S))
        with self.assertRaises(LockTimeout):
            lock2.acquire(timeout=0.5)
        acquired = threading.Event()
        waiter = threading.Thread(
            target=lambda: lock2.acquire(timeout=WAIT_S) and acquired.set(), daemon=True)
        waiter.start()
        contenders = Recorder(node_events_only=False)
        for _ in range(100):
            contenders(c1.Lock(self.root).contenders())
            if contenders.items[-1] == ["first", "second"]:
                break
            time.sleep(0.05)
        self.assertEqual(contenders.items[-1], ["first", "second"])
        self.assertFalse(acquired.is_set())
        lock1.release()
        self.assertTrue(acquired.wait(WAIT_S), "second client never got the lock")
        waiter.join(WAIT_S)
        self.assertEqual(c1.Lock(self.root).contenders(), ["second"])
        lock2.release()

    def test_four_letter_word_ruok(self):
        self.assertEqual(self.client().command(b"ruok"), "imok")


if __name__ == "__main__":
    unittest.main()
