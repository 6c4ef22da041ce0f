#!/usr/bin/python3
"""Side-by-side benchmark of Apache ZooKeeper 3.8 and paddock-server on this machine (bench/compare.sh
is the entry point: it raises the descriptor limit and builds what is missing).

Each group of scenarios runs against a fresh server of each kind, the kinds alternating in order
from group to group, with the same tickTime and fsync on for both (ZooKeeper's forceSync default;
Paddock always fsyncs through libraft). Writes <out>/results.json, <out>/table.md and
<out>/latency-cdf.png (gnuplot), and prints the table.

Targets are the ones of issue #5. TARGETS lists the rows: each kind standalone, and each kind as a
3-member ensemble on 127.0.0.1 (Paddock's ensemble is issue #4). The ensembles run the ops and
sessions groups only (ENSEMBLE_GROUPS) and get rows of their own, zookeeper-3 against paddock-3,
with the same target ratios as the standalone rows. paddock-bench spreads its clients over every
member of the connect string (round-robin); --server-pid is the leader's.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, NamedTuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "lib"))
import ensemble  # noqa: E402
import jute  # noqa: E402
import zkservers  # noqa: E402

BENCH = os.environ.get("PADDOCK_BENCH", str(HERE.parent / "build" / "bin" / "paddock-bench"))
ZNODES_PARENT = "/paddock-bench/znodes"
RESTART_TIMEOUT_S = 600
# Three JVMs starting at once on 2 cores, then an election: far slower than one standalone JVM.
ZOOKEEPER3_READY_TIMEOUT_S = 180
PADDOCK3_READY_TIMEOUT_S = 60
ENSEMBLE_MODES = ("leader", "follower")


# ---------------------------------------------------------------- servers

class TimedServer(zkservers.ServerProcess):
    """A ServerProcess whose readiness is 'a getData of probe_path succeeds' (polled every 5 ms),
    and which remembers how long that took from the moment the process was launched."""

    probe_path = None
    ready_seconds = None

    def _wait_ready(self):
        t0 = time.monotonic()
        if self.probe_path is None:
            super()._wait_ready()
        else:
            self._wait_probe(t0)
        self.ready_seconds = time.monotonic() - t0

    def _wait_probe(self, t0):
        while time.monotonic() - t0 < self.ready_timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited:\n{self.log_tail()}")
            try:
                c = jute.Connection(self.host, self.port, timeout=2.0)
                try:
                    c.handshake(session_timeout_ms=10000)
                    if c.get_data(self.probe_path).err == 0:
                        return
                finally:
                    c.close()
            except Exception:  # not listening yet, or not serving yet
                pass
            time.sleep(0.005)
        raise RuntimeError(f"{self.kind}: {self.probe_path} not readable after "
                           f"{self.ready_timeout} s")


def base_cfg(tmp, port, tick_ms):
    data = Path(tmp) / "data"
    data.mkdir(parents=True, exist_ok=True)
    # maxClientCnxns=0: both servers would otherwise refuse the 61st connection from 127.0.0.1.
    return {"tickTime": tick_ms, "dataDir": str(data), "clientPort": port,
            "clientPortAddress": zkservers.LOOPBACK, "maxClientCnxns": 0,
            "4lw.commands.whitelist": "*"}


def zookeeper_argv(tmp, main_class, cfg_path):
    """The java command line of one ZooKeeper process whose log4j config and log live in tmp."""
    (Path(tmp) / "log4j.properties").write_text(
        zkservers.LOG4J_PROPERTIES.format(logfile=Path(tmp) / "server.log"))
    # zkServer.sh's defaults: a 1000 MB heap (ZK_SERVER_HEAP), the JVM's default collector and
    # JIT; the AdminServer off (it needs a servlet jar and is not part of the client path).
    return [zkservers.JAVA, "-cp", ":".join(zkservers.ZK_JARS), "-Xmx1000m",
            "-Dzookeeper.admin.enableServer=false",
            f"-Dlog4j.configuration=file:{Path(tmp) / 'log4j.properties'}",
            f"-Dzookeeper.log.dir={tmp}", main_class, str(cfg_path)]


def start_zookeeper(tmp, tick_ms):
    port = zkservers.free_port()
    cfg_path = Path(tmp) / "zoo.cfg"
    zkservers.write_cfg(cfg_path, base_cfg(tmp, port, tick_ms))
    argv = zookeeper_argv(tmp, zkservers.ZK_MAIN, cfg_path)
    return TimedServer("zookeeper", argv, tmp, port, zkservers.ZOOKEEPER_READY_TIMEOUT_S).start()


def start_paddock(tmp, tick_ms):
    port = zkservers.free_port()
    cfg = base_cfg(tmp, port, tick_ms)
    cfg.update({"admin.serverAddress": zkservers.LOOPBACK, "admin.serverPort": 0})
    cfg_path = Path(tmp) / "zoo.cfg"
    zkservers.write_cfg(cfg_path, cfg)
    argv = [zkservers.paddock_binary(), str(cfg_path)]
    return TimedServer("paddock", argv, tmp, port, zkservers.PADDOCK_READY_TIMEOUT_S).start()


# ---------------------------------------------------------------- 3-member ensembles

class EnsembleServer:
    """What run_group and bench() need of a server (connect_string, pid, stop(), kind), for
    three members on 127.0.0.1. Subclasses provide endpoints(), check_alive(), stop() and
    describe()."""

    kind = None
    ready_seconds = None  # from the first launch to every member leader or follower
    leader_id = None

    def endpoints(self):
        """[(member id, host, client port, pid)] in id order."""
        raise NotImplementedError

    def describe(self):
        """Every member's state and log tail, for error messages."""
        raise NotImplementedError

    @property
    def connect_string(self):
        # Every member: paddock-bench's raw sessions go round-robin over them, and its ops and
        # churn workers are pinned round-robin (worker k on host k mod 3): an even spread.
        return ",".join(f"{host}:{port}" for _id, host, port, _pid in self.endpoints())

    @property
    def pid(self):
        """The leader's pid (it orders every write), as of a fresh srvr when one says leader."""
        leaders = [i for i, mode in self.modes().items() if mode == "leader"]
        if len(leaders) == 1:
            self.leader_id = leaders[0]
        return {i: pid for i, _h, _p, pid in self.endpoints()}[self.leader_id]

    def modes(self):
        return {i: member_mode(host, port) for i, host, port, _pid in self.endpoints()}

    def wait_ready(self, t0, timeout_s):
        """Blocks until every member says leader or follower; stops them all on failure."""
        try:
            self._poll_ready(t0, timeout_s)
        except BaseException:
            self.stop()
            raise
        self.ready_seconds = time.monotonic() - t0
        _ = self.pid  # remembers the leader
        print(f"  {self.kind} x3 serving after {self.ready_seconds:.1f} s, leader member "
              f"{self.leader_id}", flush=True)
        return self

    def _poll_ready(self, t0, timeout_s):
        modes = {}
        while time.monotonic() - t0 < timeout_s:
            self.check_alive()
            modes = self.modes()
            if all(m in ENSEMBLE_MODES for m in modes.values()) and \
                    list(modes.values()).count("leader") == 1:
                return
            time.sleep(0.1)
        raise RuntimeError(f"{self.kind} x3 not serving after {timeout_s} s: {modes}\n"
                           + self.describe())

    def check_alive(self):
        raise NotImplementedError

    def summary(self):
        """What results.json keeps about the ensemble itself."""
        return {"members": len(self.endpoints()), "connect": self.connect_string,
                "ready_seconds": self.ready_seconds, "leader_id": self.leader_id,
                "server_pid_is": "leader"}


