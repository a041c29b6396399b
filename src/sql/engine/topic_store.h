// Where the SQL engine reads and writes records: an interface over topics, implemented in
// memory (the test runner, unit tests) and over the storage log (sluice serve).
//
// Thread-safety: MemoryTopicStore is not synchronised; the engine calls it from one thread.
// TransactionalTopicStore serialises its appends (queries polled side by side share its writer)
// and is as thread-safe as its base store otherwise; commits happen between polls.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "sql/state/change_buffer.h"

namespace sluice::sql {

// A record header: a key and a value that may be null.
using RecordHeaderKV = std::pair<std::string, std::optional<std::string>>;

struct TopicRecord {
  int64_t offset = 0;  // assigned by append
  int64_t timestamp = 0;
  std::optional<std::string> key;  // nullopt: null
  std::optional<std::string> value;
  std::vector<RecordHeaderKV> headers;
};

// A record read without copying its bytes: views into a TopicReadBuffer.
struct TopicRecordView {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string_view> key;  // nullopt: null
  std::optional<std::string_view> value;
  std::span<const RecordHeaderKV> headers;
  // format::kRecordPadding readable bytes follow key and value (format::RecordBytes::padded).
  bool padded = false;
};

// What read_views() fills: the views and the memory they point into, reused from call to call
// (clear() keeps the allocations), valid until the next read_views() into the same buffer.
struct TopicReadBuffer {
  std::vector<TopicRecordView> records;
  ReadBuffer bytes;                                  // the log's batch bytes, as read
  std::deque<std::string> copies;                    // decompressed keys/values
  std::vector<std::vector<RecordHeaderKV>> headers;  // per record that has headers
  std::vector<TopicRecord> owned;                    // stores without a zero-copy path
  // LogTopicStore: the records of the batches last read that did not fit in `max`, returned by
  // the next read_views of the same partition from the next offset without reading and parsing
  // those batches again (as a consumer's fetch buffer holds records already fetched).
  std::vector<TopicRecordView> pending;
  size_t pending_pos = 0;
  const void* pending_source = nullptr;  // the partition they come from
  std::string pending_topic;
  int32_t pending_partition = -1;
  void clear() {
    records.clear();
    copies.clear();
    headers.clear();
    owned.clear();
    pending.clear();
    pending_pos = 0;
    pending_source = nullptr;
  }
};

class TopicStore {
 public:
  virtual ~TopicStore() = default;
  virtual bool exists(std::string_view topic) const = 0;
  // 0 when the topic does not exist.
  virtual int32_t partitions(std::string_view topic) const = 0;
  virtual Status create(std::string_view topic, int32_t partitions) = 0;
  virtual Status remove(std::string_view topic) = 0;
  // Appends in order and returns the offset of the first record.
  virtual Result<int64_t> append(std::string_view topic, int32_t partition,
                                 std::vector<TopicRecord> records) = 0;
  // append() of records given as views (offsets ignored); the default copies them.
  virtual Result<int64_t> append_views(std::string_view topic, int32_t partition,
                                       std::span<const TopicRecordView> records);
  // Up to `max` records with offset >= from.
  virtual Result<std::vector<TopicRecord>> read(std::string_view topic, int32_t partition,
                                                int64_t from, size_t max) const = 0;
  // read() into `buf` (replacing its records), without copying record bytes where the store
  // can; the engine's poll loop reads this way. The default copies through read().
  virtual Status read_views(std::string_view topic, int32_t partition, int64_t from, size_t max,
                            TopicReadBuffer& buf) const;
  virtual std::vector<std::string> topics() const = 0;
  // The offset the next record appended to the partition gets (what reads can reach now). The
  // default reads the partition through; stores override it with their own bookkeeping.
  virtual Result<int64_t> end_offset(std::string_view topic, int32_t partition) const;
  // Where reads of the partition stop now: end_offset(), or below an open transaction for a
  // read_committed store. A read from `from` that returns nothing while this is at or past a
  // target offset means no record lies in between (only transaction markers, say).
  virtual Result<int64_t> readable_end(std::string_view topic, int32_t partition) const {
    return end_offset(topic, partition);
  }
  // Drops the partition's records before `offset` (Kafka's DeleteRecords: what every reader has
  // consumed, as a query's repartition records once its checkpoint committed). The default keeps
  // them.
  virtual Status delete_before(std::string_view /*topic*/, int32_t /*partition*/,
                               int64_t /*offset*/) {
    return Status::ok();
  }
};

// Views of records (valid while `records` is).
TopicRecordView as_view(const TopicRecord& r);
std::vector<TopicRecordView> as_views(const std::vector<TopicRecord>& records);
// Views of records [from, to) of `records` (a checkpoint's changelog records), each stamped
// `timestamp`; a record with an empty value (a state record deleted) becomes a tombstone.
std::vector<TopicRecordView> as_views(const state::ChangeBuffer& records, int64_t timestamp,
                                      size_t from = 0, size_t to = SIZE_MAX);

// Exactly-once, the write side: appends that become visible together when committed (a Kafka
// transaction; kafka/server/local_producer.h in process, librdkafka's transactional producer
// against an external cluster).
class TransactionalWriter {
 public:
  virtual ~TransactionalWriter() = default;
  // Appends inside the open transaction (one begins with the first append); the first offset.
  virtual Result<int64_t> append(std::string_view topic, int32_t partition,
                                 std::span<const TopicRecordView> records) = 0;
  // An error leaves the outcome to the coordinator: the work since the last commit is lost.
  virtual Status commit() = 0;
  virtual Status abort() = 0;
};

// Exactly-once, the read side (read_committed): where reads stop below open transactions, and
// which transactional batches were aborted.
class ReadIsolation {
 public:
  struct Aborted {
    int64_t producer_id = -1;
    int64_t first_offset = 0;
    int64_t last_offset = 0;  // the abort marker's
  };
  virtual ~ReadIsolation() = default;
  virtual Result<int64_t> last_stable_offset(const std::string& topic, int32_t partition) = 0;
  // The aborted transactions overlapping [from, to).
  virtual Result<std::vector<Aborted>> aborted(const std::string& topic, int32_t partition,
                                               int64_t from, int64_t to) = 0;
};

// A store whose appends go into a transaction and whose reads and topics are another store's.
class TransactionalTopicStore final : public TopicStore {
 public:
  TransactionalTopicStore(TopicStore& base, TransactionalWriter& writer)
      : base_(base), writer_(writer) {}
  bool exists(std::string_view topic) const override { return base_.exists(topic); }
  int32_t partitions(std::string_view topic) const override { return base_.partitions(topic); }
  Status create(std::string_view topic, int32_t partitions) override {
    return base_.create(topic, partitions);
  }
  Status remove(std::string_view topic) override { return base_.remove(topic); }
  Result<int64_t> append(std::string_view topic, int32_t partition,
                         std::vector<TopicRecord> records) override;
  Result<int64_t> append_views(std::string_view topic, int32_t partition,
                               std::span<const TopicRecordView> records) override {
    std::lock_guard<std::mutex> lock(mu_);  // queries polled side by side share the writer
    return writer_.append(topic, partition, records);
  }
  Result<std::vector<TopicRecord>> read(std::string_view topic, int32_t partition, int64_t from,
                                        size_t max) const override {
    return base_.read(topic, partition, from, max);
  }
  Status read_views(std::string_view topic, int32_t partition, int64_t from, size_t max,
                    TopicReadBuffer& buf) const override {
    return base_.read_views(topic, partition, from, max, buf);
  }
  std::vector<std::string> topics() const override { return base_.topics(); }
  Result<int64_t> end_offset(std::string_view topic, int32_t partition) const override {
    return base_.end_offset(topic, partition);
  }
  Result<int64_t> readable_end(std::string_view topic, int32_t partition) const override {
    return base_.readable_end(topic, partition);
  }

