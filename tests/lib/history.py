"""A history of client operations against an ensemble, and the checks run over it at the end.

tests/fault/history_test.py records every operation its clients make while a nemesis injects
faults, then reads the final state from every member; this module holds that record and judges
it. It does no I/O (apart from dump/load) and knows nothing of kazoo or processes, so each check
can be proved, on hand-made histories, to fail when it should (tests/fault/history_checker_test.py).

The record:

  Op          one client operation: who (client, session), what (kind, path, values), when
              (invoke_s, complete_s: seconds since the run started) and how it ended (outcome):
                ok       the server acknowledged it;
                fail     the server answered a definite error (BADVERSION, NODEEXISTS, ...): the
                         operation did not take effect;
                unknown  no answer that says (connection loss, session expired, timeout): it
                         may or may not have taken effect.
              Kinds and their fields:
                read       path=/reg; ok: version and value (the data) read
                cas        path=/reg, value=the token written, expected_version=the version its
                           get read; ok: version = the version the set produced
                create     path=/h/<client>-<n>
                fifo       path=the parent /fifo/<client>, counter=the client's counter (also the
                           node's data); ok: created = the sequential path the server named
                ephemeral  path=/m/<client>-<session hex> (the session's marker, made first) or
                           /e/<client>-<session hex>-<n>: ephemerals named after their session
                observe    path=/m; ok: value = the names of /m's children (the markers of live
                           sessions), comma-separated, read after a sync by an observer client
  Event       a nemesis step (time_s, kind, text); kinds of injected faults are FAULT_KINDS:
              kill -9 of one member, of the leader, of two members; SIGSTOP of the leader; one
              member cut off from everybody (partition-one) or from the other members only,
              its clients still reaching it (partition-peers)
  SessionRecord  one session a client had: whether the client saw it expire (lost), whether it
              was live for its client at the end (live_at_end), and each time its client lost
              the connection and got the same session back (reattaches: [lost_s, back_s])
  MemberState what one member holds at the end, read from it alone after a sync
  History     all of the above, plus each member's tree digest

The checks (CHECKS; each returns Violations, which name the check, the client, and carry an
excerpt of the history around the operations involved):

  creates            every acknowledged create is on every member; no create that failed
                     definitely is on any; nothing under /h that nobody tried to create
  register           the final version of /reg lies in [ok CAS, ok + unknown CAS] and its
                     final data is the token of an ok or unknown CAS (or the initial data at
                     version 0)
  register-values    every observation of a version of /reg (reads, ok CAS, final state)
                     carries the same data, each token is seen at one version only, and every
                     data seen is the token of an ok or unknown CAS
  monotonic-reads    within one session, no read of /reg returns a version older than one the
                     session read or wrote before (ops of a client run one after another)
  fifo               per client, its /fifo nodes ordered by czxid carry strictly increasing
                     counters (writes applied in the order sent); no node of a write that failed
                     definitely exists; every acknowledged write is present at the path named
  sessions           a session live for its client at the end still owns every ephemeral it
                     created with an acknowledgement; a session the client saw expire (before
                     the member's state was read) owns none;
                     every ephemeral is owned by the session named in its path, which is known,
                     and none whose create failed definitely exists
  session-reattach   no session gets reattached by a connection lost after an observer saw
                     the session's marker gone (its close was committed: ZooKeeper refuses such
                     a reattach with SESSIONEXPIRED)
  digests            all members hold the same tree
"""

import collections
import dataclasses
import json
from dataclasses import dataclass, field

OK, FAIL, UNKNOWN = "ok", "fail", "unknown"
OUTCOMES = (OK, FAIL, UNKNOWN)
KINDS = ("cas", "read", "create", "fifo", "ephemeral", "observe")
FAULT_KINDS = ("kill9-one", "kill9-leader", "kill9-two", "sigstop-leader", "partition-one",
               "partition-peers")
