"""Integration tests of paddock-server as a real process on loopback, through the raw wire.

What this proves: the session rules of issue #2 hold end to end — timeout negotiation within
[min, max], ids with the server byte on top, passwords that are not ZooKeeper's derivable ones,
the readOnly trailer echoed only to clients that sent it, reattach with the right and the wrong
password, refusal of a client that has seen a newer zxid, FIFO replies for a pipelined mix of
reads and writes, closeSession and expiry deleting ephemerals and firing other sessions'
watches, survival of sessions and data across a restart and a kill -9, and that malformed input
closes only the offending connection. Each test starts its own server in a temporary directory
and talks to it with tests/lib/jute.py, which checks reply ordering itself.
"""

import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

import jute  # noqa: E402
from paddock_case import ServerTestCase  # noqa: E402
import zkservers  # noqa: E402

OP = jute.OP


def connect(server, timeout_ms=30000, **kw):
    c = jute.Connection("127.0.0.1", server.port)
    c.handshake(session_timeout_ms=timeout_ms, **kw)
    return c


class PaddockTestCase(ServerTestCase):
    def conn(self, **kw):
        c = connect(self.server, **kw)
        self.conns.append(c)
        return c


class HandshakeTest(PaddockTestCase):
    def test_timeout_is_clamped_into_min_and_max(self):
        self.assertEqual(self.conn(timeout_ms=10).session.timeout, 1000)
        self.assertEqual(self.conn(timeout_ms=3000).session.timeout, 3000)
        self.assertEqual(self.conn(timeout_ms=999999).session.timeout, 10000)

    def test_session_id_has_the_server_byte_on_top_and_ids_count_up(self):
        a, b = self.conn().session.session_id, self.conn().session.session_id
        self.assertEqual(a >> 56, 1)
        self.assertEqual(b, a + 1)

    def test_password_is_sixteen_bytes_and_not_derivable_from_the_id(self):
        s = self.conn().session
        self.assertEqual(len(s.passwd), 16)
        self.assertNotEqual(s.passwd, jute.java_session_passwd(s.session_id))

    def test_readonly_trailer_is_echoed_only_to_clients_that_sent_it(self):
        self.assertEqual(self.conn().session.length, 37)
        self.assertFalse(self.conn().session.read_only)
        old = self.conn(trailer=False).session
        self.assertIsNone(old.read_only)
        self.assertEqual(old.length, 36)

    def test_client_that_has_seen_a_newer_zxid_is_refused_without_reply(self):
        c = jute.Connection("127.0.0.1", self.server.port)
        self.conns.append(c)
        with self.assertRaises(jute.ConnectionClosed):
            c.handshake(last_zxid=1 << 40)

    def test_reattach_with_password_keeps_the_session_and_closes_the_old_connection(self):
        a = self.conn()
        a.create("/e", b"x", flags=jute.FLAG_EPHEMERAL)
        b = self.conn(session_id=a.session.session_id, passwd=a.session.passwd,
                      last_zxid=a.last_zxid)
        self.assertEqual(b.session.session_id, a.session.session_id)
        self.assertTrue(a.wait_for_close(5))
        self.assertEqual(b.call(OP["exists"], jute.path_watch_request("/e")).err, 0)

    def test_wrong_password_gets_zeros_and_close_and_leaves_the_owner_alone(self):
        a = self.conn()
        bad = bytes(16)
        c = jute.Connection("127.0.0.1", self.server.port)
        self.conns.append(c)
        s = c.handshake(session_id=a.session.session_id, passwd=bad)
        self.assertEqual((s.timeout, s.session_id, s.passwd), (0, 0, bytes(16)))
        self.assertTrue(c.wait_for_close(5))
        self.assertEqual(a.create("/still-here").err, 0)

    def test_unknown_session_gets_zeros(self):
        c = jute.Connection("127.0.0.1", self.server.port)
        self.conns.append(c)
        s = c.handshake(session_id=(1 << 56) + 12345, passwd=bytes(16))
        self.assertEqual((s.timeout, s.session_id), (0, 0))


