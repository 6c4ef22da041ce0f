// paddock-bench: a load generator for Paddock and any ZooKeeper-compatible server.
//
//   paddock-bench ops --connect 127.0.0.1:2181 --clients 16 --depth 16 --duration 10
//   paddock-bench hold --connect 127.0.0.1:2181 --sessions 100000 --server-pid 1234
//   paddock-bench --version
//
// Scenarios: sessions, hold, ops, expiry, churn, znodes (see scenarios.h and docs/performance.md).
// Prints a progress line on stderr, a table on stdout and, with --json, the results as JSON.
// Exit code 0 when the run worked (no errors, no lost sessions), 1 otherwise, 2 on bad flags.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "base/version.h"
#include "scenarios.h"

namespace {

using paddock::bench::Options;

void AddFlags(CLI::App& app, Options& o) {
  app.add_option("scenario", o.scenario, "sessions | hold | ops | expiry | churn | znodes")
      ->required()
      ->check(CLI::IsMember({"sessions", "hold", "ops", "expiry", "churn", "znodes"}));
  app.add_option("--connect", o.connect, "host:port[,host:port...] (IPv4 literals)");
  app.add_option("--json", o.json_path, "write the results to this JSON file");
  app.add_option("--server-pid", o.server_pid, "read the server's RSS and CPU from /proc/<pid>");
  app.add_option("--sessions", o.sessions, "N sessions (sessions, hold, expiry)")
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000}));
  app.add_option("--concurrency", o.concurrency, "C connects in flight")
      ->check(CLI::Range(int64_t{1}, int64_t{10'000}));
  app.add_option("--clients", o.clients, "K client sessions (ops, churn, znodes)")
      ->check(CLI::Range(int64_t{1}, int64_t{256}));
  app.add_option("--depth", o.depth, "D requests in flight per client")
      ->check(CLI::Range(int64_t{1}, int64_t{4096}));
  app.add_option("--duration", o.duration_s, "seconds per op (ops), of the hold, of churn")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--ops-max", o.ops_max, "at most this many requests per op phase")
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));
  app.add_option("--ops", o.ops,
                 "op phases: create setData getData exists mix delete create-ephemeral")
      ->delimiter(',');
  app.add_option("--rate", o.rate, "ops: fixed total rate in ops/s (0: saturated)")
      ->check(CLI::Range(0.0, 1e7));
  app.add_option("--data-bytes", o.data_bytes, "znode data size")
      ->check(CLI::Range(int64_t{0}, int64_t{1'000'000}));
  app.add_option("--znodes", o.znodes, "znodes scenario: how many to create")
      ->check(CLI::Range(int64_t{1}, int64_t{10'000'000}));
  app.add_option("--session-timeout-ms", o.session_timeout_ms, "requested session timeout")
      ->check(CLI::Range(1, 3'600'000));
  app.add_option("--source-addrs", o.source_addrs,
                 "loopback source addresses for raw sessions (0: one per 20,000 sessions)")
      ->check(CLI::Range(int64_t{0}, int64_t{250}));
  app.add_option("--timeout", o.timeout_s, "hard bound on the scenario, seconds")
      ->check(CLI::Range(1.0, 86400.0));
  app.add_option("--prefix", o.prefix, "parent path of everything the bench creates");
  app.add_flag("!--no-progress", o.progress, "no progress line on stderr");
}

// Many sessions need many descriptors: raise the soft limit to the hard one.
void RaiseFdLimit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"paddock-bench: load scenarios for Paddock and ZooKeeper-compatible servers"};
  Options o;
  AddFlags(app, o);
  app.set_version_flag("--version", paddock::VersionLine("paddock-bench"));
  CLI11_PARSE(app, argc, argv);
  if (paddock::bench::ParseEndpoints(o.connect).empty()) {
    std::fprintf(stderr, "paddock-bench: bad --connect %s\n", o.connect.c_str());
    return 2;
  }
  RaiseFdLimit();
  paddock::bench::Report rep(o);
  bool ok = false;
  if (o.scenario == "sessions") ok = paddock::bench::RunSessions(o, rep);
  if (o.scenario == "hold") ok = paddock::bench::RunHold(o, rep);
  if (o.scenario == "ops") ok = paddock::bench::RunOps(o, rep);
  if (o.scenario == "expiry") ok = paddock::bench::RunExpiry(o, rep);
  if (o.scenario == "churn") ok = paddock::bench::RunChurn(o, rep);
  if (o.scenario == "znodes") ok = paddock::bench::RunZnodes(o, rep);
  rep.json()["ok"] = ok;
  rep.PrintTable();
  if (!o.json_path.empty() && !rep.WriteJson(o.json_path)) {
    std::fprintf(stderr, "paddock-bench: cannot write %s\n", o.json_path.c_str());
    return 1;
  }
  if (!ok) std::fprintf(stderr, "paddock-bench: %s run FAILED (see the table)\n", o.scenario.c_str());
  return ok ? 0 : 1;
}
