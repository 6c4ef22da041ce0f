// Proves the pre-start check of libraft's data directory on segment bytes built here in
// libraft's format: a clean segment, a zeroed tail, a torn last batch (left to libraft to
// truncate), a file cut short inside a batch and a corrupt batch followed by valid ones (both
// refused); the checksum against bytes libraft 0.15 wrote; LZ4 snapshot frames complete,
// truncated and flipped; and which snapshot file libraft loads.
#include "consensus/data_dir_check.h"

#include <gtest/gtest.h>
#include <lz4frame.h>

#include <string>
#include <vector>

namespace paddock::consensus {
namespace {

void PutLe(std::string* out, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; i++) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// One batch of command entries (type 1, term 1) in libraft's segment format.
std::string Batch(const std::vector<std::string>& entries) {
  std::string header;
  PutLe(&header, entries.size(), 8);
  std::string data;
  for (const std::string& e : entries) {
    PutLe(&header, 1, 8);
    PutLe(&header, 1, 4);  // type and 3 unused bytes
    PutLe(&header, e.size(), 4);
    data += e;
  }
  std::string out;
  PutLe(&out, RaftCrc32(header), 4);
  PutLe(&out, RaftCrc32(data), 4);
  return out + header + data;
}

std::string Segment(int batches, size_t zeros) {
  std::string s;
  PutLe(&s, 1, 8);
  for (int i = 0; i < batches; i++) s += Batch({std::string(16, static_cast<char>('a' + i))});
  return s + std::string(zeros, '\0');
}

TEST(RaftCrc32, MatchesTheHeaderChecksumLibraftWrote) {
  // The first batch header of a segment written by libraft 0.15: n=1, term=1, type=1, len=128,
  // stored with header checksum bytes 5f c3 5f 84.
  std::string header;
  PutLe(&header, 1, 8);
  PutLe(&header, 1, 8);
  PutLe(&header, 1, 4);
  PutLe(&header, 128, 4);
  EXPECT_EQ(RaftCrc32(header), 0x845fc35fu);
}

TEST(ScanOpenSegment, ValidBatchesFollowedByZerosAreClean) {
  OpenSegmentScan scan = ScanOpenSegment(Segment(3, 4096));
  EXPECT_EQ(scan.verdict, OpenSegmentScan::Verdict::kClean);
  EXPECT_EQ(scan.entries, 3u);
}

TEST(ScanOpenSegment, AnEmptyOrZeroedFileIsClean) {
  EXPECT_EQ(ScanOpenSegment("").verdict, OpenSegmentScan::Verdict::kClean);
  EXPECT_EQ(ScanOpenSegment(std::string(4096, '\0')).verdict, OpenSegmentScan::Verdict::kClean);
}

TEST(ScanOpenSegment, ATornLastBatchIsLeftToLibraftToTruncate) {
  std::string s = Segment(3, 0);
  size_t last = s.size() - 5;  // inside the last batch's data
  s[last] ^= 0x5a;
  s += std::string(1024, '\0');
  OpenSegmentScan scan = ScanOpenSegment(s);
  EXPECT_EQ(scan.verdict, OpenSegmentScan::Verdict::kTornTail);
  EXPECT_EQ(scan.entries, 2u);
}

TEST(ScanOpenSegment, GarbageAfterTheLastBatchIsATornTail) {
  std::string s = Segment(2, 0) + std::string(200, '\x7f') + std::string(512, '\0');
  EXPECT_EQ(ScanOpenSegment(s).verdict, OpenSegmentScan::Verdict::kTornTail);
}

TEST(ScanOpenSegment, AFileCutShortInsideABatchIsUnreadable) {
  std::string s = Segment(3, 0);
  s.resize(s.size() - 5);
  OpenSegmentScan scan = ScanOpenSegment(s);
  EXPECT_EQ(scan.verdict, OpenSegmentScan::Verdict::kUnreadable);
  EXPECT_EQ(scan.entries, 2u);
}

TEST(ScanOpenSegment, AFileCutAtABatchBoundaryIsClean) {
  EXPECT_EQ(ScanOpenSegment(Segment(3, 0)).verdict, OpenSegmentScan::Verdict::kClean);
}

TEST(ScanOpenSegment, ACorruptBatchFollowedByValidOnesIsRefused) {
  std::string s = Segment(4, 4096);
  size_t second = 8 + Batch({std::string(16, 'a')}).size();
  s[second + 30] ^= 0x01;  // in the second batch's entry header
  OpenSegmentScan scan = ScanOpenSegment(s);
  EXPECT_EQ(scan.verdict, OpenSegmentScan::Verdict::kCorruptMiddle);
  EXPECT_EQ(scan.bad_offset, second);
  EXPECT_GT(scan.valid_offset, second);
  EXPECT_EQ(scan.entries, 1u);
}

std::string Lz4(const std::string& plain) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.contentSize = plain.size();
  prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  std::string out(LZ4F_compressFrameBound(plain.size(), &prefs), '\0');
  size_t n = LZ4F_compressFrame(out.data(), out.size(), plain.data(), plain.size(), &prefs);
  EXPECT_FALSE(LZ4F_isError(n));
  out.resize(n);
  return out;
}

std::string Plain() {
  std::string plain;
  for (int i = 0; i < 20000; i++) plain += "node-" + std::to_string(i * 7919 % 10007) + ";";
  return plain;
}

TEST(CheckSnapshotFile, ACompleteFrameAndAnUncompressedFileAreAccepted) {
  EXPECT_TRUE(CheckSnapshotFile(Lz4(Plain())).ok());
  EXPECT_TRUE(CheckSnapshotFile("PSNP not compressed").ok());
}

TEST(CheckSnapshotFile, ATruncatedFrameIsRefused) {
  std::string frame = Lz4(Plain());
  for (size_t keep : {frame.size() - 1, frame.size() / 2, size_t{12}}) {
    Status s = CheckSnapshotFile(std::string_view(frame).substr(0, keep));
    EXPECT_FALSE(s.ok()) << keep;
  }
}

TEST(CheckSnapshotFile, AFlippedByteOrTrailingBytesAreRefused) {
  std::string frame = Lz4(Plain());
  std::string flipped = frame;
  flipped[frame.size() / 2] ^= 0x10;
  EXPECT_FALSE(CheckSnapshotFile(flipped).ok());
  EXPECT_FALSE(CheckSnapshotFile(frame + "xyz").ok());
}

TEST(NewestSnapshot, IsTheHighestTermIndexAndTimestampWithItsMeta) {
  std::vector<std::string> names = {
      "snapshot-1-192-100", "snapshot-1-192-100.meta", "snapshot-1-256-90",
      "snapshot-1-256-90.meta", "snapshot-1-300-95",  // no .meta: ignored, as libraft does
      "snapshot-2-10-1", "open-1", "metadata1"};
  EXPECT_EQ(NewestSnapshot(names), "snapshot-1-256-90");
  names.push_back("snapshot-2-10-1.meta");
  EXPECT_EQ(NewestSnapshot(names), "snapshot-2-10-1");
  EXPECT_EQ(NewestSnapshot({"open-1", "metadata1"}), "");
}

}  // namespace
}  // namespace paddock::consensus
