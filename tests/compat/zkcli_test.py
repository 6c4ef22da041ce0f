"""zkCli.sh (ZooKeeper's own Java command-line client) against one server, compared with
what it prints against the real ZooKeeper.

What it proves: the Java client library and its shell see the same thing from the selected
server as from Apache ZooKeeper: the same messages, data, children, Stat fields, ACLs,
errors, exit codes and watch events. How: the test starts the selected server
(PADDOCK_TARGET=paddock|zookeeper, default paddock) and a reference ZooKeeper, then

* runs one interactive zkCli session per server with ~45 commands fed through stdin (zkCli
  reads stdin line by line because Debian ships it without JLine). Between commands it sends
  `get /__zkcli_marker_<n>`, whose "Node does not exist" line splits the merged
  stdout+stderr into one section per command;
* runs a handful of one-shot invocations (`zkCli.sh -server host:port <cmd> <args>`) and
  compares their output and exit code.

Before comparing, values that legitimately differ between servers are normalised: the port,
zxids (cZxid/mZxid/pZxid), ctime/mtime and non-zero ephemeralOwner session ids. Lines that
depend on ZooKeeper's hash-set ordering (whoami, getEphemerals) are compared sorted, and the
WatchedEvent lines, printed by zkCli's event thread, are compared as one sorted list for the
whole session because their position relative to the main thread's output is not fixed (in
the one-shot commands too, after the other lines).

Run: PADDOCK_TARGET=zookeeper /usr/bin/python3 tests/compat/zkcli_test.py [-v]
"""

import difflib
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

ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh"
ZKCLI_TIMEOUT_S = 60
SERVER_CFG = {"extendedTypesEnabled": "true"}
MARKER = "/__zkcli_marker_"
MARKER_LINE = re.compile(r"^Node does not exist: /__zkcli_marker_(\d+)$")
ALICE_DIGEST = "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E="  # alice:secret

# (command, how to compare its section, a substring its output must contain or None)
INTERACTIVE = [
    ("create /x data", "exact", "Created /x"),
    ("create /x again", "exact", "Node already exists: /x"),
    ("create /x/c1 child", "exact", "Created /x/c1"),
    ("create /nope/x", "exact", "Node does not exist: /nope/x"),
    ("create bad", "exact", "Path must start with / character"),
    ("get /x", "exact", "data"),
    ("get -s /x", "exact", "dataLength = 4"),
    ("set /x newdata", "exact", None),
    ("set -s /x newdata2", "exact", "dataVersion = 2"),
    ("set -v 0 /x stale", "exact", "version No is not valid : /x"),
    ("stat /x", "exact", "numChildren = 1"),
    ("stat /missing", "exact", "Node does not exist: /missing"),
    ("ls /", "exact", "[x, zookeeper]"),
    ("ls -s /x", "exact", "[c1]"),
    ("create -e /x/eph e", "exact", "Created /x/eph"),
    ("create -e /x/eph/kid k", "exact", "Ephemerals cannot have children: /x/eph/kid"),
    ("create -s /x/s- q", "exact", "Created /x/s-0000000002"),
    ("create -s -e /x/es- q", "exact", "Created /x/es-0000000003"),
    ("create -c /cont", "exact", "Created /cont"),
    ("create -t 60000 /ttl", "exact", "Created /ttl"),
    ("ls -R /x", "exact", "/x/s-0000000002"),
    ("getAllChildrenNumber /x", "exact", "4"),
    ("getEphemerals /x", "sorted", "/x/eph"),
    ("getAcl /x", "exact", "'world,'anyone"),
    ("create /ro r", "exact", "Created /ro"),
    ("setAcl /ro world:anyone:r", "exact", None),
    ("getAcl -s /ro", "exact", "aclVersion = 1"),
    ("set /ro denied", "exact", "Insufficient permission : /ro"),
    ("setAcl /ro world:anyone:cdrwa", "exact", "Insufficient permission : /ro"),
    ("create /ro/kid k", "exact", "Insufficient permission : /ro/kid"),
    ("setAcl /x nosuchscheme:id:r", "exact", None),
    ("create /secret s3cr3t digest:" + ALICE_DIGEST + ":cdrwa", "exact", "Created /secret"),
    ("get /secret", "exact", "Insufficient permission : /secret"),
    ("addauth digest alice:secret", "exact", None),
    ("get /secret", "exact", "s3cr3t"),
    ("getAcl /secret", "exact", ALICE_DIGEST),
    ("whoami", "sorted", "digest: alice"),
    ("create /authnode a auth::cdrwa", "exact", "Created /authnode"),
    ("getAcl /authnode", "exact", ALICE_DIGEST),
    ("get -w /secret", "exact", "s3cr3t"),
    ("set /secret changed", "exact", None),
    ("ls -w /secret", "exact", "[]"),
    ("create /secret/kid k", "exact", "Created /secret/kid"),
    ("delete /x", "exact", "Node not empty: /x"),
    ("delete -v 7 /x/c1", "exact", "version No is not valid : /x/c1"),
    ("deleteall /x", "exact", None),
    ("get /x", "exact", "Node does not exist: /x"),
    ("delete /", "exact", None),
    ("sync /", "exact", "Sync is OK"),
    ("config", "exact", None),
    ("getAllChildrenNumber /", "exact", None),
]

