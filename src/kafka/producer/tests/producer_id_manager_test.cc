#include "kafka/producer/producer_id_manager.h"

#include <gtest/gtest.h>

#include <set>

namespace sluice::kafka::producer {
namespace {

class MemoryIdStore final : public ProducerIdStore {
 public:
  Result<std::optional<int64_t>> read() override {
    if (fail_read) return Status::io_error("injected");
    return value;
  }
  Status write(int64_t v) override {
    ++writes;
    if (fail_write) return Status::io_error("injected");
    value = v;
    return Status::ok();
  }
  std::optional<int64_t> value;
  int writes = 0;
  bool fail_read = false;
  bool fail_write = false;
};

TEST(ProducerIdManager, AllocatesFromPersistedBlocks) {
  MemoryIdStore store;
  auto m = ProducerIdManager::open(store, 10);
  ASSERT_TRUE(m.is_ok());
  for (int64_t i = 0; i < 25; ++i) {
    auto r = (*m)->init_producer_id();
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r->producer_id, i);
    EXPECT_EQ(r->epoch, 0);
  }
  EXPECT_EQ(store.writes, 3);  // blocks [0,10), [10,20), [20,30)
  EXPECT_EQ(store.value, 30);
  EXPECT_EQ((*m)->allocated(), 25u);
}

TEST(ProducerIdManager, RestartNeverReusesAnId) {
  MemoryIdStore store;
  std::set<int64_t> seen;
  for (int restart = 0; restart < 4; ++restart) {
    auto m = ProducerIdManager::open(store, 7);
    ASSERT_TRUE(m.is_ok());
    for (int i = 0; i < 5; ++i) {
      auto r = (*m)->init_producer_id();
      ASSERT_TRUE(r.is_ok());
      EXPECT_TRUE(seen.insert(r->producer_id).second) << r->producer_id;
    }
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST(ProducerIdManager, ReinitWithCurrentEpochBumpsIt) {
  MemoryIdStore store;
  auto m = std::move(ProducerIdManager::open(store).value());
  ProducerIdAndEpoch first = m->init_producer_id().value();
  auto bumped = m->init_producer_id(first);
  ASSERT_TRUE(bumped.is_ok());
  EXPECT_EQ(bumped->producer_id, first.producer_id);
  EXPECT_EQ(bumped->epoch, 1);
  // A stale epoch, or an id this process never issued, gets a fresh id.
  auto stale = m->init_producer_id(first);
  EXPECT_NE(stale->producer_id, first.producer_id);
  EXPECT_EQ(stale->epoch, 0);
  auto foreign = m->init_producer_id(ProducerIdAndEpoch{999999, 3});
  EXPECT_NE(foreign->producer_id, 999999);
  EXPECT_EQ(foreign->epoch, 0);
}

TEST(ProducerIdManager, ExhaustedEpochGetsAFreshId) {
  MemoryIdStore store;
  auto m = std::move(ProducerIdManager::open(store).value());
  ProducerIdAndEpoch cur = m->init_producer_id().value();
  int64_t pid = cur.producer_id;
  for (int i = 0; i < 32766; ++i) cur = m->init_producer_id(cur).value();
  EXPECT_EQ(cur.producer_id, pid);
  EXPECT_EQ(cur.epoch, 32766);
  ProducerIdAndEpoch next = m->init_producer_id(cur).value();
  EXPECT_NE(next.producer_id, pid);
  EXPECT_EQ(next.epoch, 0);
}

TEST(ProducerIdManager, StoreFailures) {
  MemoryIdStore store;
  store.fail_read = true;
  EXPECT_FALSE(ProducerIdManager::open(store).is_ok());
  store.fail_read = false;
  store.value = -5;
  EXPECT_EQ(ProducerIdManager::open(store).status().code(), StatusCode::kCorruption);
  store.value = 100;
  auto m = std::move(ProducerIdManager::open(store, 10).value());
  store.fail_write = true;
  EXPECT_FALSE(m->init_producer_id().is_ok());  // nothing handed out without a reservation
  store.fail_write = false;
  EXPECT_EQ(m->init_producer_id()->producer_id, 100);
  EXPECT_EQ(store.value, 110);
}

}  // namespace
}  // namespace sluice::kafka::producer
