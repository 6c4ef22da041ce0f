// multi (atomic writes) and multiRead (independent reads).
#include "client/convert.h"
#include "client/network_client.h"
#include "proto/records.h"

namespace paddock::client {
namespace {

using proto::Op;

proto::MultiOp ToProtoOp(const paddock::Op& op, const std::string& path) {
  using T = paddock::Op::Type;
  switch (op.type) {
    case T::kCreate: {
      bool ttl = op.mode == CreateMode::kPersistentWithTtl ||
                 op.mode == CreateMode::kPersistentSequentialWithTtl;
      auto flags = static_cast<int32_t>(op.mode);
      if (ttl) {
        return {Op::kCreateTTL, proto::CreateTTLRequest{path, op.data, ToProto(op.acl), flags,
                                                        op.ttl_ms}};
      }
      Op code = op.mode == CreateMode::kContainer ? Op::kCreateContainer : Op::kCreate;
      return {code, proto::CreateRequest{path, op.data, ToProto(op.acl), flags}};
    }
    case T::kDelete:
      return {Op::kDelete, proto::DeleteRequest{path, op.version}};
    case T::kSetData:
      return {Op::kSetData, proto::SetDataRequest{path, op.data, op.version}};
    case T::kCheck:
      return {Op::kCheck, proto::DeleteRequest{path, op.version}};
    case T::kGetData:
      return {Op::kGetData, proto::PathWatchRequest{path, false}};
    case T::kGetChildren:
      return {Op::kGetChildren, proto::PathWatchRequest{path, false}};
  }
  return {};
}

// Decodes a multi or multiRead reply into per-op results (paths relative to the chroot).
Reply<std::vector<OpResult>> DecodeResults(Error e, std::string_view body,
                                           const std::string& chroot) {
  Reply<std::vector<OpResult>> r;
  r.error = e;
  proto::MultiResponse resp;
  if (e == Error::kOk && !proto::DecodeFrom(body, &resp)) r.error = Error::kMarshallingError;
  for (auto& res : resp.results) {
    OpResult o;
    o.error = res.type == Op::kError ? static_cast<Error>(res.err) : Error::kOk;
    o.path = res.path.empty() ? "" : StripChroot(chroot, res.path);
    o.stat = ToStat(res.stat);
    o.data = std::move(res.data);
    o.children = std::move(res.children);
    r.value.push_back(std::move(o));
  }
  return r;
}

}  // namespace

void NetworkClient::Multi(const std::vector<paddock::Op>& ops,
                          Callback<std::vector<OpResult>> cb) {
  proto::MultiRequest m;
  for (const auto& op : ops) m.ops.push_back(ToProtoOp(op, Path(op.path)));
  Request req;
  req.op = static_cast<int32_t>(Op::kMulti);
  req.body = proto::EncodeToString(m);
  req.done = [this, cb = std::move(cb)](Error e, std::string_view body) {
    Reply<std::vector<OpResult>> r = DecodeResults(e, body, cs_.chroot);
    // The reply of a multi is its first failure (ZooKeeper's clients do the same).
    for (const OpResult& o : r.value) {
      if (r.error == Error::kOk && o.error != Error::kRuntimeInconsistency) r.error = o.error;
    }
    if (cb) cb(std::move(r));
  };
  Submit(std::move(req));
}

void NetworkClient::MultiRead(const std::vector<paddock::Op>& ops,
                              Callback<std::vector<OpResult>> cb) {
  proto::MultiRequest m;
  for (const auto& op : ops) m.ops.push_back(ToProtoOp(op, Path(op.path)));
  Request req;
  req.op = static_cast<int32_t>(Op::kMultiRead);
  req.body = proto::EncodeToString(m);
  req.done = [this, cb = std::move(cb)](Error e, std::string_view body) {
    if (cb) cb(DecodeResults(e, body, cs_.chroot));
  };
  Submit(std::move(req));
}

}  // namespace paddock::client
