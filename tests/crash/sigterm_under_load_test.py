"""SIGTERM under write load: a clean exit, and nothing acknowledged is lost.

What it proves: a paddock-server sent SIGTERM while kazoo clients keep writes in flight exits
with code 0 and logs no abort, assertion or fatal line, and every write it acknowledged before
the signal is present after a restart on the same data directory. Writes that were in flight
fail their clients (outcome unknown); the only thing checked about them is that a node that
appears was issued by some client.

Why it exists: libraft cancels the log appends still queued when it closes (RAFT_CANCELED).
Paddock's fail-stop guard on log writes once took that for a disk error and aborted (exit -6);
handed to libraft 0.15 in the order it cancels them, they crashed it (exit -11, see
LibraftLog::ReturnCanceledAppends).

How: one data directory for the whole run, snapshots every 64 entries (so a snapshot is often in
progress at the signal too). Each round starts the server, runs CLIENTS kazoo clients that each
keep WINDOW async creates in flight (bounded in count and time), waits for the first
acknowledgements, sends SIGTERM after a seeded random delay, and checks the exit. The next round
(and a last start after the final round) first verifies every acknowledged create. Only some
signals land while appends are queued, so rounds go on until CANCELLED_ENOUGH did (the server
logs it), within --rounds-max and --seconds; a run that never saw one says so.

Run: PADDOCK_SERVER=$PWD/build/bin/paddock-server /usr/bin/python3 \
         tests/crash/sigterm_under_load_test.py [--rounds-max N] [--seconds S] [--seed S]
The seed is printed first and with any failure.
"""

import argparse
import logging
import random
import re
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import zkservers  # noqa: E402

from kazoo.client import KazooClient  # noqa: E402
from kazoo.retry import KazooRetry  # noqa: E402

logging.basicConfig(level=logging.CRITICAL)  # kazoo logs the lost connection at WARNING
warnings.filterwarnings("ignore", category=DeprecationWarning, module="kazoo")

ROOT = "/sigterm"
CLIENTS = 4
WINDOW = 32                  # async creates each client keeps in flight
CREATES_PER_CLIENT_MAX = 4000
LOAD_S_MAX = 5.0             # a client stops issuing after this long, signal or not
ACKED_BEFORE_SIGNAL = 200    # the load is on before the delay starts
SIGNAL_DELAY_S = (0.0, 0.5)
EXIT_TIMEOUT_S = 15.0
# About one shutdown in six lands while appends are queued behind a write (measured here): the
# rounds go on until a few did, within the budgets of main().
ROUNDS_MIN = 10
CANCELLED_ENOUGH = 3
CFG = {"paddock.snapshotThreshold": 64, "paddock.snapshotTrailing": 32,
       "admin.enableServer": "false"}
# Logged when the shutdown cancelled queued log appends: the case this test is about (counted
# to show it happened, not required in every round).
CANCELLED = re.compile(r"log appends cancelled by the shutdown")
# What a crash or a fail-stop leaves in the output: our own fatal and assertion lines, glibc's
# and the sanitizers' reports.
BAD_LINE = re.compile(r"abort|assertion|fatal|AddressSanitizer|runtime error|double free",
                      re.IGNORECASE)


class CheckFailed(AssertionError):
    pass


def check(cond, message):
    if not cond:
        raise CheckFailed(message)


class Writer(threading.Thread):
    """One kazoo client: unique async creates, WINDOW in flight, until the server goes away."""

    def __init__(self, server, round_no, wid):
        super().__init__(daemon=True)
        self.server, self.round_no, self.wid = server, round_no, wid
        self.issued, self.acked = set(), set()
        self.failed = 0
        self.unexpected = None
        # Never reconnect: once the server is gone, the round is over for this client.
        self.client = KazooClient(hosts=server.connect_string, timeout=10.0,
                                  connection_retry=KazooRetry(max_tries=0))

    def run(self):
        deadline = time.monotonic() + LOAD_S_MAX
        inflight = []
        try:
            for i in range(CREATES_PER_CLIENT_MAX):
                if time.monotonic() > deadline or self.failed:
                    break
                name = f"r{self.round_no}-w{self.wid}-{i}"
                self.issued.add(name)
                inflight.append((name, self.client.create_async(f"{ROOT}/{name}", b"x")))
                if len(inflight) >= WINDOW:
                    self.settle(inflight.pop(0))
            for item in inflight:
                self.settle(item)
        except Exception as e:  # noqa: BLE001 - reported by the round
            self.unexpected = e

    def settle(self, item):
        name, result = item
        try:
            result.get(timeout=EXIT_TIMEOUT_S)
            self.acked.add(name)
        except Exception:  # noqa: BLE001 - connection loss: the outcome is unknown
            self.failed += 1


