#include "common/compression.h"

#include <gtest/gtest.h>
#include <snappy.h>
#include <zstd.h>

#include <random>
#include <string>
#include <vector>

namespace sluice {
namespace {

std::vector<uint8_t> sample(size_t n, uint32_t seed) {
  // Half compressible text, half noise, so every codec has real work to do.
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  const std::string words = "the quick brown fox jumps over the lazy dog ";
  for (size_t i = 0; i < n; ++i) {
    v[i] = (i / 1024) % 2 ? static_cast<uint8_t>(rng()) : static_cast<uint8_t>(words[i % 44]);
  }
  return v;
}

constexpr CompressionCodec kCodecs[] = {CompressionCodec::kNone, CompressionCodec::kGzip,
                                        CompressionCodec::kSnappy, CompressionCodec::kLz4,
                                        CompressionCodec::kZstd};

TEST(Compression, RoundTripAllCodecsAndSizes) {
  for (auto codec : kCodecs) {
    for (size_t n : {0ul, 1ul, 100ul, 32768ul, 32769ul, 200000ul}) {
      auto in = sample(n, static_cast<uint32_t>(n));
      auto c = compress(codec, in);
      ASSERT_TRUE(c.is_ok()) << compression_codec_name(codec) << " " << c.status().to_string();
      auto d = decompress(codec, *c, 1 << 20);
      ASSERT_TRUE(d.is_ok()) << compression_codec_name(codec) << " n=" << n << " "
                             << d.status().to_string();
      EXPECT_EQ(*d, in) << compression_codec_name(codec) << " n=" << n;
    }
  }
}

TEST(Compression, WireFormatsMatchKafka) {
  auto in = sample(1000, 1);
  auto gz = compress(CompressionCodec::kGzip, in);
  ASSERT_TRUE(gz.is_ok());
  EXPECT_EQ((*gz)[0], 0x1f);  // gzip magic
  EXPECT_EQ((*gz)[1], 0x8b);
  auto sn = compress(CompressionCodec::kSnappy, in);
  ASSERT_TRUE(sn.is_ok());
  const uint8_t xerial[] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
  ASSERT_GE(sn->size(), 16u);
  EXPECT_TRUE(std::equal(xerial, xerial + 16, sn->begin()));
  auto lz = compress(CompressionCodec::kLz4, in);
  ASSERT_TRUE(lz.is_ok());
  EXPECT_EQ(load_be32(lz->data()), 0x04224d18u);  // LZ4 frame magic, little-endian 0x184D2204
  auto zs = compress(CompressionCodec::kZstd, in);
  ASSERT_TRUE(zs.is_ok());
  EXPECT_EQ(load_be32(zs->data()), 0x28b52ffdu);  // zstd frame magic 0xFD2FB528
}

TEST(Compression, SnappyAcceptsRawBlock) {
  // librdkafka may send a bare snappy block without xerial framing.
  auto in = sample(5000, 2);
  std::string raw;
  snappy::Compress(reinterpret_cast<const char*>(in.data()), in.size(), &raw);
  auto d = decompress(CompressionCodec::kSnappy, as_bytes(raw), 1 << 20);
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(*d, in);
}

TEST(Compression, GzipAcceptsConcatenatedMembers) {
  auto a = sample(3000, 3), b = sample(2000, 4);
  auto ca = compress(CompressionCodec::kGzip, a);
  auto cb = compress(CompressionCodec::kGzip, b);
  ASSERT_TRUE(ca.is_ok() && cb.is_ok());
  std::vector<uint8_t> both = *ca;
  both.insert(both.end(), cb->begin(), cb->end());
  auto d = decompress(CompressionCodec::kGzip, both, 1 << 20);
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  std::vector<uint8_t> want = a;
  want.insert(want.end(), b.begin(), b.end());
  EXPECT_EQ(*d, want);
}

TEST(Compression, ZstdStreamingFrameWithoutContentSize) {
  auto in = sample(100000, 5);
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::vector<uint8_t> out(ZSTD_compressBound(in.size()) + 64);
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  ZSTD_outBuffer output{out.data(), out.size(), 0};
  // compressStream2 with e_end without a pledged size omits the content size only when
  // streaming in pieces; feed it in two calls to be sure.
  input.size = in.size() / 2;
  ASSERT_FALSE(ZSTD_isError(ZSTD_compressStream2(cctx, &output, &input, ZSTD_e_continue)));
  input.size = in.size();
  size_t rc;
  do {
    rc = ZSTD_compressStream2(cctx, &output, &input, ZSTD_e_end);
    ASSERT_FALSE(ZSTD_isError(rc));
  } while (rc != 0);
  ZSTD_freeCCtx(cctx);
  out.resize(output.pos);
  EXPECT_EQ(ZSTD_getFrameContentSize(out.data(), out.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  auto d = decompress(CompressionCodec::kZstd, out, 1 << 20);
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(*d, in);
}

TEST(Compression, CorruptInputFailsCleanly) {
  auto in = sample(20000, 6);
  for (auto codec : kCodecs) {
    if (codec == CompressionCodec::kNone) continue;
    auto c = compress(codec, in);
    ASSERT_TRUE(c.is_ok());
    // Truncated.
    std::vector<uint8_t> cut(c->begin(), c->begin() + static_cast<long>(c->size() / 2));
    auto d1 = decompress(codec, cut, 1 << 20);
    EXPECT_FALSE(d1.is_ok()) << compression_codec_name(codec) << " accepted a truncated stream";
    if (!d1.is_ok()) {
      EXPECT_EQ(d1.status().code(), StatusCode::kCorruption);
    }
    // Garbage.
    std::vector<uint8_t> junk(500);
    for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<uint8_t>(i * 7 + 3);
    auto d2 = decompress(codec, junk, 1 << 20);
    EXPECT_FALSE(d2.is_ok()) << compression_codec_name(codec) << " accepted garbage";
    // Empty.
    EXPECT_FALSE(decompress(codec, ByteSpan{}, 1 << 20).is_ok()) << compression_codec_name(codec);
  }
}

TEST(Compression, BoundedOutputStopsZipBombs) {
  std::vector<uint8_t> zeros(8 << 20, 0);  // 8 MiB of zeros compresses to a few KiB
  for (auto codec : kCodecs) {
    auto c = compress(codec, zeros);
    ASSERT_TRUE(c.is_ok());
    auto d = decompress(codec, *c, 1 << 20);
    ASSERT_FALSE(d.is_ok()) << compression_codec_name(codec);
    EXPECT_EQ(d.status().code(), StatusCode::kCorruption);
    EXPECT_NE(d.status().message().find("more than"), std::string::npos);
    auto ok = decompress(codec, *c, zeros.size());
    ASSERT_TRUE(ok.is_ok()) << compression_codec_name(codec) << ok.status().to_string();
    EXPECT_EQ(ok->size(), zeros.size());
  }
}

TEST(Compression, CodecNames) {
  EXPECT_EQ(*parse_compression_codec("zstd"), CompressionCodec::kZstd);
  EXPECT_EQ(compression_codec_name(CompressionCodec::kLz4), "lz4");
  EXPECT_FALSE(parse_compression_codec("brotli").is_ok());
}

}  // namespace
}  // namespace sluice