REGISTER = "/reg"
REGISTER_INITIAL = "init"
MARKERS = "/m"
EXCERPT_BEFORE = 6
EXCERPT_AFTER = 3
EXCERPT_EVENTS_BEFORE_S = 3.0
REPORT_PER_CHECK_MAX = 5


@dataclass(slots=True)  # a long run holds hundreds of thousands
class Op:
    client: str
    session: int | None
    kind: str
    invoke_s: float
    complete_s: float
    outcome: str
    error: str = ""
    path: str = ""
    value: str | None = None
    version: int | None = None
    expected_version: int | None = None
    counter: int | None = None
    created: str | None = None

    def __post_init__(self):
        assert self.kind in KINDS, self.kind
        assert self.outcome in OUTCOMES, self.outcome
        assert self.complete_s >= self.invoke_s, (self.invoke_s, self.complete_s)

    def describe(self):
        """One line: times, client, session, the operation and its outcome."""
        sid = f"{self.session:#x}" if self.session else "-"
        head = f"t={self.invoke_s:8.3f}..{self.complete_s:8.3f} {self.client} s={sid}"
        end = self.outcome + (f" ({self.error})" if self.error else "")
        if self.kind == "read":
            what = f"read {self.path}"
            if self.outcome == OK:
                end += f" v={self.version} {self.value!r}"
        elif self.kind == "cas":
            what = f"cas {self.path} if v={self.expected_version} set {self.value!r}"
            if self.outcome == OK:
                end += f" v={self.version}"
        elif self.kind == "observe":
            what = f"observe {self.path}"
            if self.outcome == OK:
                end += f" [{self.value}]"
        elif self.kind == "fifo":
            what = f"fifo {self.path}/n- #{self.counter}"
            if self.created:
                end += f" {self.created}"
        else:
            what = f"{self.kind} {self.path}"
        return f"{head} {what} -> {end}"


@dataclass
class Event:
    time_s: float
    kind: str
    text: str

    def describe(self):
        return f"t={self.time_s:8.3f} nemesis {self.kind}: {self.text}"


@dataclass
class SessionRecord:
    client: str
    session: int
    lost: bool = False
    live_at_end: bool = False
    start_s: float | None = None  # when the client first saw it connected
    lost_s: float | None = None  # when the client saw it expire
    reattaches: list = field(default_factory=list)  # [connection lost at, session back at]

    def describe(self):
        end = (f"lost at {_t(self.lost_s)}" if self.lost else
               "live at the end" if self.live_at_end else "neither lost nor live at the end")
        return f"{self.client} session {self.session:#x}: from {_t(self.start_s)}, {end}"


def _t(time_s):
    return "t=?" if time_s is None else f"t={time_s:.3f}"


@dataclass
class FifoNode:
    czxid: int
    path: str
    counter: int | None  # None if the data is not a counter


@dataclass
class MemberState:
    member: int
    creates: list = field(default_factory=list)  # paths under /h
    register: tuple = (None, None)  # (version, data)
    fifo: dict = field(default_factory=dict)  # client -> [FifoNode] (any order)
    ephemerals: dict = field(default_factory=dict)  # path under /e or /m -> ephemeralOwner
    read_s: float | None = None  # when the read began (before its sync)


@dataclass
class History:
    seed: int
    ops: list = field(default_factory=list)
    events: list = field(default_factory=list)
    sessions: list = field(default_factory=list)
    states: dict = field(default_factory=dict)  # member id -> MemberState
    digests: dict = field(default_factory=dict)  # member id -> digest
    duration_s: float = 0.0


@dataclass
class Violation:
    check: str
    client: str | None
    message: str
    excerpt: list = field(default_factory=list)
    members: list = field(default_factory=list)

    def key(self):
        return (self.check, self.client, self.message)

    def format(self):
        who = f" client {self.client}" if self.client else ""
        where = f" (members {','.join(map(str, self.members))})" if self.members else ""
        lines = [f"VIOLATION [{self.check}]{who}{where}: {self.message}"]
        lines += ["    " + line for line in self.excerpt]
        return "\n".join(lines)


