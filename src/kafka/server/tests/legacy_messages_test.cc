// Legacy message sets (magic 0 and 1) up-converted to RecordBatch v2.
#include "kafka/server/legacy_messages.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <optional>
#include <string>
#include <vector>

#include "common/compression.h"
#include "storage/record_batch.h"

namespace sluice::kafka {
namespace {

struct Msg {
  int8_t magic = 1;
  uint8_t attributes = 0;
  int64_t timestamp = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

// One message as Kafka 0.8-0.10 clients write it (offset, size, CRC-32/IEEE, then the body).
void write_message(ByteWriter& w, const Msg& m, int64_t offset = 0) {
  ByteWriter body;
  body.put_i8(m.magic);
  body.put_u8(m.attributes);
  if (m.magic == 1) body.put_i64(m.timestamp);
  for (const auto* field : {&m.key, &m.value}) {
    if (!*field) {
      body.put_i32(-1);
    } else {
      body.put_i32(static_cast<int32_t>((*field)->size()));
      body.put_bytes(**field);
    }
  }
  const std::vector<uint8_t>& b = body.buffer();
  w.put_i64(offset);
  w.put_i32(static_cast<int32_t>(b.size() + 4));
  w.put_i32(static_cast<int32_t>(crc32(0L, b.data(), static_cast<uInt>(b.size()))));
  w.put_bytes(ByteSpan(b.data(), b.size()));
}

std::vector<uint8_t> message_set(const std::vector<Msg>& msgs) {
  ByteWriter w;
  for (size_t i = 0; i < msgs.size(); ++i) write_message(w, msgs[i], static_cast<int64_t>(i));
  return w.take();
}

Result<std::vector<std::string>> convert(const std::vector<uint8_t>& set, BatchHeader* header,
                                         std::vector<int64_t>* timestamps) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<uint8_t> batch,
                          upconvert_message_set(ByteSpan(set.data(), set.size()), 1 << 20));
  SLUICE_ASSIGN_OR_RETURN(auto batches, split_batches(ByteSpan(batch.data(), batch.size())));
  EXPECT_EQ(batches.size(), 1u);
  SLUICE_RETURN_IF_ERROR(batches[0].validate(BatchValidation::kProduce));
  *header = batches[0].header();
  SLUICE_ASSIGN_OR_RETURN(RecordReader reader, RecordReader::open(batches[0]));
  std::vector<std::string> out;
  Record r;
  while (reader.next(r)) {
    out.push_back((r.key ? std::string(as_string_view(*r.key)) : "<null>") + "=" +
                  (r.value ? std::string(as_string_view(*r.value)) : "<null>"));
    timestamps->push_back(r.timestamp);
  }
  SLUICE_RETURN_IF_ERROR(reader.status());
  return out;
}

TEST(LegacyMessages, PlainMagic0And1) {
  BatchHeader h;
  std::vector<int64_t> ts;
  auto v0 = convert(message_set({{0, 0, 0, "a", "1"}, {0, 0, 0, std::nullopt, "2"}}), &h, &ts);
  ASSERT_TRUE(v0.is_ok()) << v0.status().to_string();
  EXPECT_EQ(*v0, (std::vector<std::string>{"a=1", "<null>=2"}));
  EXPECT_EQ(ts, (std::vector<int64_t>{-1, -1}));  // magic 0 has no timestamps
  EXPECT_EQ(h.codec(), CompressionCodec::kNone);

  ts.clear();
  auto v1 =
      convert(message_set({{1, 0, 1000, "k", std::nullopt}, {1, 0, 2000, "k", "v"}}), &h, &ts);
  ASSERT_TRUE(v1.is_ok()) << v1.status().to_string();
  EXPECT_EQ(*v1, (std::vector<std::string>{"k=<null>", "k=v"}));  // a tombstone stays one
  EXPECT_EQ(ts, (std::vector<int64_t>{1000, 2000}));
  EXPECT_EQ(h.timestamp_type(), TimestampType::kCreateTime);
}

TEST(LegacyMessages, CompressedWrappersKeepTheirCodecAndTimeType) {
  for (auto codec : {CompressionCodec::kGzip, CompressionCodec::kSnappy, CompressionCodec::kLz4}) {
    std::vector<uint8_t> inner = message_set({{1, 0, 10, "a", "x"}, {1, 0, 11, "b", "y"}});
    auto compressed = compress(codec, ByteSpan(inner.data(), inner.size()));
    ASSERT_TRUE(compressed.is_ok());
    Msg wrapper{1, static_cast<uint8_t>(static_cast<uint8_t>(codec) | 0x08), 99, std::nullopt,
                std::string(compressed->begin(), compressed->end())};
    BatchHeader h;
    std::vector<int64_t> ts;
    auto out = convert(message_set({wrapper, {1, 0, 12, "c", "z"}}), &h, &ts);
    ASSERT_TRUE(out.is_ok()) << compression_codec_name(codec) << ": " << out.status().to_string();
    EXPECT_EQ(*out, (std::vector<std::string>{"a=x", "b=y", "c=z"}));
    EXPECT_EQ(h.codec(), codec);
    EXPECT_EQ(h.timestamp_type(), TimestampType::kLogAppendTime);
  }
}

TEST(LegacyMessages, BadSetsAreRefused) {
  auto refused = [](std::vector<uint8_t> set) {
    auto r = upconvert_message_set(ByteSpan(set.data(), set.size()), 1 << 20);
    return !r.is_ok() && r.status().code() == StatusCode::kCorruption;
  };
  std::vector<uint8_t> good = message_set({{1, 0, 1, "k", "v"}});
  EXPECT_TRUE(refused({}));
  std::vector<uint8_t> bad_crc = good;
  bad_crc.back() ^= 1;
  EXPECT_TRUE(refused(bad_crc));
  std::vector<uint8_t> truncated(good.begin(), good.end() - 3);
  EXPECT_TRUE(refused(truncated));
  EXPECT_TRUE(refused(message_set({{5, 0, 1, "k", "v"}})));                    // unknown magic
  EXPECT_TRUE(refused(message_set({{1, 1, 1, std::nullopt, std::nullopt}})));  // no payload
  EXPECT_TRUE(refused(message_set({{1, 1, 1, std::nullopt, "not gzip"}})));
  // A compressed message inside a compressed one.
  std::vector<uint8_t> inner = message_set({{1, 1, 1, std::nullopt, "x"}});
  auto gz = compress(CompressionCodec::kGzip, ByteSpan(inner.data(), inner.size()));
  ASSERT_TRUE(gz.is_ok());
  EXPECT_TRUE(refused(message_set({{1, 1, 1, std::nullopt, std::string(gz->begin(), gz->end())}})));
}

}  // namespace
}  // namespace sluice::kafka
