// The in-process transactional producer against a real broker and log: committed records become
// readable to read_committed readers (the LSO moves past them), aborted ones are listed as aborted,
// and a second producer with the same transactional id fences the first and aborts what it left
// open.
#include "kafka/server/local_producer.h"

#include <gtest/gtest.h>

#include "common/io_runtime.h"
#include "storage/tests/test_util.h"

namespace sluice::kafka {
namespace {

using sluice::testing::TempDir;

class LocalProducerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = LogManager::open(posix_file_system(), dir_.path(), LogDefaults{});
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    log_ = std::move(log).value();
    auto broker = Broker::open(BrokerConfig{}, *log_, runtime_);
    ASSERT_TRUE(broker.is_ok()) << broker.status().to_string();
    broker_ = std::move(broker).value();
    ASSERT_TRUE(log_->create_topic("out", 2, {}).is_ok());
  }
  void TearDown() override {
    if (broker_) broker_->shutdown();
  }
  int64_t lso(int32_t partition) {
    auto r = LocalReadIsolation(*broker_).last_stable_offset("out", partition);
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? *r : -1;
  }

  TempDir dir_;
  std::unique_ptr<LogManager> log_;
  IoRuntime runtime_{1};
  std::unique_ptr<Broker> broker_;
};

TEST_F(LocalProducerTest, CommitAbortAndFencing) {
  auto p = LocalTransactionalProducer::open(*broker_, "engine-1");
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  std::vector<LocalRecord> two{{1, "k", "a"}, {2, "k", "b"}};
  ASSERT_TRUE((*p)->append("out", 0, two).is_ok());
  ASSERT_TRUE((*p)->append("out", 1, two).is_ok());
  EXPECT_EQ(lso(0), 0);  // open: nothing stable yet
  ASSERT_TRUE((*p)->commit().is_ok());
  EXPECT_EQ(lso(0), 3);  // two records and the commit marker
  EXPECT_EQ(lso(1), 3);

  ASSERT_TRUE((*p)->append("out", 0, two).is_ok());
  ASSERT_TRUE((*p)->abort().is_ok());
  EXPECT_EQ(lso(0), 6);
  auto aborted = LocalReadIsolation(*broker_).aborted("out", 0, 0, 6);
  ASSERT_TRUE(aborted.is_ok());
  ASSERT_EQ(aborted->size(), 1u);
  EXPECT_EQ((*aborted)[0].first_offset, 3);
  EXPECT_EQ((*aborted)[0].producer_id, (*p)->producer_id());

  // A new instance with the same id fences the old one and aborts its open transaction.
  ASSERT_TRUE((*p)->append("out", 1, two).is_ok());
  auto q = LocalTransactionalProducer::open(*broker_, "engine-1");
  ASSERT_TRUE(q.is_ok()) << q.status().to_string();
  EXPECT_GT((*q)->epoch(), (*p)->epoch());
  EXPECT_EQ(lso(1), 6);
  EXPECT_FALSE((*p)->append("out", 0, two).is_ok());
  EXPECT_FALSE((*p)->commit().is_ok());
  ASSERT_TRUE((*q)->append("out", 0, two).is_ok());
  ASSERT_TRUE((*q)->commit().is_ok());
  EXPECT_EQ(lso(0), 9);
}

}  // namespace
}  // namespace sluice::kafka
