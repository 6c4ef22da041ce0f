"""The admin HTTP endpoint of a real paddock-server, over loopback.

What this proves:
* every ZooKeeper admin command listed at /commands answers JSON with "command" and "error",
  aliases answer under the primary name as ZooKeeper's do, an unknown name gets ZooKeeper's
  "Unknown command" error, and the commands show the state a client created (its connection,
  session, ephemeral and watches) and reset what srst/crst reset;
* /metrics is valid Prometheus text (HELP/TYPE first, counters *_total, cumulative histograms)
  and counts requests by opcode, sessions, ephemerals, watches, the Raft role, term, commit and
  apply index, fsync latency, and snapshots once the log has taken one;
* a session's end is recorded with its reason: closed by its client, or expired after N ms of
  silence (N measured from the last packet), and, when the server had dropped its connection,
  that too, in the log, in mntr and /metrics counters and in the sessions feed;
* a port that cannot be bound only warns, admin.enableServer=false serves nothing, the
  endpoint binds 127.0.0.1 by default, and a bad admin key stops start-up naming it;
* the endpoint stays correct under concurrent scrapes while clients write, and a server with
  requests in flight still shuts down promptly.
Each class starts its own server on free loopback ports (tests/lib/zkservers.py).
"""

import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import adminlib  # noqa: E402
import jute  # noqa: E402
import zkservers  # noqa: E402

OP = jute.OP

# Field names of ZooKeeper 3.8's answers (captured from its AdminServer; compared live in
# zookeeper_fields_test.py).
ZK_FIELDS = {
    "ruok": set(),
    "server_stats": {"version", "read_only", "server_stats", "client_response", "node_count"},
    "stats": {"version", "read_only", "server_stats", "client_response", "node_count",
              "connections", "secure_connections"},
    "connections": {"connections", "secure_connections"},
    "dump": {"expiry_time_to_session_ids", "session_id_to_ephemeral_paths"},
    "watch_summary": {"num_connections", "num_paths", "num_total_watches"},
    "watches": {"session_id_to_watched_paths"},
    "watches_by_path": {"path_to_session_ids"},
    "configuration": {"client_port", "data_dir", "data_log_dir", "tick_time", "max_client_cnxns",
                      "min_session_timeout", "max_session_timeout", "server_id",
                      "client_port_listen_backlog"},
    "is_read_only": {"read_only"},
    "dirs": {"datadir_size", "logdir_size"},
    "last_snapshot": {"zxid", "timestamp"},
    "initial_configuration": {"initial_configuration"},
}
ALIASES = {"srvr": "server_stats", "stat": "stats", "cons": "connections", "mntr": "monitor",
           "wchs": "watch_summary", "wchc": "watches", "wchp": "watches_by_path",
           "envi": "environment", "conf": "configuration", "isro": "is_read_only",
           "crst": "connection_stat_reset", "srst": "stat_reset", "lsnp": "last_snapshot",
           "gtmk": "get_trace_mask", "icfg": "initial_configuration"}


def fields(obj):
    return set(obj) - {"command", "error"}


