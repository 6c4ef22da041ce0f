"""Differential wire test: Paddock must answer exactly like Apache ZooKeeper.

What it proves: for one long scripted sequence of client requests (well over 200 of them,
errors included; see differential_script.py), paddock-server sends the same replies and the
same watch notifications as the real ZooKeeper 3.8 server. How: both servers are started by
the test on their own loopback ports with the same zoo.cfg (TTL nodes enabled, a super
digest, a 1 s container check). The script is run against each server through the raw wire
client in tests/lib/jute.py, using several concurrent sessions so that one session sees
another's changes. Every step produces a normalised outcome; the two outcome lists are
compared step by step and the first mismatches are printed with the step number, the
operation and both replies.

What is compared (hard): error codes, created paths, data (null vs empty distinguished),
children (sorted), ACLs and whoAmI identities (sorted: ZooKeeper keeps a connection's
identities in a hash set, which orders whoAmI and "auth"-scheme ACL expansion), the Stat
fields version/cversion/aversion/dataLength/numChildren, ephemeralOwner as "zero" or
"session <name>", the relations mzxid==czxid and pzxid==czxid, ConnectResponse fields that
do not depend on the session id, whether the server closed the connection, and the watch
notifications every session received during each step. What is compared (soft, printed as
warnings only): the class of the reply zxid (-1 / 0 / positive), the length of error reply
bodies, the exact ACL order, and whether the session password is ZooKeeper's deterministic
java.util.Random one.

Notifications are attributed to a step with a barrier: after each step every open session
sends exists("/") and reads up to its reply. ZooKeeper queues a notification on a watcher's
connection before the reply of the write that caused it, so anything the step triggered is in
that session's stream before the barrier reply.

Deliberately avoided, because Debian's ZooKeeper 3.8.0 differs from 3.8.4+ (the reference
protocol baseline): exists() on an existing node the caller may not READ (ZOOKEEPER-2590),
create2 inside multi
(ZOOKEEPER-4026: 3.8.0 answers a plain CreateResponse, 3.8.2+ a Create2Response with Stat), and
a bare check (13) frame (ZOOKEEPER-2623: 3.8.0 never answers, 3.8.x later closes with -6).
(Notifications for nodes the watcher may not READ, ZOOKEEPER-4799, are filtered by both: Debian's
3.8.0-11+deb12u2 carries that fix; tests/compat/acl_test.py compares them.)

Run: /usr/bin/python3 tests/compat/differential_test.py [--both-zookeeper] [-v]
`--both-zookeeper` (or PADDOCK_DIFF_BOTH_ZOOKEEPER=1) runs ZooKeeper against ZooKeeper, which
validates the harness itself. PADDOCK_SERVER names the paddock binary.
"""

import os
import pprint
import shutil
import socket
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import jute  # noqa: E402
import zkservers  # noqa: E402
from jute import OP  # noqa: E402
from differential_script import build_script  # noqa: E402

SUPER_DIGEST = "super:D/InIHSb7yEEbrWz8b9l71RjZJU="  # super:test
SERVER_CFG = {
    "extendedTypesEnabled": "true",
    "znode.container.checkIntervalMs": 1000,
    "DigestAuthenticationProvider.superDigest": SUPER_DIGEST,
}
CALL_TIMEOUT_S = 5.0
RUN_DEADLINE_S = 150.0
MAX_CONSECUTIVE_TIMEOUTS = 3
MAX_PRINTED_MISMATCHES = 15
SESSION_ZERO_PASSWD = bytes(16)

# --------------------------------------------------------------------------------------------
# Running a script against one server and normalising what came back.


def zxid_class(zxid):
    return "negative" if zxid < 0 else ("zero" if zxid == 0 else "positive")


