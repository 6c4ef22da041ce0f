"""Limits that hold under abuse (issue #6), against a real paddock-server on loopback.

- globalOutstandingLimit: with more requests outstanding server-wide than the limit, connections
  that have requests in progress are not read; every request is still answered, in order, and
  the outstanding count never goes past the limit by more than one request per connection.
- paddock.maxUnsentBytes: a client whose unsent replies pass the bound is disconnected.
- A client that reads nothing for its session timeout is disconnected, while the server holds
  back the replies it has not produced yet (memory stays bounded).
- jute.maxbuffer on replies: a reply larger than the limit becomes MARSHALLINGERROR and the
  connection stays usable.
- Overload: many more clients and outstanding requests than the server serves at once; it stays
  up, its peak RSS stays bounded, and it serves normally once the load stops.

Each limit is checked by what the client sees, by the server's log line and by /metrics. The
figures of the overload run (clients, requests, peak outstanding, peak RSS, duration) are printed.
"""

import os
import selectors
import socket
import struct
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "admin"))

import adminlib  # noqa: E402
import jute  # noqa: E402
from paddock_case import ServerTestCase  # noqa: E402

OP = jute.OP


def metric(server, name):
    _status, _type, text = adminlib.http_get(server.admin_port, "/metrics")
    value = adminlib.metric(adminlib.parse_prometheus(text), name)
    if value is None:
        raise AssertionError(f"metric {name} missing from /metrics")
    return value


def peak_rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("VmHWM missing")


