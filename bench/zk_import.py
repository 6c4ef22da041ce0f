#!/usr/bin/python3
"""Speed of `paddock-admin import-zookeeper` / `export-zookeeper` / `inspect` on a large tree.

A ZooKeeper 3.8 snapshot of N znodes (default 1,000,000; three levels: 100 x 100 x 100, 64-byte
data, two ACL lists) plus one transaction log of M setData records after it (default 10,000) is
written here in ZooKeeper's format (the format compat/zk_import_test.py checks against a real
ZooKeeper; a real ZooKeeper with a million nodes needs more heap and minutes to fill). Then, each
`--runs` times: import into a fresh data directory, inspect it (a server's load: every checksum),
and export it back to a ZooKeeper snapshot. Reported: min / median / max wall time and the
importer's own read/write split, with the input and output sizes. With --serve, paddock-server
then starts on the first import (admin.snapshot.enabled=true): its time to serve, and the time of
the admin endpoint's `snapshot` command (serialized on the loop, then sent over loopback).

Run: /usr/bin/python3 bench/zk_import.py [--nodes 1000000] [--log-records 10000] [--runs 3]
     [--serve]   (PADDOCK_ADMIN, or build/bin/paddock-admin; PADDOCK_SERVER for --serve)
"""

import argparse
import os
import random
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def admin_binary():
    return os.environ.get("PADDOCK_ADMIN", str(HERE.parent / "build" / "bin" / "paddock-admin"))


def ustr(b):
    return struct.pack(">i", len(b)) + b


def stat(czxid, mzxid, version, cversion, pzxid):
    return struct.pack(">qqqqiiiqq", czxid, mzxid, 1700000000000 + czxid,
                       1700000000000 + mzxid, version, cversion, 0, 0, pzxid)


def paths(fanout):
    for a in range(fanout):
        yield f"/d{a:03d}"
        for b in range(fanout):
            yield f"/d{a:03d}/e{b:03d}"
            for c in range(fanout):
                yield f"/d{a:03d}/e{b:03d}/f{c:03d}"


def write_snapshot(version2, nodes, rng):
    fanout = round(nodes ** (1 / 3))
    out = bytearray()
    out += struct.pack(">iiq", 0x5A4B534E, 2, -1)
    out += struct.pack(">i", 0)  # sessions
    acl1 = struct.pack(">i", 1) + struct.pack(">i", 31) + ustr(b"digest") + ustr(b"alice:x")
    out += struct.pack(">i", 1) + struct.pack(">q", 1) + acl1
    zxid = 0

    def node(path, data, acl_id, children):
        nonlocal zxid
        zxid += 1
        out.extend(ustr(path) + ustr(data) + struct.pack(">q", acl_id)
                   + stat(zxid, zxid, 0, children, zxid))

    node(b"", b"", -1, fanout + 1)
    node(b"/zookeeper", b"", -1, 1)
    node(b"/zookeeper/quota", b"", -1, 0)
    count = 2
    for p in paths(fanout):
        depth = p.count("/")
        node(p.encode(), rng.randbytes(64), 1 if count % 10 == 0 else -1,
             fanout if depth < 3 else 0)
        count += 1
    out += ustr(b"/")
    out += struct.pack(">q", zlib.adler32(bytes(out))) + ustr(b"/")
    name = version2 / f"snapshot.{zxid:x}"
    name.write_bytes(out)
    return zxid, count + 1, fanout


def write_log(version2, start_zxid, records, fanout, rng):
    out = bytearray(struct.pack(">iiq", 0x5A4B4C47, 2, 0))
    for i in range(records):
        zxid = start_zxid + 1 + i
        p = f"/d{rng.randrange(fanout):03d}/e{rng.randrange(fanout):03d}".encode()
        payload = (struct.pack(">qiqqi", 0x100, i, zxid, 1700000001000 + i, 5)
                   + ustr(p) + ustr(rng.randbytes(64)) + struct.pack(">i", i + 1))
        out += struct.pack(">qi", zlib.adler32(payload), len(payload)) + payload + b"B"
    out += bytes(4096)
    (version2 / f"log.{start_zxid + 1:x}").write_bytes(out)


