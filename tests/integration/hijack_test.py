"""Sessions cannot be taken over (issue #6): wrong-password reattaches and session passwords.

What this proves, against a real paddock-server process on loopback (tests/lib/jute.py):

* A reattach to a live session with a wrong password gets the invalid-session answer
  (timeout 0, id 0, 16 zero bytes) and is closed, and the session's real connection never
  notices: it keeps getting replies, its one-shot and persistent watches still fire, its
  ephemerals stay, and the server never closes it. Wrong passwords tried: one bit flipped (first
  and last byte), all zeros, another session's password, ZooKeeper's derivable password, cut to
  15, 8 and 0 bytes, one byte too long. Requests pipelined behind a refused handshake are never
  executed. 200 attempts in a row, while the owner keeps working, change nothing either.
* After the owner closes its session, even the right password gets the expired answer.
* Passwords: pairwise distinct over many sessions, not ZooKeeper's java.util.Random(id) ones,
  about half their bits set, stable for a session across a restart (so a client can resume)
  while new sessions after the restart get new ids and new passwords; two data directories
  (two ensemble secrets) never hand out the same password. Session ids are the server byte,
  the wall-clock millisecond of the first session and a counter (src/session/session_table.cc),
  so two data directories cannot be made to hand out the same id from outside; that the same
  id gives different passwords under different secrets is checked by
  src/session/password_test.cc (DiffersBetweenSecrets, RejectsAPasswordMadeWithAnotherSecret).
* ZooKeeper itself closes the owner's connection before it checks the password (reference
  §2.2 step 9); ZooKeeperContrastTest shows that the owner check used here does catch that.
"""

import socket
import struct
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
ZEROS = bytes(16)
OWNER_TIMEOUT_MS = 10000
HIJACK_ATTEMPTS = 200
CLOSE_WAIT_S = 5.0


def flip(passwd, index, bit):
    b = bytearray(passwd)
    b[index] ^= 1 << bit
    return bytes(b)


def wrong_passwords(owner, other):
    """(name, password) pairs that must all be refused for the owner's session."""
    pw = owner.session.passwd
    return [
        ("first bit flipped", flip(pw, 0, 0)),
        ("last bit flipped", flip(pw, 15, 7)),
        ("all zeros", ZEROS),
        ("another session's password", other.session.passwd),
        ("zookeeper's derivable password", jute.java_session_passwd(owner.session.session_id)),
        ("truncated to 15 bytes", pw[:15]),
        ("truncated to 8 bytes", pw[:8]),
        ("empty", b""),
        ("one byte too long", pw + b"\x00"),
    ]


def connect_request(session_id, passwd, timeout_ms=OWNER_TIMEOUT_MS):
    return (jute.Encoder().int(0).long(0).int(timeout_ms).long(session_id).buffer(passwd)
            .bool(False).bytes())


class HijackTestCase(ServerTestCase):
    tmp_prefix = "paddock-hijack-"

    def conn(self, server=None, **handshake):
        server = server or self.server
        c = jute.Connection("127.0.0.1", server.port, timeout=CLOSE_WAIT_S)
        self.conns.append(c)
        c.handshake(session_timeout_ms=OWNER_TIMEOUT_MS, **handshake)
        return c

    # ---- the owner and its checks

    def make_owner(self):
        """An owner session with an ephemeral, a one-shot data watch and a persistent watch."""
        owner, writer = self.conn(), self.conn()
        self.assertEqual(writer.create("/w", b"0").err, 0)
        self.assertEqual(writer.create("/p").err, 0)
        self.assertEqual(owner.create("/eph", b"mine", flags=jute.FLAG_EPHEMERAL).err, 0)
        self.assertEqual(owner.get_data("/w", watch=True).err, 0)
        self.assertEqual(owner.add_watch("/p", jute.ADD_WATCH_PERSISTENT).err, 0)
        self.round = 0
        return owner, writer

    def assert_owner_undisturbed(self, owner, writer):
        """Replies, watches and ephemerals of the owner are as if nothing had happened."""
        self.round += 1
        self.assertEqual(owner.ping().err, 0, "owner lost its replies")
        self.assertEqual(owner.take_events(), [], "owner got an event nobody caused")
        self.assertEqual(writer.set_data("/w", b"%d" % self.round).err, 0)
        self.assertEqual(writer.create("/p/%d" % self.round).err, 0)
        self.assertEqual(owner.exists("/").err, 0)  # barrier: the events come before it
        events = [(jute.EVENT_NAME[e.type], e.path) for e in owner.take_events()]
        self.assertEqual(events, [("NodeDataChanged", "/w"), ("NodeChildrenChanged", "/p")])
        self.assertEqual(owner.get_data("/w", watch=True).err, 0)  # re-arm the one-shot watch
        st = writer.exists("/eph")
        self.assertEqual(st.err, 0, "the owner's ephemeral is gone")
        self.assertEqual(st.value.ephemeralOwner, owner.session.session_id)
        self.assertFalse(owner.wait_for_close(0.05), "the owner's connection was closed")

    def assert_refused(self, session_id, passwd, what):
        c = jute.Connection("127.0.0.1", self.server.port, timeout=CLOSE_WAIT_S)
        try:
            s = c.handshake(session_timeout_ms=OWNER_TIMEOUT_MS, session_id=session_id,
                            passwd=passwd)
            self.assertEqual((s.timeout, s.session_id, s.passwd), (0, 0, ZEROS), what)
            self.assertTrue(c.wait_for_close(CLOSE_WAIT_S), f"{what}: hijacker not closed")
        finally:
            c.close()


