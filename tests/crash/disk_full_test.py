"""A full disk: writes are refused with an error, reads go on, nothing acknowledged is lost, and
the server accepts writes again once space returns. An append that fails anyway is fail-stop.

The data directory lives on a small tmpfs mounted in a private mount namespace: the script
re-executes itself under `unshare -m` (root, as CI runs), so the mount vanishes with it. If the
mount cannot be made, it says so and exits non-zero: a skipped disk-full test would hide a gap.

Guarded (the default paddock.diskReserveBytes, 64 MiB, on a 128 MiB tmpfs):
  1. acknowledged creates; then a filler file takes the free space below the reserve;
  2. within a bounded time writes get SYSTEMERROR (-1), a second client can still connect and
     read, reads and sync keep working, and the log says "disk space low" once;
  3. the filler is removed: writes are accepted again ("disk space recovered" logged);
  4. kill -9 and restart: every acknowledged create is there, no refused one is.
Fail-stop (paddock.diskReserveBytes=0, so libraft itself hits ENOSPC):
  5. the tmpfs is filled completely and large creates go on until the server dies; it must die
     by abort with "fatal: raft log" in its output, not serve on;
  6. after freeing the space a restart serves every create acknowledged before the crash.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

import jute  # noqa: E402
import zkservers  # noqa: E402

TMPFS_SIZE = "128m"
RESERVE = 64 << 20
NS_ENV = "PADDOCK_DISK_FULL_IN_NAMESPACE"


def fail(message):
    print(f"disk_full_test: FAILED: {message}", flush=True)
    sys.exit(1)


def check(cond, message):
    if not cond:
        fail(message)


def reexec_in_mount_namespace():
    argv = ["unshare", "-m", "--propagation", "private", sys.executable] + sys.argv
    env = dict(os.environ, **{NS_ENV: "1"})
    try:
        return subprocess.call(argv, env=env)
    except OSError as e:
        print(f"disk_full_test: FAILED: cannot run unshare -m ({e}); this test needs root and "
              "mount namespaces to mount a small tmpfs", flush=True)
        return 1


def mount_tmpfs(path):
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(path)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"cannot mount a tmpfs at {path} (exit {r.returncode}: {r.stderr.strip()}); this "
             "test needs root and mount namespaces")


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def fill(path, leave_bytes):
    """Writes a filler file until `leave_bytes` (or, if 0, nothing) stays free."""
    filler = path / "filler"
    chunk = b"\xa5" * (1 << 20)
    with open(filler, "ab") as f:
        try:
            while free_bytes(path) > leave_bytes:
                want = free_bytes(path) - leave_bytes
                f.write(chunk[:min(len(chunk), max(want, 4096))])
                f.flush()
        except OSError:
            pass  # the disk is full
    return filler


def poll(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    fail(f"timed out after {timeout} s waiting for {what}")


def create(conn, path, data=b""):
    return conn.create(path, data).err


def guarded_phase(tmp, mnt):
    server = zkservers.start_paddock(tmp / "guarded", {"dataDir": mnt / "guarded",
                                                      "admin.enableServer": "false"})
    conn = jute.connect(server.host, server.port)
    acked, refused = [], []
    for i in range(50):
        check(create(conn, f"/a{i}", b"x" * 1000) == 0, f"create /a{i} before filling")
        acked.append(f"/a{i}")
    filler = fill(mnt, RESERVE - (8 << 20))
    print(f"filled: {free_bytes(mnt)} bytes free, reserve {RESERVE}", flush=True)
    counter = [0]

    def write_refused():
        counter[0] += 1
        path = f"/b{counter[0]}"
        err = create(conn, path)
        (acked if err == 0 else refused).append(path)
        check(err in (0, -1), f"create {path}: {jute.err_name(err)}")
        return err == -1
    poll(write_refused, 5.0, "a write refused with SYSTEMERROR")
    check(conn.set_data("/a0", b"y").err == -1, "setData not refused while the disk is full")
    check(conn.get_data("/a1").err == 0, "getData failed while the disk is full")
    check(conn.sync("/").err == 0, "sync failed while the disk is full")
    reader = jute.connect(server.host, server.port)  # session creation is allowed
    check(reader.get_children("/").err == 0, "a new session cannot read while the disk is full")
    reader.close()
    filler.unlink()

    def write_accepted():
        counter[0] += 1
        path = f"/b{counter[0]}"
        err = create(conn, path)
        (acked if err == 0 else refused).append(path)
        return err == 0
    poll(write_accepted, 5.0, "writes accepted again after freeing the disk")
    conn.close()
    log = server.output_path.read_text(errors="replace")
    check(log.count("disk space low, refusing writes") == 1, "'disk space low' not logged once")
    check("disk space recovered, accepting writes" in log, "'disk space recovered' not logged")
    server.kill9()
    server.start()
    conn = jute.connect(server.host, server.port)
    for path in acked:
        check(conn.exists(path).err == 0, f"acknowledged {path} lost after kill -9")
    for path in refused:
        check(conn.exists(path).err == -101, f"refused {path} exists after restart")
    conn.close()
    server.stop()
    print(f"guarded: {len(acked)} acknowledged, {len(refused)} refused, all as expected",
          flush=True)


def fail_stop_phase(tmp, mnt):
    cfg = {"dataDir": mnt / "failstop", "admin.enableServer": "false",
           "paddock.diskReserveBytes": 0, "paddock.snapshotThreshold": 64}
    server = zkservers.start_paddock(tmp / "failstop", cfg)
    conn = jute.connect(server.host, server.port)
    acked = []
    filler = fill(mnt, 0)
    big = b"z" * (200 << 10)
    try:
        for i in range(2000):
            err = create(conn, f"/f{i}", big)
            check(err == 0, f"create /f{i}: {jute.err_name(err)} (expected success or a crash)")
            acked.append(f"/f{i}")
        fail("the server kept accepting writes on a full disk with no reserve")
    except (OSError, jute.ConnectionClosed):
        pass
    conn.close()
    proc = server.proc
    proc.wait(timeout=10)
    out = server.output_path.read_text(errors="replace")
    check(proc.returncode == -6, f"server ended with {proc.returncode}, not abort:\n{out[-800:]}")
    check(re.search(r"fatal: raft log (append|write) failed", out) is not None,
          f"no fail-stop message:\n{out[-800:]}")
    server.kill9()  # forget the dead process
    filler.unlink()
    server.start()
    conn = jute.connect(server.host, server.port)
    for path in acked:
        r = conn.get_data(path)
        check(r.err == 0 and r.value[0] == big, f"acknowledged {path} lost after the crash")
    conn.close()
    server.stop()
    print(f"fail-stop: aborted after {len(acked)} acknowledged writes; all recovered", flush=True)


def main():
    if os.environ.get(NS_ENV) != "1":
        return reexec_in_mount_namespace()
    with tempfile.TemporaryDirectory(prefix="paddock-diskfull-") as t:
        tmp = Path(t)
        mnt = tmp / "mnt"
        mnt.mkdir()
        mount_tmpfs(mnt)
        try:
            guarded_phase(tmp, mnt)
            fail_stop_phase(tmp, mnt)
        finally:
            subprocess.run(["umount", "-l", str(mnt)], check=False)
    print("disk_full_test: OK", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
