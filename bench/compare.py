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

Issue #18 adds two groups measured through ZooKeeper's official C client (paddock-zkc-bench):
  latency  standalone zookeeper and paddock, and the floor rows: paddock-floor, a minimal server
           that answers the protocol at once (floor-a, --mode instant), after one fdatasync per
           write batch (floor-b, --mode fsync) or answers handshakes only (floor-c, --mode
           handshake). One request in flight: create and getData p50/p99/p999 (floor-a, floor-b,
           zookeeper, paddock) and the session establishment rate of paddock-bench sessions
           --concurrency 32 (floor-c, zookeeper, paddock); the server's CPU over each run.
  shapes   the 3-member ensembles (tickTime 500, Paddock paddock.electionTimeoutMs=500): load
           of 6 sessions x 32 in flight and 48 x 4 spread over the members, 6 x 32 all on the
           leader, and create latency through the leader and through a follower; ops/s, p50/p99
           and every member's CPU. The 3-node floor is derived, not run: floor-b's create p50 (one
           loopback round trip and one fdatasync) plus floor-a's getData p50 (one round trip),
           when both ran in the same invocation.
Tables: "Latency at the floor" and "3-node shapes" follow the main table in table.md.
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
ZKC_BENCH = os.environ.get("PADDOCK_ZKC_BENCH",
                           str(HERE.parent / "build" / "bin" / "paddock-zkc-bench"))
FLOOR = os.environ.get("PADDOCK_FLOOR", str(HERE.parent / "build" / "bin" / "paddock-floor"))
FLOOR_READY_TIMEOUT_S = 15.0
# The shapes group's ensembles (issue #18): tickTime 500 ms, Paddock's election timeout to match.
SHAPES_TICK_MS = 500
SHAPES_ELECTION_TIMEOUT_MS = 500
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


# ---------------------------------------------------------------- the floor (issue #18)

class FloorServer(zkservers.ServerProcess):
    """paddock-floor: no tree, no four-letter words; ready once a handshake is answered."""

    mode = None
    ready_seconds = None

    def _wait_ready(self):
        t0 = time.monotonic()
        super()._wait_ready()
        self.ready_seconds = time.monotonic() - t0

    def _probe(self):
        try:
            jute.connect(self.host, self.port, timeout=1.0).close()
        except (OSError, jute.ConnectionClosed, jute.ProtocolError) as e:
            return f"handshake: {e!r}"
        return None


def floor_starter(mode):
    """start(tmp, tick_ms) of one floor row: paddock-floor --mode `mode` on a free port (the
    fsync mode's file in the group's tmp directory); tick_ms means nothing to it."""
    def start(tmp, tick_ms, **_unused):
        port = zkservers.free_port()
        argv = [FLOOR, "--port", str(port), "--host", zkservers.LOOPBACK, "--mode", mode]
        if mode == "fsync":
            argv += ["--file", str(Path(tmp) / "floor.log")]
        server = FloorServer("floor", argv, tmp, port, FLOOR_READY_TIMEOUT_S)
        server.mode = mode
        server.start()
        banner = f"floor: listening on {zkservers.LOOPBACK}:{port} mode {mode}"
        if banner not in server.output_path.read_text(errors="replace"):
            server.stop()
            raise RuntimeError(f"paddock-floor: no '{banner}':\n{server.log_tail()}")
        return server
    return start


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


def start_zookeeper3(tmp, tick_ms, election_timeout_ms=None):
    """Three Apache ZooKeeper members (QuorumPeerMain), each with its own dataDir and myid, the
    same JVM flags as start_zookeeper; returns once all three serve (bounded).
    election_timeout_ms is Paddock's knob: ZooKeeper has none (its election waits are fixed,
    and its leader/follower timeouts are initLimit and syncLimit ticks), so it is ignored."""
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


