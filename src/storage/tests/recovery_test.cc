#include <gtest/gtest.h>

#include "storage/partition.h"
#include "storage/tests/test_util.h"

namespace sluice {
namespace {

using testing::make_batch;
using testing::TempDir;

LogConfig cfg() {
  LogConfig c;
  c.fsync = FsyncPolicy::kNever;
  c.segment_bytes = 2000;
  c.index_interval_bytes = 200;
  return c;
}

std::unique_ptr<Partition> open_p(const std::string& dir) {
  auto p = Partition::open(posix_file_system(), dir, "t", 0, cfg(), 0);
  EXPECT_TRUE(p.is_ok()) << p.status().to_string();
  return p.is_ok() ? std::move(p).value() : nullptr;
}

// Writes 30 batches of 2 records; returns the last segment's path.
std::string fill(const std::string& dir) {
  auto p = open_p(dir);
  for (int i = 0; i < 30; ++i) EXPECT_TRUE(p->append(make_batch(2, 100, 1000 + i)).is_ok());
  auto names = posix_file_system().list(dir).value();
  std::string last;
  for (const auto& n : names) {
    if (n.ends_with(".log")) last = n;
  }
  return path_join(dir, last);
}

uint64_t file_size(const std::string& path) {
  return posix_file_system().open(path, OpenMode::kRead).value()->size().value();
}

void truncate_file(const std::string& path, uint64_t size) {
  auto f = posix_file_system().open(path, OpenMode::kReadWrite).value();
  ASSERT_TRUE(f->truncate(size).is_ok());
}

void flip_byte(const std::string& path, uint64_t pos) {
  auto f = posix_file_system().open(path, OpenMode::kReadWrite).value();
  uint8_t b;
  ASSERT_EQ(f->pread(pos, &b, 1).value(), 1u);
  b ^= 0xff;
  ASSERT_TRUE(f->pwrite(pos, ByteSpan(&b, 1)).is_ok());
}

void expect_all_valid(const Partition& p) {
  Offset next = p.log_start_offset();
  while (next < p.high_watermark()) {
    auto bytes = p.read_bytes(next, 1 << 20, p.high_watermark());
    ASSERT_TRUE(bytes.is_ok()) << bytes.status().to_string();
    ASSERT_FALSE(bytes->empty());
    auto views = split_batches(*bytes);
    ASSERT_TRUE(views.is_ok());
    for (const auto& v : *views) {
      ASSERT_TRUE(v.validate().is_ok());
      next = Offset(v.last_offset() + 1);
    }
  }
}

TEST(Recovery, CleanReopenKeepsEverything) {
  TempDir dir;
  fill(dir.sub("p"));
  auto p = open_p(dir.sub("p"));
  EXPECT_EQ(p->log_end_offset().value(), 60);
  expect_all_valid(*p);
  // Batch i holds offsets 2i, 2i+1 at timestamps 1000+i, 1001+i.
  EXPECT_EQ(p->offset_for_timestamp(1010)->offset.value(), 19);
}

TEST(Recovery, TornTailBatchIsTruncated) {
  TempDir dir;
  std::string last = fill(dir.sub("p"));
  uint64_t size = file_size(last);
  truncate_file(last, size - 17);  // the last batch loses its end
  auto p = open_p(dir.sub("p"));
  EXPECT_EQ(p->log_end_offset().value(), 58);
  EXPECT_LT(file_size(last), size - 17);
  expect_all_valid(*p);
  // Appends continue right after the surviving data.
  auto info = p->append(make_batch(1));
  ASSERT_TRUE(info.is_ok());
  EXPECT_EQ(info->base_offset.value(), 58);
  expect_all_valid(*p);
}

TEST(Recovery, FlippedByteInTailFailsCrcAndIsTruncated) {
  TempDir dir;
  std::string last = fill(dir.sub("p"));
  uint64_t size = file_size(last);
  flip_byte(last, size - 5);  // inside the last batch's records
  auto p = open_p(dir.sub("p"));
  EXPECT_EQ(p->log_end_offset().value(), 58);
  expect_all_valid(*p);
}

TEST(Recovery, GarbageLengthAndTrailingBytesAreTruncated) {
  TempDir dir;
  std::string last = fill(dir.sub("p"));
  uint64_t size = file_size(last);
  {
    auto f = posix_file_system().open(last, OpenMode::kReadWrite).value();
    std::vector<uint8_t> junk(40, 0x7f);  // a header whose batchLength is huge
    ASSERT_TRUE(f->pwrite(size, junk).is_ok());
  }
  auto p = open_p(dir.sub("p"));
  EXPECT_EQ(p->log_end_offset().value(), 60);
  EXPECT_EQ(file_size(last), size);
}

TEST(Recovery, MissingOrCorruptIndexesAreRebuilt) {
  TempDir dir;
  std::string last = fill(dir.sub("p"));
  auto names = posix_file_system().list(dir.sub("p")).value();
  int touched = 0;
  for (const auto& n : names) {
    std::string path = dir.sub("p") + "/" + n;
    if (n.ends_with(".index") && touched++ % 2 == 0) {
      ASSERT_TRUE(posix_file_system().unlink(path).is_ok());
    } else if (n.ends_with(".index")) {
      std::vector<uint8_t> junk(24, 0xee);
      ASSERT_TRUE(posix_file_system().write_file_atomic(path, junk).is_ok());
    } else if (n.ends_with(".timeindex")) {
      std::vector<uint8_t> junk(13, 0x01);
      ASSERT_TRUE(posix_file_system().write_file_atomic(path, junk).is_ok());
    }
  }
  ASSERT_GT(touched, 1);
  auto p = open_p(dir.sub("p"));
  EXPECT_EQ(p->log_end_offset().value(), 60);
  expect_all_valid(*p);
  for (int64_t off : {0, 13, 27, 44, 59}) {
    auto r = p->read(Offset(off), 1, p->high_watermark());
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r->first_offset.value(), off / 2 * 2);
  }
  EXPECT_EQ(p->offset_for_timestamp(1025)->offset.value(), 49);
}

TEST(Recovery, CorruptMiddleSegmentIsAClearError) {
  TempDir dir;
  fill(dir.sub("p"));
  std::string first = dir.sub("p") + "/00000000000000000000.log";
  truncate_file(first, file_size(first) - 30);
  auto p = Partition::open(posix_file_system(), dir.sub("p"), "t", 0, cfg(), 0);
  ASSERT_FALSE(p.is_ok());
  EXPECT_EQ(p.status().code(), StatusCode::kCorruption);
  EXPECT_NE(p.status().message().find(first), std::string::npos) << p.status().message();
  EXPECT_NE(p.status().message().find("t/0"), std::string::npos);
}

TEST(Recovery, CorruptHeaderInsideASegmentFailsReadsWithThePath) {
  TempDir dir;
  fill(dir.sub("p"));
  std::string first = dir.sub("p") + "/00000000000000000000.log";
  // Corrupt the magic byte of the first batch: not the tail, so open does not look at it.
  flip_byte(first, 16);
  auto p = open_p(dir.sub("p"));
  ASSERT_NE(p, nullptr);
  auto r = p->read(Offset(0), 1 << 20, p->high_watermark());
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find(first), std::string::npos);
  // Later segments still serve.
  auto later = p->read(Offset(40), 1 << 20, p->high_watermark());
  EXPECT_TRUE(later.is_ok());
}

