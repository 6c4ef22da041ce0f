"""A replicated ensemble of three paddock-server processes behaves as one ZooKeeper (issue #4).

What this proves, each point with its own fresh 3-member ensemble on loopback:
* formation: members started one by one do not serve alone (srvr says so, handshakes are
  closed); once a majority runs exactly one says Mode: leader and the others follower, in
  srvr, stat and mntr, and the leader counts two (synced) followers;
* writes through every member are forwarded to the leader and replicated: after a sync every
  member holds the same tree (same digest over paths, data, ACLs and stats), and a read on one
  member after `sync` sees a write just made through another;
* sessions are ensemble-wide: a session created on a follower is usable, its ephemeral is seen
  on every member, and it moves to another member with its id and password keeping its
  ephemerals and (re-sent with setWatches2) its watches, including a change made while it was
  detached; kazoo given two members moves by itself when its member is killed;
* close and expiry: closing a session on a follower deletes its ephemerals everywhere; pings to
  a follower keep a short session alive (touches reach the leader); a session whose client
  vanishes is expired by the leader, and its ephemeral disappears on every member, firing the
  watches set on each of them;
* kill -9 of the leader: a new leader is elected among the two others, writes continue, the
  sessions of clients on the survivors and of the killed member's client (which moves) survive,
  and the old leader restarted catches up to the same digest;
* a follower restarted with an empty data directory (myid kept) rejoins with the same digest,
  from the log and, with aggressive snapshotting, from a snapshot;
* bad configuration (duplicate server id, missing myid, myid not in the list, malformed myid)
  stops start-up at once with a message naming the problem.

How: tests/lib/ensemble.py runs the members; clients are kazoo (Debian python3-kazoo, which
never sends setWatches, so watch re-registration uses the raw client tests/lib/jute.py) and raw
jute connections to one member each. Every wait is bounded; sleeps only pace pings.

Run: /usr/bin/python3 tests/integration/ensemble_test.py [-v]   (PADDOCK_SERVER selects the
binary, default build/bin/paddock-server; PADDOCK_KEEP_TMP=1 keeps the member directories)
"""

import logging
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

import jute  # noqa: E402
import zkservers  # noqa: E402
from ensemble import Ensemble  # noqa: E402

from kazoo.client import KazooClient  # noqa: E402
from kazoo.exceptions import KazooException, NodeExistsError  # noqa: E402
from kazoo.handlers.threading import KazooTimeoutError  # noqa: E402
from kazoo.protocol.states import KazooState  # noqa: E402
from kazoo.retry import KazooRetry  # noqa: E402

WAIT_S = 15.0
SESSION_TIMEOUT_S = 10.0  # the maximum at tickTime=500 (20 ticks)
NOT_SERVING = "This ZooKeeper instance is not currently serving requests"

logging.basicConfig(level=logging.CRITICAL)  # kazoo logs reconnect noise at WARNING
warnings.filterwarnings("ignore", category=DeprecationWarning, module="kazoo")

EVENT_CREATED, EVENT_DELETED, EVENT_DATA_CHANGED = 1, 2, 3


def fast_retry():
    return KazooRetry(max_tries=-1, delay=0.05, backoff=1.5, max_delay=0.5, max_jitter=0.2)


