#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace sluice {

TEST(Crc32c, KnownVectors) {
  // RFC 3720 (iSCSI) B.4 test vectors.
  std::vector<uint8_t> zeros(32, 0), ones(32, 0xff), inc(32);
  for (int i = 0; i < 32; ++i) inc[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(crc32c(zeros.data(), 32), 0x8a9136aau);
  EXPECT_EQ(crc32c(ones.data(), 32), 0x62a8ab43u);
  EXPECT_EQ(crc32c(inc.data(), 32), 0x46dd794eu);
  std::string s = "123456789";
  EXPECT_EQ(crc32c(s.data(), s.size()), 0xe3069283u);
}

TEST(Crc32c, ExtendEqualsWhole) {
  std::string s(1000, 'x');
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 7);
  uint32_t whole = crc32c(s.data(), s.size());
  for (size_t split : {0, 1, 7, 8, 9, 500, 999, 1000}) {
    uint32_t c = crc32c_extend(crc32c(s.data(), split), s.data() + split, s.size() - split);
    EXPECT_EQ(c, whole) << split;
  }
}

// Bit by bit, straight from the definition (reflected polynomial 0x82f63b78).
uint32_t reference_crc32c(uint32_t crc, const uint8_t* p, size_t n) {
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
  }
  return ~crc;
}

// Long inputs are checksummed as three interleaved streams combined at the end; every length
// around the block boundaries, any alignment and any starting CRC must give the plain result.
TEST(Crc32c, InterleavedStreamsMatchTheDefinition) {
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(3 * 8192 * 2 + 3 * 256 * 3 + 64);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  std::vector<size_t> lengths = {0,
                                 1,
                                 7,
                                 8,
                                 255,
                                 767,
                                 768,
                                 769,
                                 3 * 256 * 2 + 5,
                                 24575,
                                 24576,
                                 24577,
                                 3 * 8192 + 3 * 256 + 9,
                                 49152,
                                 buf.size() - 64};
  for (int i = 0; i < 40; ++i) lengths.push_back(rng() % (buf.size() - 64));
  for (size_t len : lengths) {
    for (size_t align : {0, 1, 3, 8, 13}) {
      uint32_t init = static_cast<uint32_t>(rng());
      EXPECT_EQ(crc32c_extend(init, buf.data() + align, len),
                reference_crc32c(init, buf.data() + align, len))
          << "length " << len << " alignment " << align;
    }
  }
}

}  // namespace sluice
