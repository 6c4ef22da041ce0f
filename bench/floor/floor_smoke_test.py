#!/usr/bin/python3
"""CI smoke of the floor (issue #18): paddock-floor in each mode, measured by paddock-zkc-bench.

For each mode (instant, fsync into a temporary directory, handshake) it starts paddock-floor on
a free loopback port, runs `latency --op create --count 300`, `latency --op getData --count 300`
and `load --sessions 2 --depth 4 --duration-s 1` through ZooKeeper's C client, and checks that
each exits 0 and that its JSON has every field, the requested count, no errors and p50 <= p99.
In fsync mode it also checks that the preallocated file holds the first create frame at offset
0 (the file is zeroed at start, so bytes there were written by the floor); with
--handshake-sync, that the ConnectRequest frame is there. A raw client then sends a frame whose
length is 0x7fffffff, and another a create without its path: each must be disconnected while a
third, already connected client keeps getting answers. Bad flags exit 2 naming the flag, and
SIGTERM exits 0. Not a timed test: no figure is compared with a target.

    PADDOCK_FLOOR=build/bin/paddock-floor PADDOCK_ZKC_BENCH=build/bin/paddock-zkc-bench \\
        /usr/bin/python3 bench/floor/floor_smoke_test.py
"""

import json
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "lib"))
import jute  # noqa: E402
import zkservers  # noqa: E402

BIN = zkservers.REPO_ROOT / "build" / "bin"
# Absolute: the floor runs with its own working directory.
FLOOR = os.path.abspath(os.environ.get("PADDOCK_FLOOR", str(BIN / "paddock-floor")))
ZKC_BENCH = os.path.abspath(
    os.environ.get("PADDOCK_ZKC_BENCH", str(BIN / "paddock-zkc-bench")))
RUN_TIMEOUT_S = 60
READY_TIMEOUT_S = 15.0
MODES = ("instant", "fsync", "handshake")
COUNT = 300

LATENCY_FIELDS = ("op", "count", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "mean_ms",
                  "ops_per_s", "errors")
LOAD_FIELDS = ("sessions", "depth", "ops", "ops_per_s", "p50_ms", "p99_ms", "errors",
               "duration_s")


class FloorProcess(zkservers.ServerProcess):
    """paddock-floor answers no four-letter words: it is ready once a handshake succeeds."""

    def _probe(self):
        try:
            conn = jute.connect(zkservers.LOOPBACK, self.port, timeout=1.0)
        except (OSError, jute.ConnectionClosed, jute.ProtocolError) as e:
            return f"handshake: {e!r}"
        conn.close()
        return None


def start_floor(tmp, mode, extra=()):
    port = zkservers.free_port()
    workdir = Path(tmp) / f"{mode}-{port}"
    workdir.mkdir()
    argv = [FLOOR, "--port", str(port), "--mode", mode, *extra]
    if mode == "fsync":
        argv += ["--file", str(workdir / "floor.log")]
    server = FloorProcess("paddock-floor", argv, workdir, port, READY_TIMEOUT_S).start()
    banner = f"floor: listening on 127.0.0.1:{port} mode {mode}"
    assert banner in server.output_path.read_text(), server.log_tail()
    return server


def stop_floor(server):
    server.stop()
    assert server.proc.returncode == 0, (server.proc.returncode, server.log_tail())


def zkc(*args):
    p = subprocess.run([ZKC_BENCH, *args], capture_output=True, text=True,
                       timeout=RUN_TIMEOUT_S)
    assert p.returncode == 0, f"{args}: exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return json.loads(p.stdout)


def check_latency(server, op):
    r = zkc("latency", "--connect", server.connect_string, "--op", op, "--count", str(COUNT),
            "--warmup", "50", "--timeout-s", "10")
    for field in LATENCY_FIELDS:
        assert field in r, (field, r)
    assert r["op"] == op and r["count"] == COUNT and r["errors"] == 0, r
    assert 0 < r["p50_ms"] <= r["p90_ms"] <= r["p99_ms"] <= r["p999_ms"] <= r["max_ms"], r
    assert r["ops_per_s"] > 0 and r["mean_ms"] > 0, r
    return r


