"""Run a replicated Paddock ensemble (issue #4) as real processes, for integration and fault tests.

An `Ensemble` writes one zoo.cfg and one `myid` per member into a temporary directory, starts
`paddock-server <zoo.cfg>` for each member, and answers the questions tests ask about it: who
leads, who serves, and whether two members hold the same tree. Nothing is faked: every answer
comes from a four-letter word or a client session on one member.

    with Ensemble(size=3) as e:          # writes the configs; nothing runs yet
        e.start()                        # starts every member, waits until each one serves
        lid = e.leader()                 # the one member whose srvr says Mode: leader
        e.members[lid].kill9()
        e.leader()                       # waits for the new one
        e.members[lid].start(); e.wait_serving()
        assert len({e.tree_digest(i) for i in e.members}) == 1

Layout (one directory per member, under a fresh temporary directory that close() removes, unless
`tmpdir` is given, which stays the caller's):

    <tmpdir>/peer.key           the ensemble's shared key (32 random bytes, base64), as the
                                README says to make one
    <tmpdir>/m<id>/zoo.cfg      tickTime, initLimit=10, syncLimit=5, dataDir, clientPort,
                                clientPortAddress=<host>, admin.enableServer=false,
                                4lw.commands.whitelist=*, paddock.peerKeyFile=<tmpdir>/peer.key,
                                server.<i>=<host_i>:<raft_i>:<peer_i> for every member i, then
                                `extra_cfg` (which may name another key file for a member)
    <tmpdir>/m<id>/data/myid    "<id>\\n"
    <tmpdir>/m<id>/server.out   the member's stdout and stderr, appended across restarts

API (the fault tests in tests/fault/ rely on these names):

  Ensemble(size=3, tick_ms=500, extra_cfg=None, tmpdir=None, hosts=None, wrap=None)
      Ids are 1..size. `extra_cfg`: a dict of zoo.cfg additions/overrides for every member, or a
      function(member_id) -> dict. `hosts`: one host per member (index 0 is member 1): an IP
      address or a host name, used for its clientPortAddress and its server.N line (an IPv6
      literal is bracketed there); default 127.0.0.1 for all. `wrap`: a
      function(member_id) -> argv prefix (e.g. ["ip", "netns", "exec", "m1"]); the prefix must
      exec the server so that the pid we hold is the server's (ip netns exec does).
      Ports come from zkservers.free_port() and stay fixed across restarts.
    start(ids=None, wait=True)   start the given members (default all not yet running); with
                                 wait, block until every running member serves (bounded).
    stop()                       stop every member: SIGTERM to all, SIGKILL after STOP_GRACE_S.
    members                      dict id -> Member
    key_path                     the shared key file every member's zoo.cfg names
    ids                          sorted list of ids
    connect_string(ids=None)     "host:port,host:port,..." in the order of `ids` (default: by id)
    leader(timeout=15) -> id     waits until exactly one running member says Mode: leader
    followers(timeout=15)        the ids that serve as followers once leader() holds
    wait_serving(ids=None, timeout=15)   waits until each given (default: running) member serves
    mode(id)                     "leader" | "follower" | "standalone" | None (down, paused,
                                 or not serving)
    tree_digest(id, exclude=("/zookeeper",)) -> str
                                 sha256 over a walk of that member's tree, read from that member
                                 only after a sync: per node its path, data, ACL, czxid, mzxid,
                                 pzxid, ctime, mtime, version, cversion, aversion,
                                 ephemeralOwner and numChildren. Raises if the member does not
                                 serve. `exclude` skips whole subtrees (the /zookeeper system
                                 nodes by default).
    tree_listing(id, exclude=...) the same walk as a list of per-node tuples, to print a diff
                                 when two digests differ.
    with Ensemble(...) as e:     __exit__ stops every member and removes the temporary
                                 directory (kept if $PADDOCK_KEEP_TMP is set).

  Member: id, host, client_port, raft_port, peer_port, data_dir, cfg_path, dir, output_path
    start()        launch (does not wait; use Ensemble.wait_serving); no-op error if running
    stop()         SIGTERM, SIGKILL after STOP_GRACE_S; safe when not running
    kill9()        SIGKILL (a crash); the data dir stays as the process left it
    sigstop() / sigcont()   pause / resume the process (a stalled member)
    restart()      stop() then start()
    wipe()         delete the data dir's contents except myid (REQUIRES: not running)
    is_running()   the process exists and has not exited (a paused one counts as running)
    pid            pid of the process (None if never started)
    returncode     exit code of the last process once it exited, else None
    log_tail(n=40) the last n lines of server.out
    four_letter(word, timeout=2.0) -> str   raises OSError if nothing listens
    write_config() rewrite zoo.cfg and myid (after changing extra_cfg, say)

Cleanup: every process started here is also remembered in a module-level table and killed at
interpreter exit, so a test that dies half-way leaves nothing running. Processes are signalled
through their own process group (each member runs in a new session, so the group holds the
server and any wrapper only), never by name.
"""

