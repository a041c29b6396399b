#include "tests/kafka/rdkafka_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>

namespace sluice::testing {

rd_kafka_conf_t* make_conf(const std::string& bootstrap, const ConfigPairs& extra) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ConfigPairs all = {{"bootstrap.servers", bootstrap},
                     // The tests restart the broker: reconnect quickly instead of backing off
                     // for up to 10 s.
                     {"reconnect.backoff.ms", "10"},
                     {"reconnect.backoff.max.ms", "200"},
                     {"topic.metadata.refresh.interval.ms", "1000"}};
  all.insert(all.end(), extra.begin(), extra.end());
  // Connection failures are expected while a test restarts the broker; librdkafka's log would
  // drown the test's own output. SLUICE_TEST_RDKAFKA_LOG=1 keeps it.
  if (!std::getenv("SLUICE_TEST_RDKAFKA_LOG")) {
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
    rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int, const char*, void*) {});
  }
  char err[512];
  for (const auto& [k, v] : all) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      ADD_FAILURE() << "rd_kafka_conf_set " << k << "=" << v << ": " << err;
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  return conf;
}

RdKafkaPtr make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  if (!conf) return nullptr;
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (!rk) {
    ADD_FAILURE() << "rd_kafka_new: " << err;
    rd_kafka_conf_destroy(conf);
    return nullptr;
  }
  if (type == RD_KAFKA_CONSUMER) rd_kafka_poll_set_consumer(rk);
  return RdKafkaPtr(rk);
}

std::string create_topic(const std::string& bootstrap, const std::string& topic, int partitions,
                         const ConfigPairs& configs) {
  RdKafkaPtr rk = make_handle(RD_KAFKA_PRODUCER, make_conf(bootstrap, {}));
  if (!rk) return "no handle";
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err, sizeof(err));
  if (!nt) return err;
  for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk.get());
  rd_kafka_CreateTopics(rk.get(), &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  std::string result;
  if (!ev) {
    result = "CreateTopics timed out";
  } else if (rd_kafka_event_error(ev)) {
    result = rd_kafka_event_error_string(ev);
  } else {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** topics = rd_kafka_CreateTopics_result_topics(res, &n);
    if (n != 1) {
      result = "CreateTopics returned " + std::to_string(n) + " results";
    } else if (rd_kafka_topic_result_error(topics[0])) {
      const char* msg = rd_kafka_topic_result_error_string(topics[0]);
      result = msg ? msg : rd_kafka_err2str(rd_kafka_topic_result_error(topics[0]));
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  return result;
}

std::vector<ReadMessage> read_all(const std::string& bootstrap, const std::string& topic,
                                  int partitions, std::chrono::milliseconds timeout,
                                  const ConfigPairs& extra) {
  static std::atomic<int> reader_id{0};
  std::vector<ReadMessage> out;
  ConfigPairs conf = {{"group.id", "read-all-" + std::to_string(reader_id++)},
                      {"enable.auto.commit", "false"},
                      {"enable.partition.eof", "true"},
                      {"fetch.wait.max.ms", "50"}};
  conf.insert(conf.end(), extra.begin(), extra.end());
  RdKafkaPtr rk = make_handle(RD_KAFKA_CONSUMER, make_conf(bootstrap, conf));
  if (!rk) return out;
  std::vector<int64_t> end(static_cast<size_t>(partitions), 0);
  std::vector<int64_t> next(static_cast<size_t>(partitions), 0);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  for (int32_t p = 0; p < partitions; ++p) {
    int64_t lo = -1, hi = -1;
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &lo, &hi, 30000);
    if (e) {
      ADD_FAILURE() << "watermarks of " << topic << "-" << p << ": " << rd_kafka_err2str(e);
      rd_kafka_topic_partition_list_destroy(parts);
      return out;
    }
    end[static_cast<size_t>(p)] = hi;
    next[static_cast<size_t>(p)] = lo;
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk.get(), parts);
  rd_kafka_topic_partition_list_destroy(parts);
  auto done = [&] {
    for (size_t i = 0; i < end.size(); ++i)
      if (next[i] < end[i]) return false;
    return true;
  };
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "read_all(" << topic << ") timed out";
      break;
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 200);
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // The end: past a trailing transaction marker, which is no message.
      if (m->partition >= 0 && m->partition < partitions) {
        auto& n = next[static_cast<size_t>(m->partition)];
        n = std::max(n, m->offset);
      }
      rd_kafka_message_destroy(m);
      continue;
    }
    if (m->err) {
      ADD_FAILURE() << "read_all(" << topic << "): " << rd_kafka_message_errstr(m);
      rd_kafka_message_destroy(m);
      break;
    }
    ReadMessage r;
    r.partition = m->partition;
    r.offset = m->offset;
    if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
    if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
    if (m->partition >= 0 && m->partition < partitions)
      next[static_cast<size_t>(m->partition)] = m->offset + 1;
    out.push_back(std::move(r));
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk.get());
  return out;
}

std::map<int32_t, int64_t> committed_offsets(const std::string& bootstrap, const std::string& group,
                                             const std::string& topic, int partitions) {
  std::map<int32_t, int64_t> out;
  RdKafkaPtr rk =
      make_handle(RD_KAFKA_CONSUMER,
                  make_conf(bootstrap, {{"group.id", group}, {"enable.auto.commit", "false"}}));
  if (!rk) return out;
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  for (int32_t p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p);
  rd_kafka_resp_err_t e = rd_kafka_committed(rk.get(), parts, 30000);
  if (e) {
    ADD_FAILURE() << "committed(" << group << "): " << rd_kafka_err2str(e);
  } else {
    for (int i = 0; i < parts->cnt; ++i) out[parts->elems[i].partition] = parts->elems[i].offset;
  }
  rd_kafka_topic_partition_list_destroy(parts);
  rd_kafka_consumer_close(rk.get());
  return out;
}

}  // namespace sluice::testing
