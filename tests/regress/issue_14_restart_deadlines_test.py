"""Issue #14, defect 4: member restarts must not keep a dead client's session alive.

Proves that a session whose client is gone expires about one session timeout after it was last
heard, even while followers keep restarting. Before the fix, a restarted member tracked every
session it restored from its log or snapshot with a fresh deadline and told the other members
that it had heard those clients: every restart reset every session's deadline across the
ensemble, and the ephemeral of a client killed long ago lived on (in the review's run, 20 s
after the kill with a 4 s session; ZooKeeper 3.8 deletes it after 4.3 s).

How: a 3-member ensemble (tickTime 500, snapshots every 16 entries so that restarts restore a
snapshot, and a write load so that snapshots happen), a raw client with a 4 s session on a
follower creates an ephemeral, then its socket is closed abruptly (a killed client sends no
closeSession). From then on a follower is restarted every 2 s, alternating, while a watcher on
the leader measures when the ephemeral goes. It must go within the timeout plus 3 s (a
follower restart can cost the leader one election at most, and a new leader grants one election
timeout); the test gives up at 14 s.
"""

import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import jute  # noqa: E402
from ensemble import Ensemble  # noqa: E402

from kazoo.client import KazooClient  # noqa: E402

SESSION_MS = 4000
RESTART_EVERY_S = 2.0
BOUND_S = SESSION_MS / 1000 + 3.0
GIVE_UP_S = 14.0


class RestartsDoNotResetDeadlines(unittest.TestCase):
    def test_dead_clients_ephemeral_goes_despite_restarts(self):
        cfg = {"paddock.snapshotThreshold": 16, "paddock.snapshotTrailing": 8}
        with Ensemble(size=3, tick_ms=500, extra_cfg=cfg) as e:
            e.start()
            leader = e.leader()
            followers = e.followers()
            m = e.members[followers[0]]
            client = jute.Connection(m.host, m.client_port)
            client.handshake(session_timeout_ms=SESSION_MS)
            self.assertEqual(client.create("/dead", b"", flags=1).err, 0)  # ephemeral
            observer = KazooClient(hosts=e.connect_string([leader]), timeout=10)
            observer.start(timeout=10)
            try:
                for i in range(40):  # snapshots on every member
                    observer.create(f"/load-{i}", b"x" * 100)
                client.close()  # the client dies: no closeSession
                killed_at = time.monotonic()
                gone_after = self.restart_followers_until_gone(e, followers, observer, killed_at)
            finally:
                observer.stop()
                observer.close()
            print(f"RESULT ephemeral_gone_after_s={gone_after}")
            self.assertIsNotNone(gone_after, f"ephemeral still there {GIVE_UP_S} s after the "
                                 f"client died, followers restarting every {RESTART_EVERY_S} s")
            self.assertLessEqual(gone_after, BOUND_S)

    def restart_followers_until_gone(self, e, followers, observer, killed_at):
        next_restart = killed_at + RESTART_EVERY_S
        turn = 0
        while time.monotonic() - killed_at < GIVE_UP_S:
            try:
                if observer.exists("/dead") is None:
                    return round(time.monotonic() - killed_at, 2)
            except Exception:  # noqa: BLE001 (the observer may be reconnecting)
                pass
            if time.monotonic() >= next_restart:
                e.members[followers[turn % len(followers)]].restart()
                turn += 1
                next_restart += RESTART_EVERY_S
            time.sleep(0.05)
        return None


if __name__ == "__main__":
    unittest.main(verbosity=2)
