// Logging: one line per event, an event name followed by key=value fields, e.g.
//   PADDOCK_LOG_INFO("session expired id=0x{:x} timeout_ms={}", id, timeout_ms);
// printed as
//   2026-11-22T04:51:16.123Z info session expired id=0x100000000000000 timeout_ms=4000
// Timestamps are UTC. Values that may hold spaces are quoted: reason="frame too large".
//
// The level is chosen at run time (zoo.cfg `paddock.logLevel`, or --log-level); every level,
// trace and debug included, is compiled in, so `paddock.logLevel=debug` really shows debug
// lines. Backed by spdlog; writes to stderr. Thread-safe.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace paddock::log {

// Sets the level from a name (trace, debug, info, warn, error, off). Returns false if unknown.
bool SetLevel(std::string_view name);
// The current level's name.
std::string_view LevelName();
void Init();

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
