// The synchronous and future forms of every operation, built on the callback forms; the value
// helpers of paddock/types.h; and NewClient.
#include <memory>

#include "client/network_client.h"
#include "paddock/client.h"

namespace paddock {

template <typename T, typename Begin>
Reply<T> Client::Await(Begin begin) {
  if (OnEventThread()) return Reply<T>{Error::kApiError, {}};
  auto promise = std::make_shared<std::promise<Reply<T>>>();
  std::future<Reply<T>> future = promise->get_future();
  begin([promise](Reply<T> r) { promise->set_value(std::move(r)); });
  if (future.wait_for(SyncTimeout()) != std::future_status::ready) {
    return Reply<T>{Error::kOperationTimeout, {}};
  }
  return future.get();
}

template <typename T, typename Begin>
std::future<Reply<T>> Client::Promise(Begin begin) {
  auto promise = std::make_shared<std::promise<Reply<T>>>();
  std::future<Reply<T>> future = promise->get_future();
  begin([promise](Reply<T> r) { promise->set_value(std::move(r)); });
  return future;
}

// Each op's synchronous and future form, from its callback form.
#define PADDOCK_SYNC_AND_ASYNC(Name, T, Params, Args)                                   \
  Reply<T> Client::Name Params {                                                        \
    return Await<T>([&](Callback<T> cb) { Name Args; });                               \
  }                                                                                     \
  std::future<Reply<T>> Client::Name##Async Params {                                    \
    return Promise<T>([&](Callback<T> cb) { Name Args; });                             \
  }

PADDOCK_SYNC_AND_ASYNC(Create, CreateResult,
                       (const std::string& path, std::optional<std::string> data,
                        CreateMode mode, const AclList& acl, int64_t ttl_ms),
                       (path, std::move(data), mode, acl, ttl_ms, std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(Delete, Empty, (const std::string& path, int32_t version),
                       (path, version, std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(Exists, Stat, (const std::string& path, Watcher watcher),
                       (path, std::move(watcher), std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(GetData, DataResult, (const std::string& path, Watcher watcher),
                       (path, std::move(watcher), std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(SetData, Stat,
                       (const std::string& path, std::optional<std::string> data,
                        int32_t version),
                       (path, std::move(data), version, std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(GetAcl, AclResult, (const std::string& path), (path, std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(SetAcl, Stat,
                       (const std::string& path, const AclList& acl, int32_t version),
                       (path, acl, version, std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(GetChildren, ChildrenResult, (const std::string& path, Watcher watcher),
                       (path, std::move(watcher), std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(GetAllChildrenNumber, int32_t, (const std::string& path),
                       (path, std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(GetEphemerals, std::vector<std::string>, (const std::string& prefix),
                       (prefix, std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(Sync, std::string, (const std::string& path), (path, std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(Multi, std::vector<OpResult>, (const std::vector<Op>& ops),
                       (ops, std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(MultiRead, std::vector<OpResult>, (const std::vector<Op>& ops),
                       (ops, std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(AddWatch, Empty,
                       (const std::string& path, AddWatchMode mode, Watcher watcher),
                       (path, mode, std::move(watcher), std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(RemoveWatches, Empty, (const std::string& path, WatcherType type),
                       (path, type, std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(CheckWatches, Empty, (const std::string& path, WatcherType type),
                       (path, type, std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(WhoAmI, std::vector<ClientInfo>, (), (std::move(cb)))
PADDOCK_SYNC_AND_ASYNC(AddAuth, Empty, (const std::string& scheme, const std::string& auth),
                       (scheme, auth, std::move(cb)))

#undef PADDOCK_SYNC_AND_ASYNC

std::unique_ptr<Client> NewClient(ClientOptions options) {
  Result<client::ConnectString> cs = client::ParseConnectString(options.connect_string);
  if (!cs.ok()) return nullptr;
  net::SslCtxPtr tls_ctx;
  if (options.tls.enabled) {
    Result<net::SslCtxPtr> made = client::NewClientTlsContext(options.tls);
    if (!made.ok()) return nullptr;
    tls_ctx = std::move(*made);
  }
  return std::make_unique<client::NetworkClient>(std::move(options), std::move(*cs),
                                                 std::move(tls_ctx));
}

}  // namespace paddock