# ---- excerpts


class Excerpts:
    """Builds the history excerpt shown with a violation: the ops of one client around the
    ops involved (marked >>), and the nemesis steps from a little before to the end."""

    def __init__(self, history):
        self.events = sorted(history.events, key=lambda e: e.time_s)
        self.by_client = collections.defaultdict(list)
        for op in sorted(history.ops, key=lambda o: (o.invoke_s, o.complete_s)):
            self.by_client[op.client].append(op)
        self.index = {id(op): i for ops in self.by_client.values() for i, op in enumerate(ops)}

    def around(self, focus, before=EXCERPT_BEFORE, after=EXCERPT_AFTER):
        """Lines for the given ops (None entries are skipped), client by client."""
        focus = [op for op in focus if op is not None]
        lines = []
        for client in dict.fromkeys(op.client for op in focus):
            lines += self._around_client(client, [op for op in focus if op.client == client],
                                         before, after)
        return lines

    def around_time(self, client, time_s, before=EXCERPT_BEFORE, after=EXCERPT_AFTER):
        """Lines for the ops of `client` around time_s (the first one invoked then or later is
        marked)."""
        ops = self.by_client[client]
        later = [op for op in ops if op.invoke_s >= time_s]
        if later:
            return self._around_client(client, [later[0]], before, after)
        return self._around_client(client, ops[-1:], before, 0) if ops else []

    def _around_client(self, client, focus, before, after):
        ops = self.by_client[client]
        marked = {id(op) for op in focus}
        picked = set()
        for op in focus:
            i = self.index[id(op)]
            picked.update(range(max(0, i - before), min(len(ops), i + after + 1)))
        rows = []
        last = None
        for i in sorted(picked):
            if last is not None and i != last + 1:
                rows.append((ops[i].invoke_s, "    ..."))
            mark = ">> " if id(ops[i]) in marked else "   "
            rows.append((ops[i].invoke_s, mark + ops[i].describe()))
            last = i
        start = min(ops[i].invoke_s for i in picked) - EXCERPT_EVENTS_BEFORE_S
        end = max(ops[i].complete_s for i in picked)
        rows += [(e.time_s, "   " + e.describe()) for e in self.events if start <= e.time_s <= end]
        rows.sort(key=lambda r: r[0])
        return [text for _, text in rows]


def _per_member(history, check_one):
    """Runs check_one(state) for every member and merges equal violations across members."""
    merged = {}
    for member_id in sorted(history.states):
        for v in check_one(history.states[member_id]):
            merged.setdefault(v.key(), v).members.append(member_id)
    return list(merged.values())


def _by_kind(history, kind):
    return [op for op in history.ops if op.kind == kind]


# ---- creates


def check_creates(history, ex):
    creates = _by_kind(history, "create")
    tried = {op.path: op for op in creates}

    def one(state):
        present = set(state.creates)
        out = []
        for op in creates:
            if op.outcome == OK and op.path not in present:
                out.append(Violation("creates", op.client, f"acknowledged create {op.path} is "
                                     "missing", ex.around([op])))
            if op.outcome == FAIL and op.path in present:
                out.append(Violation("creates", op.client, f"create {op.path} failed "
                                     f"({op.error}) yet the node exists", ex.around([op])))
        for path in sorted(present - set(tried)):
            out.append(Violation("creates", None, f"{path} exists but nobody created it"))
        return out

    return _per_member(history, one)


# ---- the register


def _cas_tokens(history):
    """token -> the CAS op that wrote it, for CAS ops that were ok or unknown."""
    return {op.value: op for op in _by_kind(history, "cas") if op.outcome in (OK, UNKNOWN)}