class StateLog:
    """Records kazoo connection states (called on kazoo's thread)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.states = []

    def __call__(self, state):
        with self.lock:
            self.states.append(state)

    def seen(self):
        with self.lock:
            return list(self.states)


class EnsembleTestCase(unittest.TestCase):
    ensemble_cfg = {}

    def setUp(self):
        self.e = Ensemble(size=3, extra_cfg=dict(self.ensemble_cfg))
        self.addCleanup(self.e.close)

    # ---- clients

    def kazoo(self, ids, **kwargs):
        """A started kazoo client on the given members (in order), stopped at test end."""
        kwargs.setdefault("randomize_hosts", False)
        kwargs.setdefault("connection_retry", fast_retry())
        kwargs.setdefault("timeout", SESSION_TIMEOUT_S)
        zk = KazooClient(hosts=self.e.connect_string(ids), **kwargs)
        states = StateLog()
        zk.add_listener(states)
        zk.states = states
        self.addCleanup(self._close_kazoo, zk)
        zk.start(timeout=WAIT_S)
        return zk

    @staticmethod
    def _close_kazoo(zk):
        try:
            zk.stop()
        finally:
            zk.close()

    def kazoo_member(self, zk):
        """The id of the member a kazoo client is connected to now (kazoo 2.8 internals)."""
        port = zk._connection._socket.getpeername()[1]
        return next(i for i, m in self.e.members.items() if m.client_port == port)

    def raw(self, member_id, **handshake_args):
        """A raw jute connection to one member, closed at test end."""
        handshake_args.setdefault("session_timeout_ms", 10000)
        conn = self.e.members[member_id].connect(**handshake_args)
        self.addCleanup(conn.close)
        return conn

    def raw_reattach(self, member_id, session, last_zxid, timeout=WAIT_S):
        """Reattaches a session on `member_id`, retrying while the member has not yet applied
        `last_zxid` (a server refuses a client that has seen more than it has)."""
        def attempt():
            try:
                return self.raw(member_id, session_timeout_ms=session.timeout,
                                session_id=session.session_id, passwd=session.passwd,
                                last_zxid=last_zxid)
            except (jute.ConnectionClosed, ConnectionError):
                return None
        return zkservers.wait_until(attempt, timeout, interval=0.1,
                                    what=f"reattach on member {member_id}")

    def exists_on(self, member_id, path):
        """The Stat of `path` read from one member after a sync, or None."""
        conn = self.e.members[member_id].connect(session_timeout_ms=10000)
        try:
            self.assertEqual(conn.sync("/").err, 0)
            reply = conn.exists(path)
            self.assertIn(reply.err, (0, -101), jute.err_name(reply.err))
            stat = reply.value if reply.err == 0 else None
            conn.close_session()
            return stat
        finally:
            conn.close()

    # ---- ensemble-wide checks

    def assert_same_tree(self, ids=None):
        ids = ids or self.e.ids
        digests = {i: self.e.tree_digest(i) for i in ids}
        if len(set(digests.values())) == 1:
            return digests[ids[0]]
        listings = {i: set(self.e.tree_listing(i)) for i in ids}
        first = ids[0]
        diff = []
        for i in ids[1:]:
            diff.append(f"only on {first} vs {i}: {sorted(listings[first] - listings[i])[:5]}")
            diff.append(f"only on {i} vs {first}: {sorted(listings[i] - listings[first])[:5]}")
        self.fail("trees differ:\n" + "\n".join(diff) + "\n" + self.e.describe())

    def wait_ping_events(self, conn, predicate, timeout=WAIT_S, what="notification"):
        """Pings `conn` until its queued notifications satisfy `predicate`; returns them."""
        def check():
            self.assertEqual(conn.ping().err, 0)
            pairs = [(ev.type, ev.path) for ev in conn.events]
            return pairs if predicate(pairs) else None
        return zkservers.wait_until(check, timeout, interval=0.1, what=what)

    def write_acked(self, zk, path, data=b"", timeout=WAIT_S):
        """Creates `path` through `zk`, retrying over connection trouble; a NodeExistsError
        after a retry means an earlier attempt was applied. Returns the seconds it took."""
        start = time.monotonic()
        deadline = start + timeout
        retried = False
        while True:
            try:
                zk.create(path, data)
                return time.monotonic() - start
            except NodeExistsError:
                if retried:
                    return time.monotonic() - start
                raise
            except (KazooException, KazooTimeoutError):
                if time.monotonic() >= deadline:
                    raise
                retried = True
                time.sleep(0.05)


class FormationTest(EnsembleTestCase):
    def test_members_started_one_by_one_form_one_leader_and_report_their_mode(self):
        e = self.e
        e.start(ids=[1], wait=False)
        zkservers.wait_until(lambda: self._answers(1, "srvr"), WAIT_S, what="member 1 listens")
        self.assertIn(NOT_SERVING, e.members[1].four_letter("srvr"))
        self.assertIn(NOT_SERVING, e.members[1].four_letter("mntr"))
        self.assertEqual(e.members[1].four_letter("ruok"), "imok")
        self.assertIsNone(e.mode(1))
        conn = jute.Connection(e.members[1].host, e.members[1].client_port, timeout=5)
        self.addCleanup(conn.close)
        with self.assertRaises((jute.ConnectionClosed, ConnectionError)):
            conn.handshake()

        e.start(ids=[3], wait=False)  # a majority of three: the ensemble forms
        e.wait_serving(ids=[1, 3])
        e.start(ids=[2])
        leader = e.leader()
        followers = [i for i in e.ids if i != leader]
        self.assertEqual({e.mode(i) for i in followers}, {"follower"})

        self.assertIn("Mode: leader", e.members[leader].four_letter("stat"))
        for i in followers:
            self.assertIn("Mode: follower", e.members[i].four_letter("stat"))
            mntr = e.members[i].mntr()
            self.assertEqual(mntr["zk_server_state"], "follower")
            self.assertNotIn("zk_followers", mntr)
        zkservers.wait_until(
            lambda: self._leader_counts(leader) == ("2", "2"), WAIT_S,
            what=f"leader mntr zk_followers/zk_synced_followers 2/2, "
                 f"last {self._leader_counts(leader)}")
        self.assertEqual(e.members[leader].mntr()["zk_server_state"], "leader")

    def _answers(self, member_id, word):
        try:
            return self.e.members[member_id].four_letter(word, timeout=1.0)
        except OSError:
            return None

    def _leader_counts(self, leader):
        mntr = self.e.members[leader].mntr()
        return mntr.get("zk_followers"), mntr.get("zk_synced_followers")


class WritesTest(EnsembleTestCase):
    def test_writes_through_every_member_reach_every_member(self):
        e = self.e
        e.start()
        clients = {i: self.kazoo([i]) for i in e.ids}
        clients[1].create("/t", b"root")
        for i, zk in clients.items():
            zk.sync("/t")
            for k in range(10):
                zk.create(f"/t/m{i}-{k}", f"{i}:{k}".encode())
            zk.set("/t", f"last write by {i}".encode())
        for i, zk in clients.items():
            zk.sync("/t")
            self.assertEqual(len(zk.get_children("/t")), 30, f"children seen on member {i}")
        self.assert_same_tree()

    def test_a_read_after_sync_sees_a_write_just_made_on_another_member(self):
        e = self.e
        e.start()
        clients = {i: self.kazoo([i]) for i in e.ids}
        clients[1].create("/x", b"0")
        for round_no in range(5):
            for a in e.ids:
                for b in e.ids:
                    if a == b:
                        continue
                    value = f"{round_no}:{a}->{b}".encode()
                    clients[a].set("/x", value)
                    clients[b].sync("/x")
                    seen, _ = clients[b].get("/x")
                    self.assertEqual(seen, value, f"member {b} after sync, written on {a}")
        self.assert_same_tree()


class SessionTest(EnsembleTestCase):
    def test_a_session_on_a_follower_is_usable_and_its_ephemeral_is_seen_everywhere(self):
        e = self.e
        e.start()
        follower = e.followers()[0]
        zk = self.kazoo([follower])
        zk.create("/s", b"")
        zk.create("/s/eph", b"mine", ephemeral=True)
        sid = zk.client_id[0]
        self.assertEqual(zk.get("/s/eph")[1].ephemeralOwner, sid)
        for i in e.ids:
            stat = self.exists_on(i, "/s/eph")
            self.assertIsNotNone(stat, f"ephemeral missing on member {i}")
            self.assertEqual(stat.ephemeralOwner, sid, f"owner on member {i}")
        self.assertEqual(zk.get_children("/s"), ["eph"])

    def test_kazoo_moves_to_another_member_with_its_session_when_its_member_dies(self):
        e = self.e
        e.start()
        follower = e.followers()[0]
        other = next(i for i in e.ids if i != follower)
        zk = self.kazoo([follower, other])
        zk.create("/moved", b"", ephemeral=True)
        sid = zk.client_id[0]
        self.assertEqual(self.kazoo_member(zk), follower, "kazoo did not stay on its first host "
                         f"(modes {e.modes()}; states {zk.states.seen()}):\n" + e.describe())
        e.members[follower].kill9()
        zkservers.wait_until(lambda: KazooState.SUSPENDED in zk.states.seen()
                             and zk.state == KazooState.CONNECTED, WAIT_S,
                             what=f"kazoo reconnected; states {zk.states.seen()}")
        self.assertNotIn(KazooState.LOST, zk.states.seen())
        self.assertEqual(zk.client_id[0], sid)
        self.assertEqual(zk.exists("/moved").ephemeralOwner, sid)
        zk.create("/after-move", b"ok")
        for i in e.ids:
            if i != follower:
                self.assertEqual(self.exists_on(i, "/moved").ephemeralOwner, sid)

    def test_reattach_on_another_member_keeps_session_ephemerals_and_resent_watches(self):
        e = self.e
        e.start()
        f1, f2 = e.followers()
        leader = e.leader()
        writer = self.kazoo([leader])
        a = self.raw(f1)
        for path in ("/w-later", "/w-detached"):
            self.assertEqual(a.create(path, b"0").err, 0)
        self.assertEqual(a.create("/w-eph", b"", flags=jute.FLAG_EPHEMERAL).err, 0)
        self.assertEqual(a.get_data("/w-later", watch=True).err, 0)
        self.assertEqual(a.get_data("/w-detached", watch=True).err, 0)
        self.assertEqual(a.exists("/w-new", watch=True).err, -101)
        session, last_zxid = a.session, a.last_zxid
        a.close()  # the client goes away without closing its session

        writer.set("/w-detached", b"changed while detached")
        b = self.raw_reattach(f2, session, last_zxid)
        self.assertEqual(b.session.session_id, session.session_id)
        self.assertEqual(b.session.passwd, session.passwd)
        reply = b.exists("/w-eph")
        self.assertEqual(reply.err, 0)
        self.assertEqual(reply.value.ephemeralOwner, session.session_id)
        self.assertEqual(b.set_watches2(last_zxid, data=["/w-later", "/w-detached"],
                                        exist=["/w-new"]).err, 0)
        # A change after last_zxid fires at once, as ZooKeeper's setWatches does.
        self.wait_ping_events(b, lambda ev: (EVENT_DATA_CHANGED, "/w-detached") in ev,
                              what="NodeDataChanged /w-detached on reattach")
        writer.set("/w-later", b"1")
        writer.create("/w-new", b"")
        events = self.wait_ping_events(
            b, lambda ev: {(EVENT_DATA_CHANGED, "/w-later"), (EVENT_CREATED, "/w-new")} <= set(ev),
            what="NodeDataChanged /w-later and NodeCreated /w-new")
        self.assertEqual(len(events), 3, events)  # one-shot watches fire once each

    def test_kazoo_resumes_a_session_on_another_member_with_id_and_password(self):
        e = self.e
        e.start()
        f1, f2 = e.followers()
        a = self.raw(f1)
        self.assertEqual(a.create("/resumed", b"", flags=jute.FLAG_EPHEMERAL).err, 0)
        sid, passwd = a.session.session_id, a.session.passwd
        a.close()
        zk = self.kazoo([f2], client_id=(sid, passwd))
        self.assertEqual(zk.client_id[0], sid)
        self.assertEqual(zk.exists("/resumed").ephemeralOwner, sid)


class CloseAndExpiryTest(EnsembleTestCase):
    def test_closing_a_session_on_a_follower_deletes_its_ephemerals_everywhere(self):
        e = self.e
        e.start()
        follower = e.followers()[0]
        zk = self.kazoo([follower])
        zk.create("/c", b"")
        zk.create("/c/e1", b"", ephemeral=True)
        zk.create("/c/e2", b"", ephemeral=True)
        for i in e.ids:
            self.assertIsNotNone(self.exists_on(i, "/c/e1"), f"member {i}")
        zk.stop()  # closeSession; its reply comes after the close is committed
        for i in e.ids:
            self.assertIsNone(self.exists_on(i, "/c/e1"), f"member {i} after close")
            self.assertIsNone(self.exists_on(i, "/c/e2"), f"member {i} after close")
        self.assertIsNotNone(self.exists_on(e.leader(), "/c"))
        self.assert_same_tree()

    def test_pings_to_a_follower_keep_a_short_session_alive(self):
        e = self.e
        e.start()
        follower = e.followers()[0]
        conn = self.raw(follower, session_timeout_ms=1000)
        self.assertEqual(conn.session.timeout, 1000)
        self.assertEqual(conn.create("/kept", b"", flags=jute.FLAG_EPHEMERAL).err, 0)
        for _ in range(12):  # 3 s of pings every 250 ms: three timeouts
            time.sleep(0.25)
            self.assertEqual(conn.ping().err, 0)
        self.assertEqual(conn.exists("/kept").err, 0)
        self.assertIsNotNone(self.exists_on(e.leader(), "/kept"))

    def test_a_vanished_client_expires_on_the_leaders_decision_everywhere(self):
        e = self.e
        e.start()
        leader = e.leader()
        follower = e.followers()[0]
        owner = self.raw(follower, session_timeout_ms=1000)
        self.assertEqual(owner.create("/gone", b"", flags=jute.FLAG_EPHEMERAL).err, 0)
        sid = owner.session.session_id
        watchers = {}
        for i in e.ids:
            w = self.raw(i)
            self.assertEqual(w.sync("/").err, 0)
            self.assertEqual(w.exists("/gone", watch=True).err, 0, f"member {i}")
            watchers[i] = w
        owner.close()  # the socket goes; no closeSession
        silent_since = time.monotonic()
        for i, w in watchers.items():
            self.wait_ping_events(w, lambda ev: (EVENT_DELETED, "/gone") in ev, timeout=10,
                                  what=f"NodeDeleted /gone on member {i}")
        self.assertGreaterEqual(time.monotonic() - silent_since, 0.9)
        for i in e.ids:
            self.assertIsNone(self.exists_on(i, "/gone"), f"member {i}")
        ended = f"session ended id={sid:#x} reason=expired"
        zkservers.wait_until(lambda: ended in e.members[leader].log_tail(400), 5,
                             what=f"'{ended}' in the leader's log")
        again = jute.Connection(e.members[follower].host, e.members[follower].client_port)
        self.addCleanup(again.close)
        s = again.handshake(session_id=sid, passwd=owner.session.passwd)
        self.assertEqual((s.timeout, s.session_id), (0, 0))


class FailoverClientTest(EnsembleTestCase):
    """What keeps a client's connection and session through a failover: pings answered while a
    write waits for a leader, and handshakes of clients that are ahead of a member waiting for it
    to catch up instead of being refused."""

    def test_a_ping_behind_a_write_waiting_for_the_leader_is_answered_at_once(self):
        e = self.e
        e.start()
        leader = e.leader()
        follower = e.followers()[0]
        conn = self.raw(follower, session_timeout_ms=4000)
        e.members[leader].sigstop()
        self.addCleanup(e.members[leader].sigcont)
        create_xid = conn.submit(jute.OP["create"], jute.create_request("/held", b""))
        conn.submit(jute.OP["ping"], b"", xid=jute.XID_PING)
        # Well under the election timeout: the create cannot have been answered by then.
        frame = conn.recv_frame(timeout=2.0)
        xid = struct.unpack(">i", frame[:4])[0]
        self.assertEqual(xid, jute.XID_PING, f"first reply was xid {xid}, not the ping's "
                         f"(the create is xid {create_xid})")

    def send_connect(self, member_id, last_zxid, timeout_ms):
        """A raw connection to one member that has sent a ConnectRequest claiming `last_zxid`,
        its reply not read yet (jute.Connection.handshake would wait for it)."""
        m = self.e.members[member_id]
        conn = jute.Connection(m.host, m.client_port)
        self.addCleanup(conn.close)
        conn.send_frame(jute.Encoder().int(0).long(last_zxid).int(timeout_ms).long(0)
                        .buffer(bytes(16)).bool(False).bytes())
        return conn

    def test_a_client_ahead_of_a_follower_gets_its_handshake_once_the_follower_catches_up(self):
        e = self.e
        e.start()
        follower = e.followers()[0]
        writer = self.raw(e.leader())
        zxid = writer.create("/z", b"").zxid
        conn = self.send_connect(follower, zxid + 3, 4000)
        with self.assertRaises(TimeoutError):
            conn.recv_frame(timeout=0.5)  # zxid+3 does not exist yet: the handshake waits
        for i in range(3):
            self.assertEqual(writer.create(f"/z/{i}", b"").err, 0)
        frame = conn.recv_frame(timeout=5.0)
        d = jute.Decoder(frame)
        _proto, negotiated, sid = d.int(), d.int(), d.long()
        self.assertEqual(negotiated, 4000)
        self.assertNotEqual(sid, 0)

    def test_a_client_ahead_that_the_follower_never_reaches_is_refused_after_its_timeout(self):
        e = self.e
        e.start()
        follower = e.followers()[0]
        start = time.monotonic()
        conn = self.send_connect(follower, 1 << 40, 1000)
        self.assertTrue(conn.wait_for_close(timeout=5.0), "the handshake was never refused")
        self.assertGreaterEqual(time.monotonic() - start, 0.9)
        self.assertIn("refusing client", e.members[follower].log_tail(50))


class LeaderKillTest(EnsembleTestCase):
    def test_kill9_of_the_leader_elects_another_and_it_catches_up_after_restart(self):
        e = self.e
        e.start()
        old = e.leader()
        survivors = [i for i in e.ids if i != old]
        on_survivor = self.kazoo([survivors[0]])
        on_leader = self.kazoo([old, survivors[1]])
        on_survivor.create("/k", b"")
        for k in range(20):
            on_survivor.create(f"/k/before-{k}", b"x")
        on_survivor.create("/k/eph-survivor", b"", ephemeral=True)
        on_leader.create("/k/eph-leader", b"", ephemeral=True)
        sids = (on_survivor.client_id[0], on_leader.client_id[0])

        e.members[old].kill9()
        took = self.write_acked(on_survivor, "/k/first-after-kill")
        new = e.leader()
        self.assertIn(new, survivors)
        sys.stderr.write(f"\n  leader kill -> first acknowledged write: {took:.3f} s\n")
        for k in range(20):
            self.write_acked(on_survivor, f"/k/after-{k}", b"y")
        zkservers.wait_until(lambda: on_leader.state == KazooState.CONNECTED, WAIT_S,
                             what="the killed leader's client reconnected")
        self.assertEqual((on_survivor.client_id[0], on_leader.client_id[0]), sids)
        for zk in (on_survivor, on_leader):
            self.assertNotIn(KazooState.LOST, zk.states.seen())
        self.assertIsNotNone(on_leader.exists("/k/eph-leader"))
        self.assertIsNotNone(on_leader.exists("/k/eph-survivor"))

        e.members[old].start()
        e.wait_serving()
        self.assertEqual(e.leader(), new)
        self.assertEqual(e.mode(old), "follower")
        self.assert_same_tree()
        self.assertEqual(len(self.e_children(old, "/k")), 43)

    def e_children(self, member_id, path):
        conn = self.raw(member_id)
        self.assertEqual(conn.sync(path).err, 0)
        return conn.get_children(path).value


class RejoinMixin:
    expect_snapshot = False  # whether the rejoining member must be sent a snapshot

    def rejoin_with_empty_data_dir(self):
        e = self.e
        e.start()
        follower = e.followers()[0]
        zk = self.kazoo([e.leader()])
        zk.create("/r", b"")
        for k in range(40):
            zk.create(f"/r/before-{k}", b"b" * k)
        member = e.members[follower]
        member.stop()
        member.wipe()
        self.assertEqual([p.name for p in member.data_dir.iterdir()], ["myid"])
        for k in range(40):
            zk.create(f"/r/during-{k}", b"d")
            zk.set("/r", str(k).encode())
        log_offset = member.output_path.stat().st_size
        member.start()
        e.wait_serving()
        self.assertEqual(e.mode(follower), "follower")
        self.assert_same_tree()
        restored = "restored from a snapshot" in member.output_path.read_text(
            errors="replace")[log_offset:]
        self.assertEqual(restored, self.expect_snapshot, member.log_tail())
        reader = self.kazoo([follower])
        reader.sync("/r")
        self.assertEqual(len(reader.get_children("/r")), 80)
        self.assertEqual(reader.get("/r")[0], b"39")



class RejoinTest(RejoinMixin, EnsembleTestCase):
    def test_a_follower_with_an_empty_data_dir_rejoins_from_the_log(self):
        self.rejoin_with_empty_data_dir()


class SnapshotRejoinTest(RejoinMixin, EnsembleTestCase):
    # Snapshots every 16 entries keeping none behind: the wiped member needs a snapshot.
    ensemble_cfg = {"paddock.snapshotThreshold": 16, "paddock.snapshotTrailing": 0}
    expect_snapshot = True

    def test_a_follower_with_an_empty_data_dir_rejoins_from_a_snapshot(self):
        self.rejoin_with_empty_data_dir()


class BadConfigTest(unittest.TestCase):
    """Start-up refuses an inconsistent ensemble configuration, naming the problem."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="paddock-badcfg-")
        self.addCleanup(self.tmp.cleanup)
        self.e = Ensemble(size=3, tmpdir=self.tmp.name)  # configs written, nothing started
        self.member = self.e.members[1]

    def run_member(self):
        start = time.monotonic()
        done = subprocess.run(self.member.argv(), stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=10, cwd=str(self.member.dir))
        elapsed = time.monotonic() - start
        out = (done.stdout + done.stderr).decode(errors="replace")
        self.assertNotEqual(done.returncode, 0, out)
        self.assertLess(elapsed, 5.0, out)
        return out

    def test_duplicate_server_id(self):
        other = self.e.members[3]
        with open(self.member.cfg_path, "a") as f:
            f.write(f"server.2=127.0.0.1:{other.raft_port}:{other.peer_port}\n")
        self.assertIn("duplicate server.2", self.run_member())

    def test_missing_myid(self):
        (self.member.data_dir / "myid").unlink()
        out = self.run_member()
        self.assertIn("myid", out)
        self.assertIn("missing", out)

    def test_myid_not_in_the_server_list(self):
        (self.member.data_dir / "myid").write_text("7\n")
        out = self.run_member()
        self.assertIn("my id 7", out)
        self.assertIn("not in the server list", out)

    def test_malformed_myid(self):
        (self.member.data_dir / "myid").write_text("two\n")
        out = self.run_member()
        self.assertIn("myid", out)
        self.assertIn("two", out)


if __name__ == "__main__":
    unittest.main()
