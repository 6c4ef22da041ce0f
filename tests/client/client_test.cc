// The client test suite, run against paddock-server and against Apache ZooKeeper 3.8 alike.
//
// What it proves: every operation works in its callback, future and synchronous forms; paths
// are relative to the chroot in requests, replies and watch events; a connection string whose
// first hosts are dead still connects; one-shot, persistent and recursive watches fire as
// ZooKeeper's clients promise; and, through a TCP proxy the test controls, that the session
// rules hold: a cut connection goes CONNECTED -> CONNECTING -> CONNECTED with the same session
// and its ephemerals, requests in flight fail with CONNECTIONLOSS, a watch set before the cut
// fires for a change made while disconnected, a client held off longer than its timeout hears
// kSilentPastTimeout and then EXPIRED, and a wrong password on resume gives EXPIRED. Each server
// kind is started once per test binary (a real process on a loopback port); tests use their
// own paths. The observed state sequences are printed for the record.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "paddock/client.h"
#include "paddock/recipes.h"
#include "testing/test_server.h"

namespace paddock {
namespace {

using std::chrono::milliseconds;
using testing::ServerKind;
using testing::TestServer;

// Records session events for assertions; waits with a bounded timeout.
class Recorder {
 public:
  StateListener Listener() {
    return [this](const SessionEvent& e) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(e);
      cv_.notify_all();
    };
  }
  // Waits for a state entered after the last Mark().
  bool WaitState(SessionState s, milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&]() {
      for (size_t i = mark_; i < events_.size(); i++) {
        const SessionEvent& e = events_[i];
        if (e.kind == SessionEvent::Kind::kStateChanged && e.state == s) return true;
      }
      return false;
    });
  }
  void Mark() {
    std::lock_guard<std::mutex> lock(mu_);
    mark_ = events_.size();
  }
  bool Saw(SessionEvent::Kind kind) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& e : events_) {
      if (e.kind == kind) return true;
    }
    return false;
  }
  std::vector<SessionState> States() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<SessionState> out;
    for (auto& e : events_) {
      if (e.kind == SessionEvent::Kind::kStateChanged) out.push_back(e.state);
    }
    return out;
  }
  std::string Sequence() {
    std::string s;
    for (SessionState st : States()) s += (s.empty() ? "" : " -> ") + SessionStateName(st);
    return s;
  }
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    events_.clear();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<SessionEvent> events_;
  size_t mark_ = 0;
};

// Collects watch events.
class Events {
 public:
  Watcher Fn() {
    return [this](const WatchEvent& e) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(e);
      cv_.notify_all();
    };
  }
  bool WaitCount(size_t n, milliseconds timeout = milliseconds(10000)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&]() { return events_.size() >= n; });
  }
  std::vector<WatchEvent> Get() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<WatchEvent> events_;
};

class ClientTest : public ::testing::TestWithParam<ServerKind> {
 protected:
  static void SetUpTestSuite() {
    for (ServerKind k : {ServerKind::kPaddock, ServerKind::kZooKeeper}) {
      servers_[static_cast<int>(k)] = TestServer::Start(k, {{"extendedTypesEnabled", "true"}});
    }
  }
  static void TearDownTestSuite() {
    for (auto& s : servers_) s.reset();
  }
  TestServer& server() { return *servers_[static_cast<int>(GetParam())]; }

  std::unique_ptr<Client> Connect(const std::string& connect, Recorder* rec = nullptr,
                                  int timeout_ms = 10000, int64_t sid = 0,
                                  std::string pw = {}) {
    ClientOptions o;
    o.connect_string = connect;
    o.session_timeout = milliseconds(timeout_ms);
    o.session_id = sid;
    o.password = std::move(pw);
    if (rec != nullptr) o.listener = rec->Listener();
    std::unique_ptr<Client> c = NewClient(o);
    EXPECT_NE(c, nullptr);
    c->Start();
    return c;
  }
  std::unique_ptr<Client> ConnectOk(const std::string& connect, Recorder* rec = nullptr,
                                    int timeout_ms = 10000) {
    auto c = Connect(connect, rec, timeout_ms);
    EXPECT_TRUE(c->WaitConnected(milliseconds(10000)));
    return c;
  }
  // A path unique to this test and server kind.
  std::string Root() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info->name();
    for (char& ch : name) {
      if (ch == '/') ch = '_';
    }
    return "/" + name;
  }

  static std::unique_ptr<TestServer> servers_[2];
};

std::unique_ptr<TestServer> ClientTest::servers_[2];

