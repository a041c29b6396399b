#include "storage/record_batch.h"

#include <gtest/gtest.h>

#include <limits>

#include "common/crc32c.h"
#include "storage/tests/test_util.h"

namespace sluice {
namespace {

namespace bl = batch_layout;
using testing::make_batch;

std::string str(ByteSpan b) {
  return std::string(as_string_view(b));
}

TEST(RecordBatch, BuildAndReadBackEveryCodec) {
  for (auto codec : {CompressionCodec::kNone, CompressionCodec::kGzip, CompressionCodec::kSnappy,
                     CompressionCodec::kLz4, CompressionCodec::kZstd}) {
    std::string hv = "hval";
    RecordBatchBuilder b(codec);
    b.set_base_offset(100).set_producer(7, 3, 42);
    b.add(100, 5000, as_bytes("key-a"), as_bytes("value-a"),
          {{"h1", as_bytes(hv)}, {"h2", std::nullopt}});
    b.add(101, 5003, std::nullopt, as_bytes("no key"));
    b.add(102, 4999, as_bytes("key-c"), std::nullopt);  // tombstone
    auto bytes = b.build();
    ASSERT_TRUE(bytes.is_ok()) << bytes.status().to_string();
    auto view = RecordBatchView::parse_first(*bytes);
    ASSERT_TRUE(view.is_ok());
    ASSERT_TRUE(view->validate(BatchValidation::kProduce).is_ok()) << view->validate().to_string();
    const BatchHeader& h = view->header();
    EXPECT_EQ(h.base_offset, 100);
    EXPECT_EQ(h.last_offset_delta, 2);
    EXPECT_EQ(h.records_count, 3);
    EXPECT_EQ(h.base_timestamp, 5000);
    EXPECT_EQ(h.max_timestamp, 5003);
    EXPECT_EQ(h.producer_id, 7);
    EXPECT_EQ(h.producer_epoch, 3);
    EXPECT_EQ(h.base_sequence, 42);
    EXPECT_EQ(h.codec(), codec);
    EXPECT_EQ(h.total_size(), bytes->size());

    auto reader = RecordReader::open(*view);
    ASSERT_TRUE(reader.is_ok());
    Record r;
    ASSERT_TRUE(reader->next(r));
    EXPECT_EQ(r.offset, 100);
    EXPECT_EQ(r.timestamp, 5000);
    EXPECT_EQ(str(*r.key), "key-a");
    EXPECT_EQ(str(*r.value), "value-a");
    ASSERT_EQ(r.headers.size(), 2u);
    EXPECT_EQ(r.headers[0].key, "h1");
    EXPECT_EQ(str(*r.headers[0].value), "hval");
    EXPECT_FALSE(r.headers[1].value.has_value());
    ASSERT_TRUE(reader->next(r));
    EXPECT_EQ(r.offset, 101);
    EXPECT_EQ(r.timestamp, 5003);
    EXPECT_FALSE(r.key.has_value());
    ASSERT_TRUE(reader->next(r));
    EXPECT_EQ(r.offset, 102);
    EXPECT_FALSE(r.value.has_value());
    EXPECT_FALSE(reader->next(r));
    EXPECT_TRUE(reader->status().is_ok());
  }
}

TEST(RecordBatch, HeaderLayoutMatchesKafka) {
  auto bytes = make_batch(2, 5, 1234);
  const uint8_t* p = bytes.data();
  EXPECT_EQ(load_be32(p + 8), bytes.size() - 12);  // batchLength
  EXPECT_EQ(p[16], 2);                             // magic
  EXPECT_EQ(load_be32(p + 17), crc32c(p + 21, bytes.size() - 21));
  EXPECT_EQ(load_be32(p + 23), 1u);                        // lastOffsetDelta
  EXPECT_EQ(load_be64(p + 27), 1234u);                     // baseTimestamp
  EXPECT_EQ(load_be64(p + 35), 1235u);                     // maxTimestamp
  EXPECT_EQ(static_cast<int64_t>(load_be64(p + 43)), -1);  // producerId
  EXPECT_EQ(load_be32(p + 57), 2u);                        // recordsCount
  // First record: length varint, attributes 0, timestampDelta 0, offsetDelta 0, keyLength 2
  // ("k0" zig-zag encoded as 4).
  EXPECT_EQ(p[61 + 1], 0);
  EXPECT_EQ(p[61 + 2], 0);
  EXPECT_EQ(p[61 + 3], 0);
  EXPECT_EQ(p[61 + 4], 4);
}

TEST(RecordBatch, OffsetAndEpochSettersKeepCrc) {
  auto bytes = make_batch(3);
  uint32_t crc = load_be32(bytes.data() + bl::kCrc);
  set_base_offset(bytes, 987654321);
  set_partition_leader_epoch(bytes, 17);
  auto view = RecordBatchView::parse_first(bytes);
  ASSERT_TRUE(view.is_ok());
  EXPECT_TRUE(view->validate().is_ok());
  EXPECT_EQ(view->header().crc, crc);
  EXPECT_EQ(view->base_offset(), 987654321);
  EXPECT_EQ(view->last_offset(), 987654323);
  EXPECT_EQ(view->header().partition_leader_epoch, 17);
}

TEST(RecordBatch, LogAppendTimeRecomputesCrcAndOverridesRecordTimestamps) {
  auto bytes = make_batch(3, 10, 1000);
  set_log_append_time(bytes, 777777);
  auto view = RecordBatchView::parse_first(bytes);
  ASSERT_TRUE(view.is_ok());
  ASSERT_TRUE(view->validate().is_ok());
  EXPECT_EQ(view->header().timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(view->header().max_timestamp, 777777);
  auto reader = RecordReader::open(*view);
  Record r;
  int n = 0;
  while (reader->next(r)) {
    EXPECT_EQ(r.timestamp, 777777);
    ++n;
  }
  EXPECT_EQ(n, 3);
}

TEST(RecordBatch, ValidationRejectsBadBatches) {
  auto good = make_batch(3);
  {
    auto b = good;
    b[bl::kMagic] = 1;
    auto v = RecordBatchView::parse_first(b);
    ASSERT_TRUE(v.is_ok());
    auto st = v->validate();
    EXPECT_EQ(st.code(), StatusCode::kCorruption);
    EXPECT_NE(st.message().find("magic"), std::string::npos);
  }
  {
    auto b = good;
    b.back() ^= 0x55;
    auto st = RecordBatchView::parse_first(b)->validate();
    EXPECT_EQ(st.code(), StatusCode::kCorruption);
    EXPECT_NE(st.message().find("CRC"), std::string::npos) << st.message();
  }
  {
    std::vector<uint8_t> cut(good.begin(), good.end() - 1);
    auto v = RecordBatchView::parse_first(cut);
    EXPECT_FALSE(v.is_ok());
    EXPECT_NE(v.status().message().find("truncated"), std::string::npos);
  }
  {
    std::vector<uint8_t> tiny(good.begin(), good.begin() + 30);
    EXPECT_FALSE(RecordBatchView::parse_first(tiny).is_ok());
  }
  {
    auto b = good;
    store_be32(b.data() + bl::kBatchLength, 10);  // smaller than a header
    EXPECT_FALSE(RecordBatchView::parse_first(b).is_ok());
  }
  {
    // More records than offsets the batch spans.
    auto b = good;
    store_be32(b.data() + bl::kLastOffsetDelta, 0);
    update_crc(b);
    auto st = RecordBatchView::parse_first(b)->validate();
    EXPECT_FALSE(st.is_ok());
  }
  {
    // A compacted batch (gap) is fine stored but not as a produce request.
    auto b = good;
    store_be32(b.data() + bl::kLastOffsetDelta, 5);
    update_crc(b);
    auto v = RecordBatchView::parse_first(b);
    EXPECT_TRUE(v->validate(BatchValidation::kStored).is_ok());
    EXPECT_FALSE(v->validate(BatchValidation::kProduce).is_ok());
  }
  {
    auto b = good;
    store_be16(b.data() + bl::kAttributes, 6);  // codec 6 does not exist
    update_crc(b);
    EXPECT_FALSE(RecordBatchView::parse_first(b)->validate().is_ok());
  }
}

TEST(RecordBatch, SplitConcatenatedBatches) {
  auto all = testing::concat({make_batch(1), make_batch(2), make_batch(3)});
  auto views = split_batches(all);
  ASSERT_TRUE(views.is_ok());
  ASSERT_EQ(views->size(), 3u);
  EXPECT_EQ((*views)[2].header().records_count, 3);
  all.pop_back();
  EXPECT_FALSE(split_batches(all).is_ok());
}

TEST(RecordBatch, CorruptRecordsAreReportedNotCrashed) {
  auto b = make_batch(3, 20);
  // Claim a huge key length inside the first record; fix the CRC so only the record is bad.
  b[61 + 4] = 0x7e;
  update_crc(b);
  auto v = RecordBatchView::parse_first(b);
  ASSERT_TRUE(v.is_ok());
  auto reader = RecordReader::open(*v);
  ASSERT_TRUE(reader.is_ok());
  Record r;
  while (reader->next(r)) {
  }
  EXPECT_EQ(reader->status().code(), StatusCode::kCorruption);
}

TEST(RecordBatch, CompressedPayloadIsBounded) {
  std::string big(1 << 20, 'z');
  RecordBatchBuilder b(CompressionCodec::kZstd);
  b.add(0, 1, std::nullopt, as_bytes(big));
  auto bytes = b.build();
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_LT(bytes->size(), 10000u);
  auto v = RecordBatchView::parse_first(*bytes);
  EXPECT_FALSE(RecordReader::open(*v, size_t{64} * 1024).is_ok());
  EXPECT_TRUE(RecordReader::open(*v, 2 << 20).is_ok());
}

TEST(RecordBatch, BuilderKeepsOffsetsForCompaction) {
  RecordBatchBuilder b;
  b.set_base_offset(10).set_last_offset_delta(9).set_base_timestamp(100);
  b.add(13, 105, as_bytes("a"), as_bytes("1"));
  b.add(19, 103, as_bytes("b"), as_bytes("2"));
  auto bytes = b.build();
  ASSERT_TRUE(bytes.is_ok());
  auto v = RecordBatchView::parse_first(*bytes);
  ASSERT_TRUE(v->validate().is_ok());
  EXPECT_EQ(v->base_offset(), 10);
  EXPECT_EQ(v->last_offset(), 19);
  EXPECT_EQ(v->header().records_count, 2);
  auto reader = RecordReader::open(*v);
  Record r;
  ASSERT_TRUE(reader->next(r));
  EXPECT_EQ(r.offset, 13);
  EXPECT_EQ(r.timestamp, 105);
  ASSERT_TRUE(reader->next(r));
  EXPECT_EQ(r.offset, 19);
  EXPECT_EQ(r.timestamp, 103);
}

// Offsets and timestamps of a corrupt batch may overflow when the deltas are added: they wrap
// as in Java instead of being undefined behaviour (found by fuzz_record_batch under UBSan).
TEST(RecordBatch, ExtremeBaseTimestampsWrapInsteadOfOverflowing) {
  RecordBatchBuilder b;
  b.set_base_timestamp(1000);
  b.add(993, std::nullopt, as_bytes("v"));  // timestamp delta -7
  auto bytes = b.build().value();
  store_be64(bytes.data() + batch_layout::kBaseTimestamp,
             static_cast<uint64_t>(std::numeric_limits<int64_t>::min()));
  auto view = RecordBatchView::parse_first(ByteSpan(bytes.data(), bytes.size()));
  ASSERT_TRUE(view.is_ok());
  auto reader = RecordReader::open(*view);
  ASSERT_TRUE(reader.is_ok());
  Record r;
  ASSERT_TRUE(reader->next(r));
  EXPECT_EQ(r.timestamp, std::numeric_limits<int64_t>::max() - 6);
}

}  // namespace
}  // namespace sluice
