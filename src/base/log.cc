#include "base/log.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "base/assert.h"

namespace paddock::log {
namespace {

void MakeDefault(const std::shared_ptr<spdlog::logger>& logger) {
  // UTC with an explicit Z, so lines from several servers sort and compare without guessing.
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
}

}  // namespace

void Init() {
  auto logger = spdlog::get("paddock");
  if (!logger) logger = spdlog::stderr_logger_mt("paddock");
  MakeDefault(logger);
}

Status WriteToFile(const std::string& path, int64_t max_bytes, int32_t files) {
  PADDOCK_ASSERT(max_bytes > 0);
  PADDOCK_ASSERT(files >= 1);
  // spdlog reports a file it cannot open with an exception; opening it here first turns the
  // common causes (a missing directory, no permission) into an error start-up can print.
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    return Status::Error("cannot open log file " + path + ": " + std::strerror(errno));
  }
  std::fclose(f);
  // spdlog counts the rotated files besides the current one.
  auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
      path, static_cast<size_t>(max_bytes), static_cast<size_t>(files - 1));
  auto logger = std::make_shared<spdlog::logger>("paddock", std::move(sink));
  spdlog::drop("paddock");
  spdlog::initialize_logger(logger);  // the level SetLevel chose
  logger->flush_on(spdlog::level::trace);
  MakeDefault(logger);
  return Status::Ok();
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