 private:
  TopicStore& base_;
  TransactionalWriter& writer_;
  std::mutex mu_;
};

class MemoryTopicStore final : public TopicStore {
 public:
  bool exists(std::string_view topic) const override;
  int32_t partitions(std::string_view topic) const override;
  Status create(std::string_view topic, int32_t partitions) override;
  Status remove(std::string_view topic) override;
  Result<int64_t> append(std::string_view topic, int32_t partition,
                         std::vector<TopicRecord> records) override;
  Result<std::vector<TopicRecord>> read(std::string_view topic, int32_t partition, int64_t from,
                                        size_t max) const override;
  std::vector<std::string> topics() const override;

  // Every record of a topic, in the order they were appended (across its partitions), as a
  // client consuming them as they came would see them.
  std::vector<std::pair<int32_t, TopicRecord>> all(std::string_view topic) const;

 private:
  std::map<std::string, std::vector<std::vector<TopicRecord>>, std::less<>> topics_;
  // Per topic: (partition, offset) of each record in append order.
  std::map<std::string, std::vector<std::pair<int32_t, int64_t>>, std::less<>> appended_;
};

// Kafka's default partitioner for keyed records: murmur2(key) & 0x7fffffff % partitions.
int32_t kafka_partition_for_key(std::string_view key, int32_t partitions);

}  // namespace sluice::sql