TEST_P(ClientTest, SynchronousOperationsRoundTrip) {
  auto c = ConnectOk(server().connect_string());
  std::string r = Root();
  ASSERT_TRUE(c->Create(r, "root").ok());
  auto created = c->Create(r + "/a", "hello");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created.value.path, r + "/a");
  auto got = c->GetData(r + "/a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got.value.data, std::optional<std::string>("hello"));
  EXPECT_EQ(c->SetData(r + "/a", "x", 5).error, Error::kBadVersion);
  auto set = c->SetData(r + "/a", "x", 0);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set.value.version, 1);
  EXPECT_EQ(c->Create(r + "/a", "").error, Error::kNodeExists);
  EXPECT_EQ(c->GetData(r + "/missing").error, Error::kNoNode);
  auto seq = c->Create(r + "/s-", std::nullopt, CreateMode::kPersistentSequential);
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(seq.value.path, r + "/s-0000000001");
  auto kids = c->GetChildren(r);
  ASSERT_TRUE(kids.ok());
  EXPECT_EQ(kids.value.children.size(), 2u);
  EXPECT_EQ(c->GetAllChildrenNumber(r).value, 2);
  EXPECT_EQ(c->Delete(r).error, Error::kNotEmpty);
  EXPECT_TRUE(c->Sync(r).ok());
  EXPECT_EQ(c->Exists(r + "/nope").error, Error::kNoNode);
}

TEST_P(ClientTest, CallbackAndFutureFormsWork) {
  auto c = ConnectOk(server().connect_string());
  std::string r = Root();
  std::future<Reply<CreateResult>> f = c->CreateAsync(r, "v");
  ASSERT_TRUE(f.get().ok());
  std::promise<Reply<DataResult>> p;
  c->GetData(r, nullptr, [&p](Reply<DataResult> reply) { p.set_value(std::move(reply)); });
  EXPECT_EQ(p.get_future().get().value.data, std::optional<std::string>("v"));
  // A synchronous call from inside a callback is refused instead of deadlocking.
  std::promise<Error> inner;
  c->Exists(r, nullptr, [&](Reply<Stat>) { inner.set_value(c->Exists(r).error); });
  EXPECT_EQ(inner.get_future().get(), Error::kApiError);
}

TEST_P(ClientTest, EphemeralsAclsAuthAndWhoAmI) {
  auto c = ConnectOk(server().connect_string());
  std::string r = Root();
  ASSERT_TRUE(c->Create(r, "").ok());
  ASSERT_TRUE(c->Create(r + "/e", "", CreateMode::kEphemeral).ok());
  EXPECT_EQ(c->Create(r + "/e/child", "").error, Error::kNoChildrenForEphemerals);
  auto eph = c->GetEphemerals(r);
  ASSERT_TRUE(eph.ok());
  EXPECT_EQ(eph.value, std::vector<std::string>{r + "/e"});
  ASSERT_TRUE(c->AddAuth("digest", "alice:secret").ok());
  ASSERT_TRUE(c->Create(r + "/private", "p", CreateMode::kPersistent, CreatorAllAcl()).ok());
  auto other = ConnectOk(server().connect_string());
  EXPECT_EQ(other->GetData(r + "/private").error, Error::kNoAuth);
  auto acl = c->GetAcl(r + "/private");
  ASSERT_TRUE(acl.ok());
  ASSERT_EQ(acl.value.acl.size(), 1u);
  EXPECT_EQ(acl.value.acl[0].scheme, "digest");
  auto who = c->WhoAmI();
  ASSERT_TRUE(who.ok());
  bool saw_alice = false;
  for (auto& ci : who.value) saw_alice |= ci.scheme == "digest" && ci.user == "alice";
  EXPECT_TRUE(saw_alice);
}

TEST_P(ClientTest, MultiIsAtomicAndMultiReadIsNot) {
  auto c = ConnectOk(server().connect_string());
  std::string r = Root();
  auto ok = c->Multi({Op::Create(r, "m"), Op::Create(r + "/x", "1"), Op::SetData(r + "/x", "2")});
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok.value.size(), 3u);
  auto bad = c->Multi({Op::Create(r + "/y", ""), Op::Check(r + "/x", 7)});
  EXPECT_EQ(bad.error, Error::kBadVersion);
  ASSERT_EQ(bad.value.size(), 2u);
  EXPECT_EQ(bad.value[0].error, Error::kOk);
  EXPECT_EQ(c->Exists(r + "/y").error, Error::kNoNode);
  auto rd = c->MultiRead({Op::GetData(r + "/x"), Op::GetData(r + "/none"), Op::GetChildren(r)});
  ASSERT_TRUE(rd.ok());
  ASSERT_EQ(rd.value.size(), 3u);
  EXPECT_EQ(rd.value[0].data, std::optional<std::string>("2"));
  EXPECT_EQ(rd.value[1].error, Error::kNoNode);
  EXPECT_EQ(rd.value[2].children, std::vector<std::string>{"x"});
}

