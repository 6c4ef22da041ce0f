#!/usr/bin/env bash
# Sets everything up, builds, and runs paddock-server standalone on port 2181 with data in ./data.
# Extra arguments go to the server (e.g. a zoo.cfg path, or --port 2182).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
exec build/bin/paddock-server "$@"
