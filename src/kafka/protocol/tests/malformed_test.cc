// Malformed input: truncation at every byte, huge lengths and counts, negative lengths, bad tags.
// Each must give an error (with the field path), never a crash or a huge allocation.
#include <gtest/gtest.h>

#include "kafka/protocol/frame.h"
#include "kafka/protocol/tests/test_util.h"

namespace sluice::kafka {
namespace {

using testing::filled;
using testing::unhex;

bool parses(ByteSpan frame) {
  auto p = parse_request_frame(frame);
  return p.is_ok() && p->ok();
}

TEST(KafkaMalformed, EveryTruncationOfEveryRequestFails) {
  size_t checked = 0;
  for (const ApiInfo& info : supported_apis()) {
    for (int16_t v = info.min_version; v <= info.max_version; ++v) {
      Result<std::vector<uint8_t>> frame = Status::internal("unset");
      switch (info.key) {
#define SLUICE_KAFKA_SAMPLE(name, key_, min, max, flex)             \
  case ApiKey::k##name:                                             \
    frame = encode_request(3, "c", v, filled<name##Request>(v, 1)); \
    break;
        SLUICE_KAFKA_APIS(SLUICE_KAFKA_SAMPLE)
#undef SLUICE_KAFKA_SAMPLE
      }
      ASSERT_TRUE(frame.is_ok());
      ByteSpan body = ByteSpan(*frame).subspan(4);
      ASSERT_TRUE(parses(body)) << info.name << " v" << v;
      for (size_t n = 0; n < body.size(); ++n) {
        // A copy of exactly n bytes, so that ASan sees any read past the end.
        std::vector<uint8_t> cut(body.begin(), body.begin() + static_cast<ptrdiff_t>(n));
        ASSERT_FALSE(parses(cut)) << info.name << " v" << v << " cut at " << n;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 1000u);
}

// Produce v8, non-flexible: header | transactional_id null | acks | timeout | 1 topic "t" |
// 1 partition 0 | records length L.
std::vector<uint8_t> produce_v8_with_records_length(std::string_view len_hex) {
  std::string h =
      "0000"
      "0008"
      "00000001"
      "0001"
      "63";
  h += "ffff"
       "0001"
       "00001388"
       "00000001"
       "000174"
       "00000001"
       "00000000";
  h += len_hex;
  h += "616263";
  return unhex(h);
}

TEST(KafkaMalformed, HugeRecordsLengthNamesTheField) {
  auto frame = produce_v8_with_records_length("3b9aca00");  // 1e9
  auto p = parse_request_frame(frame);
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->error, ErrorCode::kInvalidRequest);
  EXPECT_EQ(p->status.message(),
            "Produce v8: topic_data[0].partition_data[0].records: length 1000000000 exceeds "
            "remaining 3 bytes");
  EXPECT_TRUE(parses(produce_v8_with_records_length("00000003")));
  // Null records are allowed (nullable in every version); -2 is not.
  auto null_records = produce_v8_with_records_length("ffffffff");
  null_records.resize(null_records.size() - 3);
  EXPECT_TRUE(parses(null_records));
  auto neg = parse_request_frame(produce_v8_with_records_length("fffffffe"));
  ASSERT_TRUE(neg.is_ok());
  EXPECT_EQ(neg->status.message(),
            "Produce v8: topic_data[0].partition_data[0].records: negative length -2");
}

TEST(KafkaMalformed, HugeArrayCountIsRejectedBeforeAllocating) {
  // Produce v8 claiming 2^31-1 topics in a 20-byte body.
  auto p =
      parse_request_frame(unhex("0000000800000001ffff"
                                "ffff"
                                "0001"
                                "00001388"
                                "7fffffff"
                                "000174"));
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->error, ErrorCode::kInvalidRequest);
  EXPECT_EQ(p->status.message(),
            "Produce v8: topic_data: array count 2147483647 exceeds remaining 3 bytes");
  // The same in a flexible version: compact count 2^31-1 (uvarint ff ff ff ff 07 = 2^31 - 1 + 1).
  auto f =
      parse_request_frame(unhex("000000090000000100016300"
                                "00"
                                "ffff"
                                "00001388"
                                "8080808008"
                                "0274"));
  ASSERT_TRUE(f.is_ok());
  EXPECT_EQ(f->error, ErrorCode::kInvalidRequest);
  EXPECT_NE(f->status.message().find("topic_data: array count 2147483647 exceeds"),
            std::string::npos)
      << f->status.message();
}

TEST(KafkaMalformed, NullWhereNotNullable) {
  // Produce v8 topic name -1.
  auto p =
      parse_request_frame(unhex("0000000800000001ffff"
                                "ffff"
                                "0001"
                                "00001388"
                                "00000001"
                                "ffff"
                                "00000000"));
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->status.message(), "Produce v8: topic_data[0].name: null in non-nullable version 8");
}

TEST(KafkaMalformed, BadTagSections) {
  const std::string header =
      "0012"
      "0003"
      "00000001"
      "ffff"
      "00"
      "0261"
      "0262";
  // Tags out of order (9 then 5).
  auto p = parse_request_frame(unhex(header + "02"
                                              "090100"
                                              "050100"));
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->error, ErrorCode::kInvalidRequest);
  EXPECT_NE(p->status.message().find("tag 5 out of order"), std::string::npos);
  // Duplicate tag.
  EXPECT_FALSE(parses(unhex(header + "02"
                                     "090100"
                                     "090100")));
  // Tag size beyond the frame.
  EXPECT_FALSE(parses(unhex(header + "01"
                                     "09"
                                     "ff01"
                                     "00")));
  // Count beyond the frame.
  EXPECT_FALSE(parses(unhex(header + "ff7f")));
  // Unterminated varint.
  EXPECT_FALSE(parses(unhex(header + "ffffffff")));
  // A known tag whose body does not decode: Fetch v12 cluster_id (tag 0) of length 5 in 1 byte.
  FetchRequest req;
  auto ok = encode_request(1, std::nullopt, 12, req);
  ASSERT_TRUE(ok.is_ok());
  std::vector<uint8_t> bad(ok->begin() + 4, ok->end() - 1);
  for (uint8_t b : unhex("01"
                         "00"
                         "01"
                         "06"))
    bad.push_back(b);
  auto fp = parse_request_frame(bad);
  ASSERT_TRUE(fp.is_ok());
  EXPECT_EQ(fp->status.message(), "Fetch v12: cluster_id: length 5 exceeds remaining 0 bytes");
}

TEST(KafkaMalformed, BrokenHeaders) {
  EXPECT_FALSE(parse_request_frame(unhex("0012")).is_ok());
  EXPECT_FALSE(parse_request_frame(unhex("00120003000000010005616263")).is_ok());  // id cut
  EXPECT_FALSE(parse_request_frame(unhex("0012000300000001fffe")).is_ok());        // length -2
  // Flexible header with a broken tag section: answered as an invalid request.
  auto p =
      parse_request_frame(unhex("0012000300000001ffff"
                                "05"));
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->error, ErrorCode::kInvalidRequest);
}

TEST(KafkaMalformed, StringLengthBeyondFrame) {
  // DescribeGroups v0: groups array of 1 whose string claims 30000 bytes.
  auto p =
      parse_request_frame(unhex("000f000000000001ffff"
                                "00000001"
                                "7530"
                                "6162"));
  ASSERT_TRUE(p.is_ok());
  EXPECT_EQ(p->status.message(),
            "DescribeGroups v0: groups[0]: length 30000 exceeds remaining 2 bytes");
}

}  // namespace
}  // namespace sluice::kafka
