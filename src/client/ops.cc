// Each operation of the protocol: the request record it sends and how its reply is decoded.
#include "client/convert.h"
#include "client/network_client.h"
#include "proto/records.h"

namespace paddock::client {
namespace {

using proto::Op;

// Builds a request whose success body decodes into T with `decode`.
template <typename T, typename Decode>
Request MakeRequest(Op op, std::string body, Callback<T> cb, Decode decode) {
  Request req;
  req.op = static_cast<int32_t>(op);
  req.body = std::move(body);
  req.done = [cb = std::move(cb), decode](Error e, std::string_view reply) {
    Reply<T> r;
    r.error = e;
    if (e == Error::kOk && !decode(reply, &r.value)) r.error = Error::kMarshallingError;
    if (cb) cb(std::move(r));
  };
  return req;
}

bool NoBody(std::string_view, Empty*) { return true; }

bool DecodeStat(std::string_view body, Stat* out) {
  proto::StatResponse s;
  if (!proto::DecodeFrom(body, &s)) return false;
  *out = ToStat(s.stat);
  return true;
}

}  // namespace

void NetworkClient::Create(const std::string& path, std::optional<std::string> data,
                           CreateMode mode, const AclList& acl, int64_t ttl_ms,
                           Callback<CreateResult> cb) {
  bool ttl = mode == CreateMode::kPersistentWithTtl ||
             mode == CreateMode::kPersistentSequentialWithTtl;
  Op op = mode == CreateMode::kContainer ? Op::kCreateContainer
          : ttl                          ? Op::kCreateTTL
                                         : Op::kCreate2;
  std::string body;
  if (ttl) {
    body = proto::EncodeToString(proto::CreateTTLRequest{Path(path), std::move(data),
                                                         ToProto(acl),
                                                         static_cast<int32_t>(mode), ttl_ms});
  } else {
    body = proto::EncodeToString(
        proto::CreateRequest{Path(path), std::move(data), ToProto(acl), static_cast<int32_t>(mode)});
  }
  Submit(MakeRequest<CreateResult>(op, std::move(body), std::move(cb),
                                   [this](std::string_view b, CreateResult* out) {
                                     proto::Create2Response r;
                                     if (!proto::DecodeFrom(b, &r)) return false;
                                     out->path = Unroot(r.path);
                                     out->stat = ToStat(r.stat);
                                     return true;
                                   }));
}

void NetworkClient::Delete(const std::string& path, int32_t version, Callback<Empty> cb) {
  Submit(MakeRequest<Empty>(Op::kDelete,
                            proto::EncodeToString(proto::DeleteRequest{Path(path), version}),
                            std::move(cb), NoBody));
}

void NetworkClient::Exists(const std::string& path, Watcher watcher, Callback<Stat> cb) {
  bool watch = static_cast<bool>(watcher);
  Request req = MakeRequest<Stat>(
      Op::kExists, proto::EncodeToString(proto::PathWatchRequest{Path(path), watch}),
      std::move(cb), DecodeStat);
  req.watcher = std::move(watcher);
  req.watch_kind = WatchRegistry::Kind::kData;
  req.watch_path = path;
  req.watch_on_nonode = true;
  Submit(std::move(req));
}

void NetworkClient::GetData(const std::string& path, Watcher watcher, Callback<DataResult> cb) {
  bool watch = static_cast<bool>(watcher);
  Request req = MakeRequest<DataResult>(
      Op::kGetData, proto::EncodeToString(proto::PathWatchRequest{Path(path), watch}),
      std::move(cb), [](std::string_view b, DataResult* out) {
        proto::GetDataResponse r;
        if (!proto::DecodeFrom(b, &r)) return false;
        out->data = std::move(r.data);
        out->stat = ToStat(r.stat);
        return true;
      });
  req.watcher = std::move(watcher);
  req.watch_kind = WatchRegistry::Kind::kData;
  req.watch_path = path;
  Submit(std::move(req));
}

void NetworkClient::SetData(const std::string& path, std::optional<std::string> data,
                            int32_t version, Callback<Stat> cb) {
  Submit(MakeRequest<Stat>(
      Op::kSetData,
      proto::EncodeToString(proto::SetDataRequest{Path(path), std::move(data), version}),
      std::move(cb), DecodeStat));
}

void NetworkClient::GetAcl(const std::string& path, Callback<AclResult> cb) {
  Submit(MakeRequest<AclResult>(Op::kGetACL, proto::EncodeToString(proto::PathRequest{Path(path)}),
                                std::move(cb), [](std::string_view b, AclResult* out) {
                                  proto::GetACLResponse r;
                                  if (!proto::DecodeFrom(b, &r)) return false;
                                  out->acl = FromProto(r.acl);
                                  out->stat = ToStat(r.stat);
                                  return true;
                                }));
}

void NetworkClient::SetAcl(const std::string& path, const AclList& acl, int32_t version,
                           Callback<Stat> cb) {
  Submit(MakeRequest<Stat>(
      Op::kSetACL, proto::EncodeToString(proto::SetACLRequest{Path(path), ToProto(acl), version}),
      std::move(cb), DecodeStat));
}

void NetworkClient::GetChildren(const std::string& path, Watcher watcher,
                                Callback<ChildrenResult> cb) {
  bool watch = static_cast<bool>(watcher);
  Request req = MakeRequest<ChildrenResult>(
      Op::kGetChildren2, proto::EncodeToString(proto::PathWatchRequest{Path(path), watch}),
      std::move(cb), [](std::string_view b, ChildrenResult* out) {
        proto::GetChildren2Response r;
        if (!proto::DecodeFrom(b, &r)) return false;
        out->children = std::move(r.children);
        out->stat = ToStat(r.stat);
        return true;
      });
  req.watcher = std::move(watcher);
  req.watch_kind = WatchRegistry::Kind::kChild;
  req.watch_path = path;
  Submit(std::move(req));
}

void NetworkClient::GetAllChildrenNumber(const std::string& path, Callback<int32_t> cb) {
  Submit(MakeRequest<int32_t>(Op::kGetAllChildrenNumber,
                              proto::EncodeToString(proto::PathRequest{Path(path)}), std::move(cb),
                              [](std::string_view b, int32_t* out) {
                                proto::IntResponse r;
                                if (!proto::DecodeFrom(b, &r)) return false;
                                *out = r.value;
                                return true;
                              }));
}

void NetworkClient::GetEphemerals(const std::string& prefix,
                                  Callback<std::vector<std::string>> cb) {
  Submit(MakeRequest<std::vector<std::string>>(
      Op::kGetEphemerals, proto::EncodeToString(proto::PathRequest{Path(prefix)}), std::move(cb),
      [this](std::string_view b, std::vector<std::string>* out) {
        proto::StringListResponse r;
        if (!proto::DecodeFrom(b, &r)) return false;
        for (auto& p : r.items) out->push_back(Unroot(p));
        return true;
      }));
}

void NetworkClient::Sync(const std::string& path, Callback<std::string> cb) {
  Submit(MakeRequest<std::string>(Op::kSync, proto::EncodeToString(proto::PathRequest{Path(path)}),
                                  std::move(cb), [this](std::string_view b, std::string* out) {
                                    proto::PathRequest r;
                                    if (!proto::DecodeFrom(b, &r)) return false;
                                    *out = Unroot(r.path);
                                    return true;
                                  }));
}

void NetworkClient::AddWatch(const std::string& path, AddWatchMode mode, Watcher watcher,
                             Callback<Empty> cb) {
  Request req = MakeRequest<Empty>(
      Op::kAddWatch,
      proto::EncodeToString(proto::AddWatchRequest{Path(path), static_cast<int32_t>(mode)}),
      std::move(cb), NoBody);
  req.watcher = std::move(watcher);
  req.watch_kind = mode == AddWatchMode::kPersistent ? WatchRegistry::Kind::kPersistent
                                                     : WatchRegistry::Kind::kRecursive;
  req.watch_path = path;
  Submit(std::move(req));
}

void NetworkClient::RemoveWatches(const std::string& path, WatcherType type,
                                  Callback<Empty> cb) {
  // The local watchers go first; the server is asked only if there were some (as ZooKeeper's
  // client does), and its answer is the reply.
  Post([this, path, type, cb = std::move(cb)]() mutable {
    if (!watches_.Remove(path, type)) {
      if (cb) cb(Reply<Empty>{Error::kNoWatcher, {}});
      return;
    }
    Request req = MakeRequest<Empty>(
        Op::kRemoveWatches,
        proto::EncodeToString(proto::WatchesRequest{Path(path), static_cast<int32_t>(type)}),
        std::move(cb), NoBody);
    if (phase_ == ConnPhase::kOpen) {
      SendRequest(std::move(req));
    } else {
      queued_.push_back(std::move(req));
    }
  });
}

void NetworkClient::CheckWatches(const std::string& path, WatcherType type, Callback<Empty> cb) {
  Submit(MakeRequest<Empty>(
      Op::kCheckWatches,
      proto::EncodeToString(proto::WatchesRequest{Path(path), static_cast<int32_t>(type)}),
      std::move(cb), NoBody));
}

void NetworkClient::WhoAmI(Callback<std::vector<ClientInfo>> cb) {
  Submit(MakeRequest<std::vector<ClientInfo>>(
      Op::kWhoAmI, std::string(), std::move(cb),
      [](std::string_view b, std::vector<ClientInfo>* out) {
        proto::WhoAmIResponse r;
        if (!proto::DecodeFrom(b, &r)) return false;
        for (auto& ci : r.client_info) out->push_back({ci.auth_scheme, ci.user});
        return true;
      }));
}

void NetworkClient::AddAuth(const std::string& scheme, const std::string& auth,
                            Callback<Empty> cb) {
  bool posted = Post([this, scheme, auth, cb]() mutable {
    auths_.emplace_back(scheme, auth);
    auth_waiters_.push_back(std::move(cb));
    if (phase_ != ConnPhase::kOpen) return;  // sent right after the next handshake
    proto::AuthPacket p{0, scheme, auth};
    std::string payload = proto::EncodeToString(proto::RequestHeader{proto::kXidAuth, 100});
    payload += proto::EncodeToString(p);
    SendFrame(std::move(payload));
  });
  if (!posted && cb) cb(Reply<Empty>{Error::kClosing, {}});
}

}  // namespace paddock::client
