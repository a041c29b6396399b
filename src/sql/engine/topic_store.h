// Where the SQL engine reads and writes records: an interface over topics, implemented in
// memory (the test runner, unit tests) and over the storage log (sluice serve).
//
// Thread-safety: MemoryTopicStore is not synchronised; the engine calls it from one thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

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
  // Up to `max` records with offset >= from.
  virtual Result<std::vector<TopicRecord>> read(std::string_view topic, int32_t partition,
                                                int64_t from, size_t max) const = 0;
  virtual std::vector<std::string> topics() const = 0;
  // The offset the next record appended to the partition gets (what reads can reach now). The
  // default reads the partition through; stores override it with their own bookkeeping.
  virtual Result<int64_t> end_offset(std::string_view topic, int32_t partition) const;
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

  // Every record of a topic, partition by partition, in offset order.
  std::vector<std::pair<int32_t, TopicRecord>> all(std::string_view topic) const;

 private:
  std::map<std::string, std::vector<std::vector<TopicRecord>>, std::less<>> topics_;
};

// Kafka's default partitioner for keyed records: murmur2(key) & 0x7fffffff % partitions.
int32_t kafka_partition_for_key(std::string_view key, int32_t partitions);

}  // namespace sluice::sql
