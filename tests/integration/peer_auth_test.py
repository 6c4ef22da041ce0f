"""Only members holding the ensemble's key can use its peer and Raft ports (issue #14, defect 6).

What this proves, each point against real paddock-server processes on loopback:
* a 3-member ensemble whose members share `paddock.peerKeyFile` forms, elects one leader and
  replicates a write made through a follower;
* a member started with a different key cannot join: it never serves, the two others keep
  serving and accept writes, and its log says that the other side's proof did not verify;
* a raw TCP client on the leader's peer port that claims to be a member (kHello with a
  member's id, no handshake) and sends a forged kForward batch expiring a live session achieves
  nothing: the session and its ephemeral stay, and the leader logs the refused link with the
  client's address;
* a raw TCP client on the leader's Raft port that sends libraft's own handshake claiming to be
  a member, then a RequestVote with a huge term and the leadership-transfer flag, achieves
  nothing: the leader keeps leading (it logs no "leadership lost") and logs the refused link;
* even a holder of the key (a member) may forward only what followers forward: a batch with a
  kExpireSession, sent over a properly authenticated link, is refused and logged, and the
  session stays alive;
* start-up refuses an ensemble configuration without the key, or with a key file that is
  missing or too short, naming `paddock.peerKeyFile`; standalone ignores the key.

How: tests/lib/ensemble.py runs the members with key files written here (so this file does not
depend on the harness's default key); the forged traffic is built by hand below, from the wire
formats of src/server/peers.h, src/statemachine/txn.cc, libraft 0.15's uv_tcp_connect.c and
uv_encoding.c, and src/net/peer_auth.h. Every wait is bounded.

Run: /usr/bin/python3 tests/integration/peer_auth_test.py [-v]   (PADDOCK_SERVER selects the
binary, default build/bin/paddock-server; PADDOCK_KEEP_TMP=1 keeps the member directories)
"""

import base64
import hashlib
import hmac
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

import jute  # noqa: E402
import zkservers  # noqa: E402
from ensemble import Ensemble  # noqa: E402

WAIT_S = 15.0
# Long enough for a forged message to have taken effect if it were accepted: a forwarded batch
# is proposed and committed within milliseconds on loopback, a step-down at once.
SETTLE_S = 3.0
SESSION_TIMEOUT_MS = 10000  # the maximum at tickTime=500 (20 ticks)

# The peer channel (src/server/peers.h): [u32 length][u8 type][body].
PEER_HELLO, PEER_FORWARD = 1, 2
# A txn batch (src/statemachine/txn.cc): "PDK2", count, then each txn.
BATCH_MAGIC = 0x50444B32
TXN_EXPIRE_SESSION = 3
# The handshake of src/net/peer_auth.h.
AUTH_HELLO, AUTH_CHALLENGE, AUTH_PROOF = 0x41, 0x42, 0x43
AUTH_VERSION = 1
AUTH_PURPOSE_PEER = 1


def write_key(path, raw=None):
    """A key file as the README says to make one: 32 random bytes, base64."""
    raw = os.urandom(32) if raw is None else raw
    Path(path).write_text(base64.b64encode(raw).decode() + "\n")
    return Path(path)


def peer_frame(frame_type, body):
    return struct.pack(">IB", len(body) + 1, frame_type) + body


def expire_batch(session_id, origin_server):
    """A PDK2 batch of one kExpireSession txn, as only a leader proposes it."""
    txn = struct.pack(">BqiiqiqqqiI", TXN_EXPIRE_SESSION, session_id, 0, 0, 0, origin_server,
                      0, 0, 0, 0, 0)  # ..., identities: none, body: empty
    return struct.pack(">ii", BATCH_MAGIC, 1) + txn


def libraft_handshake(member_id, address):
    """libraft 0.15's TCP transport preamble: protocol 1, id, padded address (little endian)."""
    raw = address.encode() + b"\0"
    raw += b"\0" * (-len(raw) % 8)
    return struct.pack("<QQQ", 1, member_id, len(raw)) + raw