import atexit
import base64
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import jute
import zkservers

STOP_GRACE_S = 10.0
FOUR_LETTER_TIMEOUT_S = 2.0
DIGEST_NODES_MAX = 100_000
NOT_SERVING = "not currently serving"

_LIVE = {}  # pid -> subprocess.Popen, for the atexit safety net


def _signal_group(proc, sig):
    """Sends `sig` to the member's process group (its own session) if it has not exited."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def parse_srvr_mode(text):
    """The Mode: value of a srvr/stat answer, or None if the member does not serve."""
    if not text or NOT_SERVING in text:
        return None
    for line in text.splitlines():
        if line.startswith("Mode:"):
            return line.split(":", 1)[1].strip()
    return None


def parse_mntr(text):
    """mntr's `key<TAB>value` lines as a dict of strings."""
    out = {}
    for line in text.splitlines():
        if "\t" in line:
            key, value = line.split("\t", 1)
            out[key.strip()] = value.strip()
    return out


def bracketed(host):
    """A host as written before ":port": an IPv6 literal in brackets."""
    return f"[{host}]" if ":" in host else host


class Member:
    """One paddock-server process of an ensemble, with a fixed id, ports and data directory."""

    def __init__(self, ensemble, member_id, host, member_dir):
        self.ensemble = ensemble
        self.id = member_id
        self.host = host
        self.client_port = zkservers.free_port()
        self.raft_port = zkservers.free_port()
        self.peer_port = zkservers.free_port()
        self.dir = Path(member_dir)
        self.data_dir = self.dir / "data"
        self.cfg_path = self.dir / "zoo.cfg"
        self.output_path = self.dir / "server.out"
        self.proc = None
        self._output = None

    # ---- configuration

    def config_entries(self):
        """The zoo.cfg of this member as an ordered dict."""
        cfg = {
            "tickTime": self.ensemble.tick_ms,
            "initLimit": 10,
            "syncLimit": 5,
            "dataDir": str(self.data_dir),
            "clientPort": self.client_port,
            "clientPortAddress": self.host,
            "admin.enableServer": "false",
            "4lw.commands.whitelist": "*",
            "paddock.peerKeyFile": str(self.ensemble.key_path),
        }
        for m in self.ensemble.members.values():
            cfg[f"server.{m.id}"] = f"{bracketed(m.host)}:{m.raft_port}:{m.peer_port}"
        cfg.update(self.ensemble.extra_cfg_for(self.id))
        return cfg

    def write_config(self):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        zkservers.write_cfg(self.cfg_path, self.config_entries())
        (self.data_dir / "myid").write_text(f"{self.id}\n")

    def argv(self):
        prefix = list(self.ensemble.wrap(self.id)) if self.ensemble.wrap else []
        return prefix + [zkservers.paddock_binary(), str(self.cfg_path)]

    # ---- process control

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def returncode(self):
        return self.proc.poll() if self.proc else None

    def is_running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self):
        """Launches the member; returns at once (it serves only once a majority runs)."""
        assert not self.is_running(), f"member {self.id} already running"
        binary = zkservers.paddock_binary()
        if not os.access(binary, os.X_OK):
            raise RuntimeError(f"paddock-server binary not found or not executable: {binary} "
                               "(set PADDOCK_SERVER or build it)")
        self._close_output()
        self._output = open(self.output_path, "ab")
        self.proc = subprocess.Popen(
            self.argv(), stdin=subprocess.DEVNULL, stdout=self._output,
            stderr=subprocess.STDOUT, cwd=str(self.dir), start_new_session=True)
        _LIVE[self.proc.pid] = self.proc
        return self

    def stop(self, grace_s=STOP_GRACE_S):
        """SIGTERM, then SIGKILL if the process has not exited after `grace_s`."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            _signal_group(self.proc, signal.SIGCONT)  # a paused process cannot act on SIGTERM
            _signal_group(self.proc, signal.SIGTERM)
        self._reap(grace_s)

    def kill9(self):
        """SIGKILL: a crash. The data directory is left as the process left it."""
        if self.proc is None:
            return
        _signal_group(self.proc, signal.SIGKILL)
        self._reap(STOP_GRACE_S)

    def sigstop(self):
        assert self.is_running(), f"member {self.id} is not running"
        _signal_group(self.proc, signal.SIGSTOP)

    def sigcont(self):
        assert self.is_running(), f"member {self.id} is not running"
        _signal_group(self.proc, signal.SIGCONT)

    def restart(self):
        self.stop()
        return self.start()

    def wipe(self):
        """Deletes everything in the data dir but myid. REQUIRES: the member is not running."""
        assert not self.is_running(), f"member {self.id} must be stopped before wipe()"
        for entry in self.data_dir.iterdir():
            if entry.name == "myid":
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    def _reap(self, grace_s):
        try:
            self.proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            _signal_group(self.proc, signal.SIGKILL)
            self.proc.wait(timeout=STOP_GRACE_S)
        _LIVE.pop(self.proc.pid, None)
        self._close_output()

    def _close_output(self):
        if self._output:
            self._output.close()
            self._output = None

    # ---- observation

    def four_letter(self, word, timeout=FOUR_LETTER_TIMEOUT_S):
        """The whole answer to a four-letter word; raises OSError if nothing listens."""
        return zkservers.four_letter_word(self.client_port, word, host=self.host,
                                          timeout=timeout)

    def mode(self):
        """"leader", "follower", "standalone", or None (down, paused or not serving)."""
        if not self.is_running():
            return None
        try:
            return parse_srvr_mode(self.four_letter("srvr", timeout=1.0))
        except OSError:
            return None

    def mntr(self):
        return parse_mntr(self.four_letter("mntr"))

    def log_tail(self, n=40):
        if not self.output_path.exists():
            return ""
        return "\n".join(self.output_path.read_text(errors="replace").splitlines()[-n:])

    def connect(self, session_timeout_ms=10000, timeout=10.0, **handshake_args):
        """A raw jute.Connection to this member only, handshaken (see tests/lib/jute.py)."""
        return jute.connect(self.host, self.client_port, session_timeout_ms, timeout,
                            **handshake_args)

    def __repr__(self):
        return (f"<member {self.id} pid={self.pid} {self.host}:{self.client_port} "
                f"raft={self.raft_port} peer={self.peer_port}>")


class Ensemble:
    """A set of Members sharing one server list; see the module docstring for the API."""

    def __init__(self, size=3, tick_ms=500, extra_cfg=None, tmpdir=None, hosts=None, wrap=None):
        assert size >= 1, "an ensemble has at least one member"
        assert hosts is None or len(hosts) == size, "hosts needs one entry per member"
        self.size = size
        self.tick_ms = tick_ms
        self.extra_cfg = extra_cfg or {}
        self.wrap = wrap
        self._owned_dir = None  # removed by close() unless $PADDOCK_KEEP_TMP is set
        if tmpdir is None:
            tmpdir = self._owned_dir = tempfile.mkdtemp(prefix="paddock-ensemble-")
        self.dir = Path(tmpdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.key_path = self.dir / "peer.key"
        self.key_path.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
        self.members = {}
        for i in range(1, size + 1):
            host = hosts[i - 1] if hosts else zkservers.LOOPBACK
            self.members[i] = Member(self, i, host, self.dir / f"m{i}")
        for m in self.members.values():
            m.write_config()

    def extra_cfg_for(self, member_id):
        cfg = self.extra_cfg(member_id) if callable(self.extra_cfg) else self.extra_cfg
        return dict(cfg or {})

    @property
    def ids(self):
        return sorted(self.members)

    # ---- lifetime

    def start(self, ids=None, wait=True, timeout=15.0):
        """Starts the given members (default: all that are not running)."""
        ids = self._ids(ids)
        for i in ids:
            if not self.members[i].is_running():
                self.members[i].start()
        if wait:
            self.wait_serving(timeout=timeout)
        return self

    def stop(self):
        """SIGTERM to every running member at once, then reap each (SIGKILL after the grace)."""
        running = [m for m in self.members.values() if m.is_running()]
        for m in running:
            _signal_group(m.proc, signal.SIGCONT)
            _signal_group(m.proc, signal.SIGTERM)
        for m in self.members.values():
            if m.proc is not None:
                m._reap(STOP_GRACE_S)

    def close(self):
        try:
            self.stop()
        finally:
            if self._owned_dir is not None and not os.environ.get("PADDOCK_KEEP_TMP"):
                shutil.rmtree(self._owned_dir, ignore_errors=True)
                self._owned_dir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- observation

    def connect_string(self, ids=None):
        return ",".join(f"{bracketed(self.members[i].host)}:{self.members[i].client_port}"
                        for i in self._ids(ids))

    def mode(self, member_id):
        return self.members[member_id].mode()

    def modes(self):
        return {i: self.mode(i) for i in self.ids}

    def wait_serving(self, ids=None, timeout=15.0):
        """Waits until each member in `ids` (default: every running one) serves."""
        ids = self._ids(ids) if ids is not None else [
            i for i in self.ids if self.members[i].is_running()]
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive(ids)
            modes = {i: self.mode(i) for i in ids}
            if all(modes.values()):
                return modes
            if time.monotonic() >= deadline:
                raise AssertionError(f"members not serving after {timeout} s: {modes}\n"
                                     + self.describe())
            time.sleep(0.1)

    def leader(self, timeout=15.0):
        """Waits until exactly one running member says Mode: leader; returns its id."""
        deadline = time.monotonic() + timeout
        while True:
            modes = self.modes()
            leaders = [i for i, mode in modes.items() if mode == "leader"]
            if len(leaders) == 1:
                return leaders[0]
            if time.monotonic() >= deadline:
                raise AssertionError(f"no single leader after {timeout} s: {modes}\n"
                                     + self.describe())
            time.sleep(0.1)

    def followers(self, timeout=15.0):
        """Ids of the members serving as followers, once a single leader is seen."""
        self.leader(timeout)
        return [i for i, mode in self.modes().items() if mode == "follower"]

    def tree_listing(self, member_id, exclude=("/zookeeper",), timeout=10.0):
        """Walks the tree of one member after a sync; a list of per-node tuples in path order."""
        conn = self.members[member_id].connect(session_timeout_ms=10000, timeout=timeout)
        try:
            reply = conn.sync("/")
            _check(reply, f"sync on member {member_id}")
            nodes = []
            pending = ["/"]
            while pending:
                if len(nodes) >= DIGEST_NODES_MAX:
                    raise AssertionError(f"tree of member {member_id} has over "
                                         f"{DIGEST_NODES_MAX} nodes")
                path = pending.pop()
                if path in exclude:
                    continue
                node = _read_node(conn, path)
                if node is None:  # deleted while we walked: the caller did not quiesce
                    continue
                nodes.append(node[0])
                pending.extend(sorted(node[1], reverse=True))
            _check(conn.close_session(), f"closeSession on member {member_id}")
            return sorted(nodes)
        finally:
            conn.close()

    def tree_digest(self, member_id, exclude=("/zookeeper",), timeout=10.0):
        """sha256 (hex) of tree_listing(member_id): equal digests mean equal trees."""
        h = hashlib.sha256()
        for node in self.tree_listing(member_id, exclude, timeout):
            h.update(repr(node).encode("utf-8", "surrogateescape"))
            h.update(b"\n")
        return h.hexdigest()

    def describe(self, log_lines=15):
        """Every member's state and the end of its log, for assertion messages."""
        parts = []
        for m in self.members.values():
            state = "running" if m.is_running() else f"exited rc={m.returncode}"
            parts.append(f"=== {m!r} {state}\n{m.log_tail(log_lines)}")
        return "\n".join(parts)

    # ---- internals

    def _ids(self, ids):
        if ids is None:
            return self.ids
        if isinstance(ids, int):
            return [ids]
        return list(ids)  # in the caller's order: a connect string's order matters to clients

    def _check_alive(self, ids):
        for i in ids:
            m = self.members[i]
            if m.proc is not None and m.proc.poll() is not None:
                raise AssertionError(f"member {i} exited with code {m.returncode}:\n"
                                     + m.log_tail())


def _check(reply, what):
    if reply.err != 0:
        raise AssertionError(f"{what} failed: {jute.err_name(reply.err)}")


def _read_node(conn, path):
    """((path, data, acl, stat fields...), children) or None if the node is gone."""
    data = conn.get_data(path)
    if data.err == -101:
        return None
    _check(data, f"getData {path}")
    acl = conn.get_acl(path)
    _check(acl, f"getACL {path}")
    children = conn.get_children(path)
    _check(children, f"getChildren {path}")
    body, stat = data.value
    record = (path, body, tuple(acl.value[0]), stat.czxid, stat.mzxid, stat.pzxid, stat.ctime,
              stat.mtime, stat.version, stat.cversion, stat.aversion, stat.ephemeralOwner,
              stat.numChildren)
    base = path.rstrip("/")
    return record, [f"{base}/{c}" for c in children.value]


@atexit.register
def _kill_leftovers():
    for pid, proc in list(_LIVE.items()):
        _signal_group(proc, signal.SIGKILL)
        try:
            proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            pass
        _LIVE.pop(pid, None)
