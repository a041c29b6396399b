#include "tests/kafka/rdkafka_roles.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace sluice::testing {

std::string message_value(int32_t partition, int64_t seq, size_t size) {
  std::string v = "p" + std::to_string(partition) + "-s" + std::to_string(seq);
  if (v.size() < size) v.append(size - v.size(), '.');
  return v;
}

bool parse_message_value(const std::string& value, int32_t& partition, int64_t& seq) {
  long long s = -1;
  int p = -1;
  if (std::sscanf(value.c_str(), "p%d-s%lld", &p, &s) != 2) return false;
  partition = p;
  seq = s;
  return true;
}

Producer::Producer(const std::string& bootstrap, const std::string& topic, const ConfigPairs& extra)
    : topic_(topic) {
  rd_kafka_conf_t* conf = make_conf(bootstrap, extra);
  if (conf) {
    rd_kafka_conf_set_dr_msg_cb(conf, &Producer::on_delivery);
    rd_kafka_conf_set_opaque(conf, this);
  }
  rk_ = make_handle(RD_KAFKA_PRODUCER, conf);
}

Producer::~Producer() {
  if (rk_) rd_kafka_flush(rk_.get(), 10000);
}

void Producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  auto seq = static_cast<int64_t>(reinterpret_cast<intptr_t>(m->_private));
  std::lock_guard lock(self->mu_);
  if (m->err) {
    self->failed_[seq] = rd_kafka_err2str(m->err);
  } else {
    self->acked_.insert(seq);
  }
}

void Producer::produce(int32_t partition, int64_t seq, size_t value_size) {
  if (!rk_) return;
  std::string key = std::to_string(seq);
  std::string value = message_value(partition, seq, value_size);
  while (true) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_TOPIC(topic_.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(value.data(), value.size()),
        // librdkafka's per-message opaque is a void*: the sequence number rides in it.
        // NOLINTNEXTLINE(performance-no-int-to-ptr): an integer in an opaque void*.
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<intptr_t>(seq))), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk_.get(), 10);
      continue;
    }
    if (err) ADD_FAILURE() << "produce " << seq << ": " << rd_kafka_err2str(err);
    break;
  }
  rd_kafka_poll(rk_.get(), 0);
}

