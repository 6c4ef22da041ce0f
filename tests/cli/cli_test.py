"""paddock-cli against paddock-server and against the real ZooKeeper, side by side.

What it proves: the shell behaves the same whichever server is behind it (same exit codes, same
output, same errors), and its output is the documented one (zkCli 3.8's texts; one JSON
document per command with --json). How: the test starts one paddock-server and one Apache
ZooKeeper 3.8 (tests/lib/zkservers.py, TTL nodes enabled on both), then

* runs the same list of one-shot invocations (`paddock-cli -server H CMD ARGS`) in order
  against each server and compares exit code, stdout and stderr line by line, after masking what
  legitimately differs between servers (zxids, times, session ids, the port);
* feeds one interactive session through stdin to each server (addauth, digest ACLs, getAcl /
  setAcl, an ephemeral node, a data watch firing) and compares the outputs the same way, with
  the asynchronous WATCHER lines compared as a sorted list;
* runs commands with --json and checks that stdout is exactly one JSON document per command,
  equal between the servers once the same fields are masked;
* checks the failures that need no server: a bad command line, an unknown command, and a
  server that does not answer.

-w watches in one-shot mode only need to be accepted: the process exits before they could fire.

Run: /usr/bin/python3 tests/cli/cli_test.py [-v]   (PADDOCK_CLI and PADDOCK_SERVER name the
binaries; default build/bin/paddock-cli and build/bin/paddock-server)
"""

import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
import zkservers  # noqa: E402

CLI = os.environ.get("PADDOCK_CLI", str(zkservers.REPO_ROOT / "build" / "bin" / "paddock-cli"))
CLI_TIMEOUT_S = 60
SERVER_CFG = {"extendedTypesEnabled": "true"}
ALICE_DIGEST = "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E="  # alice:secret

# In order; each entry is (argv after -server, expected exit code). The expected code pins the
# behaviour on both servers; the output is compared between them.
ONE_SHOT = [
    (["create", "/t", "data"], 0),
    (["create", "/t", "again"], 1),
    (["create", "/t/c1", "child"], 0),
    (["create", "/nope/x"], 1),
    (["create", "bad"], 1),
    (["create", "//a"], 1),
    (["get", "/t"], 0),
    (["get", "-s", "/t"], 0),
    (["set", "/t", "newdata"], 0),
    (["set", "-s", "/t", "newdata2"], 0),
    (["set", "-v", "0", "/t", "stale"], 1),
    (["set", "-v", "2", "/t", "fresh"], 0),
    (["set", "-v", "abc", "/t", "x"], 1),
    (["stat", "/t"], 0),
    (["stat", "/missing"], 1),
    (["ls", "/t"], 0),
    (["ls", "-s", "/t"], 0),
    (["create", "-e", "/t/eph", "e"], 0),
    (["create", "-s", "/t/s-", "q"], 0),
    (["create", "-s", "-e", "/t/es-", "q"], 0),
    (["create", "/t/quoted", "hello world"], 0),
    (["get", "/t/quoted"], 0),
    (["create", "/t/nodata"], 0),
    (["get", "/t/nodata"], 0),
    (["create", "-c", "/cont"], 0),
    (["create", "-t", "60000", "/ttl"], 0),
    (["create", "-c", "-s", "/bad"], 1),
    (["create", "-e", "-t", "10", "/bad"], 1),
    (["ls", "-R", "/t"], 0),
    (["get", "-w", "/t"], 0),
    (["ls", "-w", "/t"], 0),
    (["stat", "-w", "/t"], 0),
    (["getAllChildrenNumber", "/t"], 0),
    (["getAcl", "/t"], 0),
    (["getAcl", "-s", "/t"], 0),
    (["getAcl", "/missing"], 1),
    (["setAcl", "/missing", "world:anyone:r"], 1),
    (["delete", "/t"], 1),
    (["delete", "-v", "7", "/t/c1"], 1),
    (["delete", "/t/c1"], 0),
    (["delete", "/t/c1"], 1),
    (["deleteall", "/t"], 0),
    (["get", "/t"], 1),
    (["deleteall", "/missing"], 1),
    (["sync", "/"], 0),
    (["getEphemerals", "/"], 0),
    (["whoami"], 0),
    (["session"], 0),
    (["addWatch", "/cont"], 0),
    (["addWatch", "-m", "BOGUS", "/cont"], 1),
    (["removewatches", "/cont"], 1),
    (["ls", "/"], 0),
    (["bogus"], 127),
    (["ls"], 1),
    (["ls", "-x", "/"], 1),
]

