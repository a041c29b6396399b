#include "common/crc32c.h"

#include <nmmintrin.h>

#include <array>
#include <cstring>

namespace sluice {
namespace {

constexpr uint32_t kPoly = 0x82f63b78;  // reflected Castagnoli polynomial

constexpr std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kTable = make_table();

uint32_t crc32c_sw(uint32_t crc, const uint8_t* p, size_t n) {
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = kTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

// One stream of 8-byte crc32 instructions: each depends on the previous one, so this runs at
// the instruction's latency (3 cycles per 8 bytes).
uint64_t crc32c_hw_stream(uint64_t c, const uint8_t*& p, size_t& n) {
  while (n && (reinterpret_cast<uintptr_t>(p) & 7)) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    --n;
  }
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  while (n--) c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
  return c;
}

// Three independent streams keep the crc32 unit busy every cycle (3x the throughput of one
// stream) on inputs of at least 3 blocks: the input is cut into three consecutive blocks of
// kBlock bytes, their CRC registers computed side by side (the 2nd and 3rd starting from 0),
// then combined. CRC registers are linear: reg(A || B, init) = shift(reg(A, init), |B|) ^
// reg(B, 0), where shift(r, n) is the register after feeding n zero bytes to r. shift is linear
// in r, so it is a lookup in four 256-entry tables (one per byte of r).
template <size_t kBlock>
struct ZeroShift {
  uint32_t table[4][256];
  ZeroShift() {
    uint32_t basis[32];
    for (int b = 0; b < 32; ++b) {
      uint64_t r = uint32_t{1} << b;
      for (size_t i = 0; i < kBlock; i += 8) r = _mm_crc32_u64(r, 0);
      basis[b] = static_cast<uint32_t>(r);
    }
    for (int k = 0; k < 4; ++k) {
      for (uint32_t v = 0; v < 256; ++v) {
        uint32_t out = 0;
        for (int bit = 0; bit < 8; ++bit)
          if (v & (1u << bit)) out ^= basis[8 * k + bit];
        table[k][v] = out;
      }
    }
  }
  uint32_t operator()(uint32_t r) const {
    return table[0][r & 0xff] ^ table[1][(r >> 8) & 0xff] ^ table[2][(r >> 16) & 0xff] ^
           table[3][r >> 24];
  }
};

template <size_t kBlock>
uint64_t crc32c_hw_3way(uint64_t c0, const uint8_t*& p, size_t& n) {
  static_assert(kBlock % 8 == 0);
  static const ZeroShift<kBlock> kShift;
  while (n >= 3 * kBlock) {
    uint64_t c1 = 0, c2 = 0;
    const uint8_t* end = p + kBlock;
    for (; p < end; p += 8) {
      uint64_t v0, v1, v2;
      std::memcpy(&v0, p, 8);
      std::memcpy(&v1, p + kBlock, 8);
      std::memcpy(&v2, p + 2 * kBlock, 8);
      c0 = _mm_crc32_u64(c0, v0);
      c1 = _mm_crc32_u64(c1, v1);
      c2 = _mm_crc32_u64(c2, v2);
    }
    c0 = kShift(static_cast<uint32_t>(c0)) ^ c1;
    c0 = kShift(static_cast<uint32_t>(c0)) ^ c2;
    p += 2 * kBlock;
    n -= 3 * kBlock;
  }
  return c0;
}

uint32_t crc32c_hw(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c = ~crc;
  if (n >= size_t{3} * 256) {
    c = crc32c_hw_3way<8192>(c, p, n);
    c = crc32c_hw_3way<256>(c, p, n);
  }
  c = crc32c_hw_stream(c, p, n);
  return ~static_cast<uint32_t>(c);
}

bool has_sse42() {
  static const bool kHas = __builtin_cpu_supports("sse4.2");
  return kHas;
}

}  // namespace

uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  return has_sse42() ? crc32c_hw(crc, p, n) : crc32c_sw(crc, p, n);
}

}  // namespace sluice
