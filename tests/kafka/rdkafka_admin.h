// librdkafka admin-client helpers for the conformance tests: owned partition lists and a
// synchronous call of any admin API (start it on a queue, wait for its result event).
//
// Thread-safety: each helper object is used by one thread.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace sluice::testing {

// An owned rd_kafka_topic_partition_list_t.
class PartitionList {
 public:
  PartitionList() : list_(rd_kafka_topic_partition_list_new(4)) {}
  ~PartitionList() { rd_kafka_topic_partition_list_destroy(list_); }
  PartitionList(const PartitionList&) = delete;
  PartitionList& operator=(const PartitionList&) = delete;

  void add(const std::string& topic, int32_t partition, int64_t offset) {
    rd_kafka_topic_partition_list_add(list_, topic.c_str(), partition)->offset = offset;
  }
  rd_kafka_topic_partition_list_t* get() const { return list_; }

 private:
  rd_kafka_topic_partition_list_t* list_;
};

struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

// Starts an admin request with `start(queue)` and waits for its result event; nullptr (and a
// test failure) on timeout.
EventPtr admin_call(rd_kafka_t* rk, const std::function<void(rd_kafka_queue_t*)>& start,
                    int timeout_ms = 30000);

// "" when the event and every per-item result in it succeeded, else the first error as text.
// (The caller knows which result accessor applies; this covers the request-level error.)
std::string event_error(rd_kafka_event_t* ev);

}  // namespace sluice::testing
