// Proves the tree's arena: chunks are 2 MiB-aligned and writable; a freed small block is handed
// out again to the next request of its size class (and not to another class); blocks never
// overlap; big blocks go to malloc and back; Clear and moves leave a usable arena.
#include "tree/arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

namespace paddock::tree {
namespace {

TEST(MapChunk, IsAlignedTo2MiBAndWritableToTheEnd) {
  void* chunk = MapChunk(2 * kChunkBytes);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(chunk) % kChunkBytes, 0u);
  std::memset(chunk, 0x5a, 2 * kChunkBytes);
  EXPECT_EQ(static_cast<unsigned char*>(chunk)[2 * kChunkBytes - 1], 0x5a);
  UnmapChunk(chunk, 2 * kChunkBytes);
}

TEST(BlobArena, ReusesAFreedBlockForTheSameSizeClassOnly) {
  BlobArena arena;
  char* a = arena.Allocate(117);
  arena.Free(a, 117);
  char* other_class = arena.Allocate(40);
  EXPECT_NE(other_class, a);
  char* same_class = arena.Allocate(120);  // 117 and 120 both round to 128
  EXPECT_EQ(same_class, a);
}

TEST(BlobArena, BlocksDoNotOverlapAcrossChunks) {
  BlobArena arena;
  std::vector<std::pair<char*, size_t>> blocks;
  // About 6.5 MiB in blocks of 16-320 bytes: the arena has to open at least three chunks.
  for (size_t i = 0; i < 40000; i++) {
    size_t size = 8 + (i * 37) % 300;
    char* b = arena.Allocate(size);
    std::memset(b, static_cast<int>(i & 0xff), size);
    blocks.emplace_back(b, size);
  }
  EXPECT_GE(arena.ChunkBytes(), 3 * kChunkBytes);
  for (size_t i = 0; i < blocks.size(); i++) {
    auto [b, size] = blocks[i];
    for (size_t k = 0; k < size; k++) {
      ASSERT_EQ(static_cast<unsigned char>(b[k]), i & 0xff) << "block " << i << " byte " << k;
    }
  }
}

TEST(BlobArena, BigBlocksComeFromMallocAndGoBack) {
  BlobArena arena;
  char* big = arena.Allocate(BlobArena::kMaxSmall + 1);
  std::memset(big, 1, BlobArena::kMaxSmall + 1);
  EXPECT_EQ(arena.ChunkBytes(), 0u);
  arena.Free(big, BlobArena::kMaxSmall + 1);  // ASan reports a leak or a bad free otherwise
}

TEST(BlobArena, ClearAndMoveLeaveAUsableArena) {
  BlobArena arena;
  char* a = arena.Allocate(64);
  arena.Free(a, 64);
  arena.Clear();
  EXPECT_EQ(arena.ChunkBytes(), 0u);
  char* b = arena.Allocate(64);  // not the freed block of the dropped chunk
  std::memset(b, 2, 64);
  BlobArena moved = std::move(arena);
  EXPECT_EQ(moved.ChunkBytes(), kChunkBytes);
  EXPECT_EQ(arena.ChunkBytes(), 0u);  // NOLINT(bugprone-use-after-move)
  moved.Free(b, 64);
  EXPECT_EQ(moved.Allocate(60), b);
}

}  // namespace
}  // namespace paddock::tree
