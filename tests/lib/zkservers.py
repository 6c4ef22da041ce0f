"""Start and stop the two servers the compatibility tests compare.

`start_zookeeper()` runs Debian's Apache ZooKeeper 3.8.0 (`ZooKeeperServerMain`, standalone) and
`start_paddock()` runs `paddock-server`. Both write a zoo.cfg into a caller-owned temporary
directory, listen on 127.0.0.1 at a port picked at run time, wait (bounded) until the server
answers four-letter words, and return a `ServerProcess` with `.port`, `.connect_string`,
`.stop()`, `.kill9()` and `.restart()`.

Cleanup: every process started here is remembered and killed at interpreter exit, so a test
that crashes half-way does not leave a JVM behind. Processes are only ever signalled by pid.

Debian classpath facts (from /usr/share/zookeeper/bin/zkEnv.sh and the jar manifest):
`/usr/share/java/zookeeper.jar` carries a `Class-Path:` manifest entry naming every dependency
(zookeeper-jute, netty, jetty, slf4j-api, ...), so it alone is enough to run the server. Without
an SLF4J binding it logs nothing; we add `slf4j-log4j12.jar` + `log4j-1.2.jar` and a WARN-level
log4j config that writes to `<tmpdir>/server.log`, which is quiet but still useful on failure.

ZooKeeper copies unknown zoo.cfg keys into system properties named `zookeeper.<key>`. That is
how `extendedTypesEnabled` and `DigestAuthenticationProvider.superDigest` in zoo.cfg take effect.
`znode.container.checkIntervalMs` is read *without* the `zookeeper.` prefix, so for ZooKeeper it
must also be passed as a `-D` flag; `start_zookeeper()` does that (and likewise mirrors
`extendedTypesEnabled` into `-Dzookeeper.extendedTypesEnabled`).
"""

import atexit
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"

ZK_JARS = [
    "/usr/share/java/zookeeper.jar",
    "/usr/share/java/slf4j-log4j12.jar",
    "/usr/share/java/log4j-1.2.jar",
]
ZK_MAIN = "org.apache.zookeeper.server.ZooKeeperServerMain"
JAVA = os.environ.get("PADDOCK_JAVA", "/usr/bin/java")

ZOOKEEPER_READY_TIMEOUT_S = 60.0
PADDOCK_READY_TIMEOUT_S = 15.0
STOP_GRACE_S = 10.0

_LIVE_PROCESSES = {}  # pid -> subprocess.Popen, for the atexit safety net
_HANDED_OUT_PORTS = set()

LOG4J_PROPERTIES = """\
log4j.rootLogger=WARN, FILE
log4j.appender.FILE=org.apache.log4j.FileAppender
log4j.appender.FILE.File={logfile}
log4j.appender.FILE.layout=org.apache.log4j.PatternLayout
log4j.appender.FILE.layout.ConversionPattern=%d{{ISO8601}} [%t] %-5p %c{{1}} - %m%n
"""


def paddock_binary():
    """Path of the paddock-server binary: $PADDOCK_SERVER or <repo>/build/bin/paddock-server."""
    return os.environ.get("PADDOCK_SERVER", str(REPO_ROOT / "build" / "bin" / "paddock-server"))


def free_port():
    """Returns a loopback TCP port that nothing listened on a moment ago.

    The port is closed again before returning, so another process could grab it; we at least
    never hand the same port out twice within one test process.
    """
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((LOOPBACK, 0))
            port = s.getsockname()[1]
        if port not in _HANDED_OUT_PORTS:
            _HANDED_OUT_PORTS.add(port)
            return port
    raise RuntimeError("could not find a fresh free port in 50 attempts")


def dead_port():
    """A port with no listener, for "dead host" entries in connect strings."""
    return free_port()


def four_letter_word(port, word, host=LOOPBACK, timeout=5.0):
    """Sends a four-letter word and returns the whole text answer ('' if none).

    `word` is text, or bytes for a word with an argument (stmk and its 8-byte mask).

    Raises OSError if the connection cannot be made. Reads until the server closes the
    connection, or until `timeout` seconds have passed in total.
    """
    deadline = time.monotonic() + timeout
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(word if isinstance(word, bytes) else word.encode("ascii"))
        chunks = []
        while time.monotonic() < deadline:
            s.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                data = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks).decode("utf-8", "replace")


