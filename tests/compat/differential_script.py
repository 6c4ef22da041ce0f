"""The scripted request sequence of the differential wire test (differential_test.py).

A script is a flat list of `Step`s built by one function per topic. Each step names the
session that performs it (sessions are opened by `connect` steps and keep their names, e.g.
"A" writes, "B" watches), the kind of action and its arguments. The runner executes steps in
order against one server; nothing here does I/O.

Rules for adding steps, so that both servers must produce identical outcomes:
* nothing may depend on timing, except inside `wait_gone` / `sleep` steps (container and TTL
  cleanup): short-TTL nodes and containers that lost their last child only appear there;
* avoid behaviour that differs between ZooKeeper 3.8.0 (Debian, the reference) and 3.8.4+:
  exists() on an existing node without READ, events for nodes the watcher cannot READ,
  create2 inside multi, and a bare check (13) frame;
* a step that makes the server close the connection sets expect_close=True, so the runner
  waits for the close and the next steps do not use that session.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import jute  # noqa: E402
from jute import ACL, OP  # noqa: E402

ALICE = jute.digest_id("alice", "secret")
BOB = jute.digest_id("bob", "pw")
OPEN = jute.OPEN_ACL_UNSAFE
ALICE_ALL = [ACL(jute.PERM_ALL, "digest", ALICE)]
LONG_TTL = 3600 * 1000


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
        parts = [render_arg(a) for a in self.args]
        parts += [f"{k}={render_arg(v)}" for k, v in self.kwargs.items()]
        text = f"{self.session or '-'}: {self.kind} {self.method or ''}({', '.join(parts)})"
        return text if len(text) <= 160 else text[:157] + "..."


def render_arg(arg):
    """Readable form of a step argument; multi sub-ops show as `create(/path)`."""
    if isinstance(arg, list) and arg and all(isinstance(a, tuple) and len(a) == 2
                                             and isinstance(a[1], bytes) for a in arg):
        return "[" + ", ".join(render_sub_op(op, body) for op, body in arg) + "]"
    if isinstance(arg, list) and arg and all(isinstance(a, ACL) for a in arg):
        return "[" + ", ".join(f"{a.scheme}:{a.id}:{a.perms}" for a in arg) + "]"
    return repr(arg)


def render_sub_op(opcode, body):
    try:
        path = jute.Decoder(body).ustring()
    except jute.DecodeError:
        path = "?"
    return f"{jute.OP_NAME.get(opcode, opcode)}({path})"


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