class Runner:
    """Runs the script against one server; `outcomes[i]` is a (hard, soft) pair of dicts."""

    def __init__(self, server):
        self.server = server
        self.conns = {}        # name -> jute.Connection (absent once closed)
        self.sessions = {}     # name -> (session_id, passwd) of the latest valid session
        self.owner_names = {}  # session_id -> name, for ephemeralOwner normalisation
        self.outcomes = []
        self.timeouts_in_a_row = 0
        self.pending_events = {}  # name -> events not yet attributed to a step
        self.dropped_zxid = {}    # name -> last zxid of a connection dropped by the test

    # ---- normalisation

    def owner(self, sid):
        if sid == 0:
            return "zero"
        return f"session {self.owner_names.get(sid, 'unknown')}"

    def stat(self, st):
        return {"version": st.version, "cversion": st.cversion, "aversion": st.aversion,
                "dataLength": st.dataLength, "numChildren": st.numChildren,
                "ephemeralOwner": self.owner(st.ephemeralOwner),
                "mzxid==czxid": st.mzxid == st.czxid, "pzxid==czxid": st.pzxid == st.czxid}

    def value(self, opcode, v):
        name = jute.OP_NAME.get(opcode)
        if v is None:
            return None
        if name in ("create2", "createContainer", "createTTL"):
            return {"path": v[0], "stat": self.stat(v[1])}
        if name in ("exists", "setData", "setACL"):
            return self.stat(v)
        if name in ("getData", "reconfig"):
            return {"data": v[0], "stat": self.stat(v[1])}
        if name == "getACL":
            # Sorted: entries expanded from the "auth" scheme come out in ZooKeeper's
            # hash-set order of the caller's identities. The exact order is a soft check.
            return {"acl": sorted(tuple(a) for a in v[0]), "stat": self.stat(v[1])}
        if name in ("getChildren", "getEphemerals"):
            return sorted(v)
        if name == "getChildren2":
            return {"children": sorted(v[0]), "stat": self.stat(v[1])}
        if name == "whoAmI":
            return sorted(tuple(c) for c in v)
        if name in ("multi", "multiRead"):
            return [self.multi_result(r) for r in v]
        return v

    def multi_result(self, r):
        value = r.value if r.type == OP["error"] else self.value(r.type, r.value)
        return {"type": jute.OP_NAME.get(r.type, r.type), "err": jute.err_name(r.err),
                "value": value}

    def reply(self, r):
        hard = {"err": jute.err_name(r.err)}
        soft = {"zxid": zxid_class(r.zxid)}
        if r.err == 0:
            hard["value"] = self.value(r.opcode, r.value)
            if r.opcode == OP["getACL"]:
                soft["acl order"] = [tuple(a) for a in r.value[0]]
        else:
            soft["error body bytes"] = len(r.value)
        return hard, soft

    def connect_result(self, cr):
        hard = {"timeout": cr.timeout, "session valid": cr.session_id != 0,
                "passwd length": len(cr.passwd or b""),
                "passwd all zero": cr.passwd == SESSION_ZERO_PASSWD,
                "readOnly trailer": cr.read_only, "frame length": cr.length}
        soft = {"passwd is java.util.Random(sid)":
                cr.passwd == jute.java_session_passwd(cr.session_id)}
        return hard, soft

    # ---- step execution

    def run(self, steps):
        deadline = time.monotonic() + RUN_DEADLINE_S
        for step in steps:
            if time.monotonic() > deadline or self.timeouts_in_a_row >= MAX_CONSECUTIVE_TIMEOUTS:
                self.outcomes.append(({"not run": "earlier steps timed out / deadline"}, {}))
                continue
            self.outcomes.append(self.run_step(step))
        for conn in self.conns.values():
            conn.close()
        return self.outcomes

    NEEDS_OPEN_SESSION = ("op", "close", "raw", "drop", "wait_gone")

    def run_step(self, step):
        hard, soft = {}, {}
        if step.kind in self.NEEDS_OPEN_SESSION and step.session not in self.conns:
            hard = {"not run": f"session {step.session} has no open connection"}
            hard["events"] = self.barrier_and_events(step)
            return hard, soft
        try:
            hard, soft = getattr(self, "do_" + step.kind)(step)
            self.timeouts_in_a_row = 0
        except socket.timeout:
            hard = {"exception": "timeout (no reply)"}
            self.timeouts_in_a_row += 1
        except jute.ConnectionClosed:
            hard = {"exception": "connection closed by server"}
            self._forget(step.session)
        except (jute.ProtocolError, jute.DecodeError, OSError) as e:
            hard = {"exception": f"{type(e).__name__}: {e}"}
            self._forget(step.session)
        except Exception as e:  # a step the earlier divergence made impossible, e.g. a
            # reattach to a session that never existed on this server: record, keep going
            hard = {"exception": f"harness could not run step: {type(e).__name__}: {e}"}
        if step.expect_close and step.session in self.conns:
            hard["server closed connection"] = self.conns[step.session].wait_for_close(2.0)
            if hard["server closed connection"]:
                self._collect_events(step.session)
                self._forget(step.session)
        hard["events"] = self.barrier_and_events(step)
        return hard, soft

    def _forget(self, name):
        conn = self.conns.pop(name, None)
        if conn is not None:
            self.pending_events.setdefault(name, []).extend(conn.take_events())
            conn.close()

    def _collect_events(self, name):
        conn = self.conns.get(name)
        if conn is not None:
            self.pending_events.setdefault(name, []).extend(conn.take_events())

    def barrier_and_events(self, step):
        """Sends exists('/') on every open session, then returns the events per session."""
        for name in list(self.conns):
            conn = self.conns[name]
            try:
                conn.exists("/")
            except (OSError, jute.ConnectionClosed, jute.ProtocolError, jute.DecodeError):
                self.pending_events.setdefault(name, []).append(("CLOSED/NO REPLY AT BARRIER",))
                self._forget(name)
                continue
            self._collect_events(name)
        events = {}
        for name, evs in sorted(self.pending_events.items()):
            rendered = [self._render_event(e) for e in evs]
            if step.unordered_events:
                rendered.sort()
            if rendered:
                events[name] = rendered
        self.pending_events = {}
        return events

    @staticmethod
    def _render_event(e):
        if isinstance(e, jute.WatcherEvent):
            return (jute.EVENT_NAME.get(e.type, e.type), e.state, e.path)
        return e

    def _new_connection(self, name, timeout_ms, **handshake):
        conn = jute.Connection(self.server.host, self.server.port, CALL_TIMEOUT_S)
        try:
            cr = conn.handshake(timeout_ms, **handshake)
        except BaseException:
            conn.close()
            raise
        return conn, cr

    def do_connect(self, step):
        timeout_ms = step.args[0]
        conn, cr = self._new_connection(step.session, timeout_ms, **step.kwargs)
        self.conns[step.session] = conn
        if cr.session_id:
            self.sessions[step.session] = (cr.session_id, cr.passwd)
            self.owner_names[cr.session_id] = step.session
        return self.connect_result(cr)

    def do_reattach(self, step):
        old = self.conns.pop(step.session, None)
        last_zxid = old.last_zxid if old else self.dropped_zxid.get(step.session, 0)
        if old:
            old.close()
        sid, passwd = self.sessions[step.session]
        if not step.kwargs["good_password"]:
            passwd = bytes(b ^ 0xFF for b in passwd)
        conn, cr = self._new_connection(step.session, step.args[0], session_id=sid,
                                        passwd=passwd, last_zxid=last_zxid)
        conn.last_zxid = last_zxid
        self.conns[step.session] = conn
        hard, soft = self.connect_result(cr)
        hard["same session id"] = cr.session_id == sid
        watches = step.kwargs["set_watches"]
        if watches:
            method = conn.set_watches2 if ("persistent" in watches or "recursive" in watches) \
                else conn.set_watches
            hard["setWatches"], soft["setWatches"] = self.reply(method(last_zxid, **watches))
        return hard, soft

    def do_drop(self, step):
        conn = self.conns.pop(step.session)
        self.dropped_zxid[step.session] = conn.last_zxid
        self.pending_events.setdefault(step.session, []).extend(conn.take_events())
        conn.close()
        return {"dropped": True}, {}

    def do_close(self, step):
        conn = self.conns[step.session]
        r = conn.close_session()
        hard, soft = self.reply(r)
        hard["server closed connection"] = conn.wait_for_close(2.0)
        self._forget(step.session)
        return hard, soft

    def do_op(self, step):
        conn = self.conns[step.session]
        args = [conn.last_zxid if a == "$last_zxid" else a for a in step.args]
        return self.reply(getattr(conn, step.method)(*args, **step.kwargs))

    def do_raw(self, step):
        opcode, body = step.args
        return self.reply(self.conns[step.session].call(opcode, body))

    def do_wait_gone(self, step):
        path, timeout_s = step.args
        conn = self.conns[step.session]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            r = conn.exists(path)
            if r.err == -101:
                return {"gone": True}, {}
            time.sleep(0.1)
        return {"gone": False}, {}

    def do_sleep(self, step):
        time.sleep(step.args[0])
        return {"slept": True}, {}


