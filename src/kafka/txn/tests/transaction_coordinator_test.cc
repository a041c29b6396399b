#include "kafka/txn/transaction_coordinator.h"

#include <gtest/gtest.h>

#include <functional>

namespace sluice::kafka::txn {
namespace {

struct Marker {
  int64_t producer_id;
  int16_t epoch;
  bool commit;
  std::set<TopicPartition> partitions;
};

// Records what the coordinator asks of its host; the persisted records can be replayed into a
// new coordinator as the broker does at start-up.
class FakeHost final : public TxnHost {
 public:
  Status persist(const std::string& id, const std::optional<TxnMetadata>& m) override {
    if (on_persist) on_persist(id);
    if (fail_persist) return Status::io_error("disk full");
    log.emplace_back(id, m ? std::optional<std::vector<uint8_t>>(m->encode()) : std::nullopt);
    return Status::ok();
  }
  Status write_markers(int64_t producer_id, int16_t epoch, bool commit,
                       const std::set<TopicPartition>& partitions) override {
    if (fail_markers) return Status::io_error("partition offline");
    markers.push_back({producer_id, epoch, commit, partitions});
    return Status::ok();
  }
  Status commit_offsets(const std::string& group, const GroupOffsets& offsets) override {
    for (const auto& [tp, o] : offsets) committed[{group, tp}] = o.offset;
    return Status::ok();
  }
  Result<int64_t> new_producer_id() override { return next_id++; }
  int64_t now_ms() override { return now; }

  // Replays the persisted records into `c` (the broker's start-up).
  void replay(TransactionCoordinator& c) const {
    for (const auto& [id, v] : log) {
      std::optional<ByteSpan> value;
      if (v) value = ByteSpan(v->data(), v->size());
      ASSERT_TRUE(c.load(id, value).is_ok());
    }
  }

