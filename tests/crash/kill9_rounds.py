"""Randomized kill -9 rounds: nothing acknowledged is lost, nothing unacknowledged appears twice.

One paddock-server keeps one data directory for the whole run. Each round:
  1. start the server on that directory (the first round creates it; later rounds recover it);
  2. verify the whole tree against the model built from every earlier round (below);
  3. run several writer connections at once, each keeping a window of requests in flight:
     creates with unique names and values, setData with the exact expected version, sequential
     creates whose data is a unique token, two-create multis, and deletes of nodes known to exist;
  4. after a random delay (seeded) SIGKILL the server, mid-write.
After the last round the server is started once more and verified a final time.

The model (updated only from replies the writers saw):
  * an acknowledged create is present with its value, until an acknowledged delete;
  * an unacknowledged create is present with its value or absent (never another value);
  * a node that nobody created never appears;
  * setData: the node's version is at least the last acknowledged one, and its data is exactly
    the data of the setData that produced that version (versions are conditional, so each version
    has one issued value);
  * sequential creates: each token appears at most once, an acknowledged one at the path the
    reply named;
  * multi: both of its nodes exist or neither does, and both exist if it was acknowledged;
  * the tree is consistent: every parent's numChildren equals its listed children, the node count
    of `mntr` equals a full traversal (offset fixed in round 1), and the server's zxid is not
    behind the highest zxid any reply carried.

Snapshots are taken every 64 entries (paddock.snapshotThreshold), so kills land during snapshot
writes too and recovery goes through snapshot + log as well as log alone.

Usage:
    PADDOCK_SERVER=build/bin/paddock-server python3 tests/crash/kill9_rounds.py   # 20 rounds (CI)
    python3 tests/crash/kill9_rounds.py --rounds 500                              # a long run
    python3 tests/crash/kill9_rounds.py --rounds 50 --seed 1234 --writers 6       # replay a seed
The seed is printed first and with any failure; exit code 0 means every check held.
"""

import argparse
import collections
import random
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

import jute  # noqa: E402
import zkservers  # noqa: E402

OP = jute.OP
ROOT = "/kill9"
DIRS = ("c", "s", "m", "v")  # creates, sequentials, multis, setData nodes
DELETED = "deleted"         # model marker: removed by the cleanup, must never reappear
CLEANUP_ABOVE = 1000         # sequential and multi nodes kept before the cleanup deletes them
WINDOW = 8                   # requests each writer keeps in flight
KILL_DELAY_S = (0.0, 1.2)    # uniform; 0 kills right after the server is ready


class CheckFailed(AssertionError):
    pass


def check(cond, message):
    if not cond:
        raise CheckFailed(message)


class Model:
    """What the clients know. Only writer threads add to it, under `lock`."""

    def __init__(self):
        self.lock = threading.Lock()
        self.creates = {}       # path -> [token, state]; state: acked | maybe | del_maybe
        self.seq_issued = {}    # token -> None | acknowledged path
        self.multis = {}        # token -> acknowledged?
        self.versions = {}      # path -> {"acked": version, "issued": {version: data}}
        self.max_zxid = 0

    def note_zxid(self, zxid):
        with self.lock:
            self.max_zxid = max(self.max_zxid, zxid)


