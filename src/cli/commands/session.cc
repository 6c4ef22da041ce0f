// `session`: the session's id, negotiated timeout, state and current server.
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

Outcome RunSession(const Invocation&, Context& ctx) {
  SessionSummary s;
  s.session_id = ctx.client->session_id();
  s.timeout_ms = ctx.client->negotiated_timeout_ms();
  s.state = ctx.client->state();
  s.server = ctx.client->server();
  ctx.out->Session(s);
  return Outcome::kOk;
}

}  // namespace

const Command& SessionCommand() {
  static const Command kCommand{
      {"session", "session", "print the session id, timeout, state and server", {}, 0, 0},
      RunSession};
  return kCommand;
}

}  // namespace paddock::cli