  std::vector<std::pair<std::string, std::optional<std::vector<uint8_t>>>> log;
  std::vector<Marker> markers;
  std::map<std::pair<std::string, TopicPartition>, int64_t> committed;
  int64_t next_id = 1000;
  int64_t now = 1'000'000;
  bool fail_persist = false;
  bool fail_markers = false;
  std::function<void(const std::string&)> on_persist;
};

const TopicPartition kA{"orders", 0};
const TopicPartition kB{"orders", 1};

TEST(TxnMetadata, EncodesAndDecodes) {
  TxnMetadata m;
  m.transactional_id = "app-1";
  m.producer_id = 42;
  m.epoch = 7;
  m.last_epoch = 6;
  m.timeout_ms = 30000;
  m.state = TxnState::kPrepareCommit;
  m.partitions = {kA, kB};
  m.offsets["g"][kA] = {17, 3, "meta"};
  m.offsets["g"][kB] = {18, -1, std::nullopt};
  m.offsets["h"];
  m.start_ms = 5;
  m.update_ms = 9;
  auto bytes = m.encode();
  auto back = TxnMetadata::decode("app-1", ByteSpan(bytes.data(), bytes.size()));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(*back, m);
  // Truncated and trailing bytes are corruption, not garbage state.
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(TxnMetadata::decode("x", ByteSpan(bytes.data(), n)).is_ok()) << n;
  }
  bytes.push_back(0);
  EXPECT_FALSE(TxnMetadata::decode("x", ByteSpan(bytes.data(), bytes.size())).is_ok());
}

TEST(TransactionCoordinator, CommitWritesMarkersThenOffsets) {
  FakeHost host;
  TransactionCoordinator c(host);
  auto init = c.init_producer_id("app", 60000, -1, -1);
  ASSERT_EQ(init.error, ErrorCode::kNone);
  EXPECT_EQ(init.producer_id, 1000);
  EXPECT_EQ(init.epoch, 0);

  // Producing before the partition is in the transaction is refused.
  EXPECT_EQ(c.verify_produce(1000, 0, kA), ErrorCode::kInvalidTxnState);
  EXPECT_EQ(c.add_partitions("app", 1000, 0, {kA, kB}), ErrorCode::kNone);
  EXPECT_EQ(c.verify_produce(1000, 0, kA), ErrorCode::kNone);
  EXPECT_EQ(c.verify_produce(999, 0, kA), ErrorCode::kInvalidProducerIdMapping);
  EXPECT_EQ(c.add_offsets("app", 1000, 0, "g"), ErrorCode::kNone);
  EXPECT_EQ(c.txn_offset_commit("app", 1000, 0, "g", {{kA, {41, -1, std::nullopt}}}),
            ErrorCode::kNone);
  // Offsets of a group not added to the transaction are refused.
  EXPECT_EQ(c.txn_offset_commit("app", 1000, 0, "other", {{kA, {1, -1, std::nullopt}}}),
            ErrorCode::kInvalidTxnState);
  EXPECT_TRUE(c.has_pending_offsets("g", kA));
  EXPECT_TRUE(host.committed.empty());

  EXPECT_EQ(c.end_txn("app", 1000, 0, true), ErrorCode::kNone);
  ASSERT_EQ(host.markers.size(), 1u);
  EXPECT_TRUE(host.markers[0].commit);
  EXPECT_EQ(host.markers[0].partitions, (std::set<TopicPartition>{kA, kB}));
  EXPECT_EQ((host.committed[{"g", kA}]), 41);
  EXPECT_FALSE(c.has_pending_offsets("g", kA));
  EXPECT_EQ(c.describe("app")->state, TxnState::kCompleteCommit);
  // A retried EndTxn of the same outcome succeeds; the other outcome is an invalid transition.
  EXPECT_EQ(c.end_txn("app", 1000, 0, true), ErrorCode::kNone);
  EXPECT_EQ(c.end_txn("app", 1000, 0, false), ErrorCode::kInvalidTxnState);
  EXPECT_EQ(host.markers.size(), 1u);
  // After the commit the partitions are out of the transaction until added again.
  EXPECT_EQ(c.verify_produce(1000, 0, kA), ErrorCode::kInvalidTxnState);
  EXPECT_EQ(c.stats().committed, 1u);
}

TEST(TransactionCoordinator, AbortDropsTheOffsets) {
  FakeHost host;
  TransactionCoordinator c(host);
  auto init = c.init_producer_id("app", 60000, -1, -1);
  ASSERT_EQ(c.add_offsets("app", init.producer_id, 0, "g"), ErrorCode::kNone);
  ASSERT_EQ(c.txn_offset_commit("app", init.producer_id, 0, "g", {{kA, {5, -1, std::nullopt}}}),
            ErrorCode::kNone);
  ASSERT_EQ(c.add_partitions("app", init.producer_id, 0, {kA}), ErrorCode::kNone);
  EXPECT_EQ(c.end_txn("app", init.producer_id, 0, false), ErrorCode::kNone);
  ASSERT_EQ(host.markers.size(), 1u);
  EXPECT_FALSE(host.markers[0].commit);
  EXPECT_TRUE(host.committed.empty());
  EXPECT_EQ(c.describe("app")->state, TxnState::kCompleteAbort);
  // EndTxn without a transaction is an invalid transition.
  ASSERT_EQ(c.init_producer_id("app", 60000, -1, -1).epoch, 1);
  EXPECT_EQ(c.end_txn("app", init.producer_id, 1, true), ErrorCode::kInvalidTxnState);
}

TEST(TransactionCoordinator, ANewIncarnationFencesTheOldAndAbortsItsTransaction) {
  FakeHost host;
  TransactionCoordinator c(host);
  auto first = c.init_producer_id("app", 60000, -1, -1);
  ASSERT_EQ(c.add_partitions("app", first.producer_id, first.epoch, {kA}), ErrorCode::kNone);

  auto second = c.init_producer_id("app", 60000, -1, -1);
  ASSERT_EQ(second.error, ErrorCode::kNone);
  EXPECT_EQ(second.producer_id, first.producer_id);
  EXPECT_GT(second.epoch, first.epoch);
  // The open transaction was aborted with the new epoch, which fences the old producer in kA.
  ASSERT_EQ(host.markers.size(), 1u);
  EXPECT_FALSE(host.markers[0].commit);
  EXPECT_EQ(host.markers[0].epoch, second.epoch);
  EXPECT_EQ(c.add_partitions("app", first.producer_id, first.epoch, {kA}),
            ErrorCode::kProducerFenced);
  EXPECT_EQ(c.end_txn("app", first.producer_id, first.epoch, true), ErrorCode::kProducerFenced);
  EXPECT_EQ(c.verify_produce(first.producer_id, first.epoch, kA), ErrorCode::kInvalidProducerEpoch);
  EXPECT_EQ(c.add_partitions("app", second.producer_id, second.epoch, {kA}), ErrorCode::kNone);
}

TEST(TransactionCoordinator, TimeoutAbortsWithABumpedEpochAndTheProducerMayRecover) {
  FakeHost host;
  TransactionCoordinator c(host);
  auto init = c.init_producer_id("app", 1000, -1, -1);
  ASSERT_EQ(c.add_partitions("app", init.producer_id, init.epoch, {kA}), ErrorCode::kNone);
  host.now += 999;
  c.tick();
  EXPECT_TRUE(host.markers.empty());
  host.now += 2;
  c.tick();
  ASSERT_EQ(host.markers.size(), 1u);
  EXPECT_FALSE(host.markers[0].commit);
  EXPECT_EQ(host.markers[0].epoch, init.epoch + 1);
  EXPECT_EQ(c.stats().timed_out, 1u);
  EXPECT_EQ(c.end_txn("app", init.producer_id, init.epoch, true), ErrorCode::kProducerFenced);
  // KIP-360/588: re-initialising with the id and the epoch held before the bump is allowed.
  auto again = c.init_producer_id("app", 1000, init.producer_id, init.epoch);
  ASSERT_EQ(again.error, ErrorCode::kNone);
  EXPECT_EQ(again.producer_id, init.producer_id);
  EXPECT_EQ(again.epoch, init.epoch + 2);
  // An epoch older than that is a zombie.
  EXPECT_EQ(c.init_producer_id("app", 1000, init.producer_id, init.epoch).error,
            ErrorCode::kProducerFenced);
  EXPECT_EQ(c.init_producer_id("app", 1000, 12345, again.epoch).error, ErrorCode::kProducerFenced);
}

TEST(TransactionCoordinator, StateSurvivesARestartAndADecidedCommitCompletes) {
  FakeHost host;
  {
    TransactionCoordinator c(host);
    auto init = c.init_producer_id("app", 60000, -1, -1);
    ASSERT_EQ(c.add_partitions("app", init.producer_id, 0, {kA}), ErrorCode::kNone);
    ASSERT_EQ(c.add_offsets("app", init.producer_id, 0, "g"), ErrorCode::kNone);
    ASSERT_EQ(c.txn_offset_commit("app", init.producer_id, 0, "g", {{kB, {9, -1, "m"}}}),
              ErrorCode::kNone);
    // The commit decision is durable, then the markers cannot be written (the process dies).
    host.fail_markers = true;
    EXPECT_EQ(c.end_txn("app", init.producer_id, 0, true), ErrorCode::kNone);
    EXPECT_EQ(c.describe("app")->state, TxnState::kPrepareCommit);
    // Meanwhile the transactional id is busy with the decided transaction.
    EXPECT_EQ(c.add_partitions("app", init.producer_id, 0, {kA}),
              ErrorCode::kConcurrentTransactions);
  }
  host.fail_markers = false;
  TransactionCoordinator restarted(host);
  host.replay(restarted);
  ASSERT_TRUE(restarted.complete_load().is_ok());
  ASSERT_EQ(host.markers.size(), 1u);
  EXPECT_TRUE(host.markers[0].commit);
  EXPECT_EQ((host.committed[{"g", kB}]), 9);
  auto d = restarted.describe("app");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->state, TxnState::kCompleteCommit);
  EXPECT_EQ(d->producer_id, 1000);
  // The producer id stays with the transactional id across the restart.
  auto init = restarted.init_producer_id("app", 60000, -1, -1);
  EXPECT_EQ(init.producer_id, 1000);
  EXPECT_EQ(init.epoch, 1);
}