class WrongPasswordTest(HijackTestCase):
    def test_each_kind_of_wrong_password_is_refused_and_leaves_the_owner_alone(self):
        owner, writer = self.make_owner()
        other = self.conn()
        for name, bad in wrong_passwords(owner, other):
            with self.subTest(password=name):
                self.assert_refused(owner.session.session_id, bad, name)
                self.assert_owner_undisturbed(owner, writer)
        self.assertEqual(other.ping().err, 0)

    def test_the_owners_password_does_not_open_another_session(self):
        owner, writer = self.make_owner()
        other = self.conn()
        self.assert_refused(other.session.session_id, owner.session.passwd, "owner's pw")
        self.assertEqual(other.ping().err, 0)
        self.assertFalse(other.wait_for_close(0.05))
        self.assert_owner_undisturbed(owner, writer)

    def test_requests_pipelined_behind_a_refused_handshake_never_run(self):
        owner, writer = self.make_owner()
        c = jute.Connection("127.0.0.1", self.server.port, timeout=CLOSE_WAIT_S)
        self.conns.append(c)
        # One write: the server may close right after refusing, so later sends could fail.
        frames = [connect_request(owner.session.session_id, flip(owner.session.passwd, 3, 3))]
        for xid, (op, body) in enumerate([
                (OP["create"], jute.create_request("/hijacked", b"x", flags=jute.FLAG_EPHEMERAL)),
                (OP["delete"], jute.delete_request("/eph")),
                (OP["setData"], jute.set_data_request("/w", b"hijacked"))], start=1):
            frames.append(struct.pack(">ii", xid, op) + body)
        c.send_raw(b"".join(struct.pack(">i", len(f)) + f for f in frames))
        d = jute.Decoder(c.recv_frame())
        self.assertEqual((d.int(), d.int(), d.long(), d.buffer()), (0, 0, 0, ZEROS))
        self.assertTrue(c.wait_for_close(CLOSE_WAIT_S))
        self.assertEqual(writer.exists("/hijacked").err, -101)
        self.assertEqual(writer.get_data("/w").value[0], b"0")
        self.assert_owner_undisturbed(owner, writer)

    def test_two_hundred_attempts_while_the_owner_works_change_nothing(self):
        owner, writer = self.make_owner()
        other = self.conn()
        bad = [pw for _, pw in wrong_passwords(owner, other)]
        sid = owner.session.session_id
        failures = []

        def hijack():
            for i in range(HIJACK_ATTEMPTS):
                c = jute.Connection("127.0.0.1", self.server.port, timeout=CLOSE_WAIT_S)
                try:
                    s = c.handshake(session_timeout_ms=OWNER_TIMEOUT_MS, session_id=sid,
                                    passwd=bad[i % len(bad)])
                    if (s.session_id, s.passwd) != (0, ZEROS) or not c.wait_for_close(
                            CLOSE_WAIT_S):
                        failures.append((i, s))
                except (OSError, jute.ConnectionClosed, jute.ProtocolError) as e:
                    failures.append((i, repr(e)))
                finally:
                    c.close()

        t = threading.Thread(target=hijack)
        started = time.monotonic()
        t.start()
        replies = 0
        while t.is_alive() and time.monotonic() - started < 120:
            self.assertEqual(owner.get_data("/eph").err, 0)  # the owner keeps working
            replies += 1
        t.join(10)
        self.assertFalse(t.is_alive(), "hijack loop did not finish")
        self.assertEqual(failures, [])
        self.assertGreater(replies, 0)
        self.assert_owner_undisturbed(owner, writer)

    def test_after_the_owner_closes_even_the_right_password_gets_the_expired_answer(self):
        owner, writer = self.make_owner()
        sid, pw = owner.session.session_id, owner.session.passwd
        self.assertEqual(owner.close_session().err, 0)
        self.assertTrue(owner.wait_for_close(CLOSE_WAIT_S))
        self.assert_refused(sid, pw, "right password after close")
        self.assertEqual(writer.exists("/eph").err, -101)

    def test_the_right_password_still_resumes_after_many_wrong_ones(self):
        owner, writer = self.make_owner()
        for name, bad in wrong_passwords(owner, self.conn()):
            self.assert_refused(owner.session.session_id, bad, name)
        back = self.conn(session_id=owner.session.session_id, passwd=owner.session.passwd,
                         last_zxid=owner.last_zxid)
        self.assertEqual(back.session.session_id, owner.session.session_id)
        self.assertTrue(owner.wait_for_close(CLOSE_WAIT_S))  # the real owner moved
        self.assertEqual(back.exists("/eph").err, 0)


