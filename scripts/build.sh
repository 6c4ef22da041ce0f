#!/usr/bin/env bash
# Builds Paddock. Usage: scripts/build.sh [release|asan]
#   release -> build/      (build/bin/paddock-server)
#   asan    -> build-asan/ (Debug, AddressSanitizer + UndefinedBehaviorSanitizer)
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-release}"
jobs="$(nproc)"
case "$kind" in
  release)
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    ninja -C build -j "$jobs"
    ;;
  asan)
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPADDOCK_SANITIZE=ON >/dev/null
    ninja -C build-asan -j "$jobs"
    ;;
  *)
    echo "usage: $0 [release|asan]" >&2
    exit 2
    ;;
esac
