#!/usr/bin/python3
"""Paddock's style checks, run as a ctest (HOUSE-STYLE §5.4, §5.6, §5.11).

* Function bodies in src/ are at most 70 lines (counted from the opening line of a definition at
  column 0 to its closing brace at column 0). Exceptions must be listed in ALLOWLIST with a reason.
* Banned in src/: `throw`, `catch (...)`, `std::rand`, `sleep_for`, and `system_clock::now`
  outside src/base/clock.cc.
* Include directions: a module may include only the modules listed for it in ALLOWED.
* bench/ (paddock-bench, paddock-micro) is checked as one module, "bench", with the same rules;
  like src/testing it may sleep (it waits on real servers).

Exits non-zero and lists every violation.
"""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FUNCTION_LINES_MAX = 70
ALLOWLIST = {}  # "path:function-first-line" -> reason

ALLOWED = {
    "base": {"base"},
    "proto": {"base", "proto"},
    "tree": {"base", "proto", "tree"},
    "watch": {"base", "proto", "watch"},
    "session": {"base", "session"},
    "statemachine": {"base", "proto", "tree", "watch", "session", "statemachine"},
    # Raft's transport opens every connection with the members' handshake (net/peer_auth.h).
    "consensus": {"base", "net", "consensus"},
    # Framing and TLS over a caller-owned stream (OpenSSL memory BIOs), shared by server and
    # client.
    "net": {"base", "net"},
    "server": {"base", "proto", "tree", "watch", "session", "statemachine", "consensus", "net",
               "server"},
    # The client shares the wire records and ZooKeeper's path rules; never the server's code.
    "client": {"base", "proto", "tree", "net", "client", "paddock"},
    # The shell sees only the public client API (paddock/) and base/, never the library's insides.
    "cli": {"base", "cli", "paddock"},
    # bench/ (paddock-bench, paddock-micro): the public client, the codec, the framing and the
    # pure modules.
    "bench": {"base", "net", "proto", "tree", "session", "watch", "client", "paddock"},
}
BANNED = [
    (re.compile(r"\bthrow\b"), "throw (no exceptions in src/)"),
    (re.compile(r"catch\s*\(\s*\.\.\.\s*\)"), "catch (...)"),
    (re.compile(r"\bstd::rand\b"), "std::rand (use a seeded generator)"),
    (re.compile(r"\bsleep_for\b"), "sleep_for (tests use a manual clock)"),
]
INCLUDE = re.compile(r'#include\s+"([a-z_]+)/')


def strip_comments_and_strings(line):
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    return line.split("//", 1)[0]


def check_functions(path, lines, problems):
    candidate = start = None
    for i, raw in enumerate(lines):
        line = strip_comments_and_strings(raw).rstrip()
        if start is None:
            at_column_0 = line and not line[0].isspace() and line[0] not in "}#"
            if at_column_0 and not re.match(r"(namespace|struct|class|enum|union|extern|template"
                                            r"|using|static_assert)\b", line):
                candidate = i
            if candidate is not None and line.endswith("{"):
                start, candidate = candidate, None
            elif line.endswith(";") or line.endswith("}"):
                candidate = None
        elif raw.startswith("}"):
            length = i - start - 1
            key = f"{path.relative_to(ROOT)}:{lines[start].strip()}"
            if length > FUNCTION_LINES_MAX and key not in ALLOWLIST:
                problems.append(f"{path.relative_to(ROOT)}:{start + 1}: function body has "
                                f"{length} lines (max {FUNCTION_LINES_MAX})")
            start = None


def check_file(path, problems):
    # src/<module>/..., or bench/... (module "bench", shown as "src/../bench/...").
    rel = Path(os.path.relpath(path, ROOT / "src"))
    module = "bench" if rel.parts[0] == ".." else rel.parts[0]
    lines = path.read_text().splitlines()
    is_test = path.name.endswith("_test.cc")
    for n, raw in enumerate(lines, 1):
        code = strip_comments_and_strings(raw)
        for pattern, what in BANNED:
            # Test support that waits for real processes polls with bounded sleeps.
            if module in ("testing", "bench") and what.startswith("sleep_for"):
                continue
            if pattern.search(code) and not (is_test and "sleep_for" not in what):
                if what.startswith("sleep_for") or not is_test:
                    problems.append(f"{path.relative_to(ROOT)}:{n}: banned: {what}")
        if "system_clock::now" in code and str(rel) != "base/clock.cc":
            problems.append(f"{path.relative_to(ROOT)}:{n}: banned: system_clock::now outside "
                            "base/clock.cc")
        m = INCLUDE.match(raw.strip())
        # testing/ is test-only support (house style: "testing <- tests only").
        allowed = ALLOWED.get(module, set()) | ({"testing"} if is_test else set())
        if m and module in ALLOWED and m.group(1) not in allowed:
            problems.append(f"{path.relative_to(ROOT)}:{n}: {module}/ may not include {m.group(1)}/")
    if path.suffix == ".cc" and not is_test:
        check_functions(path, lines, problems)


def main():
    problems = []
    files = sorted((ROOT / "src").rglob("*.cc")) + sorted((ROOT / "src").rglob("*.h"))
    files += sorted((ROOT / "bench").rglob("*.cc")) + sorted((ROOT / "bench").rglob("*.h"))
    for path in files:
        check_file(path, problems)
    for p in problems:
        print(p)
    print(f"tidy: {len(files)} files checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
