// Logging: one line per event, key=value fields after a short message, e.g.
//   PADDOCK_LOG_INFO("session expired id=0x{:x} timeout_ms={}", id, timeout_ms);
// Backed by spdlog; writes to stderr. Thread-safe.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace paddock::log {

// Sets the level from a name (trace, debug, info, warn, error, off). Returns false if unknown.
bool SetLevel(std::string_view name);
void Init();

}  // namespace paddock::log

#define PADDOCK_LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
#define PADDOCK_LOG_INFO(...) SPDLOG_INFO(__VA_ARGS__)
#define PADDOCK_LOG_WARN(...) SPDLOG_WARN(__VA_ARGS__)
#define PADDOCK_LOG_ERROR(...) SPDLOG_ERROR(__VA_ARGS__)
