// paddock-cli: a ZooKeeper-style shell for Paddock and ZooKeeper 3.8 servers.
//
//   paddock-cli [-server HOSTS] [-timeout MS] [-r] [--json]            interactive shell
//   paddock-cli [-server HOSTS] [-timeout MS] [-r] [--json] CMD ARGS   one command, then exit
//   paddock-cli --version                                              version line, then exit
//
// Composition only: options (cli/options.h), a printer (cli/printer.h), a client
// (paddock/client.h), and the shell (cli/shell.h) that parses and runs the commands.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>

#include "base/version.h"
#include "cli/command.h"
#include "cli/format.h"
#include "cli/line_reader.h"
#include "cli/options.h"
#include "cli/printer.h"
#include "cli/shell.h"

namespace paddock::cli {
namespace {

std::unique_ptr<Client> StartClient(const Options& o, Printer* listener_out) {
  ClientOptions co;
  co.connect_string = o.server;
  co.session_timeout = std::chrono::milliseconds(o.timeout_ms);
  co.can_be_read_only = o.read_only;
  if (listener_out != nullptr) {
    // Interactive: report every state change and keep the shell usable after an expiry.
    co.renew_session_on_expiry = true;
    // The first kConnecting is the start, not a loss: zkCli prints nothing for it either.
    co.listener = [listener_out, started = false](const SessionEvent& e) mutable {
      bool initial = !started && e.kind == SessionEvent::Kind::kStateChanged &&
                     e.state == SessionState::kConnecting;
      started = true;
      if (!initial) listener_out->SessionChange(e);
    };
  }
  std::unique_ptr<Client> client = NewClient(co);
  client->Start();
  return client;
}

int RunOneShot(const Options& o, Printer& out) {
  Prepared p = Prepare(o.command, out);
  if (p.command == nullptr) return p.exit_status;
  Context ctx;
  ctx.out = &out;
  ctx.watcher = [](const WatchEvent&) {};
  std::unique_ptr<Client> client;
  if (!p.command->local) {
    client = StartClient(o, nullptr);
    if (!client->WaitConnected(std::chrono::milliseconds(o.timeout_ms))) {
      out.Failure(CliError{"CONNECTIONLOSS", static_cast<int32_t>(Error::kConnectionLoss),
                           "Could not connect to " + o.server + " within " +
                               std::to_string(o.timeout_ms) + " ms (state " +
                               KeeperStateText(client->state()) + ")",
                           ""});
      client->Close();
      return kExitFailed;
    }
    ctx.client = client.get();
  }
  Ran ran = Execute(p, ctx);
  if (client) client->Close();
  return ran.exit_status;
}

std::string Prompt(const Options& o, const Client& client, int n) {
  return "[paddock: " + o.server + "(" + SessionStateName(client.state()) + ") " +
         std::to_string(n) + "] ";
}

// Reads and runs lines until end of input or quit; returns the last command's exit status.
int RunInteractive(const Options& o, Printer& out) {
  LineReader reader;
  if (reader.interactive()) std::cerr << "Connecting to " << o.server << "\n";
  std::unique_ptr<Client> client = StartClient(o, &out);
  // Let the connection event print before the first prompt or, when a script feeds us, before
  // the first command's output. A person is kept waiting for at most a few seconds.
  int64_t wait_ms = reader.interactive() ? std::min<int64_t>(o.timeout_ms, 3000) : o.timeout_ms;
  client->WaitConnected(std::chrono::milliseconds(wait_ms));
  Context ctx;
  ctx.client = client.get();
  ctx.out = &out;
  ctx.watcher = [&out](const WatchEvent& e) { out.Event(e); };
  int status = kExitOk;
  for (int n = 0;; ++n) {
    std::optional<std::string> line = reader.Read(Prompt(o, *client, n));
    if (!line) break;
    Ran ran = RunLine(*line, ctx);
    status = ran.exit_status;
    if (ran.quit) break;
  }
  client->Close();
  return status;
}

}  // namespace
}  // namespace paddock::cli

int main(int argc, char** argv) {
  using namespace paddock::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  paddock::Result<Options> options = ParseOptions(args);
  if (!options.ok()) {
    std::cerr << "paddock-cli: " << options.status().message() << "\n" << OptionsUsage();
    return kExitFailed;
  }
  if (options->help) {
    std::cout << OptionsUsage();
    return kExitOk;
  }
  if (options->version) {
    std::cout << paddock::VersionLine("paddock-cli") << "\n";
    return kExitOk;
  }
  std::unique_ptr<Printer> out = options->json ? MakeJsonPrinter(std::cout, std::cerr)
                                               : MakePlainPrinter(std::cout, std::cerr);
  if (!options->command.empty()) return RunOneShot(*options, *out);
  return RunInteractive(*options, *out);
}