def check_register(history, ex):
    cas = _by_kind(history, "cas")
    n_ok = sum(op.outcome == OK for op in cas)
    n_unknown = sum(op.outcome == UNKNOWN for op in cas)
    tokens = _cas_tokens(history)
    failed = {op.value: op for op in cas if op.outcome == FAIL}

    def one(state):
        version, data = state.register
        out = []
        if version is None or not n_ok <= version <= n_ok + n_unknown:
            out.append(Violation("register", None, f"final version of {REGISTER} is {version}, "
                                 f"outside [ok CAS {n_ok}, ok + unknown CAS "
                                 f"{n_ok + n_unknown}]"))
        if data in tokens or (data == REGISTER_INITIAL and version == 0):
            return out
        op = failed.get(data)
        why = f"of a CAS that failed ({op.error})" if op else "that no CAS wrote"
        out.append(Violation("register", op.client if op else None, f"final data of {REGISTER} "
                             f"is {data!r} (v={version}), a token {why}", ex.around([op])))
        return out

    return _per_member(history, one)


def check_register_values(history, ex):
    """Each version of the register seen anywhere carries one data, written by an ok/unknown CAS."""
    seen = collections.defaultdict(dict)  # version -> data -> first op (None: a member's state)
    for op in history.ops:
        if op.outcome == OK and op.kind in ("read", "cas"):
            seen[op.version].setdefault(op.value, op)
    for state in history.states.values():
        version, data = state.register
        seen[version].setdefault(data, None)
    tokens = _cas_tokens(history)
    failed = {op.value: op for op in _by_kind(history, "cas") if op.outcome == FAIL}
    out = []
    versions_of = collections.defaultdict(dict)  # data -> version -> first op
    for version, datas in seen.items():
        for data, op in datas.items():
            versions_of[data].setdefault(version, op)
    for data, versions in versions_of.items():
        if len(versions) > 1:  # each token is written by one set, so it has one version
            ops = [op for op in versions.values() if op is not None]
            shown = ", ".join(str(v) for v in sorted(versions, key=lambda v: (v is None, v)))
            out.append(Violation("register-values", ops[0].client if ops else None,
                                 f"token {data!r} of {REGISTER} seen at versions {shown}",
                                 [line for op in ops[:2] for line in ex.around([op])]))
    for version in sorted(seen, key=lambda v: (v is None, v)):
        datas = seen[version]
        if len(datas) > 1:
            ops = [op for op in datas.values() if op is not None]
            shown = ", ".join(f"{d!r} ({op.client} {op.kind} at t={op.invoke_s:.3f})" if op
                              else f"{d!r} (a member's final state)" for d, op in datas.items())
            out.append(Violation("register-values", ops[0].client if ops else None,
                                 f"version {version} of {REGISTER} seen with different data: "
                                 f"{shown}", [line for op in ops[:2] for line in ex.around([op])]))
        for data, op in datas.items():
            if data in tokens or (data == REGISTER_INITIAL and version == 0):
                continue
            writer = failed.get(data)
            why = f"of a CAS that failed ({writer.error})" if writer else "that no CAS wrote"
            reader = f"read by {op.client}" if op else "in a member's final state"
            out.append(Violation("register-values", op.client if op else None,
                                 f"{REGISTER} v={version} data {data!r} {reader} is a token "
                                 f"{why}", ex.around([op]) + ex.around([writer])))
    return out


# ---- monotonic reads


def check_monotonic_reads(history, ex):
    sessions = collections.defaultdict(list)
    for op in history.ops:
        if op.kind in ("read", "cas") and op.session is not None:
            sessions[(op.client, op.session)].append(op)
    out = []
    for (client, session), ops in sorted(sessions.items()):
        ops.sort(key=lambda o: o.invoke_s)
        high = None  # the ok op that saw or wrote the highest version so far
        for op in ops:
            if op.outcome != OK:
                continue
            if op.kind == "read" and high is not None and op.version < high.version:
                seen = "wrote" if high.kind == "cas" else "read"
                out.append(Violation("monotonic-reads", client, f"session {session:#x} read "
                                     f"{REGISTER} v={op.version} at t={op.invoke_s:.3f} after it "
                                     f"{seen} v={high.version} at t={high.invoke_s:.3f}",
                                     ex.around([high, op])))
            if high is None or op.version > high.version:
                high = op
    return out


