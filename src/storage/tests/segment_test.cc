// Segments and their indexes, below the partition.
#include "storage/segment.h"

#include <gtest/gtest.h>

#include "storage/fault_injection_fs.h"
#include "storage/index.h"
#include "storage/tests/test_util.h"

namespace sluice {
namespace {

using testing::make_batch;
using testing::TempDir;

TEST(SegmentNames, TwentyDigitBaseOffsets) {
  EXPECT_EQ(segment_file_name(42, ".log"), "00000000000000000042.log");
  EXPECT_EQ(parse_segment_file_name("00000000000000000042.log"), 42);
  EXPECT_EQ(parse_segment_file_name("00000000000000000042.index"), -1);
  EXPECT_EQ(parse_segment_file_name("0000000000000000004x.log"), -1);
  EXPECT_EQ(parse_segment_file_name("99999999999999999999.log"), -1);  // overflows int64
}

TEST(OffsetIndex, LookupTruncateAndReload) {
  OffsetIndex idx;
  EXPECT_EQ(idx.lookup(100).position, 0u);
  idx.append(10, 4096);
  idx.append(20, 8192);
  idx.append(20, 9000);  // not increasing: ignored
  idx.append(35, 12288);
  EXPECT_EQ(idx.entries().size(), 3u);
  EXPECT_EQ(idx.lookup(9).position, 0u);
  EXPECT_EQ(idx.lookup(10).position, 4096u);
  EXPECT_EQ(idx.lookup(34).position, 8192u);
  EXPECT_EQ(idx.lookup(1000).position, 12288u);
  TempDir dir;
  std::string path = dir.sub("x.index");
  ASSERT_TRUE(idx.flush(posix_file_system(), path).is_ok());
  auto bytes = posix_file_system().read_file(path).value();
  EXPECT_EQ(bytes.size(), 24u);
  EXPECT_EQ(load_be32(bytes.data() + 8), 20u);
  EXPECT_EQ(load_be32(bytes.data() + 12), 8192u);
  OffsetIndex back;
  EXPECT_TRUE(back.load(bytes, 20000));
  EXPECT_EQ(back.entries().size(), 3u);
  EXPECT_FALSE(back.load(bytes, 10000));  // an entry beyond the log
  idx.truncate_to_position(8192);
  EXPECT_EQ(idx.entries().size(), 1u);
  ASSERT_TRUE(idx.flush(posix_file_system(), path).is_ok());
  EXPECT_EQ(posix_file_system().read_file(path)->size(), 8u);
  std::vector<uint8_t> zeros(16, 0);
  EXPECT_FALSE(back.load(zeros, 20000));  // zero pages from a crash are not monotonic
}

TEST(TimeIndex, ScanStart) {
  TimeIndex t;
  EXPECT_EQ(t.scan_start(5), 0u);
  t.maybe_append(100, 9);
  t.maybe_append(90, 12);  // not larger: ignored
  t.maybe_append(200, 19);
  t.maybe_append(300, 29);
  EXPECT_EQ(t.entries().size(), 3u);
  EXPECT_EQ(t.scan_start(50), 0u);
  EXPECT_EQ(t.scan_start(100), 0u);
  EXPECT_EQ(t.scan_start(101), 10u);
  EXPECT_EQ(t.scan_start(250), 20u);
  EXPECT_EQ(t.scan_start(301), 30u);
  t.truncate_from(19);
  EXPECT_EQ(t.entries().size(), 1u);
  TempDir dir;
  ASSERT_TRUE(t.flush(posix_file_system(), dir.sub("t")).is_ok());
  TimeIndex back;
  EXPECT_TRUE(back.load(posix_file_system().read_file(dir.sub("t")).value()));
  EXPECT_EQ(back.last_timestamp(), 100);
}

TEST(Segment, AppendIndexesEveryIntervalAndRecoversOnOpen) {
  TempDir dir;
  auto seg = Segment::create(posix_file_system(), dir.path(), 1000, 5);
  ASSERT_TRUE(seg.is_ok());
  int64_t off = 1000;
  for (int i = 0; i < 50; ++i) {
    auto b = make_batch(2, 100, 7000 + i);
    set_base_offset(b, off);
    struct iovec v {
      b.data(), b.size()
    };
    BatchMeta m{off, off + 1, 7001 + i, static_cast<uint32_t>(b.size())};
    ASSERT_TRUE((*seg)->append(&v, 1, &m, 1, 1024, 5).is_ok());
    off += 2;
  }
  EXPECT_EQ((*seg)->next_offset(), 1100);
  EXPECT_EQ((*seg)->max_timestamp(), 7050);
  uint64_t pos = (*seg)->index_floor_position(1060);
  EXPECT_GT(pos, 0u);
  auto h = read_batch_header(*(*seg)->file(), pos, (*seg)->size());
  ASSERT_TRUE(h.is_ok());
  EXPECT_LE(h->base_offset, 1060);
  EXPECT_GT(h->base_offset, 1040);  // within about one index interval
  ASSERT_TRUE((*seg)->flush_indexes().is_ok());
  uint64_t size = (*seg)->size();
  seg->reset();
  Segment::OpenOptions o;
  o.is_last = true;
  o.index_interval_bytes = 1024;
  auto again = Segment::open(posix_file_system(), dir.path(), 1000, o);
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ((*again)->size(), size);
  EXPECT_EQ((*again)->next_offset(), 1100);
  EXPECT_EQ((*again)->max_timestamp(), 7050);
  EXPECT_EQ((*again)->index_floor_position(1060), pos);
  EXPECT_EQ((*again)->roll_time_ms(), 7001);  // first batch's maxTimestamp on reopen
}

// Reopening an intact segment writes nothing: recovery re-derives the index entries past the last
// offset-index entry, and when they equal what the files hold they are not written again (every
// segment's time index used to be truncated and rewritten at each start, which made a start cost
// a write per segment).
TEST(Segment, ReopeningAnIntactSegmentWritesNothing) {
  TempDir dir;
  {
    auto seg = Segment::create(posix_file_system(), dir.path(), 0, 5);
    ASSERT_TRUE(seg.is_ok());
    for (int64_t off = 0; off < 100; off += 2) {
      auto b = make_batch(2, 100, 7000 + off);
      set_base_offset(b, off);
      struct iovec v {
        b.data(), b.size()
      };
      BatchMeta m{off, off + 1, 7001 + off, static_cast<uint32_t>(b.size())};
      ASSERT_TRUE((*seg)->append(&v, 1, &m, 1, 1024, 5).is_ok());
    }
    ASSERT_TRUE((*seg)->flush_indexes().is_ok());
  }
  uint32_t scan_start = 0;
  for (bool is_last : {true, false, false, true}) {
    Segment::OpenOptions o;
    o.is_last = is_last;
    o.index_interval_bytes = 1024;
    FaultInjectionFileSystem fs(posix_file_system());
    auto seg = Segment::open(fs, dir.path(), 0, o);
    ASSERT_TRUE(seg.is_ok()) << seg.status().to_string();
    EXPECT_EQ((*seg)->next_offset(), 100);
    EXPECT_EQ((*seg)->max_timestamp(), 7099);
    if (scan_start == 0) scan_start = static_cast<uint32_t>((*seg)->time_scan_start(7050));
    EXPECT_EQ((*seg)->time_scan_start(7050), scan_start);
    EXPECT_GT(scan_start, 40u);
    // The first sealed open adds the seal entry; every other open finds everything in place.
    if (is_last) {
      EXPECT_EQ(fs.bytes_written(), 0u) << "reopened as the active segment";
    } else {
      uint64_t first_seal = fs.bytes_written();
      auto again = Segment::open(fs, dir.path(), 0, o);
      ASSERT_TRUE(again.is_ok());
      EXPECT_EQ(fs.bytes_written(), first_seal) << "reopened as a sealed segment";
    }
  }
}

TEST(Segment, FailedWriteLeavesNoPartialBatch) {
  TempDir dir;
  FaultInjectionFileSystem fs(posix_file_system());
  auto seg = Segment::create(fs, dir.path(), 0, 0).value();
  auto b = make_batch(2, 100);
  struct iovec v {
    b.data(), b.size()
  };
  BatchMeta m{0, 1, 1001, static_cast<uint32_t>(b.size())};
  ASSERT_TRUE(seg->append(&v, 1, &m, 1, 4096, 0).is_ok());
  fs.inject_write_error(EIO, 30);
  set_base_offset(b, 2);
  BatchMeta m2{2, 3, 1001, static_cast<uint32_t>(b.size())};
  auto st = seg->append(&v, 1, &m2, 1, 4096, 0);
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_EQ(seg->size(), b.size());
  EXPECT_EQ(seg->file()->size().value(), b.size());
  EXPECT_EQ(seg->next_offset(), 2);
}

TEST(FileSystem, AtomicWriteListAndRemove) {
  TempDir dir;
  FileSystem& fs = posix_file_system();
  ASSERT_TRUE(fs.mkdirs(dir.sub("a/b/c")).is_ok());
  ASSERT_TRUE(fs.write_file_atomic(dir.sub("a/b/f"), as_bytes("one")).is_ok());
  ASSERT_TRUE(fs.write_file_atomic(dir.sub("a/b/f"), as_bytes("two!")).is_ok());
  EXPECT_EQ(std::string(as_string_view(fs.read_file(dir.sub("a/b/f")).value())), "two!");
  auto names = fs.list(dir.sub("a/b"));
  ASSERT_TRUE(names.is_ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"c", "f"}));
  auto missing = fs.open(dir.sub("nope"), OpenMode::kRead);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(dir.sub("nope")), std::string::npos);
  ASSERT_TRUE(fs.remove_all(dir.sub("a")).is_ok());
  EXPECT_FALSE(fs.exists(dir.sub("a")).value());
}

TEST(FileSystem, CrashDropsUnsyncedBytes) {
  TempDir dir;
  FaultInjectionFileSystem fs(posix_file_system());
  auto f = fs.open(dir.sub("f"), OpenMode::kCreate).value();
  ASSERT_TRUE(f->pwrite(0, as_bytes("durable")).is_ok());
  ASSERT_TRUE(f->sync().is_ok());
  ASSERT_TRUE(f->pwrite(7, as_bytes("-lost")).is_ok());
  ASSERT_TRUE(fs.crash().is_ok());
  EXPECT_EQ(std::string(as_string_view(posix_file_system().read_file(dir.sub("f")).value())),
            "durable");
  fs.inject_sync_error(EIO);
  EXPECT_EQ(f->sync().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace sluice