class AdminServerTestCase(unittest.TestCase):
    extra_cfg = {"tickTime": 500}  # sessions between 1 s and 10 s

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="paddock-admin-")
        cls.server = zkservers.start_paddock(cls.tmp.name, cls.extra_cfg)
        cls.admin = cls.server.admin_port

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.cleanup()

    def connect(self, timeout_ms=10000):
        c = jute.Connection("127.0.0.1", self.server.port)
        c.handshake(session_timeout_ms=timeout_ms)
        self.addCleanup(c.close)
        return c

    def command(self, name):
        return adminlib.command(self.admin, name)

    def metrics(self):
        status, ctype, text = adminlib.http_get(self.admin, "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith("text/plain"), ctype)
        return adminlib.parse_prometheus(text)

    def log(self):
        return self.server.output_path.read_text(errors="replace")

    def ended(self, session_id):
        hex_id = f"0x{session_id:x}"
        for e in self.command("sessions")["ended"]:
            if e["session_id"] == hex_id:
                return e
        return None


class CommandsTest(AdminServerTestCase):
    def setUp(self):
        self.c = self.connect()
        self.c.create("/cmd-" + self.id().rsplit(".", 1)[1][-20:], flags=jute.FLAG_EPHEMERAL)
        self.c.create("/watched-" + self.id().rsplit(".", 1)[1][-20:])

    def test_every_listed_command_answers_json_with_command_and_error(self):
        status, ctype, index = adminlib.http_get(self.admin, "/commands")
        self.assertEqual(status, 200)
        self.assertIn("text/html", ctype)
        names = re.findall(r'href="/commands/([a-z_]+)"', index)
        self.assertGreaterEqual(len(names), 20)
        for name in names:
            with self.subTest(command=name):
                out = self.command(name)
                self.assertEqual(out["command"], name)
                self.assertIn("error", out)
                if name != "leader":  # ZooKeeper's standalone answer is an error too
                    self.assertIsNone(out["error"])

    def test_field_names_are_zookeepers(self):
        for name, expected in ZK_FIELDS.items():
            with self.subTest(command=name):
                self.assertEqual(fields(self.command(name)), expected)
        stats = self.command("server_stats")["server_stats"]
        for key in ("packets_sent", "packets_received", "avg_latency", "max_latency",
                    "min_latency", "num_alive_client_connections", "outstanding_requests",
                    "last_processed_zxid", "server_state", "uptime", "client_response_stats"):
            self.assertIn(key, stats)
        self.assertEqual(self.command("leader")["error"], "server is not initialized")

    def test_aliases_answer_under_the_primary_name(self):
        for alias, primary in ALIASES.items():
            with self.subTest(alias=alias):
                self.assertEqual(self.command(alias)["command"], primary)

    def test_unknown_command_gets_zookeepers_error(self):
        out = self.command("no_such_thing")
        self.assertEqual(out, {"command": "no_such_thing",
                               "error": "Unknown command: no_such_thing"})

    def test_connections_dump_and_watches_show_a_clients_state(self):
        sid = self.c.session.session_id
        path = "/watched-" + self.id().rsplit(".", 1)[1][-20:]
        self.c.get_data(path, watch=True)
        cons = [c for c in self.command("connections")["connections"]
                if c["session_id"] == sid]
        self.assertEqual(len(cons), 1)
        self.assertRegex(cons[0]["remote_socket_address"], r"^127\.0\.0\.1:\d+$")
        self.assertEqual(cons[0]["session_timeout"], 10000)
        self.assertEqual(cons[0]["last_operation"], "GETD")
        dump = self.command("dump")
        self.assertIn(str(sid), dump["session_id_to_ephemeral_paths"])
        self.assertIn(sid, sum(dump["expiry_time_to_session_ids"].values(), []))
        self.assertIn(path, self.command("watches")["session_id_to_watched_paths"][str(sid)])
        self.assertIn(sid, self.command("watches_by_path")["path_to_session_ids"][path])

    def test_stat_reset_clears_packet_counts_and_latency(self):
        self.c.exists("/")
        self.assertGreater(self.command("srvr")["server_stats"]["packets_received"], 0)
        self.command("stat_reset")
        stats = self.command("srvr")["server_stats"]
        self.assertEqual(stats["packets_received"], 0)
        self.assertEqual(stats["max_latency"], 0)
        self.command("connection_stat_reset")
        mine = [c for c in self.command("cons")["connections"]
                if c["session_id"] == self.c.session.session_id]
        self.assertEqual(mine[0]["packets_received"], 0)

    def test_root_and_unknown_paths(self):
        status, ctype, text = adminlib.http_get(self.admin, "/")
        self.assertEqual(status, 200)
        self.assertIn('href="/sessions"', text)
        self.assertEqual(adminlib.http_get(self.admin, "/no/such/page")[0], 404)


class MetricsTest(AdminServerTestCase):
    extra_cfg = {"tickTime": 500, "paddock.snapshotThreshold": 16,
                 "paddock.snapshotTrailing": 4}

    def test_metrics_are_valid_prometheus_text_with_the_promised_families(self):
        c = self.connect()
        for i in range(40):  # past the snapshot threshold
            c.create(f"/m{i}")
        c.create("/m-eph", flags=jute.FLAG_EPHEMERAL)
        c.get_data("/m0", watch=True)
        zkservers.wait_until(lambda: adminlib.metric(self.metrics(), "paddock_snapshots_total"),
                             10, what="a snapshot")
        m = self.metrics()
        for name in ("paddock_requests_total", "paddock_request_duration_seconds",
                     "paddock_sessions_alive", "paddock_sessions_created_total",
                     "paddock_sessions_closed_total", "paddock_sessions_expired_total",
                     "paddock_ephemerals", "paddock_watches", "paddock_outstanding_requests",
                     "paddock_raft_role", "paddock_raft_term", "paddock_raft_commit_index",
                     "paddock_raft_applied_index", "paddock_raft_fsync_duration_seconds",
                     "paddock_snapshot_last_size_bytes", "paddock_snapshot_last_duration_seconds",
                     "paddock_session_disconnects_total"):
            self.assertIn(name, m)
        self.assertEqual(m["paddock_request_duration_seconds"]["type"], "histogram")
        self.assertGreaterEqual(adminlib.metric(m, "paddock_requests_total", op="create"), 41)
        self.assertGreaterEqual(adminlib.metric(
            m, "paddock_request_duration_seconds_count", op="create"), 41)
        self.assertGreaterEqual(adminlib.metric(m, "paddock_ephemerals"), 1)
        self.assertGreaterEqual(adminlib.metric(m, "paddock_watches"), 1)
        self.assertGreaterEqual(adminlib.metric(m, "paddock_sessions_alive"), 1)
        self.assertEqual(adminlib.metric(m, "paddock_raft_role", role="leader"), 1)
        self.assertGreaterEqual(adminlib.metric(m, "paddock_raft_term"), 1)
        commit = adminlib.metric(m, "paddock_raft_commit_index")
        self.assertGreaterEqual(commit, 40)
        self.assertLessEqual(adminlib.metric(m, "paddock_raft_applied_index"), commit)
        self.assertGreater(adminlib.metric(m, "paddock_raft_fsync_duration_seconds_count"), 0)
        self.assertGreater(adminlib.metric(m, "paddock_snapshot_last_size_bytes"), 0)
        self.assertGreater(adminlib.metric(m, "paddock_snapshot_last_duration_seconds"), 0)
        snap = self.command("last_snapshot")
        self.assertNotEqual(snap["zxid"], "ffffffffffffffff")
        self.assertGreater(snap["timestamp"], 1_600_000_000)

    def test_monitor_reports_raft_and_fsync(self):
        self.connect().create("/mon")
        mon = self.command("monitor")
        self.assertEqual(mon["raft_role"], "leader")
        self.assertGreater(mon["raft_commit_index"], 0)
        self.assertGreater(mon["cnt_fsynctime"], 0)
        for key in ("znode_count", "watch_count", "ephemerals_count", "global_sessions",
                    "sessions_created", "sessions_closed", "sessions_expired"):
            self.assertIn(key, mon)


class SessionEndTest(AdminServerTestCase):
    def test_close_is_recorded_as_closed_by_the_client(self):
        before = adminlib.metric(self.metrics(), "paddock_sessions_closed_total")
        c = self.connect()
        sid = c.session.session_id
        c.create("/closing-eph", flags=jute.FLAG_EPHEMERAL)
        c.close_session()
        e = zkservers.wait_until(lambda: self.ended(sid), 10, what="the ended record")
        self.assertEqual(e["reason"], "closed")
        self.assertEqual(e["detail"], "closed by the client")
        self.assertEqual(e["timeout_ms"], 10000)
        self.assertEqual(e["ephemerals_deleted"], 1)
        self.assertRegex(e["client_address"], r"^127\.0\.0\.1:\d+$")
        self.assertEqual(adminlib.metric(self.metrics(), "paddock_sessions_closed_total"),
                         before + 1)
        self.assertIn("zk_sessions_closed", zkservers.four_letter_word(self.server.port, "mntr"))
        zkservers.wait_until(
            lambda: f"session ended id=0x{sid:x} reason=closed" in self.log(), 5, what="log")

    def test_expiry_is_recorded_with_the_silence_that_caused_it(self):
        before = adminlib.metric(self.metrics(), "paddock_sessions_expired_total")
        c = self.connect(timeout_ms=1000)
        sid = c.session.session_id
        c.create("/expiring-eph", flags=jute.FLAG_EPHEMERAL)
        heard = time.monotonic()
        e = zkservers.wait_until(lambda: self.ended(sid), 15, interval=0.1, what="expiry")
        waited_ms = (time.monotonic() - heard) * 1000
        self.assertEqual(e["reason"], "expired")
        self.assertEqual(e["timeout_ms"], 1000)
        self.assertGreaterEqual(e["silence_ms"], 1000)
        self.assertLessEqual(e["silence_ms"], waited_ms + 100)
        self.assertTrue(e["detail"].startswith(f"expired after {e['silence_ms']} ms of silence"),
                        e["detail"])
        self.assertEqual(e["ephemerals_deleted"], 1)
        self.assertEqual(adminlib.metric(self.metrics(), "paddock_sessions_expired_total"),
                         before + 1)
        zkservers.wait_until(
            lambda: re.search(rf"session ended id=0x{sid:x} reason=expired "
                              rf"silence_ms={e['silence_ms']} ", self.log()), 5, what="log")
        mntr = zkservers.four_letter_word(self.server.port, "mntr")
        self.assertRegex(mntr, r"zk_sessions_expired\t[1-9]")

    def test_a_connection_dropped_by_the_server_is_named_in_the_sessions_end(self):
        c = self.connect(timeout_ms=1000)
        sid = c.session.session_id
        c.send_raw(struct.pack(">i", 0x7FFFFFF0))  # a frame longer than jute.maxbuffer
        self.assertTrue(c.wait_for_close(5))
        e = zkservers.wait_until(lambda: self.ended(sid), 15, interval=0.1, what="expiry")
        self.assertEqual(e["reason"], "expired")
        self.assertIn("last connection dropped by the server: frame length out of range",
                      e["detail"])
        self.assertGreaterEqual(
            adminlib.metric(self.metrics(), "paddock_session_disconnects_total", by="server"), 1)
        self.assertIn(f"session disconnected id=0x{sid:x}", self.log())

    def test_live_session_shows_liveness_and_its_disconnection(self):
        c = self.connect(timeout_ms=10000)
        sid = c.session.session_id
        c.create("/live-eph", flags=jute.FLAG_EPHEMERAL)
        c.create("/live-dir")
        c.get_children("/live-dir", watch=True)
        c.exists("/live-eph", watch=True)
        live = {s["session_id"]: s for s in self.command("sessions")["live"]}
        s = live[f"0x{sid:x}"]
        self.assertTrue(s["connected"])
        self.assertEqual(s["timeout_ms"], 10000)
        self.assertLess(s["last_heard_ms_ago"], 5000)
        self.assertGreater(s["expires_in_ms"], 5000)
        self.assertEqual(s["ephemerals"], ["/live-eph"])
        self.assertEqual(s["data_watches"], ["/live-eph"])
        self.assertEqual(s["child_watches"], ["/live-dir"])
        self.assertEqual(s["watch_count"], 2)
        c.close()  # the connection, not the session
        def disconnected():
            s = {x["session_id"]: x for x in self.command("sessions")["live"]}[f"0x{sid:x}"]
            return s if not s["connected"] else None
        s = zkservers.wait_until(disconnected, 5, what="the disconnection")
        self.assertEqual(s["last_disconnect"], "closed by the client")


class ProcessTestCase(unittest.TestCase):
    """Runs paddock-server directly on a config of the test's own."""

    def run_briefly(self, cfg_text):
        """Starts paddock-server on cfg_text; returns (process, tmpdir path, client port)."""
        tmp = tempfile.TemporaryDirectory(prefix="paddock-admin-start-")
        self.addCleanup(tmp.cleanup)
        port = zkservers.free_port()
        cfg = Path(tmp.name) / "zoo.cfg"
        cfg.write_text(f"dataDir={tmp.name}/data\nclientPort={port}\n"
                       f"clientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\n" + cfg_text)
        out = open(Path(tmp.name) / "out.log", "wb")
        self.addCleanup(out.close)
        p = subprocess.Popen([zkservers.paddock_binary(), str(cfg)], stdout=out,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.wait(10)))
        zkservers.wait_until(lambda: self.answers(port), 15, what="paddock serving")
        return p, Path(tmp.name), port

    @staticmethod
    def answers(port):
        try:
            # ruok answers as soon as the port listens; srvr tells whether it serves.
            return "Mode:" in zkservers.four_letter_word(port, "srvr", timeout=1)
        except OSError:
            return False


