#include "base/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <string>

namespace paddock::log {

void Init() {
  auto logger = spdlog::get("paddock");
  if (!logger) logger = spdlog::stderr_logger_mt("paddock");
  // UTC with an explicit Z, so lines from several servers sort and compare without guessing.
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
}

bool SetLevel(std::string_view name) {
  auto level = spdlog::level::from_str(std::string(name));
  if (level == spdlog::level::off && name != "off") return false;
  spdlog::set_level(level);
  return true;
}

std::string_view LevelName() {
  auto name = spdlog::level::to_string_view(spdlog::get_level());
  return {name.data(), name.size()};
}

}  // namespace paddock::log