def disruptive_request_vote(candidate_id, term):
    """A RequestVote (type 3) with the disrupt-leader flag: a leader that accepts it steps
    down and bumps its term, whoever it is from."""
    body = struct.pack("<QQQQQ", term, candidate_id, 1 << 40, term, 1)
    return struct.pack("<QQ", 3, len(body)) + body


def read_exact(sock, n, deadline):
    out = b""
    while len(out) < n:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError(f"closed after {len(out)} of {n} bytes")
        out += chunk
    return out


def authenticate_as(sock, key, self_id, peer_id, timeout=5.0):
    """The initiator's side of src/net/peer_auth.h, with `key`, claiming `self_id`."""
    deadline = time.monotonic() + timeout
    nonce_i = os.urandom(32)
    hello = struct.pack(">BBQQ", AUTH_VERSION, AUTH_PURPOSE_PEER, self_id, peer_id) + nonce_i
    sock.sendall(peer_frame(AUTH_HELLO, hello))
    length, frame_type = struct.unpack(">IB", read_exact(sock, 5, deadline))
    if frame_type != AUTH_CHALLENGE or length != 1 + 8 + 32 + 32:
        raise ConnectionError(f"unexpected challenge frame type={frame_type} length={length}")
    body = read_exact(sock, length - 1, deadline)
    (responder,) = struct.unpack(">Q", body[:8])
    nonce_r, mac_r = body[8:40], body[40:72]
    transcript = (b"paddock-auth-1\0peer\0" + struct.pack(">QQ", self_id, peer_id) + nonce_i
                  + nonce_r)
    expected = hmac.new(key, b"responder\0" + transcript, hashlib.sha256).digest()
    if responder != peer_id or not hmac.compare_digest(mac_r, expected):
        raise ConnectionError("the responder's proof does not verify")
    mac_i = hmac.new(key, b"initiator\0" + transcript, hashlib.sha256).digest()
    sock.sendall(peer_frame(AUTH_PROOF, mac_i))


def log_text(member):
    return member.output_path.read_text(errors="replace") if member.output_path.exists() else ""


class KeyedEnsembleCase(unittest.TestCase):
    """A fresh 3-member ensemble per test, every member given the key file `self.key`."""

    def make_ensemble(self, keys=None):
        """`keys`: member id -> key file; default the shared key for all."""
        tmp = Path(tempfile.mkdtemp(prefix="paddock-peerauth-"))
        if not os.environ.get("PADDOCK_KEEP_TMP"):
            self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        self.key = write_key(tmp / "peer.key")
        keys = keys or {}

        def cfg(member_id):
            return {"paddock.peerKeyFile": str(keys.get(member_id, self.key))}
        self.e = Ensemble(size=3, tick_ms=500, extra_cfg=cfg, tmpdir=str(tmp / "ensemble"))
        self.addCleanup(self.e.close)
        return self.e

    def session_with_ephemeral(self, member_id, path):
        """A raw client session on `member_id` owning an ephemeral at `path`."""
        conn = self.e.members[member_id].connect(session_timeout_ms=SESSION_TIMEOUT_MS)
        self.addCleanup(conn.close)
        self.assertEqual(conn.create(path, b"x", flags=1).err, 0)
        return conn

    def assert_alive(self, conn, path):
        """The session still answers, and its ephemeral is still on every member."""
        try:
            ping, stat = conn.ping(), conn.exists(path)
        except (jute.ConnectionClosed, OSError) as err:
            self.fail(f"the session's connection was closed: {err!r}")
        self.assertEqual(ping.err, 0, f"ping: {jute.err_name(ping.err)}")
        self.assertEqual(stat.err, 0, f"exists {path}: {jute.err_name(stat.err)}")
        for i in self.e.ids:
            probe = self.e.members[i].connect(session_timeout_ms=SESSION_TIMEOUT_MS)
            try:
                self.assertEqual(probe.sync("/").err, 0)
                stat = probe.exists(path)
                self.assertEqual(stat.err, 0, f"ephemeral {path} gone on member {i}")
                self.assertEqual(stat.value.ephemeralOwner, conn.session.session_id)
            finally:
                probe.close_session()
                probe.close()

    def wait_log(self, member, pattern, timeout=WAIT_S):
        regex = re.compile(pattern)
        return zkservers.wait_until(lambda: regex.search(log_text(member)), timeout,
                                    interval=0.1, what=f"/{pattern}/ in member {member.id}'s log")