class Writer(threading.Thread):
    """One connection: a seeded mix of writes, WINDOW in flight, until the server dies."""

    def __init__(self, server, model, wid, round_no, rng):
        super().__init__(daemon=True)
        self.server, self.model, self.wid = server, model, wid
        self.round_no, self.rng = round_no, rng
        self.vpath = f"{ROOT}/v/w{wid}"
        self.counter = 0
        self.acked = 0
        self.error = None

    def token(self):
        self.counter += 1
        return f"r{self.round_no}-w{self.wid}-n{self.counter}"

    def run(self):
        try:
            conn = jute.connect(self.server.host, self.server.port, session_timeout_ms=4000)
        except (OSError, jute.ConnectionClosed):
            return
        inflight = collections.deque()
        try:
            while True:
                while len(inflight) < WINDOW:
                    inflight.append(self.issue(conn))
                xid, opcode, on_reply = inflight.popleft()
                reply = conn.read_reply(xid, opcode, timeout=10.0)
                self.model.note_zxid(reply.zxid)
                on_reply(reply)
        except (OSError, jute.ConnectionClosed):
            return  # the server was killed: every request in `inflight` stays unacknowledged
        except Exception as e:  # noqa: BLE001 - reported by the round, with the seed
            self.error = e
        finally:
            conn.close()

    def issue(self, conn):
        kind = self.rng.choices(("create", "set", "seq", "multi", "delete"), (3, 3, 2, 1, 3))[0]
        if kind == "delete":
            with self.model.lock:
                mine = [p for p, (t, s) in self.model.creates.items()
                        if s == "acked" and t.split("-")[1] == f"w{self.wid}"]
            if mine:
                return self.issue_delete(conn, self.rng.choice(mine))
            kind = "create"
        return getattr(self, "issue_" + kind)(conn)

    def issue_create(self, conn):
        token = self.token()
        path = f"{ROOT}/c/{token}"
        with self.model.lock:
            self.model.creates[path] = [token, "maybe"]

        def done(reply):
            check(reply.err == 0, f"create {path}: {jute.err_name(reply.err)}")
            with self.model.lock:
                self.model.creates[path][1] = "acked"
            self.acked += 1
        body = jute.create_request(path, token.encode())
        return conn.submit(OP["create"], body), OP["create"], done

    def issue_delete(self, conn, path):
        with self.model.lock:
            self.model.creates[path][1] = "del_maybe"

        def done(reply):
            check(reply.err == 0, f"delete {path}: {jute.err_name(reply.err)}")
            with self.model.lock:
                del self.model.creates[path]  # acknowledged: absent from now on
            self.acked += 1
        return conn.submit(OP["delete"], jute.delete_request(path)), OP["delete"], done

    def issue_set(self, conn):
        token = self.token()
        with self.model.lock:
            v = self.model.versions[self.vpath]
            version = max([v["acked"], *v["issued"]])
            v["issued"][version + 1] = token

        def done(reply):
            check(reply.err == 0, f"setData {self.vpath} v{version}: {jute.err_name(reply.err)}")
            check(reply.value.version == version + 1,
                  f"setData {self.vpath}: version {reply.value.version}, expected {version + 1}")
            with self.model.lock:
                v["acked"] = max(v["acked"], version + 1)
            self.acked += 1
        body = jute.set_data_request(self.vpath, token.encode(), version)
        return conn.submit(OP["setData"], body), OP["setData"], done

    def issue_seq(self, conn):
        token = self.token()
        with self.model.lock:
            self.model.seq_issued[token] = None
        body = jute.create_request(f"{ROOT}/s/q-", token.encode(), flags=jute.FLAG_SEQUENTIAL)

        def done(reply):
            check(reply.err == 0, f"sequential create {token}: {jute.err_name(reply.err)}")
            with self.model.lock:
                self.model.seq_issued[token] = reply.value
            self.acked += 1
        return conn.submit(OP["create"], body), OP["create"], done

    def issue_multi(self, conn):
        token = self.token()
        with self.model.lock:
            self.model.multis[token] = False
        ops = [jute.op_create(f"{ROOT}/m/{token}-a", token.encode()),
               jute.op_create(f"{ROOT}/m/{token}-b", token.encode())]

        def done(reply):
            check(reply.err == 0 and all(r.err == 0 for r in reply.value),
                  f"multi {token}: {jute.err_name(reply.err)} {reply.value}")
            with self.model.lock:
                self.model.multis[token] = True
            self.acked += 1
        return conn.submit(OP["multi"], jute.multi_request(ops)), OP["multi"], done


# ------------------------------------------------------------------------------------------
# Verification after a restart

def read_all(conn, paths):
    """getData of every path, pipelined; returns {path: (data, stat) or None if absent}."""
    out = {}
    paths = list(paths)
    for start in range(0, len(paths), 256):
        chunk = paths[start:start + 256]
        xids = [conn.submit(OP["getData"], jute.path_watch_request(p)) for p in chunk]
        for p, xid in zip(chunk, xids):
            r = conn.read_reply(xid, OP["getData"])
            check(r.err in (0, -101), f"getData {p}: {jute.err_name(r.err)}")
            out[p] = r.value if r.err == 0 else None
    return out


def children(conn, path):
    r = conn.get_children2(path)
    check(r.err == 0, f"getChildren2 {path}: {jute.err_name(r.err)}")
    names, stat = r.value
    check(stat.numChildren == len(names),
          f"{path}: numChildren {stat.numChildren} but {len(names)} children listed")
    return names


