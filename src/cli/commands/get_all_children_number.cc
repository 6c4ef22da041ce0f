// `getAllChildrenNumber path`: how many znodes are below path (all depths).
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

Outcome RunGetAllChildrenNumber(const Invocation& inv, Context& ctx) {
  const std::string& path = inv.args[0];
  if (!PathOk(ctx, path)) return Outcome::kFailed;
  Reply<int32_t> r = ctx.client->GetAllChildrenNumber(path);
  if (!r.ok()) return Failed(ctx, r.error, path);
  ctx.out->Count(path, r.value);
  return Outcome::kOk;
}

}  // namespace

const Command& GetAllChildrenNumberCommand() {
  static const Command kCommand{{"getAllChildrenNumber",
                                 "getAllChildrenNumber path",
                                 "count the znodes below a path, at every depth",
                                 {},
                                 1,
                                 1},
                                RunGetAllChildrenNumber};
  return kCommand;
}

}  // namespace paddock::cli