# ---- FIFO per session


def check_fifo(history, ex):
    writes = collections.defaultdict(dict)  # client -> counter -> op
    for op in _by_kind(history, "fifo"):
        assert op.counter not in writes[op.client], f"counter {op.counter} sent twice"
        writes[op.client][op.counter] = op
    return _per_member(history, lambda state: _check_fifo_member(state, writes, ex))


def _check_fifo_member(state, writes, ex):
    out = []
    for client in sorted(set(writes) | set(state.fifo)):
        sent = writes.get(client, {})
        nodes = sorted(state.fifo.get(client, []), key=lambda n: n.czxid)
        by_path = {n.path: n for n in nodes}
        for prev, node in zip(nodes, nodes[1:]):
            if node.counter is None or prev.counter is None or node.counter > prev.counter:
                continue
            a, b = sent.get(prev.counter), sent.get(node.counter)
            applied = [_czxid_neighbourhood(nodes, prev)]
            if node.counter == prev.counter:
                out.append(Violation("fifo", client, f"write #{node.counter} was applied twice: "
                                     f"{prev.path} (czxid {prev.czxid:#x}) and {node.path} "
                                     f"(czxid {node.czxid:#x})", applied + ex.around([a])))
                continue
            out.append(Violation("fifo", client, f"{node.path} (#{node.counter}, czxid "
                                 f"{node.czxid:#x}) was applied after {prev.path} "
                                 f"(#{prev.counter}, czxid {prev.czxid:#x}) but sent before "
                                 f"it{_sessions_note(a, b)}", applied + ex.around([b, a])))
        for node in nodes:
            op = sent.get(node.counter)
            if node.counter is None:
                out.append(Violation("fifo", client, f"{node.path} carries data that is not a "
                                     "counter"))
            elif op is None:
                out.append(Violation("fifo", client, f"{node.path} carries #{node.counter}, "
                                     "which this client never sent"))
            elif op.outcome == FAIL:
                out.append(Violation("fifo", client, f"write #{op.counter} failed "
                                     f"({op.error}) yet its node {node.path} exists",
                                     ex.around([op])))
        for op in sent.values():
            if op.outcome != OK:
                continue
            node = by_path.get(op.created)
            if node is None or node.counter != op.counter:
                found = "missing" if node is None else f"carrying #{node.counter}"
                out.append(Violation("fifo", client, f"acknowledged write #{op.counter} "
                                     f"named {op.created}, which is {found}", ex.around([op])))
    return out


def _czxid_neighbourhood(nodes, node, around=3):
    """A line: the counters of the nodes applied just before and after `node`, by czxid."""
    i = nodes.index(node)
    shown = [f"#{n.counter}@{n.czxid:#x}" for n in nodes[max(0, i - around + 1):i + around + 1]]
    return "applied (counter@czxid): " + " ".join(shown)


def _sessions_note(a, b):
    if a is None or b is None:
        return ""
    if a.session == b.session:
        return f", both in session {a.session:#x}" if a.session else ""
    sa = f"{a.session:#x}" if a.session else "-"
    sb = f"{b.session:#x}" if b.session else "-"
    return f" (sessions {sb} and {sa})"


# ---- sessions


