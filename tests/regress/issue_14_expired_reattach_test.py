"""Issue #14, defect 3: an expired session is never answered CONNECTED, by any member.

Proves that once a session's expiry is visible through one member (its ephemeral's deletion
seen by a watcher on the leader), presenting the old session id and password to every member
gets the expired answer (timeout 0, session id 0) from each, at once and after a pause. Before
the fix, followers answered with a live session and the full timeout, every follower in every
round: a follower decided from its own state, which learns of the expiry only when the leader's
next message carries the new commit index (the expiry is the leader's own entry, so nothing
else hurried it), and which was never asked again.

How: 3 members, tickTime 500. Per round a raw client (4 s session) on a follower creates an
ephemeral and goes silent without closing; a kazoo watcher on the leader waits for the deletion;
then the old id and password are presented to every member, once at once and once 300 ms
later. Five rounds; every answer must be expired. The figures are printed.
"""

import sys
import threading
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import jute  # noqa: E402
from ensemble import Ensemble  # noqa: E402

from kazoo.client import KazooClient  # noqa: E402

ROUNDS = 5
SESSION_MS = 4000


def present(member, session):
    """Presents an old session to `member`; True if it answered with a live session."""
    c = jute.Connection(member.host, member.client_port, timeout=10.0)
    try:
        r = c.handshake(session_timeout_ms=SESSION_MS, session_id=session.session_id,
                        passwd=session.passwd)
        return r.session_id != 0 and r.timeout > 0
    except (jute.ConnectionClosed, OSError):
        return False
    finally:
        c.close()


class ExpiredSessionNeverConnected(unittest.TestCase):
    def test_every_member_answers_expired(self):
        live = {"now": [], "later": []}
        with Ensemble(size=3, tick_ms=500) as e:
            e.start()
            leader = e.leader()
            followers = e.followers()
            watcher = KazooClient(hosts=e.connect_string([leader]), timeout=10)
            watcher.start(timeout=10)
            try:
                for rnd in range(ROUNDS):
                    self.one_round(e, followers[rnd % 2], watcher, f"/eph{rnd}", live)
            finally:
                watcher.stop()
                watcher.close()
        total = 3 * ROUNDS
        print(f"RESULT live_answers_at_once={len(live['now'])}/{total} "
              f"live_answers_after_300ms={len(live['later'])}/{total}")
        self.assertEqual(live, {"now": [], "later": []},
                         "members answered CONNECTED for an expired session (round, member)")

    def one_round(self, e, follower, watcher, path, live):
        m = e.members[follower]
        c = jute.Connection(m.host, m.client_port)
        session = c.handshake(session_timeout_ms=SESSION_MS)
        self.assertEqual(c.create(path, b"", flags=1).err, 0)  # ephemeral; then silence
        gone = threading.Event()

        def on_event(_event):
            gone.set()

        self.assertIsNotNone(watcher.exists(path, watch=on_event))
        self.assertTrue(gone.wait(SESSION_MS / 1000 + 10), f"{path} never deleted")
        for key, pause in (("now", 0.0), ("later", 0.3)):
            time.sleep(pause)
            for i, member in e.members.items():
                if present(member, session):
                    live[key].append((path, i))
        c.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
