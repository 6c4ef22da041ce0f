#include "tree/arena.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "base/assert.h"

namespace paddock::tree {

void* MapChunk(size_t bytes) {
  PADDOCK_ASSERT(bytes > 0 && bytes % kChunkBytes == 0);
  // Map one chunk more and trim both ends so the rest starts on a 2 MiB boundary: only whole
  // aligned 2 MiB ranges can become huge pages.
  size_t span = bytes + kChunkBytes;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  PADDOCK_ASSERT_MSG(raw != MAP_FAILED, "tree arena: out of memory");
  auto base = reinterpret_cast<uintptr_t>(raw);
  uintptr_t aligned = (base + kChunkBytes - 1) & ~(uintptr_t{kChunkBytes} - 1);
  if (aligned > base) PADDOCK_ASSERT(munmap(raw, aligned - base) == 0);
  size_t tail = base + span - (aligned + bytes);
  if (tail > 0) PADDOCK_ASSERT(munmap(reinterpret_cast<void*>(aligned + bytes), tail) == 0);
  void* chunk = reinterpret_cast<void*>(aligned);
  // Only advice: a kernel with transparent huge pages off refuses it, and that is fine.
  (void)madvise(chunk, bytes, MADV_HUGEPAGE);
  return chunk;
}

void UnmapChunk(void* chunk, size_t bytes) { PADDOCK_ASSERT(munmap(chunk, bytes) == 0); }

BlobArena::~BlobArena() { Clear(); }

BlobArena::BlobArena(BlobArena&& other) noexcept { *this = std::move(other); }

BlobArena& BlobArena::operator=(BlobArena&& other) noexcept {
  if (this == &other) return *this;
  Clear();
  free_ = std::exchange(other.free_, {});
  carve_ = std::exchange(other.carve_, nullptr);
  carve_left_ = std::exchange(other.carve_left_, 0);
  chunks_ = std::exchange(other.chunks_, {});
  return *this;
}

char* BlobArena::Allocate(size_t size) {
  if (size > kMaxSmall) {
    auto* block = static_cast<char*>(std::malloc(size));
    PADDOCK_ASSERT_MSG(block != nullptr, "tree arena: out of memory");
    return block;
  }
  size_t c = ClassOf(size);
  if (char* block = free_[c]; block != nullptr) {
    std::memcpy(&free_[c], block, sizeof(char*));
    return block;
  }
  size_t bytes = c * kGrain;
  if (bytes == 0) bytes = kGrain;  // a free list link must fit
  if (carve_left_ < bytes) {
    // The old chunk's remainder (under kMaxSmall bytes) is left unused.
    carve_ = static_cast<char*>(MapChunk(kChunkBytes));
    carve_left_ = kChunkBytes;
    chunks_.push_back(carve_);
  }
  char* block = carve_;
  carve_ += bytes;
  carve_left_ -= bytes;
  return block;
}

void BlobArena::Free(char* block, size_t size) {
  if (block == nullptr) return;
  if (size > kMaxSmall) {
    std::free(block);
    return;
  }
  size_t c = ClassOf(size);
  std::memcpy(block, &free_[c], sizeof(char*));
  free_[c] = block;
}

void BlobArena::Clear() {
  for (char* chunk : chunks_) UnmapChunk(chunk, kChunkBytes);
  chunks_.clear();
  free_ = {};
  carve_ = nullptr;
  carve_left_ = 0;
}

}  // namespace paddock::tree
