// A TopicStore over the storage log (LogManager): what `sluice serve` gives the SQL engine, so
// persistent queries read the topics Kafka clients produce to and write results that Kafka
// clients can consume.
//
// Thread-safety: as thread-safe as LogManager (every call is); the engine still calls it from one
// thread. Appends go in one RecordBatch per call.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sql/engine/topic_store.h"
#include "storage/log_manager.h"
#include "storage/record_batch.h"

namespace sluice::sql {

class LogTopicStore final : public TopicStore {
 public:
  explicit LogTopicStore(LogManager& log) : log_(log) {}

  bool exists(std::string_view topic) const override;
  int32_t partitions(std::string_view topic) const override;
  Status create(std::string_view topic, int32_t partitions) override;
  Status remove(std::string_view topic) override;
  Result<int64_t> append(std::string_view topic, int32_t partition,
                         std::vector<TopicRecord> records) override;
  // Writes the batches straight from the views (no per-record copies), as few as the topic's
  // max.message.bytes allows, in one append.
  Result<int64_t> append_views(std::string_view topic, int32_t partition,
                               std::span<const TopicRecordView> records) override;
  // Reads committed records (below the high watermark); control records are skipped.
  Result<std::vector<TopicRecord>> read(std::string_view topic, int32_t partition, int64_t from,
                                        size_t max) const override;
  // The same records as views into buf.bytes (one read of whole batches into a reused buffer);
  // only compressed batches' records are copied.
  Status read_views(std::string_view topic, int32_t partition, int64_t from, size_t max,
                    TopicReadBuffer& buf) const override;
  std::vector<std::string> topics() const override;
  // The high watermark.
  Result<int64_t> end_offset(std::string_view topic, int32_t partition) const override;
  // The last stable offset when read_committed, else the high watermark.
  Result<int64_t> readable_end(std::string_view topic, int32_t partition) const override;
  Status delete_before(std::string_view topic, int32_t partition, int64_t offset) override;

  // Bytes read from the log so far (batches as stored): what the queries' reads cost.
  uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }

  // read_committed from now on: reads stop at the last stable offset and skip aborted
  // transactions' batches. Set before reads start.
  void set_isolation(std::shared_ptr<ReadIsolation> isolation) {
    isolation_ = std::move(isolation);
  }

 private:
  // Where reads of the partition stop: the high watermark, or the LSO when read_committed.
  Result<int64_t> read_bound(Partition& p, const std::string& topic, int32_t partition) const;
  // Whether `b` belongs to an aborted transaction (the list, for [from, to), fetched once).
  Result<bool> aborted_batch(const RecordBatchView& b, const std::string& topic, int32_t partition,
                             int64_t from, int64_t to,
                             std::optional<std::vector<ReadIsolation::Aborted>>& aborted) const;

  LogManager& log_;
  std::shared_ptr<ReadIsolation> isolation_;
  mutable std::atomic<uint64_t> bytes_read_{0};
};

}  // namespace sluice::sql
