"""Issue #14, defect 6 (its last part): a follower cut off from its leader says so.

Proves that a follower whose peer link to the leader is down stops serving within the grace
(twice the election timeout) and logs why, so that its clients move to members that can keep
their sessions alive, and that it serves again once the link is back. Before the fix, such a
follower went on answering its clients' pings while the leader, hearing nothing of them through
it, expired their sessions: a client saw CONNECTED until the moment it was told EXPIRED.

How: 3 members (tickTime 500: election timeout 500 ms, grace 1 s). Each member reaches every
other member's peer port through a TcpProxy of its own, so that one direction of one link can be
broken while Raft (its own port) keeps working. Once the ensemble serves, the proxy from a
follower F to the leader refuses and cuts its connections. F must stop serving within the grace
plus 3 s, its log must say why, and after the proxy forwards again F must serve again.
"""

import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
from ensemble import Ensemble  # noqa: E402
from tcpproxy import TcpProxy  # noqa: E402

STOP_BOUND_S = 1.0 + 3.0
LOG_NEEDLE = "no working peer link to the leader"


def wait_mode(member_mode, want_serving, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (member_mode() is not None) == want_serving:
            return True
        time.sleep(0.05)
    return False


class FollowerCutFromLeader(unittest.TestCase):
    def test_stops_serving_and_says_why(self):
        proxies = {}
        with Ensemble(size=3, tick_ms=500) as e:
            for i in e.ids:
                for j in e.ids:
                    if i != j:
                        proxies[(i, j)] = TcpProxy(e.members[j].peer_port)

            def via_proxies(member_id):
                return {f"server.{j}": f"{m.host}:{m.raft_port}:{proxies[(member_id, j)].port}"
                        for j, m in e.members.items() if j != member_id}

            e.extra_cfg = via_proxies
            for m in e.members.values():
                m.write_config()
            try:
                e.start()
                leader = e.leader()
                f = e.followers()[0]
                cut = proxies[(f, leader)]
                cut.refuse()  # and cuts what is open
                started = time.monotonic()
                stopped = wait_mode(lambda: e.mode(f), False, STOP_BOUND_S + 5)
                took = round(time.monotonic() - started, 2)
                print(f"RESULT follower_stopped={stopped} after_s={took}")
                self.assertTrue(stopped, f"follower {f} still serving {STOP_BOUND_S + 5} s after "
                                "its link to the leader went down")
                self.assertLessEqual(took, STOP_BOUND_S)
                self.assertIn(LOG_NEEDLE, e.members[f].output_path.read_text(errors="replace"))
                self.assertEqual(e.mode(leader), "leader")
                cut.forward()
                self.assertTrue(wait_mode(lambda: e.mode(f), True, 10),
                                f"follower {f} did not serve again once the link was back")
            finally:
                for p in proxies.values():
                    p.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
