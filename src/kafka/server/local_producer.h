// A transactional producer inside the process: what the SQL engine commits its checkpoints with
// (outputs, changelogs and input offsets in one transaction, Kafka Streams' exactly-once v2).
// It speaks the protocol a Kafka client speaks — InitProducerId with a transactional id (fencing
// any older instance by epoch), AddPartitionsToTxn before a partition's first batch, Produce with
// per-partition sequence numbers and the transactional flag, EndTxn — through the broker's
// transaction coordinator and produce path, without the network. Against an external Kafka
// cluster the same sequence is librdkafka's transactional producer.
//
// Also the read side's isolation for in-process readers: the last stable offset of a partition
// and whether a batch belongs to an aborted transaction (what read_committed fetches use).
//
// Thread-safety: a LocalTransactionalProducer is used by one thread at a time; the broker calls
// it makes are thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kafka/server/broker.h"

namespace sluice::kafka {

struct LocalRecord {
  int64_t timestamp = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
};

class LocalTransactionalProducer {
 public:
  // InitProducerId for `transactional_id`: a previous producer with the same id is fenced and its
  // open transaction aborted.
  static Result<std::unique_ptr<LocalTransactionalProducer>> open(Broker& broker,
                                                                  std::string transactional_id,
                                                                  int32_t timeout_ms = 60000);

  // Appends records to a partition inside the open transaction (one begins with the first
  // append after open(), commit() or abort()). Returns the first record's offset.
  Result<int64_t> append(const std::string& topic, int32_t partition,
                         const std::vector<LocalRecord>& records);
  // Ends the open transaction (nothing to do when nothing was appended). An error leaves the
  // transaction's outcome to the coordinator (a fenced producer's is aborted): the caller must
  // treat its work since the last commit as lost.
  Status commit();
  Status abort();
  bool in_transaction() const { return !added_.empty(); }

  int64_t producer_id() const { return producer_id_; }
  int16_t epoch() const { return epoch_; }

 private:
  LocalTransactionalProducer(Broker& broker, std::string id)
      : broker_(broker), id_(std::move(id)) {}
  Status end(bool commit);

  Broker& broker_;
  const std::string id_;
  int64_t producer_id_ = -1;
  int16_t epoch_ = -1;
  std::map<txn::TopicPartition, int32_t> sequences_;  // next sequence per partition
  std::set<txn::TopicPartition> added_;               // partitions in the open transaction
};

// What read_committed readers in the process need from the broker's producer state.
class LocalReadIsolation {
 public:
  explicit LocalReadIsolation(Broker& broker) : broker_(broker) {}
  // The last stable offset: read_committed reads stop below an open transaction.
  Result<int64_t> last_stable_offset(const std::string& topic, int32_t partition);
  // The aborted transactions of (topic, partition) overlapping [from, to).
  Result<std::vector<producer::AbortedTxn>> aborted(const std::string& topic, int32_t partition,
                                                    int64_t from, int64_t to);

 private:
  Broker& broker_;
};

}  // namespace sluice::kafka