TEST_P(ClientTest, ChrootMakesPathsRelativeEverywhere) {
  auto root = ConnectOk(server().connect_string());
  std::string r = Root();
  ASSERT_TRUE(root->Create(r, "").ok());
  auto c = ConnectOk(server().connect_string() + r);
  Events ev;
  ASSERT_EQ(c->Exists("/inside", ev.Fn()).error, Error::kNoNode);
  auto created = c->Create("/inside", "x", CreateMode::kEphemeralSequential);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created.value.path.rfind("/inside", 0), 0u);
  EXPECT_TRUE(root->Exists(r + created.value.path).ok());
  auto kids = c->GetChildren("/");
  ASSERT_TRUE(kids.ok());
  EXPECT_EQ(kids.value.children.size(), 1u);
  ASSERT_TRUE(c->Create("/inside", "").ok());
  ASSERT_TRUE(ev.WaitCount(1));
  EXPECT_EQ(ev.Get()[0].path, "/inside");
  EXPECT_EQ(ev.Get()[0].type, EventType::kNodeCreated);
}

TEST_P(ClientTest, DeadHostsInTheConnectionStringAreSkipped) {
  std::string hosts = "127.0.0.1:" + std::to_string(testing::FreePort()) + ",127.0.0.1:" +
                      std::to_string(testing::FreePort()) + "," + server().connect_string();
  auto c = Connect(hosts);
  EXPECT_TRUE(c->WaitConnected(milliseconds(15000)));
  EXPECT_EQ(c->server(), server().connect_string());
}

TEST_P(ClientTest, OneShotPersistentAndRecursiveWatchesFire) {
  auto c = ConnectOk(server().connect_string());
  auto w = ConnectOk(server().connect_string());
  // A second watcher session: on the server a later registration of the same path by the same
  // session replaces the earlier one's mode (ZooKeeper's rule), so the recursive watch lives
  // on its own session.
  auto w2 = ConnectOk(server().connect_string());
  std::string r = Root();
  ASSERT_TRUE(c->Create(r, "").ok());
  Events data, child, recursive;
  ASSERT_TRUE(w->GetData(r, data.Fn()).ok());
  ASSERT_TRUE(w->GetChildren(r, child.Fn()).ok());
  ASSERT_TRUE(w2->AddWatch(r, AddWatchMode::kPersistentRecursive, recursive.Fn()).ok());
  ASSERT_TRUE(c->SetData(r, "1").ok());
  ASSERT_TRUE(c->SetData(r, "2").ok());  // the one-shot data watch does not fire again
  ASSERT_TRUE(c->Create(r + "/k", "").ok());
  ASSERT_TRUE(c->SetData(r + "/k", "v").ok());
  ASSERT_TRUE(recursive.WaitCount(4));
  ASSERT_TRUE(child.WaitCount(1));
  EXPECT_EQ(data.Get().size(), 1u);
  EXPECT_EQ(data.Get()[0].type, EventType::kNodeDataChanged);
  EXPECT_EQ(child.Get()[0].type, EventType::kNodeChildrenChanged);
  auto rec = recursive.Get();
  EXPECT_EQ(rec[2].type, EventType::kNodeCreated);
  EXPECT_EQ(rec[2].path, r + "/k");
  EXPECT_TRUE(w2->CheckWatches(r, WatcherType::kAny).ok());
  EXPECT_TRUE(w2->RemoveWatches(r, WatcherType::kAny).ok());
  EXPECT_EQ(w2->RemoveWatches(r, WatcherType::kAny).error, Error::kNoWatcher);
}