class PipelineTest(PaddockTestCase):
    def test_pipelined_reads_and_writes_complete_in_order_and_reads_see_earlier_writes(self):
        c = self.conn()
        c.create("/p")
        xids = []
        for i in range(300):
            xids.append((c.submit(OP["setData"], jute.set_data_request("/p", b"%d" % i)),
                         OP["setData"], None))
            xids.append((c.submit(OP["getData"], jute.path_watch_request("/p")), OP["getData"],
                         b"%d" % i))
        for xid, op, expect in xids:
            r = c.read_reply(xid, op)  # raises on out-of-order replies
            self.assertEqual(r.err, 0)
            if expect is not None:
                self.assertEqual(r.value[0], expect)

    def test_ping_is_answered_with_xid_minus_two(self):
        r = self.conn().ping()
        self.assertEqual((r.xid, r.err), (jute.XID_PING, 0))

    def test_unknown_opcode_gets_unimplemented_then_close(self):
        c = self.conn()
        r = c.call(999, b"")
        self.assertEqual((r.err, r.zxid), (-6, -1))
        self.assertTrue(c.wait_for_close(5))


class BadInputTest(PaddockTestCase):
    def test_malformed_frames_close_only_their_connection(self):
        good = self.conn()
        for garbage in [struct.pack(">i", -5), struct.pack(">i", 0x7fffffff),
                        struct.pack(">i", 3) + b"abc"]:
            bad = self.conn()
            bad.send_raw(garbage)
            self.assertTrue(bad.wait_for_close(5), garbage)
        self.assertEqual(good.create("/alive").err, 0)

    def test_oversized_frame_is_refused_and_exact_limit_is_accepted(self):
        c = self.conn()
        big = b"x" * (0xFFFFF - 200)
        self.assertEqual(c.create("/big", big).err, 0)
        d = self.conn()
        d.send_raw(struct.pack(">i", 0xFFFFF + 1))
        self.assertTrue(d.wait_for_close(5))

    def test_truncated_handshake_then_close_does_not_disturb_the_server(self):
        s = socket.create_connection(("127.0.0.1", self.server.port))
        s.sendall(struct.pack(">i", 44) + b"\0" * 10)
        s.close()
        self.assertEqual(self.conn().create("/ok").err, 0)

    def test_four_letter_word_outside_the_whitelist_says_so(self):
        self.server.stop()
        self.server = zkservers.start_paddock(self.tmp.name + "/b", {"4lw.commands.whitelist": "srvr"})
        out = zkservers.four_letter_word(self.server.port, "stat")
        self.assertEqual(out, "stat is not executed because it is not in the whitelist.\n")
        self.assertIn("Mode: standalone", zkservers.four_letter_word(self.server.port, "srvr"))

    def test_stmk_waits_for_its_mask_sent_after_the_word(self):
        self.server.stop()
        self.server = zkservers.start_paddock(self.tmp.name + "/c", {"4lw.commands.whitelist": "*"})
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=5) as s:
            s.sendall(b"stmk\x00\x00\x00")
            time.sleep(0.2)
            s.sendall(b"\x00\x00\x00\x01\x02")
            s.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := s.recv(4096):
                answer += chunk
        self.assertEqual(answer, b"258")
        self.assertEqual(zkservers.four_letter_word(self.server.port, "gtmk"), "258")


class ConnectionLimitTest(PaddockTestCase):
    extra_cfg = {"tickTime": 500, "maxClientCnxns": 3, "paddock.handshakeTimeoutMs": 300}

    def test_one_connection_over_max_client_cnxns_is_closed_and_a_freed_slot_is_reused(self):
        first = [self.conn() for _ in range(3)]
        extra = jute.Connection("127.0.0.1", self.server.port)
        self.conns.append(extra)
        with self.assertRaises((jute.ConnectionClosed, ConnectionResetError)):
            extra.handshake()
        first[0].close()
        def admitted():
            try:
                c = connect(self.server)
            except (jute.ConnectionClosed, ConnectionResetError, OSError):
                return None
            self.conns.append(c)
            return c
        c = zkservers.wait_until(admitted, 5, what="a freed connection slot")
        self.assertEqual(c.create("/slot").err, 0)

    def test_connection_without_a_handshake_is_closed_after_the_timeout(self):
        s = socket.create_connection(("127.0.0.1", self.server.port))
        s.settimeout(5)
        started = time.monotonic()
        self.assertEqual(s.recv(1), b"")  # EOF: the server closed it
        self.assertLess(time.monotonic() - started, 4)
        s.close()
        self.assertEqual(self.conn().create("/after").err, 0)


