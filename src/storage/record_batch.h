// Kafka RecordBatch v2 (magic 2): a read-only view over batch bytes, in-place setters for the
// fields the log assigns, record iteration, and a builder.
//
// Batch header (61 bytes, big-endian), as Kafka defines it:
//   off  size  field
//     0     8  baseOffset            assigned by the log
//     8     4  batchLength           bytes after this field (total size - 12)
//    12     4  partitionLeaderEpoch  assigned by the log
//    16     1  magic                 2
//    17     4  crc                   CRC-32C of bytes [21, end)
//    21     2  attributes            bits 0-2 codec, 3 timestampType (1 = LogAppendTime),
//                                    4 isTransactional, 5 isControlBatch, 6 hasDeleteHorizon
//    23     4  lastOffsetDelta
//    27     8  baseTimestamp
//    35     8  maxTimestamp
//    43     8  producerId
//    51     2  producerEpoch
//    53     4  baseSequence
//    57     4  recordsCount
//    61        records (compressed as one block when codec != none)
// Record: length varint, attributes i8, timestampDelta varlong, offsetDelta varint, keyLength
// varint (-1 = null), key, valueLength varint (-1 = null), value, headerCount varint, then per
// header: keyLength varint, key, valueLength varint (-1 = null), value.
//
// baseOffset, batchLength and partitionLeaderEpoch lie outside the CRC, so the log assigns
// offsets without recomputing it. Switching a batch to LogAppendTime rewrites attributes and
// maxTimestamp, which the CRC covers, so that setter recomputes the CRC (as Kafka's broker does).
//
// Thread-safety: RecordBatchView and RecordReader are values over caller-owned bytes; the bytes
// must outlive them. RecordBatchBuilder is single-owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/compression.h"
#include "common/status.h"

namespace sluice {

namespace batch_layout {
inline constexpr size_t kBaseOffset = 0;
inline constexpr size_t kBatchLength = 8;
inline constexpr size_t kPartitionLeaderEpoch = 12;
inline constexpr size_t kMagic = 16;
inline constexpr size_t kCrc = 17;
inline constexpr size_t kAttributes = 21;
inline constexpr size_t kLastOffsetDelta = 23;
inline constexpr size_t kBaseTimestamp = 27;
inline constexpr size_t kMaxTimestamp = 35;
inline constexpr size_t kProducerId = 43;
inline constexpr size_t kProducerEpoch = 51;
inline constexpr size_t kBaseSequence = 53;
inline constexpr size_t kRecordsCount = 57;
inline constexpr size_t kHeaderSize = 61;
// baseOffset + batchLength: the prefix needed to learn a batch's total size.
inline constexpr size_t kLogOverhead = 12;
inline constexpr int8_t kMagicV2 = 2;
inline constexpr uint16_t kCodecMask = 0x07;
inline constexpr uint16_t kTimestampTypeBit = 0x08;
inline constexpr uint16_t kTransactionalBit = 0x10;
inline constexpr uint16_t kControlBit = 0x20;
}  // namespace batch_layout

enum class TimestampType : uint8_t { kCreateTime = 0, kLogAppendTime = 1 };

// Header fields of one batch, decoded. Used for producer-state rebuild and compaction.
struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;  // as on the wire: total size - 12
  int32_t partition_leader_epoch = -1;
  int8_t magic = 2;
  uint32_t crc = 0;
  uint16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = -1;
  int64_t max_timestamp = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;

  int64_t last_offset() const { return base_offset + last_offset_delta; }
  size_t total_size() const { return static_cast<size_t>(batch_length) + 12; }
  CompressionCodec codec() const {
    return static_cast<CompressionCodec>(attributes & batch_layout::kCodecMask);
  }
  TimestampType timestamp_type() const {
    return (attributes & batch_layout::kTimestampTypeBit) ? TimestampType::kLogAppendTime
                                                          : TimestampType::kCreateTime;
  }
  bool is_transactional() const { return attributes & batch_layout::kTransactionalBit; }
  bool is_control() const { return attributes & batch_layout::kControlBit; }
};

// Decodes the 61-byte header at the start of `bytes` without any validation beyond its size.
Result<BatchHeader> decode_batch_header(ByteSpan bytes);

// How strict validate() is. kProduce additionally requires what a producer must send:
// recordsCount == lastOffsetDelta + 1 (compaction legitimately leaves gaps).
enum class BatchValidation { kStored, kProduce };

// A view over exactly one batch.
class RecordBatchView {
 public:
  // Takes the first batch of `bytes`: checks that the header fits, batchLength is sane and the
  // whole batch is present. Does not check the CRC; call validate() for that.
  static Result<RecordBatchView> parse_first(ByteSpan bytes);

  // Full check: magic, sizes, CRC-32C, lastOffsetDelta vs recordsCount, codec id, control
  // batches. Records are not decoded (that is per-record work).
  Status validate(BatchValidation mode = BatchValidation::kStored) const;
  bool crc_matches() const;

  const BatchHeader& header() const { return header_; }
  ByteSpan bytes() const { return bytes_; }
  size_t size() const { return bytes_.size(); }
  int64_t base_offset() const { return header_.base_offset; }
  int64_t last_offset() const { return header_.last_offset(); }
  ByteSpan records_payload() const { return bytes_.subspan(batch_layout::kHeaderSize); }

 private:
  RecordBatchView(ByteSpan bytes, BatchHeader h) : bytes_(bytes), header_(h) {}
  ByteSpan bytes_;
  BatchHeader header_;
};