def timed(argv):
    start = time.monotonic()
    r = subprocess.run(argv, capture_output=True, text=True)
    took = time.monotonic() - start
    if r.returncode != 0:
        sys.exit(f"{argv[1]} failed ({r.returncode}): {r.stderr.strip()}")
    return took, r.stdout


def summary(name, values, unit="s"):
    return (f"{name}: min {min(values):.2f} {unit}, median {statistics.median(values):.2f} {unit}, "
            f"max {max(values):.2f} {unit}")


def serve(tmp, data_dir, runs):
    sys.path.insert(0, str(HERE.parent / "tests" / "lib"))
    import zkservers
    import urllib.request
    home = tmp / "serve"
    home.mkdir()
    data_dir.rename(home / "data")
    start = time.monotonic()
    server = zkservers.start_paddock(home, {"admin.snapshot.enabled": "true"})
    try:
        print(f"RESULT paddock-server on the import: serving after "
              f"{time.monotonic() - start:.2f} s (start, restore, first srvr)", flush=True)
        took = []
        for _ in range(runs):
            t0 = time.monotonic()
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{server.admin_port}/commands/snapshot", timeout=120) as r:
                size = len(r.read())
            took.append(time.monotonic() - t0)
        print("RESULT " + summary(f"admin snapshot command ({size / 1e6:.1f} MB)", took),
              flush=True)
    finally:
        server.stop()
        (home / "data").rename(data_dir)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=1_000_000)
    ap.add_argument("--log-records", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--serve", action="store_true")
    args = ap.parse_args()
    admin = admin_binary()
    if not os.access(admin, os.X_OK):
        sys.exit(f"paddock-admin not found: {admin} (build it, or set PADDOCK_ADMIN)")
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="paddock-zkimport-bench-") as tmp:
        tmp = Path(tmp)
        version2 = tmp / "zk" / "version-2"
        version2.mkdir(parents=True)
        t0 = time.monotonic()
        zxid, count, fanout = write_snapshot(version2, args.nodes, rng)
        write_log(version2, zxid, args.log_records, fanout, rng)
        snap_bytes = sum(f.stat().st_size for f in version2.glob("snapshot.*"))
        print(f"input: {count} znodes (snapshot {snap_bytes / 1e6:.1f} MB) + {args.log_records} "
              f"log records, generated in {time.monotonic() - t0:.1f} s", flush=True)
        imports, reads, writes, inspects, exports = [], [], [], [], []
        for run in range(args.runs):
            to = tmp / f"pd{run}"
            took, out = timed([admin, "import-zookeeper", "--from", str(tmp / "zk"),
                               "--to", str(to)])
            imports.append(took)
            m = re.search(r"read (\d+) ms, written (\d+) ms", out)
            if m:
                reads.append(int(m.group(1)) / 1000)
                writes.append(int(m.group(2)) / 1000)
            took, _ = timed([admin, "inspect", str(to)])
            inspects.append(took)
            took, _ = timed([admin, "export-zookeeper", "--from", str(to),
                             "--to", str(tmp / f"zkx{run}")])
            exports.append(took)
            if run == 0:
                print("import says:", out.strip(), flush=True)
                raft_bytes = sum(f.stat().st_size for f in (to / "raft").iterdir())
                print(f"data directory: {raft_bytes / 1e6:.1f} MB", flush=True)
            if run == 0 and args.serve:
                serve(tmp, to, args.runs)
            shutil.rmtree(to)
            shutil.rmtree(tmp / f"zkx{run}")
        print("RESULT " + summary(f"import of {count} znodes", imports), flush=True)
        if reads:
            print("RESULT " + summary("  of which reading ZooKeeper's files", reads), flush=True)
            print("RESULT " + summary("  of which building and writing the data dir", writes),
                  flush=True)
        print("RESULT " + summary("inspect (load, checksums)", inspects), flush=True)
        print("RESULT " + summary("export back to a ZooKeeper snapshot", exports), flush=True)
        print(f"RESULT import rate: {count / statistics.median(imports):,.0f} znodes/s (median)",
              flush=True)


if __name__ == "__main__":
    main()