class SessionEndTest(PaddockTestCase):
    def test_close_session_replies_then_closes_and_deletes_ephemerals_for_watchers(self):
        owner, watcher = self.conn(), self.conn()
        owner.create("/eph", flags=jute.FLAG_EPHEMERAL)
        watcher.call(OP["exists"], jute.path_watch_request("/eph", True))
        r = owner.call(OP["closeSession"])
        self.assertEqual(r.err, 0)
        self.assertTrue(owner.wait_for_close(5))
        zkservers.wait_until(lambda: watcher.ping() and watcher.events, 5, what="NodeDeleted")
        self.assertEqual([(e.type, e.path) for e in watcher.take_events()], [(2, "/eph")])
        self.assertEqual(watcher.call(OP["exists"], jute.path_watch_request("/eph")).err, -101)

    def test_silent_session_expires_deleting_ephemerals_and_cannot_come_back(self):
        owner, watcher = self.conn(timeout_ms=1000), self.conn(timeout_ms=10000)
        owner.create("/gone", flags=jute.FLAG_EPHEMERAL)
        watcher.call(OP["exists"], jute.path_watch_request("/gone", True))
        silent_since = time.monotonic()
        self.assertTrue(owner.wait_for_close(5))  # the server closes the expired session
        zkservers.wait_until(lambda: watcher.ping() and watcher.events, 5, what="NodeDeleted")
        self.assertGreaterEqual(time.monotonic() - silent_since, 0.9)
        self.assertEqual(watcher.take_events()[0].path, "/gone")
        again = jute.Connection("127.0.0.1", self.server.port)
        self.conns.append(again)
        s = again.handshake(session_id=owner.session.session_id, passwd=owner.session.passwd)
        self.assertEqual((s.timeout, s.session_id), (0, 0))

    def test_pings_keep_a_session_alive_past_its_timeout(self):
        c = self.conn(timeout_ms=1000)
        c.create("/kept", flags=jute.FLAG_EPHEMERAL)
        for _ in range(8):  # 2 s of pings every 250 ms
            time.sleep(0.25)
            self.assertEqual(c.ping().err, 0)
        self.assertEqual(c.call(OP["exists"], jute.path_watch_request("/kept")).err, 0)


class RestartTest(PaddockTestCase):
    def test_sessions_and_ephemerals_survive_a_restart_and_expire_afterwards(self):
        c = connect(self.server, timeout_ms=4000)
        c.create("/persist", b"p")
        c.create("/eph", flags=jute.FLAG_EPHEMERAL)
        sid, pw, zxid = c.session.session_id, c.session.passwd, c.last_zxid
        c.close()
        self.server.kill9()
        self.server.restart()
        back = self.conn(session_id=sid, passwd=pw, last_zxid=zxid, timeout_ms=4000)
        self.assertEqual(back.session.session_id, sid)
        self.assertEqual(back.call(OP["exists"], jute.path_watch_request("/eph")).err, 0)
        back.close()
        watcher = self.conn()
        watcher.call(OP["exists"], jute.path_watch_request("/eph", True))
        zkservers.wait_until(lambda: watcher.ping() and watcher.events, 10, what="expiry")
        self.assertEqual(watcher.call(OP["getData"], jute.path_watch_request("/persist")).value[0], b"p")

    def test_every_acknowledged_write_survives_kill9_under_load(self):
        acked = []
        stop = threading.Event()

        def writer(n):
            c = connect(self.server)
            try:
                for i in range(100000):
                    if stop.is_set():
                        return
                    path = "/w%d-%d" % (n, i)
                    if c.create(path, b"v").err == 0:
                        acked.append(path)
            except (jute.ConnectionClosed, OSError, socket.timeout):
                return
            finally:
                c.close()

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        self.server.kill9()
        stop.set()
        for t in threads:
            t.join(10)
        self.assertGreater(len(acked), 100)
        self.server.restart()
        c = self.conn()
        missing = [p for p in acked if c.call(OP["exists"], jute.path_watch_request(p)).err != 0]
        self.assertEqual(missing, [])


