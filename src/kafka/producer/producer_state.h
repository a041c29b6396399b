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
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

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
  bool transactional = false;  // part of a transaction (opens one here if none is open)
};

// A transaction that was aborted in this partition: its records lie in [first_offset,
// last_offset] (last_offset is the abort marker's). read_committed Fetch responses list those
// overlapping the fetched range, and clients drop the producer's records in them.
struct AbortedTxn {
  int64_t producer_id = -1;
  int64_t first_offset = 0;
  int64_t last_offset = 0;
  bool operator==(const AbortedTxn&) const = default;
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
  // Records an appended transaction marker (control batch) of `producer_id` at `offset`: it
  // closes the producer's open transaction here, and a marker of a bumped epoch (a fenced
  // producer, aborted by the coordinator) makes that epoch current. Returns the transaction an
  // abort marker closed, for the partition's AbortedTxnIndex.
  std::optional<AbortedTxn> on_marker(int64_t producer_id, int16_t epoch, int64_t offset,
                                      bool commit, int64_t timestamp);
  // Replays a batch header from the log at start-up. Unlike check(), nothing is validated: the
  // log is the truth.
  void rebuild_from(const BatchHeader& batch) { on_appended(batch); }

  // The first offset of the earliest transaction still open here (the last stable offset is
  // this, or the high watermark if lower or if none is open).
  std::optional<int64_t> first_unstable_offset() const;
  size_t open_transactions() const { return ongoing_.size(); }

  // Drops producers whose last batch's timestamp is older than now_ms - expiration_ms
  // (Kafka's producer.id.expiration.ms), except those with an open transaction. Returns how many
  // were dropped.
  size_t expire_producers(int64_t now_ms, int64_t expiration_ms);
  // Forgets everything, e.g. before rebuilding after the log was truncated.
  void clear() {
    producers_.clear();
    ongoing_.clear();
  }

  const ProducerEntry* entry(int64_t producer_id) const;
  size_t producer_count() const { return producers_.size(); }

 private:
  std::unordered_map<int64_t, ProducerEntry> producers_;
  std::map<int64_t, int64_t> ongoing_;  // producer id -> first offset of its open transaction
};

// A partition's aborted transactions, in marker order (Kafka keeps them in .txnindex files; we
// rebuild them from the log's markers when the partition's producer state is loaded).
// Not thread-safe.
class AbortedTxnIndex {
 public:
  void add(const AbortedTxn& t) { aborted_.push_back(t); }
  // The aborted transactions that overlap [from, to).
  std::vector<AbortedTxn> between(int64_t from, int64_t to) const;
  // Forgets those that end below `log_start` (their records are gone).
  void drop_before(int64_t log_start);
  void clear() { aborted_.clear(); }
  size_t size() const { return aborted_.size(); }

 private:
  std::vector<AbortedTxn> aborted_;
};

}  // namespace sluice::kafka::producer
