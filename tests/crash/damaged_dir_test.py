"""A damaged data directory: the server loads what is valid or refuses to start naming the file.

A base directory is made once by a real paddock-server: 300 acknowledged creates /n<i> = v<i>
with a snapshot every 64 entries, then kill -9. That leaves libraft's files: an open segment
(open-N, preallocated 8 MiB, holding the entries after the newest snapshot), a closed segment
(kept behind the newest snapshot) and two snapshots (LZ4 frames, with .meta files). Each test
damages a copy and starts the server on it. Two outcomes are allowed:
  * it refuses to start: exit code non-zero and the output names the damaged file;
  * it serves: then every node it serves holds exactly the value that was written, the nodes
    missing are only a suffix of the writes (the damaged tail), and the cases that damage no
    acknowledged entry lose nothing.
Which outcome each damage gets is fixed below and checked, so a change of behaviour shows.

Cases: (a) the open segment cut short inside a batch (refused: libraft 0.15 would abort with a
double free); (b) a torn last batch with the rest zero, and garbage after the last batch (both
served: libraft truncates the tail); a flipped byte in the middle of the open segment (refused:
libraft would silently drop the valid entries after it); (c) the newest snapshot with a flipped
byte, and truncated (refused: libraft's LZ4 reader would loop forever on the truncated one), and
its payload damaged where only Paddock's digest can see it (refused: the flipped byte of the
first case never reaches the restore, because the LZ4 frame's own checksum fails first; this one
is written back without a frame, which libraft reads as it is, and the restore's failure once
freed libraft's buffer a second time, a crash instead of this refusal);
(d) a closed segment with a flipped byte (refused by libraft, which names it); (e) files missing:
both metadata files (refused: libraft would start a new log), a closed segment between two others
(refused by libraft, naming the next one), the newest snapshot's data file (served from the older
snapshot and the closed segment, nothing lost).
"""

import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

import jute  # noqa: E402
import zkservers  # noqa: E402

N = 300
# Trailing entries above the threshold: the log then reaches back past the older of the two
# snapshots libraft keeps, so losing the newest one loses nothing (test (e) below). With fewer
# trailing entries, whether the log still covers depends on where segments happen to end.
CFG = {"paddock.snapshotThreshold": 64, "paddock.snapshotTrailing": 128,
       "admin.enableServer": "false"}
START_TIMEOUT_S = 15.0


def write_nodes(server, first, count):
    conn = jute.connect(server.host, server.port)
    try:
        for i in range(first, first + count):
            r = conn.create(f"/n{i}", f"v{i}".encode())
            assert r.err == 0, f"create /n{i}: {jute.err_name(r.err)}"
    finally:
        conn.close()


def raft_dir(base):
    return Path(base) / "data" / "raft"


def one(raft, pattern):
    files = sorted(raft.glob(pattern))
    assert files, f"no {pattern} in {raft}: {sorted(p.name for p in raft.iterdir())}"
    return files


def data_end(path):
    """Offset just past the last non-zero byte of a segment (where libraft stopped writing)."""
    data = path.read_bytes()
    return len(data.rstrip(b"\0"))


def lz4_frame_decompress(data):
    """The content of one LZ4 frame, through liblz4 (libraft's own dependency) and ctypes."""
    lib = ctypes.CDLL("liblz4.so.1")
    size_t_p = ctypes.POINTER(ctypes.c_size_t)
    lib.LZ4F_createDecompressionContext.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_uint]
    lib.LZ4F_decompress.argtypes = [ctypes.c_void_p, ctypes.c_void_p, size_t_p, ctypes.c_void_p,
                                    size_t_p, ctypes.c_void_p]
    lib.LZ4F_decompress.restype = ctypes.c_size_t
    lib.LZ4F_isError.argtypes = [ctypes.c_size_t]
    lib.LZ4F_freeDecompressionContext.argtypes = [ctypes.c_void_p]
    ctx = ctypes.c_void_p()
    assert lib.LZ4F_createDecompressionContext(ctypes.byref(ctx), 100) == 0  # LZ4F_VERSION
    src = ctypes.create_string_buffer(data, len(data))
    dst = ctypes.create_string_buffer(1 << 20)
    out, at, hint = [], 0, 1
    try:
        while hint != 0:
            dst_n, src_n = ctypes.c_size_t(len(dst)), ctypes.c_size_t(len(data) - at)
            hint = lib.LZ4F_decompress(ctx, dst, ctypes.byref(dst_n),
                                       ctypes.addressof(src) + at, ctypes.byref(src_n), None)
            assert not lib.LZ4F_isError(hint), "not a whole LZ4 frame"
            assert hint == 0 or src_n.value or dst_n.value, "LZ4 frame ends early"
            out.append(dst.raw[:dst_n.value])
            at += src_n.value
    finally:
        lib.LZ4F_freeDecompressionContext(ctx)
    return b"".join(out)