def start_paddock3(tmp, tick_ms, election_timeout_ms=None):
    """Three paddock-server members through tests/lib/ensemble.py; returns once all serve.
    election_timeout_ms, when given, is written as paddock.electionTimeoutMs."""
    # maxClientCnxns=0 as in base_cfg; Ensemble already turns the admin server off.
    extra = {"maxClientCnxns": 0}
    if election_timeout_ms is not None:
        extra["paddock.electionTimeoutMs"] = election_timeout_ms
    ens = ensemble.Ensemble(size=3, tick_ms=tick_ms, extra_cfg=extra, tmpdir=tmp)
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

GROUPS = ("ops", "half", "sessions", "hold", "expiry", "churn", "znodes", "latency", "shapes")
# The ensembles run only what the ensemble targets need. hold, expiry and znodes measure
# one process's memory, expiry timing and restart, which means something else across three
# members; half's rate comes from standalone ZooKeeper's peak; churn is left for a later pass.
# shapes (issue #18) is theirs alone: where the clients sit relative to the leader.
ENSEMBLE_GROUPS = frozenset({"ops", "sessions", "shapes"})
STANDALONE_GROUPS = frozenset(GROUPS) - {"shapes"}
# The floor rows run the latency group only (which scenarios each: LATENCY_SCENARIOS).
FLOOR_GROUPS = frozenset({"latency"})


class Target(NamedTuple):
    row: str          # key under each group in results.json, and the table column
    kind: str         # zookeeper | paddock | floor
    topology: str     # standalone | ensemble-3
    start: Callable   # start(tmp, tick_ms, **group_start_args) -> a server object
    groups: frozenset


TARGETS = [
    Target("zookeeper", "zookeeper", "standalone", start_zookeeper, STANDALONE_GROUPS),
    Target("paddock", "paddock", "standalone", start_paddock, STANDALONE_GROUPS),
    Target("zookeeper-3", "zookeeper", "ensemble-3", start_zookeeper3, ENSEMBLE_GROUPS),
    Target("paddock-3", "paddock", "ensemble-3", start_paddock3, ENSEMBLE_GROUPS),
    Target("floor-a", "floor", "standalone", floor_starter("instant"), FLOOR_GROUPS),
    Target("floor-b", "floor", "standalone", floor_starter("fsync"), FLOOR_GROUPS),
    Target("floor-c", "floor", "standalone", floor_starter("handshake"), FLOOR_GROUPS),
]
# The latency group's scenarios per row: each floor only where it is the floor of something.
LATENCY_SCENARIOS = {"floor-a": ("create", "getData"), "floor-b": ("create", "getData"),
                     "floor-c": ("sessions",)}
LATENCY_SCENARIOS_DEFAULT = ("create", "getData", "sessions")
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


def run_group(i, name, plan, a, out_dir, results, tick_ms=None, start_args=None):
    """plan(server, kind, tmp) runs the scenarios of one group against a fresh server, started
    with tick_ms (default --tick-ms) and start_args (keyword arguments of Target.start)."""
    for t in group_order(i, name, a.targets):
        print(f"== {name}: {t.row}", flush=True)
        with tempfile.TemporaryDirectory(prefix=f"cmp-{t.row}-", dir=a.tmp) as tmp:
            server = t.start(tmp, tick_ms or a.tick_ms, **(start_args or {}))
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


# ---------------------------------------------------------------- latency and shapes (issue #18)

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    """utime + stime of a process (all its threads), in clock ticks; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)


def server_pids(server):
    """{name: pid} of the processes that make up `server`: every member of an ensemble (by id),
    else the one process (by row)."""
    if isinstance(server, EnsembleServer):
        return {str(i): pid for i, _h, _p, pid in server.endpoints()}
    return {getattr(server, "row", server.kind): server.pid}


class CpuMeter:
    """CPU of the server's processes over a block: % of one core, summed and per process."""

    def __init__(self, server):
        self.pids = server_pids(server)

    def __enter__(self):
        self.t0 = time.monotonic()
        self.before = {k: cpu_ticks(pid) for k, pid in self.pids.items()}
        return self

    def __exit__(self, *exc):
        wall = time.monotonic() - self.t0
        per = {}
        for k, pid in self.pids.items():
            after = cpu_ticks(pid)
            if after is not None and self.before[k] is not None and wall > 0:
                per[k] = 100.0 * (after - self.before[k]) / CLK_TCK / wall
        self.result = {"server_cpu_percent": sum(per.values()) if per else None,
                       "server_cpu_percent_per_process": per, "cpu_wall_s": wall}
        return False


