// Kafka transactions through librdkafka's transactional producer and read_committed consumers:
// commit and abort, consume-transform-produce with the consumer's offsets in the transaction,
// fencing by a new incarnation, the coordinator aborting a transaction past its timeout, and the
// broker killed (SIGKILL) in the middle of a transaction.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/kafka/rdkafka_client.h"
#include "tests/support/sluice_process.h"
#include "tests/support/sluice_server_test.h"

namespace sluice::testing {
namespace {

using std::chrono::seconds;

const ConfigPairs kReadCommitted = {{"isolation.level", "read_committed"}};
const ConfigPairs kReadUncommitted = {{"isolation.level", "read_uncommitted"}};

class TransactionsTest : public SluiceServerTest {
 protected:
  RdKafkaPtr transactional_producer(const std::string& id, int timeout_ms = 60000) {
    RdKafkaPtr p =
        make_handle(RD_KAFKA_PRODUCER,
                    make_conf(bootstrap(), {{"transactional.id", id},
                                            {"transaction.timeout.ms", std::to_string(timeout_ms)},
                                            {"linger.ms", "5"}}));
    if (!p) return p;
    rd_kafka_error_t* e = rd_kafka_init_transactions(p.get(), 30000);
    if (e) {
      ADD_FAILURE() << "init_transactions: " << rd_kafka_error_string(e);
      rd_kafka_error_destroy(e);
      return nullptr;
    }
    return p;
  }
};

// Fails the test with the error's text; true if there was none.
bool ok(rd_kafka_error_t* e, const char* what) {
  if (!e) return true;
  ADD_FAILURE() << what << ": " << rd_kafka_error_string(e);
  rd_kafka_error_destroy(e);
  return false;
}

void produce(rd_kafka_t* p, const std::string& topic, int32_t partition, const std::string& key,
             const std::string& value) {
  rd_kafka_resp_err_t err =
      rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                        RD_KAFKA_V_KEY(key.data(), key.size()),
                        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
}

std::vector<std::string> values(const std::vector<ReadMessage>& msgs) {
  std::vector<std::string> out;
  out.reserve(msgs.size());
  for (const auto& m : msgs) out.push_back(m.value);
  return out;
}

std::vector<std::string> values_of_partition(const std::vector<ReadMessage>& msgs, int32_t p) {
  std::vector<std::string> out;
  for (const auto& m : msgs) {
    if (m.partition == p) out.push_back(m.value);
  }
  return out;
}

TEST_F(TransactionsTest, ReadCommittedSeesCommittedTransactionsOnly) {
  ASSERT_EQ(create_topic(bootstrap(), "t", 2), "");
  RdKafkaPtr p = transactional_producer("app");
  ASSERT_TRUE(p);

  ASSERT_TRUE(ok(rd_kafka_begin_transaction(p.get()), "begin"));
  for (int i = 0; i < 5; ++i) produce(p.get(), "t", i % 2, "k", "c1-" + std::to_string(i));
  ASSERT_TRUE(ok(rd_kafka_commit_transaction(p.get(), 30000), "commit"));

  ASSERT_TRUE(ok(rd_kafka_begin_transaction(p.get()), "begin"));
  for (int i = 0; i < 5; ++i) produce(p.get(), "t", i % 2, "k", "a-" + std::to_string(i));
  ASSERT_EQ(rd_kafka_flush(p.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_TRUE(ok(rd_kafka_abort_transaction(p.get(), 30000), "abort"));

  ASSERT_TRUE(ok(rd_kafka_begin_transaction(p.get()), "begin"));
  for (int i = 0; i < 3; ++i) produce(p.get(), "t", 0, "k", "c2-" + std::to_string(i));
  ASSERT_TRUE(ok(rd_kafka_commit_transaction(p.get(), 30000), "commit"));

  auto committed = read_all(bootstrap(), "t", 2, seconds(60), kReadCommitted);
  EXPECT_EQ(values_of_partition(committed, 0),
            (std::vector<std::string>{"c1-0", "c1-2", "c1-4", "c2-0", "c2-1", "c2-2"}));
  EXPECT_EQ(values_of_partition(committed, 1), (std::vector<std::string>{"c1-1", "c1-3"}));

  // read_uncommitted sees the aborted records too (never the markers).
  auto all = read_all(bootstrap(), "t", 2, seconds(60), kReadUncommitted);
  EXPECT_EQ(values_of_partition(all, 1), (std::vector<std::string>{"c1-1", "c1-3", "a-1", "a-3"}));
}

// The SQL engine reads read_committed: a stream over a transactional topic shows the committed
// records only, and a pull query (a scan) ends although the topic ends with an abort marker.
TEST_F(TransactionsTest, SqlReadsCommittedRecordsAndScansEndAfterAMarker) {
  ASSERT_EQ(create_topic(bootstrap(), "tx", 1), "");
  RdKafkaPtr p = transactional_producer("app");
  ASSERT_TRUE(p);
  ASSERT_TRUE(ok(rd_kafka_begin_transaction(p.get()), "begin"));
  produce(p.get(), "tx", 0, "k", R"({"V": 1})");
  ASSERT_TRUE(ok(rd_kafka_commit_transaction(p.get(), 30000), "commit"));
  ASSERT_TRUE(ok(rd_kafka_begin_transaction(p.get()), "begin"));
  produce(p.get(), "tx", 0, "k", R"({"V": 2})");
  ASSERT_EQ(rd_kafka_flush(p.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_TRUE(ok(rd_kafka_abort_transaction(p.get(), 30000), "abort"));
  std::string url = "http://127.0.0.1:" + std::to_string(server_->http_port());
  CommandResult created = run_command(
      {"curl", "-sS", "-X", "POST", "--data-binary",
       R"({"ksql": "CREATE STREAM tx (v INT) WITH (kafka_topic='tx', value_format='JSON');"})",
       url + "/ksql"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  CommandResult scan =
      run_command({"curl", "-sS", "--max-time", "20", "-X", "POST", "--data-binary",
                   R"({"sql": "SELECT v FROM tx;"})", url + "/query-stream"});
  ASSERT_EQ(scan.exit_code, 0) << scan.err;
  std::vector<std::string> lines = non_empty_lines(scan.out);
  ASSERT_EQ(lines.size(), 2u) << scan.out;
  EXPECT_EQ(lines[1], "[1]");
}

TEST_F(TransactionsTest, AnOpenTransactionHoldsBackReadCommittedConsumers) {
  ASSERT_EQ(create_topic(bootstrap(), "t", 1), "");
  RdKafkaPtr plain = make_handle(RD_KAFKA_PRODUCER, make_conf(bootstrap(), {}));
  ASSERT_TRUE(plain);
  produce(plain.get(), "t", 0, "k", "before");
  ASSERT_EQ(rd_kafka_flush(plain.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);

  RdKafkaPtr p = transactional_producer("app");
  ASSERT_TRUE(p);
  ASSERT_TRUE(ok(rd_kafka_begin_transaction(p.get()), "begin"));
  produce(p.get(), "t", 0, "k", "open");
  ASSERT_EQ(rd_kafka_flush(p.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  // Records after the open transaction's first one wait for it, even non-transactional ones.
  produce(plain.get(), "t", 0, "k", "after");
  ASSERT_EQ(rd_kafka_flush(plain.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);

  RdKafkaPtr c = make_handle(
      RD_KAFKA_CONSUMER,
      make_conf(bootstrap(), {{"group.id", "lso"}, {"isolation.level", "read_committed"}}));
  ASSERT_TRUE(c);
  int64_t lo = -1, hi = -1;
  ASSERT_EQ(rd_kafka_query_watermark_offsets(c.get(), "t", 0, &lo, &hi, 30000),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(hi, 1) << "the high end for read_committed is the last stable offset";
  EXPECT_EQ(values(read_all(bootstrap(), "t", 1, seconds(60), kReadCommitted)),
            (std::vector<std::string>{"before"}));

  ASSERT_TRUE(ok(rd_kafka_commit_transaction(p.get(), 30000), "commit"));
  EXPECT_EQ(values(read_all(bootstrap(), "t", 1, seconds(60), kReadCommitted)),
            (std::vector<std::string>{"before", "open", "after"}));
  rd_kafka_consumer_close(c.get());
}

// Consume-transform-produce: the input offsets are committed with the outputs, or not at all.
TEST_F(TransactionsTest, OffsetsCommitWithTheTransaction) {
  ASSERT_EQ(create_topic(bootstrap(), "in", 1), "");
  ASSERT_EQ(create_topic(bootstrap(), "out", 1), "");
  RdKafkaPtr consumer = make_handle(
      RD_KAFKA_CONSUMER, make_conf(bootstrap(), {{"group.id", "ctp"},
                                                 {"enable.auto.commit", "false"},
                                                 {"isolation.level", "read_committed"}}));
  ASSERT_TRUE(consumer);
  rd_kafka_consumer_group_metadata_t* cgmd = rd_kafka_consumer_group_metadata(consumer.get());
  RdKafkaPtr p = transactional_producer("ctp-app");
  ASSERT_TRUE(p);

  auto send_offsets = [&](int64_t offset) {
    rd_kafka_topic_partition_list_t* offs = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(offs, "in", 0)->offset = offset;
    rd_kafka_error_t* e = rd_kafka_send_offsets_to_transaction(p.get(), offs, cgmd, 30000);
    rd_kafka_topic_partition_list_destroy(offs);
    return ok(e, "send_offsets_to_transaction");
  };
  ASSERT_TRUE(ok(rd_kafka_begin_transaction(p.get()), "begin"));
  produce(p.get(), "out", 0, "k", "x");
  ASSERT_TRUE(send_offsets(10));
  ASSERT_TRUE(ok(rd_kafka_commit_transaction(p.get(), 30000), "commit"));
  EXPECT_EQ(committed_offsets(bootstrap(), "ctp", "in", 1)[0], 10);

  ASSERT_TRUE(ok(rd_kafka_begin_transaction(p.get()), "begin"));
  produce(p.get(), "out", 0, "k", "y");
  ASSERT_TRUE(send_offsets(20));
  ASSERT_TRUE(ok(rd_kafka_abort_transaction(p.get(), 30000), "abort"));
  EXPECT_EQ(committed_offsets(bootstrap(), "ctp", "in", 1)[0], 10);
  EXPECT_EQ(values(read_all(bootstrap(), "out", 1, seconds(60), kReadCommitted)),
            (std::vector<std::string>{"x"}));
  rd_kafka_consumer_group_metadata_destroy(cgmd);
  rd_kafka_consumer_close(consumer.get());
}

// KIP-447: a read_committed consumer asks for stable offsets; while a transaction holds offsets
// of its group it waits for the outcome instead of starting from the older committed offset.
TEST_F(TransactionsTest, ReadCommittedConsumersWaitForPendingTransactionalOffsets) {
  ASSERT_EQ(create_topic(bootstrap(), "in", 1), "");
  RdKafkaPtr consumer = make_handle(
      RD_KAFKA_CONSUMER, make_conf(bootstrap(), {{"group.id", "stable"},
                                                 {"enable.auto.commit", "false"},
                                                 {"isolation.level", "read_committed"}}));
  ASSERT_TRUE(consumer);
  rd_kafka_consumer_group_metadata_t* cgmd = rd_kafka_consumer_group_metadata(consumer.get());
  RdKafkaPtr p = transactional_producer("stable-app");
  ASSERT_TRUE(p);
  ASSERT_TRUE(ok(rd_kafka_begin_transaction(p.get()), "begin"));
  rd_kafka_topic_partition_list_t* offs = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(offs, "in", 0)->offset = 42;
  ASSERT_TRUE(ok(rd_kafka_send_offsets_to_transaction(p.get(), offs, cgmd, 30000), "send"));
  rd_kafka_topic_partition_list_destroy(offs);
  rd_kafka_consumer_group_metadata_destroy(cgmd);

  std::thread committer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_TRUE(ok(rd_kafka_commit_transaction(p.get(), 30000), "commit"));
  });
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, "in", 0)->offset = RD_KAFKA_OFFSET_INVALID;
  EXPECT_EQ(rd_kafka_committed(consumer.get(), parts, 20000), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(parts->elems[0].offset, 42) << "read an offset the open transaction could change";
  rd_kafka_topic_partition_list_destroy(parts);
  committer.join();
  rd_kafka_consumer_close(consumer.get());
}

TEST_F(TransactionsTest, ANewIncarnationFencesTheOldProducer) {
  ASSERT_EQ(create_topic(bootstrap(), "t", 1), "");
  RdKafkaPtr zombie = transactional_producer("fenced");
  ASSERT_TRUE(zombie);
  ASSERT_TRUE(ok(rd_kafka_begin_transaction(zombie.get()), "begin"));
  produce(zombie.get(), "t", 0, "k", "zombie");
  ASSERT_EQ(rd_kafka_flush(zombie.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);

  RdKafkaPtr fresh = transactional_producer("fenced");
  ASSERT_TRUE(fresh);
  rd_kafka_error_t* e = rd_kafka_commit_transaction(zombie.get(), 30000);
  ASSERT_NE(e, nullptr) << "the fenced producer committed";
  EXPECT_TRUE(rd_kafka_error_is_fatal(e)) << rd_kafka_error_string(e);
  rd_kafka_error_destroy(e);
  char reason[512];
  EXPECT_EQ(rd_kafka_fatal_error(zombie.get(), reason, sizeof(reason)), RD_KAFKA_RESP_ERR__FENCED)
      << reason;

  ASSERT_TRUE(ok(rd_kafka_begin_transaction(fresh.get()), "begin"));
  produce(fresh.get(), "t", 0, "k", "fresh");
  ASSERT_TRUE(ok(rd_kafka_commit_transaction(fresh.get(), 30000), "commit"));
  EXPECT_EQ(values(read_all(bootstrap(), "t", 1, seconds(60), kReadCommitted)),
            (std::vector<std::string>{"fresh"}));
}

TEST_F(TransactionsTest, TheCoordinatorAbortsATransactionPastItsTimeout) {
  ASSERT_EQ(create_topic(bootstrap(), "t", 1), "");
  RdKafkaPtr slow = transactional_producer("slow", 1500);
  ASSERT_TRUE(slow);
  ASSERT_TRUE(ok(rd_kafka_begin_transaction(slow.get()), "begin"));
  produce(slow.get(), "t", 0, "k", "late");
  ASSERT_EQ(rd_kafka_flush(slow.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  rd_kafka_error_t* e = rd_kafka_commit_transaction(slow.get(), 30000);
  ASSERT_NE(e, nullptr) << "a timed-out transaction committed";
  rd_kafka_error_destroy(e);

  // The aborted transaction no longer holds back the partition.
  RdKafkaPtr next = transactional_producer("next");
  ASSERT_TRUE(next);
  ASSERT_TRUE(ok(rd_kafka_begin_transaction(next.get()), "begin"));
  produce(next.get(), "t", 0, "k", "on-time");
  ASSERT_TRUE(ok(rd_kafka_commit_transaction(next.get(), 30000), "commit"));
  EXPECT_EQ(values(read_all(bootstrap(), "t", 1, seconds(60), kReadCommitted)),
            (std::vector<std::string>{"on-time"}));
  std::string metrics = http_get(server_->http_port(), "/metrics");
  EXPECT_NE(metrics.find("sluice_kafka_transactions_timed_out_total 1"), std::string::npos)
      << metrics;
}

// SIGKILL with a transaction open: after the restart the transaction goes on (its state and
// records were durable) and commits as a whole; a second one killed before its commit stays
// invisible and is aborted when its producer re-initialises.
TEST_F(TransactionsTest, TheBrokerKilledInTheMiddleOfATransaction) {
  ASSERT_EQ(create_topic(bootstrap(), "t", 2), "");
  {
    RdKafkaPtr p = transactional_producer("survivor");
    ASSERT_TRUE(p);
    ASSERT_TRUE(ok(rd_kafka_begin_transaction(p.get()), "begin"));
    produce(p.get(), "t", 0, "k", "s0");
    produce(p.get(), "t", 1, "k", "s1");
    ASSERT_EQ(rd_kafka_flush(p.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    server_->kill();
    server_->start();
    produce(p.get(), "t", 0, "k", "s2");
    ASSERT_TRUE(ok(rd_kafka_commit_transaction(p.get(), 60000), "commit after the restart"));
  }
  auto got = read_all(bootstrap(), "t", 2, seconds(60), kReadCommitted);
  EXPECT_EQ(values_of_partition(got, 0), (std::vector<std::string>{"s0", "s2"}));
  EXPECT_EQ(values_of_partition(got, 1), (std::vector<std::string>{"s1"}));

  {
    RdKafkaPtr p = transactional_producer("lost");
    ASSERT_TRUE(p);
    ASSERT_TRUE(ok(rd_kafka_begin_transaction(p.get()), "begin"));
    produce(p.get(), "t", 1, "k", "lost");
    ASSERT_EQ(rd_kafka_flush(p.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    server_->kill();
  }
  server_->start();
  RdKafkaPtr again = transactional_producer("lost");  // aborts the open transaction
  ASSERT_TRUE(again);
  ASSERT_TRUE(ok(rd_kafka_begin_transaction(again.get()), "begin"));
  produce(again.get(), "t", 1, "k", "found");
  ASSERT_TRUE(ok(rd_kafka_commit_transaction(again.get(), 30000), "commit"));
  got = read_all(bootstrap(), "t", 2, seconds(60), kReadCommitted);
  EXPECT_EQ(values_of_partition(got, 1), (std::vector<std::string>{"s1", "found"}));
}

}  // namespace
}  // namespace sluice::testing
