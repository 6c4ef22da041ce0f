#!/usr/bin/python3
"""ZooKeeper's Prometheus provider, served by Paddock with ZooKeeper's names (issue #15).

With metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
and metricsProvider.httpHost/httpPort, Paddock serves /metrics in the Prometheus text format
(version 0.0.4), as ZooKeeper 3.8's provider does, so that dashboards and alert rules written
for ZooKeeper find their series. This test:

* holds docs/zookeeper-metrics.md, the table of every metric name ZooKeeper 3.8 defines (its
  ServerMetrics and the gauges its servers register, with kind and level) and what Paddock does
  with each, to both servers: the mntr keys the table implies for a standalone ZooKeeper must be
  exactly the ones a real ZooKeeper 3.8 (Debian's package) prints, so the table is ZooKeeper's;
  and the families Paddock's /metrics serves must be exactly the rows marked served, each with
  ZooKeeper's type (gauge, counter, summary with its quantiles, _count and _sum). Every row not
  served gives its reason there: that is the list of deliberate differences;
* scrapes Paddock's /metrics: the content type is the provider's, every family has # TYPE, every
  sample parses, and the values follow the server (znode_count grows by the nodes created,
  num_alive_connections counts a client that is connected, readlatency and updatelatency count
  the requests);
* checks that mntr on Paddock lists the same ZooKeeper gauges as its /metrics (one list feeds
  both), and that other paths answer 404, as the provider serves /metrics only.

Run: /usr/bin/python3 tests/compat/zk_metrics_test.py [-v]
"""

import re
import sys
import tempfile
import unittest
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import jute  # noqa: E402
import zkservers  # noqa: E402

PROVIDER = "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider"
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")
TABLE = Path(__file__).resolve().parents[2] / "docs" / "zookeeper-metrics.md"
ROW = re.compile(r"^\| `([a-z0-9_]+)` \| ([a-z ]+) \| (basic|advanced|-) \| ([a-z, -]+) \| (.+) \|$")


def table():
    """{name: (kind, level, roles, paddock)} from docs/zookeeper-metrics.md."""
    rows = {}
    for line in TABLE.read_text().splitlines():
        m = ROW.match(line)
        if m:
            assert m.group(1) not in rows, f"{m.group(1)} twice in the table"
            rows[m.group(1)] = m.group(2, 3, 4, 5)
    return rows


def standalone(roles):
    return roles == "every role" or "standalone" in roles


def mntr_keys(rows):
    """The mntr keys (without zk_) ZooKeeper's default provider prints for these rows on a
    standalone server with no quota and no per-key data yet."""
    keys = set()
    for name, (kind, level, roles, _) in rows.items():
        if not standalone(roles):
            continue
        if kind in ("gauge", "counter"):
            keys.add(name)
        elif kind == "summary":
            stats = ["avg", "min", "max", "cnt", "sum"]
            if level == "advanced":
                stats += ["p50", "p95", "p99", "p999"]
            keys |= {f"{stat}_{name}" for stat in stats}
        # counter, summary and gauge sets have no key before their first value
    return keys


def scrape(port, path="/metrics"):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.headers.get("Content-Type"), r.read().decode()