class StartupTest(ProcessTestCase):
    def test_an_admin_port_in_use_only_warns(self):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            busy = taken.getsockname()[1]
            p, tmp, port = self.run_briefly(f"admin.serverPort={busy}\n")
            self.assertIsNone(p.poll())
            log = (tmp / "out.log").read_text()
            self.assertRegex(log, rf"warning admin server not started address=127\.0\.0\.1 "
                                  rf"port={busy} ")

    def test_disabled_admin_server_listens_nowhere(self):
        admin = zkservers.free_port()
        p, tmp, port = self.run_briefly(f"admin.enableServer=false\nadmin.serverPort={admin}\n")
        self.assertIn("admin server disabled", (tmp / "out.log").read_text())
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", admin), timeout=2).close()

    def test_admin_server_binds_loopback_by_default(self):
        admin = zkservers.free_port()
        p, tmp, port = self.run_briefly(f"admin.serverPort={admin}\n")
        self.assertIn(f"admin server started address=127.0.0.1 port={admin}",
                      (tmp / "out.log").read_text())
        self.assertEqual(adminlib.command(admin, "ruok")["error"], None)

    def test_bad_admin_value_stops_startup_naming_the_key(self):
        with tempfile.TemporaryDirectory() as d:
            cfg = Path(d) / "zoo.cfg"
            cfg.write_text(f"dataDir={d}\nadmin.serverPort=http\n")
            r = subprocess.run([zkservers.paddock_binary(), str(cfg)], capture_output=True,
                               text=True, timeout=20)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("admin.serverPort", r.stderr)


