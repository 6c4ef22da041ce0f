"""Differential wire test: Paddock must answer exactly like Apache ZooKeeper.

What it proves: for one long scripted sequence of client requests (well over 200 of them,
errors included), paddock-server sends the same replies and the same watch notifications as
the real ZooKeeper 3.8 server. How: both servers are started by the test on their own loopback
ports with the same zoo.cfg (TTL nodes enabled, a super digest, a 1 s container check). The
script is run against each server through the raw wire client in tests/lib/jute.py, using
several concurrent sessions so that one session sees another's changes. Every step produces a
normalised outcome; the two outcome lists are compared step by step and the first mismatches
are printed with the step number, the operation and both replies.

What is compared (hard): error codes, created paths, data (null vs empty distinguished),
children (sorted), ACLs (in order), whoAmI identities (sorted: ZooKeeper keeps them in a hash
set), Stat version/cversion/aversion/dataLength/numChildren, ephemeralOwner as "zero" or
"session <name>", the relations mzxid==czxid and pzxid==czxid, ConnectResponse fields that do
not depend on the session id, whether the server closed the connection, and the watch
notifications every session received during each step. What is compared (soft, printed as
warnings only): the class of the reply zxid (-1 / 0 / positive), the length of error reply
bodies, and whether the session password is ZooKeeper's deterministic java.util.Random one.

Notifications are attributed to a step with a barrier: after each step every open session
sends exists("/") and reads up to its reply. ZooKeeper queues a notification on a watcher's
connection before the reply of the write that caused it, so anything the step triggered is in
that session's stream before the barrier reply.

Deliberately avoided, because Debian's ZooKeeper 3.8.0 differs from 3.8.4+ (the reference
protocol baseline): exists() on an existing node the caller may not READ (ZOOKEEPER-2590),
notifications for nodes the watcher may not READ (ZOOKEEPER-4799), create2 inside multi
(ZOOKEEPER-4026: 3.8.0 answers a plain CreateResponse, 3.8.2+ a Create2Response with Stat), and
a bare check (13) frame (ZOOKEEPER-2623: 3.8.0 never answers, 3.8.x later closes with -6).

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
from jute import ACL, OP  # noqa: E402

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

ALICE = jute.digest_id("alice", "secret")
BOB = jute.digest_id("bob", "pw")
OPEN = jute.OPEN_ACL_UNSAFE
ALICE_ALL = [ACL(jute.PERM_ALL, "digest", ALICE)]
LONG_TTL = 3600 * 1000
SESSION_ZERO_PASSWD = bytes(16)


# --------------------------------------------------------------------------------------------
# The script: a list of steps. Builders keep each section readable.

class Step:
    """One scripted action. kind: op, connect, reattach, drop, close, raw, wait_gone, sleep."""

    def __init__(self, kind, session=None, method=None, args=(), kwargs=None,
                 expect_close=False, unordered_events=False):
        self.kind, self.session, self.method = kind, session, method
        self.args, self.kwargs = tuple(args), dict(kwargs or {})
        self.expect_close = expect_close
        self.unordered_events = unordered_events

    def label(self):
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        text = f"{self.session or '-'}: {self.kind} {self.method or ''}({', '.join(parts)})"
        return text if len(text) <= 160 else text[:157] + "..."


class Script:
    def __init__(self):
        self.steps = []

    def add(self, *args, **kwargs):
        self.steps.append(Step(*args, **kwargs))

    def op(self, session, method, *args, **kwargs):
        expect_close = kwargs.pop("expect_close", False)
        unordered = kwargs.pop("unordered_events", False)
        self.add("op", session, method, args, kwargs, expect_close, unordered)

    def connect(self, session, timeout_ms=30000, **handshake):
        self.add("connect", session, None, (timeout_ms,), handshake)

    def reattach(self, session, timeout_ms=30000, good_password=True, expect_close=False,
                 set_watches=None):
        """Reconnects to the session's id/password; then, like a real client, immediately
        sends SetWatches (or SetWatches2 if persistent lists are given) with the last zxid
        the previous connection saw."""
        self.add("reattach", session, None, (timeout_ms,),
                 {"good_password": good_password, "set_watches": set_watches},
                 expect_close=expect_close)

    def drop(self, session):
        self.add("drop", session)

    def close(self, session, unordered_events=False):
        self.add("close", session, unordered_events=unordered_events)

    def raw(self, session, opcode, body=b"", expect_close=False):
        self.add("raw", session, None, (opcode, body), expect_close=expect_close)

    def wait_gone(self, session, path, timeout_s=15.0):
        self.add("wait_gone", session, None, (path, timeout_s), unordered_events=True)

    def sleep(self, seconds):
        self.add("sleep", None, None, (seconds,))


def section_sessions_and_reads(s):
    s.connect("A", 30000)
    s.connect("B", 20000)
    s.connect("LOW", 1000)           # below minSessionTimeout: clamped up
    s.connect("HIGH", 100000)        # above maxSessionTimeout: clamped down
    s.connect("RO", 30000, read_only=True)
    s.connect("OLD", 30000, trailer=False)   # "old client": no readOnly trailer either way
    s.close("LOW")
    s.close("HIGH")
    s.close("RO")
    s.close("OLD")
    s.op("A", "ping")
    s.op("A", "exists", "/")
    s.op("A", "get_data", "/")
    s.op("A", "get_acl", "/")
    s.op("A", "get_children", "/")
    s.op("A", "get_children2", "/")
    s.op("A", "get_all_children_number", "/")
    s.op("A", "get_children", "/zookeeper")
    s.op("A", "get_acl", "/zookeeper")
    s.op("A", "get_data", "/zookeeper/config")
    s.op("A", "get_acl", "/zookeeper/config")
    s.op("A", "exists", "/zookeeper/quota")
    s.op("A", "who_am_i")
    s.op("A", "get_ephemerals", "/")
    s.op("A", "sync", "/")
    s.op("A", "sync", "/does/not/exist")


def section_create_and_paths(s):
    s.op("A", "create", "/d", b"data")
    s.op("A", "create", "/d", b"again")
    s.op("A", "create2", "/d/e", b"")
    s.op("A", "create2", "/d/null", None)
    s.op("A", "create2", "/d/big", b"x" * 4096)
    s.op("A", "create2", "/d/utf8", "h\u00e9llo \u2603".encode())
    s.op("A", "create", "/nope/x")
    s.op("A", "create", "noslash")
    s.op("A", "create", "")
    s.op("A", "create", "/d/")
    s.op("A", "create", "/d//e")
    s.op("A", "create", "/d/.")
    s.op("A", "create", "/d/..")
    s.op("A", "create", "/d/x\x00y")
    s.op("A", "create", "/d/ctl\x01")
    s.op("A", "create", "/d/e/")
    s.op("A", "create", "/zookeeper/mine")
    s.op("A", "create", "/d/flags7", flags=7)
    s.op("A", "create", "/d/flags-1", flags=-1)
    s.op("A", "create", "/d/ttl-via-create", flags=jute.FLAG_TTL)
    s.op("A", "get_data", "/d")
    s.op("A", "get_data", "/d/e")
    s.op("A", "get_data", "/d/null")
    s.op("A", "get_data", "/d/big")
    s.op("A", "get_data", "/d/utf8")
    s.op("A", "get_data", "/d/missing")
    s.op("A", "get_data", "not-a-path")
    s.op("A", "get_data", "/d\x00")
    s.op("A", "exists", "/d")
    s.op("A", "exists", "/d/missing")
    s.op("A", "exists", "/d\x00")
    s.op("A", "get_children", "/d")
    s.op("A", "get_children2", "/d")
    s.op("A", "get_children", "/d/missing")
    s.op("A", "get_all_children_number", "/d")
    s.op("A", "get_all_children_number", "/d/e")
    s.op("A", "get_all_children_number", "/d/missing")


def section_set_and_delete(s):
    s.op("A", "set_data", "/d", b"v1")
    s.op("A", "set_data", "/d", b"v2", 1)
    s.op("A", "set_data", "/d", b"v3", 1)
    s.op("A", "set_data", "/d", None, 2)
    s.op("A", "get_data", "/d")
    s.op("A", "set_data", "/d/missing", b"z")
    s.op("A", "set_data", "bad", b"z")
    s.op("A", "set_data", "/d\x00", b"z")
    s.op("A", "set_data", "/d", b"", -1)
    s.op("A", "exists", "/d")
    s.op("A", "delete", "/d")
    s.op("A", "delete", "/d/e", 5)
    s.op("A", "delete", "/d/e", 0)
    s.op("A", "delete", "/d/e")
    s.op("A", "delete", "/d/missing")
    s.op("A", "delete", "/")
    s.op("A", "delete", "/zookeeper")
    s.op("A", "delete", "/zookeeper/quota")
    s.op("A", "delete", "/zookeeper/config")
    s.op("A", "delete", "bad")
    s.op("A", "delete", "/d//x")
    s.op("A", "get_children2", "/d")
    s.op("A", "exists", "/")


def section_sequential(s):
    s.op("A", "create", "/seq")
    s.op("A", "create", "/seq/n-", flags=jute.FLAG_SEQUENTIAL)
    s.op("A", "create", "/seq/n-", flags=jute.FLAG_SEQUENTIAL)
    s.op("A", "create2", "/seq/n-", b"p", flags=jute.FLAG_SEQUENTIAL)
    s.op("A", "create", "/seq/plain")
    s.op("A", "create", "/seq/n-", flags=jute.FLAG_SEQUENTIAL)
    s.op("A", "delete", "/seq/n-0000000000")
    s.op("A", "create", "/seq/n-", flags=jute.FLAG_SEQUENTIAL)
    s.op("A", "create", "/seq/", flags=jute.FLAG_SEQUENTIAL)
    s.op("A", "create", "/seq/e-", flags=jute.FLAG_EPHEMERAL_SEQUENTIAL)
    s.op("A", "create", "/seq/n-0000000001")
    s.op("A", "get_children", "/seq")
    s.op("A", "get_children2", "/seq")
    s.op("A", "exists", "/seq")


def section_ephemerals(s):
    s.op("A", "create", "/eph", b"mine", flags=jute.FLAG_EPHEMERAL)
    s.op("A", "create2", "/eph2", flags=jute.FLAG_EPHEMERAL)
    s.op("A", "create", "/eph/child")
    s.op("A", "create", "/eph/child", flags=jute.FLAG_EPHEMERAL)
    s.op("A", "exists", "/eph")
    s.op("B", "exists", "/eph")
    s.op("B", "get_ephemerals", "/")
    s.op("A", "get_ephemerals", "/")
    s.op("A", "get_ephemerals", "")
    s.op("A", "get_ephemerals", "/eph")
    s.op("A", "get_ephemerals", "/seq/")
    s.op("A", "get_ephemerals", "/nothing")
    s.op("A", "get_all_children_number", "/eph")
    s.op("B", "set_data", "/eph2", b"b-was-here")
    s.op("A", "get_data", "/eph2")


def section_acls(s):
    s.op("A", "create", "/acl-empty", acl=[])
    s.op("A", "create", "/acl-null", acl=None)
    s.op("A", "create", "/acl-worldbogus", acl=[ACL(31, "world", "bogus")])
    s.op("A", "create", "/acl-World", acl=[ACL(31, "World", "anyone")])
    s.op("A", "create", "/acl-auth-noauth", acl=jute.CREATOR_ALL_ACL)
    s.op("A", "create", "/acl-unknown-scheme", acl=[ACL(31, "foo", "bar")])
    s.op("A", "create", "/acl-digest-bad", acl=[ACL(31, "digest", "nocolon")])
    s.op("A", "create", "/acl-super", acl=[ACL(31, "super", "")])
    s.op("A", "create", "/acl-ip-bad", acl=[ACL(31, "ip", "not-an-ip")])
    s.op("A", "create", "/acl-ip", acl=[ACL(31, "ip", "127.0.0.1"), ACL(1, "ip", "10.0.0.0/8")])
    s.op("A", "get_acl", "/acl-ip")
    s.op("A", "create", "/acl-dup", acl=[ACL(31, "world", "anyone"), ACL(31, "world", "anyone"),
                                         ACL(1, "world", "anyone")])
    s.op("A", "get_acl", "/acl-dup")
    s.op("A", "create", "/acl-perms0", acl=[ACL(0, "world", "anyone")])
    s.op("A", "get_data", "/acl-perms0")
    s.op("A", "get_acl", "/acl-perms0")
    s.connect("D", 30000)
    s.op("D", "auth", "digest", "alice:secret")
    s.op("D", "who_am_i")
    s.op("D", "create", "/secret", b"s3cr3t", acl=ALICE_ALL)
    s.op("D", "create", "/secret/inner", b"in", acl=jute.CREATOR_ALL_ACL)
    s.op("D", "get_acl", "/secret/inner")
    s.op("D", "create", "/pub-read", b"r", acl=[ACL(jute.PERM_READ, "world", "anyone")] + ALICE_ALL)
    s.op("D", "create", "/admin-only", b"a",
         acl=[ACL(jute.PERM_ADMIN, "world", "anyone"), ACL(jute.PERM_READ, "digest", ALICE)])
    s.op("A", "get_data", "/secret")
    s.op("A", "get_children", "/secret")
    s.op("A", "get_children2", "/secret")
    s.op("A", "get_acl", "/secret")
    s.op("A", "set_data", "/secret", b"hack")
    s.op("A", "set_acl", "/secret", OPEN)
    s.op("A", "create", "/secret/x")
    s.op("A", "delete", "/secret/inner")
    s.op("A", "get_all_children_number", "/secret")
    s.op("A", "get_data", "/pub-read")
    s.op("A", "set_data", "/pub-read", b"no")
    s.op("A", "get_acl", "/pub-read")
    s.op("A", "get_acl", "/admin-only")
    s.op("A", "get_data", "/admin-only")
    s.op("D", "get_acl", "/pub-read")
    s.op("D", "get_data", "/secret")
    s.op("D", "get_children", "/secret")
    s.op("D", "set_data", "/secret", b"v2", 0)
    s.op("A", "auth", "digest", "alice:wrong")
    s.op("A", "get_data", "/secret")
    s.op("A", "auth", "digest", "bob:pw")
    s.op("A", "who_am_i")
    s.op("A", "create", "/bobs", acl=jute.CREATOR_ALL_ACL)
    s.op("A", "get_acl", "/bobs")
    s.op("D", "get_data", "/bobs")
    s.op("D", "set_acl", "/secret", ALICE_ALL + [ACL(jute.PERM_READ, "digest", BOB)], 7)
    s.op("D", "set_acl", "/secret", ALICE_ALL + [ACL(jute.PERM_READ, "digest", BOB)], 0)
    s.op("D", "set_acl", "/secret", [], -1)
    s.op("D", "set_acl", "/missing-node", [ACL(31, "bogus", "x")], -1)
    s.op("D", "set_acl", "/missing-node", OPEN, -1)
    s.op("A", "get_data", "/secret")
    s.op("A", "get_acl", "/secret")
    s.op("D", "get_acl", "/secret")
    s.connect("S", 30000)
    s.op("S", "auth", "digest", "super:test")
    s.op("S", "who_am_i")
    s.op("S", "get_data", "/secret/inner")
    s.op("S", "set_acl", "/secret/inner", OPEN, 0)
    s.op("A", "get_data", "/secret/inner")
    s.op("S", "delete", "/secret/inner")
    s.op("D", "exists", "/secret")


def section_multi(s):
    s.op("A", "create", "/m")
    s.op("A", "multi", [jute.op_create("/m/a", b"1"), jute.op_create("/m/b", b"2"),
                        jute.op_set_data("/m/a", b"1b", 0), jute.op_check("/m/b", 0),
                        jute.op_delete("/m/b", 0)])
    s.op("A", "get_children2", "/m")
    s.op("A", "exists", "/m/a")
    s.op("A", "multi", [jute.op_create("/m/c"), jute.op_create("/m/a"),
                        jute.op_delete("/m/zz")])
    s.op("A", "exists", "/m/c")
    s.op("A", "multi", [jute.op_check("/m/a", 5)])
    s.op("A", "multi", [jute.op_check("/m/a", 1), jute.op_set_data("/m/a", b"x", 3),
                        jute.op_create("/m/d")])
    s.op("A", "multi", [jute.op_check("/m/missing", -1)])
    s.op("A", "multi", [jute.op_create("/m/s-", flags=jute.FLAG_SEQUENTIAL),
                        jute.op_create("/m/s-", flags=jute.FLAG_SEQUENTIAL),
                        jute.op_create("/m/s-", flags=jute.FLAG_EPHEMERAL_SEQUENTIAL)])
    s.op("A", "multi", [jute.op_create("/m/e", flags=jute.FLAG_EPHEMERAL),
                        jute.op_create("/m/e/child")])
    s.op("A", "multi", [jute.op_create_container("/m/cont"),
                        jute.op_create_ttl("/m/ttl", b"t", ttl=LONG_TTL),
                        jute.op_create("/m/cont/kid")])
    s.op("A", "multi", [jute.op_delete("/m/a"), jute.op_create("/m/a", b"again"),
                        jute.op_set_data("/m/a", b"again2", 0)])
    s.op("A", "multi", [jute.op_create("/m/bad/")])
    s.op("A", "multi", [jute.op_create("/secret/nope")])
    s.op("A", "multi", [jute.op_create("/m/x"), jute.op_delete("/m/x"), jute.op_delete("/m/x")])
    s.op("A", "multi", [])
    s.op("A", "multi", [jute.op_create("/m/q"), jute.op_get_data("/m")])
    s.op("A", "exists", "/m/q")
    s.op("A", "get_children", "/m")
    s.op("A", "multi_read", [jute.op_get_data("/m/a"), jute.op_get_children("/m/missing"),
                             jute.op_get_data("/secret"), jute.op_get_children("/m"),
                             jute.op_get_data("/d/null")])
    s.op("A", "multi_read", [])
    s.op("A", "multi_read", [jute.op_create("/m/r")])
    s.op("A", "get_all_children_number", "/m")


def section_watches(s):
    s.op("A", "create", "/w", b"0")
    s.op("B", "get_data", "/w", True)
    s.op("A", "set_data", "/w", b"1")
    s.op("A", "set_data", "/w", b"2")                  # one-shot: no second event
    s.op("B", "exists", "/w/new", True)
    s.op("B", "get_children", "/w", True)
    s.op("A", "create", "/w/new", b"n")
    s.op("B", "get_data", "/w/new", True)
    s.op("B", "get_children2", "/w/new", True)
    s.op("B", "get_children", "/w", True)
    s.op("A", "delete", "/w/new")
    s.op("A", "get_data", "/w", True)                   # own-session watch
    s.op("A", "set_data", "/w", b"3")
    s.op("B", "get_data", "/w", True)
    s.op("B", "exists", "/w", True)
    s.op("B", "check_watches", "/w", jute.WATCH_TYPE_DATA)
    s.op("B", "check_watches", "/w", jute.WATCH_TYPE_CHILDREN)
    s.op("B", "check_watches", "/w", jute.WATCH_TYPE_ANY)
    s.op("B", "remove_watches", "/w", jute.WATCH_TYPE_CHILDREN)
    s.op("B", "remove_watches", "/w", jute.WATCH_TYPE_DATA)
    s.op("B", "remove_watches", "/w", jute.WATCH_TYPE_DATA)
    s.op("B", "check_watches", "/never-watched", jute.WATCH_TYPE_ANY)
    s.op("A", "set_data", "/w", b"4")
    s.op("B", "get_data", "/w/missing", True)           # failed read registers nothing
    s.op("A", "create", "/w/missing")
    s.op("B", "exists", "/w/m1", True)
    s.op("B", "exists", "/w/m2", True)
    s.op("B", "get_children", "/w", True)
    s.op("A", "multi", [jute.op_create("/w/m1"), jute.op_create("/w/m2"),
                        jute.op_set_data("/w/m1", b"z")])
    s.op("B", "get_data", "/w/m1", True)
    s.op("B", "get_data", "/w/m2", True)
    s.op("A", "multi", [jute.op_set_data("/w/m1", b"y"), jute.op_create("/w/m1")])  # fails
    s.op("A", "multi", [jute.op_delete("/w/m2"), jute.op_set_data("/w/m1", b"x")])
    s.op("B", "multi_read", [jute.op_get_data("/w/m1", True),
                             jute.op_get_children("/w", True)])
    s.op("A", "create", "/w/m3")                        # multiRead ignores watch flags
    s.op("A", "set_data", "/w/m1", b"w")
    s.op("B", "get_children", "/w/m3", True)
    s.op("B", "exists", "/w/m1", True)
    s.op("B", "get_data", "/w/m1", True)
    s.op("A", "delete", "/w/m3")
    s.op("A", "set_data", "/w/m1", b"v")
    s.op("B", "exists", "/w/m3", True)
    s.op("A", "create", "/w/m3", b"reborn")
    s.op("A", "delete", "/w/m3")
    s.op("B", "get_data", "/w", True)
    s.op("A", "set_acl", "/w", OPEN, -1)                # setACL fires nothing
    s.op("A", "sync", "/w")
    s.op("B", "check_watches", "/w", jute.WATCH_TYPE_DATA)


def section_persistent_watches(s):
    s.op("B", "add_watch", "/pw", jute.ADD_WATCH_PERSISTENT)
    s.op("A", "create", "/pw", b"p")
    s.op("A", "set_data", "/pw", b"q")
    s.op("A", "set_data", "/pw", b"r")
    s.op("A", "create", "/pw/c")
    s.op("A", "set_data", "/pw/c", b"ignored")
    s.op("A", "delete", "/pw/c")
    s.op("B", "check_watches", "/pw", jute.WATCH_TYPE_ANY)
    s.op("B", "check_watches", "/pw", jute.WATCH_TYPE_CHILDREN)
    s.op("B", "add_watch", "/rw", jute.ADD_WATCH_PERSISTENT_RECURSIVE)
    s.op("A", "create", "/rw")
    s.op("A", "create", "/rw/a")
    s.op("A", "create", "/rw/a/b", b"deep")
    s.op("A", "set_data", "/rw/a/b", b"deeper")
    s.op("A", "delete", "/rw/a/b")
    s.op("A", "create", "/rwx")                         # a sibling prefix, not a descendant
    s.op("B", "remove_watches", "/rw", jute.WATCH_TYPE_ANY)
    s.op("A", "create", "/rw/after")
    s.op("B", "remove_watches", "/pw", jute.WATCH_TYPE_ANY)
    s.op("A", "set_data", "/pw", b"quiet")
    s.op("B", "add_watch", "/pw", 2)                    # unknown mode
    s.op("B", "remove_watches", "/pw", 4)               # unknown watch type
    s.op("B", "check_watches", "/pw", 0)


def section_session_close_events(s):
    s.connect("E", 30000)
    s.op("E", "create", "/ephdir")
    s.op("E", "create", "/ephdir/e1", b"1", flags=jute.FLAG_EPHEMERAL)
    s.op("E", "create", "/ephdir/e2", b"2", flags=jute.FLAG_EPHEMERAL)
    s.op("E", "create", "/ephdir/s-", flags=jute.FLAG_EPHEMERAL_SEQUENTIAL)
    s.op("E", "get_ephemerals", "/ephdir")
    s.op("B", "exists", "/ephdir/e1", True)
    s.op("B", "get_data", "/ephdir/e2", True)
    s.op("B", "get_children", "/ephdir", True)
    s.op("A", "exists", "/ephdir/e1")
    s.close("E", unordered_events=True)
    s.op("A", "get_children2", "/ephdir")
    s.op("A", "get_ephemerals", "/")
    s.reattach("E", good_password=True, expect_close=True)   # closed session: invalid


def section_set_watches(s):
    s.op("A", "create", "/sw")
    s.op("A", "create", "/sw/changed", b"0")
    s.op("A", "create", "/sw/same", b"0")
    s.op("A", "create", "/sw/gone", b"0")
    s.op("A", "create", "/sw/kids")
    s.connect("W", 30000)
    s.op("W", "get_data", "/sw/changed", True)
    s.op("W", "get_data", "/sw/same", True)
    s.op("W", "get_data", "/sw/gone", True)
    s.op("W", "exists", "/sw/born", True)
    s.op("W", "exists", "/sw/unborn", True)
    s.op("W", "get_children", "/sw/kids", True)
    s.op("W", "get_children", "/sw", True)
    s.drop("W")
    s.op("A", "set_data", "/sw/changed", b"1")
    s.op("A", "delete", "/sw/gone")
    s.op("A", "create", "/sw/born")
    s.op("A", "create", "/sw/kids/k1")
    s.reattach("W", 30000, good_password=False, expect_close=True)
    s.reattach("W", 30000, set_watches={
        "data": ["/sw/changed", "/sw/same", "/sw/gone"], "exist": ["/sw/born", "/sw/unborn"],
        "child": ["/sw/kids", "/sw"]})
    s.op("W", "check_watches", "/sw/same", jute.WATCH_TYPE_DATA)
    s.op("W", "check_watches", "/sw/changed", jute.WATCH_TYPE_DATA)
    s.op("W", "check_watches", "/sw/unborn", jute.WATCH_TYPE_DATA)
    s.op("W", "check_watches", "/sw/kids", jute.WATCH_TYPE_CHILDREN)
    s.op("A", "set_data", "/sw/same", b"1")
    s.op("A", "create", "/sw/unborn")
    s.op("A", "create", "/sw/kids/k2")
    s.op("W", "set_watches2", "$last_zxid", [], [], [], ["/sw/same"], ["/sw/kids"])
    s.op("A", "set_data", "/sw/same", b"2")
    s.op("A", "create", "/sw/kids/k2/deep")
    s.op("W", "check_watches", "/sw/same", jute.WATCH_TYPE_ANY)
    s.op("W", "who_am_i")
    s.drop("W")
    s.op("A", "set_data", "/sw/same", b"3")
    s.op("A", "delete", "/sw/kids/k2/deep")
    s.reattach("W", 30000, set_watches={"persistent": ["/sw/same"], "recursive": ["/sw/kids"]})
    s.op("A", "set_data", "/sw/same", b"4")
    s.op("A", "create", "/sw/kids/k3")


def section_containers_and_ttl(s):
    s.op("A", "create_container", "/cont", b"c")
    s.op("A", "create_container", "/cont")
    s.op("A", "create_container", "/cont-empty")
    s.op("A", "call", OP["createContainer"], jute.create_request("/cont-flag0", b"", OPEN, 0))
    s.op("A", "create2", "/create2-flag4", flags=jute.FLAG_CONTAINER)
    s.op("A", "create", "/cont/kid", b"k")
    s.op("A", "create", "/cont/eph", flags=jute.FLAG_EPHEMERAL)
    s.op("A", "exists", "/cont")
    s.op("A", "create_ttl", "/ttl", ttl=LONG_TTL)
    s.op("A", "create_ttl", "/ttl", ttl=LONG_TTL)
    s.op("A", "create_ttl", "/ttl/zero", ttl=0)
    s.op("A", "create_ttl", "/ttl/neg", ttl=-5)
    s.op("A", "create_ttl", "/ttl/huge", ttl=1 << 40)
    s.op("A", "create_ttl", "/ttl/max", ttl=(1 << 40) - 1)
    s.op("A", "create_ttl", "/ttl/flag0", flags=jute.FLAG_PERSISTENT, ttl=1000)
    s.op("A", "create_ttl", "/ttl/flag1", flags=jute.FLAG_EPHEMERAL, ttl=1000)
    s.op("A", "create_ttl", "/ttl/s-", flags=jute.FLAG_SEQUENTIAL_TTL, ttl=LONG_TTL)
    s.op("A", "create_ttl", "/ttl/short", b"bye", ttl=2000)
    s.op("A", "create_ttl", "/ttl/parent", ttl=500)
    s.op("A", "create", "/ttl/parent/child")
    s.op("A", "exists", "/ttl/short")
    s.op("B", "exists", "/ttl/short", True)
    s.op("B", "get_children", "/ttl", True)
    s.wait_gone("A", "/ttl/short")
    s.op("A", "get_children", "/ttl")
    s.sleep(2.5)
    s.op("A", "exists", "/ttl/parent")                   # children keep a TTL node alive
    s.op("B", "exists", "/cont", True)
    s.op("A", "delete", "/cont/kid")
    s.op("A", "exists", "/cont")                        # still holds the ephemeral
    s.op("A", "delete", "/cont/eph")
    s.wait_gone("A", "/cont")
    s.op("A", "exists", "/cont-empty")                  # never had a child: kept
    s.op("A", "exists", "/cont-flag0")
    s.op("A", "exists", "/ttl/max")
    s.op("A", "exists", "/")


def section_misc_and_teardown(s):
    s.op("A", "reconfig", "server.2=127.0.0.1:2888:3888;2182", None, None, -1)
    s.op("A", "reconfig", None, None, None, -1)
    s.op("A", "get_data", "/zookeeper/config")
    s.op("A", "get_all_children_number", "/")
    s.op("A", "get_ephemerals", "/")
    s.op("B", "get_ephemerals", "/")
    s.connect("X1", 30000)
    s.raw("X1", 99, b"", expect_close=True)              # unknown opcode: -6 then close
    s.connect("X2", 30000)
    s.raw("X2", 0, b"", expect_close=True)               # notification opcode from a client
    s.connect("X3", 30000)
    s.op("X3", "auth", "nosuchscheme", "x", expect_close=True)
    s.connect("X4", 30000, last_zxid=0x7FFFFFFFFFFFFFFF)   # client ahead of server: no reply
    s.connect("X5", 30000)
    s.op("X5", "call", OP["getData"], b"\x00\x00", expect_close=False)   # undecodable body
    s.op("X5", "ping")
    s.op("B", "exists", "/eph", True)
    s.op("B", "get_children", "/", True)
    s.op("A", "close_session", expect_close=True, unordered_events=True)
    s.op("B", "exists", "/eph")
    s.op("B", "exists", "/eph2")
    s.op("B", "get_children", "/seq")
    s.op("B", "get_ephemerals", "/")
    s.op("S", "get_acl", "/secret")
    s.close("S")
    s.close("D")
    s.close("W")
    s.close("X5")
    s.op("B", "get_all_children_number", "/")
    s.close("B")


def build_script():
    s = Script()
    for section in (section_sessions_and_reads, section_create_and_paths,
                    section_set_and_delete, section_sequential, section_ephemerals,
                    section_acls, section_multi, section_watches,
                    section_persistent_watches, section_session_close_events,
                    section_set_watches, section_containers_and_ttl,
                    section_misc_and_teardown):
        section(s)
    return s.steps


# --------------------------------------------------------------------------------------------
# Running a script against one server and normalising what came back.

def zxid_class(zxid):
    return "negative" if zxid < 0 else ("zero" if zxid == 0 else "positive")


class Runner:
    """Runs the script against one server; `outcomes[i]` is a (hard, soft) pair of dicts."""

    def __init__(self, server):
        self.server = server
        self.conns = {}        # name -> jute.Connection (absent once closed)
        self.sessions = {}     # name -> (session_id, passwd, last_zxid) of the latest session
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

    def run_step(self, step):
        hard, soft = {}, {}
        try:
            hard, soft = getattr(self, "do_" + step.kind)(step)
            self.timeouts_in_a_row = 0
        except socket.timeout:
            hard = {"exception": "timeout (no reply)"}
            self.timeouts_in_a_row += 1
        except jute.ConnectionClosed:
            hard = {"exception": "connection closed by server"}
            self._forget(step.session)
        except (jute.ProtocolError, jute.DecodeError) as e:
            hard = {"exception": f"{type(e).__name__}: {e}"}
            self._forget(step.session)
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
            except (socket.timeout, jute.ConnectionClosed, jute.ProtocolError):
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
        cand_name = "zookeeper#2" if both_zookeeper_mode() else "paddock"
        for key, name in (("ref", ref_name), ("cand", cand_name)):
            dump_outcomes(steps, results[key], Path(self.tmp) / f"outcomes-{name}.txt")
        hard, soft = compare(steps, results["ref"], results["cand"])
        for i, step, r, c in soft:
            print(f"WARNING (soft difference){format_mismatch(i, step, r, c, ref_name, cand_name)}",
                  file=sys.stderr)
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
