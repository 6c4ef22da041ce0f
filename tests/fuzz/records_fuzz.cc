// Fuzz target: every record decoder. The first byte picks a record type; the rest is decoded.
// A record that decodes must re-encode to bytes that decode to the same record again (paired
// encode/decode), so a decoder can neither crash nor accept something it cannot reproduce.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/assert.h"
#include "proto/records.h"

namespace {

using namespace paddock::proto;

template <typename T>
void RoundTrip(std::string_view body) {
  T first;
  JuteReader r(body, 1 << 20);
  if (!first.Decode(r)) return;
  std::string again = EncodeToString(first);
  T second;
  JuteReader r2(again, 1 << 20);
  PADDOCK_ASSERT(second.Decode(r2) && r2.AtEnd());
  PADDOCK_ASSERT(EncodeToString(second) == again);
}

void SetWatchesRoundTrip(std::string_view body, bool v2) {
  SetWatches first;
  first.v2 = v2;
  JuteReader r(body, 1 << 20);
  if (!first.Decode(r)) return;
  std::string again = EncodeToString(first);
  SetWatches second;
  second.v2 = v2;
  JuteReader r2(again, 1 << 20);
  PADDOCK_ASSERT(second.Decode(r2) && EncodeToString(second) == again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 20) {
    case 0: RoundTrip<ConnectRequest>(body); break;
    case 1: RoundTrip<ConnectResponse>(body); break;
    case 2: RoundTrip<CreateRequest>(body); break;
    case 3: RoundTrip<CreateTTLRequest>(body); break;
    case 4: RoundTrip<DeleteRequest>(body); break;
    case 5: RoundTrip<SetDataRequest>(body); break;
    case 6: RoundTrip<SetACLRequest>(body); break;
    case 7: RoundTrip<GetDataResponse>(body); break;
    case 8: RoundTrip<GetACLResponse>(body); break;
    case 9: RoundTrip<GetChildren2Response>(body); break;
    case 10: RoundTrip<MultiRequest>(body); break;
    case 11: RoundTrip<MultiResponse>(body); break;
    case 12: SetWatchesRoundTrip(body, false); break;
    case 13: SetWatchesRoundTrip(body, true); break;
    case 14: RoundTrip<AuthPacket>(body); break;
    case 15: RoundTrip<WatcherEvent>(body); break;
    case 16: RoundTrip<ReconfigRequest>(body); break;
    case 17: RoundTrip<WhoAmIResponse>(body); break;
    case 18: RoundTrip<AddWatchRequest>(body); break;
    default: RoundTrip<Create2Response>(body); break;
  }
  return 0;
}