class PasswordTest(HijackTestCase):
    SESSIONS = 100

    def open_sessions(self, server, n):
        out = []
        for _ in range(n):
            c = self.conn(server)
            out.append((c.session.session_id, c.session.passwd))
            c.close()
        return out

    def test_passwords_are_distinct_random_looking_and_not_zookeepers(self):
        sessions = self.open_sessions(self.server, self.SESSIONS)
        ids = [sid for sid, _ in sessions]
        pws = [pw for _, pw in sessions]
        self.assertEqual(len(set(ids)), len(ids))
        self.assertEqual(len(set(pws)), len(pws), "two sessions share a password")
        self.assertTrue(all(len(pw) == 16 for pw in pws))
        for sid, pw in sessions:
            self.assertNotEqual(pw, jute.java_session_passwd(sid))
            self.assertNotIn(sid.to_bytes(8, "big"), pw)
            self.assertNotIn(sid.to_bytes(8, "little"), pw)
        # Consecutive ids must not give related passwords (no constant XOR between neighbours).
        xors = {bytes(a ^ b for a, b in zip(p, q)) for p, q in zip(pws, pws[1:])}
        self.assertEqual(len(xors), len(pws) - 1)
        ones = sum(bin(b).count("1") for pw in pws for b in pw)
        bits = 128 * len(pws)
        self.assertTrue(0.45 * bits < ones < 0.55 * bits, f"{ones} of {bits} bits set")

    def test_a_session_keeps_its_password_across_a_restart_and_new_ids_are_new(self):
        before = self.open_sessions(self.server, 5)
        keep = self.conn()
        sid, pw, zxid = keep.session.session_id, keep.session.passwd, keep.last_zxid
        keep.close()
        self.server.restart()
        back = self.conn(session_id=sid, passwd=pw, last_zxid=zxid)
        self.assertEqual((back.session.session_id, back.session.passwd), (sid, pw))
        self.assert_refused(sid, flip(pw, 7, 1), "flipped bit after restart")
        after = self.open_sessions(self.server, 5)
        old_ids = {s for s, _ in before} | {sid}
        old_pws = {p for _, p in before} | {pw}
        self.assertFalse(old_ids & {s for s, _ in after}, "a session id was handed out twice")
        self.assertFalse(old_pws & {p for _, p in after}, "a password was handed out twice")

    def test_two_data_directories_never_hand_out_the_same_password(self):
        with tempfile.TemporaryDirectory(prefix="paddock-hijack-b-") as other_dir:
            other = zkservers.start_paddock(other_dir, self.extra_cfg)
            try:
                a = dict(self.open_sessions(self.server, 50))
                b = dict(self.open_sessions(other, 50))
                self.assertFalse(set(a.values()) & set(b.values()))
                for sid in set(a) & set(b):  # only if the clocks happened to give equal ids
                    self.assertNotEqual(a[sid], b[sid])
                # A password from one data directory opens nothing on the other.
                sid_b, pw_b = next(iter(b.items()))
                sid_a = next(iter(a))
                self.assert_refused(sid_a, pw_b, "password from the other data directory")
            finally:
                other.stop()


class ZooKeeperContrastTest(unittest.TestCase):
    """The owner check above must be able to fail: ZooKeeper 3.8 fails it."""

    def test_zookeeper_drops_the_owner_on_a_wrong_password_which_paddock_must_not(self):
        with tempfile.TemporaryDirectory(prefix="paddock-hijack-zk-") as d:
            zk = zkservers.start_zookeeper(d)
            try:
                owner = jute.connect("127.0.0.1", zk.port, OWNER_TIMEOUT_MS)
                hijacker = jute.Connection("127.0.0.1", zk.port)
                s = hijacker.handshake(OWNER_TIMEOUT_MS, session_id=owner.session.session_id,
                                       passwd=ZEROS)
                self.assertEqual((s.session_id, s.passwd), (0, ZEROS))
                self.assertTrue(owner.wait_for_close(CLOSE_WAIT_S),
                                "ZooKeeper no longer drops the owner: update issue #6's note")
                owner.close()
                hijacker.close()
            finally:
                zk.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
