// Fuzz target: the zoo.cfg parser. Any text either parses into a valid configuration (min
// session timeout <= max) or is refused with a message; it never crashes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/assert.h"
#include "server/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> unknown;
  paddock::Result<paddock::server::Config> c = paddock::server::ParseConfig(text, &unknown);
  if (c.ok()) {
    PADDOCK_ASSERT(c->SessionTimeoutMinMs() <= c->SessionTimeoutMaxMs());
    PADDOCK_ASSERT(c->client_port >= 0 && c->client_port <= 65535);
  } else {
    PADDOCK_ASSERT(!c.status().message().empty());
  }
  return 0;
}
