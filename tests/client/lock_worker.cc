// lock_worker: one contender of the lock test (tests/client/lock_test.py).
//
//   lock_worker CONNECT DIR COUNTER_FILE ITERATIONS [--hold] [--session-ms N]
//
// Each iteration acquires the lock, checks that the shared counter file is not marked busy by
// anybody else (a second holder would be a violation, printed as "VIOLATION"), marks it busy,
// increments it, unmarks it and releases. With --hold it acquires once, prints
// "HOLDING <wall ms>" and holds until killed. Prints "ACQUIRED <wall ms>" at each acquisition.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "paddock/client.h"
#include "paddock/recipes.h"

namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool IncrementCounter(const std::string& file) {
  long busy = 0, count = 0;
  {
    std::ifstream in(file);
    in >> busy >> count;
  }
  if (busy != 0) {
    std::printf("VIOLATION busy=%ld me=%d\n", busy, getpid());
    return false;
  }
  std::ofstream(file) << getpid() << " " << count << "\n";
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::ofstream(file) << 0 << " " << count + 1 << "\n";
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: lock_worker CONNECT DIR COUNTER_FILE ITERATIONS [--hold] "
                         "[--session-ms N]\n");
    return 2;
  }
  bool hold = false;
  int session_ms = 2000;
  for (int i = 5; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--hold") hold = true;
    if (a == "--session-ms" && i + 1 < argc) session_ms = std::atoi(argv[++i]);
  }
  paddock::ClientOptions o;
  o.connect_string = argv[1];
  o.session_timeout = std::chrono::milliseconds(session_ms);
  auto client = paddock::NewClient(o);
  client->Start();
  if (!client->WaitConnected(std::chrono::seconds(10))) return 3;
  paddock::Lock lock(*client, argv[2]);
  int iterations = std::atoi(argv[4]);
  bool ok = true;
  for (int i = 0; i < (hold ? 1 : iterations); i++) {
    paddock::Error e = lock.Acquire(std::chrono::seconds(60));
    if (e != paddock::Error::kOk) {
      std::printf("ERROR %s\n", paddock::ErrorName(e).c_str());
      return 4;
    }
    std::printf("%s %lld\n", hold ? "HOLDING" : "ACQUIRED", static_cast<long long>(WallMs()));
    std::fflush(stdout);
    if (hold) {
      for (int s = 0; s < 600; s++) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return 0;
    }
    ok &= IncrementCounter(argv[3]);
    if (lock.Release() != paddock::Error::kOk) return 5;
  }
  client->Close();
  return ok ? 0 : 1;
}