def member_mode(host, port):
    """A member's srvr Mode (leader, follower, ...) or None when it does not serve (yet)."""
    try:
        return ensemble.parse_srvr_mode(
            zkservers.four_letter_word(port, "srvr", host=host, timeout=1.0))
    except OSError:
        return None


class QuorumMember(zkservers.ServerProcess):
    """One QuorumPeerMain JVM. start() returns at once: a member serves only once a quorum has
    elected a leader, so ZooKeeperEnsemble waits for all three together."""

    def _wait_ready(self):
        pass


class ZooKeeperEnsemble(EnsembleServer):
    kind = "zookeeper"

    def __init__(self, members):
        self.members = members  # {id: QuorumMember}

    def endpoints(self):
        return [(i, m.host, m.port, m.pid) for i, m in sorted(self.members.items())]

    def check_alive(self):
        for i, m in self.members.items():
            if not m.is_running():
                raise RuntimeError(f"zookeeper member {i} exited:\n{m.log_tail()}")

    def stop(self):
        # SIGTERM to all first: stopping one at a time would make the last two re-elect.
        for m in self.members.values():
            if m.is_running():
                m.proc.terminate()
        for m in self.members.values():
            m.stop()

    def describe(self):
        return "\n".join(f"=== member {i}\n{m.log_tail(15)}" for i, m in self.members.items())