def verify_creates(model, conn):
    names = set(children(conn, f"{ROOT}/c"))
    for name in names:
        check(f"{ROOT}/c/{name}" in model.creates,
              f"{ROOT}/c/{name} was never created, or its delete was acknowledged")
    found = read_all(conn, [f"{ROOT}/c/{n}" for n in names])
    for path, (token, state) in list(model.creates.items()):
        got = found.get(path)
        if got is None:
            check(state != "acked", f"acknowledged create {path} is missing")
            del model.creates[path]  # never landed, or its delete did
            continue
        check(got[0] == token.encode(), f"{path} holds {got[0]!r}, created with {token!r}")
        model.creates[path][1] = "acked"


def verify_sequentials(model, conn):
    names = children(conn, f"{ROOT}/s")
    found = read_all(conn, [f"{ROOT}/s/{n}" for n in names])
    seen = {}
    for path, got in found.items():
        check(got is not None, f"{path} listed but not readable")
        token = got[0].decode()
        check(token in model.seq_issued, f"{path} holds {token!r}, which nobody issued")
        check(model.seq_issued[token] != DELETED, f"{path} holds {token!r}, deleted before")
        check(token not in seen, f"token {token} appears twice: {seen.get(token)} and {path}")
        seen[token] = path
    for token, acked_path in list(model.seq_issued.items()):
        if acked_path == DELETED:
            continue
        if acked_path is not None:
            check(seen.get(token) == acked_path,
                  f"acknowledged sequential {token} at {acked_path}, found {seen.get(token)}")
        elif token in seen:
            model.seq_issued[token] = seen[token]
        else:
            del model.seq_issued[token]  # never landed; it can never appear now


def verify_multis(model, conn):
    names = set(children(conn, f"{ROOT}/m"))
    for name in names:
        check(model.multis.get(name[:-2], DELETED) != DELETED,
              f"{ROOT}/m/{name} was never created, or was deleted before")
    for token, acked in list(model.multis.items()):
        if acked == DELETED:
            continue
        a, b = f"{token}-a" in names, f"{token}-b" in names
        check(a == b, f"multi {token} half applied: a={a} b={b}")
        check(a or not acked, f"acknowledged multi {token} is missing")
        if not a:
            del model.multis[token]
        else:
            model.multis[token] = True
    found = read_all(conn, [f"{ROOT}/m/{n}" for n in names])
    for path, got in found.items():
        check(got is not None and got[0].decode() == path.rsplit("/", 1)[1][:-2],
              f"{path} holds {got and got[0]!r}")


def verify_versions(model, conn):
    found = read_all(conn, model.versions)
    for path, v in model.versions.items():
        got = found[path]
        check(got is not None, f"setData node {path} is missing")
        data, stat = got
        check(stat.version >= v["acked"],
              f"{path}: version {stat.version} behind acknowledged {v['acked']}")
        if stat.version > 0:
            issued = v["issued"].get(stat.version)
            check(issued is not None, f"{path}: version {stat.version} was never issued")
            check(data == issued.encode(),
                  f"{path}: version {stat.version} holds {data!r}, issued {issued!r}")
        v["acked"] = stat.version
        # Versions past what landed were never written: they are issued again with new data.
        v["issued"] = {k: d for k, d in v["issued"].items() if k <= stat.version}


def cleanup(model, conn):
    """Deletes verified sequential and multi nodes once there are many (bounds long runs)."""
    seq = [(t, p) for t, p in model.seq_issued.items() if p not in (None, DELETED)]
    multis = [t for t, acked in model.multis.items() if acked is True]
    if len(seq) + 2 * len(multis) < CLEANUP_ABOVE:
        return
    paths = [p for _, p in seq] + [f"{ROOT}/m/{t}-{x}" for t in multis for x in "ab"]
    xids = [(p, conn.submit(OP["delete"], jute.delete_request(p))) for p in paths]
    for p, xid in xids:
        r = conn.read_reply(xid, OP["delete"])
        check(r.err == 0, f"cleanup delete {p}: {jute.err_name(r.err)}")
    for t, _ in seq:
        model.seq_issued[t] = DELETED
    for t in multis:
        model.multis[t] = DELETED


