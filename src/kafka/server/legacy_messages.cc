#include "kafka/server/legacy_messages.h"

#include <xxhash.h>
#include <zlib.h>

#include <fmt/format.h>

#include <optional>

#include "common/compression.h"
#include "storage/record_batch.h"

namespace sluice::kafka {

namespace {

constexpr size_t kMagicOffset = 16;  // offset int64, size int32, crc int32
constexpr uint8_t kCodecMask = 0x07;
constexpr uint8_t kLogAppendTimeBit = 0x08;

struct LegacyMessage {
  int8_t magic = 0;
  uint8_t attributes = 0;
  int64_t timestamp = -1;
  std::optional<ByteSpan> key;
  std::optional<ByteSpan> value;
};

// Kafka's LZ4 framing before 0.10 computed the frame header checksum over the magic number and
// the descriptor instead of the descriptor alone: rewrite it so that a standard decoder reads the
// frame.
std::vector<uint8_t> fix_legacy_lz4_header(ByteSpan frame) {
  std::vector<uint8_t> out(frame.begin(), frame.end());
  if (out.size() < 7) return out;
  uint8_t flg = out[4];
  size_t descriptor_end = 6 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0);
  if (descriptor_end >= out.size()) return out;
  out[descriptor_end] =
      static_cast<uint8_t>((XXH32(out.data() + 4, descriptor_end - 4, 0) >> 8) & 0xff);
  return out;
}

class MessageReader {
 public:
  explicit MessageReader(ByteSpan set) : r_(set), size_(set.size()) {}

  bool done() const { return r_.remaining() == 0; }
  size_t position() const { return size_ - r_.remaining(); }

  Result<LegacyMessage> next() {
    size_t at = position();
    if (r_.remaining() < 12) return fail(at, "truncated message header");
    r_.get_i64();  // offset: the log assigns its own
    int32_t size = r_.get_i32();
    if (size < 14 || static_cast<size_t>(size) > r_.remaining()) {
      return fail(at, fmt::format("message size {} with {} bytes left", size, r_.remaining()));
    }
    ByteSpan body = r_.get_bytes(static_cast<size_t>(size));
    ByteReader m(body);
    uint32_t crc = static_cast<uint32_t>(m.get_i32());
    uLong actual = crc32(0L, body.data() + 4, static_cast<uInt>(body.size() - 4));
    if (actual != crc) return fail(at, fmt::format("CRC {:08x} != {:08x}", actual, crc));
    LegacyMessage msg;
    msg.magic = m.get_i8();
    if (msg.magic != 0 && msg.magic != 1) return fail(at, fmt::format("magic {}", msg.magic));
    msg.attributes = m.get_u8();
    if (msg.magic == 1) msg.timestamp = m.get_i64();
    SLUICE_ASSIGN_OR_RETURN(msg.key, bytes(m, at));
    SLUICE_ASSIGN_OR_RETURN(msg.value, bytes(m, at));
    return msg;
  }

 private:
  static Status fail(size_t at, std::string_view what) {
    return Status::corruption(fmt::format("message set at byte {}: {}", at, what));
  }
  static Result<std::optional<ByteSpan>> bytes(ByteReader& m, size_t at) {
    if (m.remaining() < 4) return fail(at, "truncated key or value");
    int32_t len = m.get_i32();
    if (len == -1) return std::optional<ByteSpan>();
    if (len < 0 || static_cast<size_t>(len) > m.remaining()) {
      return fail(at, fmt::format("length {} with {} bytes left", len, m.remaining()));
    }
    return std::optional<ByteSpan>(m.get_bytes(static_cast<size_t>(len)));
  }

  ByteReader r_;
  size_t size_;
};

}  // namespace

std::optional<int8_t> record_set_magic(ByteSpan records) {
  if (records.size() <= kMagicOffset) return std::nullopt;
  return static_cast<int8_t>(records[kMagicOffset]);
}

Result<std::vector<uint8_t>> upconvert_message_set(ByteSpan set, size_t max_decompressed) {
  std::optional<RecordBatchBuilder> builder;
  // Decompressed inner message sets, kept alive while the builder refers to their bytes.
  std::vector<std::vector<uint8_t>> inner_sets;
  size_t messages = 0;
  auto add = [&](const LegacyMessage& m, CompressionCodec codec, bool log_append_time) {
    if (!builder) {
      builder.emplace(codec);
      builder->set_timestamp_type(log_append_time ? TimestampType::kLogAppendTime
                                                  : TimestampType::kCreateTime);
    }
    builder->add(m.magic == 0 ? -1 : m.timestamp, m.key, m.value);
    ++messages;
  };
  MessageReader outer(set);
  while (!outer.done()) {
    SLUICE_ASSIGN_OR_RETURN(LegacyMessage m, outer.next());
    auto codec = static_cast<CompressionCodec>(m.attributes & kCodecMask);
    bool log_append_time = m.magic == 1 && (m.attributes & kLogAppendTimeBit);
    if (codec == CompressionCodec::kNone) {
      add(m, codec, log_append_time);
      continue;
    }
    if (codec == CompressionCodec::kZstd || static_cast<uint8_t>(codec) > 4) {
      return Status::corruption(fmt::format("message set: codec {} in a magic {} message",
                                            static_cast<int>(codec), m.magic));
    }
    if (!m.value) return Status::corruption("message set: a compressed message without a value");
    ByteSpan compressed = *m.value;
    std::vector<uint8_t> fixed;
    if (codec == CompressionCodec::kLz4 && m.magic == 0) {
      fixed = fix_legacy_lz4_header(compressed);
      compressed = ByteSpan(fixed.data(), fixed.size());
    }
    SLUICE_ASSIGN_OR_RETURN(std::vector<uint8_t> inner,
                            decompress(codec, compressed, max_decompressed));
    inner_sets.push_back(std::move(inner));
    const std::vector<uint8_t>& bytes = inner_sets.back();
    MessageReader reader(ByteSpan(bytes.data(), bytes.size()));
    while (!reader.done()) {
      SLUICE_ASSIGN_OR_RETURN(LegacyMessage im, reader.next());
      if (im.attributes & kCodecMask) {
        return Status::corruption("message set: a compressed message inside a compressed one");
      }
      // A LogAppendTime wrapper decides the time of all its messages; the log sets it.
      add(im, codec, log_append_time);
    }
  }
  if (messages == 0) return Status::corruption("message set: no messages");
  return builder->build();
}

}  // namespace sluice::kafka