def zkc(sub, connect, server, out_dir, label, args, timeout_s):
    """Runs `paddock-zkc-bench sub --connect connect args`, with the server's CPU measured over
    it; returns its JSON line plus exit_code, argv, load averages and the CPU figures (saved as
    <out>/<label>-<row>.json too)."""
    argv = [ZKC_BENCH, sub, "--connect", connect] + args
    print("  $ " + " ".join(argv), flush=True)
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    with CpuMeter(server) as meter:
        try:
            p = subprocess.run(argv, stdout=subprocess.PIPE, text=True, timeout=timeout_s)
            out, code = p.stdout, p.returncode
        except subprocess.TimeoutExpired as e:
            out, code = e.stdout or "", "timeout"
            out = out.decode() if isinstance(out, bytes) else out
    lines = [line for line in out.splitlines() if line.startswith("{")]
    data = json.loads(lines[-1]) if lines else {"ok": False, "error": f"exit {code}, no JSON"}
    if lines:
        # Exit 1 with a JSON line and no errors: stopped by --max-s (a time-bounded run).
        data["ok"] = data.get("errors", 1) == 0 and (data.get("count") or data.get("ops", 0)) > 0
    data.update(meter.result)
    data.update({"exit_code": code, "argv": argv[1:], "loadavg_before": load_before,
                 "loadavg_after": Path("/proc/loadavg").read_text().split()[:3]})
    Path(out_dir, f"{label}-{getattr(server, 'row', server.kind)}.json").write_text(
        json.dumps(data, indent=2) + "\n")
    summary = ", ".join(f"{k} {data[k]}" for k in ("count", "ops", "ops_per_s", "p50_ms",
                                                   "p99_ms", "p999_ms", "errors") if k in data)
    cpu = data["server_cpu_percent"]
    print(f"  -> {summary}; server CPU {'-' if cpu is None else f'{cpu:.0f}'}% "
          f"{ {k: round(v) for k, v in data['server_cpu_percent_per_process'].items()} }",
          flush=True)
    return data


def plan_latency(a, out_dir):
    """One request in flight through the C client (create, then getData of one node), and the
    raw session establishment rate; each row runs only its LATENCY_SCENARIOS."""
    common = ["--size", "100", "--cleanup-s", "0", "--timeout-s", "30",
              "--max-s", str(a.latency_max_s)]

    def plan(server, kind, tmp):
        scenarios = LATENCY_SCENARIOS.get(server.row, LATENCY_SCENARIOS_DEFAULT)
        res = {"scenarios": list(scenarios)}
        cs = server.connect_string
        if "create" in scenarios:
            # Warm-up (not recorded): ZooKeeper's JIT compiles the request path first.
            zkc("load", cs, server, out_dir, "latency-warmup",
                ["--op", "create", "--sessions", "4", "--depth", "8", "--duration-s",
                 str(a.latency_warmup_s), "--size", "100", "--cleanup-s", "0"], 180)
        for op in ("create", "getData"):
            if op in scenarios:
                res[op] = zkc("latency", cs, server, out_dir, f"latency-{op}",
                              ["--op", op, "--count", str(a.latency_count), "--warmup",
                               str(a.latency_warmup)] + common, a.latency_max_s + 120)
        if "sessions" in scenarios:
            with CpuMeter(server) as meter:
                r = bench("sessions", server, out_dir, "latency-sessions",
                          ["--sessions", str(a.sessions), "--concurrency", "32",
                           "--no-progress"], 600)
            r.update(meter.result)
            res["sessions"] = r
            print(f"  -> {dig(r, 'results.sessions_per_s')} sessions/s, server CPU "
                  f"{meter.result['server_cpu_percent']}%", flush=True)
        return res
    return plan


