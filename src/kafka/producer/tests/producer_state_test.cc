#include "kafka/producer/producer_state.h"

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <vector>

namespace sluice::kafka::producer {
namespace {

constexpr int32_t kMax = std::numeric_limits<int32_t>::max();

BatchHeader batch(int64_t pid, int16_t epoch, int32_t seq, int32_t records, int64_t offset = 0,
                  int64_t ts = 1000) {
  return BatchHeader{pid, epoch, seq, records - 1, offset, ts};
}

// Checks and appends like the broker does; returns the check's outcome. `log_end` advances.
CheckOutcome produce(PartitionProducerState& s, BatchHeader b, int64_t& log_end,
                     std::vector<BatchHeader>* log = nullptr) {
  CheckResult r = s.check(b);
  if (r.ok()) {
    b.base_offset = log_end;
    log_end += b.last_offset_delta + 1;
    s.on_appended(b);
    if (log != nullptr) log->push_back(b);
  }
  return r.outcome;
}

// Transactions: the first batch of a producer's transaction opens it in the partition (the last
// stable offset stops there), its marker closes it; an abort marker yields the aborted range, and
// a marker of a bumped epoch (the coordinator fencing the producer) makes that epoch current.
TEST(ProducerState, TransactionsOpenAndCloseWithMarkers) {
  PartitionProducerState s;
  int64_t end = 0;
  auto txn = [](BatchHeader b) {
    b.transactional = true;
    return b;
  };
  EXPECT_EQ(produce(s, batch(5, 0, 0, 1), end), CheckOutcome::kOk);  // idempotent, no txn
  EXPECT_FALSE(s.first_unstable_offset());
  EXPECT_EQ(produce(s, txn(batch(7, 0, 0, 2)), end), CheckOutcome::kOk);  // offsets 1-2
  EXPECT_EQ(produce(s, txn(batch(8, 0, 0, 1)), end), CheckOutcome::kOk);  // offset 3
  EXPECT_EQ(produce(s, txn(batch(7, 0, 2, 1)), end), CheckOutcome::kOk);  // offset 4
  EXPECT_EQ(s.first_unstable_offset(), 1);
  EXPECT_EQ(s.open_transactions(), 2u);

  EXPECT_FALSE(s.on_marker(7, 0, 5, /*commit=*/true, 1000));
  EXPECT_EQ(s.first_unstable_offset(), 3);
  auto aborted = s.on_marker(8, 1, 6, /*commit=*/false, 1000);
  ASSERT_TRUE(aborted);
  EXPECT_EQ(*aborted, (AbortedTxn{8, 3, 6}));
  EXPECT_FALSE(s.first_unstable_offset());
  // The abort came with epoch 1: producer 8's epoch 0 is fenced, epoch 1 starts at sequence 0.
  EXPECT_EQ(s.check(txn(batch(8, 0, 1, 1))).outcome, CheckOutcome::kInvalidProducerEpoch);
  end = 7;  // past the two markers
  EXPECT_EQ(produce(s, txn(batch(8, 1, 0, 1)), end), CheckOutcome::kOk);
  EXPECT_EQ(s.first_unstable_offset(), 7);
  // A marker without an open transaction (a retried EndTxn) changes nothing.
  EXPECT_FALSE(s.on_marker(7, 0, 9, true, 1000));
  EXPECT_EQ(s.first_unstable_offset(), 7);
  // A producer with an open transaction does not expire.
  EXPECT_EQ(s.expire_producers(1'000'000, 10), 2u);
  EXPECT_TRUE(s.entry(8));
}

TEST(AbortedTxnIndex, ListsTheTransactionsOverlappingARange) {
  AbortedTxnIndex index;
  index.add({1, 0, 10});
  index.add({2, 5, 20});
  index.add({3, 30, 31});
  auto pids = [](const std::vector<AbortedTxn>& v) {
    std::vector<int64_t> out;
    out.reserve(v.size());
    for (const auto& a : v) out.push_back(a.producer_id);
    return out;
  };
  EXPECT_EQ(pids(index.between(0, 100)), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(pids(index.between(11, 30)), (std::vector<int64_t>{2}));
  EXPECT_EQ(pids(index.between(11, 31)), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(pids(index.between(21, 30)), (std::vector<int64_t>{}));
  EXPECT_EQ(pids(index.between(0, 5)), (std::vector<int64_t>{1}));
  index.drop_before(11);
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(pids(index.between(0, 100)), (std::vector<int64_t>{2, 3}));
}

TEST(ProducerState, BatchesWithoutProducerIdBypass) {
  PartitionProducerState s;
  EXPECT_TRUE(s.check(batch(-1, -1, -1, 3)).ok());
  s.on_appended(batch(-1, -1, -1, 3));
  EXPECT_EQ(s.producer_count(), 0u);
}

TEST(ProducerState, InSequenceBatchesAppend) {
  PartitionProducerState s;
  int64_t end = 0;
  EXPECT_EQ(produce(s, batch(7, 0, 0, 3), end), CheckOutcome::kOk);
  EXPECT_EQ(produce(s, batch(7, 0, 3, 2), end), CheckOutcome::kOk);
  EXPECT_EQ(produce(s, batch(8, 0, 0, 1), end), CheckOutcome::kOk);  // another producer
  EXPECT_EQ(produce(s, batch(7, 0, 5, 1), end), CheckOutcome::kOk);
  const ProducerEntry* e = s.entry(7);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->batches.back().first_offset, 6);
  EXPECT_EQ(e->batches.back().last_seq, 5);
  EXPECT_EQ(s.producer_count(), 2u);
}

TEST(ProducerState, DuplicateOfEachOfTheLastFiveBatchesReturnsItsOriginalOffsets) {
  PartitionProducerState s;
  int64_t end = 100;
  std::vector<BatchHeader> log;
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(produce(s, batch(1, 0, i * 10, 10), end, &log), CheckOutcome::kOk);
  }
  for (int i = 1; i < 6; ++i) {
    CheckResult r = s.check(batch(1, 0, i * 10, 10));
    ASSERT_EQ(r.outcome, CheckOutcome::kDuplicate) << i;
    EXPECT_EQ(r.error(), ErrorCode::kNone);
    EXPECT_EQ(r.duplicate.first_offset, log[i].base_offset);
    EXPECT_EQ(r.duplicate.last_offset, log[i].base_offset + 9);
  }
  // The oldest batch fell out of the window: it can no longer be told from a reordering.
  EXPECT_EQ(s.check(batch(1, 0, 0, 10)).outcome, CheckOutcome::kOutOfOrderSequence);
  // The same first sequence with a different range is not a duplicate.
  EXPECT_EQ(s.check(batch(1, 0, 50, 5)).outcome, CheckOutcome::kOutOfOrderSequence);
  EXPECT_EQ(end, 160);  // duplicates appended nothing
}

TEST(ProducerState, OutOfOrderSequence) {
  PartitionProducerState s;
  int64_t end = 0;
  ASSERT_EQ(produce(s, batch(1, 0, 0, 5), end), CheckOutcome::kOk);
  CheckResult gap = s.check(batch(1, 0, 6, 1));
  EXPECT_EQ(gap.outcome, CheckOutcome::kOutOfOrderSequence);
  EXPECT_EQ(gap.error(), ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(s.check(batch(1, 0, 3, 1)).outcome, CheckOutcome::kOutOfOrderSequence);
  EXPECT_EQ(s.check(batch(1, 0, 5, 1)).outcome, CheckOutcome::kOk);
}

TEST(ProducerState, UnknownProducerMustStartAtSequenceZero) {
  PartitionProducerState s;
  CheckResult r = s.check(batch(9, 0, 17, 1));
  EXPECT_EQ(r.outcome, CheckOutcome::kUnknownProducerId);
  EXPECT_EQ(r.error(), ErrorCode::kUnknownProducerId);
  EXPECT_TRUE(s.check(batch(9, 0, 0, 1)).ok());
  EXPECT_EQ(s.check(batch(9, 0, -1, 1)).outcome, CheckOutcome::kInvalidSequence);
  EXPECT_EQ(s.check(batch(9, 0, -1, 1)).error(), ErrorCode::kInvalidRecord);
}

TEST(ProducerState, EpochFencing) {
  PartitionProducerState s;
  int64_t end = 0;
  ASSERT_EQ(produce(s, batch(1, 3, 0, 2), end), CheckOutcome::kOk);
  CheckResult old = s.check(batch(1, 2, 2, 1));
  EXPECT_EQ(old.outcome, CheckOutcome::kInvalidProducerEpoch);
  EXPECT_EQ(old.error(), ErrorCode::kInvalidProducerEpoch);
  // A bumped epoch must restart at sequence 0.
  EXPECT_EQ(s.check(batch(1, 4, 2, 1)).outcome, CheckOutcome::kOutOfOrderSequence);
  ASSERT_EQ(produce(s, batch(1, 4, 0, 1), end), CheckOutcome::kOk);
  EXPECT_EQ(s.entry(1)->epoch, 4);
  EXPECT_EQ(s.entry(1)->batches.size(), 1u);  // the old epoch's batches are forgotten
  // The fenced incarnation cannot write, not even its old duplicates.
  EXPECT_EQ(s.check(batch(1, 3, 0, 2)).outcome, CheckOutcome::kInvalidProducerEpoch);
  EXPECT_EQ(s.check(batch(1, 3, 2, 1)).outcome, CheckOutcome::kInvalidProducerEpoch);
  EXPECT_EQ(produce(s, batch(1, 4, 1, 1), end), CheckOutcome::kOk);
}

TEST(ProducerState, SequenceWrapsAtInt32Max) {
  EXPECT_EQ(last_sequence(kMax - 1, 3), 1);
  EXPECT_EQ(last_sequence(kMax, 0), kMax);
  EXPECT_EQ(last_sequence(kMax, 1), 0);
  PartitionProducerState s;
  // Reach the end of the sequence space through a rebuilt state.
  s.rebuild_from(batch(1, 0, kMax - 9, 5, 0));
  int64_t end = 5;
  EXPECT_EQ(produce(s, batch(1, 0, kMax - 4, 5), end), CheckOutcome::kOk);  // ends at kMax
  EXPECT_EQ(s.check(batch(1, 0, kMax, 1)).outcome, CheckOutcome::kOutOfOrderSequence);
  EXPECT_EQ(produce(s, batch(1, 0, 0, 3), end), CheckOutcome::kOk);  // wraps to 0
  EXPECT_EQ(produce(s, batch(1, 0, 3, 2), end), CheckOutcome::kOk);
  // A batch straddling the wrap.
  PartitionProducerState t;
  t.rebuild_from(batch(2, 0, kMax - 10, 10, 0));  // last seq kMax - 1
  end = 10;
  EXPECT_EQ(produce(t, batch(2, 0, kMax, 4), end), CheckOutcome::kOk);  // kMax, 0, 1, 2
  EXPECT_EQ(t.entry(2)->batches.back().last_seq, 2);
  EXPECT_EQ(t.check(batch(2, 0, kMax, 4)).outcome, CheckOutcome::kDuplicate);
  EXPECT_EQ(produce(t, batch(2, 0, 3, 1), end), CheckOutcome::kOk);
}

TEST(ProducerState, RebuildFromTheLogRestoresDeduplication) {
  PartitionProducerState live;
  std::vector<BatchHeader> log;
  int64_t end = 0;
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(produce(live, batch(1, 0, i * 2, 2), end, &log), CheckOutcome::kOk);
    ASSERT_EQ(produce(live, batch(-1, -1, -1, 1), end, &log), CheckOutcome::kOk);
    ASSERT_EQ(produce(live, batch(5, 1, i, 1), end, &log), CheckOutcome::kOk);
  }
  // A producer that bumped its epoch midway.
  ASSERT_EQ(produce(live, batch(6, 0, 0, 1), end, &log), CheckOutcome::kOk);
  ASSERT_EQ(produce(live, batch(6, 1, 0, 1), end, &log), CheckOutcome::kOk);

  PartitionProducerState rebuilt;  // "restart"
  for (const BatchHeader& h : log) rebuilt.rebuild_from(h);
  EXPECT_EQ(rebuilt.producer_count(), 3u);
  for (int64_t pid : {1, 5, 6}) {
    const ProducerEntry* a = live.entry(pid);
    const ProducerEntry* b = rebuilt.entry(pid);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(a->epoch, b->epoch);
    ASSERT_EQ(a->batches.size(), b->batches.size());
    for (size_t i = 0; i < a->batches.size(); ++i) {
      EXPECT_EQ(a->batches[i].first_offset, b->batches[i].first_offset);
      EXPECT_EQ(a->batches[i].last_seq, b->batches[i].last_seq);
    }
  }
  CheckResult dup = rebuilt.check(batch(1, 0, 12, 2));
  ASSERT_EQ(dup.outcome, CheckOutcome::kDuplicate);
  EXPECT_EQ(dup.duplicate.first_offset, 24);  // rounds take 4 offsets; the 7th starts at 24
  EXPECT_EQ(rebuilt.check(batch(1, 0, 16, 1)).outcome, CheckOutcome::kOk);
  EXPECT_EQ(rebuilt.check(batch(6, 0, 1, 1)).outcome, CheckOutcome::kInvalidProducerEpoch);
}

TEST(ProducerState, ExpireProducers) {
  PartitionProducerState s;
  s.on_appended(batch(1, 0, 0, 1, 0, 1000));
  s.on_appended(batch(2, 0, 0, 1, 1, 5000));
  // Client timestamps may be anything; extreme ones must not overflow the comparison.
  s.on_appended(batch(3, 0, 0, 1, 2, std::numeric_limits<int64_t>::min()));
  s.on_appended(batch(4, 0, 0, 1, 3, std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(s.expire_producers(10'000, 6'000), 2u);
  EXPECT_NE(s.entry(4), nullptr);
  EXPECT_EQ(s.entry(1), nullptr);
  EXPECT_NE(s.entry(2), nullptr);
  s.clear();
  EXPECT_EQ(s.producer_count(), 0u);
}

}  // namespace
}  // namespace sluice::kafka::producer

namespace sluice::kafka::producer {
namespace {

// A producer with up to five batches in flight whose requests are randomly lost, answered late,
// retried and reordered (as a client with max.in.flight 5 sees on a flaky network). Whatever
// happens, each batch is in the log at most once, the log holds each producer's sequences in
// order without gaps, and a retried batch is acknowledged with the offset it was first given.
TEST(ProducerState, RandomRetriesNeverDuplicateOrReorder) {
  uint64_t x = 88172645463325252ULL;
  auto rnd = [&](uint64_t n) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x % n;
  };
  PartitionProducerState s;
  std::map<int64_t, int64_t> first_offset_of_seq;  // pid * 2^32 + seq → offset
  std::map<int64_t, int32_t> log_next_seq;         // per pid: next sequence expected in the log
  int64_t end = 0;
  for (int64_t pid = 1; pid <= 3; ++pid) {
    int32_t next_seq = 0;  // the next batch the producer creates
    std::vector<BatchHeader> in_flight;
    for (int step = 0; step < 3000; ++step) {
      if (in_flight.size() < 5 && rnd(2) == 0) {
        int32_t records = static_cast<int32_t>(1 + rnd(4));
        in_flight.push_back(batch(pid, 0, next_seq, records));
        next_seq += records;
      }
      if (in_flight.empty()) continue;
      // Send one of the in-flight batches: usually the oldest, sometimes a later one (reordered).
      size_t i = rnd(4) == 0 ? rnd(in_flight.size()) : 0;
      BatchHeader b = in_flight[i];
      CheckResult r = s.check(b);
      int64_t key = pid * (int64_t{1} << 32) + b.base_sequence;
      if (r.ok()) {
        ASSERT_EQ(b.base_sequence, log_next_seq[pid]) << "appended out of order";
        b.base_offset = end;
        end += b.last_offset_delta + 1;
        s.on_appended(b);
        ASSERT_TRUE(first_offset_of_seq.emplace(key, b.base_offset).second) << "duplicate";
        log_next_seq[pid] = b.base_sequence + b.last_offset_delta + 1;
      } else if (r.outcome == CheckOutcome::kDuplicate) {
        ASSERT_EQ(r.duplicate.first_offset, first_offset_of_seq.at(key));
      } else {
        ASSERT_EQ(r.outcome, CheckOutcome::kOutOfOrderSequence);
        ASSERT_NE(i, 0u);  // only a reordered send can be out of order
        continue;          // the client retries it later
      }
      // The response may be lost (then the batch stays in flight and is retried).
      if (rnd(3) != 0) {
        if (i == 0) in_flight.erase(in_flight.begin());
      }
    }
  }
}

}  // namespace
}  // namespace sluice::kafka::producer