TEST(Recovery, EmptyTrailingSegmentAfterACrashedRoll) {
  TempDir dir;
  std::string last = fill(dir.sub("p"));
  // A crash right after a roll: an empty newest segment, and the previous one torn.
  int64_t base = parse_segment_file_name(last.substr(last.rfind('/') + 1));
  uint64_t size = file_size(last);
  truncate_file(last, size - 3);
  {
    auto f = posix_file_system().open(dir.sub("p") + "/" + segment_file_name(base + 100, ".log"),
                                      OpenMode::kCreate);
    ASSERT_TRUE(f.is_ok());
  }
  auto p = open_p(dir.sub("p"));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->log_end_offset().value(), 58);
  expect_all_valid(*p);
}

TEST(Recovery, LeftoverCompactionFilesAreRemoved) {
  TempDir dir;
  fill(dir.sub("p"));
  std::string junk = dir.sub("p") + "/00000000000000000000.log.cleaned";
  std::vector<uint8_t> bytes(100, 1);
  ASSERT_TRUE(posix_file_system().write_file_atomic(junk, bytes).is_ok());
  auto p = open_p(dir.sub("p"));
  EXPECT_FALSE(posix_file_system().exists(junk).value());
  EXPECT_EQ(p->log_end_offset().value(), 60);
}

}  // namespace
}  // namespace sluice