# (key in a shapes row, label in the table, sub-command, arguments; "LEADER" is replaced by the
# leader's index in the connect string, "MEMBER" marks the latency runs' one member)
SHAPES = [
    ("load-6x32-spread", "load 6 sessions x 32 in flight, spread over the members", "load",
     ["--sessions", "6", "--depth", "32", "--spread"]),
    ("load-48x4-spread", "load 48 sessions x 4 in flight, spread over the members", "load",
     ["--sessions", "48", "--depth", "4", "--spread"]),
    ("load-6x32-leader", "load 6 sessions x 32 in flight, all on the leader", "load",
     ["--sessions", "6", "--depth", "32", "--pin", "LEADER"]),
    ("create-leader", "create latency, one in flight, through the leader", "latency",
     ["MEMBER", "leader"]),
    ("create-follower", "create latency, one in flight, through a follower", "latency",
     ["MEMBER", "follower"]),
]


def ensemble_roles(server):
    """(leader index, first follower index) in the connect string's order, from a fresh srvr."""
    _ = server.pid  # asks every member's srvr; remembers the one leader
    ids = [i for i, _h, _p, _pid in server.endpoints()]
    leader = ids.index(server.leader_id)
    follower = next(k for k in range(len(ids)) if k != leader)
    return leader, follower


def plan_shapes(a, out_dir):
    """Where the clients sit relative to the leader, on a 3-member ensemble: each shape for
    --duration-s (the latency ones bounded by --max-s instead), fsync on, nothing cleaned up."""
    def plan(server, kind, tmp):
        hosts = server.connect_string.split(",")
        res = {"tick_ms": SHAPES_TICK_MS, "members": len(hosts)}
        zkc("load", server.connect_string, server, out_dir, "shapes-warmup",
            ["--op", "create", "--sessions", "6", "--depth", "32", "--spread", "--duration-s",
             str(a.latency_warmup_s), "--size", "100", "--cleanup-s", "0"], 180)
        for key, _label, sub, args in SHAPES:
            leader, follower = ensemble_roles(server)
            if sub == "load":
                args = [str(leader) if x == "LEADER" else x for x in args]
                r = zkc("load", server.connect_string, server, out_dir, f"shapes-{key}",
                        ["--op", "create", "--size", "100", "--duration-s",
                         str(a.shapes_duration), "--cleanup-s", "0", "--timeout-s", "30"] + args,
                        a.shapes_duration + 180)
            else:
                member = leader if args[1] == "leader" else follower
                r = zkc("latency", hosts[member], server, out_dir, f"shapes-{key}",
                        ["--op", "create", "--count", str(a.latency_count), "--warmup", "200",
                         "--max-s", str(a.shapes_duration), "--size", "100", "--cleanup-s", "0",
                         "--timeout-s", "30"], a.shapes_duration + 180)
                r["member_index"] = member
            r["leader_index"] = leader
            r["leader_id"] = server.leader_id
            res[key] = r
        return res
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
    """Whether either row ran a group of the main table (the shapes group has its own)."""
    return any(zk_row in rows or pd_row in rows for group, rows in results.items()
               if group in {f[1] for f in FIGURES})


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


