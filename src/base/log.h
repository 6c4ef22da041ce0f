// Logging: one line per event, an event name followed by key=value fields, e.g.
//   PADDOCK_LOG_INFO("session expired id=0x{:x} timeout_ms={}", id, timeout_ms);
// printed as
//   2026-11-22T04:51:16.123Z info session expired id=0x100000000000000 timeout_ms=4000
// Timestamps are UTC. Values that may hold spaces are quoted: reason="frame too large".
//
// The level is chosen at run time (zoo.cfg `paddock.logLevel`, or --log-level); every level,
// trace and debug included, is compiled in, so `paddock.logLevel=debug` really shows debug
// lines. Backed by spdlog; writes to stderr, or to a file rotated by size (zoo.cfg
// `paddock.logFile`, `paddock.logFileMaxBytes`, `paddock.logFiles`). Thread-safe.
//
// Warnings and errors are written at once. Lines below that gather until Flush, which the server
// calls at the end of every loop turn (a burst of sessions ending is then one write, not one per
// session), and at exit; a crash path calls it before it aborts.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace paddock::log {

// Sets the level from a name (trace, debug, info, warn, error, off). Returns false if unknown.
bool SetLevel(std::string_view name);
// The current level's name.
std::string_view LevelName();
void Init();
// Writes out the lines gathered so far.
void Flush();
// Sends every line to `path` instead of stderr. When a line would take
// the file past `max_bytes`, it is renamed with index 1 before its extension (p.log -> p.1.log;
// p.1.log -> p.2.log, and so on: spdlog's names) and a new one begins; at most `files` files are kept, the current one included (files == 1: the
// file is emptied instead). Fails, naming the file and the reason, if it cannot be opened for
// appending. REQUIRES: Init() ran; max_bytes > 0; files >= 1; no other thread logs yet.
Status WriteToFile(const std::string& path, int64_t max_bytes, int32_t files);

}  // namespace paddock::log

// SPDLOG_LOGGER_CALL is not filtered by SPDLOG_ACTIVE_LEVEL (which defaults to info and would
// compile debug lines away); the run-time level alone decides.
#define PADDOCK_LOG_AT(level, ...) \
  SPDLOG_LOGGER_CALL(spdlog::default_logger_raw(), level, __VA_ARGS__)
#define PADDOCK_LOG_TRACE(...) PADDOCK_LOG_AT(spdlog::level::trace, __VA_ARGS__)
#define PADDOCK_LOG_DEBUG(...) PADDOCK_LOG_AT(spdlog::level::debug, __VA_ARGS__)
#define PADDOCK_LOG_INFO(...) PADDOCK_LOG_AT(spdlog::level::info, __VA_ARGS__)
#define PADDOCK_LOG_WARN(...) PADDOCK_LOG_AT(spdlog::level::warn, __VA_ARGS__)
#define PADDOCK_LOG_ERROR(...) PADDOCK_LOG_AT(spdlog::level::err, __VA_ARGS__)
