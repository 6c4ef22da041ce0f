// cli/command.h: a runnable shell command: its spec (cli/command_spec.h) plus the code that
// runs a parsed Invocation against a client and reports through a Printer.
//
// Each command lives in its own file under cli/commands/ and is reached through the registry
// (cli/commands/commands.h). Commands run on the shell's thread and use the client's
// synchronous calls; only the watchers they register run on the client's event thread.
#pragma once

#include "cli/command_spec.h"
#include "cli/printer.h"
#include "paddock/client.h"

namespace paddock::cli {

// What a command runs with. The pointers are not owned and outlive every command run.
struct Context {
  Client* client = nullptr;
  Printer* out = nullptr;
  // Registered by -w and addWatch. Interactive: prints the event; one-shot: does nothing (the
  // process exits before an event could matter).
  Watcher watcher;
};

enum class Outcome {
  kOk,      // exit status 0
  kFailed,  // the failure has been printed; exit status 1
  kQuit,    // leave the shell
};

struct Command {
  CommandSpec spec;
  Outcome (*run)(const Invocation& inv, Context& ctx) = nullptr;
  bool local = false;  // runs without a connection (help, quit)
};

}  // namespace paddock::cli