TEST_P(ClientTest, CutConnectionKeepsTheSessionAndFiresMissedWatches) {
  testing::TcpProxy proxy(server().port());
  Recorder rec;
  auto c = ConnectOk("127.0.0.1:" + std::to_string(proxy.port()), &rec, 4000);
  auto other = ConnectOk(server().connect_string());
  std::string r = Root();
  ASSERT_TRUE(c->Create(r, "").ok());
  ASSERT_TRUE(c->Create(r + "/e", "", CreateMode::kEphemeral).ok());
  Events ev;
  ASSERT_TRUE(c->GetData(r, ev.Fn()).ok());
  int64_t sid = c->session_id();
  rec.Mark();
  proxy.Blackhole();
  std::future<Reply<Stat>> in_flight = c->ExistsAsync(r);
  ASSERT_TRUE(rec.WaitState(SessionState::kConnecting, milliseconds(6000)));
  EXPECT_EQ(in_flight.get().error, Error::kConnectionLoss);
  ASSERT_TRUE(other->SetData(r, "changed while away").ok());
  proxy.Restore();
  ASSERT_TRUE(c->WaitConnected(milliseconds(8000)));
  EXPECT_EQ(c->session_id(), sid);
  EXPECT_TRUE(c->Exists(r + "/e").ok());
  ASSERT_TRUE(ev.WaitCount(1));
  EXPECT_EQ(ev.Get()[0].type, EventType::kNodeDataChanged);
  std::vector<SessionState> want = {SessionState::kConnecting, SessionState::kConnected,
                                    SessionState::kConnecting, SessionState::kConnected};
  EXPECT_EQ(rec.States(), want);
  std::printf("[%s] cut: %s\n", testing::ServerKindName(GetParam()), rec.Sequence().c_str());
}

TEST_P(ClientTest, ClosedConnectionReconnectsAtOnceWithTheSameSession) {
  testing::TcpProxy proxy(server().port());
  Recorder rec;
  auto c = ConnectOk("127.0.0.1:" + std::to_string(proxy.port()), &rec, 4000);
  std::string r = Root();
  ASSERT_TRUE(c->Create(r, "", CreateMode::kEphemeral).ok());
  int64_t sid = c->session_id();
  rec.Mark();
  proxy.Cut();
  ASSERT_TRUE(rec.WaitState(SessionState::kConnecting, milliseconds(5000)));
  ASSERT_TRUE(rec.WaitState(SessionState::kConnected, milliseconds(5000)));
  EXPECT_EQ(c->session_id(), sid);
  auto ex = c->Exists(r);
  EXPECT_TRUE(ex.ok()) << ErrorName(ex.error);
  std::printf("[%s] closed: %s\n", testing::ServerKindName(GetParam()), rec.Sequence().c_str());
}

TEST_P(ClientTest, ClientHeldOffPastItsTimeoutIsExpired) {
  testing::TcpProxy proxy(server().port());
  Recorder rec;
  auto c = ConnectOk("127.0.0.1:" + std::to_string(proxy.port()), &rec, 1000);
  auto watcher = ConnectOk(server().connect_string());
  std::string r = Root();
  ASSERT_TRUE(c->Create(r, "", CreateMode::kEphemeral).ok());
  Events gone;
  ASSERT_TRUE(watcher->Exists(r, gone.Fn()).ok());
  rec.Mark();
  proxy.Blackhole();
  ASSERT_TRUE(gone.WaitCount(1, milliseconds(10000)));  // the ensemble expired the session
  EXPECT_EQ(gone.Get()[0].type, EventType::kNodeDeleted);
  for (int i = 0; i < 100 && !rec.Saw(SessionEvent::Kind::kSilentPastTimeout); i++) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_TRUE(rec.Saw(SessionEvent::Kind::kSilentPastTimeout));
  proxy.Restore();
  ASSERT_TRUE(rec.WaitState(SessionState::kExpired, milliseconds(10000)));
  EXPECT_EQ(c->Exists("/").error, Error::kSessionExpired);
  std::printf("[%s] held off: %s\n", testing::ServerKindName(GetParam()), rec.Sequence().c_str());
}

TEST_P(ClientTest, WrongPasswordOnResumeIsExpired) {
  auto a = ConnectOk(server().connect_string());
  Recorder rec;
  auto b = Connect(server().connect_string(), &rec, 10000, a->session_id(), std::string(16, 'x'));
  ASSERT_TRUE(rec.WaitState(SessionState::kExpired, milliseconds(10000)));
  EXPECT_TRUE(a->Exists("/").ok());  // the real owner is undisturbed... on Paddock at least
  std::printf("[%s] wrong password: %s\n", testing::ServerKindName(GetParam()),
              rec.Sequence().c_str());
}

TEST_P(ClientTest, ResumingWithTheRightPasswordKeepsTheSession) {
  // The first owner is cut off behind a silent proxy, so that it cannot take the session back
  // (two live clients sharing a session keep taking it from each other, on ZooKeeper too).
  testing::TcpProxy proxy(server().port());
  auto a = ConnectOk("127.0.0.1:" + std::to_string(proxy.port()));
  std::string r = Root();
  ASSERT_TRUE(a->Create(r, "", CreateMode::kEphemeral).ok());
  proxy.Blackhole();
  Recorder rec;
  auto b = Connect(server().connect_string(), &rec, 10000, a->session_id(), a->password());
  ASSERT_TRUE(b->WaitConnected(milliseconds(10000)));
  EXPECT_EQ(b->session_id(), a->session_id());
  EXPECT_TRUE(b->Exists(r).ok());
}

