// Sequence and epoch checks for idempotent producers, after Kafka's ProducerStateManager.
#include "kafka/producer/producer_state.h"

#include <algorithm>
#include <limits>

namespace sluice::kafka::producer {
namespace {

constexpr int64_t kMaxSeq = std::numeric_limits<int32_t>::max();

bool in_sequence(int32_t last_seq, int32_t next_seq) {
  return static_cast<int64_t>(next_seq) == static_cast<int64_t>(last_seq) + 1 ||
         (next_seq == 0 && last_seq == kMaxSeq);
}

}  // namespace

int32_t last_sequence(int32_t base_sequence, int32_t last_offset_delta) {
  int64_t last = static_cast<int64_t>(base_sequence) + last_offset_delta;
  if (last > kMaxSeq) last -= kMaxSeq + 1;
  return static_cast<int32_t>(last);
}

ErrorCode CheckResult::error() const {
  switch (outcome) {
    case CheckOutcome::kOk:
    case CheckOutcome::kDuplicate:
      return ErrorCode::kNone;
    case CheckOutcome::kOutOfOrderSequence:
      return ErrorCode::kOutOfOrderSequenceNumber;
    case CheckOutcome::kInvalidProducerEpoch:
      return ErrorCode::kInvalidProducerEpoch;
    case CheckOutcome::kUnknownProducerId:
      return ErrorCode::kUnknownProducerId;
    case CheckOutcome::kInvalidSequence:
      return ErrorCode::kInvalidRecord;
  }
  return ErrorCode::kInvalidRecord;
}

CheckResult PartitionProducerState::check(const BatchHeader& batch) const {
  CheckResult r;
  if (batch.producer_id < 0) return r;
  if (batch.base_sequence < 0 || batch.last_offset_delta < 0) {
    r.outcome = CheckOutcome::kInvalidSequence;
    return r;
  }
  auto it = producers_.find(batch.producer_id);
  if (it == producers_.end()) {
    // A producer starts every partition at sequence 0. Anything else means its earlier batches
    // are gone (retention removed them) or it never wrote here: the client must reset.
    if (batch.base_sequence != 0) r.outcome = CheckOutcome::kUnknownProducerId;
    return r;
  }
  const ProducerEntry& e = it->second;
  if (batch.producer_epoch < e.epoch) {
    r.outcome = CheckOutcome::kInvalidProducerEpoch;
    return r;
  }
  if (batch.producer_epoch > e.epoch) {
    // A bumped epoch restarts the sequence at 0.
    if (batch.base_sequence != 0) r.outcome = CheckOutcome::kOutOfOrderSequence;
    return r;
  }
  int32_t last_seq = last_sequence(batch.base_sequence, batch.last_offset_delta);
  for (const BatchMetadata& b : e.batches) {
    if (b.first_seq == batch.base_sequence && b.last_seq == last_seq) {
      r.outcome = CheckOutcome::kDuplicate;
      r.duplicate = b;
      return r;
    }
  }
  if (e.batches.empty() || !in_sequence(e.batches.back().last_seq, batch.base_sequence)) {
    // An empty queue with a known epoch cannot come from on_appended(); be strict anyway.
    if (!(e.batches.empty() && batch.base_sequence == 0)) {
      r.outcome = CheckOutcome::kOutOfOrderSequence;
    }
  }
  return r;
}

void PartitionProducerState::on_appended(const BatchHeader& batch) {
  if (batch.producer_id < 0) return;
  ProducerEntry& e = producers_[batch.producer_id];
  if (e.epoch != batch.producer_epoch) {
    e.epoch = batch.producer_epoch;
    e.batches.clear();
  }
  BatchMetadata b;
  b.first_seq = batch.base_sequence;
  b.last_seq = last_sequence(batch.base_sequence, batch.last_offset_delta);
  b.first_offset = batch.base_offset;
  b.last_offset = batch.base_offset + batch.last_offset_delta;
  b.max_timestamp = batch.max_timestamp;
  e.batches.push_back(b);
  while (e.batches.size() > kBatchesToRetain) e.batches.pop_front();
  e.last_timestamp = batch.max_timestamp;
  if (batch.transactional) ongoing_.emplace(batch.producer_id, batch.base_offset);
}

std::optional<AbortedTxn> PartitionProducerState::on_marker(int64_t producer_id, int16_t epoch,
                                                            int64_t offset, bool commit,
                                                            int64_t timestamp) {
  ProducerEntry& e = producers_[producer_id];
  if (epoch > e.epoch) {
    e.epoch = epoch;
    e.batches.clear();
  }
  e.last_timestamp = std::max(e.last_timestamp, timestamp);
  auto it = ongoing_.find(producer_id);
  if (it == ongoing_.end()) return std::nullopt;
  std::optional<AbortedTxn> aborted;
  if (!commit) aborted = AbortedTxn{producer_id, it->second, offset};
  ongoing_.erase(it);
  return aborted;
}

std::optional<int64_t> PartitionProducerState::first_unstable_offset() const {
  std::optional<int64_t> first;
  for (const auto& [pid, offset] : ongoing_) {
    if (!first || offset < *first) first = offset;
  }
  return first;
}

std::vector<AbortedTxn> AbortedTxnIndex::between(int64_t from, int64_t to) const {
  std::vector<AbortedTxn> out;
  auto it = std::lower_bound(aborted_.begin(), aborted_.end(), from,
                             [](const AbortedTxn& a, int64_t v) { return a.last_offset < v; });
  for (; it != aborted_.end(); ++it) {
    if (it->first_offset < to) out.push_back(*it);
  }
  return out;
}

void AbortedTxnIndex::drop_before(int64_t log_start) {
  auto it = std::lower_bound(aborted_.begin(), aborted_.end(), log_start,
                             [](const AbortedTxn& a, int64_t v) { return a.last_offset < v; });
  aborted_.erase(aborted_.begin(), it);
}

size_t PartitionProducerState::expire_producers(int64_t now_ms, int64_t expiration_ms) {
  size_t n = 0;
  for (auto it = producers_.begin(); it != producers_.end();) {
    // Timestamps are the client's: compare without subtracting them, which could overflow.
    if (it->second.last_timestamp <= now_ms - expiration_ms && ongoing_.count(it->first) == 0) {
      it = producers_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

const ProducerEntry* PartitionProducerState::entry(int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

}  // namespace sluice::kafka::producer
