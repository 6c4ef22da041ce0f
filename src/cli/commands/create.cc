// `create [-s] [-e] [-c] [-t ttl] path [data] [acl]`: creates a znode.
//
// -s sequential, -e ephemeral, -c container, -t TTL in ms (persistent nodes only; the server
// must allow TTLs). Without data the znode holds null data (zkCli prints it as "null"); without
// an ACL it is world:anyone:cdrwa. Flag conflicts are reported in zkCli's words.
#include <limits>

#include "cli/acl_text.h"
#include "cli/commands/commands.h"
#include "cli/commands/common.h"
#include "cli/parser.h"

namespace paddock::cli {
namespace {

constexpr long long kTtlMax = 0xFFFFFFFFFFLL;  // ZooKeeper's EphemeralType.TTL limit

Result<CreateMode> ModeFor(const Invocation& inv) {
  bool e = inv.Has('e'), s = inv.Has('s'), c = inv.Has('c'), t = inv.Has('t');
  if (c && (e || s)) {
    return Status::Error(
        "-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.");
  }
  if (t && e) return Status::Error("TTLs cannot be used with Ephemeral znodes");
  if (t && c) return Status::Error("TTLs cannot be used with Container znodes");
  if (e) return s ? CreateMode::kEphemeralSequential : CreateMode::kEphemeral;
  if (s) return t ? CreateMode::kPersistentSequentialWithTtl : CreateMode::kPersistentSequential;
  if (c) return CreateMode::kContainer;
  return t ? CreateMode::kPersistentWithTtl : CreateMode::kPersistent;
}

Result<int64_t> TtlFor(const Invocation& inv) {
  if (!inv.Has('t')) return int64_t{-1};
  Result<long long> ttl = ParseInteger(inv.Value('t'), "ttl", std::numeric_limits<long long>::min(),
                                       std::numeric_limits<long long>::max());
  if (!ttl.ok()) return Status::Error("-t argument must be a long value");
  if (*ttl <= 0 || *ttl > kTtlMax) {
    return Status::Error("ttl must be positive and cannot be larger than: " +
                         std::to_string(kTtlMax));
  }
  return static_cast<int64_t>(*ttl);
}

// The ACL argument, or OPEN_ACL_UNSAFE; nullopt (printed) when nothing valid is left.
std::optional<AclList> AclFor(const Invocation& inv, Context& ctx) {
  if (inv.args.size() < 3) return OpenAcl();
  ParsedAcl parsed = ParseAcl(inv.args[2]);
  for (const std::string& w : parsed.warnings) ctx.out->Warning(w);
  if (parsed.acl.empty()) {
    Failed(ctx, Error::kInvalidAcl, inv.args[0]);
    return std::nullopt;
  }
  return parsed.acl;
}

Outcome RunCreate(const Invocation& inv, Context& ctx) {
  Result<CreateMode> mode = ModeFor(inv);
  if (!mode.ok()) return FailedText(ctx, mode.status().message(), "", "USAGE");
  Result<int64_t> ttl = TtlFor(inv);
  if (!ttl.ok()) return FailedText(ctx, ttl.status().message(), "", "USAGE");
  const std::string& path = inv.args[0];
  if (!PathOk(ctx, path, inv.Has('s'))) return Outcome::kFailed;
  std::optional<AclList> acl = AclFor(inv, ctx);
  if (!acl) return Outcome::kFailed;
  std::optional<std::string> data;
  if (inv.args.size() >= 2) data = inv.args[1];
  Reply<CreateResult> r = ctx.client->Create(path, data, *mode, *acl, *ttl);
  if (!r.ok()) return Failed(ctx, r.error, path);
  ctx.out->Created(r.value.path, r.value.stat);
  return Outcome::kOk;
}

}  // namespace

const Command& CreateCommand() {
  static const Command kCommand{
      {"create",
       "create [-s] [-e] [-c] [-t ttl] path [data] [acl]",
       "create a znode (-s sequential, -e ephemeral, -c container, -t ttl in ms)",
       {{'s', ""}, {'e', ""}, {'c', ""}, {'t', "ttl"}},
       1,
       3},
      RunCreate};
  return kCommand;
}

}  // namespace paddock::cli
