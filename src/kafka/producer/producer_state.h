// Idempotent producer state of one partition: per producer id, its epoch and the last five
// batches it appended, as Kafka's ProducerStateManager keeps them. The broker asks check() before
// appending a batch that carries a producer id and calls on_appended() once the batch has its
// offsets; a retried batch (same epoch and sequence range as one of the last five) is answered with
// the offsets it got the first time instead of being appended again.
//
// Thread-safety: not thread-safe. The broker accesses a partition's state only under that
// partition's append lock, so that check() and on_appended() of one batch are atomic with the
// append itself. Different partitions' states are independent objects.
//
// Restart: the state is rebuilt by feeding every batch header of the log, in offset order, to
// rebuild_from() (batches without a producer id may be skipped or fed; they are ignored).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

namespace sluice::kafka::producer {

// Kafka error codes for a rejected batch (the protocol's numeric values).
enum class ErrorCode : int16_t {
  kNone = 0,
  kOutOfOrderSequenceNumber = 45,
  kInvalidProducerEpoch = 47,
  kUnknownProducerId = 59,
  kInvalidRecord = 87,
};

inline constexpr int64_t kNoProducerId = -1;
inline constexpr int16_t kNoProducerEpoch = -1;
inline constexpr int32_t kNoSequence = -1;
// ProducerStateEntry.NumBatchesToRetain: clients keep at most five requests in flight.
inline constexpr size_t kBatchesToRetain = 5;

// The fields of a RecordBatch v2 header that producer state needs.
struct BatchHeader {
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = kNoProducerEpoch;
  int32_t base_sequence = kNoSequence;
  int32_t last_offset_delta = 0;
  int64_t base_offset = 0;  // assigned by the log; unused by check()
  int64_t max_timestamp = 0;
};

// The sequence number of the batch's last record; sequences wrap from INT32_MAX to 0.
int32_t last_sequence(int32_t base_sequence, int32_t last_offset_delta);

struct BatchMetadata {
  int32_t first_seq = 0;
  int32_t last_seq = 0;
  int64_t first_offset = 0;
  int64_t last_offset = 0;
  int64_t max_timestamp = 0;
};

struct ProducerEntry {
  int16_t epoch = kNoProducerEpoch;
  std::deque<BatchMetadata> batches;  // oldest first, at most kBatchesToRetain
  int64_t last_timestamp = 0;         // max timestamp of the last batch, for expiration
};

enum class CheckOutcome {
  kOk,         // append it
  kDuplicate,  // already appended: acknowledge with `duplicate`, append nothing
  kOutOfOrderSequence,
  kInvalidProducerEpoch,
  kUnknownProducerId,
  kInvalidSequence,  // a producer id with a negative base sequence: a malformed batch
};

struct CheckResult {
  CheckOutcome outcome = CheckOutcome::kOk;
  BatchMetadata duplicate;  // set for kDuplicate: the original batch's offsets

  bool ok() const { return outcome == CheckOutcome::kOk; }
  ErrorCode error() const;  // kNone for kOk and kDuplicate
};

class PartitionProducerState {
 public:
  // Whether `batch` may be appended. Batches without a producer id (-1) always pass.
  CheckResult check(const BatchHeader& batch) const;
  // Records an appended batch (base_offset is the offset it was given).
  void on_appended(const BatchHeader& batch);
  // Replays a batch header from the log at start-up. Unlike check(), nothing is validated: the
  // log is the truth.
  void rebuild_from(const BatchHeader& batch) { on_appended(batch); }

  // Drops producers whose last batch's timestamp is older than now_ms - expiration_ms
  // (Kafka's producer.id.expiration.ms). Returns how many were dropped.
  size_t expire_producers(int64_t now_ms, int64_t expiration_ms);
  // Forgets everything, e.g. before rebuilding after the log was truncated.
  void clear() { producers_.clear(); }

  const ProducerEntry* entry(int64_t producer_id) const;
  size_t producer_count() const { return producers_.size(); }

 private:
  std::unordered_map<int64_t, ProducerEntry> producers_;
};

}  // namespace sluice::kafka::producer