def check_load(server):
    r = zkc("load", "--connect", server.connect_string, "--op", "create", "--sessions", "2",
            "--depth", "4", "--duration-s", "1", "--timeout-s", "10")
    for field in LOAD_FIELDS:
        assert field in r, (field, r)
    assert r["sessions"] == 2 and r["depth"] == 4 and r["errors"] == 0, r
    assert r["ops"] > 0 and r["ops_per_s"] > 0 and r["duration_s"] >= 0.5, r
    assert 0 < r["p50_ms"] <= r["p99_ms"], r
    return r


def check_log_file(server, first_frame_check):
    path = server.tmpdir / "floor.log"
    assert path.stat().st_size == 64 << 20, path.stat()
    with open(path, "rb") as f:
        head = f.read(4096)
    assert any(head), "the fsync file starts with zeros only: nothing was written"
    first_frame_check(head)


def first_is_create(head):
    # The first write the harness sends is the create of its parent /floor-<pid>-<ms>:
    # length, xid, type 1, then the path as a ustring.
    (length, _xid, op) = struct.unpack(">iii", head[:12])
    (path_len,) = struct.unpack(">i", head[12:16])
    assert op == jute.OP["create"] and 12 < length < 4096, head[:64]
    assert head[16:16 + path_len].startswith(b"/floor-"), head[:64]


def first_is_connect(head):
    # ConnectRequest with its readOnly byte: 45 bytes after the length, protocolVersion 0.
    (length, version) = struct.unpack(">ii", head[:8])
    assert length == 45 and version == 0, head[:64]


def check_bad_frames(server):
    """A bad frame closes its own connection only."""
    good = jute.connect(zkservers.LOOPBACK, server.port)
    try:
        assert good.create("/ok").err == 0
        for raw in (struct.pack(">i", 0x7FFFFFFF),  # length beyond jute.maxbuffer
                    struct.pack(">iii", 8, 1, jute.OP["create"])):  # create without its path
            bad = jute.connect(zkservers.LOOPBACK, server.port)
            try:
                bad.send_raw(raw)
                assert bad.wait_for_close(5.0), f"not closed after {raw.hex()}"
            finally:
                bad.close()
            reply = good.get_data("/ok")
            assert reply.err == 0 and len(reply.value[0]) == 100, reply
        assert good.create2("/ok2").value[0] == "/ok2"
        assert good.close_session().err == 0 and good.wait_for_close(5.0)
    finally:
        good.close()


def check_mode(tmp, mode):
    server = start_floor(tmp, mode)
    try:
        create = check_latency(server, "create")
        get = check_latency(server, "getData")
        load = check_load(server)
        if mode == "fsync":
            check_log_file(server, first_is_create)
        check_bad_frames(server)
    finally:
        stop_floor(server)
    print(f"ok {mode}: create p50 {create['p50_ms']:.3f} ms, getData p50 {get['p50_ms']:.3f} ms,"
          f" load {load['ops_per_s']:.0f} ops/s")


def check_handshake_sync(tmp):
    server = start_floor(tmp, "fsync", ["--handshake-sync"])
    try:
        conn = jute.connect(zkservers.LOOPBACK, server.port)
        conn.close()
        check_log_file(server, first_is_connect)
    finally:
        stop_floor(server)
    print("ok fsync --handshake-sync")


def check_bad_flags():
    for argv, flag in ((["--mode", "bogus"], "--mode"), (["--port", "0"], "--port"),
                       (["--nope"], "--nope"), (["--host", "localhost"], "--host")):
        p = subprocess.run([FLOOR, *argv], capture_output=True, text=True, timeout=10)
        assert p.returncode == 2 and flag in p.stderr, (argv, p.returncode, p.stderr)
    print("ok bad flags")


def main():
    check_bad_flags()
    with tempfile.TemporaryDirectory(prefix="floor-smoke-") as tmp:
        for mode in MODES:
            check_mode(tmp, mode)
        check_handshake_sync(tmp)
    print("floor smoke: all modes ok")


if __name__ == "__main__":
    main()
