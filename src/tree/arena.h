// Memory for the znode tree: node records and blobs (a node's name and data) come from 2 MiB
// chunks that ask the kernel for transparent huge pages.
//
// Why (docs/performance.md, restart profile): restoring 1M znodes writes some 250 MB of fresh
// memory, and on our virtualised test machine each 4 KiB page fault costs about 20 us, which
// made page faults the largest share of a restart. A huge page is one fault per 2 MiB. The
// advice is only advice: with transparent huge pages off, the chunks are ordinary memory. Since
// Linux 5.8 a write after a fork copies 4 KiB of a huge page, not 2 MiB, so snapshot forks do not
// get dearer.
//
// Blobs up to kMaxSmall bytes come from size classes 16 bytes apart with intrusive free lists;
// bigger ones from malloc. Memory freed into a class stays with the arena until it is dropped.
// Not thread-safe: owned by the tree.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

namespace paddock::tree {

// A 2 MiB-aligned anonymous mapping of `bytes` (a multiple of kChunkBytes) advised for huge
// pages. Asserts on failure, like an allocation failure elsewhere.
inline constexpr size_t kChunkBytes = size_t{2} << 20;
void* MapChunk(size_t bytes);
void UnmapChunk(void* chunk, size_t bytes);

class BlobArena {
 public:
  static constexpr size_t kGrain = 16;
  static constexpr size_t kMaxSmall = 1024;

  BlobArena() = default;
  ~BlobArena();
  BlobArena(BlobArena&& other) noexcept;
  BlobArena& operator=(BlobArena&& other) noexcept;
  BlobArena(const BlobArena&) = delete;
  BlobArena& operator=(const BlobArena&) = delete;

  // `size` must be given again to Free.
  char* Allocate(size_t size);
  void Free(char* block, size_t size);
  // Drops every small block at once (the tree is being emptied); big ones must have been freed.
  void Clear();
  // Bytes of chunks held (small blocks only).
  size_t ChunkBytes() const { return chunks_.size() * kChunkBytes; }

 private:
  static size_t ClassOf(size_t size) { return (size + kGrain - 1) / kGrain; }

  std::array<char*, kMaxSmall / kGrain + 1> free_{};  // per class: first free block
  char* carve_ = nullptr;  // the rest of the newest chunk
  size_t carve_left_ = 0;
  std::vector<char*> chunks_;
};

}  // namespace paddock::tree
