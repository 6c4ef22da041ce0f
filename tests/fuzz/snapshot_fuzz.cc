// Fuzz target: the snapshot loader. A damaged snapshot is refused and leaves the state as it was;
// one that loads must snapshot again to the same bytes (paired save/load). The input is used
// twice: as raw bytes, and with a correct digest appended so that the structural checks behind
// the digest are reached too.
#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/assert.h"
#include "statemachine/state_machine.h"

namespace {

void Load(std::string_view bytes) {
  paddock::statemachine::StateMachine sm;
  std::string before = sm.Snapshot();
  paddock::Status s = sm.Restore(bytes);
  if (!s.ok()) {
    PADDOCK_ASSERT(sm.Snapshot() == before);
    return;
  }
  std::string saved = sm.Snapshot();
  paddock::statemachine::StateMachine again;
  PADDOCK_ASSERT(again.Restore(saved).ok());
  PADDOCK_ASSERT(again.Snapshot() == saved);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string raw(reinterpret_cast<const char*>(data), size);
  Load(raw);
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(data, size, d);
  raw.append(reinterpret_cast<const char*>(d), SHA256_DIGEST_LENGTH);
  Load(raw);
  return 0;
}
