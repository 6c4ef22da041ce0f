// cli/format.h: small formatting helpers shared by the printers.
//
// Pure apart from JavaDate, which reads the local time zone (as zkCli's Date.toString does).
// Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "paddock/types.h"

namespace paddock::cli {

// "0x1a": Java's Long.toHexString, two's complement for negatives.
std::string Hex(int64_t v);

// Java's Date.toString() in the local zone: "Sun Nov 22 04:59:46 UTC 2026".
std::string JavaDate(int64_t ms_since_epoch);

// zkCli's StatPrinter: eleven "name = value" lines, each ending in '\n'.
std::string StatText(const Stat& s);

// zkCli's list form: "[a, b]" (the items as given, no sorting).
std::string BracketList(const std::vector<std::string>& items);

// zkCli's names: "NodeDataChanged", ...; "None" for kNone.
std::string EventTypeText(EventType type);

// ZooKeeper's KeeperState names for the session states: kConnected is "SyncConnected",
// kConnecting "Disconnected", kExpired "Expired", ...
std::string KeeperStateText(SessionState state);

}  // namespace paddock::cli