class LoggingTest(ProcessTestCase):
    LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
                      r"(trace|debug|info|warning|error|critical) [a-z][^=]*( [a-z_]+=\S+)*")

    def test_lines_are_structured_and_debug_is_shown_at_level_debug(self):
        admin = zkservers.free_port()
        p, tmp, port = self.run_briefly(f"paddock.logLevel=debug\nadmin.serverPort={admin}\n")
        adminlib.command(admin, "ruok")
        c = jute.connect("127.0.0.1", port, session_timeout_ms=4000)
        c.close_session()
        c.close()
        log = tmp / "out.log"
        zkservers.wait_until(lambda: "reason=closed" in log.read_text(), 5, what="session end")
        text = log.read_text()
        self.assertRegex(text, r" debug admin request method=GET path=/commands/ruok status=200 ")
        for line in text.splitlines():
            self.assertRegex(line, self.LINE)

    def test_level_warn_hides_info_lines(self):
        p, tmp, port = self.run_briefly("paddock.logLevel=warn\nadmin.serverPort=0\n")
        c = jute.connect("127.0.0.1", port, session_timeout_ms=4000)
        c.close_session()
        c.close()
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(15), 0)
        self.assertNotRegex((tmp / "out.log").read_text(), r"Z (info|debug) ")


class ConcurrencyTest(AdminServerTestCase):
    def test_concurrent_scrapes_while_clients_write(self):
        stop = threading.Event()
        failures, answers = [], [0]

        def scrape(path):
            while not stop.is_set():
                status, _, text = adminlib.http_get(self.admin, path)
                if status != 200:
                    failures.append((path, status, text[:200]))
                    return
                if path == "/metrics":
                    adminlib.parse_prometheus(text)
                answers[0] += 1

        threads = [threading.Thread(target=scrape, args=(p,), daemon=True)
                   for p in ("/metrics", "/commands/stat", "/commands/sessions",
                             "/commands/mntr", "/commands/cons", "/commands/dump")]
        for t in threads:
            t.start()
        c = self.connect()
        for i in range(300):
            c.create(f"/busy{i}", flags=jute.FLAG_EPHEMERAL if i % 2 else 0)
        stop.set()
        for t in threads:
            t.join(15)
        self.assertEqual(failures, [])
        self.assertGreater(answers[0], 6)
        self.assertEqual(adminlib.command(self.admin, "mntr")["ephemerals_count"], 150)

    def test_shutdown_with_admin_requests_in_flight_is_prompt(self):
        with tempfile.TemporaryDirectory() as d:
            server = zkservers.start_paddock(d)
            stop = threading.Event()

            def scrape():
                while not stop.is_set():
                    try:
                        adminlib.http_get(server.admin_port, "/commands/sessions", timeout=5)
                    except OSError:
                        pass

            threads = [threading.Thread(target=scrape, daemon=True) for _ in range(4)]
            for t in threads:
                t.start()
            time.sleep(0.5)
            started = time.monotonic()
            server.proc.send_signal(signal.SIGTERM)
            rc = server.proc.wait(timeout=15)
            stop.set()
            self.assertEqual(rc, 0, server.log_tail())
            self.assertLess(time.monotonic() - started, 10)
            server.stop()
            for t in threads:
                t.join(10)


if __name__ == "__main__":
    unittest.main(verbosity=2)
