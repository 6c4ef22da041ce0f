#!/usr/bin/env bash
# Installs every Debian package that Paddock's build and tests need. Idempotent: packages that are
# already present are skipped by apt-get, and `apt-get update` runs only when something is missing.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build clang libclang-rt-14-dev pkg-config
  # libraries (see README, "Dependencies")
  libraft-dev libuv1-dev liblz4-dev libssl-dev libcli11-dev libspdlog-dev libfmt-dev
  # paddock-cli: line editing and history in the interactive shell
  libedit-dev
  # admin endpoint: HTTP server and JSON
  libcpp-httplib-dev nlohmann-json3-dev
  # tests
  libgtest-dev libgmock-dev
  # benchmarks: paddock-micro (Google Benchmark) and the latency plots of bench/compare.sh
  libbenchmark-dev gnuplot-nox
  # the sessions page, rendered and captured by a real browser
  chromium
  # compatibility tests: real clients and the real server
  python3 python3-kazoo python3-yaml libzookeeper-mt-dev zookeeper-bin zookeeper default-jre-headless
  libservlet-api-java
  # helpers used by the test scripts; iproute2 (ip netns, veth, bridge) for the ensemble's
  # partition tests, in network namespaces the tests create
  procps netcat-openbsd iproute2
  # strace: the system-call budgets of a session and a write (tests/integration/syscalls_test.py)
  strace
  # the Debian package (cpack -G DEB): dpkg-shlibdeps computes its Depends; readelf and nm
  # check the shared library in the package test
  dpkg-dev binutils
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