# One interactive session fed through stdin.
SESSION = [
    "create /secret s3cr3t digest:" + ALICE_DIGEST + ":cdrwa",
    "get /secret",
    "getAcl /secret",
    "addauth digest alice:secret",
    "get /secret",
    "getAcl /secret",
    "whoami",
    "create /authnode a auth::cdrwa",
    "getAcl /authnode",
    "create /ro r",
    "setAcl /ro world:anyone:r",
    "getAcl -s /ro",
    "set /ro denied",
    "setAcl /ro nosuchscheme:id:r",
    "setAcl /ro world:anyone",
    "create /eph e",
    "delete /eph",
    "create -e /eph e",
    "create -e /eph/kid k",
    "getEphemerals /",
    "create /w one",
    "get -w /w",
    "set /w two",
    "ls -w /w",
    "create /w/kid k",
    "sync /",
    "session",
    "# a comment, then a blank line",
    "",
    'set /w "quoted value"',
    "get /w",
    "quit",
    "get /w",
]

NORMALISERS = [
    (re.compile(r"^(cZxid|mZxid|pZxid) = 0x[0-9a-f]+$"), r"\1 = <zxid>"),
    (re.compile(r"^(ctime|mtime) = .*$"), r"\1 = <time>"),
    (re.compile(r"^ephemeralOwner = 0x(?!0$)[0-9a-f]+$"), "ephemeralOwner = <session>"),
    (re.compile(r"^id = 0x[0-9a-f]+$"), "id = <session>"),
    (re.compile(r"^server = 127\.0\.0\.1:\d+$"), "server = 127.0.0.1:<port>"),
]
WATCH_LINE = re.compile(r"^(WATCHER::|WatchedEvent .*)$")
JSON_MASKED = {"czxid", "mzxid", "pzxid", "ctime", "mtime", "session_id", "server"}


