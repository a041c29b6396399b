// CRC-32C (Castagnoli), as used by Kafka RecordBatch v2 and by our own on-disk records.
// Uses the SSE4.2 crc32 instruction; a table-driven fallback exists for other CPUs.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice {

// Extends `crc` (0 for a fresh checksum) with `n` bytes at `data`.
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n);
inline uint32_t crc32c(const void* data, size_t n) {
  return crc32c_extend(0, data, n);
}

}  // namespace sluice
