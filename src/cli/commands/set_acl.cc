// `setAcl [-s] [-v version] [-R] path acl`: replaces a znode's ACL (acl is scheme:id:perms,
// comma separated); -v only at that ACL version; -R on the whole subtree (each node at any
// version, the root first, breadth first); -s prints the new Stat (not with -R).
#include "cli/acl_text.h"
#include "cli/commands/commands.h"
#include "cli/commands/common.h"

namespace paddock::cli {
namespace {

Outcome SetRecursive(Context& ctx, const std::string& root, const AclList& acl) {
  Subtree tree = ListSubtree(*ctx.client, root);
  if (tree.error != Error::kOk) return Failed(ctx, tree.error, tree.failed_path);
  for (const std::string& path : tree.paths) {
    Reply<Stat> r = ctx.client->SetAcl(path, acl, -1);
    if (!r.ok()) return Failed(ctx, r.error, path);
  }
  ctx.out->Done();
  return Outcome::kOk;
}

Outcome RunSetAcl(const Invocation& inv, Context& ctx) {
  const std::string& path = inv.args[0];
  if (!PathOk(ctx, path)) return Outcome::kFailed;
  std::optional<int32_t> version = VersionFlag(inv, ctx);
  if (!version) return Outcome::kFailed;
  ParsedAcl parsed = ParseAcl(inv.args[1]);
  for (const std::string& w : parsed.warnings) ctx.out->Warning(w);
  if (parsed.acl.empty()) return Failed(ctx, Error::kInvalidAcl, path);
  if (inv.Has('R')) return SetRecursive(ctx, path, parsed.acl);
  Reply<Stat> r = ctx.client->SetAcl(path, parsed.acl, *version);
  if (!r.ok()) return Failed(ctx, r.error, path);
  ctx.out->Written(path, r.value, inv.Has('s'));
  return Outcome::kOk;
}

}  // namespace

const Command& SetAclCommand() {
  static const Command kCommand{
      {"setAcl",
       "setAcl [-s] [-v version] [-R] path acl",
       "replace a znode's ACL, e.g. digest:alice:<hash>:cdrwa,world:anyone:r",
       {{'s', ""}, {'v', "version"}, {'R', ""}},
       2,
       2},
      RunSetAcl};
  return kCommand;
}

}  // namespace paddock::cli
