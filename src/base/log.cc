#include "base/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "base/assert.h"

namespace paddock::log {
namespace {

// Lines for stderr, gathered and written with one write(2) when flushed: at the end of the
// server's loop turn (Flush), at once for warnings and errors, and whenever 64 KiB gather. A
// burst of sessions ending logs one line each; line by line that was a system call per
// session, as many as the session itself needed to be answered.
class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    pending_.append(line.data(), line.size());
    if (pending_.size() >= kFlushBytes) flush_();
  }
  void flush_() override {
    size_t done = 0;
    while (done < pending_.size()) {
      ssize_t n = ::write(STDERR_FILENO, pending_.data() + done, pending_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // stderr is gone: the lines cannot be written anywhere
      done += static_cast<size_t>(n);
    }
    pending_.clear();
  }

 private:
  static constexpr size_t kFlushBytes = 64 << 10;
  std::string pending_;
};

void MakeDefault(const std::shared_ptr<spdlog::logger>& logger) {
  // Warnings and errors are written at once; lines below wait for the end of the loop turn.
  logger->flush_on(spdlog::level::warn);
  // UTC with an explicit Z, so lines from several servers sort and compare without guessing.
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
}

}  // namespace

void Init() {
  auto logger = spdlog::get("paddock");
  if (!logger) {
    logger = std::make_shared<spdlog::logger>("paddock", std::make_shared<BufferedStderrSink>());
    spdlog::initialize_logger(logger);
    std::atexit(Flush);
  }
  MakeDefault(logger);
}

void Flush() {
  if (spdlog::logger* logger = spdlog::default_logger_raw()) logger->flush();
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