bool Producer::flush(int timeout_ms) {
  return rk_ && rd_kafka_flush(rk_.get(), timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

std::set<int64_t> Producer::acked() const {
  std::lock_guard lock(mu_);
  return acked_;
}

std::map<int64_t, std::string> Producer::failed() const {
  std::lock_guard lock(mu_);
  return failed_;
}

std::string Producer::fatal_error() const {
  if (!rk_) return "no producer";
  char buf[512];
  rd_kafka_resp_err_t e = rd_kafka_fatal_error(rk_.get(), buf, sizeof(buf));
  return e ? std::string(buf) : "";
}

void Sink::record(int32_t partition, int64_t offset, const std::string& value) {
  int32_t p = -1;
  int64_t seq = -1;
  std::lock_guard lock(mu_);
  ++total_;
  first_offset_.emplace(partition, offset);
  if (!parse_message_value(value, p, seq) || p != partition) {
    anomalies_.push_back("partition " + std::to_string(partition) + " offset " +
                         std::to_string(offset) + ": " + value.substr(0, 40));
    return;
  }
  ++count_[seq];
}

void Sink::new_phase() {
  std::lock_guard lock(mu_);
  first_offset_.clear();
}

size_t Sink::distinct() const {
  std::lock_guard lock(mu_);
  return count_.size();
}

size_t Sink::total() const {
  std::lock_guard lock(mu_);
  return total_;
}

std::map<int32_t, int64_t> Sink::first_offsets() const {
  std::lock_guard lock(mu_);
  return first_offset_;
}

std::vector<std::string> Sink::anomalies() const {
  std::lock_guard lock(mu_);
  return anomalies_;
}

std::set<int64_t> Sink::seen() const {
  std::lock_guard lock(mu_);
  std::set<int64_t> s;
  for (const auto& [seq, n] : count_) s.insert(seq);
  return s;
}

GroupMember::GroupMember(std::string name, const std::string& bootstrap, const std::string& group,
                         const std::string& topic, Sink& sink, const ConfigPairs& extra)
    : name_(std::move(name)), sink_(sink) {
  ConfigPairs pairs = {{"group.id", group},
                       {"client.id", name_},
                       {"enable.auto.commit", "false"},
                       {"auto.offset.reset", "earliest"},
                       {"session.timeout.ms", "6000"},
                       {"heartbeat.interval.ms", "500"},
                       {"fetch.wait.max.ms", "100"}};
  pairs.insert(pairs.end(), extra.begin(), extra.end());
  rd_kafka_conf_t* conf = make_conf(bootstrap, pairs);
  if (conf) {
    rd_kafka_conf_set_rebalance_cb(conf, &GroupMember::on_rebalance);
    rd_kafka_conf_set_opaque(conf, this);
  }
  rk_ = make_handle(RD_KAFKA_CONSUMER, conf);
  if (!rk_) return;
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_.get(), topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (e) ADD_FAILURE() << name_ << ": subscribe: " << rd_kafka_err2str(e);
  thread_ = std::thread([this] { run(); });
}

GroupMember::~GroupMember() {
  close();
}

// Commit what was consumed before giving partitions up, so that the next owner resumes exactly
// where this member stopped. Eager protocols revoke and assign everything; the cooperative one
// (cooperative-sticky) hands over only the partitions that move.
void GroupMember::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                               rd_kafka_topic_partition_list_t* parts, void* opaque) {
  auto* self = static_cast<GroupMember*>(opaque);
  bool cooperative = std::string(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
  std::string failure;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative) {
      rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, parts);
      if (e) {
        failure = std::string("incremental_assign: ") + rd_kafka_error_string(e);
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk, parts);
    }
  } else {
    rd_kafka_resp_err_t e = rd_kafka_commit(rk, nullptr, 0);
    if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
      failure = std::string("commit on revoke: ") + rd_kafka_err2str(e);
    if (cooperative) {
      rd_kafka_error_t* e2 = rd_kafka_incremental_unassign(rk, parts);
      if (e2) {
        failure = std::string("incremental_unassign: ") + rd_kafka_error_string(e2);
        rd_kafka_error_destroy(e2);
      }
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }
  // The current assignment as librdkafka sees it; not while the member closes, where
  // rd_kafka_assignment() from the rebalance callback can wait forever for the handle's main
  // queue (seen as a hang of rd_kafka_consumer_close): a closing member has none left.
  rd_kafka_topic_partition_list_t* now = nullptr;
  if (!self->stop_) rd_kafka_assignment(rk, &now);
  std::lock_guard lock(self->mu_);
  if (!failure.empty()) self->errors_.push_back(failure);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) ++self->assignments_;
  self->assignment_.clear();
  if (now) {
    for (int i = 0; i < now->cnt; ++i) self->assignment_.insert(now->elems[i].partition);
    rd_kafka_topic_partition_list_destroy(now);
  }
}

void GroupMember::run() {
  auto last_commit = std::chrono::steady_clock::now();
  while (!stop_) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), 100);
    if (m) {
      if (m->err) {
        // Transport errors are expected while the broker restarts; librdkafka recovers.
        if (m->err != RD_KAFKA_RESP_ERR__TRANSPORT && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF &&
            m->err != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
          std::lock_guard lock(mu_);
          errors_.push_back(rd_kafka_message_errstr(m));
        }
      } else {
        sink_.record(m->partition, m->offset,
                     std::string(static_cast<const char*>(m->payload), m->len));
      }
      rd_kafka_message_destroy(m);
    }
    if (std::chrono::steady_clock::now() - last_commit > std::chrono::milliseconds(200)) {
      rd_kafka_commit(rk_.get(), nullptr, 1);  // async: the outcome does not matter here
      last_commit = std::chrono::steady_clock::now();
    }
  }
}

void GroupMember::close() {
  if (!rk_ || !thread_.joinable()) return;
  stop_ = true;
  thread_.join();
  rd_kafka_resp_err_t e = rd_kafka_commit(rk_.get(), nullptr, 0);
  if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    std::lock_guard lock(mu_);
    errors_.push_back(std::string("final commit: ") + rd_kafka_err2str(e));
  }
  rd_kafka_consumer_close(rk_.get());
  std::lock_guard lock(mu_);
  assignment_.clear();
}

std::set<int32_t> GroupMember::assignment() const {
  std::lock_guard lock(mu_);
  return assignment_;
}

int GroupMember::assignments() const {
  std::lock_guard lock(mu_);
  return assignments_;
}

std::vector<std::string> GroupMember::errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

}  // namespace sluice::testing
