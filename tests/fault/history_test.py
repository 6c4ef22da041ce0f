#!/usr/bin/python3
"""Jepsen-style history check: clients record every operation while a nemesis crashes, pauses and
partitions members; at the end the history must be explainable by a correct ZooKeeper.

Proves, for a 3-member ensemble of real paddock-server processes (each member in a network
namespace of its own behind a bridge, tests/lib/netns.py, inside the test's own unshare'd
namespaces), under kill -9 of one member, of the leader, of two members at once, SIGSTOP of the
leader, and partitions cutting one member (sometimes the leader) off everybody, or off the other
members only while its clients still reach it:

* an acknowledged create is on every member, and a create that failed is on none;
* the CAS register /reg ends at a version between the number of acknowledged CAS and that plus
  the CAS of unknown outcome, holding the token of one of those; every version of it anyone saw
  carries one data, written by such a CAS;
* reads are monotonic within a session: no read returns a version of /reg older than one the
  session read or wrote before;
* FIFO client order: each client's pipelined sequential creates are applied in the order sent
  (their nodes ordered by czxid carry increasing counters), and none that failed exists;
* sessions: a session its client still holds at the end still owns every ephemeral it created
  with an acknowledgement, and one the client saw expire owns none; and no session comes back
  on a reconnect after the observer saw its marker gone (it had expired);
* all members hold the same tree (digest).

How: CLIENTS kazoo clients, each in a thread with its own session and a connection string
listing every member, loop over a seeded mix of operations (paced, and bounded in count):
get + set(version=) of /reg with a unique increasing token per client; unique creates
/h/<client>-<n>; reads of /reg; and batches of 3-6 sequential creates /fifo/<client>/n- sent
without waiting (data = the client's counter); and ephemerals /e/<client>-<session>-<n>. Each
session first creates its marker ephemeral /m/<client>-<session>. Three clients have 5 s
sessions, two 2 s ones that expire during some faults. An observer client, with a session of its
own, reads /m after a sync ten times a second, and each client notes when its connection was lost
and its session came back on another. Every operation is recorded with its invoke and completion times and its
outcome: ok, fail (a definite error such as BADVERSION or NODEEXISTS) or unknown (connection
loss, session expired, no answer within OP_TIMEOUT_S). The nemesis, from the same seed, injects
one fault at a time, holds it for a few seconds, heals it, waits until every member serves
again and lets the clients work in quiet for a gap before the next. Then the clients stop, every
member's state is read from that member alone after a sync, and tests/lib/history.py checks it
all (its own unit test, fault/history_checker_test.py, shows every check failing).

Usage:
    PADDOCK_SERVER=build/bin/paddock-server /usr/bin/python3 tests/fault/history_test.py
        CI mode: 75 s of faults, a random seed (printed first, and with any failure).
    ... history_test.py --duration 900 --seed 1234 --report run.json --history history.json
        a long run, a replayed seed (the faults and the operation mix follow the seed; thread
        timing does not), figures as JSON, the whole history as JSON (tests/lib/history.load).
Prints one RESULT line with the figures. Exit code 0 means every check held. Needs root,
iproute2 and unshare (skipped otherwise).
"""

import argparse
import json
import logging
import random
import shutil
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lib"))
import history as h  # noqa: E402
import netns  # noqa: E402
import zkservers  # noqa: E402
from ensemble import Ensemble  # noqa: E402
from history import FAIL, OK, UNKNOWN, FifoNode, MemberState, Op, SessionRecord  # noqa: E402

from kazoo.client import KazooClient, KazooState  # noqa: E402
from kazoo.exceptions import (ConnectionLoss, NoNodeError, OperationTimeoutError,  # noqa
                              SessionExpiredError, ZookeeperError)
from kazoo.handlers.threading import KazooTimeoutError  # noqa: E402