def flip(path, offset):
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


class DamagedDirTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="paddock-damaged-")
        cls.base = Path(cls.tmp.name) / "base"
        server = zkservers.start_paddock(cls.base, CFG)
        write_nodes(server, 0, N)
        server.kill9()
        # A second directory with several closed segments after the newest snapshot: a restart
        # closes the open segment, so writes, restarts and more writes leave a row of them.
        cls.rows = Path(cls.tmp.name) / "rows"
        server = zkservers.start_paddock(cls.rows, CFG)
        write_nodes(server, 0, 70)
        for k in range(3):
            server.kill9()
            server.start()
            write_nodes(server, 70 + 10 * k, 10)
        server.kill9()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def copy(self, source=None):
        dest = Path(self.tmp.name) / self.id().rsplit(".", 1)[1]
        shutil.copytree(source or self.base, dest)
        return dest

    def start(self, base):
        """Starts the server on `base`; returns (port or None, exit code or None, output)."""
        port = zkservers.free_port()
        cfg = dict(CFG, dataDir=raft_dir(base).parent, clientPort=port,
                   clientPortAddress="127.0.0.1")
        cfg["4lw.commands.whitelist"] = "*"
        zkservers.write_cfg(base / "zoo.cfg", cfg)
        out = open(base / "server.out", "wb")
        proc = subprocess.Popen([zkservers.paddock_binary(), str(base / "zoo.cfg")],
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.addCleanup(self.stop, proc, out)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return None, proc.returncode, (base / "server.out").read_text(errors="replace")
            try:
                if "Mode:" in zkservers.four_letter_word(port, "srvr", timeout=0.5):
                    return port, None, (base / "server.out").read_text(errors="replace")
            except OSError:
                pass
            time.sleep(0.05)
        self.fail(f"server neither served nor exited in {START_TIMEOUT_S} s (hung?):\n"
                  + (base / "server.out").read_text(errors="replace"))

    @staticmethod
    def stop(proc, out):
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        out.close()

    def assert_refused(self, base, damaged):
        port, code, text = self.start(base)
        self.assertIsNone(port, f"served a directory with a damaged {damaged.name}:\n{text}")
        self.assertNotEqual(code, 0)
        self.assertIn(damaged.name, text, f"the message does not name {damaged.name}")
        return text

    def assert_served(self, base, count, lost_max=0):
        port, code, text = self.start(base)
        self.assertIsNotNone(port, f"refused to start (exit {code}):\n{text}")
        conn = jute.connect("127.0.0.1", port)
        try:
            present = []
            for i in range(count):
                r = conn.get_data(f"/n{i}")
                if r.err == 0:
                    self.assertEqual(r.value[0], f"v{i}".encode(), f"/n{i} served wrong data")
                    present.append(i)
                else:
                    self.assertEqual(jute.err_name(r.err), "NONODE")
            children = conn.get_children("/").value
        finally:
            conn.close()
        self.assertEqual(present, list(range(len(present))), "a hole: not only the tail is lost")
        self.assertGreaterEqual(len(present), count - lost_max, text)
        unknown = [c for c in children if c not in ("zookeeper",)
                   and not (c[0] == "n" and c[1:].isdigit() and int(c[1:]) < count)]
        self.assertEqual(unknown, [], "nodes that were never written")
        return text

    # (a) the open segment cut short
    def test_a_open_segment_cut_short_inside_a_batch_is_refused(self):
        base = self.copy()
        seg = one(raft_dir(base), "open-*")[0]
        with open(seg, "r+b") as f:
            f.truncate(data_end(seg) - 100)
        text = self.assert_refused(base, seg)
        self.assertIn("cut short", text)

    # (b) a torn last batch, garbage after the last batch, a flip in the middle
    def test_b_torn_last_batch_with_zeros_after_is_truncated(self):
        base = self.copy()
        seg = one(raft_dir(base), "open-*")[0]
        end = data_end(seg)
        data = bytearray(seg.read_bytes())
        data[end - 20:end] = bytes(20)  # the last write, half done
        seg.write_bytes(bytes(data))
        text = self.assert_served(base, N, lost_max=8)
        self.assertIn("torn tail", text)

    def test_b_garbage_after_the_last_batch_loses_nothing(self):
        base = self.copy()
        seg = one(raft_dir(base), "open-*")[0]
        start = (data_end(seg) // 4096 + 1) * 4096  # past the last block libraft wrote
        with open(seg, "r+b") as f:
            f.seek(start)
            f.write(os.urandom(512))
        self.assert_served(base, N)

    def test_b_flipped_byte_in_the_middle_of_the_open_segment_is_refused(self):
        base = self.copy()
        seg = one(raft_dir(base), "open-*")[0]
        flip(seg, data_end(seg) // 2)
        text = self.assert_refused(base, seg)
        self.assertIn("valid entries follow", text)

    # (c) the newest snapshot damaged
    def newest_snapshot(self, base):
        snaps = [p for p in one(raft_dir(base), "snapshot-*") if p.suffix != ".meta"]
        return max(snaps, key=lambda p: tuple(int(x) for x in p.name.split("-")[1:]))

    def test_c_snapshot_with_a_flipped_byte_is_refused(self):
        base = self.copy()
        snap = self.newest_snapshot(base)
        flip(snap, snap.stat().st_size // 2)
        self.assert_refused(base, snap)

    def test_c_truncated_snapshot_is_refused(self):
        base = self.copy()
        snap = self.newest_snapshot(base)
        with open(snap, "r+b") as f:
            f.truncate(snap.stat().st_size // 2)
        self.assert_refused(base, snap)

    def test_c_snapshot_payload_failing_our_digest_is_refused(self):
        base = self.copy()
        snap = self.newest_snapshot(base)
        payload = bytearray(lz4_frame_decompress(snap.read_bytes()))
        payload[len(payload) // 2] ^= 0xFF
        snap.write_bytes(bytes(payload))  # no LZ4 frame: libraft reads it as it is
        port, code, text = self.start(base)
        self.assertIsNone(port, f"served a snapshot whose digest fails:\n{text}")
        self.assertEqual(code, 1, f"not the start-up error's exit code (a crash?):\n{text}")
        self.assertIn(f"snapshot file {snap} (the newest, which libraft loads) is corrupt", text)
        self.assertIn("digest mismatch", text)

    # (d) a closed segment damaged
    def test_d_closed_segment_with_a_flipped_byte_is_refused(self):
        base = self.copy()
        closed = one(raft_dir(base), "0*-0*")[0]
        flip(closed, closed.stat().st_size // 2)
        self.assert_refused(base, closed)

    # (e) files missing
    def test_e_missing_metadata_files_are_refused(self):
        base = self.copy()
        raft = raft_dir(base)
        for name in ("metadata1", "metadata2"):
            if (raft / name).exists():
                (raft / name).unlink()
        text = self.assert_refused(base, raft)
        self.assertIn("metadata1", text)

    def test_e_missing_closed_segment_between_two_others_is_refused(self):
        base = self.copy(self.rows)
        closed = one(raft_dir(base), "0*-0*")
        self.assertGreaterEqual(len(closed), 3, [p.name for p in closed])
        closed[-2].unlink()
        self.assert_refused(base, closed[-1])

    def test_e_missing_newest_snapshot_data_is_served_from_the_older_one(self):
        base = self.copy()
        self.newest_snapshot(base).unlink()
        self.assert_served(base, N)


if __name__ == "__main__":
    unittest.main(verbosity=2)
