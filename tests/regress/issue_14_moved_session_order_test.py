"""Issue #14, defect 1: a session's writes never apply out of the order sent, across a move.

Proves that a write a client sent through member A, which A could not handle at once, never
applies after a write the client made later through member B. Before the fix, A forwarded the
held write once it could, and it committed after B's: the session's updates applied out of the
order sent. ZooKeeper's rule is that a request from a connection the session has left is
refused (SESSIONMOVED); here every write carries the session attachment its connection holds,
and the log refuses one from an attachment that is no longer current.

How: 3 members, tickTime 500. Per round, a raw client opens a session on follower A and
creates /r<n>/w0, then A is paused (SIGSTOP) and the client sends create /r<n>/w1 into A's
socket. It reattaches the same session on member B and creates /r<n>/w2 there (acknowledged),
then A resumes (SIGCONT). After A has caught up, /r<n>/w1 must not exist with a czxid after
w2's. Five rounds; the count of out-of-order applications is printed.
"""

import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import jute  # noqa: E402
from ensemble import Ensemble  # noqa: E402

from kazoo.client import KazooClient  # noqa: E402

ROUNDS = 5
SESSION_MS = 10000


class MovedSessionKeepsOrder(unittest.TestCase):
    def test_held_write_never_applies_after_a_later_one(self):
        out_of_order = []
        with Ensemble(size=3, tick_ms=500) as e:
            e.start()
            leader = e.leader()
            a_id, b_id = e.followers()[0], leader
            observer = KazooClient(hosts=e.connect_string([leader]), timeout=10)
            observer.start(timeout=10)
            try:
                for rnd in range(ROUNDS):
                    if self.one_round(e, e.members[a_id], e.members[b_id], observer, rnd):
                        out_of_order.append(rnd)
            finally:
                observer.stop()
                observer.close()
        print(f"RESULT out_of_order_rounds={len(out_of_order)}/{ROUNDS}")
        self.assertEqual(out_of_order, [], "a write held on A applied after a later write "
                         "through B (rounds)")

    def one_round(self, e, a, b, observer, rnd):
        base = f"/r{rnd}"
        observer.create(base)
        ca = jute.Connection(a.host, a.client_port)
        session = ca.handshake(session_timeout_ms=SESSION_MS)
        self.assertEqual(ca.create(f"{base}/w0").err, 0)
        a.sigstop()
        try:
            ca.submit(jute.OP["create"], jute.create_request(f"{base}/w1"))
            cb = jute.Connection(b.host, b.client_port)
            r = cb.handshake(session_timeout_ms=SESSION_MS, session_id=session.session_id,
                             passwd=session.passwd, last_zxid=ca.last_zxid)
            self.assertEqual(r.session_id, session.session_id)
            self.assertEqual(cb.create(f"{base}/w2").err, 0)
        finally:
            a.sigcont()
        e.wait_serving([a.id], timeout=15)
        time.sleep(1.0)  # A's held write has been handled, whatever became of it
        observer.sync(base)
        w1 = observer.exists(f"{base}/w1")
        w2 = observer.exists(f"{base}/w2")
        ca.close()
        cb.close()
        return w1 is not None and w1.czxid > w2.czxid


if __name__ == "__main__":
    unittest.main(verbosity=2)
