#!/usr/bin/python3
"""The history checker (tests/lib/history.py) on hand-made histories: it accepts a valid one and
catches each kind of violation it claims to.

A checker that never fails proves nothing, so every check is shown failing here. Each test
starts from one small valid history (two clients, three members, every outcome of every kind
of operation, a lost session and a nemesis step), which must pass every check, then changes
exactly one thing, the way a faulty server would (a member missing an acknowledged create, a
session reading an older version, two FIFO writes applied out of order, a live session's
ephemeral gone, ...), and asserts that exactly the expected check reports it, naming the client,
and with the operations involved marked in its excerpt. Runs in milliseconds: no server.
"""

import copy
import os
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lib"))
import history as h  # noqa: E402
from history import FAIL, OK, UNKNOWN, Event, FifoNode, MemberState, Op, SessionRecord  # noqa

S1, S2, S3 = 0x11, 0x22, 0x33


def op(client, session, kind, t, outcome, **kw):
    return Op(client=client, session=session, kind=kind, invoke_s=t, complete_s=t + 0.01,
              outcome=outcome, **kw)


def valid_history():
    """c1 (session S1, live to the end) and c2 (S2, lost at t=20, then S3)."""
    ops = [
        op("c1", S1, "ephemeral", 0.5, OK, path="/m/c1-11"),
        op("c2", S2, "ephemeral", 0.6, OK, path="/m/c2-22"),
        op("c1", S1, "create", 1.0, OK, path="/h/c1-000000"),
        op("c1", S1, "create", 2.0, FAIL, error="NodeExistsError", path="/h/c1-000001"),
        op("c1", S1, "create", 3.0, UNKNOWN, error="ConnectionLoss", path="/h/c1-000002"),
        op("c1", S1, "read", 4.0, OK, path="/reg", version=0, value="init"),
        op("c1", S1, "cas", 4.1, OK, path="/reg", value="c1-000000", expected_version=0,
           version=1),
        op("c1", S1, "read", 4.5, OK, path="/reg", version=1, value="c1-000000"),
        op("c2", S2, "read", 5.0, OK, path="/reg", version=1, value="c1-000000"),
        op("c2", S2, "cas", 5.1, UNKNOWN, error="ConnectionLoss", path="/reg",
           value="c2-000000", expected_version=1),
        op("c2", S2, "read", 6.0, OK, path="/reg", version=2, value="c2-000000"),
        op("c2", S2, "read", 6.5, OK, path="/reg", version=2, value="c2-000000"),
        op("c2", S2, "cas", 7.0, FAIL, error="BadVersionError", path="/reg",
           value="c2-000001", expected_version=1),
        op("c1", S1, "fifo", 8.0, OK, path="/fifo/c1", counter=0,
           created="/fifo/c1/n-0000000000"),
        op("c1", S1, "fifo", 8.0, OK, path="/fifo/c1", counter=1,
           created="/fifo/c1/n-0000000001"),
        op("c1", S1, "fifo", 8.0, UNKNOWN, error="ConnectionLoss", path="/fifo/c1", counter=2),
        op("c1", S1, "fifo", 8.0, FAIL, error="NoNodeError", path="/fifo/c1", counter=3),
        op("c1", S1, "fifo", 9.0, OK, path="/fifo/c1", counter=4,
           created="/fifo/c1/n-0000000003"),
        # c2's second session may read an older version than its first one read.
        op("c2", S3, "read", 21.0, OK, path="/reg", version=1, value="c1-000000"),
        op("c2", S3, "ephemeral", 21.5, OK, path="/m/c2-33"),
        op("c1", S1, "ephemeral", 22.0, OK, path="/e/c1-11-000000"),
        op("c1", S1, "ephemeral", 22.1, FAIL, error="NoNodeError", path="/e/c1-11-000001"),
        # A retry after an unknown outcome finds the node: the first try took effect.
        op("c2", S3, "ephemeral", 23.0, UNKNOWN, error="ConnectionLoss", path="/e/c2-33-000000"),
        op("c2", S3, "ephemeral", 23.5, FAIL, error="NodeExistsError", path="/e/c2-33-000000"),
        # The observer: S2's marker is there at t=10 and gone (S2 expired) at t=19.
        op("obs", 0x99, "observe", 10.0, OK, path="/m", value="c1-11,c2-22"),
        op("obs", 0x99, "observe", 19.0, OK, path="/m", value="c1-11"),
        op("obs", 0x99, "observe", 22.0, OK, path="/m", value="c1-11,c2-33"),
    ]
    state = MemberState(
        member=1,
        creates=["/h/c1-000000", "/h/c1-000002"],
        register=(2, "c2-000000"),
        fifo={"c1": [FifoNode(0x105, "/fifo/c1/n-0000000001", 1),
                     FifoNode(0x104, "/fifo/c1/n-0000000000", 0),
                     FifoNode(0x106, "/fifo/c1/n-0000000002", 2),
                     FifoNode(0x109, "/fifo/c1/n-0000000003", 4)]},
        ephemerals={"/m/c1-11": S1, "/m/c2-33": S3, "/e/c1-11-000000": S1,
                    "/e/c2-33-000000": S3})
    states = {}
    for member_id in (1, 2, 3):
        states[member_id] = copy.deepcopy(state)
        states[member_id].member = member_id
    sessions = [SessionRecord("c1", S1, live_at_end=True, reattaches=[[19.5, 19.6]]),
                SessionRecord("c2", S2, lost=True, reattaches=[[7.0, 7.2], [18.5, 19.5]]),
                SessionRecord("c2", S3, live_at_end=True)]
    events = [Event(7.5, "kill9-leader", "kill -9 leader m2"),
              Event(9.5, "restart", "m2 restarted")]
    return h.History(seed=7, ops=ops, events=events, sessions=sessions, states=states,
                     digests={1: "ab", 2: "ab", 3: "ab"}, duration_s=30.0)


