#include "tests/kafka/rdkafka_admin.h"

#include <gtest/gtest.h>

namespace sluice::testing {

EventPtr admin_call(rd_kafka_t* rk, const std::function<void(rd_kafka_queue_t*)>& start,
                    int timeout_ms) {
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  start(q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, timeout_ms);
  rd_kafka_queue_destroy(q);
  if (!ev) ADD_FAILURE() << "admin request timed out after " << timeout_ms << " ms";
  return EventPtr(ev);
}

std::string event_error(rd_kafka_event_t* ev) {
  if (!ev) return "no result";
  if (!rd_kafka_event_error(ev)) return "";
  const char* s = rd_kafka_event_error_string(ev);
  return s ? s : rd_kafka_err2str(rd_kafka_event_error(ev));
}

}  // namespace sluice::testing
