#include "common/bytes.h"

#include <gtest/gtest.h>

namespace sluice {

TEST(Bytes, BigEndianRoundTrip) {
  ByteWriter w;
  w.put_i16(-2);
  w.put_i32(0x01020304);
  w.put_i64(-5);
  w.put_double(3.5);
  ASSERT_EQ(w.size(), 22u);
  EXPECT_EQ(w.data()[2], 0x01);
  ByteReader r(w.span());
  EXPECT_EQ(r.get_i16(), -2);
  EXPECT_EQ(r.get_i32(), 0x01020304);
  EXPECT_EQ(r.get_i64(), -5);
  EXPECT_EQ(r.get_double(), 3.5);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(Bytes, VarintsMatchKafkaEncoding) {
  // Values and encodings from the Kafka protocol guide's zig-zag examples.
  ByteWriter w;
  w.put_varint(0);
  w.put_varint(-1);
  w.put_varint(1);
  w.put_varint(-64);
  w.put_varint(64);
  std::vector<uint8_t> expect = {0x00, 0x01, 0x02, 0x7f, 0x80, 0x01};
  ASSERT_EQ(w.size(), expect.size());
  for (size_t i = 0; i < expect.size(); ++i) EXPECT_EQ(w.data()[i], expect[i]) << i;
  ByteReader r(w.span());
  EXPECT_EQ(r.get_varint(), 0);
  EXPECT_EQ(r.get_varint(), -1);
  EXPECT_EQ(r.get_varint(), 1);
  EXPECT_EQ(r.get_varint(), -64);
  EXPECT_EQ(r.get_varint(), 64);
  EXPECT_TRUE(r.ok());
}

TEST(Bytes, ExtremeVarints) {
  for (int64_t v : {INT64_MIN, INT64_MAX, int64_t{0}, int64_t{300}, int64_t{-300}}) {
    ByteWriter w;
    w.put_varint(v);
    EXPECT_EQ(w.size(), varint_size(zigzag64(v)));
    ByteReader r(w.span());
    EXPECT_EQ(r.get_varint(), v);
    EXPECT_TRUE(r.ok());
  }
}

TEST(Bytes, ReadPastEndFailsAndStays) {
  uint8_t b[3] = {1, 2, 3};
  ByteReader r(ByteSpan(b, 3));
  EXPECT_EQ(r.get_i16(), 0x0102);
  EXPECT_EQ(r.get_i32(), 0);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.get_u8(), 0);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(Bytes, OverlongVarintIsRejected) {
  std::vector<uint8_t> b(11, 0xff);
  ByteReader r(ByteSpan(b.data(), b.size()));
  r.get_uvarint();
  EXPECT_FALSE(r.ok());
}

}  // namespace sluice