def find(hist, client, kind, **match):
    for o in hist.ops:
        if o.client == client and o.kind == kind and all(
                getattr(o, k) == v for k, v in match.items()):
            return o
    raise AssertionError(f"no {kind} op of {client} matching {match}")


class CheckerTest(unittest.TestCase):
    def violations(self, hist, check, count=None):
        """Asserts that only `check` fails; returns its violations."""
        found = h.check_all(hist)
        self.assertEqual({v.check for v in found}, {check}, h.format_violations(found))
        if count is not None:
            self.assertEqual(len(found), count, h.format_violations(found))
        return found

    def assertMarked(self, violation, text):
        marked = [line for line in violation.excerpt if line.startswith(">> ")]
        self.assertTrue(any(text in line for line in marked),
                        f"{text!r} not marked in:\n{violation.format()}")

    def test_the_valid_history_passes_every_check(self):
        found = h.check_all(valid_history())
        self.assertEqual(found, [], h.format_violations(found))

    # ---- creates

    def test_an_acknowledged_create_missing_on_one_member_fails_creates(self):
        hist = valid_history()
        hist.states[2].creates.remove("/h/c1-000000")
        [v] = self.violations(hist, "creates")
        self.assertEqual((v.client, v.members), ("c1", [2]))
        self.assertIn("acknowledged create /h/c1-000000 is missing", v.message)
        self.assertMarked(v, "create /h/c1-000000 -> ok")

    def test_a_failed_create_present_fails_creates(self):
        hist = valid_history()
        for state in hist.states.values():
            state.creates.append("/h/c1-000001")
        [v] = self.violations(hist, "creates")
        self.assertEqual(v.members, [1, 2, 3])
        self.assertIn("failed (NodeExistsError) yet the node exists", v.message)

    def test_a_node_nobody_created_fails_creates(self):
        hist = valid_history()
        hist.states[3].creates.append("/h/c9-000000")
        [v] = self.violations(hist, "creates")
        self.assertIn("/h/c9-000000 exists but nobody created it", v.message)

    # ---- the register

    def test_a_final_version_above_ok_plus_unknown_fails_register(self):
        hist = valid_history()
        for state in hist.states.values():
            state.register = (3, "c2-000000")
        found = h.check_all(hist)
        # One token at two versions (2 read, 3 final) is also a register-values violation.
        self.assertEqual({v.check for v in found}, {"register", "register-values"})
        [v] = [v for v in found if v.check == "register"]
        self.assertIn("final version of /reg is 3, outside [ok CAS 1, ok + unknown CAS 2]",
                      v.message)

    def test_a_final_version_below_ok_fails_register(self):
        hist = valid_history()
        for state in hist.states.values():
            state.register = (0, "init")
        [v] = [v for v in h.check_all(hist) if v.check == "register"]
        self.assertIn("final version of /reg is 0, outside [ok CAS 1", v.message)

    def test_final_data_of_a_failed_cas_fails_register(self):
        hist = valid_history()
        hist.states[1].register = (2, "c2-000001")
        found = h.check_all(hist)
        [v] = [v for v in found if v.check == "register"]
        self.assertEqual((v.client, v.members), ("c2", [1]))
        self.assertIn("a token of a CAS that failed (BadVersionError)", v.message)
        self.assertMarked(v, "set 'c2-000001' -> fail")
        # The same final state also gives version 2 two different data.
        self.assertEqual({x.check for x in found}, {"register", "register-values"})

    # ---- register values

    def test_one_version_read_with_two_data_fails_register_values(self):
        hist = valid_history()
        find(hist, "c2", "read", version=1).value = "c2-000000"
        found = self.violations(hist, "register-values", count=2)
        [v] = [v for v in found if "seen with different data" in v.message]
        self.assertIn("version 1 of /reg seen with different data: 'c1-000000' (c1 cas at "
                      "t=4.100), 'c2-000000' (c2 read at t=5.000)", v.message)
        # c2-000000 is also seen at two versions.
        self.assertTrue(any("seen at versions 1, 2" in v.message for v in found))

    def test_one_token_at_two_versions_fails_register_values(self):
        hist = valid_history()
        find(hist, "c2", "read", invoke_s=6.5).value = "c1-000000"
        for state in hist.states.values():
            state.register = (2, "c1-000000")
        found = h.check_all(hist)
        [v] = [v for v in found if "seen at versions" in v.message]
        self.assertIn("token 'c1-000000' of /reg seen at versions 1, 2", v.message)

    def test_a_read_of_a_failed_cas_token_fails_register_values(self):
        hist = valid_history()
        for o in hist.ops:
            if o.kind == "read" and o.version == 2:
                o.value = "c2-000001"
        for state in hist.states.values():
            state.register = (2, "c2-000001")
        found = h.check_all(hist)
        self.assertEqual({v.check for v in found}, {"register", "register-values"})
        [v] = [v for v in found if v.check == "register-values"]
        self.assertIn("data 'c2-000001' read by c2 is a token of a CAS that failed", v.message)
        self.assertMarked(v, "set 'c2-000001' -> fail")

    # ---- monotonic reads

    def test_a_session_reading_an_older_version_than_it_read_fails_monotonic_reads(self):
        hist = valid_history()
        late = find(hist, "c2", "read", invoke_s=6.5)
        late.version, late.value = 1, "c1-000000"
        [v] = self.violations(hist, "monotonic-reads")
        self.assertEqual(v.client, "c2")
        self.assertIn("session 0x22 read /reg v=1 at t=6.500 after it read v=2 at t=6.000",
                      v.message)
        self.assertMarked(v, "read /reg -> ok v=1")
        self.assertMarked(v, "read /reg -> ok v=2")
        self.assertTrue(any("nemesis kill9-leader" in line for line in v.excerpt), v.format())

    def test_a_session_reading_older_than_its_own_write_fails_monotonic_reads(self):
        hist = valid_history()
        read = find(hist, "c1", "read", invoke_s=4.5)
        read.version, read.value = 0, "init"
        [v] = self.violations(hist, "monotonic-reads")
        self.assertIn("after it wrote v=1", v.message)

    # ---- FIFO

    def test_two_writes_applied_out_of_order_fail_fifo(self):
        hist = valid_history()
        hist.states[1].fifo["c1"][0].czxid = 0x103  # #1 now applied before #0
        [v] = self.violations(hist, "fifo")
        self.assertEqual((v.client, v.members), ("c1", [1]))
        self.assertIn("/fifo/c1/n-0000000000 (#0, czxid 0x104) was applied after "
                      "/fifo/c1/n-0000000001 (#1, czxid 0x103) but sent before it, both in "
                      "session 0x11", v.message)
        self.assertIn("applied (counter@czxid): #1@0x103 #0@0x104 #2@0x106 #4@0x109", v.excerpt)
        self.assertMarked(v, "#0 -> ok")
        self.assertMarked(v, "#1 -> ok")

    def test_a_write_applied_twice_fails_fifo(self):
        hist = valid_history()
        for state in hist.states.values():
            state.fifo["c1"].append(FifoNode(0x107, "/fifo/c1/n-0000000004", 2))
        [v] = self.violations(hist, "fifo")
        self.assertIn("write #2 was applied twice", v.message)

    def test_a_failed_write_present_fails_fifo(self):
        hist = valid_history()
        for state in hist.states.values():
            state.fifo["c1"].insert(0, FifoNode(0x107, "/fifo/c1/n-0000000004", 3))
        [v] = self.violations(hist, "fifo")
        self.assertIn("write #3 failed (NoNodeError) yet its node /fifo/c1/n-0000000004 exists",
                      v.message)

    def test_an_acknowledged_write_missing_fails_fifo(self):
        hist = valid_history()
        hist.states[2].fifo["c1"].pop()
        [v] = self.violations(hist, "fifo")
        self.assertIn("acknowledged write #4 named /fifo/c1/n-0000000003, which is missing",
                      v.message)

    def test_a_counter_never_sent_fails_fifo(self):
        hist = valid_history()
        hist.states[2].fifo["c1"].append(FifoNode(0x200, "/fifo/c1/n-0000000009", 99))
        [v] = self.violations(hist, "fifo")
        self.assertIn("carries #99, which this client never sent", v.message)

    # ---- sessions

    def test_a_live_session_without_its_ephemeral_fails_sessions(self):
        hist = valid_history()
        for state in hist.states.values():
            del state.ephemerals["/m/c1-11"]
        [v] = self.violations(hist, "sessions")
        self.assertIn("session 0x11 is live for its client at the end, yet its acknowledged "
                      "ephemeral /m/c1-11 is gone", v.message)
        self.assertIn("c1 session 0x11: from t=?, live at the end", v.excerpt)
        self.assertMarked(v, "ephemeral /m/c1-11 -> ok")

    def test_a_retried_ephemeral_found_existing_counts_as_acknowledged(self):
        hist = valid_history()
        del hist.states[2].ephemerals["/e/c2-33-000000"]
        [v] = self.violations(hist, "sessions")
        self.assertEqual(v.members, [2])
        self.assertIn("acknowledged ephemeral /e/c2-33-000000 is gone", v.message)

    def test_a_lost_session_whose_ephemeral_survives_fails_sessions(self):
        hist = valid_history()
        hist.states[3].ephemerals["/m/c2-22"] = S2
        [v] = self.violations(hist, "sessions")
        self.assertIn("session 0x22 expired (the client saw it lost), yet its ephemeral "
                      "/m/c2-22 is still there", v.message)

    def test_a_session_lost_only_after_the_read_may_still_show_its_ephemeral(self):
        hist = valid_history()
        lost = next(s for s in hist.sessions if s.session == S2)
        lost.lost_s = 40.0
        for state in hist.states.values():
            state.read_s = 39.0
            state.ephemerals["/m/c2-22"] = S2
        self.assertEqual(h.check_all(hist), [])
        hist.states[2].read_s = 41.0
        [v] = self.violations(hist, "sessions")
        self.assertEqual(v.members, [2])

    def test_an_ephemeral_owned_by_another_session_fails_sessions(self):
        hist = valid_history()
        hist.states[1].ephemerals["/e/c1-11-000000"] = S3
        found = self.violations(hist, "sessions", count=2)
        self.assertIn("ephemeral /e/c1-11-000000, created by session 0x11, is owned by 0x33",
                      [v.message for v in found])

    def test_an_ephemeral_whose_create_failed_fails_sessions(self):
        hist = valid_history()
        hist.states[1].ephemerals["/e/c1-11-000001"] = S1
        [v] = self.violations(hist, "sessions")
        self.assertIn("ephemeral /e/c1-11-000001 exists though its create failed (NoNodeError)",
                      v.message)

    def test_an_ephemeral_of_no_known_session_fails_sessions(self):
        hist = valid_history()
        hist.states[3].ephemerals["/m/c3-44"] = 0x44
        [v] = self.violations(hist, "sessions")
        self.assertIn("belongs to no known session", v.message)

    # ---- reattaching an expired session

    def test_a_reattach_after_the_marker_was_seen_gone_fails_session_reattach(self):
        hist = valid_history()
        lost = next(s for s in hist.sessions if s.session == S2)
        lost.reattaches.append([19.2, 19.4])
        [v] = self.violations(hist, "session-reattach")
        self.assertEqual(v.client, "c2")
        self.assertIn("session 0x22 got its session back at t=19.400 on a connection lost at "
                      "t=19.200, after its marker /m/c2-22 was seen gone at t=19.010", v.message)
        self.assertMarked(v, "observe /m -> ok [c1-11]")

    def test_a_marker_seen_again_later_was_not_gone(self):
        hist = valid_history()
        lost = next(s for s in hist.sessions if s.session == S2)
        lost.reattaches.append([19.2, 19.4])
        # A later read still has it: the read at t=19 was stale, not proof of an expiry.
        hist.ops.append(op("obs", 0x99, "observe", 25.0, OK, path="/m", value="c1-11,c2-22"))
        self.assertEqual(h.check_all(hist), [])

    def test_a_marker_missing_before_its_create_was_acknowledged_proves_nothing(self):
        hist = valid_history()
        hist.ops.append(op("obs", 0x99, "observe", 0.52, OK, path="/m", value="c1-11"))
        lost = next(s for s in hist.sessions if s.session == S2)
        lost.reattaches.append([0.7, 0.8])
        self.assertEqual(h.check_all(hist), [])

    # ---- digests

    def test_different_digests_fail_digests(self):
        hist = valid_history()
        hist.digests[3] = "cd"
        [v] = self.violations(hist, "digests")
        self.assertIn("member 3: cd", v.message)

    # ---- reporting

    def test_figures_count_faults_ops_outcomes_and_lost_sessions(self):
        hist = valid_history()
        fig = h.figures(hist)
        self.assertEqual(fig["faults"]["kill9-leader"], 1)
        self.assertEqual(fig["ops"]["fifo"], {OK: 3, FAIL: 1, UNKNOWN: 1})
        self.assertEqual((fig["unknown"], fig["sessions_lost"]), (4, 1))
        self.assertEqual(fig["ops"]["observe"], {OK: 3, FAIL: 0, UNKNOWN: 0})
        self.assertIn("kill9-leader=1", h.figures_line(fig))

    def test_a_dumped_history_loads_back_and_checks_the_same(self):
        hist = valid_history()
        hist.states[1].fifo["c1"][0].czxid = 0x103
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "h.json")
            h.dump(hist, path)
            again = h.load(path)
        self.assertEqual([v.format() for v in h.check_all(again)],
                         [v.format() for v in h.check_all(hist)])


if __name__ == "__main__":
    unittest.main()