class PeerAuthTest(KeyedEnsembleCase):
    def test_ensemble_with_the_key_forms_and_serves(self):
        e = self.make_ensemble()
        t0 = time.monotonic()
        e.start(timeout=WAIT_S)
        leader = e.leader()
        print(f"\n  ensemble formed and serving in {time.monotonic() - t0:.2f} s", file=sys.stderr)
        follower = next(i for i in e.ids if i != leader)
        conn = e.members[follower].connect(session_timeout_ms=SESSION_TIMEOUT_MS)
        self.addCleanup(conn.close)
        self.assertEqual(conn.create("/keyed", b"v").err, 0)
        for i in e.ids:
            probe = e.members[i].connect(session_timeout_ms=SESSION_TIMEOUT_MS)
            self.assertEqual(probe.sync("/").err, 0)
            self.assertEqual(probe.get_data("/keyed").value[0], b"v")
            probe.close()

    def test_member_with_a_different_key_cannot_join(self):
        other_dir = Path(tempfile.mkdtemp(prefix="paddock-otherkey-"))
        self.addCleanup(shutil.rmtree, other_dir, ignore_errors=True)
        e = self.make_ensemble(keys={3: write_key(other_dir / "other.key")})
        e.start(ids=[1, 2], timeout=WAIT_S)
        e.leader()
        e.start(ids=[3], wait=False)
        time.sleep(SETTLE_S)
        self.assertTrue(e.members[3].is_running(), e.members[3].log_tail())
        self.assertIsNone(e.mode(3), "member 3 serves with a different key\n" + e.describe())
        self.assertIsNotNone(e.mode(1))
        self.assertIsNotNone(e.mode(2))
        conn = e.members[1].connect(session_timeout_ms=SESSION_TIMEOUT_MS)
        self.addCleanup(conn.close)
        self.assertEqual(conn.create("/still-serving", b"").err, 0)
        # Member 3 says why: the others' proofs do not verify under its key.
        line = self.wait_log(e.members[3], r"link refused .*reason=\"[^\"]*key[^\"]*\"")
        print(f"\n  member 3: {line.group(0)}", file=sys.stderr)
        # And the others name it by address.
        self.wait_log(e.members[1], r"link refused remote=127\.0\.0\.1:\d+")

    def test_forged_forward_on_the_peer_port_achieves_nothing(self):
        e = self.make_ensemble()
        e.start(timeout=WAIT_S)
        leader = e.leader()
        follower = next(i for i in e.ids if i != leader)
        conn = self.session_with_ephemeral(follower, "/victim")
        victim = conn.session.session_id
        target = e.members[leader]
        with socket.create_connection((target.host, target.peer_port), timeout=5) as s:
            local = "%s:%d" % s.getsockname()
            try:
                s.sendall(peer_frame(PEER_HELLO, struct.pack(">i", follower)))
                s.sendall(peer_frame(PEER_FORWARD, expire_batch(victim, follower)))
            except OSError:
                pass  # closed on us: what we want
            time.sleep(SETTLE_S)
        self.assert_alive(conn, "/victim")
        line = self.wait_log(target, r"peer link refused remote=%s reason=\"[^\"]+\""
                             % re.escape(local))
        print(f"\n  leader: {line.group(0)}", file=sys.stderr)

    def test_forged_raft_message_on_the_raft_port_achieves_nothing(self):
        e = self.make_ensemble()
        e.start(timeout=WAIT_S)
        leader = e.leader()
        follower = next(i for i in e.ids if i != leader)
        target = e.members[leader]
        address = f"{e.members[follower].host}:{e.members[follower].raft_port}"
        with socket.create_connection((target.host, target.raft_port), timeout=5) as s:
            local = "%s:%d" % s.getsockname()
            try:
                s.sendall(libraft_handshake(follower, address))
                s.sendall(disruptive_request_vote(follower, 1 << 40))
            except OSError:
                pass
            time.sleep(SETTLE_S)
        self.assertNotIn("leadership lost", log_text(target),
                         "the leader stepped down for a forged RequestVote\n" + e.describe())
        self.assertEqual(e.leader(), leader)
        line = self.wait_log(target, r"raft link refused remote=%s reason=\"[^\"]+\""
                             % re.escape(local))
        print(f"\n  leader: {line.group(0)}", file=sys.stderr)

    def test_a_key_holder_may_forward_only_what_followers_forward(self):
        e = self.make_ensemble()
        e.start(timeout=WAIT_S)
        leader = e.leader()
        follower = next(i for i in e.ids if i != leader)
        conn = self.session_with_ephemeral(follower, "/victim2")
        victim = conn.session.session_id
        target = e.members[leader]
        key = self.key.read_bytes().strip()
        with socket.create_connection((target.host, target.peer_port), timeout=5) as s:
            authenticate_as(s, key, follower, leader)
            s.sendall(peer_frame(PEER_HELLO, struct.pack(">i", follower)))
            s.sendall(peer_frame(PEER_FORWARD, expire_batch(victim, follower)))
            line = self.wait_log(target, r"forwarded batch refused from=%d .*expireSession"
                                 % follower)
            time.sleep(SETTLE_S)
        self.assert_alive(conn, "/victim2")
        print(f"\n  leader: {line.group(0)}", file=sys.stderr)


