"""The lock recipe with real processes, against paddock-server and Apache ZooKeeper.

What this proves: (1) N lock_worker processes competing for the lock never hold it at the same
time — each holder checks a shared counter file is not marked busy before it increments it, so
a second holder would print VIOLATION and the final count would be short; (2) when the holder
is killed with SIGKILL, a waiting contender acquires the lock once the holder's session expires
(its ephemeral node is deleted), and not before. The time from the kill to the next
acquisition is printed for the record. Bounded: 4 workers x 15 iterations, 60 s per wait.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import zkservers  # noqa: E402

WORKER = os.environ.get("LOCK_WORKER", str(zkservers.REPO_ROOT / "build" / "tests" / "lock_worker"))
WORKERS, ITERATIONS, SESSION_MS = 4, 15, 2000


class LockTest(unittest.TestCase):
    def run_for(self, kind):
        with tempfile.TemporaryDirectory(prefix="paddock-lock-") as tmp:
            server = zkservers.start_target(kind, tmp + "/srv", {"tickTime": 500})
            try:
                self.check_mutual_exclusion(server, tmp)
                self.check_kill9_handover(server, kind)
            finally:
                server.stop()

    def check_mutual_exclusion(self, server, tmp):
        counter = Path(tmp) / "counter"
        counter.write_text("0 0\n")
        procs = [subprocess.Popen([WORKER, server.connect_string, "/locks/mutex", str(counter),
                                   str(ITERATIONS)], stdout=subprocess.PIPE, text=True)
                 for _ in range(WORKERS)]
        outs = [p.communicate(timeout=120)[0] for p in procs]
        self.assertEqual([p.returncode for p in procs], [0] * WORKERS, outs)
        self.assertNotIn("VIOLATION", "".join(outs))
        self.assertEqual(counter.read_text().split(), ["0", str(WORKERS * ITERATIONS)])

    def check_kill9_handover(self, server, kind):
        holder = subprocess.Popen([WORKER, server.connect_string, "/locks/k9", "/dev/null", "1",
                                   "--hold", "--session-ms", str(SESSION_MS)],
                                  stdout=subprocess.PIPE, text=True)
        self.assertTrue(holder.stdout.readline().startswith("HOLDING"))
        waiter = subprocess.Popen([WORKER, server.connect_string, "/locks/k9", "/dev/null", "1",
                                   "--session-ms", str(SESSION_MS)],
                                  stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)
        self.assertIsNone(waiter.poll())  # still waiting behind the holder
        killed_at = time.time() * 1000
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        line = waiter.stdout.readline()
        self.assertTrue(line.startswith("ACQUIRED"), line)
        delay_ms = int(line.split()[1]) - killed_at
        waiter.wait(30)
        print("[%s] kill -9 of the holder -> next acquisition: %.0f ms (session timeout %d ms)"
              % (kind, delay_ms, SESSION_MS))
        self.assertGreater(delay_ms, SESSION_MS * 0.5)
        self.assertLess(delay_ms, SESSION_MS * 4)

    def test_paddock(self):
        self.run_for("paddock")

    def test_zookeeper(self):
        self.run_for("zookeeper")


if __name__ == "__main__":
    unittest.main(verbosity=2)
