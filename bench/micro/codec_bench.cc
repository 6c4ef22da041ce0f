// Jute codec (src/proto): encode and decode of the records on every request's path.
#include <benchmark/benchmark.h>

#include "net/frame_reader.h"
#include "proto/records.h"

namespace {

using namespace paddock::proto;  // NOLINT: benchmark file
using paddock::net::BeginFrame;
using paddock::net::FinishFrame;
using paddock::net::FrameReader;

CreateRequest MakeCreate() {
  CreateRequest c;
  c.path = "/paddock-bench/ops-1234/w3-c123456";
  c.data = std::string(100, 'x');
  c.acl = {Acl{31, Id{"world", "anyone"}}};
  return c;
}

GetDataResponse MakeGetDataResponse() {
  GetDataResponse r;
  r.data = std::string(100, 'x');
  r.stat.czxid = r.stat.mzxid = r.stat.pzxid = 0x100000123;
  r.stat.ctime = r.stat.mtime = 1'700'000'000'000;
  r.stat.version = 7;
  r.stat.data_length = 100;
  return r;
}

void BM_EncodeCreateRequest(benchmark::State& state) {
  CreateRequest c = MakeCreate();
  std::string out;
  for (auto _ : state) {
    out.clear();
    size_t at = BeginFrame(&out);
    JuteWriter w(&out);
    RequestHeader{5, 1}.Encode(w);
    c.Encode(w);
    FinishFrame(&out, at);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_EncodeCreateRequest);

void BM_DecodeCreateRequest(benchmark::State& state) {
  std::string bytes = EncodeToString(MakeCreate());
  for (auto _ : state) {
    CreateRequest c;
    benchmark::DoNotOptimize(DecodeFrom(bytes, &c));
    benchmark::DoNotOptimize(c.path.data());
  }
}
BENCHMARK(BM_DecodeCreateRequest);

void BM_EncodeGetDataResponse(benchmark::State& state) {
  GetDataResponse r = MakeGetDataResponse();
  std::string out;
  for (auto _ : state) {
    out.clear();
    size_t at = BeginFrame(&out);
    JuteWriter w(&out);
    ReplyHeader{5, 0x100000123, 0}.Encode(w);
    r.Encode(w);
    FinishFrame(&out, at);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_EncodeGetDataResponse);

void BM_DecodeGetDataResponse(benchmark::State& state) {
  std::string bytes = EncodeToString(MakeGetDataResponse());
  for (auto _ : state) {
    GetDataResponse r;
    benchmark::DoNotOptimize(DecodeFrom(bytes, &r));
  }
}
BENCHMARK(BM_DecodeGetDataResponse);

// 64 pipelined getData requests arriving in one read, split into frames and decoded.
void BM_FrameReaderGetData(benchmark::State& state) {
  std::string burst;
  for (int i = 0; i < 64; i++) {
    size_t at = BeginFrame(&burst);
    JuteWriter w(&burst);
    RequestHeader{i + 1, 4}.Encode(w);
    PathWatchRequest{"/paddock-bench/ops-1234/w3-c" + std::to_string(i), false}.Encode(w);
    FinishFrame(&burst, at);
  }
  for (auto _ : state) {
    FrameReader reader({0, kJuteMaxBufferDefault});
    reader.Append(burst);
    std::string_view payload;
    while (reader.Pop(&payload) == FrameReader::Next::kFrame) {
      JuteReader r(payload);
      RequestHeader h;
      PathWatchRequest p;
      h.Decode(r);
      p.Decode(r);
      benchmark::DoNotOptimize(p.path.size());
    }
  }
  state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_FrameReaderGetData);

}  // namespace
