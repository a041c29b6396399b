// The engine running a persistent query over the storage log.
#include "sql/engine/log_topic_store.h"

#include <gtest/gtest.h>

#include "sql/engine/engine.h"
#include "storage/tests/test_util.h"

namespace sluice::sql {
namespace {

using sluice::testing::TempDir;

TEST(LogTopicStore, EngineRunsOverTheLog) {
  TempDir dir;
  LogDefaults d;
  d.fsync = FsyncPolicy::kNever;
  auto log = LogManager::open(posix_file_system(), dir.path(), d);
  ASSERT_TRUE(log.is_ok()) << log.status().to_string();
  LogTopicStore store(**log);
  ASSERT_TRUE(store.create("orders", 2).is_ok());
  EXPECT_TRUE(store.exists("orders"));
  EXPECT_EQ(store.partitions("orders"), 2);

  Engine engine(store);
  ASSERT_TRUE(
      engine
          .execute_script("CREATE STREAM ORDERS (ID BIGINT KEY, AMOUNT DOUBLE, ITEM STRING) WITH "
                          "(kafka_topic='orders', value_format='JSON');"
                          "CREATE STREAM BIG AS SELECT ID, UCASE(ITEM) AS ITEM FROM ORDERS WHERE "
                          "AMOUNT > 10;")
          .is_ok());
  ASSERT_TRUE(store.exists("BIG"));
  for (int p = 0; p < 2; ++p) {
    std::vector<TopicRecord> batch;
    for (int i = 0; i < 3; ++i) {
      TopicRecord r;
      r.timestamp = 1000 + i;
      r.value = "{\"AMOUNT\": " + std::to_string(5 + 10 * i) + ", \"ITEM\": \"x" +
                std::to_string(p) + std::to_string(i) + "\"}";
      batch.push_back(std::move(r));
    }
    ASSERT_TRUE(store.append("orders", p, std::move(batch)).is_ok());
  }
  auto n = engine.poll();
  ASSERT_TRUE(n.is_ok()) << n.status().to_string();
  EXPECT_EQ(*n, 6u);
  size_t out = 0;
  for (int p = 0; p < store.partitions("BIG"); ++p) {
    auto recs = store.read("BIG", p, 0, 100);
    ASSERT_TRUE(recs.is_ok());
    for (const TopicRecord& r : *recs) {
      ASSERT_TRUE(r.value.has_value());
      EXPECT_NE(r.value->find("\"ITEM\":\"X"), std::string::npos) << *r.value;
      ++out;
    }
  }
  EXPECT_EQ(out, 4u);  // amounts 15 and 25 in each partition
  // Polling again finds nothing new.
  EXPECT_EQ(*engine.poll(), 0u);

  // Headers survive the log.
  ASSERT_TRUE(store.create("h", 1).is_ok());
  TopicRecord r;
  r.value = "v";
  r.headers = {{"k1", "a"}, {"k2", std::nullopt}};
  std::vector<TopicRecord> one;
  one.push_back(r);
  ASSERT_TRUE(store.append("h", 0, std::move(one)).is_ok());
  auto back = store.read("h", 0, 0, 10);
  ASSERT_TRUE(back.is_ok());
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].headers, r.headers);
}

TEST(LogTopicStore, AppendsManyRecordsInBatchesUnderMaxMessageBytesAndReadsViews) {
  TempDir dir;
  LogDefaults d;
  d.fsync = FsyncPolicy::kNever;
  auto log = LogManager::open(posix_file_system(), dir.path(), d);
  ASSERT_TRUE(log.is_ok()) << log.status().to_string();
  ASSERT_TRUE((*log)->create_topic("t", 1, {{"max.message.bytes", "1000"}}).is_ok());
  LogTopicStore store(**log);
  // 50 records of ~100 bytes: more than one batch may hold, so one append must split them.
  std::vector<TopicRecord> records;
  for (int i = 0; i < 50; ++i) {
    TopicRecord& r = records.emplace_back();
    r.timestamp = 5000 - i;  // out of order: negative deltas
    if (i % 7 == 0) r.key = "k" + std::to_string(i);
    if (i % 11 != 3) r.value = std::string(90, static_cast<char>('a' + i % 26));
    if (i == 10) r.headers = {{"h", "x"}, {"n", std::nullopt}};
  }
  auto first = store.append("t", 0, records);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_EQ(*first, 0);
  EXPECT_EQ((*log)->partition("t", 0)->high_watermark().value(), 50);

  TopicReadBuffer buf;
  int64_t from = 3;
  size_t seen = 0;
  while (seen < 47) {
    ASSERT_TRUE(store.read_views("t", 0, from, 10, buf).is_ok());
    ASSERT_FALSE(buf.records.empty());
    ASSERT_LE(buf.records.size(), 10u);
    for (const TopicRecordView& v : buf.records) {
      ASSERT_EQ(v.offset, from);
      const TopicRecord& r = records[static_cast<size_t>(from)];
      EXPECT_EQ(v.timestamp, r.timestamp);
      EXPECT_EQ(v.key.has_value(), r.key.has_value());
      if (r.key) {
        EXPECT_EQ(*v.key, *r.key);
      }
      EXPECT_EQ(v.value.has_value(), r.value.has_value());
      if (r.value) {
        EXPECT_EQ(*v.value, *r.value);
      }
      EXPECT_EQ(std::vector<RecordHeaderKV>(v.headers.begin(), v.headers.end()), r.headers);
      ++from;
      ++seen;
    }
  }
  ASSERT_TRUE(store.read_views("t", 0, from, 10, buf).is_ok());
  EXPECT_TRUE(buf.records.empty());
  // The copying read() agrees.
  auto all = store.read("t", 0, 0, 100);
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), 50u);
  EXPECT_EQ((*all)[49].value, records[49].value);
}