def verify(server, acked, issued):
    client = KazooClient(hosts=server.connect_string, timeout=10.0)
    client.start(timeout=15)
    try:
        client.ensure_path(ROOT)
        present = set(client.get_children(ROOT))
    finally:
        client.stop()
        client.close()
    missing = acked - present
    check(not missing, f"{len(missing)} acknowledged creates missing, e.g. {sorted(missing)[:5]}")
    unknown = present - issued
    check(not unknown, f"nodes nobody issued: {sorted(unknown)[:5]}")
    return len(present)


def run_round(server, round_no, rng):
    writers = [Writer(server, round_no, w) for w in range(CLIENTS)]
    for w in writers:
        w.client.start(timeout=15)
    for w in writers:
        w.start()
    deadline = time.monotonic() + LOAD_S_MAX
    while sum(len(w.acked) for w in writers) < ACKED_BEFORE_SIGNAL:
        check(time.monotonic() < deadline, "the load never got going")
        time.sleep(0.01)
    delay = rng.uniform(*SIGNAL_DELAY_S)
    time.sleep(delay)
    server.proc.send_signal(15)  # SIGTERM
    try:
        code = server.proc.wait(timeout=EXIT_TIMEOUT_S)
    except Exception as e:  # noqa: BLE001
        raise CheckFailed(f"no exit {EXIT_TIMEOUT_S} s after SIGTERM: {e!r}") from e
    for w in writers:
        w.join(timeout=EXIT_TIMEOUT_S + 5)
        check(not w.is_alive(), f"writer {w.wid} still running after the server exited")
        w.client.stop()
        w.client.close()
        check(w.unexpected is None, f"writer {w.wid}: {w.unexpected!r}")
    server.kill9()  # already gone; forgets the process and closes its output
    check(code == 0, f"exit code {code} after SIGTERM")
    lines = server.output_path.read_text(errors="replace").splitlines()
    bad = [line for line in lines if BAD_LINE.search(line)]
    check(not bad, f"the log shows a crash: {bad[:3]}")
    acked = set().union(*(w.acked for w in writers))
    issued = set().union(*(w.issued for w in writers))
    in_flight = sum(w.failed for w in writers)
    return delay, acked, issued, in_flight, len(CANCELLED.findall("\n".join(lines)))


def run_rounds(server, rng, args):
    """Rounds until enough shutdowns cancelled appends, within the round and time budgets."""
    acked, issued, cancelled, round_no = set(), set(), 0, 0
    deadline = time.monotonic() + args.seconds
    while round_no < args.rounds_max and (round_no < ROUNDS_MIN or (
            cancelled < CANCELLED_ENOUGH and time.monotonic() < deadline)):
        round_no += 1
        if round_no > 1:
            server.start()
        verify(server, acked, issued)
        delay, round_acked, round_issued, lost, cancelled = run_round(server, round_no, rng)
        acked |= round_acked
        issued |= round_issued
        print(f"round {round_no}: SIGTERM {delay:.3f} s after {ACKED_BEFORE_SIGNAL} acks, "
              f"{len(round_acked)} acknowledged, {lost} failed in flight, exit 0", flush=True)
    server.start()
    present = verify(server, acked, issued)
    if cancelled == 0:
        print("WARNING: no shutdown cancelled a queued log append; the case was not exercised",
              flush=True)
    return round_no, len(acked), present, cancelled


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds-max", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=40.0,
                        help="no new round after this long once ROUNDS_MIN are done")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    print(f"sigterm_under_load: seed={seed} rounds_max={args.rounds_max}", flush=True)
    rng = random.Random(seed)
    tmp = tempfile.TemporaryDirectory(prefix="paddock-sigterm-")
    started = time.monotonic()
    server = zkservers.start_paddock(tmp.name, CFG)
    try:
        rounds, acked, present, cancelled = run_rounds(server, rng, args)
    except (CheckFailed, RuntimeError) as e:
        print(f"FAILED (seed={seed}): {e}", flush=True)
        print(server.log_tail(30), flush=True)
        server.kill9()
        tmp.cleanup()
        return 1
    server.stop()
    tmp.cleanup()
    print(f"sigterm_under_load: OK seed={seed} rounds={rounds} acknowledged={acked} "
          f"present={present} shutdowns_with_cancelled_appends={cancelled} "
          f"seconds={time.monotonic() - started:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