SIZE = 3
TICK_MS = 500
CLIENTS = 5
CI_DURATION_S = 75.0
# Per client: most ride through faults; the short ones expire during some, so that sessions are
# lost, renewed and reattached (1 s is the shortest tickTime 500 allows).
SESSION_TIMEOUTS_S = (5.0, 5.0, 5.0, 2.0, 2.0)
OP_TIMEOUT_S = 10.0
CONNECTION_RETRY = {"max_tries": -1, "delay": 0.05, "backoff": 1.5, "max_delay": 1.0,
                    "max_jitter": 0.1}
WEIGHTS = {"cas": 3, "read": 3, "create": 2, "fifo": 2, "ephemeral": 1}
FIFO_IN_FLIGHT = (3, 6)
PAUSE_S = (0.01, 0.03)
OPS_MAX_PER_CLIENT = 100_000
# Nodes (creates, FIFO nodes, ephemerals) per client over the whole run, so that the final reads
# and digests stay short. Each node-making kind has its share of them, earned as credit at
# share * NODES_MAX_PER_CLIENT / (duration + NODES_TAIL_S) per second and held up to
# share * NODES_CREDIT_MAX (a CI run is not slowed by it; a long one spreads its nodes over its
# duration, and cheap kinds cannot starve the FIFO bursts). A kind without credit is not picked.
NODES_MAX_PER_CLIENT = 5_000
NODE_SHARES = {"fifo": 0.6, "create": 0.25, "ephemeral": 0.15}
NODES_TAIL_S = 30.0
NODES_CREDIT_MAX = 100.0
WARMUP_S = 3.0
GAP_S = (2.0, 4.0)
HOLD_S = {"kill9-one": (1.0, 3.0), "kill9-leader": (1.0, 3.0), "kill9-two": (1.0, 3.0),
          "sigstop-leader": (2.0, 6.0), "partition-one": (3.0, 8.0),
          "partition-peers": (3.0, 8.0)}
RECOVER_S = 30.0
SETTLE_S = 30.0
READ_STATE_TIMEOUT_S = 20.0
OBSERVE_EVERY_S = 0.1
UNKNOWN_ERRORS = (ConnectionLoss, SessionExpiredError, OperationTimeoutError, KazooTimeoutError)


class Recorder:
    """The run's clock and its history: operations and nemesis events, from any thread."""

    def __init__(self, seed):
        self.t0 = time.monotonic()
        self.lock = threading.Lock()
        self.history = h.History(seed=seed)

    def now(self):
        return time.monotonic() - self.t0

    def op(self, op):
        with self.lock:
            self.history.ops.append(op)

    def event(self, kind, text):
        e = h.Event(self.now(), kind, text)
        with self.lock:
            self.history.events.append(e)
        print(e.describe(), flush=True)


def wait_result(async_result):
    """(outcome, value, error name) of one kazoo request, waiting at most OP_TIMEOUT_S."""
    try:
        return OK, async_result.get(timeout=OP_TIMEOUT_S), ""
    except KazooTimeoutError:
        return UNKNOWN, None, "no answer in time"
    except UNKNOWN_ERRORS as e:
        return UNKNOWN, None, type(e).__name__
    except ZookeeperError as e:
        return FAIL, None, type(e).__name__