TEST(LogTopicStore, ReadViewsKeepsTheRestOfABatchLargerThanMaxForTheNextRead) {
  TempDir dir;
  LogDefaults d;
  d.fsync = FsyncPolicy::kNever;
  auto log = LogManager::open(posix_file_system(), dir.path(), d);
  ASSERT_TRUE(log.is_ok()) << log.status().to_string();
  ASSERT_TRUE((*log)->create_topic("t", 2, {}).is_ok());
  LogTopicStore store(**log);
  // One append, so one batch of 25 records per partition, read 10 at a time.
  for (int32_t part = 0; part < 2; ++part) {
    std::vector<TopicRecord> records(25);
    for (int i = 0; i < 25; ++i) {
      records[static_cast<size_t>(i)].value = std::to_string(part) + ":" + std::to_string(i);
      if (i == 12) records[12].headers = {{"h", "x"}};
    }
    ASSERT_TRUE(store.append("t", part, records).is_ok());
  }
  auto expect = [&](const TopicReadBuffer& buf, int32_t part, int64_t from, size_t n) {
    ASSERT_EQ(buf.records.size(), n);
    for (size_t i = 0; i < n; ++i) {
      const TopicRecordView& v = buf.records[i];
      int64_t off = from + static_cast<int64_t>(i);
      EXPECT_EQ(v.offset, off);
      ASSERT_TRUE(v.value.has_value());
      EXPECT_EQ(*v.value, std::to_string(part) + ":" + std::to_string(off));
      EXPECT_TRUE(v.padded);
      EXPECT_EQ(v.headers.size(), off == 12 ? 1u : 0u);
    }
  };
  TopicReadBuffer buf;
  ASSERT_TRUE(store.read_views("t", 0, 0, 10, buf).is_ok());
  expect(buf, 0, 0, 10);
  EXPECT_EQ(buf.pending.size(), 15u);  // the rest of the batch, kept
  ASSERT_TRUE(store.read_views("t", 0, 10, 10, buf).is_ok());
  expect(buf, 0, 10, 10);
  // Another partition, or another offset, reads again.
  ASSERT_TRUE(store.read_views("t", 1, 3, 10, buf).is_ok());
  expect(buf, 1, 3, 10);
  ASSERT_TRUE(store.read_views("t", 0, 20, 10, buf).is_ok());
  expect(buf, 0, 20, 5);
  ASSERT_TRUE(store.read_views("t", 1, 13, 10, buf).is_ok());
  expect(buf, 1, 13, 10);
  ASSERT_TRUE(store.read_views("t", 1, 5, 4, buf).is_ok());
  expect(buf, 1, 5, 4);
  ASSERT_TRUE(store.read_views("t", 1, 9, 100, buf).is_ok());
  expect(buf, 1, 9, 16);
  ASSERT_TRUE(store.read_views("t", 1, 25, 10, buf).is_ok());
  EXPECT_TRUE(buf.records.empty());
}

// A query over several partitions whose batches are larger than one poll's worth of records
// reads each batch from the log once: every partition keeps the rest of its batch for its next
// poll (a buffer shared by the partitions dropped it, and every poll read the batch again).
TEST(LogTopicStore, AQueryReadsEachBatchOfEachPartitionOnce) {
  TempDir dir;
  LogDefaults d;
  d.fsync = FsyncPolicy::kNever;
  auto log = LogManager::open(posix_file_system(), dir.path(), d);
  ASSERT_TRUE(log.is_ok()) << log.status().to_string();
  LogTopicStore store(**log);
  constexpr int kPartitions = 3;
  constexpr int kRecords = 6000;  // per partition, in one batch: ~12 polls of 512 records
  ASSERT_TRUE(store.create("in", kPartitions).is_ok());
  uint64_t stored = 0;
  for (int p = 0; p < kPartitions; ++p) {
    std::vector<TopicRecord> batch;
    for (int i = 0; i < kRecords; ++i) {
      TopicRecord r;
      r.value = "{\"V\": " + std::to_string(i) + "}";
      batch.push_back(std::move(r));
    }
    ASSERT_TRUE(store.append("in", p, std::move(batch)).is_ok());
    Partition* part = (*log)->partition("in", p);
    stored += part->stats().size_bytes;
  }
  EngineOptions eo;
  eo.auto_offset_reset = OffsetReset::kEarliest;
  eo.poll_batch_records = 512;
  Engine engine(store, eo);
  ASSERT_TRUE(engine
                  .execute_script("CREATE STREAM S (V INT) WITH (kafka_topic='in', "
                                  "value_format='JSON'); CREATE STREAM O AS SELECT V FROM S;")
                  .is_ok());
  uint64_t before = store.bytes_read();
  size_t total = 0;
  for (;;) {
    auto n = engine.poll();
    ASSERT_TRUE(n.is_ok()) << n.status().to_string();
    if (*n == 0) break;
    total += *n;
  }
  EXPECT_EQ(total, size_t{kPartitions} * kRecords);
  EXPECT_LE(store.bytes_read() - before, stored) << "input batches were read more than once";
}

}  // namespace
}  // namespace sluice::sql
