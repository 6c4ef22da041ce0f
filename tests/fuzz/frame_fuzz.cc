// Fuzz target: the frame reader and request-header decoding, fed a byte stream in arbitrary
// chunks, exactly as a hostile client could send it. Must never crash, never hand out a frame
// longer than the limit, and must consume exactly the bytes of the frames it returns.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/assert.h"
#include "net/frame_reader.h"
#include "proto/records.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  paddock::net::FrameReader reader({0, 4096});
  size_t pos = 0;
  size_t chunk = size == 0 ? 1 : (static_cast<size_t>(data[0]) % 17) + 1;
  size_t consumed = 0;
  while (pos < in.size()) {
    size_t n = std::min(chunk, in.size() - pos);
    reader.Append(in.substr(pos, n));
    pos += n;
    std::string_view payload;
    while (true) {
      auto next = reader.Pop(&payload);
      if (next != paddock::net::FrameReader::Next::kFrame) {
        if (next == paddock::net::FrameReader::Next::kBadLength) return 0;
        break;
      }
      PADDOCK_ASSERT(payload.size() <= 4096);
      consumed += 4 + payload.size();
      paddock::proto::RequestHeader h;
      paddock::proto::ConnectRequest c;
      (void)paddock::proto::DecodeFrom(payload, &h);
      (void)paddock::proto::DecodeFrom(payload, &c);
    }
  }
  PADDOCK_ASSERT(consumed + reader.buffered() == size);
  return 0;
}
