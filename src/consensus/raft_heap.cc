#include "consensus/raft_heap.h"

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <mutex>

#include "base/assert.h"

extern "C" {
#include <raft.h>
}

namespace paddock::consensus {
namespace {

// Every block starts with a header; the caller's pointer follows it, 16-byte aligned.
struct Header {
  uint64_t size;    // small: the class's block size; mapped: the mapping's length
  uint32_t offset;  // from the start of the block or mapping to the caller's pointer
  uint32_t magic;
};
static_assert(sizeof(Header) == 16);

constexpr uint32_t kSmallMagic = 0x52485331;   // "RHS1"
constexpr uint32_t kMappedMagic = 0x52484d31;  // "RHM1"
constexpr size_t kMinBlock = 32;
constexpr size_t kClasses = 12;  // blocks of 32 B .. 64 KiB
constexpr size_t kMaxBlock = kMinBlock << (kClasses - 1);
constexpr size_t kChunkBytes = 2u << 20;

size_t PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

// From this size a mapping asks for transparent huge pages: libraft's big buffers (a snapshot
// of 200 MB read and decompressed at start-up, whole segments) are written once from start to
// end, and taking them 2 MiB per fault instead of 4 KiB cut the faults that dominated a restart
// on our test machine (docs/performance.md, restart profile).
constexpr size_t kHugeFrom = 8u << 20;

// A private anonymous mapping that a forked child does not inherit; nullptr if none.
char* MapExcluded(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  PADDOCK_ASSERT(madvise(p, bytes, MADV_DONTFORK) == 0);
  // Only advice: a kernel without transparent huge pages refuses it, and that is fine.
  if (bytes >= kHugeFrom) (void)madvise(p, bytes, MADV_HUGEPAGE);
  return static_cast<char*>(p);
}

Header* HeaderOf(const void* ptr) {
  auto* h = reinterpret_cast<Header*>(static_cast<char*>(const_cast<void*>(ptr)) -
                                      sizeof(Header));
  PADDOCK_ASSERT_MSG(h->magic == kSmallMagic || h->magic == kMappedMagic,
                     "raft heap: a pointer it did not allocate");
  return h;
}

// Size classes and their free lists; the chunk being carved.
class SmallBlocks {
 public:
  void* Take(size_t block) {
    size_t cls = ClassOf(block);
    std::lock_guard<std::mutex> lock(mu_);
    char* b = free_[cls];
    if (b != nullptr) {
      std::memcpy(&free_[cls], b + sizeof(Header), sizeof(char*));  // the next free block
    } else {
      b = Carve(kMinBlock << cls);
      if (b == nullptr) return nullptr;
    }
    auto* h = reinterpret_cast<Header*>(b);
    *h = Header{kMinBlock << cls, sizeof(Header), kSmallMagic};
    return b + sizeof(Header);
  }

  void Give(Header* h) {
    size_t cls = ClassOf(h->size);
    auto* b = reinterpret_cast<char*>(h);
    h->magic = 0;  // a second free of the same pointer fails its header check
    std::lock_guard<std::mutex> lock(mu_);
    std::memcpy(b + sizeof(Header), &free_[cls], sizeof(char*));
    free_[cls] = b;
  }

  static size_t ClassOf(size_t block) {
    size_t cls = 0;
    while ((kMinBlock << cls) < block) cls++;
    return cls;
  }

 private:
  // REQUIRES: mu_ held.
  char* Carve(size_t block) {
    if (chunk_left_ < block) {
      // What is left of the old chunk (less than one block) stays unused.
      chunk_ = MapExcluded(kChunkBytes);
      if (chunk_ == nullptr) return nullptr;
      chunk_left_ = kChunkBytes;
    }
    char* b = chunk_;
    chunk_ += block;
    chunk_left_ -= block;
    return b;
  }

  std::mutex mu_;
  std::array<char*, kClasses> free_{};
  char* chunk_ = nullptr;
  size_t chunk_left_ = 0;
};

SmallBlocks& Small() {
  static SmallBlocks* blocks = new SmallBlocks();  // never destroyed: freed into at exit too
  return *blocks;
}

// A mapping of its own, with the caller's pointer aligned to `alignment` (at least 16).
void* MapBlock(size_t size, size_t alignment) {
  size_t bytes = RoundUp(size + alignment + sizeof(Header), PageSize());
  char* base = MapExcluded(bytes);
  if (base == nullptr) return nullptr;
  uintptr_t user = RoundUp(reinterpret_cast<uintptr_t>(base) + sizeof(Header), alignment);
  auto* h = reinterpret_cast<Header*>(user - sizeof(Header));
  *h = Header{bytes, static_cast<uint32_t>(user - reinterpret_cast<uintptr_t>(base)),
              kMappedMagic};
  return reinterpret_cast<void*>(user);
}

void* HeapMalloc(void*, size_t size) { return raft_heap::Malloc(size); }
void HeapFree(void*, void* ptr) { raft_heap::Free(ptr); }
void* HeapCalloc(void*, size_t n, size_t size) { return raft_heap::Calloc(n, size); }
void* HeapRealloc(void*, void* ptr, size_t size) { return raft_heap::Realloc(ptr, size); }
void* HeapAlignedAlloc(void*, size_t alignment, size_t size) {
  return raft_heap::AlignedAlloc(alignment, size);
}
void HeapAlignedFree(void*, size_t, void* ptr) { raft_heap::Free(ptr); }

}  // namespace

namespace raft_heap {

void* Malloc(size_t size) {
  size_t block = size + sizeof(Header);
  if (block <= kMaxBlock) return Small().Take(block);
  return MapBlock(size, sizeof(Header));
}

void Free(void* ptr) {
  if (ptr == nullptr) return;
  Header* h = HeaderOf(ptr);
  if (h->magic == kSmallMagic) {
    Small().Give(h);
    return;
  }
  char* base = static_cast<char*>(ptr) - h->offset;
  size_t bytes = h->size;
  PADDOCK_ASSERT(munmap(base, bytes) == 0);
}

void* Calloc(size_t n, size_t size) {
  if (size != 0 && n > SIZE_MAX / size) return nullptr;
  void* p = Malloc(n * size);
  if (p != nullptr) std::memset(p, 0, n * size);
  return p;
}

void* Realloc(void* ptr, size_t size) {
  if (ptr == nullptr) return Malloc(size);
  size_t have = UsableSize(ptr);
  if (size <= have) return ptr;
  void* p = Malloc(size);
  if (p == nullptr) return nullptr;  // the old block stays valid, as realloc's contract says
  std::memcpy(p, ptr, have);
  Free(ptr);
  return p;
}

void* AlignedAlloc(size_t alignment, size_t size) {
  if (alignment <= sizeof(Header)) return Malloc(size);
  return MapBlock(size, alignment);
}

size_t UsableSize(const void* ptr) {
  const Header* h = HeaderOf(ptr);
  return h->size - h->offset;
}

}  // namespace raft_heap

void InstallForkExcludedRaftHeap() {
  static std::once_flag once;
  std::call_once(once, [] {
    static ::raft_heap heap{nullptr,     HeapMalloc,       HeapFree,       HeapCalloc,
                            HeapRealloc, HeapAlignedAlloc, HeapAlignedFree};
    raft_heap_set(&heap);
  });
}

}  // namespace paddock::consensus