def check_sessions(history, ex):
    sessions = {(s.client, s.session): s for s in history.sessions}
    tries = collections.defaultdict(list)  # path -> its create ops (a retry after an unknown)
    for op in _by_kind(history, "ephemeral"):
        tries[op.path].append(op)

    def acked(ops):  # NODEEXISTS on a retry: an earlier try took effect
        return any(op.outcome == OK or op.error == "NodeExistsError" for op in ops)

    def one(state):
        out = []
        for path, ops in tries.items():
            s = sessions.get(ephemeral_session(path))
            owner = state.ephemerals.get(path)
            if s and s.live_at_end and acked(ops) and owner != s.session:
                found = "gone" if owner is None else f"owned by {owner:#x}"
                out.append(Violation("sessions", s.client, f"session {s.session:#x} is live "
                                     f"for its client at the end, yet its acknowledged "
                                     f"ephemeral {path} is {found}",
                                     [s.describe()] + ex.around(ops)))
        for path, owner in sorted(state.ephemerals.items()):
            out += _check_ephemeral(path, owner, sessions, tries.get(path, []), state.read_s, ex)
        return out

    return _per_member(history, one)


def _check_ephemeral(path, owner, sessions, ops, read_s, ex):
    """Violations of one ephemeral present on a member whose read began at read_s."""
    client, session = ephemeral_session(path)
    s = sessions.get((client, session))
    if not ops or s is None:
        return [Violation("sessions", None, f"ephemeral {path} (owner {owner:#x}) belongs to "
                          "no known session, or was never created")]
    if owner != session:
        return [Violation("sessions", client, f"ephemeral {path}, created by session "
                          f"{session:#x}, is owned by {owner:#x}", ex.around(ops))]
    # A session its client saw expire only after the member's state was read may show there.
    if s.lost and (read_s is None or s.lost_s is None or s.lost_s <= read_s):
        return [Violation("sessions", client, f"session {session:#x} expired (the client saw it "
                          f"lost), yet its ephemeral {path} is still there",
                          [s.describe()] + ex.around(ops))]
    if all(op.outcome == FAIL and op.error != "NodeExistsError" for op in ops):
        return [Violation("sessions", client, f"ephemeral {path} exists though its create "
                          f"failed ({ops[-1].error})", ex.around(ops))]
    return []


def marker_path(client, session):
    return f"{MARKERS}/{client}-{session:x}"


def ephemeral_path(client, session, n):
    return f"/e/{client}-{session:x}-{n:06d}"


def ephemeral_session(path):
    """(client, session id) named in an ephemeral's path, (None, None) if it names none."""
    parts = path.rsplit("/", 1)[-1].split("-")
    try:
        return parts[0], int(parts[1], 16)
    except (IndexError, ValueError):
        return None, None


# ---- reattaching an expired session


def check_session_reattach(history, ex):
    """A marker seen gone by a synced read (and never seen again) means the session's close was
    committed by then; a connection of the session lost after that must not get it back."""
    observed = sorted((op for op in _by_kind(history, "observe") if op.outcome == OK),
                      key=lambda op: op.invoke_s)
    acked = {}  # marker path -> when its create was first acknowledged
    for op in _by_kind(history, "ephemeral"):
        if op.path.startswith(MARKERS + "/") and op.outcome == OK:
            acked[op.path] = min(acked.get(op.path, op.complete_s), op.complete_s)
    out = []
    for s in history.sessions:
        path = marker_path(s.client, s.session)
        if path not in acked or not s.reattaches:
            continue
        name = path.rsplit("/", 1)[1]
        # Gone: missing from a read begun after its create was acknowledged and after every
        # read that still had it ended (a stale read cannot fake it: it would show it later).
        seen = [op.complete_s for op in observed if name in op.value.split(",")]
        since = max([acked[path]] + seen)
        gone = next((op for op in observed if op.invoke_s > since), None)
        if gone is None:
            continue
        for lost_s, back_s in s.reattaches:
            if lost_s > gone.complete_s:
                out.append(Violation("session-reattach", s.client, f"session {s.session:#x} "
                                     f"got its session back at t={back_s:.3f} on a connection "
                                     f"lost at t={lost_s:.3f}, after its marker {path} was seen "
                                     f"gone at t={gone.complete_s:.3f} (the session had expired)",
                                     [s.describe()] + ex.around([gone], before=1, after=1) +
                                     ex.around_time(s.client, back_s)))
                break
    return out


# ---- digests