# The latency table: (label, path in a latency row, better, the floor row it is compared with,
# unit). Each floor row is the floor of what it runs: floor-b (fsync) of writes, floor-a
# (instant) of reads, floor-c (handshake) of session establishment.
LATENCY_FIGURES = [
    ("create p50", "create.p50_ms", "lower", "floor-b", "ms"),
    ("create p99", "create.p99_ms", "lower", "floor-b", "ms"),
    ("create p999", "create.p999_ms", "lower", "floor-b", "ms"),
    ("create rate, one in flight", "create.ops_per_s", "higher", "floor-b", "ops/s"),
    ("server CPU during create", "create.server_cpu_percent", "lower", "floor-b", "% of a core"),
    ("getData p50", "getData.p50_ms", "lower", "floor-a", "ms"),
    ("getData p99", "getData.p99_ms", "lower", "floor-a", "ms"),
    ("getData rate, one in flight", "getData.ops_per_s", "higher", "floor-a", "ops/s"),
    ("server CPU during getData", "getData.server_cpu_percent", "lower", "floor-a",
     "% of a core"),
    ("session establishment rate (32 in flight)", "sessions.results.sessions_per_s", "higher",
     "floor-c", "sessions/s"),
    ("session connect p99", "sessions.results.connect_latency.p99_ms", "lower", "floor-c", "ms"),
    ("server CPU during sessions", "sessions.server_cpu_percent", "lower", "floor-c",
     "% of a core"),
]
FLOOR_ROWS = (("floor-a", "floor (a) instant"), ("floor-b", "floor (b) fsync"),
              ("floor-c", "floor (c) handshake"))


def ratio_of(num, den):
    if isinstance(num, (int, float)) and isinstance(den, (int, float)) and den:
        return num / den
    return None


def fmt_ratio(r, suffix=""):
    return "-" if r is None else f"{r:.2f}x{suffix}"


def latency_table(results):
    """'Latency at the floor': ZooKeeper, Paddock and the floor rows side by side."""
    lat = results.get("latency", {})
    lines = ["### Latency at the floor (standalone, one request in flight, fsync on)", "",
             "| figure | " + " | ".join(h for _r, h in FLOOR_ROWS) +
             " | ZooKeeper | Paddock | Paddock/floor | ZooKeeper/Paddock |",
             "| --- | " + " | ".join("---:" for _ in FLOOR_ROWS) + " | ---: | ---: | ---: | ---: |"]
    for label, path, better, ref, unit in LATENCY_FIGURES:
        floors = [dig(lat, f"{row}.{path}") for row, _h in FLOOR_ROWS]
        zk, pd = dig(lat, f"zookeeper.{path}"), dig(lat, f"paddock.{path}")
        floor = dig(lat, f"{ref}.{path}")
        letter = f" ({ref[-1]})"
        if better == "lower":
            vs_floor, vs_zk = ratio_of(pd, floor), ratio_of(zk, pd)
        else:
            vs_floor, vs_zk = ratio_of(floor, pd), ratio_of(pd, zk)
        lines.append(f"| {label} ({unit}) | " + " | ".join(fmt(v) for v in floors) +
                     f" | {fmt(zk)} | {fmt(pd)} | {fmt_ratio(vs_floor, letter)} | "
                     f"{fmt_ratio(vs_zk)} |")
    lines += ["", "Paddock/floor: Paddock's cost as a multiple of the floor's (latency and CPU: "
              "Paddock / floor; rates: floor / Paddock), against the floor in brackets: (b) for "
              "create, (a) for getData, (c) for sessions. ZooKeeper/Paddock: above 1 means "
              "Paddock ahead (latency and CPU: ZooKeeper / Paddock; rates: Paddock / ZooKeeper). "
              "Latency through ZooKeeper's C client (paddock-zkc-bench latency), sessions through "
              "paddock-bench sessions (handshake + closeSession); CPU: utime+stime of the server "
              "process over the run / wall time. floor (c) does not fsync the handshake."]
    return lines


def derived_figures(results):
    """The 3-node floor of a create through the leader: a client round trip and the leader's
    round trip to a follower (two loopback round trips) plus one fdatasync, taken as floor-b's
    create p50 (one round trip + one fdatasync) plus floor-a's getData p50 (one round trip);
    only when both ran in this invocation."""
    b = dig(results, "latency.floor-b.create.p50_ms")
    a = dig(results, "latency.floor-a.getData.p50_ms")
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return {}
    return {"floor_3node_create_p50_ms": round(a + b, 4), "from": {
        "floor-b create p50_ms": b, "floor-a getData p50_ms": a},
        "what": "two loopback round trips + one fdatasync"}


