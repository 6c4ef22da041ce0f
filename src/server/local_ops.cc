// Requests answered by this server alone, at the head of the pipeline: reads, pings, watch
// management (setWatches, addWatch, removeWatches, checkWatches) and whoAmI.
#include "base/log.h"
#include "server/server.h"

namespace paddock::server {

using proto::Err;
using proto::EventType;
using proto::Op;

void Server::ExecuteAtHead(Connection& c, PendingRequest& p) {
  proto::ReplyHeader h{p.xid, sm_.last_zxid(), 0};
  std::string body;
  if (p.kind == PendingRequest::Kind::kRead) {
    statemachine::ReadResult r = sm_.Read(p.op, p.body, c.identities(), c.session_id());
    for (auto& [table, path] : r.watches) {
      watches_.Add(table, path, c.id(), watch::Mode::kStandard);
    }
    h.err = static_cast<int32_t>(r.err);
    if (r.err == Err::kOk) body = std::move(r.body);
  } else {
    ExecuteLocal(c, p, &h, &body);
  }
  FinishReply(c, p, h, body);
}

void Server::ExecuteLocal(Connection& c, PendingRequest& p, proto::ReplyHeader* h,
                          std::string* body) {
  switch (static_cast<Op>(p.op)) {
    case Op::kPing:
      h->xid = proto::kXidPing;
      return;
    case Op::kSetWatches:
    case Op::kSetWatches2:
      SetWatchesAtHead(c, p.body, p.op == static_cast<int32_t>(Op::kSetWatches2), h);
      return;
    case Op::kAddWatch: {
      proto::AddWatchRequest req;
      if (!proto::DecodeFrom(p.body, &req) || (req.mode != proto::kAddWatchPersistent &&
                                               req.mode != proto::kAddWatchPersistentRecursive)) {
        h->err = static_cast<int32_t>(Err::kMarshallingError);
        return;
      }
      auto mode = req.mode == proto::kAddWatchPersistent ? watch::Mode::kPersistent
                                                         : watch::Mode::kPersistentRecursive;
      watches_.Add(watch::Table::kData, req.path, c.id(), mode);
      watches_.Add(watch::Table::kChild, req.path, c.id(), mode);
      *body = proto::EncodeToString(proto::IntResponse{0});
      return;
    }
    case Op::kRemoveWatches:
    case Op::kCheckWatches: {
      proto::WatchesRequest req;
      if (!proto::DecodeFrom(p.body, &req) || req.type < proto::kWatcherTypeChildren ||
          req.type > proto::kWatcherTypeAny) {
        h->err = static_cast<int32_t>(Err::kMarshallingError);
        return;
      }
      bool remove = p.op == static_cast<int32_t>(Op::kRemoveWatches);
      bool found = false;
      for (auto table : {watch::Table::kChild, watch::Table::kData}) {
        bool selected = req.type == proto::kWatcherTypeAny ||
                        (table == watch::Table::kChild) ==
                            (req.type == proto::kWatcherTypeChildren);
        if (!selected) continue;
        found |= remove ? watches_.Remove(table, req.path, c.id())
                        : watches_.Contains(table, req.path, c.id());
      }
      if (!found) h->err = static_cast<int32_t>(Err::kNoWatcher);
      return;
    }
    case Op::kWhoAmI: {
      proto::WhoAmIResponse resp;
      for (const auto& id : c.identities()) {
        std::string user = id.scheme == "digest" ? id.id.substr(0, id.id.find(':')) : id.id;
        if (id.scheme == "super") user = "";
        resp.client_info.push_back({id.scheme, user});
      }
      *body = proto::EncodeToString(resp);
      return;
    }
    default:
      // Unknown or not allowed here (a bare check, a notification, sasl): ZooKeeper answers
      // UNIMPLEMENTED with zxid -1 and closes the connection.
      PADDOCK_LOG_INFO("unimplemented op={} session=0x{:x}; closing", p.op, c.session_id());
      h->zxid = -1;
      h->err = static_cast<int32_t>(Err::kUnimplemented);
      p.close_after = true;
      return;
  }
}

// Re-registers a reconnecting client's watches. A watch whose node changed after the client's
// last zxid fires at once instead (reference §7.5); the events go out before the reply.
void Server::SetWatchesAtHead(Connection& c, std::string_view body, bool v2,
                              proto::ReplyHeader* h) {
  proto::SetWatches req;
  req.v2 = v2;
  if (!proto::DecodeFrom(body, &req)) {
    h->err = static_cast<int32_t>(Err::kMarshallingError);
    return;
  }
  const tree::DataTree& tree = sm_.tree();
  int64_t rel = req.relative_zxid;
  for (const auto& path : req.data_watches) {
    const tree::Node* n = tree.Find(path);
    if (n == nullptr) {
      SendNotification(c, EventType::kNodeDeleted, path);
    } else if (n->mzxid > rel) {
      SendNotification(c, EventType::kNodeDataChanged, path);
    } else {
      watches_.Add(watch::Table::kData, path, c.id(), watch::Mode::kStandard);
    }
  }
  for (const auto& path : req.exist_watches) {
    if (tree.Find(path) != nullptr) {
      SendNotification(c, EventType::kNodeCreated, path);
    } else {
      watches_.Add(watch::Table::kData, path, c.id(), watch::Mode::kStandard);
    }
  }
  for (const auto& path : req.child_watches) {
    const tree::Node* n = tree.Find(path);
    if (n == nullptr) {
      SendNotification(c, EventType::kNodeDeleted, path);
    } else if (n->pzxid > rel) {
      SendNotification(c, EventType::kNodeChildrenChanged, path);
    } else {
      watches_.Add(watch::Table::kChild, path, c.id(), watch::Mode::kStandard);
    }
  }
  for (const auto& path : req.persistent_watches) {
    watches_.Add(watch::Table::kData, path, c.id(), watch::Mode::kPersistent);
    watches_.Add(watch::Table::kChild, path, c.id(), watch::Mode::kPersistent);
  }
  for (const auto& path : req.persistent_recursive_watches) {
    watches_.Add(watch::Table::kData, path, c.id(), watch::Mode::kPersistentRecursive);
    watches_.Add(watch::Table::kChild, path, c.id(), watch::Mode::kPersistentRecursive);
  }
}

}  // namespace paddock::server
