// Small librdkafka helpers for the integration tests: owned handles, configuration from a list of
// key/value pairs (failing the test on a bad key), topic creation through the admin API, and a
// reader that assigns every partition from the beginning and collects what it finds.
//
// Thread-safety: each helper object is used by one thread; librdkafka handles are thread-safe
// themselves.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sluice::testing {

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using RdKafkaPtr = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;

using ConfigPairs = std::vector<std::pair<std::string, std::string>>;

// A configuration with bootstrap.servers set, fast reconnects (tests restart the broker), and
// `extra` applied on top. Fails the test (ADD_FAILURE) on a rejected key and returns nullptr.
rd_kafka_conf_t* make_conf(const std::string& bootstrap, const ConfigPairs& extra);

// Creates a producer or consumer handle from `conf` (taking ownership of it).
RdKafkaPtr make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf);

// Creates `topic` with `partitions` partitions and the given topic configs; returns the error
// text ("" on success).
std::string create_topic(const std::string& bootstrap, const std::string& topic, int partitions,
                         const ConfigPairs& configs = {});

// One message as read back.
struct ReadMessage {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
};

// Reads partitions [0, partitions) of `topic` from the beginning up to their high watermarks
// (queried first) with a consumer that uses assign(), not a group. Returns the messages in the
// order they were read (per partition: offset order). Fails the test if it cannot reach the end
// within `timeout`.
// `extra` adds consumer configs (isolation.level=read_committed reads up to the last stable
// offsets, past transaction markers, which come back as no message).
std::vector<ReadMessage> read_all(const std::string& bootstrap, const std::string& topic,
                                  int partitions,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(60),
                                  const ConfigPairs& extra = {});

// Committed offsets of `group` for partitions [0, partitions) of `topic` (-1001 when none).
std::map<int32_t, int64_t> committed_offsets(const std::string& bootstrap, const std::string& group,
                                             const std::string& topic, int partitions);

}  // namespace sluice::testing
