// Validation of each write op in ZooKeeper's order of checks (reference §5.4; ZooKeeper's
// PrepRequestProcessor). Each function says which checks it makes, in order.
#include "statemachine/prep.h"

#include <cstdio>

#include "tree/path.h"

namespace paddock::statemachine::internal {

using proto::Err;
using proto::Op;

namespace {

bool IsSpecialPath(std::string_view p) {
  return p == "/" || p == "/zookeeper" || p == "/zookeeper/quota" || p == "/zookeeper/config";
}

// "/a/b" has parent "/a"; a path without '/' or with a NUL cannot be written.
bool HasParent(const std::string& path) {
  return path.find('/') != std::string::npos && path.find('\0') == std::string::npos;
}

// ZooKeeper's checkAndIncVersion: -1 matches any version; the new version wraps like a Java int.
Err CheckVersion(int32_t current, int32_t expected, int32_t* next) {
  if (expected != -1 && expected != current) return Err::kBadVersion;
  *next = static_cast<int32_t>(static_cast<uint32_t>(current) + 1u);
  return Err::kOk;
}

bool Allowed(const PrepContext& ctx, const NodeView& node, int32_t perm) {
  return CheckAcl(node.acl, perm, *ctx.identities);
}

Err CheckCreateMode(const PrepContext& ctx, proto::Op op, const proto::CreateTTLRequest& req,
                    proto::CreateMode* mode) {
  if (!proto::IsValidCreateMode(req.flags)) return Err::kBadArguments;
  *mode = static_cast<proto::CreateMode>(req.flags);
  if (proto::IsTtl(*mode) && !ctx.options->extended_types_enabled) return Err::kUnimplemented;
  if (proto::IsTtl(*mode)) {
    if (req.ttl <= 0 || req.ttl > proto::kTtlMaxMs) return Err::kBadArguments;
  } else if (req.ttl >= 0 || op == proto::Op::kCreateTTL) {
    return Err::kBadArguments;
  }
  if (!ctx.session_alive) return Err::kSessionExpired;
  return Err::kOk;
}

int64_t OwnerFor(const PrepContext& ctx, proto::Op op, proto::CreateMode mode, int64_t ttl) {
  if (op == proto::Op::kCreateContainer) return proto::kContainerOwner;
  if (proto::IsTtl(mode)) return tree::TtlOwner(ttl);
  if (proto::IsEphemeral(mode)) return ctx.session_id;
  return 0;
}

}  // namespace

std::optional<NodeView> Overlay::Get(const std::string& path) const {
  auto it = changed_.find(path);
  if (it != changed_.end()) return it->second;
  const tree::Node* n = tree_.Find(path);
  if (n == nullptr) return std::nullopt;
  return NodeView{n->version, n->cversion, n->aversion, n->ephemeral_owner,
                  n->num_children(), n->acl()};
}

std::string SequenceSuffix(int32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%010d", v);
  return buf;
}

// Checks: mode, TTL, session, path shape, ACL, parent exists, CREATE on parent, sequential
// name, full path validity, node exists, parent ephemeral.
Err PrepCreate(const PrepContext& ctx, Overlay& view, proto::Op op,
               const proto::CreateTTLRequest& req, Change* out) {
  proto::CreateMode mode{};
  if (Err e = CheckCreateMode(ctx, op, req, &mode); e != Err::kOk) return e;
  if (!HasParent(req.path)) return Err::kBadArguments;
  proto::AclList acl;
  if (Err e = FixupAcl(req.acl, *ctx.identities, &acl); e != Err::kOk) return e;
  std::string parent_path(tree::ParentOf(req.path));
  std::optional<NodeView> parent = view.Get(parent_path);
  if (!parent) return Err::kNoNode;
  if (!Allowed(ctx, *parent, proto::perms::kCreate)) return Err::kNoAuth;
  std::string path = req.path;
  if (proto::IsSequential(mode)) path += SequenceSuffix(parent->cversion);
  if (!tree::IsValidPath(path)) return Err::kBadArguments;
  if (view.Get(path)) return Err::kNodeExists;
  tree::Node probe;
  probe.ephemeral_owner = parent->ephemeral_owner;
  if (probe.IsSessionEphemeral()) return Err::kNoChildrenForEphemerals;

  out->op = proto::Op::kCreate;
  out->result_type = op == proto::Op::kCreate ? proto::Op::kCreate : proto::Op::kCreate2;
  out->path = path;
  out->data = req.data;
  out->acl = acl;
  out->ephemeral_owner = OwnerFor(ctx, op, mode, req.ttl);
  out->parent_cversion = static_cast<int32_t>(static_cast<uint32_t>(parent->cversion) + 1u);
  parent->cversion = out->parent_cversion;
  parent->num_children++;
  view.Put(parent_path, parent);
  view.Put(path, NodeView{0, 0, 0, out->ephemeral_owner, 0, acl});
  return Err::kOk;
}

// Checks: session, path shape and special nodes, parent exists, DELETE on parent, node exists,
// version, children.
Err PrepDelete(const PrepContext& ctx, Overlay& view, const proto::DeleteRequest& req,
               Change* out) {
  if (!ctx.session_alive) return Err::kSessionExpired;
  if (!HasParent(req.path) || IsSpecialPath(req.path)) return Err::kBadArguments;
  std::string parent_path(tree::ParentOf(req.path));
  std::optional<NodeView> parent = view.Get(parent_path);
  if (!parent) return Err::kNoNode;
  if (!Allowed(ctx, *parent, proto::perms::kDelete)) return Err::kNoAuth;
  std::optional<NodeView> node = view.Get(req.path);
  if (!node) return Err::kNoNode;
  int32_t unused = 0;
  if (Err e = CheckVersion(node->version, req.version, &unused); e != Err::kOk) return e;
  if (node->num_children > 0) return Err::kNotEmpty;

  out->op = out->result_type = proto::Op::kDelete;
  out->path = req.path;
  parent->num_children--;
  view.Put(parent_path, parent);
  view.Put(req.path, std::nullopt);
  return Err::kOk;
}

// Checks: session, path validity, node exists, WRITE, version.
Err PrepSetData(const PrepContext& ctx, Overlay& view, const proto::SetDataRequest& req,
                Change* out) {
  if (!ctx.session_alive) return Err::kSessionExpired;
  if (!tree::IsValidPath(req.path)) return Err::kBadArguments;
  std::optional<NodeView> node = view.Get(req.path);
  if (!node) return Err::kNoNode;
  if (!Allowed(ctx, *node, proto::perms::kWrite)) return Err::kNoAuth;
  int32_t next = 0;
  if (Err e = CheckVersion(node->version, req.version, &next); e != Err::kOk) return e;

  out->op = out->result_type = proto::Op::kSetData;
  out->path = req.path;
  out->data = req.data;
  out->version = next;
  node->version = next;
  view.Put(req.path, node);
  return Err::kOk;
}

// Checks: session, path validity, ACL validity, node exists, ADMIN, aversion.
Err PrepSetAcl(const PrepContext& ctx, Overlay& view, const proto::SetACLRequest& req,
               Change* out) {
  if (!ctx.session_alive) return Err::kSessionExpired;
  if (!tree::IsValidPath(req.path)) return Err::kBadArguments;
  proto::AclList acl;
  if (Err e = FixupAcl(req.acl, *ctx.identities, &acl); e != Err::kOk) return e;
  std::optional<NodeView> node = view.Get(req.path);
  if (!node) return Err::kNoNode;
  if (!Allowed(ctx, *node, proto::perms::kAdmin)) return Err::kNoAuth;
  int32_t next = 0;
  if (Err e = CheckVersion(node->aversion, req.version, &next); e != Err::kOk) return e;

  out->op = out->result_type = proto::Op::kSetACL;
  out->path = req.path;
  out->acl = acl;
  out->version = next;
  node->aversion = next;
  node->acl = acl;
  view.Put(req.path, node);
  return Err::kOk;
}

// Checks: session, path validity, node exists, READ, version (nothing changes).
Err PrepCheck(const PrepContext& ctx, Overlay& view, const proto::CheckVersionRequest& req,
              Change* out) {
  if (!ctx.session_alive) return Err::kSessionExpired;
  if (!tree::IsValidPath(req.path)) return Err::kBadArguments;
  std::optional<NodeView> node = view.Get(req.path);
  if (!node) return Err::kNoNode;
  if (!Allowed(ctx, *node, proto::perms::kRead)) return Err::kNoAuth;
  if (req.version != -1 && req.version != node->version) return Err::kBadVersion;
  out->op = out->result_type = proto::Op::kCheck;
  out->path = req.path;
  return Err::kOk;
}

namespace {

proto::CreateTTLRequest AsCreateTtl(const proto::CreateRequest& c) {
  return {c.path, c.data, c.acl, c.flags, -1};
}

// Decodes and prepares one op of a write; kMarshallingError if the body does not decode.
template <typename Req, typename PrepFn>
Err DecodeAndPrep(std::string_view body, Req* req, PrepFn prep) {
  if (!proto::DecodeFrom(body, req)) return Err::kMarshallingError;
  return prep(*req);
}

}  // namespace

Err PrepWrite(const PrepContext& ctx, Overlay& view, Op op, std::string_view body, Change* out) {
  switch (op) {
    case Op::kCreate:
    case Op::kCreate2:
    case Op::kCreateContainer: {
      proto::CreateRequest r;
      return DecodeAndPrep(body, &r, [&](const proto::CreateRequest& req) {
        return PrepCreate(ctx, view, op, AsCreateTtl(req), out);
      });
    }
    case Op::kCreateTTL: {
      proto::CreateTTLRequest r;
      return DecodeAndPrep(body, &r, [&](const proto::CreateTTLRequest& req) {
        return PrepCreate(ctx, view, op, req, out);
      });
    }
    case Op::kDelete: {
      proto::DeleteRequest r;
      return DecodeAndPrep(body, &r, [&](const proto::DeleteRequest& req) {
        return PrepDelete(ctx, view, req, out);
      });
    }
    case Op::kSetData: {
      proto::SetDataRequest r;
      return DecodeAndPrep(body, &r, [&](const proto::SetDataRequest& req) {
        return PrepSetData(ctx, view, req, out);
      });
    }
    case Op::kSetACL: {
      proto::SetACLRequest r;
      return DecodeAndPrep(body, &r, [&](const proto::SetACLRequest& req) {
        return PrepSetAcl(ctx, view, req, out);
      });
    }
    default:
      return Err::kUnimplemented;
  }
}

// Prepares one op of a multi from its decoded body.
Err PrepMultiOp(const PrepContext& ctx, Overlay& view, const proto::MultiOp& op, Change* out) {
  switch (op.type) {
    case Op::kCreate:
    case Op::kCreate2:
    case Op::kCreateContainer: {
      // Inside a multi, ZooKeeper rebuilds each create from its flags (MultiOperationRecord,
      // Op.Create.getOpcode): the container flag makes it a createContainer whatever its opcode.
      const auto& req = std::get<proto::CreateRequest>(op.body);
      bool container = req.flags == static_cast<int32_t>(proto::CreateMode::kContainer);
      return PrepCreate(ctx, view, container ? Op::kCreateContainer : op.type, AsCreateTtl(req),
                        out);
    }
    case Op::kCreateTTL:
      return PrepCreate(ctx, view, op.type, std::get<proto::CreateTTLRequest>(op.body), out);
    case Op::kDelete:
      return PrepDelete(ctx, view, std::get<proto::DeleteRequest>(op.body), out);
    case Op::kSetData:
      return PrepSetData(ctx, view, std::get<proto::SetDataRequest>(op.body), out);
    case Op::kCheck:
      return PrepCheck(ctx, view, std::get<proto::DeleteRequest>(op.body), out);
    default:
      return Err::kMarshallingError;
  }
}

}  // namespace paddock::statemachine::internal

