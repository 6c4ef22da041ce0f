// The coordination recipes of paddock/recipes.h.
#include "paddock/recipes.h"

#include <algorithm>
#include <condition_variable>
#include <random>

namespace paddock {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::string RandomPrefix() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  char buf[40];
  std::snprintf(buf, sizeof(buf), "_c_%016llx-lock-", static_cast<unsigned long long>(rng()));
  return buf;
}

// The sequence suffix (last 10 characters) orders contenders.
bool BySequence(const std::string& a, const std::string& b) {
  auto seq = [](const std::string& s) { return s.size() >= 10 ? s.substr(s.size() - 10) : s; };
  return seq(a) < seq(b);
}

// Creates every missing ancestor of `path` as a persistent node.
void EnsureParents(Client& c, const std::string& path) {
  for (size_t i = 1; i < path.size(); i++) {
    if (path[i] != '/') continue;
    (void)c.Create(path.substr(0, i), std::nullopt);
  }
  (void)c.Create(path, std::nullopt);
}

}  // namespace

std::string RecipeEventName(RecipeEvent e) {
  switch (e) {
    case RecipeEvent::kAcquired: return "ACQUIRED";
    case RecipeEvent::kSuspended: return "SUSPENDED";
    case RecipeEvent::kResumed: return "RESUMED";
    case RecipeEvent::kLost: return "LOST";
    case RecipeEvent::kReleased: return "RELEASED";
  }
  return "UNKNOWN";
}

Lock::Lock(Client& client, std::string dir, RecipeListener listener)
    : client_(client), dir_(std::move(dir)), listener_(std::move(listener)),
      prefix_(RandomPrefix()) {
  listener_id_ = client_.AddListener([this](const SessionEvent& e) { OnSession(e); });
}

Lock::~Lock() {
  client_.RemoveListener(listener_id_);
  if (held_.load() || !node().empty()) (void)Release();
}

std::string Lock::node() const {
  std::lock_guard<std::mutex> lock(mu_);
  return node_;
}

void Lock::OnSession(const SessionEvent& e) {
  if (e.kind != SessionEvent::Kind::kStateChanged) return;
  if (e.state == SessionState::kExpired || e.state == SessionState::kClosed) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      node_.clear();
    }
    if (held_.exchange(false) && listener_) listener_(RecipeEvent::kLost);
    return;
  }
  if (!held_.load()) return;
  if (e.state == SessionState::kConnecting && !suspended_.exchange(true)) {
    if (listener_) listener_(RecipeEvent::kSuspended);
  } else if (e.state == SessionState::kConnected && suspended_.exchange(false)) {
    if (listener_) listener_(RecipeEvent::kResumed);
  }
}

// Creates this contender's node once. After a connection loss the create may have happened:
// the unique prefix finds it among the children instead of creating a second one.
Error Lock::EnsureNode() {
  if (!node().empty()) return Error::kOk;
  for (int attempt = 0; attempt < 20; attempt++) {
    auto kids = client_.GetChildren(dir_);
    if (kids.error == Error::kNoNode) {
      EnsureParents(client_, dir_);
      continue;
    }
    if (kids.ok()) {
      for (const auto& k : kids.value.children) {
        if (k.rfind(prefix_, 0) == 0) {
          std::lock_guard<std::mutex> lock(mu_);
          node_ = dir_ + "/" + k;
          return Error::kOk;
        }
      }
    }
    auto created = client_.Create(dir_ + "/" + prefix_, std::nullopt,
                                  CreateMode::kEphemeralSequential);
    if (created.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      node_ = created.value.path;
      return Error::kOk;
    }
    if (created.error != Error::kConnectionLoss && created.error != Error::kNoNode) {
      return created.error;
    }
    (void)client_.WaitConnected(milliseconds(1000));  // retry once a server is back
  }
  return Error::kConnectionLoss;
}

Error Lock::Acquire(milliseconds timeout) {
  Error e = AcquireKeepingPlace(timeout);
  if (e == Error::kOperationTimeout) (void)Release();
  return e;
}

Error Lock::AcquireKeepingPlace(milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (Error e = EnsureNode(); e != Error::kOk) {
      if (e != Error::kConnectionLoss) return e;
      continue;
    }
    auto kids = client_.GetChildren(dir_);
    if (!kids.ok()) {
      if (kids.error == Error::kSessionExpired || kids.error == Error::kClosing) return kids.error;
      (void)client_.WaitConnected(milliseconds(1000));  // retry once a server is back
      continue;
    }
    std::vector<std::string> queue = kids.value.children;
    std::sort(queue.begin(), queue.end(), BySequence);
    std::string mine = node().substr(dir_.size() + 1);
    auto it = std::find(queue.begin(), queue.end(), mine);
    if (it == queue.end()) {  // our node is gone (e.g. the session was renewed): start again
      std::lock_guard<std::mutex> lock(mu_);
      node_.clear();
      continue;
    }
    if (it == queue.begin()) {
      held_ = true;
      suspended_ = false;
      if (listener_) listener_(RecipeEvent::kAcquired);
      return Error::kOk;
    }
    // Watch only the predecessor: when it goes, check again.
    auto fired = std::make_shared<std::promise<void>>();
    auto once = std::make_shared<std::atomic<bool>>(false);
    std::future<void> wake = fired->get_future();
    auto pred = client_.Exists(dir_ + "/" + *(it - 1), [fired, once](const WatchEvent&) {
      if (!once->exchange(true)) fired->set_value();
    });
    if (pred.error == Error::kNoNode) continue;
    wake.wait_until(deadline);
  }
  return Error::kOperationTimeout;
}