class Worker(threading.Thread):
    """One client: its own kazoo session (a new one if it expires) and a seeded operation mix."""

    def __init__(self, index, hosts, seed, duration_s, rec):
        super().__init__(daemon=True, name=f"c{index}")
        self.client_name = f"c{index}"
        self.rng = random.Random(f"{seed}-c{index}")
        self.rec = rec
        self.session_timeout_s = SESSION_TIMEOUTS_S[(index - 1) % len(SESSION_TIMEOUTS_S)]
        self.zk = KazooClient(hosts=hosts, timeout=self.session_timeout_s,
                              randomize_hosts=False, connection_retry=dict(CONNECTION_RETRY))
        self.zk.add_listener(self._on_state)
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.sessions = {}  # session id -> SessionRecord
        self.epoch = 0  # bumped when a session is lost: ops across it belong to no session
        self.suspended = None  # (session, when) while the connection is lost
        self.closing = False
        self.marked = None  # the session whose marker ephemeral is settled
        self.settled = None  # (session, epoch) live once the run ended
        self.n_ops = self.n_nodes = self.n_creates = self.n_cas = self.fifo_counter = 0
        self.n_ephemerals = 0
        self.node_rate = NODES_MAX_PER_CLIENT / (duration_s + NODES_TAIL_S)
        self.node_credit = {k: share * NODES_CREDIT_MAX for k, share in NODE_SHARES.items()}
        self.credited_at = time.monotonic()

    # ---- sessions

    def _on_state(self, state):
        """Kazoo calls this from its connection thread, before it forgets a lost session."""
        sid = self.zk._session_id
        now = self.rec.now()
        with self.lock:
            if state == KazooState.SUSPENDED:
                self.suspended = (sid, now)
            elif state == KazooState.CONNECTED and sid:
                record = self._session(sid)
                if self.suspended and self.suspended[0] == sid:  # the same session back
                    record.reattaches.append([self.suspended[1], now])
                self.suspended = None
            elif state == KazooState.LOST and not self.closing:
                self.epoch += 1
                self.suspended = None
                if sid:
                    record = self._session(sid)
                    record.lost, record.lost_s = True, now

    def _session(self, sid):
        """The record of session sid, made when first seen. REQUIRES: self.lock held."""
        if sid not in self.sessions:
            self.sessions[sid] = SessionRecord(self.client_name, sid, start_s=self.rec.now())
        return self.sessions[sid]

    def _current(self):
        with self.lock:
            return self.zk._session_id if self.zk.connected else None, self.epoch

    def mark_session(self):
        """Creates this session's marker ephemeral; settled once acknowledged or refused."""
        sid, epoch = self._current()
        if sid is None:
            return
        path = h.marker_path(self.client_name, sid)
        outcome, _, error, op = self.call("ephemeral", path, epoch,
                                          lambda: self.zk.create_async(path, b"", ephemeral=True))
        self.rec.op(op)
        if outcome == UNKNOWN:
            return  # tried again next turn; NODEEXISTS then means this one took effect
        with self.lock:
            if self.epoch == epoch and self.zk._session_id == sid:
                self.marked = sid

    # ---- operations

    def call(self, kind, path, epoch, send, **fields):
        """Sends one request and waits for it; returns (outcome, value, error, the Op), the Op
        for the caller to complete and record."""
        sid = self._current()[0]
        invoke_s = self.rec.now()
        outcome, value, error = wait_result(send())
        complete_s = self.rec.now()
        if self._current()[1] != epoch:
            sid = None  # a session was lost meanwhile: which one answered is not certain
        op = Op(self.client_name, sid, kind, invoke_s, complete_s, outcome, error, path,
                **fields)
        self.n_ops += 1
        return outcome, value, error, op

    def read(self):
        epoch = self._current()[1]
        outcome, value, error, op = self.call("read", h.REGISTER, epoch,
                                              lambda: self.zk.get_async(h.REGISTER))
        if outcome == OK:
            op.value, op.version = value[0].decode(), value[1].version
        self.rec.op(op)
        return op

    def do_read(self):
        self.read()

    def do_cas(self):
        got = self.read()
        if got.outcome != OK:
            return
        token = f"{self.client_name}-{self.n_cas:06d}"
        self.n_cas += 1
        epoch = self._current()[1]
        outcome, stat, error, op = self.call(
            "cas", h.REGISTER, epoch,
            lambda: self.zk.set_async(h.REGISTER, token.encode(), version=got.version),
            value=token, expected_version=got.version)
        if outcome == OK:
            op.version = stat.version
        self.rec.op(op)

    def do_create(self):
        path = f"/h/{self.client_name}-{self.n_creates:06d}"
        self.n_creates += 1
        self.n_nodes += 1
        self.node_credit["create"] -= 1
        epoch = self._current()[1]
        self.rec.op(self.call("create", path, epoch, lambda: self.zk.create_async(path, b""))[3])

    def do_ephemeral(self):
        sid, epoch = self._current()
        if sid is None:
            return
        path = h.ephemeral_path(self.client_name, sid, self.n_ephemerals)
        self.n_ephemerals += 1
        self.n_nodes += 1
        self.node_credit["ephemeral"] -= 1
        self.rec.op(self.call("ephemeral", path, epoch, lambda: self.zk.create_async(
            path, b"", ephemeral=True))[3])

    def do_fifo(self):
        """Sends a batch of sequential creates without waiting, then collects the answers."""
        parent = f"/fifo/{self.client_name}"
        epoch = self._current()[1]
        sent = []
        for _ in range(self.rng.randint(*FIFO_IN_FLIGHT)):
            counter = self.fifo_counter
            self.fifo_counter += 1
            self.n_nodes += 1
            self.node_credit["fifo"] -= 1
            sid = self._current()[0]
            sent.append((counter, sid, self.rec.now(), self.zk.create_async(
                f"{parent}/n-", str(counter).encode(), sequence=True)))
        for counter, sid, invoke_s, result in sent:
            outcome, created, error = wait_result(result)
            if self._current()[1] != epoch:
                sid = None
            self.n_ops += 1
            self.rec.op(Op(self.client_name, sid, "fifo", invoke_s, self.rec.now(), outcome,
                           error, parent, counter=counter, created=created))

    def pick(self):
        now = time.monotonic()
        for k, share in NODE_SHARES.items():
            self.node_credit[k] = min(share * NODES_CREDIT_MAX, self.node_credit[k] +
                                      (now - self.credited_at) * share * self.node_rate)
        self.credited_at = now
        left = NODES_MAX_PER_CLIENT - self.n_nodes
        kinds = [k for k in WEIGHTS if k not in NODE_SHARES or
                 min(self.node_credit[k], left) >= (FIFO_IN_FLIGHT[1] if k == "fifo" else 1)]
        return self.rng.choices(kinds, [WEIGHTS[k] for k in kinds])[0]

    def run(self):
        while not self.stop_event.is_set() and self.n_ops < OPS_MAX_PER_CLIENT:
            sid, _ = self._current()
            if sid is None:
                time.sleep(0.02)
                continue
            if self.marked != sid:
                self.mark_session()
                continue
            getattr(self, f"do_{self.pick()}")()
            time.sleep(self.rng.uniform(*PAUSE_S))

    # ---- the end

    def settle(self, deadline):
        """After the run: the client serves a request in a session with a settled marker; that
        session is live for its client at the end. Gives up at `deadline` (time.monotonic)."""
        while time.monotonic() < deadline:
            sid, epoch = self._current()
            if sid is None:
                time.sleep(0.05)
                continue
            if self.marked != sid:
                self.mark_session()
                continue
            if self.still_live(sid, epoch):
                self.settled = (sid, epoch)
                return True
        return False

    def still_live(self, sid, epoch):
        outcome = wait_result(self.zk.exists_async("/"))[0]
        with self.lock:
            return outcome == OK and self.epoch == epoch and self.zk._session_id == sid

    def confirm_live_at_end(self):
        """Once the members' states are read: the settled session is live for its client if it
        still gets a request through (else it ended meanwhile and counts as neither)."""
        sid, epoch = self.settled
        self.sessions[sid].live_at_end = self.still_live(sid, epoch)

    def close(self):
        with self.lock:
            self.closing = True
        self.zk.stop()
        self.zk.close()


