// Reads: answered from local state, never through the log (reference §5.4).

#include "statemachine/state_machine.h"
#include "tree/path.h"

namespace paddock::statemachine {

using proto::Err;
using proto::Op;

namespace {

struct ReadContext {
  const tree::DataTree& tree;
  const Identities& identities;
  int64_t session_id;
};

// Looks a node up for a read: NONODE if missing, NOAUTH without `perm`.
Err Lookup(const ReadContext& ctx, const std::string& path, int32_t perm,
           const tree::Node** node) {
  *node = ctx.tree.Find(path);
  if (*node == nullptr) return Err::kNoNode;
  if (!CheckAcl((*node)->acl(), perm, ctx.identities)) return Err::kNoAuth;
  return Err::kOk;
}

ReadResult Exists(const ReadContext& ctx, const proto::PathWatchRequest& req) {
  ReadResult r;
  if (req.path.find('\0') != std::string::npos) {
    r.err = Err::kBadArguments;
    return r;
  }
  const tree::Node* node = ctx.tree.Find(req.path);
  if (node != nullptr && !CheckAcl(node->acl(), proto::perms::kRead, ctx.identities)) {
    r.err = Err::kNoAuth;
    return r;
  }
  // An exists watch is set even when the node is missing: it then fires on creation.
  if (req.watch) r.watches.emplace_back(watch::Table::kData, req.path);
  if (node == nullptr) {
    r.err = Err::kNoNode;
    return r;
  }
  r.body = proto::EncodeToString(proto::StatResponse{node->ClientStat()});
  return r;
}

ReadResult GetData(const ReadContext& ctx, const proto::PathWatchRequest& req,
                   proto::MultiResult* multi) {
  ReadResult r;
  const tree::Node* node = nullptr;
  r.err = Lookup(ctx, req.path, proto::perms::kRead, &node);
  if (r.err != Err::kOk) return r;
  if (req.watch) r.watches.emplace_back(watch::Table::kData, req.path);
  proto::GetDataResponse resp{node->DataBuffer(), node->ClientStat()};
  if (multi != nullptr) {
    multi->type = Op::kGetData;
    multi->data = resp.data;
    multi->stat = resp.stat;
  } else {
    r.body = proto::EncodeToString(resp);
  }
  return r;
}

ReadResult GetChildren(const ReadContext& ctx, Op op, const proto::PathWatchRequest& req,
                       proto::MultiResult* multi) {
  ReadResult r;
  const tree::Node* node = nullptr;
  r.err = Lookup(ctx, req.path, proto::perms::kRead, &node);
  if (r.err != Err::kOk) return r;
  if (req.watch) r.watches.emplace_back(watch::Table::kChild, req.path);
  std::vector<std::string> children = ctx.tree.ChildrenOf(*node);
  if (multi != nullptr) {
    multi->type = Op::kGetChildren;
    multi->children = std::move(children);
  } else if (op == Op::kGetChildren2) {
    r.body = proto::EncodeToString(proto::GetChildren2Response{children, node->ClientStat()});
  } else {
    r.body = proto::EncodeToString(proto::StringListResponse{children});
  }
  return r;
}

ReadResult GetAcl(const ReadContext& ctx, const proto::PathRequest& req) {
  ReadResult r;
  const tree::Node* node = nullptr;
  r.err = Lookup(ctx, req.path, proto::perms::kRead | proto::perms::kAdmin, &node);
  if (r.err != Err::kOk) return r;
  proto::GetACLResponse resp{node->acl(), node->ClientStat()};
  // Without ADMIN, digest ids are masked so that their hashes cannot be read.
  if (!CheckAcl(node->acl(), proto::perms::kAdmin, ctx.identities)) {
    for (auto& a : resp.acl) {
      if (a.id.scheme == "digest") a.id.id = a.id.id.substr(0, a.id.id.find(':')) + ":x";
    }
  }
  r.body = proto::EncodeToString(resp);
  return r;
}

ReadResult GetAllChildrenNumber(const ReadContext& ctx, const proto::PathRequest& req) {
  ReadResult r;
  const tree::Node* node = nullptr;
  r.err = Lookup(ctx, req.path, proto::perms::kRead, &node);
  if (r.err != Err::kOk) return r;
  // ZooKeeper counts the keys of its node map that start with path + "/". For "" (an alias of
  // the root there) that is every node, the root included.
  int32_t count = ctx.tree.DescendantCount(req.path) + (req.path.empty() ? 1 : 0);
  r.body = proto::EncodeToString(proto::IntResponse{count});
  return r;
}

// Java's String.trim(): strips every character up to and including ' ' from both ends.
std::string_view JavaTrim(std::string_view s) {
  auto is_space = [](char c) { return static_cast<unsigned char>(c) <= ' '; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

ReadResult GetEphemerals(const ReadContext& ctx, const proto::PathRequest& req) {
  ReadResult r;
  std::vector<std::string> all = ctx.tree.EphemeralsOf(ctx.session_id);
  // As ZooKeeper: a prefix that trims to nothing or to "/" selects all; any other prefix is
  // matched untrimmed, as a plain string prefix of the full path.
  std::string_view trimmed = JavaTrim(req.path);
  bool everything = trimmed.empty() || trimmed == "/";
  proto::StringListResponse resp;
  for (auto& p : all) {
    if (everything || p.compare(0, req.path.size(), req.path) == 0) resp.items.push_back(p);
  }
  r.body = proto::EncodeToString(resp);
  return r;
}

// multiRead (ZooKeeper 3.8): each op answers independently; the ops' watch flags are dropped
// when the request is decoded, so a multiRead never sets a watch; any op other than getData and
// getChildren fails the whole request with MARSHALLINGERROR.
ReadResult MultiRead(const ReadContext& ctx, const proto::MultiRequest& req) {
  ReadResult r;
  for (const proto::MultiOp& op : req.ops) {
    if (op.type != Op::kGetData && op.type != Op::kGetChildren) {
      r.err = Err::kMarshallingError;
      return r;
    }
  }
  proto::MultiResponse resp;
  for (const proto::MultiOp& op : req.ops) {
    proto::MultiResult res;
    proto::PathWatchRequest body = std::get<proto::PathWatchRequest>(op.body);
    body.watch = false;
    ReadResult one = op.type == Op::kGetData ? GetData(ctx, body, &res)
                                             : GetChildren(ctx, op.type, body, &res);
    if (one.err != Err::kOk) res = proto::MultiResult{Op::kError, one.err, {}, {}, {}, {}};
    resp.results.push_back(std::move(res));
  }
  r.body = proto::EncodeToString(resp);
  return r;
}

template <typename Req, typename Fn>
ReadResult DecodeThen(std::string_view body, Fn fn) {
  Req req;
  if (!proto::DecodeFrom(body, &req)) {
    ReadResult r;
    r.err = Err::kMarshallingError;
    return r;
  }
  return fn(req);
}

}  // namespace

ReadResult StateMachine::Read(int32_t op, std::string_view body, const Identities& identities,
                              int64_t session_id) const {
  ReadContext ctx{tree_, identities, session_id};
  using PW = proto::PathWatchRequest;
  using P = proto::PathRequest;
  switch (static_cast<Op>(op)) {
    case Op::kExists:
      return DecodeThen<PW>(body, [&](const PW& r) { return Exists(ctx, r); });
    case Op::kGetData:
      return DecodeThen<PW>(body, [&](const PW& r) { return GetData(ctx, r, nullptr); });
    case Op::kGetChildren:
    case Op::kGetChildren2:
      return DecodeThen<PW>(body, [&](const PW& r) {
        return GetChildren(ctx, static_cast<Op>(op), r, nullptr);
      });
    case Op::kGetACL:
      return DecodeThen<P>(body, [&](const P& r) { return GetAcl(ctx, r); });
    case Op::kGetAllChildrenNumber:
      return DecodeThen<P>(body, [&](const P& r) { return GetAllChildrenNumber(ctx, r); });
    case Op::kGetEphemerals:
      return DecodeThen<P>(body, [&](const P& r) { return GetEphemerals(ctx, r); });
    case Op::kMultiRead:
      return DecodeThen<proto::MultiRequest>(
          body, [&](const proto::MultiRequest& r) { return MultiRead(ctx, r); });
    default: {
      ReadResult r;
      r.err = Err::kUnimplemented;
      return r;
    }
  }
}

}  // namespace paddock::statemachine