Error Lock::Release() {
  std::string n = node();
  bool was_held = held_.exchange(false);
  if (n.empty()) return Error::kOk;
  Reply<Empty> r = client_.Delete(n);
  {
    std::lock_guard<std::mutex> lock(mu_);
    node_.clear();
  }
  if (was_held && listener_) listener_(RecipeEvent::kReleased);
  return r.error == Error::kNoNode ? Error::kOk : r.error;
}

LeaderElection::LeaderElection(Client& client, std::string dir, std::string id,
                               RecipeListener listener)
    : lock_(client, std::move(dir),
            [this](RecipeEvent e) {
              // Set before the user hears of it, so is_leader() agrees with the event.
              if (e == RecipeEvent::kAcquired) leader_ = true;
              if (e == RecipeEvent::kLost || e == RecipeEvent::kReleased) leader_ = false;
              if (listener_) listener_(e);
            }),
      id_(std::move(id)),
      listener_(std::move(listener)) {}

LeaderElection::~LeaderElection() { Stop(); }

void LeaderElection::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this]() {
    // Contend in slices so that Stop() is noticed; the node keeps our place in the queue.
    while (!stopping_.load()) {
      Error e = lock_.AcquireKeepingPlace(milliseconds(200));
      if (e == Error::kOk) {
        leader_ = true;
        return;
      }
      if (e == Error::kClosing) return;
    }
  });
}

void LeaderElection::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  (void)lock_.Release();
  leader_ = false;
}

ServiceRegistration::ServiceRegistration(Client& client, std::string path, std::string data,
                                         RecipeListener listener)
    : client_(client), path_(std::move(path)), data_(std::move(data)),
      listener_(std::move(listener)) {
  listener_id_ = client_.AddListener([this](const SessionEvent& e) { OnSession(e); });
}

ServiceRegistration::~ServiceRegistration() {
  client_.RemoveListener(listener_id_);
  Stop();
}

Error ServiceRegistration::Start() {
  size_t slash = path_.rfind('/');
  if (slash > 0) EnsureParents(client_, path_.substr(0, slash));
  session_ = client_.session_id();
  Reply<CreateResult> r = client_.Create(path_, data_, CreateMode::kEphemeral);
  if (r.ok()) {
    registered_ = true;
    if (listener_) listener_(RecipeEvent::kAcquired);
  } else if (r.error == Error::kNodeExists) {
    CreateAsync();  // probably our previous session's node, not yet expired: wait for it
    return Error::kOk;
  }
  return r.error;
}

// Creates the node from the event thread; if a stale copy exists, waits for its deletion.
void ServiceRegistration::CreateAsync() {
  if (stopped_.load()) return;
  client_.Create(path_, data_, CreateMode::kEphemeral, OpenAcl(), -1,
                 [this](Reply<CreateResult> r) {
                   if (r.ok()) {
                     registered_ = true;
                     if (listener_) listener_(RecipeEvent::kAcquired);
                   } else if (r.error == Error::kNodeExists) {
                     client_.Exists(path_, [this](const WatchEvent&) { CreateAsync(); },
                                    [this](Reply<Stat> s) {
                                      if (s.error == Error::kNoNode) CreateAsync();
                                    });
                   }
                 });
}

void ServiceRegistration::OnSession(const SessionEvent& e) {
  if (e.kind != SessionEvent::Kind::kStateChanged || stopped_.load()) return;
  if (e.state == SessionState::kConnecting && registered_.load()) {
    if (listener_) listener_(RecipeEvent::kSuspended);
  } else if (e.state == SessionState::kExpired) {
    if (registered_.exchange(false) && listener_) listener_(RecipeEvent::kLost);
  } else if (e.state == SessionState::kConnected) {
    int64_t now = client_.session_id();
    if (now != session_.exchange(now)) {
      CreateAsync();  // a new session: register again
    } else if (registered_.load() && listener_) {
      listener_(RecipeEvent::kResumed);
    }
  }
}

void ServiceRegistration::Stop() {
  if (stopped_.exchange(true)) return;
  if (registered_.exchange(false)) {
    (void)client_.Delete(path_);
    if (listener_) listener_(RecipeEvent::kReleased);
  }
}

}  // namespace paddock