class Observer(threading.Thread):
    """Its own session, reading which markers /m holds (a sync, then getChildren) every
    OBSERVE_EVERY_S: a marker seen gone dates its session's expiry (session-reattach check)."""

    def __init__(self, hosts, rec):
        super().__init__(daemon=True, name="obs")
        self.rec = rec
        self.zk = KazooClient(hosts=hosts, timeout=10.0, connection_retry=dict(CONNECTION_RETRY))
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.wait(OBSERVE_EVERY_S):
            if not self.zk.connected:
                continue
            sid = self.zk._session_id
            invoke_s = self.rec.now()
            synced = self.zk.sync_async(h.MARKERS)
            listed = self.zk.get_children_async(h.MARKERS)
            outcome, _, error = wait_result(synced)
            if outcome == OK:  # a read without its sync could be stale: it proves nothing
                outcome, names, error = wait_result(listed)
            op = Op("obs", sid, "observe", invoke_s, self.rec.now(), outcome, error, h.MARKERS)
            if outcome == OK:
                op.value = ",".join(sorted(names))
            self.rec.op(op)

    def finish(self):
        self.stop_event.set()
        self.join(OP_TIMEOUT_S * 2 + 1)
        self.zk.stop()
        self.zk.close()


class Nemesis:
    """Injects one fault at a time, from the seed, and heals it; every step is an event."""

    def __init__(self, e, net, rng, rec):
        self.e, self.net, self.rng, self.rec = e, net, rng, rec
        self.kinds = []

    def next_kind(self):
        if not self.kinds:  # every kind once per round, in a seeded order
            self.kinds = list(h.FAULT_KINDS)
            self.rng.shuffle(self.kinds)
        return self.kinds.pop()

    def run(self, until_s):
        time.sleep(WARMUP_S)
        while self.rec.now() < until_s:
            kind = self.next_kind()
            hold_s = self.rng.uniform(*HOLD_S[kind])
            getattr(self, kind.replace("-", "_"))(kind, hold_s)
            self.recover()
            time.sleep(self.rng.uniform(*GAP_S))

    def kill9_one(self, kind, hold_s):
        self.kill([self.rng.choice(self.e.ids)], kind, hold_s)

    def kill9_leader(self, kind, hold_s):
        self.kill([self.e.leader(timeout=RECOVER_S)], kind, hold_s)

    def kill9_two(self, kind, hold_s):
        self.kill(sorted(self.rng.sample(self.e.ids, 2)), kind, hold_s)

    def kill(self, ids, kind, hold_s):
        roles = self.roles()
        for i in ids:
            self.e.members[i].kill9()
        self.rec.event(kind, f"kill -9 {self.names(ids, roles)}, restart in {hold_s:.1f} s")
        time.sleep(hold_s)
        for i in ids:
            self.e.members[i].start()
        self.rec.event("heal", f"restarted {self.names(ids)}")

    def sigstop_leader(self, kind, hold_s):
        leader = self.e.leader(timeout=RECOVER_S)
        self.e.members[leader].sigstop()
        self.rec.event(kind, f"SIGSTOP leader m{leader} for {hold_s:.1f} s")
        time.sleep(hold_s)
        self.e.members[leader].sigcont()
        self.rec.event("heal", f"SIGCONT m{leader}")

    def partition_one(self, kind, hold_s):
        self.partition(kind, hold_s, self.net.cut, "from everybody")

    def partition_peers(self, kind, hold_s):
        self.partition(kind, hold_s, self.net.cut_peers, "from the other members (clients "
                       "still reach it)")

    def partition(self, kind, hold_s, cut, how):
        leader = self.e.leader(timeout=RECOVER_S)
        if self.rng.random() < 0.5:
            target = leader
        else:
            target = self.rng.choice([i for i in self.e.ids if i != leader])
        cut(target)
        role = "leader" if target == leader else "follower"
        self.rec.event(kind, f"cut {role} m{target} off {how} for {hold_s:.1f} s")
        time.sleep(hold_s)
        self.net.heal(target)
        self.rec.event("heal", f"m{target} reconnected")

    def recover(self):
        start = time.monotonic()
        self.e.wait_serving(self.e.ids, timeout=RECOVER_S)
        leader = self.e.leader(timeout=RECOVER_S)
        self.rec.event("recovered", f"all serving, leader m{leader}, "
                       f"{time.monotonic() - start:.1f} s after the heal")

    def heal_everything(self):
        """Whatever state a failure left: links up, members resumed and running."""
        self.net.heal_all()
        for m in self.e.members.values():
            if m.is_running():
                m.sigcont()
            else:
                m.start()

    def roles(self):
        return {i: self.e.mode(i) for i in self.e.ids}

    def names(self, ids, roles=None):
        return " and ".join(f"m{i}" + (f" ({roles[i]})" if roles and roles[i] else "")
                            for i in ids)