class PeerKeyConfigTest(unittest.TestCase):
    """Start-up checks of paddock.peerKeyFile (one process each, no ensemble formed)."""

    ENSEMBLE = ("dataDir=DATA\nadmin.enableServer=false\nserver.1=127.0.0.1:2888:3888\n"
                "server.2=127.0.0.1:2889:3889\nserver.3=127.0.0.1:2890:3890\n")

    def run_server(self, cfg_text, key_text=None):
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "myid").write_text("1\n")
            if key_text is not None:
                (Path(d) / "peer.key").write_text(key_text)
            cfg = Path(d) / "zoo.cfg"
            cfg.write_text(cfg_text.replace("DATA", d).replace("KEY", str(Path(d) / "peer.key")))
            try:
                return subprocess.run([zkservers.paddock_binary(), str(cfg)],
                                      capture_output=True, text=True, timeout=10)
            except subprocess.TimeoutExpired as err:
                self.fail(f"start-up was not refused (still running after 10 s): {err.stderr}")

    def test_ensemble_without_the_key_stops_startup_saying_how_to_make_one(self):
        r = self.run_server(self.ENSEMBLE)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("paddock.peerKeyFile", r.stderr)
        self.assertIn("head -c 32 /dev/urandom", r.stderr)

    def test_missing_key_file_is_refused_naming_the_key(self):
        r = self.run_server(self.ENSEMBLE + "paddock.peerKeyFile=KEY\n")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("paddock.peerKeyFile", r.stderr)

    def test_short_key_is_refused_naming_the_key_and_the_size(self):
        r = self.run_server(self.ENSEMBLE + "paddock.peerKeyFile=KEY\n", key_text="  short \n")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("paddock.peerKeyFile", r.stderr)
        self.assertIn("at least 16 bytes", r.stderr)

    def test_standalone_ignores_the_key(self):
        port = zkservers.free_port()
        with tempfile.TemporaryDirectory() as d:
            cfg = Path(d) / "zoo.cfg"
            cfg.write_text(f"dataDir={d}\nclientPort={port}\nadmin.enableServer=false\n"
                           f"paddock.peerKeyFile={d}/absent.key\n")
            proc = subprocess.Popen([zkservers.paddock_binary(), str(cfg)],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            try:
                zkservers.wait_until(
                    lambda: "Mode: standalone" in _srvr(port), WAIT_S, interval=0.1,
                    what="standalone server")
            finally:
                proc.terminate()
                proc.wait(timeout=10)
                proc.stdout.close()


def _srvr(port):
    try:
        return zkservers.four_letter_word(port, "srvr", timeout=1.0)
    except OSError:
        return ""


if __name__ == "__main__":
    unittest.main(verbosity=2)