def wait_for_log(server, needle, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in server.output_path.read_text(errors="replace"):
            return True
        time.sleep(0.05)
    return False


def frame(xid, op, body):
    payload = struct.pack(">ii", xid, op) + body
    return struct.pack(">i", len(payload)) + payload


class Pipeliner:
    """Many connections, each with all of its requests written at once (non-blocking), replies
    read concurrently and checked: xids in order, error codes as expected. Bounded in time."""

    @staticmethod
    def encode(reqs):
        """reqs: list of (xid, op, body, expected_err); returns (bytes to send, expected).
        Done before connecting: building a large load takes seconds of Python time, during
        which a connected session would be silent."""
        return (b"".join(frame(x, op, body) for x, op, body, _ in reqs),
                [(x, e) for x, _, _, e in reqs])

    def __init__(self, conns, encoded, server):
        self.server = server
        self.sel = selectors.DefaultSelector()
        self.state = []
        for c, (out, expect) in zip(conns, encoded):
            c.sock.setblocking(False)
            st = {"conn": c, "out": memoryview(out), "in": bytearray(),
                  "expect": expect, "next": 0}
            self.state.append(st)
            self.sel.register(c.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, st)

    def run(self, timeout):
        deadline = time.monotonic() + timeout
        pending = len(self.state)
        while pending and time.monotonic() < deadline:
            for key, events in self.sel.select(timeout=1.0):
                st = key.data
                if events & selectors.EVENT_WRITE and st["out"]:
                    try:
                        n = key.fileobj.send(st["out"][:262144])
                    except BlockingIOError:
                        n = 0
                    st["out"] = st["out"][n:]
                    if not st["out"]:
                        self.sel.modify(key.fileobj, selectors.EVENT_READ, st)
                if events & selectors.EVENT_READ:
                    chunk = key.fileobj.recv(1 << 20)
                    if not chunk:
                        raise AssertionError("server closed a pipelining connection:\n" +
                                             self.server.log_tail())
                    st["in"] += chunk
                    if self._parse(st):
                        pending -= 1
                        self.sel.unregister(key.fileobj)
        if pending:
            raise AssertionError(f"{pending} connections did not get every reply in time")

    @staticmethod
    def _parse(st):
        buf = st["in"]
        pos = 0
        while len(buf) - pos >= 4:
            (n,) = struct.unpack_from(">i", buf, pos)
            if len(buf) - pos - 4 < n:
                break
            xid, _zxid, err = struct.unpack_from(">iqi", buf, pos + 4)
            pos += 4 + n
            if xid in (jute.XID_PING, jute.XID_NOTIFICATION):
                continue
            want_xid, want_err = st["expect"][st["next"]]
            if xid != want_xid or err != want_err:
                raise AssertionError(f"reply xid={xid} err={err}, expected xid={want_xid} "
                                     f"err={want_err}")
            st["next"] += 1
        del buf[:pos]
        return st["next"] == len(st["expect"])


class LimitsTestCase(ServerTestCase):
    extra_cfg = {}
    tmp_prefix = "paddock-limits-"

    def server_cfg(self):
        return {"tickTime": 500, "maxClientCnxns": 0, "4lw.commands.whitelist": "*",
                **self.extra_cfg}

    def conn(self, timeout_ms=10000):
        c = jute.Connection("127.0.0.1", self.server.port, timeout=30.0)
        c.handshake(session_timeout_ms=timeout_ms)
        self.conns.append(c)
        return c

    def assert_serving(self):
        c = self.conn()
        self.assertEqual(c.call(OP["exists"], jute.path_watch_request("/")).err, 0)
        c.close()


class GlobalOutstandingLimitTest(LimitsTestCase):
    extra_cfg = {"globalOutstandingLimit": 20}

    def test_connections_are_not_read_past_the_limit_and_every_request_completes_in_order(self):
        requests = []
        for i in range(10):
            reqs = [(1, OP["create"], jute.create_request(f"/c{i}", b"x"), 0)]
            for k in range(2, 302):
                if k % 2:
                    body, op = jute.set_data_request(f"/c{i}", b"v%d" % k), OP["setData"]
                else:
                    body, op = jute.path_watch_request(f"/c{i}"), OP["getData"]
                reqs.append((k, op, body, 0))
            requests.append(Pipeliner.encode(reqs))
        conns = [self.conn() for _ in range(10)]
        Pipeliner(conns, requests, self.server).run(timeout=60)
        self.assertTrue(wait_for_log(self.server, "throttling clients"), self.server.log_tail())
        self.assertTrue(wait_for_log(self.server, "throttling ended"), self.server.log_tail())
        self.assertGreater(metric(self.server, "paddock_throttled_reads_total"), 0)
        peak = metric(self.server, "paddock_outstanding_requests_peak")
        self.assertLessEqual(peak, 20 + len(conns), "outstanding went past the limit")
        self.assertEqual(metric(self.server, "paddock_outstanding_requests"), 0)
        # The data of each connection is its last write: FIFO held through the throttling.
        check = self.conn()
        for i in range(10):
            self.assertEqual(check.call(OP["getData"], jute.path_watch_request(f"/c{i}"))
                             .value[0], b"v301")


class UnsentBytesLimitTest(LimitsTestCase):
    extra_cfg = {"paddock.maxUnsentBytes": 65536}

    def test_client_that_does_not_read_is_disconnected_and_others_are_not(self):
        writer = self.conn()
        self.assertEqual(writer.call(OP["create"], jute.create_request("/big", b"b" * 30000))
                         .err, 0)
        bystander = self.conn()
        hog = self.conn()
        # 1000 reads of 30 kB (30 MB): far more than the kernel's socket buffers hold.
        hog.sock.sendall(b"".join(frame(x, OP["getData"], jute.path_watch_request("/big"))
                                  for x in range(1, 1001)))
        self.assertTrue(wait_for_log(self.server, "paddock.maxUnsentBytes"),
                        self.server.log_tail())
        self.assertTrue(drained_to_eof(hog.sock, timeout=30), "hog was not disconnected")
        self.assertGreaterEqual(metric(self.server, "paddock_slow_client_disconnects_total"), 1)
        self.assertEqual(bystander.call(OP["getData"], jute.path_watch_request("/big")).err, 0)


class NotReadingTest(LimitsTestCase):
    def test_client_that_reads_nothing_for_its_timeout_is_disconnected(self):
        writer = self.conn()
        self.assertEqual(writer.call(OP["create"], jute.create_request("/big", b"b" * 30000))
                         .err, 0)
        hog = jute.Connection("127.0.0.1", self.server.port, timeout=30.0)
        self.conns.append(hog)
        hog.handshake(session_timeout_ms=1000)
        # 200 reads of 30 kB (6 MB), then pings that keep the session alive: the client is
        # heard, but it reads nothing.
        hog.sock.sendall(b"".join(frame(x, OP["getData"], jute.path_watch_request("/big"))
                                  for x in range(1, 201)))
        deadline = time.monotonic() + 15
        seen = False
        while not seen and time.monotonic() < deadline:
            try:
                hog.sock.sendall(frame(jute.XID_PING, OP["ping"], b""))
            except OSError:
                break
            seen = wait_for_log(self.server, "client read nothing for its session timeout", 0.3)
        self.assertTrue(seen or wait_for_log(self.server, "client read nothing", 1),
                        self.server.log_tail())
        self.assertNotIn("session expiring", self.server.output_path.read_text())
        self.assertTrue(drained_to_eof(hog.sock, timeout=30), "hog was not disconnected")
        # The server produced replies only as the socket took them: about 1 MB held back, not
        # the 30 MB asked for.
        rss_mib = peak_rss_kib(self.server.pid) / 1024
        print(f"\n[not-reading] server peak RSS {rss_mib:.1f} MiB", file=sys.stderr)
        self.assertLess(rss_mib, 64)
        self.assert_serving()


class OversizedReplyTest(LimitsTestCase):
    extra_cfg = {"jute.maxbuffer": 4096}

    def test_reply_over_jute_maxbuffer_is_marshalling_error_and_connection_stays(self):
        c = self.conn()
        self.assertEqual(c.call(OP["create"], jute.create_request("/p")).err, 0)
        for i in range(300):
            name = f"/p/child-{i:014d}"
            self.assertEqual(c.call(OP["create"], jute.create_request(name)).err, 0)
        for op in ("getChildren", "getChildren2"):
            r = c.call(OP[op], jute.path_watch_request("/p"))
            self.assertEqual(jute.ERR.get(r.err), "MARSHALLINGERROR", op)
        self.assertEqual(c.call(OP["getData"], jute.path_watch_request("/p")).err, 0)
        self.assertTrue(wait_for_log(self.server, "reply too large"), self.server.log_tail())
        self.assertEqual(metric(self.server, "paddock_oversized_replies_total"), 2)


class OverloadTest(LimitsTestCase):
    # Sessions of 40 s: a client whose requests all completed sits idle (it sends no pings)
    # while the others finish; that must not expire it.
    extra_cfg = {"tickTime": 2000}
    CLIENTS = int(os.environ.get("PADDOCK_OVERLOAD_CLIENTS", "200"))
    PER_CLIENT = int(os.environ.get("PADDOCK_OVERLOAD_REQUESTS", "500"))

    def test_server_survives_overload_with_bounded_memory_and_recovers(self):
        data = b"d" * 1024
        requests = []
        for i in range(self.CLIENTS):
            reqs = [(1, OP["create"], jute.create_request(f"/o{i}", data), 0)]
            for k in range(2, self.PER_CLIENT + 1):
                if k % 2:
                    reqs.append((k, OP["setData"], jute.set_data_request(f"/o{i}", data), 0))
                else:
                    reqs.append((k, OP["getData"], jute.path_watch_request(f"/o{i}"), 0))
            requests.append(Pipeliner.encode(reqs))
        conns = [self.conn(timeout_ms=40000) for _ in range(self.CLIENTS)]
        start = time.monotonic()
        Pipeliner(conns, requests, self.server).run(timeout=240)
        elapsed = time.monotonic() - start
        total = self.CLIENTS * self.PER_CLIENT
        peak = metric(self.server, "paddock_outstanding_requests_peak")
        rss_mib = peak_rss_kib(self.server.pid) / 1024
        print(f"\n[overload] clients={self.CLIENTS} requests={total} "
              f"({self.CLIENTS * (self.PER_CLIENT // 2)} writes of 1 KiB) in {elapsed:.1f} s "
              f"= {total / elapsed:.0f} req/s; peak outstanding {peak:.0f} (limit 1000); "
              f"server peak RSS {rss_mib:.1f} MiB", file=sys.stderr)
        self.assertLessEqual(peak, 1000 + self.CLIENTS)
        self.assertLess(rss_mib, 256)
        self.assertEqual(metric(self.server, "paddock_outstanding_requests"), 0)
        self.assertEqual(metric(self.server, "paddock_sessions_expired_total"), 0)
        for c in conns:
            c.sock.setblocking(True)
            c.close()
        self.conns.clear()
        self.assert_serving()


def drained_to_eof(sock, timeout):
    """Reads and discards until the server closes the connection; False on timeout."""
    sock.setblocking(True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if not sock.recv(1 << 20):
                return True
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


if __name__ == "__main__":
    unittest.main(verbosity=2)