def write_cfg(path, entries):
    """Writes a zoo.cfg-style `key=value` file, keeping the insertion order of `entries`."""
    lines = [f"{key}={value}" for key, value in entries.items()]
    Path(path).write_text("\n".join(lines) + "\n")


class ServerProcess:
    """One server process (ZooKeeper or paddock) bound to a fixed port and data directory.

    The port and directories stay the same across restart(), so clients can reconnect and
    the server recovers its own data.
    """

    def __init__(self, kind, argv, tmpdir, port, ready_timeout, env=None):
        self.kind = kind
        self.argv = list(argv)
        self.tmpdir = Path(tmpdir)
        self.port = port
        self.host = LOOPBACK
        self.ready_timeout = ready_timeout
        self.env = env
        self.proc = None
        self.output_path = self.tmpdir / "server.out"
        self._output = None

    @property
    def connect_string(self):
        return f"{self.host}:{self.port}"

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def is_running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self):
        """Launches the process and blocks until it serves requests (bounded)."""
        assert not self.is_running(), "server already running"
        self._output = open(self.output_path, "ab")
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=self._output,
            stderr=subprocess.STDOUT, cwd=str(self.tmpdir), env=self.env,
            start_new_session=True)
        _LIVE_PROCESSES[self.proc.pid] = self.proc
        self._wait_ready()
        return self

    def _wait_ready(self):
        deadline = time.monotonic() + self.ready_timeout
        last_answer = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with code {self.proc.returncode} "
                                   f"before becoming ready:\n{self.log_tail()}")
            last_answer = self._probe()
            if last_answer is None:
                return
            time.sleep(0.1)
        self.kill9()
        raise RuntimeError(f"{self.kind} not ready after {self.ready_timeout} s "
                           f"(last answer {last_answer!r}):\n{self.log_tail()}")

    def _probe(self):
        """Returns None when ready, otherwise a short description of what was seen."""
        try:
            ruok = four_letter_word(self.port, "ruok", timeout=1.0)
            srvr = four_letter_word(self.port, "srvr", timeout=1.0)
        except OSError as e:
            return f"connect: {e}"
        if "not currently serving" in srvr:
            return srvr.strip()
        if "Mode:" in srvr or ruok == "imok":
            return None
        return f"ruok={ruok!r} srvr={srvr!r}"

    def log_tail(self, lines=40):
        """Last lines of the process output and of server.log, for failure messages."""
        text = []
        for path in (self.output_path, self.tmpdir / "server.log"):
            if path.exists():
                content = path.read_text(errors="replace").splitlines()[-lines:]
                text.append(f"--- {path} ---\n" + "\n".join(content))
        return "\n".join(text)

    def stop(self):
        """SIGTERM, wait up to STOP_GRACE_S, then SIGKILL. Safe to call twice."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_GRACE_S)
        self._forget()

    def kill9(self):
        """SIGKILL: simulates a crash. The data directory is left as the process left it."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_GRACE_S)
        self._forget()

    def restart(self):
        """Graceful stop, then start again on the same port with the same data."""
        self.stop()
        return self.start()

    def _forget(self):
        _LIVE_PROCESSES.pop(self.proc.pid, None)
        if self._output:
            self._output.close()
            self._output = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        return f"<{self.kind} pid={self.pid} port={self.port}>"


def _base_cfg(tmpdir, port, extra_cfg):
    data_dir = Path(tmpdir) / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    cfg = {
        "tickTime": 2000,
        "dataDir": str(data_dir),
        "clientPort": port,
        "clientPortAddress": LOOPBACK,
        "4lw.commands.whitelist": "*",
    }
    cfg.update(extra_cfg)
    return cfg


def _zookeeper_jvm_flags(tmpdir, extra_cfg):
    flags = [
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dzookeeper.admin.enableServer=false",
        f"-Dlog4j.configuration=file:{Path(tmpdir) / 'log4j.properties'}",
        f"-Dzookeeper.log.dir={tmpdir}",
    ]
    # Keys ZooKeeper reads from plain system properties rather than from zoo.cfg.
    for key in ("znode.container.checkIntervalMs", "znode.container.maxPerMinute"):
        if key in extra_cfg:
            flags.append(f"-D{key}={extra_cfg[key]}")
    if "extendedTypesEnabled" in extra_cfg:
        flags.append(f"-Dzookeeper.extendedTypesEnabled={extra_cfg['extendedTypesEnabled']}")
    return flags


