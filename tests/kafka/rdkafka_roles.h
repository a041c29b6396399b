// The two roles the librdkafka tests play: a producer that numbers its messages and records which
// ones were acknowledged, and a consumer-group member running its own poll thread that records
// every message it sees into a shared Sink.
//
// Message format: key = decimal sequence number, value = "p<partition>-s<sequence>" padded to the
// requested size.
//
// Thread-safety: Sink is thread-safe. Producer is driven by one thread (its delivery reports run
// inside its poll/flush calls). A GroupMember's public methods may be called from any one thread;
// its poll loop runs on its own thread.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/kafka/rdkafka_client.h"

namespace sluice::testing {

std::string message_value(int32_t partition, int64_t seq, size_t size);
// Parses a value built by message_value; returns false when it is not one.
bool parse_message_value(const std::string& value, int32_t& partition, int64_t& seq);

class Producer {
 public:
  Producer(const std::string& bootstrap, const std::string& topic, const ConfigPairs& extra);
  ~Producer();

  // Enqueues message `seq` for `partition` (waiting while the local queue is full).
  void produce(int32_t partition, int64_t seq, size_t value_size = 32);
  // Serves delivery reports for up to `timeout_ms`.
  void poll(int timeout_ms) { rd_kafka_poll(rk_.get(), timeout_ms); }
  // Waits until every enqueued message got its delivery report; false on timeout.
  bool flush(int timeout_ms);

  // Snapshot of the delivery outcomes so far.
  std::set<int64_t> acked() const;
  std::map<int64_t, std::string> failed() const;
  // A fatal idempotence error, if librdkafka raised one ("" when none).
  std::string fatal_error() const;

 private:
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);

  std::string topic_;
  RdKafkaPtr rk_;
  mutable std::mutex mu_;
  std::set<int64_t> acked_;
  std::map<int64_t, std::string> failed_;
};

// Everything the members of one group have seen.
class Sink {
 public:
  void record(int32_t partition, int64_t offset, const std::string& value);
  // Forgets the first offsets seen (not the messages): a new phase of consumers starts.
  void new_phase();

  size_t distinct() const;
  size_t total() const;
  // The first offset seen per partition in the current phase.
  std::map<int32_t, int64_t> first_offsets() const;
  // Messages whose value could not be parsed or whose partition did not match.
  std::vector<std::string> anomalies() const;
  std::set<int64_t> seen() const;

 private:
  mutable std::mutex mu_;
  std::map<int64_t, int> count_;
  size_t total_ = 0;
  std::map<int32_t, int64_t> first_offset_;
  std::vector<std::string> anomalies_;
};

class GroupMember {
 public:
  // `extra` is applied on top of the member's configuration (e.g. the assignment strategy or a
  // group.instance.id).
  GroupMember(std::string name, const std::string& bootstrap, const std::string& group,
              const std::string& topic, Sink& sink, const ConfigPairs& extra = {});
  ~GroupMember();

  // Leaves the group: commits what it consumed, closes the consumer and joins the poll thread.
  void close();
  // The partitions of the current assignment.
  std::set<int32_t> assignment() const;
  // How many assignments librdkafka has handed this member (one per rebalance it took part in).
  int assignments() const;
  // Errors the poll loop saw (other than transient transport errors).
  std::vector<std::string> errors() const;
  const std::string& name() const { return name_; }

 private:
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque);
  void run();

  std::string name_;
  Sink& sink_;
  RdKafkaPtr rk_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::set<int32_t> assignment_;
  int assignments_ = 0;
  std::vector<std::string> errors_;
  std::thread thread_;
};

}  // namespace sluice::testing