def count_nodes(conn):
    """Every node under /, one pipelined getChildren2 per level (checks numChildren too)."""
    level, total = ["/"], 0
    while level:
        total += len(level)
        xids = [conn.submit(OP["getChildren2"], jute.path_watch_request(p)) for p in level]
        nxt = []
        for path, xid in zip(level, xids):
            r = conn.read_reply(xid, OP["getChildren2"])
            check(r.err == 0, f"getChildren2 {path}: {jute.err_name(r.err)}")
            names, stat = r.value
            check(stat.numChildren == len(names),
                  f"{path}: numChildren {stat.numChildren} but {len(names)} children listed")
            nxt += [path.rstrip("/") + "/" + n for n in names]
        level = nxt
    return total


def mntr_znodes(server):
    text = zkservers.four_letter_word(server.port, "mntr")
    m = re.search(r"zk_znode_count\s+(\d+)", text)
    check(m is not None, f"mntr without zk_znode_count: {text!r}")
    return int(m.group(1))


def server_zxid(server):
    text = zkservers.four_letter_word(server.port, "srvr")
    m = re.search(r"Zxid: (0x[0-9a-f]+)", text)
    check(m is not None, f"srvr without Zxid: {text!r}")
    return int(m.group(1), 16)


def verify(model, server, state):
    conn = jute.connect(server.host, server.port, session_timeout_ms=4000)
    try:
        verify_creates(model, conn)
        verify_sequentials(model, conn)
        verify_multis(model, conn)
        verify_versions(model, conn)
        cleanup(model, conn)
        offset = mntr_znodes(server) - count_nodes(conn)
        if state.get("znode_offset") is None:
            state["znode_offset"] = offset
        check(offset == state["znode_offset"],
              f"mntr znode count differs from the traversal by {offset}, "
              f"{state['znode_offset']} at first")
        zxid = server_zxid(server)
        check(zxid >= model.max_zxid,
              f"server zxid 0x{zxid:x} behind acknowledged zxid 0x{model.max_zxid:x}")
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------
# Rounds

def setup_tree(server, model, writers):
    conn = jute.connect(server.host, server.port)
    try:
        for path in [ROOT] + [f"{ROOT}/{d}" for d in DIRS]:
            r = conn.create(path)
            check(r.err in (0, -110), f"create {path}: {jute.err_name(r.err)}")
        for w in range(writers):
            path = f"{ROOT}/v/w{w}"
            r = conn.create(path, b"")
            check(r.err == 0, f"create {path}: {jute.err_name(r.err)}")
            model.versions[path] = {"acked": 0, "issued": {}}
    finally:
        conn.close()


def run_round(server, model, round_no, rng, args):
    writers = [Writer(server, model, w, round_no, random.Random(rng.random()))
               for w in range(args.writers)]
    for w in writers:
        w.start()
    delay = rng.uniform(*KILL_DELAY_S)
    time.sleep(delay)
    server.kill9()
    for w in writers:
        w.join(timeout=15)
        check(not w.is_alive(), f"writer {w.wid} still running 15 s after the kill")
        if w.error is not None:
            raise CheckFailed(f"writer {w.wid}: {w.error!r}")
    return delay, sum(w.acked for w in writers)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    print(f"kill9_rounds: seed={seed} rounds={args.rounds} writers={args.writers}", flush=True)
    rng = random.Random(seed)
    tmp = tempfile.TemporaryDirectory(prefix="paddock-kill9-")
    tmpdir = Path(tmp.name)
    model, state, total_acked = Model(), {}, 0
    cfg = {"paddock.snapshotThreshold": 64, "paddock.snapshotTrailing": 32,
           "admin.enableServer": "false"}
    server = zkservers.start_paddock(tmpdir, cfg)
    started = time.monotonic()
    try:
        setup_tree(server, model, args.writers)
        for round_no in range(1, args.rounds + 1):
            if round_no > 1:
                server.start()
            verify(model, server, state)
            delay, acked = run_round(server, model, round_no, rng, args)
            total_acked += acked
            print(f"round {round_no}: killed after {delay:.3f} s, {acked} writes acknowledged",
                  flush=True)
        server.start()
        verify(model, server, state)
    except (CheckFailed, RuntimeError) as e:
        print(f"FAILED (seed={seed}): {e}", flush=True)
        print(server.log_tail(60), flush=True)
        if args.keep:
            print(f"data kept in {tmpdir}")
        server.kill9()
        return 1
    finally:
        server.stop()
        if not args.keep:
            tmp.cleanup()
    print(f"kill9_rounds: OK seed={seed} rounds={args.rounds} acknowledged_writes={total_acked} "
          f"seconds={time.monotonic() - started:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
