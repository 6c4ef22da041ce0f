// The scenarios of paddock-bench. Each runs against o.connect, fills the report and returns
// false when the run itself failed (errors, lost sessions, missing deletions), so that the exit
// code tells a smoke test whether the figures mean anything. Every loop is bounded by a count
// and by o.timeout_s.
#pragma once

#include <memory>
#include <string>

#include "common.h"
#include "paddock/client.h"

namespace paddock::bench {

bool RunSessions(const Options& o, Report& rep);  // scenarios_raw.cc
bool RunHold(const Options& o, Report& rep);      // scenarios_raw.cc
bool RunExpiry(const Options& o, Report& rep);    // scenario_expiry.cc
bool RunOps(const Options& o, Report& rep);       // scenario_ops.cc
bool RunChurn(const Options& o, Report& rep);     // scenario_churn.cc
bool RunZnodes(const Options& o, Report& rep);    // scenario_ops.cc

// A connected libpaddock client (nullptr after 10 s without a connection), to `connect` or,
// when empty, to o.connect.
std::unique_ptr<Client> Connect(const Options& o, int32_t timeout_ms,
                                const std::string& connect = {});
// Worker k's share of a multi-host connect string: its k-th host (round-robin) and the chroot.
std::string PinnedConnect(const std::string& connect, int64_t k);
// Creates every missing ancestor of path and path itself (persistent, empty); true on success.
bool EnsurePath(Client& c, const std::string& path);
// A name unique to this run: "<prefix>/<tag>-<pid>-<ms>".
std::string RunPath(const Options& o, const std::string& tag);
// Deletes path and everything under it (bounded: at most 10 million nodes).
void DeleteTree(Client& c, const std::string& path);

}  // namespace paddock::bench