def run_cli(port, args, stdin_text=None, json_output=False):
    """Runs paddock-cli against 127.0.0.1:port; returns (exit code, stdout, stderr)."""
    argv = [CLI, "-server", f"127.0.0.1:{port}", "-timeout", "10000"]
    if json_output:
        argv.append("--json")
    proc = subprocess.run(argv + list(args), input=(stdin_text or "").encode(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=CLI_TIMEOUT_S)
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"))


def normalise(text):
    out = []
    for line in text.splitlines():
        for regex, replacement in NORMALISERS:
            if regex.match(line):
                line = regex.sub(replacement, line)
                break
        out.append(line)
    return out


def split_watch_lines(lines):
    """Returns (lines without the WATCHER blocks, sorted WatchedEvent lines)."""
    rest, events = [], []
    for line in lines:
        if WATCH_LINE.match(line):
            if line.startswith("WatchedEvent"):
                events.append(line)
        elif line.strip():
            rest.append(line)
    return rest, sorted(events)


def mask_json(value):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in JSON_MASKED or (k == "ephemeralOwner" and v != 0):
                out[k] = "<masked>"
            else:
                out[k] = mask_json(v)
        return out
    if isinstance(value, list):
        return [mask_json(v) for v in value]
    return value


def diff_text(expected, actual):
    return "\n".join(difflib.unified_diff(expected, actual, "zookeeper", "paddock", lineterm=""))


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(CLI, os.X_OK):
            raise RuntimeError(f"paddock-cli not found or not executable: {CLI} "
                               "(set PADDOCK_CLI or build it)")
        cls.tmp = tempfile.mkdtemp(prefix="paddock-cli-")
        cls.servers = []
        try:
            cls.paddock = zkservers.start_paddock(Path(cls.tmp) / "paddock", SERVER_CFG)
            cls.servers.append(cls.paddock)
            cls.zookeeper = zkservers.start_zookeeper(Path(cls.tmp) / "zookeeper", SERVER_CFG)
            cls.servers.append(cls.zookeeper)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for server in cls.servers:
            server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_both(self, args, **kwargs):
        return (run_cli(self.zookeeper.port, args, **kwargs),
                run_cli(self.paddock.port, args, **kwargs))

    def test_one_shot_commands_match_zookeeper(self):
        problems = []
        for args, expected_rc in ONE_SHOT:
            (zrc, zout, zerr), (prc, pout, perr) = self.run_both(args)
            shown = " ".join(args)
            if zrc != expected_rc:
                problems.append(f"{shown}: exit {zrc} on zookeeper, expected {expected_rc}\n"
                                f"{zout}{zerr}")
            if (zrc, normalise(zout), normalise(zerr)) != (prc, normalise(pout), normalise(perr)):
                problems.append(f"{shown}: exit {zrc} vs {prc}\nstdout:\n"
                                + diff_text(normalise(zout), normalise(pout)) + "\nstderr:\n"
                                + diff_text(normalise(zerr), normalise(perr)))
        self.assertFalse(problems, "\n\n".join(problems))

    def test_one_shot_output_is_zkclis(self):
        """Pins texts on paddock, so that a change on both sides cannot hide."""
        port = self.paddock.port
        self.assertEqual(run_cli(port, ["create", "/pin", "hello"])[:2], (0, "Created /pin\n"))
        self.assertEqual(run_cli(port, ["get", "/pin"])[:2], (0, "hello\n"))
        self.assertEqual(run_cli(port, ["get", "/pin/x"]),
                         (1, "", "Node does not exist: /pin/x\n"))
        self.assertEqual(run_cli(port, ["create", "/pin"])[2], "Node already exists: /pin\n")
        self.assertEqual(run_cli(port, ["set", "-v", "9", "/pin", "x"])[2],
                         "version No is not valid : /pin\n")
        run_cli(port, ["create", "/pin/kid"])
        self.assertEqual(run_cli(port, ["delete", "/pin"])[2], "Node not empty: /pin\n")
        self.assertEqual(run_cli(port, ["ls", "/pin"])[:2], (0, "[kid]\n"))
        rc, out, _ = run_cli(port, ["stat", "/pin"])
        self.assertEqual((rc, normalise(out)[-2:]), (0, ["dataLength = 5", "numChildren = 1"]))
        self.assertEqual(run_cli(port, ["deleteall", "/pin"]), (0, "", ""))

    def test_interactive_session_with_digest_acls_matches_zookeeper(self):
        script = "\n".join(SESSION) + "\n"
        (zrc, zout, zerr), (prc, pout, perr) = self.run_both([], stdin_text=script)
        zlines, zevents = split_watch_lines(normalise(zout))
        plines, pevents = split_watch_lines(normalise(pout))
        self.assertEqual(plines, zlines, diff_text(zlines, plines))
        self.assertEqual(pevents, zevents, diff_text(zevents, pevents))
        self.assertEqual(normalise(perr), normalise(zerr),
                         diff_text(normalise(zerr), normalise(perr)))
        self.assertEqual(prc, zrc)
        self.assertEqual(prc, 0, "quit leaves with status 0")
        for expected in ["Insufficient permission : /secret", "'digest,'" + ALICE_DIGEST,
                         "Acl is not valid : /ro",
                         "Ephemerals cannot have children: /eph/kid"]:
            self.assertIn(expected, zerr + zout, "reference output lacks " + expected)
        self.assertIn("s3cr3t", plines)
        self.assertIn("digest: alice", plines)
        self.assertIn("quoted value", plines)
        self.assertEqual(plines[-1], "quoted value", "nothing runs after quit")
        self.assertIn("WatchedEvent state:SyncConnected type:NodeDataChanged path:/w", pevents)
        self.assertIn("WatchedEvent state:SyncConnected type:NodeChildrenChanged path:/w",
                      pevents)

    def test_json_output_is_one_document_per_command(self):
        commands = [
            ["create", "/j", "data"], ["get", "/j"], ["set", "/j", "v2"], ["stat", "/j"],
            ["ls", "/j"], ["ls", "-R", "/j"], ["getAcl", "/j"], ["get", "/j/missing"],
            ["create", "/j"], ["set", "-v", "7", "/j", "x"], ["sync", "/"], ["whoami"],
            ["session"], ["getEphemerals"], ["delete", "/j"], ["bogus"], ["ls"],
        ]
        problems = []
        for args in commands:
            results = []
            for rc, out, _ in self.run_both(args, json_output=True):
                lines = out.splitlines()
                try:
                    self.assertEqual(len(lines), 1, f"{args}: {out!r}")
                    results.append((rc, mask_json(json.loads(lines[0]))))
                except (AssertionError, ValueError) as e:
                    problems.append(f"{args}: not one JSON document: {e}")
            if len(results) == 2 and results[0] != results[1]:
                problems.append(f"{args}: zookeeper {results[0]} vs paddock {results[1]}")
        self.assertFalse(problems, "\n".join(problems))
        rc, out, _ = run_cli(self.paddock.port, ["get", "/nothing"], json_output=True)
        self.assertEqual(rc, 1)
        self.assertEqual(json.loads(out), {"error": "NONODE", "code": -101,
                                           "message": "Node does not exist: /nothing",
                                           "path": "/nothing"})

    def test_bad_command_lines_fail_without_a_server(self):
        port = zkservers.dead_port()
        self.assertEqual(run_cli(port, ["bogus"])[0], 127)
        self.assertEqual(run_cli(port, ["get"]), (1, "", "get [-s] [-w] path\n"))
        self.assertEqual(run_cli(port, ["help"])[0], 0)

    def test_unreachable_server_fails_after_the_timeout(self):
        port = zkservers.dead_port()
        proc = subprocess.run([CLI, "--server", f"127.0.0.1:{port}", "--timeout", "1500", "ls",
                               "/"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=CLI_TIMEOUT_S)
        self.assertEqual(proc.returncode, 1)
        self.assertIn(b"Could not connect to 127.0.0.1:", proc.stderr)


if __name__ == "__main__":
    unittest.main()