def read_member_state(e, member_id, rec):
    """What one member holds, read from it alone after a sync."""
    m = e.members[member_id]
    zk = KazooClient(hosts=f"{m.host}:{m.client_port}", timeout=10.0)
    zk.start(timeout=READ_STATE_TIMEOUT_S)
    try:
        state = MemberState(member_id, read_s=rec.now())
        zk.sync("/")
        state.creates = [f"/h/{c}" for c in zk.get_children("/h")]
        data, stat = zk.get(h.REGISTER)
        state.register = (stat.version, data.decode())
        for client in zk.get_children("/fifo"):
            nodes = get_all(zk, f"/fifo/{client}")
            state.fifo[client] = [FifoNode(stat.czxid, path, parse_counter(data))
                                  for path, (data, stat) in nodes]
        for parent in ("/e", h.MARKERS):
            for path, (_, stat) in get_all(zk, parent):
                state.ephemerals[path] = stat.ephemeralOwner
        return state
    finally:
        zk.stop()
        zk.close()


def get_all(zk, parent):
    """[(path, (data, stat))] of every child of parent, the gets pipelined; a child gone
    meanwhile (an ephemeral whose session just ended) is left out."""
    paths = [f"{parent}/{c}" for c in zk.get_children(parent)]
    pending = [(p, zk.get_async(p)) for p in paths]
    out = []
    for p, r in pending:
        try:
            out.append((p, r.get(timeout=READ_STATE_TIMEOUT_S)))
        except NoNodeError:
            pass
    return out


