#include "consensus/raft_heap.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstring>
#include <vector>

namespace paddock::consensus {
namespace {

TEST(RaftHeap, BlocksOfEverySizeHoldWhatWasAskedAndComeBackAfterFree) {
  std::vector<std::pair<char*, size_t>> blocks;
  for (size_t size : {0u, 1u, 15u, 16u, 17u, 100u, 4096u, 65'519u, 65'520u, 65'521u, 1u << 20}) {
    auto* p = static_cast<char*>(raft_heap::Malloc(size));
    ASSERT_NE(p, nullptr) << size;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u) << size;
    EXPECT_GE(raft_heap::UsableSize(p), size);
    std::memset(p, static_cast<int>(size & 0x7f), size);
    blocks.emplace_back(p, size);
  }
  for (auto [p, size] : blocks) {
    for (size_t i = 0; i < size; i += 997) ASSERT_EQ(p[i], static_cast<char>(size & 0x7f));
    raft_heap::Free(p);
  }
  // Freed small blocks are reused for the next ones of their class, last freed first.
  void* a = raft_heap::Malloc(200);
  void* a2 = raft_heap::Malloc(200);
  raft_heap::Free(a);
  raft_heap::Free(a2);
  void* b2 = raft_heap::Malloc(180);
  void* b = raft_heap::Malloc(190);
  EXPECT_EQ(a2, b2);
  EXPECT_EQ(a, b);
  raft_heap::Free(b);
  raft_heap::Free(b2);
  raft_heap::Free(nullptr);
}

TEST(RaftHeap, ReallocKeepsTheBytesCallocZeroesAlignedAllocAligns) {
  auto* p = static_cast<char*>(raft_heap::Malloc(10));
  std::memcpy(p, "0123456789", 10);
  // Grow within the class, then to another class, then to a mapping of its own.
  for (size_t size : {20u, 300u, 200'000u}) {
    p = static_cast<char*>(raft_heap::Realloc(p, size));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(std::memcmp(p, "0123456789", 10), 0) << size;
  }
  raft_heap::Free(p);
  // A recycled block comes back zeroed from Calloc.
  auto* dirty = static_cast<char*>(raft_heap::Malloc(500));
  std::memset(dirty, 0xab, 500);
  raft_heap::Free(dirty);
  auto* z = static_cast<char*>(raft_heap::Calloc(50, 10));
  for (int i = 0; i < 500; i++) ASSERT_EQ(z[i], 0);
  raft_heap::Free(z);
  EXPECT_EQ(raft_heap::Calloc(SIZE_MAX / 2, 4), nullptr);
  for (size_t alignment : {8u, 64u, 4096u, 16384u}) {
    void* q = raft_heap::AlignedAlloc(alignment, 5000);
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(q) % alignment, 0u) << alignment;
    std::memset(q, 1, 5000);
    raft_heap::Free(q);
  }
}

// What the heap is for: a forked child does not have its memory, so the parent's pages there are
// never write-protected by the fork. The child reads a block of each kind and an ordinary heap
// block; only the ordinary one is there.
int ChildReads(const volatile char* p) {
  pid_t pid = fork();
  if (pid == 0) {
    std::signal(SIGSEGV, SIG_DFL);  // a sanitizer's handler would exit with a report instead
    _exit(p[0] == 'x' ? 0 : 3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return WEXITSTATUS(status);
}

TEST(RaftHeap, AForkedChildDoesNotInheritItsMemory) {
  auto* small = static_cast<char*>(raft_heap::Malloc(100));
  auto* mapped = static_cast<char*>(raft_heap::Malloc(1u << 20));
  std::vector<char> ordinary(100, 'x');
  small[0] = 'x';
  mapped[0] = 'x';
  EXPECT_EQ(ChildReads(ordinary.data()), 0);
  EXPECT_EQ(ChildReads(small), -SIGSEGV);
  EXPECT_EQ(ChildReads(mapped), -SIGSEGV);
  raft_heap::Free(small);
  raft_heap::Free(mapped);
}

TEST(RaftHeapDeathTest, ADoubleFreeIsCaught) {
  void* p = raft_heap::Malloc(64);
  raft_heap::Free(p);
  EXPECT_DEATH(raft_heap::Free(p), "");
}

}  // namespace
}  // namespace paddock::consensus