def parse(text):
    """{name: value} of the samples, and {name: type} of the families."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
        elif line and not line.startswith("#"):
            m = SAMPLE.match(line)
            assert m, f"unparsable sample line: {line!r}"
            key = m.group(1) + (m.group(2) or "")
            samples[key] = float(m.group(3))
    return samples, types


def mntr_names(port):
    text = zkservers.four_letter_word(port, "mntr")
    return {line.split("\t", 1)[0][len("zk_"):] for line in text.splitlines()
            if line.startswith("zk_")}


class ZkMetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="paddock-zk-metrics-")
        cls.metrics_port = zkservers.free_port()
        cls.paddock = zkservers.start_paddock(Path(cls.tmp.name) / "paddock", {
            "metricsProvider.className": PROVIDER,
            "metricsProvider.httpHost": zkservers.LOOPBACK,
            "metricsProvider.httpPort": cls.metrics_port,
        })
        zk = zkservers.start_zookeeper(Path(cls.tmp.name) / "zookeeper")
        try:
            cls.zk_names = mntr_names(zk.port)
        finally:
            zk.stop()

    @classmethod
    def tearDownClass(cls):
        cls.paddock.stop()
        cls.tmp.cleanup()

    def test_the_table_lists_zookeepers_names(self):
        rows = table()
        self.assertEqual(len(rows), 155, "ZooKeeper 3.8 defines 117 ServerMetrics names and 38 gauges")
        for name, (_, _, _, paddock) in rows.items():
            self.assertTrue(paddock.startswith("served") or
                            re.match(r"not served: \S", paddock), f"{name}: {paddock!r}")
        implied = mntr_keys(rows)
        real = self.zk_names - {"version", "server_state"}
        self.assertEqual(sorted(implied - real), [], "in the table, not in ZooKeeper's mntr")
        self.assertEqual(sorted(real - implied), [], "in ZooKeeper's mntr, not in the table")

    def test_paddock_serves_exactly_the_rows_marked_served_with_their_types(self):
        content_type, text = scrape(self.metrics_port)
        self.assertEqual(content_type, "text/plain; version=0.0.4; charset=utf-8")
        samples, types = parse(text)
        rows = table()
        expected = {name: kind for name, (kind, _, roles, paddock) in rows.items()
                    if paddock.startswith("served") and standalone(roles)}
        self.assertEqual(types, expected)
        for name, kind in types.items():
            if kind == "summary":
                level = rows[name][1]
                quantiles = ["0.5"] + (["0.9", "0.99"] if level == "advanced" else [])
                for q in quantiles:
                    self.assertIn(f'{name}{{quantile="{q}"}}', samples)
                self.assertIn(f"{name}_count", samples)
                self.assertIn(f"{name}_sum", samples)
            else:
                self.assertIn(name, samples)
        differences = len(rows) - sum(1 for r in rows.values() if r[3].startswith("served"))
        print(f"RESULT zk metrics: {len(types)} of ZooKeeper 3.8's {len(rows)} names served "
              f"standalone ({sum(1 for r in rows.values() if r[3].startswith('served'))} in all "
              f"roles), {differences} deliberate differences listed with reasons; the table "
              f"implies ZooKeeper's {len(self.zk_names)} mntr keys exactly", flush=True)

    def test_values_follow_the_server(self):
        before, _ = parse(scrape(self.metrics_port)[1])
        c = jute.connect(zkservers.LOOPBACK, self.paddock.port, 10000, 10.0)
        try:
            for i in range(5):
                self.assertEqual(c.create(f"/m{i}", b"x").err, 0)
            for i in range(3):
                self.assertEqual(c.get_data(f"/m{i}").err, 0)
            during, _ = parse(scrape(self.metrics_port)[1])
            self.assertEqual(during["znode_count"], before["znode_count"] + 5)
            self.assertGreaterEqual(during["num_alive_connections"], 1)
            self.assertGreaterEqual(during["updatelatency_count"],
                                    before["updatelatency_count"] + 5)
            self.assertGreaterEqual(during["readlatency_count"], before["readlatency_count"] + 3)
            self.assertGreaterEqual(during["fsynctime_count"], before["fsynctime_count"] + 1)
            c.close_session()
        finally:
            c.close()

    def test_mntr_and_the_scrape_list_the_same_zookeeper_gauges(self):
        _, types = parse(scrape(self.metrics_port)[1])
        gauges = {name for name, kind in types.items() if kind == "gauge"}
        ours = mntr_names(self.paddock.port)
        self.assertEqual(ours & self.zk_names - {"version", "server_state"}, gauges)

    def test_other_paths_are_not_found(self):
        with self.assertRaises(urllib.error.HTTPError) as e:
            scrape(self.metrics_port, "/commands")
        self.assertEqual(e.exception.code, 404)


if __name__ == "__main__":
    unittest.main()
