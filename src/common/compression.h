// Kafka's four record-batch codecs, with the byte layouts Kafka clients put on the wire:
//
//   gzip    a gzip stream (RFC 1952) as zlib writes it; decoding also accepts a zlib stream and
//           several concatenated gzip members.
//   snappy  Java clients (snappy-java) use the xerial framing:
//             magic "\x82SNAPPY\x00" (8 bytes), version be32 (1), compatible version be32 (1),
//             then chunks of [be32 compressed length][raw snappy block], each block at most 32 KiB
//             of input. librdkafka may send either that framing or one raw snappy block; decoding
//             accepts both, encoding writes the xerial framing (what every client reads).
//   lz4     the LZ4 frame format (lz4frame.h), as Kafka uses for magic v2 batches.
//   zstd    one zstd frame written by the streaming API; the frame header may not carry the
//           decompressed size, so decoding streams.
//
// Decompression is bounded: output beyond `max_output` bytes fails with kCorruption instead of
// allocating, so that a small "zip bomb" cannot exhaust memory.
//
// Thread-safety: pure functions; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace sluice {

// Values are the codec ids of RecordBatch attributes bits 0-2.
enum class CompressionCodec : uint8_t {
  kNone = 0,
  kGzip = 1,
  kSnappy = 2,
  kLz4 = 3,
  kZstd = 4,
};

std::string_view compression_codec_name(CompressionCodec codec);
// Accepts Kafka's `compression.type` names: none, gzip, snappy, lz4, zstd.
Result<CompressionCodec> parse_compression_codec(std::string_view name);

// Compresses `input` with `codec` (kNone copies). `level` 0 picks the codec's default.
Result<std::vector<uint8_t>> compress(CompressionCodec codec, ByteSpan input, int level = 0);

// Decompresses `input`; fails with kCorruption on malformed input or when the output would exceed
// `max_output` bytes.
Result<std::vector<uint8_t>> decompress(CompressionCodec codec, ByteSpan input, size_t max_output);

}  // namespace sluice