TEST(TransactionCoordinator, AnOpenTransactionSurvivesARestartWithItsOffsets) {
  FakeHost host;
  int64_t pid;
  {
    TransactionCoordinator c(host);
    pid = c.init_producer_id("app", 60000, -1, -1).producer_id;
    ASSERT_EQ(c.add_partitions("app", pid, 0, {kA}), ErrorCode::kNone);
    ASSERT_EQ(c.add_offsets("app", pid, 0, "g"), ErrorCode::kNone);
    ASSERT_EQ(c.txn_offset_commit("app", pid, 0, "g", {{kA, {3, -1, std::nullopt}}}),
              ErrorCode::kNone);
  }
  TransactionCoordinator restarted(host);
  host.replay(restarted);
  ASSERT_TRUE(restarted.complete_load().is_ok());
  EXPECT_TRUE(host.markers.empty());
  EXPECT_EQ(restarted.verify_produce(pid, 0, kA), ErrorCode::kNone);
  EXPECT_EQ(restarted.end_txn("app", pid, 0, true), ErrorCode::kNone);
  EXPECT_EQ((host.committed[{"g", kA}]), 3);
}

TEST(TransactionCoordinator, AFailedPersistChangesNothing) {
  FakeHost host;
  TransactionCoordinator c(host);
  host.fail_persist = true;
  EXPECT_EQ(c.init_producer_id("app", 60000, -1, -1).error, ErrorCode::kCoordinatorNotAvailable);
  EXPECT_FALSE(c.describe("app"));
  host.fail_persist = false;
  auto init = c.init_producer_id("app", 60000, -1, -1);
  ASSERT_EQ(init.error, ErrorCode::kNone);
  host.fail_persist = true;
  EXPECT_EQ(c.add_partitions("app", init.producer_id, 0, {kA}),
            ErrorCode::kCoordinatorNotAvailable);
  EXPECT_EQ(c.describe("app")->state, TxnState::kEmpty);
  host.fail_persist = false;
  EXPECT_EQ(c.add_partitions("app", init.producer_id, 0, {kA}), ErrorCode::kNone);
}

