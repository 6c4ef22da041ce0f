// A program of a libpaddock user, built by package_test.py against an installed copy of the
// library (find_package(Paddock) and pkg-config): connects to the server named on the command
// line, writes a znode under the path given and reads it back. Exit 0 when all of that worked.
#include <paddock/client.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s HOST:PORT PATH\n", argv[0]);
    return 2;
  }
  paddock::ClientOptions options;
  options.connect_string = argv[1];
  options.session_timeout = std::chrono::seconds(10);
  std::unique_ptr<paddock::Client> client = paddock::NewClient(options);
  client->Start();
  if (!client->WaitConnected(std::chrono::seconds(10))) {
    std::fprintf(stderr, "consumer: cannot connect to %s\n", argv[1]);
    return 1;
  }
  const std::string path = argv[2];
  paddock::Reply<paddock::CreateResult> created = client->Create(path, "hello");
  paddock::Reply<paddock::DataResult> read = client->GetData(path);
  client->Close();
  if (!created.ok() || !read.ok() || read.value.data != "hello") {
    std::fprintf(stderr, "consumer: create or read of %s failed\n", path.c_str());
    return 1;
  }
  std::printf("consumer: wrote and read %s\n", path.c_str());
  return 0;
}