# --------------------------------------------------------------------------------------------
# Comparison and reporting


def compare(steps, ref, cand):
    """Returns (hard mismatches, soft mismatches) as lists of (index, step, ref, cand)."""
    hard, soft = [], []
    for i, step in enumerate(steps):
        (rh, rs), (ch, cs) = ref[i], cand[i]
        if rh != ch:
            hard.append((i, step, rh, ch))
        elif rs != cs:
            soft.append((i, step, rs, cs))
    return hard, soft


def format_mismatch(i, step, ref, cand, ref_name, cand_name):
    keys = sorted(set(ref) | set(cand))
    differing = [k for k in keys if ref.get(k) != cand.get(k)]
    return (f"\n=== step {i + 1}: {step.label()}\n"
            f"differing keys: {differing}\n"
            f"--- {ref_name}:\n{pprint.pformat(ref, width=110)}\n"
            f"--- {cand_name}:\n{pprint.pformat(cand, width=110)}\n")


def format_soft_summary(soft, ref_name, cand_name):
    """One paragraph per differing soft key: the steps where it differs and one example."""
    by_key = {}
    for i, step, ref, cand in soft:
        for key in sorted(set(ref) | set(cand)):
            if ref.get(key) != cand.get(key):
                by_key.setdefault(key, []).append((i, step, ref.get(key), cand.get(key)))
    lines = ["WARNING: soft differences (reported, not failed):"]
    for key, hits in by_key.items():
        i, step, r, c = hits[0]
        steps = ", ".join(str(h[0] + 1) for h in hits[:20]) + (" ..." if len(hits) > 20 else "")
        lines.append(f"  {key!r} differs at {len(hits)} step(s): {steps}\n"
                     f"    e.g. step {i + 1} {step.label()}\n"
                     f"    {ref_name}: {r!r}\n    {cand_name}: {c!r}")
    return "\n".join(lines)