ONE_SHOT = [
    ["create", "/oneshot", "data"],
    ["create", "/oneshot/kid", "k"],
    ["get", "/oneshot"],
    ["get", "-s", "/oneshot"],
    ["ls", "/oneshot"],
    ["set", "/oneshot", "v2"],
    ["delete", "/oneshot"],
    ["deleteall", "/oneshot"],
    ["get", "/oneshot"],
]

NORMALISERS = [
    (re.compile(r"^Connecting to 127\.0\.0\.1:\d+$"), "Connecting to 127.0.0.1:<port>"),
    (re.compile(r"^(cZxid|mZxid|pZxid) = 0x[0-9a-f]+$"), r"\1 = <zxid>"),
    (re.compile(r"^(ctime|mtime) = .*$"), r"\1 = <time>"),
    (re.compile(r"^ephemeralOwner = 0x(?!0$)[0-9a-f]+$"), "ephemeralOwner = <session>"),
    (re.compile(r"^SLF4J: .*$"), None),  # JVM logging noise, not part of the comparison
]
WATCH_LINE = re.compile(r"^(WATCHER::|WatchedEvent .*)$")


def run_zkcli(port, args=(), stdin_text=None):
    """Runs zkCli.sh against 127.0.0.1:port; returns (exit code, merged stdout+stderr)."""
    env = dict(os.environ, CLIENT_JVMFLAGS="-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1")
    proc = subprocess.run([ZKCLI, "-server", f"127.0.0.1:{port}", *args],
                          input=(stdin_text or "").encode(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=ZKCLI_TIMEOUT_S, env=env)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def normalise(lines):
    out = []
    for line in lines:
        for regex, replacement in NORMALISERS:
            if regex.match(line):
                line = None if replacement is None else regex.sub(replacement, line)
                break
        if line is not None and line.strip():
            out.append(line)
    return out


def events_apart(lines):
    """The lines without the event thread's WatchedEvent lines, then those lines, sorted."""
    events = sorted(line for line in lines if line.startswith("WatchedEvent "))
    return [line for line in lines if not line.startswith("WatchedEvent ")] + events


def sorted_lines(lines):
    """Sorts the lines, and the items of one-line lists such as `[/b, /a]`."""
    def sort_items(line):
        if line.startswith("[") and line.endswith("]"):
            return "[" + ", ".join(sorted(line[1:-1].split(", "))) + "]"
        return line
    return sorted(sort_items(line) for line in lines)


def interactive_script():
    lines = []
    for i, (command, _, _) in enumerate(INTERACTIVE):
        lines += [f"get {MARKER}{i}", command]
    lines += [f"get {MARKER}{len(INTERACTIVE)}", "quit"]
    return "\n".join(lines) + "\n"


def split_sections(output):
    """Returns (sections by command index, sorted watch-event lines, header lines)."""
    sections, watch_lines, header = {}, [], []
    current = None
    for line in output.splitlines():
        m = MARKER_LINE.match(line)
        if m:
            current = int(m.group(1))
            if current < len(INTERACTIVE):
                sections[current] = []
        elif WATCH_LINE.match(line):
            watch_lines.append(line)
        elif current is None:
            header.append(line)
        elif current < len(INTERACTIVE):
            sections[current].append(line)
    return sections, sorted(watch_lines), header


def diff_text(expected, actual, ref_name, name):
    return "\n".join(difflib.unified_diff(expected, actual, ref_name, name, lineterm=""))


class ZkCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kind = zkservers.selected_target()
        cls.tmp = tempfile.mkdtemp(prefix="paddock-zkcli-")
        cls.servers = []
        try:
            cls.target = zkservers.start_target(cls.kind, Path(cls.tmp) / cls.kind, SERVER_CFG)
            cls.servers.append(cls.target)
            cls.reference = zkservers.start_zookeeper(Path(cls.tmp) / "reference", SERVER_CFG)
            cls.servers.append(cls.reference)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for server in cls.servers:
            server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_interactive_session_matches_zookeeper(self):
        script = interactive_script()
        ref_rc, ref_out = run_zkcli(self.reference.port, stdin_text=script)
        rc, out = run_zkcli(self.target.port, stdin_text=script)
        ref_sections, ref_watch, _ = split_sections(ref_out)
        sections, watch, _ = split_sections(out)
        self.assertEqual(len(ref_sections), len(INTERACTIVE), "reference run incomplete:\n"
                         + ref_out)
        problems = []
        for i, (command, mode, must_contain) in enumerate(INTERACTIVE):
            expected = normalise(ref_sections.get(i, []))
            actual = normalise(sections.get(i, ["<no output: session ended early?>"]))
            if mode == "sorted":
                expected, actual = sorted_lines(expected), sorted_lines(actual)
            if must_contain and not any(must_contain in line for line in expected):
                problems.append(f"reference output of {command!r} lacks {must_contain!r}: "
                                f"{expected}")
            if expected != actual:
                problems.append(f"command {i}: {command}\n"
                                + diff_text(expected, actual, "zookeeper", self.kind))
        if ref_watch != watch:
            problems.append("watch events\n" + diff_text(ref_watch, watch, "zookeeper",
                                                         self.kind))
        self.assertEqual(rc, ref_rc, "exit codes differ")
        self.assertFalse(problems, "\n\n".join(problems))

    def test_one_shot_commands_match_zookeeper(self):
        problems = []
        for args in ONE_SHOT:
            ref_rc, ref_out = run_zkcli(self.reference.port, args)
            rc, out = run_zkcli(self.target.port, args)
            expected, actual = normalise(ref_out.splitlines()), normalise(out.splitlines())
            # The event thread's WatchedEvent line may come before or after the command's output
            # (seen on a loaded machine): compared apart, in order of the other lines.
            expected, actual = events_apart(expected), events_apart(actual)
            if (ref_rc, expected) != (rc, actual):
                problems.append(f"zkCli.sh {' '.join(args)}: exit {ref_rc} vs {rc}\n"
                                + diff_text(expected, actual, "zookeeper", self.kind))
        self.assertFalse(problems, "\n\n".join(problems))

    def test_one_shot_output_is_what_zookeeper_prints(self):
        """Pins a few outputs on the selected server, so a broken reference cannot hide."""
        rc, out = run_zkcli(self.target.port, ["create", "/pinned", "hello"])
        self.assertIn("Created /pinned", out)
        rc, out = run_zkcli(self.target.port, ["get", "/pinned"])
        self.assertEqual((rc, normalise(out.splitlines())[-1]), (0, "hello"))
        rc, out = run_zkcli(self.target.port, ["get", "/pinned/missing"])
        self.assertEqual(rc, 1)
        self.assertIn("Node does not exist: /pinned/missing", out)


if __name__ == "__main__":
    unittest.main()
