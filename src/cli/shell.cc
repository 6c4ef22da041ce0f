#include "cli/shell.h"

#include "cli/commands/commands.h"
#include "cli/parser.h"
#include "cli/tokenizer.h"

namespace paddock::cli {

Prepared Prepare(const std::vector<std::string>& words, Printer& out) {
  PADDOCK_ASSERT(!words.empty());
  Prepared p;
  const Command* command = FindCommand(words[0]);
  if (command == nullptr) {
    out.Failure(CliError{"UNKNOWN_COMMAND", 0,
                         "Command not found: " + words[0] + " (type help for the commands)", ""});
    p.exit_status = kExitUnknownCommand;
    return p;
  }
  Result<Invocation> inv = ParseInvocation(command->spec, words);
  if (!inv.ok()) {
    out.Failure(CliError{"USAGE", 0, inv.status().message(), ""});
    p.exit_status = kExitFailed;
    return p;
  }
  p.command = command;
  p.invocation = std::move(*inv);
  return p;
}

Ran Execute(const Prepared& p, Context& ctx) {
  PADDOCK_ASSERT(p.command != nullptr);
  switch (p.command->run(p.invocation, ctx)) {
    case Outcome::kOk:
      return Ran{kExitOk, false};
    case Outcome::kFailed:
      return Ran{kExitFailed, false};
    case Outcome::kQuit:
      return Ran{kExitOk, true};
  }
  return Ran{kExitFailed, false};
}

Ran RunLine(std::string_view line, Context& ctx) {
  Result<std::vector<std::string>> words = SplitWords(line);
  if (!words.ok()) {
    ctx.out->Failure(CliError{"USAGE", 0, words.status().message(), ""});
    return Ran{kExitFailed, false};
  }
  if (words->empty() || (*words)[0][0] == '#') return Ran{};
  Prepared p = Prepare(*words, *ctx.out);
  if (p.command == nullptr) return Ran{p.exit_status, false};
  return Execute(p, ctx);
}

}  // namespace paddock::cli
