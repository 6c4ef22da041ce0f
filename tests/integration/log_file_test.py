"""paddock-server's log file and its size-based rotation (zoo.cfg paddock.logFile,
paddock.logFileMaxBytes, paddock.logFiles; issue #15).

What this proves: with a log file configured, the server writes its lines there rather than to
stderr; once the file reaches paddock.logFileMaxBytes it is rotated (paddock.1.log, then
paddock.2.log, ...: spdlog's names, the index before the extension),
no file grows past the limit, and no more than paddock.logFiles files exist, the current one
included. The log is filled with real events (sessions created and closed at debug level).
A log file the server cannot open stops start-up with exit code 2 and a message naming
paddock.logFile.
"""

import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

import jute  # noqa: E402
import zkservers  # noqa: E402

MAX_BYTES = 1024
FILES = 3


class LogFileRotation(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="paddock-log-")
        self.log = Path(self.tmp.name) / "logs" / "paddock.log"
        self.log.parent.mkdir()
        self.server = zkservers.start_paddock(self.tmp.name, {
            "paddock.logLevel": "debug",
            "paddock.logFile": str(self.log),
            "paddock.logFileMaxBytes": MAX_BYTES,
            "paddock.logFiles": FILES,
        })

    def tearDown(self):
        self.server.stop()
        self.tmp.cleanup()

    def open_and_close_sessions(self, count):
        for _ in range(count):
            c = jute.Connection("127.0.0.1", self.server.port)
            c.handshake(session_timeout_ms=10000)
            c.call(jute.OP["closeSession"])
            c.close()

    def test_log_rotates_at_the_size_limit_and_keeps_at_most_the_file_count(self):
        self.open_and_close_sessions(40)
        files = sorted(p.name for p in self.log.parent.iterdir())
        self.assertEqual(files, ["paddock.1.log", "paddock.2.log", "paddock.log"],
                         "expected the current file and two rotated ones")
        for name in files:
            size = (self.log.parent / name).stat().st_size
            self.assertLessEqual(size, MAX_BYTES, f"{name} is {size} bytes")
        rotated = (self.log.parent / "paddock.1.log").read_text()
        self.assertIn("session", rotated)
        # The newest lines are in the current file; stderr has none of them. Lines below warn
        # are written at the end of the loop turn that logged them (base/log.h), which can be
        # just after the reply reached the client.
        self.open_and_close_sessions(1)
        zkservers.wait_until(lambda: "session ended" in self.log.read_text(), 5,
                             what="the line of the last session in the current file")
        self.assertNotIn("session ended", self.server.output_path.read_text())


class LogFileRefused(unittest.TestCase):
    def test_a_log_file_that_cannot_be_opened_stops_start_up_naming_the_key(self):
        with tempfile.TemporaryDirectory(prefix="paddock-log-") as tmp:
            cfg = Path(tmp) / "zoo.cfg"
            zkservers.write_cfg(cfg, {
                "dataDir": str(Path(tmp) / "data"),
                "clientPort": zkservers.free_port(),
                "admin.enableServer": "false",
                "paddock.logFile": str(Path(tmp) / "missing-dir" / "paddock.log"),
            })
            r = subprocess.run([zkservers.paddock_binary(), str(cfg)], capture_output=True,
                               text=True, timeout=30)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("paddock.logFile", r.stderr)
            self.assertIn("missing-dir", r.stderr)


if __name__ == "__main__":
    unittest.main()