TEST_P(ClientTest, CloseEndsTheSessionAndDeletesEphemerals) {
  auto a = ConnectOk(server().connect_string());
  auto w = ConnectOk(server().connect_string());
  std::string r = Root();
  ASSERT_TRUE(a->Create(r, "", CreateMode::kEphemeral).ok());
  Events ev;
  ASSERT_TRUE(w->Exists(r, ev.Fn()).ok());
  a->Close();
  EXPECT_EQ(a->state(), SessionState::kClosed);
  ASSERT_TRUE(ev.WaitCount(1));
  EXPECT_EQ(ev.Get()[0].type, EventType::kNodeDeleted);
  EXPECT_EQ(a->Exists("/").error, Error::kClosing);
}

TEST_P(ClientTest, HostNamesAreResolvedAtEachAttempt) {
  auto c = Connect("localhost:" + std::to_string(server().port()));
  EXPECT_TRUE(c->WaitConnected(milliseconds(10000)));
}

TEST_P(ClientTest, Ipv6LiteralsInBracketsConnect) {
  auto dual = TestServer::Start(GetParam(), {{"clientPortAddress", "::"}});
  auto c = Connect("[::1]:" + std::to_string(dual->port()));
  EXPECT_TRUE(c->WaitConnected(milliseconds(10000)));
  EXPECT_EQ(c->server(), "[::1]:" + std::to_string(dual->port()));
  EXPECT_TRUE(c->Create("/v6", "").ok());
}

TEST_P(ClientTest, LeaderElectionHandsOverWhenTheLeaderStops) {
  auto a = ConnectOk(server().connect_string());
  auto b = ConnectOk(server().connect_string());
  std::string r = Root();
  std::promise<void> a_elected, b_elected;
  LeaderElection ea(*a, r, "a", [&](RecipeEvent e) {
    if (e == RecipeEvent::kAcquired) a_elected.set_value();
  });
  ea.Start();
  ASSERT_EQ(a_elected.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  LeaderElection eb(*b, r, "b", [&](RecipeEvent e) {
    if (e == RecipeEvent::kAcquired) b_elected.set_value();
  });
  eb.Start();
  auto b_future = b_elected.get_future();
  EXPECT_EQ(b_future.wait_for(milliseconds(500)), std::future_status::timeout);
  EXPECT_TRUE(ea.is_leader());
  EXPECT_FALSE(eb.is_leader());
  ea.Stop();
  ASSERT_EQ(b_future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(eb.is_leader());
}

TEST_P(ClientTest, ServiceRegistrationComesBackAfterANewSession) {
  testing::TcpProxy proxy(server().port());
  ClientOptions o;
  o.connect_string = "127.0.0.1:" + std::to_string(proxy.port());
  o.session_timeout = milliseconds(1000);
  o.renew_session_on_expiry = true;
  auto c = NewClient(o);
  c->Start();
  ASSERT_TRUE(c->WaitConnected(milliseconds(10000)));
  auto w = ConnectOk(server().connect_string());
  std::string r = Root();
  std::mutex mu;
  std::vector<RecipeEvent> seen;
  ServiceRegistration reg(*c, r + "/services/api", "host:1", [&](RecipeEvent e) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(e);
  });
  ASSERT_EQ(reg.Start(), Error::kOk);
  int64_t first = c->session_id();
  Events ev;
  ASSERT_TRUE(w->Exists(r + "/services/api", ev.Fn()).ok());
  proxy.Blackhole();
  ASSERT_TRUE(ev.WaitCount(1));  // expired: the ephemeral is gone
  proxy.Restore();
  for (int i = 0; i < 200 && !(reg.registered() && c->session_id() != first); i++) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_NE(c->session_id(), first);
  auto st = w->Exists(r + "/services/api");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st.value.ephemeral_owner, c->session_id());
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen.front(), RecipeEvent::kAcquired);
  EXPECT_EQ(seen.back(), RecipeEvent::kAcquired);
}

INSTANTIATE_TEST_SUITE_P(BothServers, ClientTest,
                         ::testing::Values(ServerKind::kPaddock, ServerKind::kZooKeeper),
                         [](const ::testing::TestParamInfo<ServerKind>& param_info) {
                           return std::string(testing::ServerKindName(param_info.param));
                         });

}  // namespace
}  // namespace paddock
