"""Admin command field names compared with the real ZooKeeper 3.8 AdminServer, side by side.

What this proves: given the same state (one session holding an ephemeral, a data watch and a
child watch), paddock-server's /commands/<name> answers carry exactly the field names of
ZooKeeper's, nested objects and connection entries included; its monitor keys are ZooKeeper's
except the few Paddock adds (listed below); its environment keys are a subset of ZooKeeper's
(the Java ones aside); it offers every command ZooKeeper lists except the two that only make
sense in a JVM, plus Paddock's `sessions`; and an unknown command gets the same answer.

How: Debian's ZooKeeper runs with its Jetty AdminServer enabled on a free loopback port (the
servlet API jar, installed with Jetty, is added to its class path); values are not compared.
"""

import re
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import adminlib  # noqa: E402
import jute  # noqa: E402
import zkservers  # noqa: E402

SERVLET_API_JAR = "/usr/share/java/servlet-api.jar"
COMPARED = ["ruok", "server_stats", "stats", "connections", "dump", "watch_summary", "watches",
            "watches_by_path", "configuration", "is_read_only", "dirs", "get_trace_mask", "hash",
            "initial_configuration", "last_snapshot", "leader", "observers", "voting_view",
            "zabstate", "connection_stat_reset", "stat_reset", "observer_connection_stat_reset"]
JVM_ONLY_COMMANDS = {"set_trace_mask", "system_properties"}
PADDOCK_ONLY_COMMANDS = {"sessions"}
PADDOCK_ONLY_MONITOR = {"sessions_created", "sessions_closed", "sessions_expired", "raft_role",
                        "raft_term", "raft_commit_index", "raft_applied_index",
                        "raft_last_index", "snapshots_taken", "snapshot_bytes_last",
                        "snapshot_time_ms_last"}


# Objects whose keys are data (session ids, times, paths), not field names.
DATA_KEYED = {"expiry_time_to_session_ids", "session_id_to_ephemeral_paths",
              "session_id_to_watched_paths", "path_to_session_ids"}


def shape(value, field=None):
    """The field names of a JSON value, recursively: dicts by key, lists by their first item;
    the keys of DATA_KEYED objects are masked."""
    if isinstance(value, dict) and field in DATA_KEYED:
        return {"*": shape(next(iter(value.values())))} if value else {}
    if isinstance(value, dict):
        return {k: shape(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value and isinstance(value[0], (dict, list)) else []
    return None


def make_state(port):
    c = jute.connect("127.0.0.1", port, session_timeout_ms=30000)
    c.create("/fields")
    c.create("/fields-eph", flags=jute.FLAG_EPHEMERAL)
    c.get_data("/fields", watch=True)
    c.get_children("/fields", watch=True)
    return c


class ZooKeeperFieldsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="paddock-admin-zk-")
        zkservers.ZK_JARS = zkservers.ZK_JARS + [SERVLET_API_JAR]
        zk_admin = zkservers.free_port()
        cls.zk = zkservers.start_zookeeper(
            cls.tmp.name + "/zk",
            jvm_flags=["-Dzookeeper.admin.enableServer=true",
                       f"-Dzookeeper.admin.serverPort={zk_admin}",
                       "-Dzookeeper.admin.serverAddress=127.0.0.1"])
        cls.zk.admin_port = zk_admin
        cls.pd = zkservers.start_paddock(cls.tmp.name + "/pd")
        cls.conns = [make_state(cls.zk.port), make_state(cls.pd.port)]
        zkservers.wait_until(lambda: adminlib.http_get(zk_admin, "/commands")[0] == 200, 30,
                             what="ZooKeeper's AdminServer")

    @classmethod
    def tearDownClass(cls):
        for c in cls.conns:
            c.close()
        cls.zk.stop()
        cls.pd.stop()
        cls.tmp.cleanup()

    def both(self, name):
        return (adminlib.command(self.zk.admin_port, name),
                adminlib.command(self.pd.admin_port, name))

    def test_commands_have_zookeepers_field_names(self):
        for name in COMPARED:
            with self.subTest(command=name):
                zk, pd = self.both(name)
                self.assertEqual(shape(pd), shape(zk))
                self.assertEqual(pd["command"], zk["command"])

    def test_monitor_keys_are_zookeepers_plus_paddocks_own(self):
        zk, pd = self.both("monitor")
        self.assertEqual(set(pd) - set(zk), PADDOCK_ONLY_MONITOR)
        for key in ("znode_count", "watch_count", "ephemerals_count", "global_sessions",
                    "num_alive_connections", "outstanding_requests", "avg_latency",
                    "packets_received", "packets_sent", "avg_fsynctime"):
            self.assertIn(key, pd)

    def test_environment_keys_are_a_subset_of_zookeepers(self):
        zk, pd = self.both("environment")
        self.assertEqual(set(pd) - set(zk), set())
        self.assertIn("zookeeper.version", pd)

    def test_command_list_is_zookeepers_without_the_jvm_ones(self):
        def names(port):
            return set(re.findall(r'href="/commands/([a-z_]+)"',
                                  adminlib.http_get(port, "/commands")[2]))
        zk, pd = names(self.zk.admin_port), names(self.pd.admin_port)
        self.assertEqual(zk - pd, JVM_ONLY_COMMANDS)
        self.assertEqual(pd - zk, PADDOCK_ONLY_COMMANDS)

    def test_unknown_command_answers_alike(self):
        zk, pd = self.both("no_such_command")
        self.assertEqual(pd, zk)


if __name__ == "__main__":
    unittest.main(verbosity=2)
