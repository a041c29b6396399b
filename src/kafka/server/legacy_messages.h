// Kafka's legacy message sets (magic 0 and 1), which Produce v0-v2 carry, up-converted to one
// RecordBatch v2 as a Kafka broker does, so that the log holds v2 batches only.
//
// Message set: messages back to back, each (big-endian)
//   offset int64 | message_size int32 | crc int32 (CRC-32/IEEE of what follows) | magic int8 |
//   attributes int8 (bits 0-2 codec; bit 3 timestamp type, magic 1) |
//   timestamp int64 (magic 1 only) | key bytes | value bytes      (bytes: int32 length, -1 null)
// A compressed message (codec != 0) is a wrapper: its value is the compressed message set of its
// inner messages (with magic 1 relative offsets; the inner offsets do not matter here, the log
// assigns new ones). LZ4 in magic 0 is Kafka's pre-0.10 framing, whose frame-header checksum
// covers the magic bytes too (KAFKA-3160); it is accepted.
//
// The v2 batch keeps the messages' order, keys, values, timestamps (magic 0 has none: -1) and the
// CreateTime/LogAppendTime type, and is compressed with the codec of the first wrapper (none when
// there is no wrapper).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace sluice::kafka {

// The magic of the first message (0 or 1), or 2 for a RecordBatch; nullopt when too short to say.
std::optional<int8_t> record_set_magic(ByteSpan records);

// Up-converts a legacy message set. Checks every CRC (kCorruption with the message's position),
// bounds decompressed sizes by `max_decompressed`, and refuses empty sets, nested wrappers and
// truncated messages.
Result<std::vector<uint8_t>> upconvert_message_set(ByteSpan set, size_t max_decompressed);

}  // namespace sluice::kafka