def parse_counter(data):
    try:
        return int(data.decode())
    except ValueError:
        return None


def setup_tree(e, clients):
    zk = KazooClient(hosts=e.connect_string(), timeout=10.0)
    zk.start(timeout=READ_STATE_TIMEOUT_S)
    zk.create(h.REGISTER, h.REGISTER_INITIAL.encode())
    for path in ["/h", "/e", h.MARKERS, "/fifo"] + [f"/fifo/c{i}" for i in range(1, clients + 1)]:
        zk.create(path, b"")
    zk.stop()
    zk.close()


def rerun_command(args):
    return (f"PADDOCK_SERVER={zkservers.paddock_binary()} /usr/bin/python3 {Path(__file__)} "
            f"--seed {args.seed} --duration {args.duration:g}")


def run(args):
    rec = Recorder(args.seed)
    net = netns.Network(SIZE).build()
    with Ensemble(size=SIZE, tick_ms=TICK_MS, hosts=net.hosts, wrap=net.wrap,
                  tmpdir=args.keep) as e:
        e.start()
        setup_tree(e, CLIENTS)
        rec.t0 = time.monotonic()
        workers = []
        for i in range(1, CLIENTS + 1):
            order = [(i + k - 1) % SIZE + 1 for k in range(SIZE)]  # each starts elsewhere
            workers.append(Worker(i, e.connect_string(order), args.seed, args.duration, rec))
        observer = Observer(e.connect_string(), rec)
        for w in workers + [observer]:
            w.zk.start(timeout=READ_STATE_TIMEOUT_S)
            w.start()
        nemesis = Nemesis(e, net, random.Random(args.seed), rec)
        stuck = None
        try:
            nemesis.run(args.duration)
        except AssertionError as err:  # the ensemble did not recover in time: a finding too
            stuck = str(err)
        finally:
            nemesis.heal_everything()
        for w in workers:
            w.stop_event.set()
        for w in workers:
            w.join(OP_TIMEOUT_S * (FIFO_IN_FLIGHT[1] + 2))
        observer.finish()
        if stuck is None:
            try:
                e.wait_serving(e.ids, timeout=RECOVER_S)
            except AssertionError as err:
                stuck = str(err)
        return finish(e, workers, rec, args, stuck)