// Splits `bytes` (several concatenated batches) into views; fails on a partial batch.
Result<std::vector<RecordBatchView>> split_batches(ByteSpan bytes);

// In-place setters on a writable batch. The first two leave the CRC-covered region untouched.
void set_base_offset(std::span<uint8_t> batch, int64_t base_offset);
void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch);
// Marks the batch LogAppendTime with maxTimestamp = `ts` and recomputes the CRC.
void set_log_append_time(std::span<uint8_t> batch, int64_t ts);
// Recomputes and stores the CRC over [attributes, end).
void update_crc(std::span<uint8_t> batch);

struct RecordHeader {
  std::string_view key;
  std::optional<ByteSpan> value;
};

// One decoded record. Spans point into the batch (or the reader's decompression buffer).
struct Record {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<ByteSpan> key;
  std::optional<ByteSpan> value;  // nullopt: a tombstone
  std::vector<RecordHeader> headers;
};

// Iterates a batch's records, decompressing the payload once if needed.
class RecordReader {
 public:
  // `max_decompressed` bounds the decompressed payload (zip-bomb guard).
  static Result<RecordReader> open(const RecordBatchView& batch,
                                   size_t max_decompressed = 64 << 20);
  // Decodes the next record into `out`; false at the end. Check status() after false.
  bool next(Record& out);
  const Status& status() const { return status_; }

 private:
  RecordReader() = default;
  BatchHeader header_;
  std::vector<uint8_t> owned_;  // decompressed payload, if compressed
  ByteReader reader_;
  int32_t remaining_ = 0;
  Status status_;
};

// Kafka's control records (transaction markers): the key is version int16 (0) and type int16,
// the value version int16 (0) and the coordinator epoch int32. Control batches hold one record,
// uncompressed, and carry the transaction's producer id and epoch with the transactional bit.
enum class ControlType : int16_t { kAbort = 0, kCommit = 1 };
Result<std::vector<uint8_t>> build_control_batch(int64_t producer_id, int16_t producer_epoch,
                                                 ControlType type, int32_t coordinator_epoch,
                                                 int64_t timestamp_ms);
// The type of a control batch's marker; -1 for a control type this version does not know (which
// readers skip, as Kafka's do).
Result<int16_t> control_type(const RecordBatchView& batch);

// Writes one batch. Offsets are absolute; the batch's baseOffset is the first record's offset
// unless set_base_offset() says otherwise (compaction keeps the original base and last offset).
class RecordBatchBuilder {
 public:
  explicit RecordBatchBuilder(CompressionCodec codec = CompressionCodec::kNone) : codec_(codec) {}

  RecordBatchBuilder& set_base_offset(int64_t v) {
    base_offset_ = v;
    return *this;
  }
  // Forces lastOffsetDelta (compaction keeps the original so the batch still ends where it did).
  RecordBatchBuilder& set_last_offset_delta(int32_t v) {
    last_offset_delta_ = v;
    return *this;
  }
  RecordBatchBuilder& set_producer(int64_t id, int16_t epoch, int32_t base_sequence) {
    producer_id_ = id;
    producer_epoch_ = epoch;
    base_sequence_ = base_sequence;
    return *this;
  }
  RecordBatchBuilder& set_partition_leader_epoch(int32_t v) {
    leader_epoch_ = v;
    return *this;
  }
  RecordBatchBuilder& set_transactional(bool v) {
    transactional_ = v;
    return *this;
  }
  RecordBatchBuilder& set_control(bool v) {
    control_ = v;
    return *this;
  }
  RecordBatchBuilder& set_timestamp_type(TimestampType t) {
    timestamp_type_ = t;
    return *this;
  }
  // Forces baseTimestamp (compaction keeps it so that record timestamp deltas stay valid).
  RecordBatchBuilder& set_base_timestamp(int64_t v) {
    base_timestamp_ = v;
    return *this;
  }

  // Appends a record at `offset` (must increase). Returns *this.
  RecordBatchBuilder& add(int64_t offset, int64_t timestamp, std::optional<ByteSpan> key,
                          std::optional<ByteSpan> value,
                          const std::vector<RecordHeader>& headers = {});
  // Appends a record at the next offset (base offset, or previous + 1).
  RecordBatchBuilder& add(int64_t timestamp, std::optional<ByteSpan> key,
                          std::optional<ByteSpan> value,
                          const std::vector<RecordHeader>& headers = {});

  size_t record_count() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  // Uncompressed size of the records so far (a size estimate for callers that cap batches).
  size_t payload_size() const { return payload_.size(); }

  // Encodes the batch (compressing if a codec was set) with a valid CRC.
  Result<std::vector<uint8_t>> build() const;

 private:
  struct Pending {
    int64_t offset;
    int64_t timestamp;
    size_t begin;  // record body in payload_ minus the length/offset/timestamp prefix
    size_t end;
  };
  CompressionCodec codec_;
  std::optional<int64_t> base_offset_;
  std::optional<int32_t> last_offset_delta_;
  std::optional<int64_t> base_timestamp_;
  int64_t producer_id_ = -1;
  int16_t producer_epoch_ = -1;
  int32_t base_sequence_ = -1;
  int32_t leader_epoch_ = -1;
  bool transactional_ = false;
  bool control_ = false;
  TimestampType timestamp_type_ = TimestampType::kCreateTime;
  std::vector<Pending> records_;
  std::vector<uint8_t> payload_;  // key/value/headers part of each record, back to back
};

}  // namespace sluice
