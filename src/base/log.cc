#include "base/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <string>

namespace paddock::log {

void Init() {
  auto logger = spdlog::stderr_logger_mt("paddock");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  spdlog::set_default_logger(logger);
}

bool SetLevel(std::string_view name) {
  auto level = spdlog::level::from_str(std::string(name));
  if (level == spdlog::level::off && name != "off") return false;
  spdlog::set_level(level);
  return true;
}

}  // namespace paddock::log
