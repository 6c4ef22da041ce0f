#!/usr/bin/python3
"""The shipped Grafana dashboard and Prometheus alert rules name only metrics Paddock serves
(issue #15).

packaging/monitoring/paddock-dashboard.json (Grafana) and paddock-alerts.yml (Prometheus rules)
are read as Grafana and Prometheus would (JSON; YAML through python3-yaml). A 3-member ensemble
runs with its admin endpoints on (and a disk reserve, so that the guard's metrics are live); each
member's /metrics is scraped. Then:

* every paddock_* metric named in a panel or a rule (a histogram's _bucket/_sum/_count taken as
  its family) is a family in the scrape of every member, leader and followers alike: a renamed
  metric breaks this test, not an operator's dashboard;
* every rule has an alert name, an expression, a `for`, a severity (critical or warning) and a
  summary; every panel has a unique id and targets with a refId and an expression; the dashboard
  selects the ensemble by its job;
* the values behind PaddockNoLeader and PaddockMemberNotServing, taken from the scrapes, say what
  the ensemble is: exactly one member leads and all serve, so neither alert would fire.

Run: /usr/bin/python3 tests/integration/monitoring_test.py [-v]
"""

import json
import re
import sys
import unittest
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "lib"))
import zkservers  # noqa: E402
from ensemble import Ensemble  # noqa: E402

MONITORING = ROOT / "packaging" / "monitoring"
METRIC = re.compile(r"\bpaddock_[a-z_]+")
SAMPLE = re.compile(r'^([a-z_]+)(\{([^}]*)\})? (\S+)$')


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    families = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
    samples = []
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(3) or ""))
            samples.append((m.group(1), labels, float(m.group(4))))
    return families, samples


def family_of(name, families):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[: -len(suffix)] in families:
            return name[: -len(suffix)]
    return name


class MonitoringFilesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rules = yaml.safe_load((MONITORING / "paddock-alerts.yml").read_text())
        cls.dashboard = json.loads((MONITORING / "paddock-dashboard.json").read_text())
        cls.admin_ports = {i: zkservers.free_port() for i in (1, 2, 3)}
        cls.e = Ensemble(size=3, tick_ms=300, extra_cfg=lambda i: {
            "admin.enableServer": "true", "admin.serverAddress": "127.0.0.1",
            "admin.serverPort": cls.admin_ports[i], "paddock.diskReserveBytes": 1 << 20})
        cls.e.start(timeout=20)
        cls.leader = cls.e.leader(timeout=20)
        cls.scrapes = {i: scrape(port) for i, port in cls.admin_ports.items()}

    @classmethod
    def tearDownClass(cls):
        cls.e.close()

    def rule_list(self):
        return [r for g in self.rules["groups"] for r in g["rules"]]

    def expressions(self):
        exprs = [r["expr"] for r in self.rule_list()]
        exprs += [t["expr"] for p in self.dashboard["panels"] for t in p["targets"]]
        exprs += [self.dashboard["templating"]["list"][1]["definition"]]
        return exprs

    def test_every_metric_named_is_served_by_every_member(self):
        named = set()
        for e in self.expressions():
            named |= set(METRIC.findall(e))
        self.assertGreater(len(named), 15)
        for i, (families, _) in self.scrapes.items():
            missing = sorted(n for n in named if family_of(n, families) not in families)
            self.assertEqual(missing, [], f"member {i} does not serve these")
        print(f"RESULT monitoring: {len(named)} metrics named by {len(self.rule_list())} rules "
              f"and {len(self.dashboard['panels'])} panels, all served by the 3 members",
              flush=True)

    def test_rules_and_panels_are_complete(self):
        for r in self.rule_list():
            self.assertRegex(r["alert"], r"^Paddock[A-Za-z]+$")
            self.assertTrue(r["expr"].strip())
            self.assertRegex(r["for"], r"^\d+[smh]$")
            self.assertIn(r["labels"]["severity"], ("critical", "warning"))
            self.assertTrue(r["annotations"]["summary"])
        ids = [p["id"] for p in self.dashboard["panels"]]
        self.assertEqual(len(ids), len(set(ids)))
        for p in self.dashboard["panels"]:
            self.assertTrue(p["targets"], p["title"])
            for t in p["targets"]:
                self.assertTrue(t["refId"] and t["expr"], p["title"])
                self.assertIn('job="$job"', t["expr"], p["title"])
        names = [v["name"] for v in self.dashboard["templating"]["list"]]
        self.assertEqual(names, ["datasource", "job"])

    def test_a_healthy_ensemble_fires_neither_no_leader_nor_not_serving(self):
        leaders = 0
        for i, (_, samples) in self.scrapes.items():
            leaders += sum(v for n, labels, v in samples
                           if n == "paddock_raft_role" and labels.get("role") == "leader")
            serving = [v for n, _, v in samples if n == "paddock_serving"]
            self.assertEqual(serving, [1.0], f"member {i}")
            refused = [v for n, _, v in samples if n == "paddock_disk_writes_refused"]
            self.assertEqual(refused, [0.0], f"member {i}")
        self.assertEqual(leaders, 1)


if __name__ == "__main__":
    unittest.main()
