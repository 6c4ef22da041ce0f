"""What a session and a write cost the server in system calls (issue #18), counted with strace on
a real paddock-server, so that a change that adds a call per session or per request fails here
instead of showing up later as a lower rate in a benchmark.

- A session opened and closed (handshake, closeSession, the socket closed) costs at most
  SESSION_BUDGET calls on average over a burst: accept, the peer's address, registering and
  unregistering with epoll, one read and one write per request, close; the log append is shared
  by the burst (group commit) and the log lines of the burst leave in one write per loop turn.
  Before issue #18 it was 11.5 (a setsockopt per socket for TCP_NODELAY and one write per log
  line besides).
- The accepted sockets still have TCP_NODELAY, now inherited from the listening socket: checked
  on the server's own descriptor (pidfd_getfd), since a lost TCP_NODELAY would cost each reply
  up to 40 ms with no error anywhere.
- A write at depth 1 costs one read, one durable append (io_submit and its completion), one
  write of the reply: at most WRITE_BUDGET calls each, the loop's polls included.

Figures are counts, not timings: strace slows the server, never the count of its calls.
"""

import ctypes
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

import jute  # noqa: E402
from paddock_case import ServerTestCase  # noqa: E402

SESSIONS = 400
WRITES = 400
SESSION_BUDGET = 10.5
WRITE_BUDGET = 9.0
# Calls that are not the server's work on the clients' behalf: futex (libuv's and libraft's
# threads parking), clock reads, memory management, the tracer's own attach.
IGNORED = {"futex", "clock_gettime", "mmap", "munmap", "madvise", "brk", "mprotect",
           "rt_sigprocmask", "restart_syscall"}


class Strace:
    """strace -c on every thread of a process, between start() and stop()."""

    def __init__(self, pid, out):
        self.pid = pid
        self.out = out
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["strace", "-f", "-c", "-o", str(self.out), "-p", str(self.pid)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # strace says "attached" on stderr once every thread is traced.
        deadline = time.monotonic() + 10
        seen = b""
        while time.monotonic() < deadline and b"attached" not in seen:
            line = self.proc.stderr.readline()
            if not line:
                break
            seen += line
        if b"attached" not in seen:
            raise AssertionError("strace did not attach: %r" % seen)

    def stop(self):
        self.proc.send_signal(2)  # SIGINT: strace detaches and writes its table
        self.proc.wait(timeout=20)
        return parse_counts(self.out.read_text())


def parse_counts(text):
    """{syscall: calls} from strace -c's table."""
    counts = {}
    for line in text.splitlines():
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$", line)
        if m and m.group(2) != "total":
            counts[m.group(2)] = int(m.group(1))
    return counts


def server_calls(counts):
    return sum(n for name, n in counts.items() if name not in IGNORED)


def pidfd_getfd(pid, fd):
    """A copy of descriptor `fd` of process `pid` (Linux 5.6+, ptrace permission)."""
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        SYS_pidfd_getfd = 438
        copy = libc.syscall(SYS_pidfd_getfd, pidfd, fd, 0)
        if copy < 0:
            raise OSError(ctypes.get_errno(), "pidfd_getfd")
        return copy
    finally:
        os.close(pidfd)


def server_socket_of(pid, client_port):
    """The server's descriptor for the client connection whose local port is client_port."""
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        if not target.startswith("socket:"):
            continue
        copy = pidfd_getfd(pid, int(name))
        try:
            s = socket.socket(fileno=os.dup(copy))
            try:
                peer = s.getpeername()
                if peer[1] == client_port and peer[0] in ("127.0.0.1", "::ffff:127.0.0.1"):
                    return int(name), s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            except OSError:
                pass
            finally:
                s.close()
        finally:
            os.close(copy)
    return None, None


def strace_works():
    """strace is installed and may trace (ptrace allowed here)."""
    if not shutil.which("strace"):
        return False
    probe = subprocess.run(["strace", "-o", os.devnull, "true"], capture_output=True)
    return probe.returncode == 0


@unittest.skipUnless(strace_works(), "strace is missing or may not trace here (scripts/setup.sh)")
class SyscallBudgetTest(ServerTestCase):

    def burst_of_sessions(self, n, concurrency=32):
        """n sessions, `concurrency` at a time, as a pooled client opens them: every handshake
        of a round is sent before any answer is read, then every closeSession."""
        opened = 0
        while opened < n:
            conns = [jute.Connection("127.0.0.1", self.server.port)
                     for _ in range(min(concurrency, n - opened))]
            connect = (jute.Encoder().int(0).long(0).int(10000).long(0).buffer(bytes(16))
                       .bool(False).bytes())
            for c in conns:
                c.send_frame(connect)
            for c in conns:
                c.recv_frame()
            close = jute.Encoder().int(1).int(jute.OP["closeSession"]).bytes()
            for c in conns:
                c.send_frame(close)
            for c in conns:
                c.recv_frame()
                c.close()
            opened += len(conns)

    def test_a_session_costs_few_calls(self):
        self.burst_of_sessions(50)  # warm: the first connections allocate
        trace = Strace(self.server.pid, Path(self.tmp.name) / "sessions.strace")
        trace.start()
        self.burst_of_sessions(SESSIONS)
        counts = trace.stop()
        per_session = server_calls(counts) / SESSIONS
        print(f"syscalls per session: {per_session:.2f} "
              f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})")
        self.assertGreaterEqual(counts.get("accept4", 0), SESSIONS, counts)
        self.assertLessEqual(per_session, SESSION_BUDGET, counts)
        self.assertEqual(counts.get("setsockopt", 0), 0, counts)  # TCP_NODELAY is inherited
        # Log lines (one per session ended) left in far fewer writes than there were lines.
        self.assertLess(counts.get("write", 0), 2 * SESSIONS + SESSIONS // 4, counts)

    def test_accepted_sockets_have_tcp_nodelay(self):
        c = jute.connect("127.0.0.1", self.server.port, session_timeout_ms=10000)
        self.conns.append(c)
        client_port = c.sock.getsockname()[1]
        try:
            fd, nodelay = server_socket_of(self.server.pid, client_port)
        except OSError as e:  # pidfd_getfd needs Linux 5.6 and ptrace permission
            self.skipTest(f"cannot look at the server's descriptors: {e}")
        self.assertIsNotNone(fd, "the server's socket for the client was not found")
        self.assertNotEqual(nodelay, 0, "the accepted socket lost TCP_NODELAY")

    def test_a_write_costs_few_calls(self):
        c = jute.connect("127.0.0.1", self.server.port, session_timeout_ms=10000)
        self.conns.append(c)
        for i in range(20):
            c.create(f"/warm-{i}", b"x" * 100)
        trace = Strace(self.server.pid, Path(self.tmp.name) / "writes.strace")
        trace.start()
        for i in range(WRITES):
            c.create(f"/n-{i}", b"x" * 100)
        counts = trace.stop()
        per_write = server_calls(counts) / WRITES
        print(f"syscalls per write: {per_write:.2f} "
              f"({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})")
        # One durable append per write at depth 1, and one reply write each.
        self.assertGreaterEqual(counts.get("io_submit", 0) + counts.get("pwritev", 0)
                                + counts.get("pwrite64", 0), WRITES, counts)
        self.assertLessEqual(counts.get("write", 0), WRITES * 1.1, counts)
        self.assertLessEqual(per_write, WRITE_BUDGET, counts)


if __name__ == "__main__":
    unittest.main()
