// paddock-server: a coordination service that speaks Apache ZooKeeper's client protocol.
//
//   paddock-server [zoo.cfg] [--port N] [--data-dir DIR] [--log-level LEVEL]
//   paddock-server --version
//
// With no config file: standalone on port 2181 with data in ./data.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "base/clock.h"
#include "base/log.h"
#include "base/version.h"
#include "server/config.h"
#include "server/daemon.h"

int main(int argc, char** argv) {
  CLI::App app{"paddock-server: a ZooKeeper-compatible coordination service"};
  std::string config_path;
  int port = -1;
  std::string data_dir;
  std::string log_level;
  app.add_option("config", config_path, "ZooKeeper zoo.cfg to read")->check(CLI::ExistingFile);
  app.add_option("--port", port, "client port (overrides clientPort)")->check(CLI::Range(0, 65535));
  app.add_option("--data-dir", data_dir, "data directory (overrides dataDir)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off");
  app.set_version_flag("--version", paddock::VersionLine("paddock-server"));
  CLI11_PARSE(app, argc, argv);

  paddock::log::Init();
  std::vector<std::string> unknown;
  paddock::Result<paddock::server::Config> config =
      config_path.empty() ? paddock::Result<paddock::server::Config>(paddock::server::Config{})
                          : paddock::server::LoadConfig(config_path, &unknown);
  if (!config.ok()) {
    std::fprintf(stderr, "paddock-server: bad configuration: %s\n",
                 config.status().message().c_str());
    return 2;
  }
  if (port >= 0) {
    config->client_port = port;
    config->client_port_given = true;
  }
  if (!data_dir.empty()) config->data_dir = data_dir;
  if (paddock::Status s = paddock::server::ResolveServerId(&*config); !s.ok()) {
    std::fprintf(stderr, "paddock-server: bad configuration: %s\n", s.message().c_str());
    return 2;
  }
  if (paddock::Status s = paddock::server::LoadPeerKey(&*config); !s.ok()) {
    std::fprintf(stderr, "paddock-server: bad configuration: %s\n", s.message().c_str());
    return 2;
  }
  if (!log_level.empty()) config->log_level = log_level;
  if (!paddock::log::SetLevel(config->log_level)) {
    std::fprintf(stderr, "paddock-server: bad configuration: invalid log level '%s'\n",
                 config->log_level.c_str());
    return 2;
  }
  if (!config->log_file.empty()) {
    paddock::Status s = paddock::log::WriteToFile(config->log_file, config->LogFileBytesMax(),
                                                  config->LogFilesMax());
    if (!s.ok()) {
      std::fprintf(stderr, "paddock-server: bad configuration: paddock.logFile: %s\n",
                   s.message().c_str());
      return 2;
    }
  }
  for (const auto& key : unknown) PADDOCK_LOG_INFO("ignoring unknown config key key={}", key);
  for (const auto& key : config->ignored_keys) {
    PADDOCK_LOG_INFO("ignoring config key key={} reason=\"no effect in Paddock\"", key);
  }

  paddock::SystemClock clock;
  paddock::server::Daemon daemon(*config, &clock);
  paddock::Status s = daemon.Run();
  if (!s.ok()) {
    std::fprintf(stderr, "paddock-server: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}