def cpu_cell(r):
    """'sum (m1 / m2 / m3)' with the leader starred, in member id order."""
    total = dig(r, "server_cpu_percent")
    per = dig(r, "server_cpu_percent_per_process") or {}
    if total is None:
        return "-"
    leader = str(dig(r, "leader_id"))
    parts = [f"{per[k]:.0f}{'*' if k == leader else ''}" for k in sorted(per, key=int)]
    return f"{total:.0f} ({' / '.join(parts)})"


def p50_p99(r):
    p50, p99 = dig(r, "p50_ms"), dig(r, "p99_ms")
    return "-" if p50 is None else f"{fmt(p50)} / {fmt(p99)}"


def shapes_table(results, derived):
    """'3-node shapes': each shape on zookeeper-3 and paddock-3."""
    sh = results.get("shapes", {})
    lines = [f"### 3-node shapes (tickTime {SHAPES_TICK_MS}, Paddock electionTimeoutMs "
             f"{SHAPES_ELECTION_TIMEOUT_MS}, fsync on, creates of 100 B)", "",
             "| shape | ZooKeeper ops/s | ZooKeeper p50 / p99 ms | ZooKeeper CPU % (per member) "
             "| Paddock ops/s | Paddock p50 / p99 ms | Paddock CPU % (per member) "
             "| ops/s Paddock/ZooKeeper | CPU per op ZooKeeper/Paddock |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for key, label, _sub, _args in SHAPES:
        zk, pd = dig(sh, f"zookeeper-3.{key}"), dig(sh, f"paddock-3.{key}")

        def per_op(r):
            return ratio_of(dig(r, "server_cpu_percent"), dig(r, "ops_per_s"))
        lines.append(f"| {label} | {fmt(dig(zk, 'ops_per_s'))} | {p50_p99(zk)} | {cpu_cell(zk)} "
                     f"| {fmt(dig(pd, 'ops_per_s'))} | {p50_p99(pd)} | {cpu_cell(pd)} "
                     f"| {fmt_ratio(ratio_of(dig(pd, 'ops_per_s'), dig(zk, 'ops_per_s')))} "
                     f"| {fmt_ratio(ratio_of(per_op(zk), per_op(pd)))} |")
    lines += ["", "CPU: utime+stime of each member over the run / wall time, % of one core; the "
              "sum first, then members 1 / 2 / 3, * the leader. Loads through paddock-zkc-bench "
              "load (--spread: session k on member k mod 3; all on the leader: --pin); the "
              "latency shapes connect to that one member only and are bounded by time "
              "(--max-s), so their count varies."]
    return lines + derived_note(results, derived) + [""]


def derived_note(results, derived):
    """The derived 3-node floor as a paragraph (none when the floor rows did not both run)."""
    floor = derived.get("floor_3node_create_p50_ms")
    if floor is None:
        return []
    f = derived["from"]
    vs = ", ".join(f"{name} {fmt(v)} ms ({fmt_ratio(ratio_of(v, floor))} the floor)"
                   for name, v in (("ZooKeeper", dig(results, "shapes.zookeeper-3.create-leader."
                                                              "p50_ms")),
                                   ("Paddock", dig(results, "shapes.paddock-3.create-leader."
                                                            "p50_ms")))
                   if v is not None)
    return ["", f"Derived 3-node floor of a create through the leader (two loopback round trips "
            f"+ one fdatasync, not run): {fmt(floor)} ms p50 = floor (b) create p50 "
            f"{fmt(f['floor-b create p50_ms'])} + floor (a) getData p50 "
            f"{fmt(f['floor-a getData p50_ms'])}. Create p50 through the leader of a 3-node "
            f"ensemble: {vs or '- (the shapes group did not run)'}."]


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
    derived = derived_figures(results)
    if results.get("latency"):
        lines += [""] + latency_table(results)
        if not results.get("shapes"):
            lines += derived_note(results, derived)
    if results.get("shapes"):
        lines += [""] + shapes_table(results, derived)
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
    if not any(dig(results, f"{g}.{row}.{path}") for g, _t, path in panels
               for row in ("zookeeper", "paddock")):
        print("no latency CDF to plot (the ops and half groups did not run): no PNG")
        return
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
    ap.add_argument("--only", default="", help="comma list of groups: " + ",".join(GROUPS)
                    + " (latency: standalone rows and floor-a/b/c; shapes: 3-node rows)")
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
    unknown = set(filter(None, a.only.split(","))) - set(GROUPS)
    if unknown:
        ap.error(f"unknown --only {sorted(unknown)}")
    overrides = {k: getattr(a, k) for k in ("hold_sessions", "znodes") if getattr(a, k)}
    # latency_*: the latency group (requests, unrecorded requests first, seconds of warm-up
    # load, bound on each run); shapes_duration: seconds of each shape.
    full = dict(duration=10, clients=16, depth=16, sessions=20000, hold_sessions=100000,
                hold_seconds=30, expiry_sessions=10000, znodes=1000000, latency_count=20000,
                latency_warmup=2000, latency_warmup_s=3, latency_max_s=600, shapes_duration=10)
    quick = dict(duration=2, clients=8, depth=16, sessions=3000, hold_sessions=5000,
                 hold_seconds=5, expiry_sessions=1000, znodes=50000, latency_count=3000,
                 latency_warmup=300, latency_warmup_s=2, latency_max_s=120, shapes_duration=3)
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
        ("latency", plan_latency(a, out_dir)),
        ("shapes", plan_shapes(a, out_dir)),
    ]
    # The shapes group's ensembles: a short tick, and Paddock's election timeout to match.
    group_start = {"shapes": (SHAPES_TICK_MS,
                              {"election_timeout_ms": SHAPES_ELECTION_TIMEOUT_MS})}
    t0 = time.monotonic()
    for i, (name, plan) in enumerate(groups):
        if only and name not in only:
            continue
        if name == "half" and not dig(results, "ops.zookeeper.results.ops"):
            print("== half: skipped (needs ZooKeeper's peak from the ops group)")
            continue
        if name in ("latency", "shapes") and not os.access(ZKC_BENCH, os.X_OK):
            print(f"== {name}: skipped ({ZKC_BENCH} missing: libzookeeper-mt-dev, "
                  f"scripts/setup.sh)")
            continue
        tick_ms, start_args = group_start.get(name, (None, None))
        run_group(i, name, plan, a, out_dir, results, tick_ms, start_args)
    derive(results)
    doc = {"machine": machine(), "quick": a.quick, "tick_ms": a.tick_ms,
           "params": {k: getattr(a, k) for k in ("duration", "clients", "depth", "sessions",
                                                 "hold_sessions", "hold_seconds",
                                                 "expiry_sessions", "znodes", "latency_count",
                                                 "latency_warmup", "latency_warmup_s",
                                                 "latency_max_s", "shapes_duration")},
           "shapes_tick_ms": SHAPES_TICK_MS,
           "shapes_election_timeout_ms": SHAPES_ELECTION_TIMEOUT_MS,
           "derived": derived_figures(results),
           "seconds": time.monotonic() - t0, "results": results}
    (out_dir / "results.json").write_text(json.dumps(doc, indent=2) + "\n")
    t = table(a, results)
    (out_dir / "table.md").write_text(t)
    plot(results, out_dir)
    print("\n" + t)
    print(f"results: {out_dir}/results.json, {out_dir}/table.md, {out_dir}/latency-cdf.png")


if __name__ == "__main__":
    main()