class SnapshotTest(PaddockTestCase):
    extra_cfg = {"tickTime": 500, "paddock.snapshotThreshold": 64, "paddock.snapshotTrailing": 16}

    def test_snapshots_bound_the_log_and_a_restart_restores_tree_and_sessions(self):
        c = connect(self.server)
        c.create("/snap")
        # One request at a time: each write is its own log entry, so the log passes the
        # snapshot threshold several times over.
        for i in range(300):
            self.assertEqual(c.create("/snap/n%d" % i, b"%d" % i).err, 0)
        c.create("/snap-eph", flags=jute.FLAG_EPHEMERAL)
        sid, pw, zxid = c.session.session_id, c.session.passwd, c.last_zxid
        c.close()
        raft_dir = Path(self.tmp.name) / "data" / "raft"
        snapshots = [p for p in os.listdir(raft_dir) if p.startswith("snapshot-")]
        self.assertTrue(snapshots, os.listdir(raft_dir))
        self.server.kill9()
        self.server.restart()
        back = self.conn(session_id=sid, passwd=pw, last_zxid=zxid)
        self.assertEqual(back.session.session_id, sid)
        r = back.call(OP["getAllChildrenNumber"], jute.path_request("/snap"))
        self.assertEqual(r.value, 300)
        self.assertEqual(back.call(OP["getData"], jute.path_watch_request("/snap/n299")).value[0],
                         b"299")
        self.assertEqual(back.call(OP["exists"], jute.path_watch_request("/snap-eph")).err, 0)


class ConfigTest(unittest.TestCase):
    def run_server(self, cfg_text, myid=None):
        with tempfile.TemporaryDirectory() as d:
            cfg = Path(d) / "zoo.cfg"
            cfg.write_text(cfg_text.replace("DATA", d))
            if myid is not None:
                (Path(d) / "myid").write_text(myid)
            return subprocess.run([zkservers.paddock_binary(), str(cfg)], capture_output=True,
                                  text=True, timeout=20)

    def test_bad_value_stops_startup_naming_the_key(self):
        r = self.run_server("dataDir=DATA\nclientPort=notanumber\n")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("clientPort", r.stderr)

    def test_refused_zookeeper_key_stops_startup_naming_it(self):
        r = self.run_server("dataDir=DATA\nreadonlymode.enabled=true\n")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("readonlymode.enabled=true: Paddock has no read-only mode", r.stderr)

    def test_min_timeout_above_max_is_refused(self):
        r = self.run_server("dataDir=DATA\nminSessionTimeout=5000\nmaxSessionTimeout=4000\n")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("minSessionTimeout", r.stderr)

    ENSEMBLE = ("dataDir=DATA\nserver.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889\n"
                "server.3=127.0.0.1:2890:3890\n")

    def test_ensemble_without_myid_stops_startup_naming_the_file(self):
        r = self.run_server(self.ENSEMBLE)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("/myid file is missing", r.stderr)

    def test_ensemble_myid_not_in_the_server_list_is_refused(self):
        r = self.run_server(self.ENSEMBLE, myid="9\n")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("my id 9", r.stderr)
        self.assertIn("not in the server list", r.stderr)

    def test_duplicate_server_id_is_refused(self):
        r = self.run_server("dataDir=DATA\nserver.1=127.0.0.1:2888:3888\n"
                            "server.1=127.0.0.1:2889:3889\n")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("duplicate server.1", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
