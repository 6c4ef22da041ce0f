"""Every Paddock binary answers --version (issue #15).

Usage: version_test.py VERSION REVISION BINARY...

What this proves: each binary given prints exactly one line, "<name> <VERSION> (git <REVISION>)",
on stdout and exits 0, where VERSION is the project's version and REVISION the git revision
CMake found when it configured this build (or "unknown" outside a git checkout).
"""

import os
import subprocess
import sys


def main():
    version, revision, binaries = sys.argv[1], sys.argv[2], sys.argv[3:]
    if not binaries:
        sys.exit("version_test: no binaries given")
    failures = []
    for binary in binaries:
        name = os.path.basename(binary)
        r = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=20)
        want = f"{name} {version} (git {revision})\n"
        if r.returncode != 0 or r.stdout != want:
            failures.append(f"{name} --version: exit {r.returncode}, stdout {r.stdout!r}, "
                            f"stderr {r.stderr!r}; expected exit 0 and {want!r}")
        else:
            print(f"ok: {r.stdout.strip()}")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