def start_zookeeper(tmpdir, extra_cfg=None, jvm_flags=None, port=None):
    """Starts Apache ZooKeeper standalone in `tmpdir`; returns a ready ServerProcess.

    `extra_cfg` entries are added to (or override) the generated zoo.cfg; `jvm_flags` are
    appended to the java command line (e.g. "-Dzookeeper.extendedTypesEnabled=true").
    Raises RuntimeError if the server is not serving within 60 s.
    """
    extra_cfg = dict(extra_cfg or {})
    tmpdir = Path(tmpdir)
    tmpdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    cfg_path = tmpdir / "zoo.cfg"
    write_cfg(cfg_path, _base_cfg(tmpdir, port, extra_cfg))
    (tmpdir / "log4j.properties").write_text(
        LOG4J_PROPERTIES.format(logfile=tmpdir / "server.log"))
    argv = [JAVA, "-cp", ":".join(ZK_JARS)]
    argv += _zookeeper_jvm_flags(tmpdir, extra_cfg) + list(jvm_flags or [])
    argv += [ZK_MAIN, str(cfg_path)]
    server = ServerProcess("zookeeper", argv, tmpdir, port, ZOOKEEPER_READY_TIMEOUT_S)
    server.cfg_path = cfg_path
    return server.start()


def start_paddock(tmpdir, extra_cfg=None, port=None):
    """Starts `paddock-server <zoo.cfg>` in `tmpdir`; returns a ready ServerProcess.

    The admin HTTP endpoint listens on 127.0.0.1 at a port of its own (`.admin_port`), so that
    servers started in parallel never fight over ZooKeeper's default 8080; `extra_cfg` may set
    `admin.serverPort` or `admin.enableServer=false` instead. The port stays the same across
    restart(). Raises RuntimeError if the binary is missing or the server is not serving
    within 15 s.
    """
    binary = paddock_binary()
    if not os.access(binary, os.X_OK):
        raise RuntimeError(f"paddock-server binary not found or not executable: {binary} "
                           "(set PADDOCK_SERVER or build it)")
    extra_cfg = dict(extra_cfg or {})
    extra_cfg.setdefault("admin.serverAddress", LOOPBACK)
    extra_cfg.setdefault("admin.serverPort", free_port())
    tmpdir = Path(tmpdir)
    tmpdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    cfg_path = tmpdir / "zoo.cfg"
    write_cfg(cfg_path, _base_cfg(tmpdir, port, extra_cfg))
    server = ServerProcess("paddock", [binary, str(cfg_path)], tmpdir, port,
                           PADDOCK_READY_TIMEOUT_S)
    server.cfg_path = cfg_path
    server.admin_port = int(extra_cfg["admin.serverPort"])
    return server.start()


def start_target(kind, tmpdir, extra_cfg=None):
    """Starts `kind` ("paddock" or "zookeeper") with the given zoo.cfg additions."""
    if kind == "paddock":
        return start_paddock(tmpdir, extra_cfg)
    if kind == "zookeeper":
        return start_zookeeper(tmpdir, extra_cfg)
    raise ValueError(f"unknown server kind {kind!r} (expected paddock or zookeeper)")


def selected_target():
    """The server kind chosen by $PADDOCK_TARGET (paddock|zookeeper), default paddock."""
    kind = os.environ.get("PADDOCK_TARGET", "paddock").strip().lower()
    if kind not in ("paddock", "zookeeper"):
        raise ValueError(f"PADDOCK_TARGET must be paddock or zookeeper, not {kind!r}")
    return kind


def wait_until(predicate, timeout, interval=0.05, what="condition"):
    """Polls `predicate` until it returns a true value; returns that value.

    Raises AssertionError after `timeout` seconds. The loop is bounded by time only.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


@atexit.register
def _kill_leftovers():
    for pid, proc in list(_LIVE_PROCESSES.items()):
        if proc.poll() is None:
            proc.kill()
            try:
                proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                pass
        _LIVE_PROCESSES.pop(pid, None)
