"""Issue #14, defect 2: a connection closed while its request is being handled.

Proves that a setWatches whose notifications push the connection over paddock.maxUnsentBytes
closes that connection and nothing else: the server stays up, answers another client, and
logs the disconnect. Before the fix, the close cleared the connection's pipeline inside
ExecuteAtHead and the reply was then written into the freed request (a crash of the release
build, a heap-use-after-free report under ASan).

How: a session on a server with paddock.maxUnsentBytes=65536 sends one setWatches with 4,000
exist watches on "/" (each fires NodeCreated at once: about 130 KB of notifications), without
reading. Repeated a few times, since a use after free need not crash on the first try.
"""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

import jute  # noqa: E402
from paddock_case import ServerTestCase  # noqa: E402

ROUNDS = 5
WATCHES = 4000


class SetWatchesOverUnsentLimit(ServerTestCase):
    extra_cfg = {"tickTime": 500, "paddock.maxUnsentBytes": 65536}

    def test_connection_closed_server_survives(self):
        for _ in range(ROUNDS):
            c = jute.Connection("127.0.0.1", self.server.port)
            self.conns.append(c)
            c.handshake(session_timeout_ms=10000)
            c.submit(jute.OP["setWatches"], jute.set_watches_request(0, exist=["/"] * WATCHES))
            self.assertTrue(c.wait_for_close(timeout=10.0), "connection not closed")
        self.assertTrue(self.server.is_running(), self.server.log_tail())
        other = jute.Connection("127.0.0.1", self.server.port)
        self.conns.append(other)
        other.handshake(session_timeout_ms=10000)
        self.assertEqual(other.call(jute.OP["create"], jute.create_request("/after", b"x")).err, 0)
        self.assertIn("paddock.maxUnsentBytes", self.server.output_path.read_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