def check_digests(history, ex):
    if len(set(history.digests.values())) <= 1:
        return []
    shown = ", ".join(f"member {i}: {d[:12]}" for i, d in sorted(history.digests.items()))
    return [Violation("digests", None, f"members hold different trees: {shown}")]


CHECKS = {
    "creates": check_creates,
    "register": check_register,
    "register-values": check_register_values,
    "monotonic-reads": check_monotonic_reads,
    "fifo": check_fifo,
    "sessions": check_sessions,
    "session-reattach": check_session_reattach,
    "digests": check_digests,
}


def check_all(history):
    """Every check over the history; a list of Violations (empty: the history is valid)."""
    ex = Excerpts(history)
    return [v for check in CHECKS.values() for v in check(history, ex)]


def format_violations(violations, per_check_max=REPORT_PER_CHECK_MAX):
    """Readable text: per check, how many violations and the first few in full."""
    by_check = collections.defaultdict(list)
    for v in violations:
        by_check[v.check].append(v)
    parts = []
    for check, vs in by_check.items():
        parts.append(f"== check {check}: {len(vs)} violation(s)")
        parts += [v.format() for v in vs[:per_check_max]]
        if len(vs) > per_check_max:
            parts.append(f"   ... and {len(vs) - per_check_max} more")
    return "\n".join(parts)


# ---- figures


def figures(history, violations=()):
    """The run's figures as a dict (for the RESULT line and the JSON report)."""
    faults = collections.Counter(e.kind for e in history.events if e.kind in FAULT_KINDS)
    ops = {kind: dict.fromkeys(OUTCOMES, 0) for kind in KINDS}
    for op in history.ops:
        ops[op.kind][op.outcome] += 1
    failed_checks = collections.Counter(v.check for v in violations)
    return {
        "seed": history.seed,
        "duration_s": round(history.duration_s, 1),
        "faults": {kind: faults.get(kind, 0) for kind in FAULT_KINDS},
        "ops": ops,
        "ops_total": len(history.ops),
        "unknown": sum(op.outcome == UNKNOWN for op in history.ops),
        "sessions": len(history.sessions),
        "sessions_lost": sum(s.lost for s in history.sessions),
        "violations": dict(failed_checks),
    }


def figures_line(fig):
    faults = " ".join(f"{k}={v}" for k, v in fig["faults"].items())
    ops = " ".join(f"{k}={v[OK]}/{v[FAIL]}/{v[UNKNOWN]}" for k, v in fig["ops"].items())
    bad = " ".join(f"{k}={v}" for k, v in fig["violations"].items()) or "none"
    return (f"RESULT history seed={fig['seed']} duration_s={fig['duration_s']} "
            f"faults[{faults}] ops(ok/fail/unknown)[{ops}] ops_total={fig['ops_total']} "
            f"unknown={fig['unknown']} sessions={fig['sessions']} "
            f"sessions_lost={fig['sessions_lost']} violations[{bad}]")


# ---- persistence


def dump(history, path):
    """Writes the history as JSON (one object), readable again by load()."""
    with open(path, "w") as f:
        json.dump(dataclasses.asdict(history), f)


def load(path):
    """The History dump() wrote (fields it no longer knows are dropped)."""
    with open(path) as f:
        raw = json.load(f)
    states = {}
    for member_id, s in raw["states"].items():
        fifo = {c: [_make(FifoNode, n) for n in nodes] for c, nodes in s["fifo"].items()}
        states[int(member_id)] = MemberState(s["member"], s["creates"], tuple(s["register"]),
                                             fifo, s["ephemerals"], s.get("read_s"))
    return History(raw["seed"], [_make(Op, o) for o in raw["ops"]],
                   [_make(Event, e) for e in raw["events"]],
                   [_make(SessionRecord, s) for s in raw["sessions"]], states,
                   {int(k): v for k, v in raw["digests"].items()}, raw["duration_s"])


def _make(cls, raw):
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in raw.items() if k in names})
