// Faults injected through the FileSystem interface: a full disk, failing fsync, read errors.
#include <gtest/gtest.h>

#include <cerrno>

#include "storage/fault_injection_fs.h"
#include "storage/partition.h"
#include "storage/tests/test_util.h"

namespace sluice {
namespace {

using testing::make_batch;
using testing::TempDir;

LogConfig cfg(FsyncPolicy fsync) {
  LogConfig c;
  c.fsync = fsync;
  c.segment_bytes = 4000;
  c.index_interval_bytes = 200;
  return c;
}

std::vector<std::vector<uint8_t>> read_batches(const Partition& p) {
  std::vector<std::vector<uint8_t>> out;
  Offset next = p.log_start_offset();
  while (next < p.high_watermark()) {
    auto bytes = p.read_bytes(next, 1 << 20, p.high_watermark());
    EXPECT_TRUE(bytes.is_ok()) << bytes.status().to_string();
    if (!bytes.is_ok() || bytes->empty()) break;
    auto views = split_batches(*bytes);
    EXPECT_TRUE(views.is_ok());
    for (const auto& v : *views) {
      EXPECT_TRUE(v.validate().is_ok());
      out.emplace_back(v.bytes().begin(), v.bytes().end());
      next = Offset(v.last_offset() + 1);
    }
  }
  return out;
}

TEST(Faults, DiskFullRejectsAppendsKeepsDataAndRecovers) {
  for (auto policy : {FsyncPolicy::kAlways, FsyncPolicy::kNever}) {
    TempDir dir;
    FaultInjectionFileSystem fs(posix_file_system());
    auto p = std::move(Partition::open(fs, dir.sub("p"), "t", 0, cfg(policy), 0)).value();
    std::vector<std::vector<uint8_t>> acked;
    for (int i = 0; i < 5; ++i) {
      auto b = make_batch(3, 100);
      auto info = p->append(b);
      ASSERT_TRUE(info.is_ok());
      set_base_offset(b, info->base_offset.value());
      acked.push_back(b);
    }
    // The disk fills up 50 bytes into the next batch: a short write, then ENOSPC.
    fs.set_path_filter(".log");
    fs.inject_write_error(ENOSPC, 50);
    for (int i = 0; i < 3; ++i) {
      auto r = p->append(make_batch(3, 100));
      ASSERT_FALSE(r.is_ok());
      EXPECT_EQ(r.status().code(), StatusCode::kNoSpace);
      EXPECT_NE(r.status().message().find("t/0"), std::string::npos) << r.status().message();
      EXPECT_NE(r.status().message().find("No space left"), std::string::npos);
    }
    EXPECT_EQ(p->log_end_offset().value(), 15);
    EXPECT_EQ(p->high_watermark().value(), 15);
    EXPECT_EQ(read_batches(*p), acked);  // reads go on, no partial batch is visible
    // Space comes back: appends continue at the right offset.
    fs.clear_faults();
    auto b = make_batch(2, 10);
    auto info = p->append(b);
    ASSERT_TRUE(info.is_ok()) << info.status().to_string();
    EXPECT_EQ(info->base_offset.value(), 15);
    set_base_offset(b, 15);
    acked.push_back(b);
    p.reset();
    auto again = std::move(Partition::open(fs, dir.sub("p"), "t", 0, cfg(policy), 0)).value();
    EXPECT_EQ(read_batches(*again), acked);
  }
}

TEST(Faults, DiskFullWhileRollingFailsCleanly) {
  TempDir dir;
  FaultInjectionFileSystem fs(posix_file_system());
  auto p =
      std::move(Partition::open(fs, dir.sub("p"), "t", 0, cfg(FsyncPolicy::kNever), 0)).value();
  int acked = 0;
  fs.inject_write_error(ENOSPC, 6000);  // runs out somewhere around the first roll
  for (int i = 0; i < 40; ++i) {
    auto r = p->append(make_batch(2, 200));
    if (r.is_ok()) {
      ++acked;
    } else {
      EXPECT_EQ(r.status().code(), StatusCode::kNoSpace) << r.status().to_string();
    }
  }
  EXPECT_GT(acked, 0);
  EXPECT_EQ(p->log_end_offset().value(), acked * 2);
  fs.clear_faults();
  ASSERT_TRUE(p->append(make_batch(2, 200)).is_ok());
  p.reset();
  auto again =
      std::move(Partition::open(fs, dir.sub("p"), "t", 0, cfg(FsyncPolicy::kNever), 0)).value();
  EXPECT_EQ(again->log_end_offset().value(), acked * 2 + 2);
  EXPECT_EQ(read_batches(*again).size(), static_cast<size_t>(acked + 1));
}

TEST(Faults, FailedFsyncMakesThePartitionReadOnlyAndHidesUnsyncedData) {
  TempDir dir;
  FaultInjectionFileSystem fs(posix_file_system());
  auto p =
      std::move(Partition::open(fs, dir.sub("p"), "t", 0, cfg(FsyncPolicy::kAlways), 0)).value();
  ASSERT_TRUE(p->append(make_batch(2)).is_ok());
  fs.inject_sync_error(EIO);
  auto r = p->append(make_batch(2));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find("fdatasync"), std::string::npos) << r.status().message();
  EXPECT_EQ(p->high_watermark().value(), 2);  // the unsynced batch is never exposed
  fs.clear_faults();
  auto again = p->append(make_batch(2));
  EXPECT_FALSE(again.is_ok());  // sticky: the kernel may have dropped the dirty pages
  EXPECT_NE(again.status().message().find("read-only"), std::string::npos);
  EXPECT_FALSE(p->health().is_ok());
  auto read = p->read(Offset(0), 1 << 20, p->high_watermark());
  ASSERT_TRUE(read.is_ok());
  EXPECT_EQ(read->next_offset.value(), 2);
  // A later fsync that "succeeds" must not expose the batch whose fsync failed.
  EXPECT_FALSE(p->flush().is_ok());
  EXPECT_EQ(p->high_watermark().value(), 2);
}

TEST(Faults, ReadErrorsCarryThePath) {
  TempDir dir;
  FaultInjectionFileSystem fs(posix_file_system());
  auto p =
      std::move(Partition::open(fs, dir.sub("p"), "t", 0, cfg(FsyncPolicy::kNever), 0)).value();
  ASSERT_TRUE(p->append(make_batch(2)).is_ok());
  fs.inject_read_error(EIO);
  auto r = p->read(Offset(0), 1000, p->high_watermark());
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find(dir.sub("p")), std::string::npos) << r.status().message();
  fs.clear_faults();
  EXPECT_TRUE(p->read(Offset(0), 1000, p->high_watermark()).is_ok());
}

TEST(Faults, OpenFailsClearlyOnUnreadablePartition) {
  TempDir dir;
  {
    auto p = std::move(Partition::open(posix_file_system(), dir.sub("p"), "t", 0,
                                       cfg(FsyncPolicy::kNever), 0))
                 .value();
    ASSERT_TRUE(p->append(make_batch(2)).is_ok());
  }
  FaultInjectionFileSystem fs(posix_file_system());
  fs.deny(dir.sub("p") + "/00000000000000000000.log");
  auto p = Partition::open(fs, dir.sub("p"), "t", 0, cfg(FsyncPolicy::kNever), 0);
  ASSERT_FALSE(p.is_ok());
  EXPECT_EQ(p.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(p.status().message().find("00000000000000000000.log"), std::string::npos);
  // Nothing was lost: the real file system still opens it.
  auto ok = Partition::open(posix_file_system(), dir.sub("p"), "t", 0, cfg(FsyncPolicy::kNever), 0);
  ASSERT_TRUE(ok.is_ok());
  EXPECT_EQ((*ok)->log_end_offset().value(), 2);
}

}  // namespace
}  // namespace sluice