def dump_outcomes(steps, outcomes, path):
    with open(path, "w") as f:
        for i, (step, (hard, soft)) in enumerate(zip(steps, outcomes)):
            f.write(f"{i + 1:4d} {step.label()}\n     {hard!r}\n     soft {soft!r}\n")


def both_zookeeper_mode():
    return os.environ.get("PADDOCK_DIFF_BOTH_ZOOKEEPER", "") not in ("", "0")


class DifferentialTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="paddock-diff-")
        cls.servers = []
        try:
            cls.reference = zkservers.start_zookeeper(Path(cls.tmp) / "zookeeper", SERVER_CFG)
            cls.servers.append(cls.reference)
            if both_zookeeper_mode():
                cls.candidate = zkservers.start_zookeeper(Path(cls.tmp) / "zookeeper2",
                                                          SERVER_CFG)
            else:
                cls.candidate = zkservers.start_paddock(Path(cls.tmp) / "paddock", SERVER_CFG)
            cls.servers.append(cls.candidate)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for server in cls.servers:
            server.stop()
        if os.environ.get("PADDOCK_KEEP_TMP"):
            print(f"kept {cls.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_script_is_long_enough(self):
        self.assertGreaterEqual(len(build_script()), 200)

    def test_replies_and_notifications_match(self):
        steps = build_script()
        results = {}
        threads = [threading.Thread(target=lambda k=k, s=s: results.__setitem__(
                       k, Runner(s).run(steps)))
                   for k, s in (("ref", self.reference), ("cand", self.candidate))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(RUN_DEADLINE_S + 60)
        self.assertEqual(set(results), {"ref", "cand"}, "a runner did not finish")
        ref_name = "zookeeper"
        cand_name = "zookeeper-2" if both_zookeeper_mode() else "paddock"
        for key, name in (("ref", ref_name), ("cand", cand_name)):
            dump_outcomes(steps, results[key], Path(self.tmp) / f"outcomes-{name}.txt")
        hard, soft = compare(steps, results["ref"], results["cand"])
        if soft:
            print(format_soft_summary(soft, ref_name, cand_name), file=sys.stderr)
        if hard:
            report = "".join(format_mismatch(i, st, r, c, ref_name, cand_name)
                             for i, st, r, c in hard[:MAX_PRINTED_MISMATCHES])
            self.fail(f"{len(hard)} of {len(steps)} steps differ (first "
                      f"{min(len(hard), MAX_PRINTED_MISMATCHES)} shown; set PADDOCK_KEEP_TMP=1 "
                      f"to keep the full outcome dumps):{report}")


if __name__ == "__main__":
    if "--both-zookeeper" in sys.argv:
        sys.argv.remove("--both-zookeeper")
        os.environ["PADDOCK_DIFF_BOTH_ZOOKEEPER"] = "1"
    unittest.main()