def finish(e, workers, rec, args, stuck):
    hist = rec.history
    t = time.monotonic()
    deadline = time.monotonic() + SETTLE_S  # for all clients together
    unsettled = [] if stuck else [w.client_name for w in workers if not w.settle(deadline)]
    violations = []
    if stuck:
        violations.append(h.Violation("recovery", None, f"the ensemble did not recover:\n{stuck}"))
    else:
        hist.states = {i: read_member_state(e, i, rec) for i in e.ids}
    for w in workers:
        if w.settled:
            w.confirm_live_at_end()
        hist.sessions += list(w.sessions.values())
        w.close()
    if not stuck:
        hist.digests = {i: e.tree_digest(i) for i in e.ids}
    hist.duration_s = rec.now()
    nodes = max((len(s.creates) + sum(map(len, s.fifo.values())) for s in hist.states.values()),
                default=0)
    print(f"final: clients settled, {nodes} nodes read from each member and digests taken in "
          f"{time.monotonic() - t:.1f} s", flush=True)
    for s in hist.sessions:
        if s.lost:
            print(f"session lost: {s.describe()}", flush=True)
    if unsettled:
        violations.append(h.Violation("recovery", None, f"clients {unsettled} got no request "
                                      f"through within {SETTLE_S} s after the faults"))
    if not stuck:
        violations += h.check_all(hist)
        if len(set(hist.digests.values())) > 1:
            print(digest_diff(e), flush=True)
    return report(e, hist, violations, args)


def digest_diff(e, limit=10):
    listings = {i: set(e.tree_listing(i)) for i in e.ids}
    lines = ["tree differences (node tuples present on some members only):"]
    union = set().union(*listings.values())
    for node in sorted(union - set.intersection(*listings.values()))[:limit]:
        on = [i for i in e.ids if node in listings[i]]
        lines.append(f"  on members {on}: {node!r}"[:400])
    return "\n".join(lines)


def report(e, hist, violations, args):
    """Prints the violations and the figures; on failure keeps the history and the members'
    logs beside it. Returns the exit code."""
    fig = h.figures(hist, violations)
    if args.report:
        Path(args.report).write_text(json.dumps(fig, indent=2) + "\n")
    history_path = args.history
    if violations and not history_path:
        history_path = f"/tmp/paddock-history-{args.seed}.json"
    if history_path:
        h.dump(hist, history_path)
    if violations:
        print(h.format_violations(violations), flush=True)
        for m in e.members.values():
            if m.output_path.exists():
                shutil.copyfile(m.output_path, f"{history_path}.m{m.id}.log")
        checks = sorted({v.check for v in violations})
        print(f"FAILED: {len(violations)} violation(s) of {', '.join(checks)}; seed "
              f"{args.seed}; history in {history_path} (members' logs beside it)\n"
              f"  rerun: {rerun_command(args)}", flush=True)
    print(h.figures_line(fig), flush=True)
    return 1 if violations else 0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=CI_DURATION_S,
                        help="seconds of faults (default: %(default)s, the CI run)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--report", help="write the figures as JSON to this file")
    parser.add_argument("--history", help="write the whole history as JSON to this file")
    parser.add_argument("--keep", help="run the ensemble in this directory and keep it (logs)")
    args = parser.parse_args(argv)
    if args.keep:  # the members run with their own directory as cwd
        args.keep = str(Path(args.keep).resolve())
        Path(args.keep).mkdir(parents=True, exist_ok=True)
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 2**31)
    return args


def main():
    args = parse_args(sys.argv[1:])
    if not netns.inside():
        # The seed is fixed out here, so the run inside uses (and prints) this one; argparse
        # keeps the last --seed given.
        return netns.rerun_inside_or_skip("history_test", __file__,
                                          sys.argv[1:] + ["--seed", str(args.seed)])
    logging.basicConfig(level=logging.ERROR)  # kazoo warns on every dropped connection
    print(f"history_test: seed={args.seed} duration={args.duration:g} s clients={CLIENTS} "
          f"members={SIZE} session_timeouts_s={SESSION_TIMEOUTS_S[:CLIENTS]}\n"
          f"  rerun: {rerun_command(args)}", flush=True)
    try:
        return run(args)
    except BaseException:
        print(f"history_test: the run itself failed; seed {args.seed}\n"
              f"  rerun: {rerun_command(args)}", flush=True)
        raise


if __name__ == "__main__":
    sys.exit(main())