def zookeeper3_cfgs(tmp, tick_ms, ids=(1, 2, 3)):
    """{id: (member dir, zoo.cfg entries)} of a ZooKeeper ensemble on 127.0.0.1."""
    lo = zkservers.LOOPBACK
    ports = {i: (zkservers.free_port(), zkservers.free_port(), zkservers.free_port())
             for i in ids}
    servers = {f"server.{i}": f"{lo}:{peer}:{election}"
               for i, (_client, peer, election) in ports.items()}
    out = {}
    for i in ids:
        mdir = Path(tmp) / f"m{i}"
        cfg = base_cfg(mdir, ports[i][0], tick_ms)
        cfg.update({"initLimit": 10, "syncLimit": 5}, **servers)
        (mdir / "data" / "myid").write_text(f"{i}\n")
        out[i] = (mdir, cfg)
    return out


def start_zookeeper3(tmp, tick_ms):
    """Three Apache ZooKeeper members (QuorumPeerMain), each with its own dataDir and myid, the
    same JVM flags as start_zookeeper; returns once all three serve (bounded)."""
    members = {}
    t0 = time.monotonic()
    for i, (mdir, cfg) in zookeeper3_cfgs(tmp, tick_ms).items():
        cfg_path = mdir / "zoo.cfg"
        zkservers.write_cfg(cfg_path, cfg)
        argv = zookeeper_argv(mdir, "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg_path)
        members[i] = QuorumMember("zookeeper", argv, mdir, cfg["clientPort"],
                                  ZOOKEEPER3_READY_TIMEOUT_S)
    zk = ZooKeeperEnsemble(members)
    try:
        for m in members.values():
            m.start()
    except BaseException:
        zk.stop()
        raise
    return zk.wait_ready(t0, ZOOKEEPER3_READY_TIMEOUT_S)


class PaddockEnsemble(EnsembleServer):
    """tests/lib/ensemble.Ensemble (which writes the configs and runs the members) seen as a
    compare.py server."""

    kind = "paddock"

    def __init__(self, ens):
        self.ens = ens

    def endpoints(self):
        return [(i, m.host, m.client_port, m.pid) for i, m in sorted(self.ens.members.items())]

    def check_alive(self):
        self.ens._check_alive(self.ens.ids)

    def stop(self):
        self.ens.stop()  # not close(): tmp is run_group's, which removes it

    def describe(self):
        return self.ens.describe()


def start_paddock3(tmp, tick_ms):
    """Three paddock-server members through tests/lib/ensemble.py; returns once all serve."""
    # maxClientCnxns=0 as in base_cfg; Ensemble already turns the admin server off.
    ens = ensemble.Ensemble(size=3, tick_ms=tick_ms, extra_cfg={"maxClientCnxns": 0},
                            tmpdir=tmp)
    pd = PaddockEnsemble(ens)
    t0 = time.monotonic()
    try:
        ens.start(wait=False)
    except BaseException:
        pd.stop()
        raise
    return pd.wait_ready(t0, PADDOCK3_READY_TIMEOUT_S)


class ConnectionSampler(threading.Thread):
    """Polls srvr's Connections: on every member while a scenario runs, keeping each member's
    peak less its idle count (our own srvr connection may count): how the clients spread."""

    def __init__(self, server, interval_s=0.5):
        super().__init__(daemon=True)
        self.server = server
        self.interval_s = interval_s
        self.done = threading.Event()
        self.idle = self._sample()
        self.peak = dict(self.idle)

    def _sample(self):
        out = {}
        for i, host, port, _pid in self.server.endpoints():
            try:
                text = zkservers.four_letter_word(port, "srvr", host=host, timeout=1.0)
            except OSError:
                text = ""
            counts = [int(line.split(":")[1]) for line in text.splitlines()
                      if line.startswith("Connections:")]
            out[str(i)] = counts[0] if counts else 0
        return out

    def run(self):
        while not self.done.wait(self.interval_s):
            for i, n in self._sample().items():
                self.peak[i] = max(self.peak[i], n)

    def finish(self):
        self.done.set()
        self.join(timeout=10)
        return {i: self.peak[i] - self.idle[i] for i in self.peak}


# ---------------------------------------------------------------- the rows

GROUPS = ("ops", "half", "sessions", "hold", "expiry", "churn", "znodes")
# The ensembles run only what the ensemble targets need. hold, expiry and znodes measure
# one process's memory, expiry timing and restart, which means something else across three
# members; half's rate comes from standalone ZooKeeper's peak; churn is left for a later pass.
ENSEMBLE_GROUPS = frozenset({"ops", "sessions"})


class Target(NamedTuple):
    row: str          # key under each group in results.json, and the table column
    kind: str         # zookeeper | paddock
    topology: str     # standalone | ensemble-3
    start: Callable   # start(tmp, tick_ms) -> a server object
    groups: frozenset


TARGETS = [
    Target("zookeeper", "zookeeper", "standalone", start_zookeeper, frozenset(GROUPS)),
    Target("paddock", "paddock", "standalone", start_paddock, frozenset(GROUPS)),
    Target("zookeeper-3", "zookeeper", "ensemble-3", start_zookeeper3, ENSEMBLE_GROUPS),
    Target("paddock-3", "paddock", "ensemble-3", start_paddock3, ENSEMBLE_GROUPS),
]
# (topology, ZooKeeper row, Paddock row, label prefix in the table)
PAIRS = [("standalone", "zookeeper", "paddock", ""),
         ("ensemble-3", "zookeeper-3", "paddock-3", "3-node: ")]


# ---------------------------------------------------------------- running paddock-bench

def bench(scenario, server, out_dir, label, args, timeout_s):
    # Named by row, not kind: zookeeper and zookeeper-3 must not overwrite each other's JSON.
    out = Path(out_dir) / f"{label}-{getattr(server, 'row', server.kind)}.json"
    argv = [BENCH, scenario, "--connect", server.connect_string, "--server-pid",
            str(server.pid), "--json", str(out), "--timeout", str(int(timeout_s))] + args
    print("  $ " + " ".join(argv[:2] + argv[2:]), flush=True)
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    p = subprocess.run(argv, stdout=subprocess.PIPE, text=True, timeout=timeout_s + 120)
    sys.stdout.write(p.stdout)
    if not out.exists():
        return {"ok": False, "error": f"exit {p.returncode}, no JSON"}
    data = json.loads(out.read_text())
    data["exit_code"] = p.returncode
    # Other work on the machine shows here (the 1-minute load average before and after).
    data["loadavg_before"] = load_before
    data["loadavg_after"] = Path("/proc/loadavg").read_text().split()[:3]
    return data


def group_order(i, name, rows):
    """The selected targets that run group `name`, in an order that alternates with i."""
    targets = [t for t in TARGETS if name in t.groups and t.row in rows]
    return targets if i % 2 == 0 else list(reversed(targets))


def run_group(i, name, plan, a, out_dir, results, extra=None):
    """plan(server, kind, tmp) runs the scenarios of one group against a fresh server."""
    for t in group_order(i, name, a.targets):
        print(f"== {name}: {t.row}", flush=True)
        with tempfile.TemporaryDirectory(prefix=f"cmp-{t.row}-", dir=a.tmp) as tmp:
            server = t.start(tmp, a.tick_ms)
            server.row = t.row
            try:
                res = plan(server, t.kind, tmp)
                if isinstance(server, EnsembleServer):
                    res["ensemble"] = server.summary()
                results.setdefault(name, {})[t.row] = res
            finally:
                server.stop()


def plan_ops(a, out_dir):
    def plan(server, kind, tmp):
        args = ["--clients", str(a.clients), "--depth", str(a.depth), "--duration",
                str(a.duration)]
        # Warm-up (not recorded): lets ZooKeeper's JIT compile the request path first.
        bench("ops", server, out_dir, "warmup", args[:4] + ["--duration", "3", "--ops",
                                                           "create,mix,delete"], 120)
        if not isinstance(server, EnsembleServer):
            return bench("ops", server, out_dir, "ops", args, a.duration * 8 + 120)
        sampler = ConnectionSampler(server)
        sampler.start()
        try:
            res = bench("ops", server, out_dir, "ops", args, a.duration * 8 + 120)
        finally:
            spread = sampler.finish()
        res["connections_per_member"] = spread
        print(f"  peak client connections per member: {spread}", flush=True)
        return res
    return plan


def plan_half_peak(a, out_dir, results):
    def plan(server, kind, tmp):
        zk = results["ops"]["zookeeper"]["results"]["ops"]
        res = {}
        for op in ("setData", "getData"):
            rate = max(100.0, zk[op]["ops_per_s"] / 2)
            args = ["--clients", str(a.clients), "--depth", str(a.depth), "--duration",
                    str(a.duration), "--ops", f"create,{op}", "--rate", f"{rate:.0f}"]
            res[op] = bench("ops", server, out_dir, f"half-{op}", args, a.duration * 3 + 120)
        return res
    return plan


def plan_simple(scenario, args, timeout_s, out_dir):
    def plan(server, kind, tmp):
        return bench(scenario, server, out_dir, scenario, args, timeout_s)
    return plan


def plan_znodes(a, out_dir):
    def plan(server, kind, tmp):
        args = ["--znodes", str(a.znodes), "--clients", "16", "--depth", "32"]
        res = bench("znodes", server, out_dir, "znodes", args, 900)
        server.stop()
        server.probe_path = f"{ZNODES_PARENT}/w0-c0"
        server.ready_timeout = RESTART_TIMEOUT_S
        server.start()
        res["restart_seconds"] = server.ready_seconds
        res["data_dir_bytes"] = sum(f.stat().st_size for f in Path(tmp, "data").rglob("*")
                                    if f.is_file())
        print(f"  restart with {a.znodes} znodes: {server.ready_seconds:.3f} s to the first "
              f"read", flush=True)
        return res
    return plan


# ---------------------------------------------------------------- the table

def dig(d, path):
    for k in path.split("."):
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


# (label, group, path in that group's row, better, target ratio Paddock/ZooKeeper or None, unit)
# better "higher": ratio = Paddock / ZooKeeper; "lower": ratio = ZooKeeper / Paddock, so a ratio
# above 1 always means Paddock is ahead, and the target is "ratio >= target".
FIGURES = [
    ("create throughput (100 B, saturated)", "ops", "results.ops.create.ops_per_s", "higher", 3, "ops/s"),
    ("setData throughput (100 B, saturated)", "ops", "results.ops.setData.ops_per_s", "higher", 3, "ops/s"),
    ("getData throughput (saturated)", "ops", "results.ops.getData.ops_per_s", "higher", 3, "ops/s"),
    ("exists throughput (saturated)", "ops", "results.ops.exists.ops_per_s", "higher", None, "ops/s"),
    ("mix 70/20/10 get/set/exists throughput", "ops", "results.ops.mix.ops_per_s", "higher", None, "ops/s"),
    ("delete throughput", "ops", "results.ops.delete.ops_per_s", "higher", None, "ops/s"),
    ("create-ephemeral throughput", "ops", "results.ops.create-ephemeral.ops_per_s", "higher", None, "ops/s"),
    ("create p99, saturated", "ops", "results.ops.create.latency.p99_ms", "lower", None, "ms"),
    ("setData p99, saturated", "ops", "results.ops.setData.latency.p99_ms", "lower", None, "ms"),
    ("getData p99, saturated", "ops", "results.ops.getData.latency.p99_ms", "lower", None, "ms"),
    ("setData p99 at half ZooKeeper's peak", "half", "setData.results.ops.setData.latency.p99_ms", "lower", 3, "ms"),
    ("getData p99 at half ZooKeeper's peak", "half", "getData.results.ops.getData.latency.p99_ms", "lower", 3, "ms"),
    ("session establishment rate", "sessions", "results.sessions_per_s", "higher", 5, "sessions/s"),
    ("connect p99 (open+close loop)", "sessions", "results.connect_latency.p99_ms", "lower", None, "ms"),
    ("server memory per idle session", "hold", "results.server_rss_per_session_bytes", "lower", 10, "B"),
    ("idle sessions held, none lost", "hold", "held", "higher", None, "sessions"),
    ("server CPU while holding", "hold", "results.server_cpu_hold_percent", "lower", None, "% of a core"),
    ("expiry: delay after deadline p99", "expiry", "results.delay_after_deadline.p99_ms", "lower", None, "ms"),
    ("expiry: delay after deadline max", "expiry", "results.delay_after_deadline.max_ms", "lower", None, "ms"),
    ("expiry: ephemerals left", "expiry", "results.ephemerals_left", "lower", None, ""),
    ("churn create+delete cycles", "churn", "results.cycles_per_s", "higher", None, "cycles/s"),
    ("churn notification p99", "churn", "results.notification_latency.p99_ms", "lower", None, "ms"),
    ("server RSS with N znodes of 100 B", "znodes", "results.server_rss_after_bytes", "lower", 5, "B"),
    ("restart time with N znodes", "znodes", "restart_seconds", "lower", 3, "s"),
]


def derive(results):
    for row in results.get("hold", {}).values():
        r = row.get("results", {})
        if "connected" in r:
            lost = r.get("sessions_lost", 0) + r.get("expiries_seen", 0)
            row["held"] = r["connected"] - lost


def absolute_checks(a, results):
    """Targets that are absolute figures of Paddock, not ratios."""
    out = []
    hold = dig(results, "hold.paddock.results") or {}
    held = dig(results, "hold.paddock.held")
    out.append((f"idle sessions held by one server ({a.hold_sessions} asked)", held,
                f"100,000 with no expiry", held is not None and held >= 100000 and
                hold.get("sessions_lost", 1) == 0))
    exp = dig(results, "expiry.paddock.results") or {}
    p99 = dig(exp, "delay_after_deadline.p99_ms")
    out.append((f"{a.expiry_sessions} sessions expiring at once: p99 delay (ms)", p99,
                "every ephemeral gone, p99 <= 50 ms (10,000 sessions)",
                p99 is not None and p99 <= 50 and exp.get("ephemerals_left") == 0 and
                a.expiry_sessions >= 10000))
    return out


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def figure_row(results, zk_row, pd_row, prefix, figure):
    label, group, path, better, target, unit = figure
    zk = dig(results, f"{group}.{zk_row}.{path}")
    pd = dig(results, f"{group}.{pd_row}.{path}")
    ratio = None
    if isinstance(zk, (int, float)) and isinstance(pd, (int, float)):
        num, den = (pd, zk) if better == "higher" else (zk, pd)
        ratio = num / den if den else None
    tgt = f">= {target}x" if target else ""
    met = "" if not target or ratio is None else ("yes" if ratio >= target else "no")
    u = f" ({unit})" if unit else ""
    return (f"| {prefix}{label}{u} | {fmt(zk)} | {fmt(pd)} | "
            f"{'-' if ratio is None else f'{ratio:.2f}x'} | {tgt} | {met} |")


def pair_ran(results, zk_row, pd_row):
    return any(zk_row in rows or pd_row in rows for rows in results.values())


def ensemble_note(results, zk_row, pd_row):
    """Says how the 3-node rows differ from the standalone ones, with the spread measured."""
    spread = "; ".join(f"{row} {dig(results, f'ops.{row}.connections_per_member')}"
                       for row in (zk_row, pd_row) if dig(results, f"ops.{row}"))
    ready = ", ".join(f"{row} ({g}) {dig(results, f'{g}.{row}.ensemble.ready_seconds'):.1f} s"
                      for g in ("ops", "sessions") for row in (zk_row, pd_row)
                      if dig(results, f"{g}.{row}.ensemble.ready_seconds") is not None)
    return [f"3-node rows: three members of each kind on this machine, all on 127.0.0.1, "
            f"the same tickTime, fsync on; paddock-bench gets all three in --connect (raw "
            f"sessions go round-robin, ops workers are pinned round-robin); --server-pid "
            f"is the leader's, so RSS/CPU figures in their JSON are the leader's alone. Peak ops "
            f"clients per member: {spread or '-'}. Start-up to every member serving: "
            f"{ready or '-'}."]


def table(a, results):
    lines = ["| figure | ZooKeeper | Paddock | ratio (>1: Paddock ahead) | target | met? |",
             "| --- | ---: | ---: | ---: | --- | --- |"]
    notes = []
    for topo, zk_row, pd_row, prefix in PAIRS:
        # The standalone rows always print (as they always have); the others once they ran.
        if topo != "standalone" and not pair_ran(results, zk_row, pd_row):
            continue
        groups = next(t.groups for t in TARGETS if t.row == pd_row)
        lines += [figure_row(results, zk_row, pd_row, prefix, f) for f in FIGURES
                  if f[1] in groups]
        if topo != "standalone":
            notes += ensemble_note(results, zk_row, pd_row)
    lines.append("")
    if notes:
        lines += notes + [""]
    lines.append("| Paddock absolute target | measured | target | met? |")
    lines.append("| --- | ---: | --- | --- |")
    for label, v, tgt, ok in absolute_checks(a, results):
        lines.append(f"| {label} | {fmt(v)} | {tgt} | {'yes' if ok else 'no'} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the plot

def plot(results, out_dir):
    if not shutil.which("gnuplot"):
        print("gnuplot not found: no PNG (Debian gnuplot-nox)")
        return
    panels = [("ops", "create", "results.ops.create.latency.cdf"),
              ("ops", "setData", "results.ops.setData.latency.cdf"),
              ("ops", "getData", "results.ops.getData.latency.cdf"),
              ("half", "setData at half ZK peak", "setData.results.ops.setData.latency.cdf")]
    script = ["set terminal png size 1400,1000",
              f"set output '{out_dir}/latency-cdf.png'",
              "set multiplot layout 2,2 title 'latency CDF: ZooKeeper vs Paddock (standalone, fsync on)'",
              "set logscale x", "set xlabel 'latency (ms, log)'", "set ylabel 'fraction'",
              "set key bottom right", "set grid"]
    for group, title, path in panels:
        files = []
        for row in ("zookeeper", "paddock"):
            cdf = dig(results, f"{group}.{row}.{path}")
            if not cdf:
                continue
            f = Path(out_dir) / f"cdf-{group}-{title.split()[0]}-{row}.dat"
            f.write_text("".join(f"{max(ms, 0.001)} {q}\n" for ms, q in cdf))
            files.append(f"'{f}' using 1:2 with lines lw 2 title '{row}'")
        script.append(f"set title '{title}'")
        script.append("plot " + ", ".join(files) if files else "plot 0 notitle")
    script.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(script) + "\n", text=True, check=False)


# ---------------------------------------------------------------- main

def machine():
    def sh(cmd):
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    return {"uname": sh("uname -a"), "nproc": sh("nproc"), "free": sh("free -m"),
            "cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip(),
            "java": sh("java -version 2>&1 | head -1"), "python": platform.python_version()}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small counts, short runs (~3 min)")
    ap.add_argument("--out", default=None, help="results directory")
    ap.add_argument("--tmp", default=None, help="where the servers' data directories go")
    ap.add_argument("--tick-ms", type=int, default=2000)
    ap.add_argument("--only", default="", help="comma list of groups: ops,half,sessions,hold,"
                    "expiry,churn,znodes")
    ap.add_argument("--targets", default="", help="comma list of rows to run (default all): "
                    + ",".join(t.row for t in TARGETS))
    ap.add_argument("--hold-sessions", type=int, default=None,
                    help="idle sessions of the hold group (default 100,000; 5,000 with --quick)")
    ap.add_argument("--znodes", type=int, default=None,
                    help="znodes of the znodes group (default 1,000,000; 50,000 with --quick)")
    a = ap.parse_args()
    a.targets = set(filter(None, a.targets.split(","))) or {t.row for t in TARGETS}
    unknown = a.targets - {t.row for t in TARGETS}
    if unknown:
        ap.error(f"unknown --targets {sorted(unknown)}")
    overrides = {k: getattr(a, k) for k in ("hold_sessions", "znodes") if getattr(a, k)}
    full = dict(duration=10, clients=16, depth=16, sessions=20000, hold_sessions=100000,
                hold_seconds=30, expiry_sessions=10000, znodes=1000000)
    quick = dict(duration=2, clients=8, depth=16, sessions=3000, hold_sessions=5000,
                 hold_seconds=5, expiry_sessions=1000, znodes=50000)
    for k, v in (quick if a.quick else full).items():
        setattr(a, k, overrides.get(k, v))
    a.out = a.out or str(Path(tempfile.gettempdir()) /
                         ("paddock-compare-" + time.strftime("%Y%m%d-%H%M%S")))
    return a


def main():
    a = parse_args()
    out_dir = Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = {}
    only = set(filter(None, a.only.split(",")))
    timeout_ms = 2 * a.tick_ms
    groups = [
        ("ops", plan_ops(a, out_dir)),
        ("half", plan_half_peak(a, out_dir, results)),
        ("sessions", plan_simple("sessions", ["--sessions", str(a.sessions), "--concurrency",
                                              "100"], 600, out_dir)),
        ("hold", plan_simple("hold", ["--sessions", str(a.hold_sessions), "--concurrency", "200",
                                      "--duration", str(a.hold_seconds),
                                      "--session-timeout-ms", str(15 * a.tick_ms)], 420,
                             out_dir)),
        ("expiry", plan_simple("expiry", ["--sessions", str(a.expiry_sessions), "--concurrency",
                                          "200", "--session-timeout-ms", str(timeout_ms)], 600,
                               out_dir)),
        ("churn", plan_simple("churn", ["--clients", str(a.clients), "--depth", "4",
                                        "--duration", str(a.duration)], 600, out_dir)),
        ("znodes", plan_znodes(a, out_dir)),
    ]
    t0 = time.monotonic()
    for i, (name, plan) in enumerate(groups):
        if only and name not in only:
            continue
        if name == "half" and not dig(results, "ops.zookeeper.results.ops"):
            print("== half: skipped (needs ZooKeeper's peak from the ops group)")
            continue
        run_group(i, name, plan, a, out_dir, results)
    derive(results)
    doc = {"machine": machine(), "quick": a.quick, "tick_ms": a.tick_ms,
           "params": {k: getattr(a, k) for k in ("duration", "clients", "depth", "sessions",
                                                 "hold_sessions", "hold_seconds",
                                                 "expiry_sessions", "znodes")},
           "seconds": time.monotonic() - t0, "results": results}
    (out_dir / "results.json").write_text(json.dumps(doc, indent=2) + "\n")
    t = table(a, results)
    (out_dir / "table.md").write_text(t)
    plot(results, out_dir)
    print("\n" + t)
    print(f"results: {out_dir}/results.json, {out_dir}/table.md, {out_dir}/latency-cdf.png")


if __name__ == "__main__":
    main()
