// Kafka conformance through librdkafka's own APIs (the admin client, the consumer's commits and
// group tools, the transactional producer), for what librdkafka's integration suite found Sluice
// doing differently from Kafka: each test is one such defect's regression test.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/kafka/rdkafka_admin.h"
#include "tests/kafka/rdkafka_client.h"
#include "tests/support/sluice_process.h"

namespace sluice::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<SluiceProcess>(
        dir_.path() + "/data",
        std::vector<std::string>{"--group-initial-rebalance-delay-ms", "100"});
    server_->start();
  }
  void TearDown() override {
    if (!server_->running()) return;
    int status = server_->stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "sluice did not stop cleanly; see " << server_->log_path();
  }
  std::string bootstrap() const { return server_->bootstrap(); }

  TempDir dir_;
  std::unique_ptr<SluiceProcess> server_;
};

// OffsetCommit for a partition that does not exist is refused per partition with
// UNKNOWN_TOPIC_OR_PARTITION (as Kafka does) and stores nothing; the others are committed.
TEST_F(ConformanceTest, OffsetCommitForAMissingPartitionIsRefusedAndNotStored) {
  ASSERT_EQ(create_topic(bootstrap(), "real", 2), "");
  RdKafkaPtr consumer = make_handle(
      RD_KAFKA_CONSUMER,
      make_conf(bootstrap(), {{"group.id", "committer"}, {"enable.auto.commit", "false"}}));
  ASSERT_TRUE(consumer);
  PartitionList offsets;
  offsets.add("real", 0, 5);
  offsets.add("nope", 0, 7);
  offsets.add("real", 9, 7);
  // librdkafka reports the first partition error as the commit's result (its per-partition
  // results go to the offset-commit callback, not back into this list).
  EXPECT_EQ(rd_kafka_commit(consumer.get(), offsets.get(), 0),
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);

  PartitionList committed;
  committed.add("real", 0, RD_KAFKA_OFFSET_INVALID);
  committed.add("nope", 0, RD_KAFKA_OFFSET_INVALID);
  ASSERT_EQ(rd_kafka_committed(consumer.get(), committed.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(committed.get()->elems[0].offset, 5);
  EXPECT_EQ(committed.get()->elems[1].offset, RD_KAFKA_OFFSET_INVALID);
  rd_kafka_consumer_close(consumer.get());
}

}  // namespace
}  // namespace sluice::testing
