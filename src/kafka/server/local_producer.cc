#include "kafka/server/local_producer.h"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "common/clock.h"
#include "storage/record_batch.h"

namespace sluice::kafka {

namespace {

// CONCURRENT_TRANSACTIONS is retriable: the coordinator is finishing the previous transaction.
template <typename F>
ErrorCode retry_concurrent(F&& f) {
  ErrorCode e = f();
  for (int i = 0; i < 200 && e == ErrorCode::kConcurrentTransactions; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    e = f();
  }
  return e;
}

Status txn_error(std::string_view what, const std::string& id, ErrorCode e) {
  return Status::io_error(fmt::format("transaction {}: {} failed: {}", id, what, error_name(e)));
}

}  // namespace

Result<std::unique_ptr<LocalTransactionalProducer>> LocalTransactionalProducer::open(
    Broker& broker, std::string transactional_id, int32_t timeout_ms) {
  std::unique_ptr<LocalTransactionalProducer> p(
      new LocalTransactionalProducer(broker, std::move(transactional_id)));
  txn::InitResult r;
  ErrorCode e = retry_concurrent([&] {
    r = broker.transactions().init_producer_id(p->id_, timeout_ms, -1, -1);
    return r.error;
  });
  if (e != ErrorCode::kNone) return txn_error("InitProducerId", p->id_, e);
  p->producer_id_ = r.producer_id;
  p->epoch_ = r.epoch;
  return p;
}

Result<int64_t> LocalTransactionalProducer::append(const std::string& topic, int32_t partition,
                                                   const std::vector<LocalRecord>& records) {
  if (records.empty()) return Status::invalid_argument("no records");
  txn::TopicPartition tp{topic, partition};
  if (!added_.count(tp)) {
    ErrorCode e = retry_concurrent(
        [&] { return broker_.transactions().add_partitions(id_, producer_id_, epoch_, {tp}); });
    if (e != ErrorCode::kNone) return txn_error("AddPartitionsToTxn", id_, e);
    added_.insert(tp);
  }
  int32_t& seq = sequences_[tp];
  RecordBatchBuilder b;
  b.set_producer(producer_id_, epoch_, seq).set_transactional(true);
  for (const LocalRecord& r : records) {
    std::optional<ByteSpan> k, v;
    if (r.key) k = ByteSpan(reinterpret_cast<const uint8_t*>(r.key->data()), r.key->size());
    if (r.value) v = ByteSpan(reinterpret_cast<const uint8_t*>(r.value->data()), r.value->size());
    b.add(r.timestamp, k, v);
  }
  SLUICE_ASSIGN_OR_RETURN(auto bytes, b.build());
  SLUICE_ASSIGN_OR_RETURN(
      int64_t base, broker_.produce_local(topic, partition, ByteSpan(bytes.data(), bytes.size())));
  // Sequences wrap at INT32_MAX as Kafka's do.
  int64_t next = static_cast<int64_t>(seq) + static_cast<int64_t>(records.size());
  seq = static_cast<int32_t>(next % (int64_t{1} << 31));
  return base;
}

Status LocalTransactionalProducer::end(bool commit) {
  if (added_.empty()) return Status::ok();
  ErrorCode e = retry_concurrent(
      [&] { return broker_.transactions().end_txn(id_, producer_id_, epoch_, commit); });
  added_.clear();
  if (e != ErrorCode::kNone) return txn_error(commit ? "commit" : "abort", id_, e);
  return Status::ok();
}

Status LocalTransactionalProducer::commit() {
  return end(true);
}
Status LocalTransactionalProducer::abort() {
  return end(false);
}

Result<int64_t> LocalReadIsolation::last_stable_offset(const std::string& topic,
                                                       int32_t partition) {
  Partition* p = broker_.log().partition(topic, partition);
  if (!p) return Status::not_found(fmt::format("no partition {}-{}", topic, partition));
  SLUICE_ASSIGN_OR_RETURN(Offset lso, broker_.last_stable_offset(*p));
  return lso.value();
}

Result<std::vector<producer::AbortedTxn>> LocalReadIsolation::aborted(const std::string& topic,
                                                                      int32_t partition,
                                                                      int64_t from, int64_t to) {
  Partition* p = broker_.log().partition(topic, partition);
  if (!p) return Status::not_found(fmt::format("no partition {}-{}", topic, partition));
  SLUICE_ASSIGN_OR_RETURN(auto slot, broker_.loaded_producer_slot(*p));
  std::lock_guard lock(slot->index_mu);
  return slot->aborted.between(from, to);
}

}  // namespace sluice::kafka