TEST(TransactionCoordinator, OperationsDuringAWriteAreConcurrentTransactions) {
  FakeHost host;
  TransactionCoordinator c(host);
  auto init = c.init_producer_id("app", 60000, -1, -1);
  std::vector<ErrorCode> seen;
  host.on_persist = [&](const std::string&) {
    seen.push_back(c.add_partitions("app", init.producer_id, 0, {kB}));
    seen.push_back(c.init_producer_id("app", 60000, -1, -1).error);
    seen.push_back(c.end_txn("app", init.producer_id, 0, true));
  };
  ASSERT_EQ(c.add_partitions("app", init.producer_id, 0, {kA}), ErrorCode::kNone);
  host.on_persist = nullptr;
  EXPECT_EQ(seen, std::vector<ErrorCode>(3, ErrorCode::kConcurrentTransactions));
}

TEST(TransactionCoordinator, RefusesBadTimeoutsAndUnknownIds) {
  FakeHost host;
  TransactionCoordinator c(host, CoordinatorConfig{.max_timeout_ms = 10000});
  EXPECT_EQ(c.init_producer_id("app", 10001, -1, -1).error, ErrorCode::kInvalidTransactionTimeout);
  EXPECT_EQ(c.init_producer_id("app", 0, -1, -1).error, ErrorCode::kInvalidTransactionTimeout);
  EXPECT_EQ(c.add_partitions("nope", 1, 0, {kA}), ErrorCode::kInvalidProducerIdMapping);
  EXPECT_EQ(c.end_txn("nope", 1, 0, true), ErrorCode::kInvalidProducerIdMapping);
}

TEST(TransactionCoordinator, IdleTransactionalIdsExpire) {
  FakeHost host;
  TransactionCoordinator c(host, CoordinatorConfig{.id_expiration_ms = 1000});
  ASSERT_EQ(c.init_producer_id("app", 500, -1, -1).error, ErrorCode::kNone);
  host.now += 1001;
  c.tick();
  EXPECT_FALSE(c.describe("app"));
  ASSERT_FALSE(host.log.empty());
  EXPECT_FALSE(host.log.back().second);  // a tombstone
}

}  // namespace
}  // namespace sluice::kafka::txn
