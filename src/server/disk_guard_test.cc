// Proves the disk-space guard on an injected free-space source and explicit times (no disk, no
// sleeps): writes are refused below the reserve and accepted again above it, the free space is
// read at most once per refresh interval, an unreadable free space never refuses writes, and a
// reserve of 0 disables the guard.
#include "server/disk_guard.h"

#include <gtest/gtest.h>

namespace paddock::server {
namespace {

struct FakeDisk {
  int64_t free_bytes = 1000;
  int reads = 0;
  DiskGuard::FreeBytesSource Source() {
    return [this] {
      reads++;
      return free_bytes;
    };
  }
};

TEST(DiskGuard, RefusesWritesBelowTheReserveAndAcceptsThemWhenSpaceReturns) {
  FakeDisk disk;
  DiskGuard guard("/d", 500, 100, disk.Source());
  EXPECT_TRUE(guard.WritesAllowed(0));
  disk.free_bytes = 499;
  EXPECT_FALSE(guard.WritesAllowed(100));
  EXPECT_TRUE(guard.low());
  disk.free_bytes = 500;
  EXPECT_TRUE(guard.WritesAllowed(200));
  EXPECT_FALSE(guard.low());
  EXPECT_EQ(guard.free_bytes_last(), 500);
}

TEST(DiskGuard, ReadsTheFreeSpaceAtMostOncePerRefreshInterval) {
  FakeDisk disk;
  DiskGuard guard("/d", 500, 100, disk.Source());
  for (int64_t t = 0; t < 100; t += 10) EXPECT_TRUE(guard.WritesAllowed(t));
  EXPECT_EQ(disk.reads, 1);
  disk.free_bytes = 0;
  EXPECT_TRUE(guard.WritesAllowed(99));  // the cached reading still holds
  EXPECT_FALSE(guard.WritesAllowed(100));
  EXPECT_EQ(disk.reads, 2);
}

TEST(DiskGuard, AnUnreadableFreeSpaceNeverRefusesWrites) {
  FakeDisk disk;
  disk.free_bytes = -1;
  DiskGuard guard("/d", 500, 0, disk.Source());
  EXPECT_TRUE(guard.WritesAllowed(0));
  EXPECT_FALSE(guard.low());
}

TEST(DiskGuard, AReserveOfZeroDisablesTheGuard) {
  FakeDisk disk;
  disk.free_bytes = 0;
  DiskGuard guard("/d", 0, 0, disk.Source());
  EXPECT_TRUE(guard.WritesAllowed(0));
  EXPECT_EQ(disk.reads, 0);
}

TEST(DiskGuard, StatvfsReportsSpaceForAnExistingDirectoryAndMinusOneOtherwise) {
  EXPECT_GT(DiskGuard::StatvfsFreeBytes("/"), 0);
  EXPECT_EQ(DiskGuard::StatvfsFreeBytes("/nonexistent/paddock/dir"), -1);
}

}  // namespace
}  // namespace paddock::server
