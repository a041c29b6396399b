// SqlService: statements survive a restart (command topic replay) and queries resume where their
// checkpoint says, without repeating outputs; bad records land in the error topic.
#include "sql/engine/sql_service.h"

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/clock.h"

#include "storage/tests/test_util.h"

namespace sluice::sql {
namespace {

using sluice::testing::TempDir;

// A log in `dir` that does not fsync (tests).
Result<std::unique_ptr<LogManager>> open_log(const TempDir& dir) {
  LogDefaults d;
  d.fsync = FsyncPolicy::kNever;
  return LogManager::open(posix_file_system(), dir.path(), d);
}

// A log in a temporary directory, a store over it, and the options the tests start (and
// restart) a SqlService with: no background worker unless a test says.
class SqlServiceTest : public ::testing::Test {
 protected:
  SqlServiceTest() : log(open_log(dir)), store(**log) { opts.background_worker = false; }
  // The aggregation state round trip through RocksDB, its source over `partitions` partitions.
  void rocksdb_state_round_trip(int partitions);
  // A service over the log with `opts` (nullptr, and a failure, when it cannot start).
  std::unique_ptr<SqlService> start_service() {
    auto svc = SqlService::start(**log, opts);
    EXPECT_TRUE(svc.is_ok()) << svc.status().to_string();
    return svc ? std::move(svc).value() : nullptr;
  }
  // Appends a record to partition 0 of `topic`, then polls the service's queries.
  void append_and_poll(SqlService& svc, const std::string& topic, const std::string& key,
                       const std::string& value, int64_t timestamp = 0) {
    std::vector<TopicRecord> batch(1);
    batch[0].key = key;
    batch[0].value = value;
    batch[0].timestamp = timestamp;
    ASSERT_TRUE(store.append(topic, 0, std::move(batch)).is_ok());
    ASSERT_TRUE(svc.poll_now().is_ok());
  }

  TempDir dir;
  Result<std::unique_ptr<LogManager>> log;
  LogTopicStore store;
  SqlServiceOptions opts;
};

size_t count(TopicStore& store, const std::string& topic) {
  auto r = store.read(topic, 0, 0, 1000);
  return r ? r->size() : 0;
}

void produce(TopicStore& store, const std::string& value) {
  TopicRecord r;
  r.value = value;
  std::vector<TopicRecord> one;
  one.push_back(std::move(r));
  ASSERT_TRUE(store.append("in", 0, std::move(one)).is_ok());
}

TEST_F(SqlServiceTest, ReplaysStatementsAndResumesFromCheckpoints) {
  opts.background_worker = true;
  opts.poll_interval = std::chrono::milliseconds(5);
  {
    auto svc = SqlService::start(**log, opts);
    ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
    auto r = (*svc)->execute(
        "CREATE STREAM IN_S (V INT) WITH (kafka_topic='in', partitions=1, value_format='JSON');"
        "CREATE STREAM OUT_S AS SELECT V * 10 AS W FROM IN_S;");
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[1].query_id, "CSAS_OUT_S_0");
    produce(store, R"({"V": 1})");
    produce(store, "garbage");
    produce(store, R"({"V": 2})");
    ASSERT_TRUE((*svc)->poll_now().is_ok());
    EXPECT_EQ(count(store, "OUT_S"), 2u);
    EXPECT_EQ((*svc)->record_errors(), 1u);
    EXPECT_EQ(count(store, "_sluice_errors"), 1u);
  }
  {
    auto svc = SqlService::start(**log, opts);
    ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
    ASSERT_EQ((*svc)->queries().size(), 1u);
    ASSERT_TRUE((*svc)->poll_now().is_ok());
    EXPECT_EQ(count(store, "OUT_S"), 2u);  // nothing repeated
    produce(store, R"({"V": 3})");
    // The worker picks it up on its own.
    for (int i = 0; i < 400 && count(store, "OUT_S") < 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(count(store, "OUT_S"), 3u);
    auto bad = (*svc)->execute("CREATE STREAM X AS SELECT NOPE FROM IN_S;");
    EXPECT_FALSE(bad.is_ok());
  }
}

TEST_F(SqlServiceTest, RequestPropertiesApplyToTheRequestAndAreReplayed) {
  auto key_format = [](SqlService& svc, const std::string& name) {
    std::string format;
    auto failure =
        svc.execute_request("DESCRIBE " + name + ";", {}, {}, nullptr,
                            [&](const Statement&, const StatementResult&, Engine& engine) {
                              format = engine.catalog().find_source(name)->key_format.name;
                            });
    EXPECT_FALSE(failure) << failure->status.to_string();
    return format;
  };
  {
    auto svc = SqlService::start(**log);
    ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
    std::vector<std::string> seen;
    auto failure = (*svc)->execute_request(
        "CREATE STREAM A (K STRING KEY, V INT) WITH (kafka_topic='a', partitions=1, "
        "value_format='JSON'); DEFINE t = 'b';"
        "CREATE STREAM B (K STRING KEY, V INT) WITH (kafka_topic='${t}', partitions=1, "
        "value_format='JSON');",
        {{"ksql.persistence.default.format.key", "JSON"}}, {}, nullptr,
        [&](const Statement&, const StatementResult& r, Engine&) {
          seen.push_back(r.statement_text);
        });
    ASSERT_FALSE(failure) << failure->status.to_string();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_NE(seen[2].find("kafka_topic='b'"), std::string::npos) << seen[2];
    // The next request has neither the property nor the variable.
    failure = (*svc)->execute_request(
        "CREATE STREAM C (K STRING KEY, V INT) WITH (kafka_topic='c', partitions=1, "
        "value_format='JSON'); CREATE STREAM D AS SELECT * FROM ${t};",
        {}, {}, nullptr, nullptr);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->statement_text, "CREATE STREAM D AS SELECT * FROM ${t};");
    // A statement the handler refuses fails the request with its kind.
    failure = (*svc)->execute_request(
        "SELECT * FROM A EMIT CHANGES;", {}, {},
        [](const Statement&, std::string_view, Engine&) -> std::optional<Status> {
          return Status::invalid_argument("not here");
        },
        nullptr);
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->kind, StatementKind::kQuery);
    EXPECT_EQ(key_format(**svc, "A"), "JSON");
    EXPECT_EQ(key_format(**svc, "C"), "KAFKA");
  }
  auto svc = SqlService::start(**log);
  ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
  EXPECT_EQ(key_format(**svc, "A"), "JSON");
  EXPECT_EQ(key_format(**svc, "B"), "JSON");
  EXPECT_EQ(key_format(**svc, "C"), "KAFKA");
}

// The values of `key`'s records in `topic`, in order, over its partitions ("null" for a delete).
std::vector<std::string> values_of_key(TopicStore& store, const std::string& topic,
                                       const std::string& key) {
  std::vector<std::string> out;
  for (int32_t p = 0; p < store.partitions(topic); ++p) {
    auto got = store.read(topic, p, 0, 100);
    EXPECT_TRUE(got.is_ok());
    if (!got.is_ok()) continue;
    for (const TopicRecord& r : *got) {
      if (r.key.value_or("") == key) out.push_back(r.value.value_or("null"));
    }
  }
  return out;
}

std::vector<std::string> values(TopicStore& store, const std::string& topic) {
  std::vector<std::string> out;
  auto r = store.read(topic, 0, 0, 1000);
  if (r) {
    for (const TopicRecord& rec : *r) out.push_back(rec.value.value_or("<null>"));
  }
  return out;
}

TEST_F(SqlServiceTest, NewQueriesStartAtTheEndUnlessTheStatementSaysEarliest) {
  auto svc = SqlService::start(**log, opts);
  ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
  auto r = (*svc)->execute(
      "CREATE STREAM IN_S (V INT) WITH (kafka_topic='in', partitions=1, value_format='JSON');");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  produce(store, R"({"V": 1})");
  auto failure = (*svc)->execute_request("CREATE STREAM NEW_ONLY AS SELECT V FROM IN_S;", {}, {},
                                         nullptr, nullptr);
  ASSERT_FALSE(failure) << failure->status.to_string();
  failure = (*svc)->execute_request("CREATE STREAM ALL_OF_IT AS SELECT V FROM IN_S;",
                                    {{"auto.offset.reset", "earliest"}}, {}, nullptr, nullptr);
  ASSERT_FALSE(failure) << failure->status.to_string();
  // A SET inside the request applies to the statements after it.
  failure = (*svc)->execute_request(
      "SET 'ksql.streams.auto.offset.reset'='earliest'; CREATE STREAM ALSO_ALL AS SELECT V FROM "
      "IN_S;",
      {}, {}, nullptr, nullptr);
  ASSERT_FALSE(failure) << failure->status.to_string();
  produce(store, R"({"V": 2})");
  ASSERT_TRUE((*svc)->poll_now().is_ok());
  EXPECT_EQ(values(store, "NEW_ONLY"), (std::vector<std::string>{R"({"V":2})"}));
  EXPECT_EQ(values(store, "ALL_OF_IT"), (std::vector<std::string>{R"({"V":1})", R"({"V":2})"}));
  EXPECT_EQ(values(store, "ALSO_ALL"), (std::vector<std::string>{R"({"V":1})", R"({"V":2})"}));
}

TEST_F(SqlServiceTest, AQueryStartedAtLatestLosesNothingToACrashBeforeItsFirstPoll) {
  // opts.background_worker is false: nothing polls or checkpoints behind the test's back.
  auto crashed = SqlService::start(**log, opts);
  ASSERT_TRUE(crashed.is_ok()) << crashed.status().to_string();
  auto r = (*crashed)->execute(
      "CREATE STREAM IN_S (V INT) WITH (kafka_topic='in', partitions=1, value_format='JSON');");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  produce(store, R"({"V": 1})");
  produce(store, R"({"V": 2})");
  r = (*crashed)->execute("CREATE STREAM OUT_S AS SELECT V * 10 AS W FROM IN_S;");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  // The same through a REST request.
  auto failure = (*crashed)->execute_request("CREATE STREAM REQ_S AS SELECT V FROM IN_S;", {}, {},
                                             nullptr, nullptr);
  ASSERT_FALSE(failure) << failure->status.to_string();
  produce(store, R"({"V": 3})");
  produce(store, R"({"V": 4})");
  // `crashed` never polls again nor stops (no last checkpoint): as if the process died here.
  // A new service over the same log replays the statement, which starts at the end of IN_S
  // now; the checkpoint taken when the statement ran puts it back where it started.
  {
    auto svc = SqlService::start(**log, opts);
    ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
    ASSERT_TRUE((*svc)->poll_now().is_ok());
    EXPECT_EQ(values(store, "OUT_S"), (std::vector<std::string>{R"({"W":30})", R"({"W":40})"}));
    EXPECT_EQ(values(store, "REQ_S"), (std::vector<std::string>{R"({"V":3})", R"({"V":4})"}));
  }
  auto svc = SqlService::start(**log, opts);
  ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
  ASSERT_TRUE((*svc)->poll_now().is_ok());
  EXPECT_EQ(values(store, "OUT_S"),
            (std::vector<std::string>{R"({"W":30})", R"({"W":40})"}));  // once
  EXPECT_EQ(values(store, "REQ_S"), (std::vector<std::string>{R"({"V":3})", R"({"V":4})"}));
}

// The catalog and the query checkpoints are state, not data with a retention: log maintenance
// long after they were written (here 30 days, on a clock moved forward) must keep them, and a
// data dir whose internal topics were created with the default configs is repaired at start-up.
TEST(SqlService, CatalogAndOffsetsOutliveRetention) {
  TempDir dir;
  LogDefaults d;
  d.fsync = FsyncPolicy::kNever;
  d.retention_ms = 7LL * 24 * 3600 * 1000;
  auto log = LogManager::open(posix_file_system(), dir.path(), d);
  ASSERT_TRUE(log.is_ok()) << log.status().to_string();
  LogTopicStore store(**log);
  SqlServiceOptions opts;
  opts.background_worker = false;
  // As older versions created them: no overrides at all.
  ASSERT_TRUE((*log)->create_topic(opts.command_topic, 1, {}).is_ok());
  ASSERT_TRUE((*log)->create_topic(opts.offsets_topic, 1, {}).is_ok());
  {
    auto svc = SqlService::start(**log, opts);
    ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
    auto r = (*svc)->execute(
        "SET 'auto.offset.reset'='earliest';"
        "CREATE STREAM IN_S (V INT) WITH (kafka_topic='in', partitions=1, value_format='JSON');"
        "CREATE STREAM OUT_S AS SELECT V FROM IN_S;");
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    produce(store, R"({"V": 1})");
    ASSERT_TRUE((*svc)->poll_now().is_ok());
    EXPECT_EQ(count(store, "OUT_S"), 1u);
  }
  for (const std::string& t : {opts.command_topic, opts.offsets_topic}) {
    auto info = (*log)->topic_info(t);
    ASSERT_TRUE(info.is_ok());
    EXPECT_EQ(info->config.fsync, FsyncPolicy::kAlways) << t;
    EXPECT_FALSE(info->config.deletes() && info->config.retention_ms >= 0) << t;
  }
  EXPECT_TRUE((*log)->topic_info(opts.offsets_topic)->config.compacts());
  // A month of idleness: every segment is rolled and anything with a retention expires.
  int64_t later = wall_clock_ms() + 30LL * 24 * 3600 * 1000;
  ASSERT_TRUE((*log)->run_maintenance(later).is_ok());
  ASSERT_TRUE((*log)->run_maintenance(later + 1).is_ok());
  EXPECT_EQ((*log)->partition("in", 0)->log_start_offset().value(), 1);  // user data did expire
  produce(store, R"({"V": 2})");
  {
    auto svc = SqlService::start(**log, opts);
    ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
    ASSERT_EQ((*svc)->queries().size(), 1u);  // the catalog is intact
    ASSERT_TRUE((*svc)->poll_now().is_ok());
    // Resumed after V=1 (not at 'latest', which would skip V=2; not from the start). The first
    // output expired with its topic's retention; the second follows it.
    EXPECT_EQ(*store.end_offset("OUT_S", 0), 2);
    auto last = store.read("OUT_S", 0, 1, 10);
    ASSERT_TRUE(last.is_ok());
    ASSERT_EQ(last->size(), 1u);
    EXPECT_EQ(last->front().value, R"({"V":2})");
  }
}

void produce_keyed(TopicStore& store, const std::string& topic, std::optional<std::string> key,
                   std::optional<std::string> value) {
  TopicRecord r;
  r.key = std::move(key);
  r.value = std::move(value);
  std::vector<TopicRecord> one;
  one.push_back(std::move(r));
  ASSERT_TRUE(store.append(topic, 0, std::move(one)).is_ok());
}

// An aggregation's groups survive a restart: they come back from the query's changelog topic, so
// counts go on from where they were instead of starting over; a table source's rows come back
// from its topic, so an update after the restart still retracts the row it replaces.
TEST_F(SqlServiceTest, AggregationStateSurvivesARestart) {
  {
    auto svc = SqlService::start(**log, opts);
    ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
    auto r = (*svc)->execute(
        "CREATE STREAM CLICKS (PAGE STRING) WITH (kafka_topic='clicks', partitions=1, "
        "value_format='JSON');"
        "CREATE TABLE HITS AS SELECT PAGE, COUNT(*) AS N FROM CLICKS GROUP BY PAGE;"
        "CREATE TABLE USERS (ID STRING PRIMARY KEY, REGION STRING) WITH (kafka_topic='users', "
        "partitions=1, value_format='JSON');"
        "CREATE TABLE PER_REGION AS SELECT REGION, COUNT(*) AS N FROM USERS GROUP BY REGION;");
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    produce_keyed(store, "clicks", std::nullopt, R"({"PAGE": "a"})");
    produce_keyed(store, "clicks", std::nullopt, R"({"PAGE": "a"})");
    produce_keyed(store, "users", "u1", R"({"REGION": "east"})");
    ASSERT_TRUE((*svc)->poll_now().is_ok());
    EXPECT_EQ(values(store, "HITS"), (std::vector<std::string>{R"({"N":1})", R"({"N":2})"}));
    EXPECT_TRUE(store.exists(Engine::changelog_topic("CTAS_HITS_0")));
    // The repartition records the checkpoint covers are purged.
    auto repartitioned = store.read(Engine::repartition_topic("CTAS_HITS_0"), 0, 0, 100);
    ASSERT_TRUE(repartitioned.is_ok());
    EXPECT_TRUE(repartitioned->empty());
    EXPECT_EQ(*store.end_offset(Engine::repartition_topic("CTAS_HITS_0"), 0), 2);
  }
  {
    auto svc = SqlService::start(**log, opts);
    ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
    produce_keyed(store, "clicks", std::nullopt, R"({"PAGE": "a"})");
    produce_keyed(store, "users", "u1", R"({"REGION": "west"})");
    ASSERT_TRUE((*svc)->poll_now().is_ok());
    EXPECT_EQ(values(store, "HITS"),
              (std::vector<std::string>{R"({"N":1})", R"({"N":2})", R"({"N":3})"}));
    // u1 left east (retracted: 0) and joined west.
    EXPECT_EQ(values(store, "PER_REGION"),
              (std::vector<std::string>{R"({"N":1})", R"({"N":0})", R"({"N":1})"}));
    // TERMINATE drops the query's state and repartition topics.
    EXPECT_TRUE(store.exists(Engine::repartition_topic("CTAS_HITS_0")));
    ASSERT_TRUE((*svc)->execute("TERMINATE CTAS_HITS_0;").is_ok());
    ASSERT_TRUE((*svc)->poll_now().is_ok());
    EXPECT_FALSE(store.exists(Engine::changelog_topic("CTAS_HITS_0")));
    EXPECT_FALSE(store.exists(Engine::repartition_topic("CTAS_HITS_0")));
  }
}

// ksqlDB's record cache: a buffered aggregation emits each changed group once per checkpoint,
// and the replayed query buffers too (its statement's properties are recorded with it).
TEST_F(SqlServiceTest, BufferedAggregationEmitsAtCheckpointsAcrossRestarts) {
  for (int run = 0; run < 2; ++run) {
    auto svc = SqlService::start(**log, opts);
    ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
    if (run == 0) {
      auto r = (*svc)->execute(
          "CREATE STREAM CLICKS (PAGE STRING) WITH (kafka_topic='clicks', partitions=1, "
          "value_format='JSON');"
          "SET 'ksql.streams.cache.max.bytes.buffering'='10000000';"
          "CREATE TABLE HITS AS SELECT PAGE, COUNT(*) AS N FROM CLICKS GROUP BY PAGE;");
      ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    }
    for (int i = 0; i < 3; ++i) produce_keyed(store, "clicks", std::nullopt, R"({"PAGE": "a"})");
    ASSERT_TRUE((*svc)->poll_now().is_ok());
  }
  EXPECT_EQ(values(store, "HITS"), (std::vector<std::string>{R"({"N":3})", R"({"N":6})"}));
}

// With a state directory, a table source's rows live in RocksDB (its topic is their changelog):
// a restart takes them from the store, not from the topic, so an update after a restart still
// retracts the row it replaces when the topic no longer holds that row; a store that is gone is
// rebuilt from the topic.
TEST_F(SqlServiceTest, TableSourceRowsInRocksDbOutliveTheirTopicsRecords) {
  opts.state_dir = dir.path() + "/state";
  auto run = [&](const std::optional<std::string>& statements, const std::string& user,
                 const std::string& region) {
    auto svc = SqlService::start(**log, opts);
    ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
    if (statements) {
      ASSERT_TRUE((*svc)->execute(*statements).is_ok());
    }
    produce_keyed(store, "users", user, fmt::format(R"({{"REGION": "{}"}})", region));
    ASSERT_TRUE((*svc)->poll_now().is_ok());
  };
  run("CREATE TABLE USERS (ID STRING PRIMARY KEY, REGION STRING) WITH (kafka_topic='users', "
      "partitions=1, value_format='JSON');"
      "CREATE TABLE PER_REGION AS SELECT REGION, COUNT(*) AS N FROM USERS GROUP BY REGION;",
      "u1", "east");
  {
    auto db = state::StateDb::open(opts.state_dir);
    ASSERT_TRUE(db.is_ok()) << db.status().to_string();
    std::vector<std::string> stores = (*db)->stores();
    EXPECT_EQ(
        std::count(stores.begin(), stores.end(), Engine::source_store_name("CTAS_PER_REGION_0", 0)),
        1);
  }
  // Retention took the source's records: only the store knows u1 was in east.
  ASSERT_TRUE(store.delete_before("users", 0, *store.end_offset("users", 0)).is_ok());
  run(std::nullopt, "u1", "west");
  EXPECT_EQ(values(store, "PER_REGION"),
            (std::vector<std::string>{R"({"N":1})", R"({"N":0})", R"({"N":1})"}));
  // Without the store, the rows come back from what the topic holds (u1 in west).
  std::filesystem::remove_all(opts.state_dir);
  run(std::nullopt, "u1", "north");
  EXPECT_EQ(values(store, "PER_REGION"),
            (std::vector<std::string>{R"({"N":1})", R"({"N":0})", R"({"N":1})", R"({"N":0})",
                                      R"({"N":1})"}));
}

// Changelog records written after the last completed checkpoint (a crash between the changelog
// append and the offsets record) are not restored: the state matches the offsets it resumes from,
// so the input after the checkpoint is counted once.
TEST_F(SqlServiceTest, ChangelogRecordsAfterTheLastCheckpointAreIgnored) {
  std::string changelog = Engine::changelog_topic("CTAS_HITS_0");
  {
    auto svc = SqlService::start(**log, opts);
    ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
    ASSERT_TRUE((*svc)
                    ->execute("CREATE STREAM CLICKS (PAGE STRING) WITH (kafka_topic='clicks', "
                              "partitions=1, value_format='JSON');"
                              "CREATE TABLE HITS AS SELECT PAGE, COUNT(*) AS N FROM CLICKS GROUP "
                              "BY PAGE;")
                    .is_ok());
    produce_keyed(store, "clicks", std::nullopt, R"({"PAGE": "a"})");
    ASSERT_TRUE((*svc)->poll_now().is_ok());
  }
  // What an interrupted checkpoint leaves: a newer group version (N = 5) in the changelog only.
  auto records = store.read(changelog, 0, 0, 100);
  ASSERT_TRUE(records.is_ok());
  ASSERT_EQ(records->size(), 1u);
  TopicRecord stale = records->front();
  stale.value = stale.value->substr(0, 9) + std::string(1, '\x05');  // COUNT's varint: 5
  std::vector<TopicRecord> one{stale};
  ASSERT_TRUE(store.append(changelog, 0, std::move(one)).is_ok());
  {
    auto svc = SqlService::start(**log, opts);
    ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
    produce_keyed(store, "clicks", std::nullopt, R"({"PAGE": "a"})");
    ASSERT_TRUE((*svc)->poll_now().is_ok());
    EXPECT_EQ(values(store, "HITS"), (std::vector<std::string>{R"({"N":1})", R"({"N":2})"}));
  }
}

// With a state directory, an aggregation's groups live in RocksDB with a bounded cache in memory:
// the counts stay exact while most groups are evicted and read back, and a restart takes the
// state from the local store, catches a store that is behind up from the changelog, and rebuilds
// it from the changelog alone when the state directory is gone.
// With several partitions, the aggregating stage is a task per repartition partition, each with
// its own store and changelog partition.
void SqlServiceTest::rocksdb_state_round_trip(int partitions) {
  opts.state_dir = dir.path() + "/state";
  opts.state_cache_bytes = 128 << 10;  // ~1300 of the 3000 groups
  constexpr int kPages = 3000;
  std::string changelog = Engine::changelog_topic("CTAS_HITS_0");
  // Each round clicks every page once; then every page's last count must be `n`.
  int n = 0;
  auto round = [&](SqlService& svc, bool fits = false) {
    std::vector<TopicRecord> batch(kPages);
    for (int i = 0; i < kPages; ++i) batch[i].value = fmt::format(R"({{"PAGE": "p{}"}})", i);
    ASSERT_TRUE(store.append("clicks", 0, std::move(batch)).is_ok());
    ASSERT_TRUE(svc.poll_now().is_ok());
    ++n;
    std::map<std::string, std::string> last;
    for (int32_t p = 0; p < partitions; ++p) {
      for (int64_t from = 0;;) {
        auto got = store.read("HITS", p, from, 10000);
        ASSERT_TRUE(got.is_ok());
        if (got->empty()) break;
        for (const TopicRecord& r : *got) last[r.key.value_or("")] = r.value.value_or("");
        from = got->back().offset + 1;
      }
    }
    ASSERT_EQ(last.size(), static_cast<size_t>(kPages));
    for (const auto& [page, value] : last) {
      ASSERT_EQ(value, fmt::format(R"({{"N":{}}})", n)) << page << " after round " << n;
    }
    std::vector<StateStoreStats> stats = svc.state_stats();
    ASSERT_EQ(stats.size(), 1u);
    EXPECT_EQ(stats[0].store, "CTAS_HITS_0-Aggregate");
    EXPECT_LE(stats[0].memory_bytes, opts.state_cache_bytes);
    if (!fits) {
      EXPECT_LT(stats[0].cached_groups, static_cast<uint64_t>(kPages));
    }
    EXPECT_GT(stats[0].store_keys, 0u);
  };
  {
    auto svc = start_service();
    ASSERT_TRUE(svc);
    ASSERT_TRUE(svc->execute(fmt::format("CREATE STREAM CLICKS (PAGE STRING) WITH "
                                         "(kafka_topic='clicks', partitions={}, "
                                         "value_format='JSON');"
                                         "CREATE TABLE HITS AS SELECT PAGE, COUNT(*) AS N FROM "
                                         "CLICKS GROUP BY PAGE;",
                                         partitions))
                    .is_ok());
    round(*svc);
  }
  EXPECT_EQ(store.partitions(changelog), partitions);
  {
    auto db = state::StateDb::open(opts.state_dir);
    ASSERT_TRUE(db.is_ok()) << db.status().to_string();
    std::vector<std::string> stores = (*db)->stores();
    for (int p = 0; p < partitions; ++p) {
      EXPECT_EQ(
          std::count(stores.begin(), stores.end(), Engine::state_store_name("CTAS_HITS_0", p)), 1)
          << p;
    }
  }
  std::filesystem::path state = opts.state_dir, saved = dir.path() + "/state-after-round-1";
  std::filesystem::copy(state, saved, std::filesystem::copy_options::recursive);
  {
    auto svc = start_service();
    ASSERT_TRUE(svc);
    round(*svc);
  }
  // A store behind its changelog (as a crash between a commit and the store's write leaves it).
  std::filesystem::remove_all(state);
  std::filesystem::rename(saved, state);
  {
    auto svc = start_service();
    ASSERT_TRUE(svc);
    round(*svc);
  }
  // Without the changelog, only the local store knows the counts.
  ASSERT_TRUE(store.remove(changelog).is_ok());
  {
    auto svc = start_service();
    ASSERT_TRUE(svc);
    round(*svc);
  }
  // Without the local store, the changelog (every page changed since it was recreated) does.
  std::filesystem::remove_all(state);
  {
    auto svc = start_service();
    ASSERT_TRUE(svc);
    round(*svc);
  }
  // A cache the whole state fits in: the store is loaded into memory at the start.
  opts.state_cache_bytes = 64 << 20;
  {
    auto svc = start_service();
    ASSERT_TRUE(svc);
    std::vector<StateStoreStats> stats = svc->state_stats();
    ASSERT_EQ(stats.size(), 1u);
    EXPECT_EQ(stats[0].cached_groups, static_cast<uint64_t>(kPages));
    round(*svc, /*fits=*/true);
    // TERMINATE drops every store of the query.
    ASSERT_TRUE(svc->execute("TERMINATE CTAS_HITS_0;").is_ok());
    ASSERT_TRUE(svc->poll_now().is_ok());
  }
  auto db = state::StateDb::open(opts.state_dir);
  ASSERT_TRUE(db.is_ok()) << db.status().to_string();
  for (const std::string& name : (*db)->stores()) {
    EXPECT_EQ(name.find("CTAS_HITS_0"), std::string::npos) << name;
  }
}

TEST_F(SqlServiceTest, AggregationStateInRocksDbIsCachedWithinItsBudgetAndRestored) {
  rocksdb_state_round_trip(1);
}

TEST_F(SqlServiceTest, PartitionedAggregationStateInRocksDbIsCachedWithinItsBudgetAndRestored) {
  rocksdb_state_round_trip(4);
}

// A windowed aggregation's stream time is part of its checkpointed state: after a restart (from
// the local store, then from the changelog alone) a record for a window that closed before it is
// still dropped, as in a run that never stopped.
TEST_F(SqlServiceTest, WindowedAggregationKeepsItsStreamTimeOverRestarts) {
  opts.state_dir = dir.path() + "/state";
  auto click = [&](SqlService& svc, int64_t timestamp) {
    append_and_poll(svc, "clicks", "u1", R"({"PAGE": "p"})", timestamp);
  };
  auto outputs = [&] {
    auto got = store.read("COUNTS", 0, 0, 100);
    EXPECT_TRUE(got.is_ok());
    return got.is_ok() ? got->size() : size_t{0};
  };
  {
    auto svc = start_service();
    ASSERT_TRUE(svc);
    ASSERT_TRUE(svc->execute("CREATE STREAM CLICKS (USER STRING KEY, PAGE STRING) WITH "
                             "(kafka_topic='clicks', partitions=1, value_format='JSON');"
                             "CREATE TABLE COUNTS AS SELECT USER, COUNT(*) AS N FROM CLICKS "
                             "WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 0 SECONDS) "
                             "GROUP BY USER;")
                    .is_ok());
    click(*svc, 25000);  // stream time 25 s: the windows up to [10 s, 20 s) are closed
    click(*svc, 21000);  // [20 s, 30 s) is open
    ASSERT_EQ(outputs(), 2u);
  }
  {
    auto svc = start_service();  // from the local store
    ASSERT_TRUE(svc);
    click(*svc, 5000);  // late for [0, 10 s)
    EXPECT_EQ(outputs(), 2u);
    std::vector<StateStoreStats> stats = svc->state_stats();
    ASSERT_EQ(stats.size(), 1u);
    EXPECT_EQ(stats[0].late_records, 1u);
    click(*svc, 29000);
    EXPECT_EQ(outputs(), 3u);
  }
  std::filesystem::remove_all(opts.state_dir);
  {
    auto svc = start_service();  // from the changelog
    ASSERT_TRUE(svc);
    click(*svc, 15000);  // late for [10 s, 20 s)
    EXPECT_EQ(outputs(), 3u);
    click(*svc, 31000);
    ASSERT_EQ(outputs(), 4u);
  }
  // The last update counts the window [30 s, 40 s) once.
  auto got = store.read("COUNTS", 0, 3, 1);
  ASSERT_TRUE(got.is_ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].value.value_or(""), R"({"N":1})");
}

// Sessions that merge: the earlier session's result is deleted (a tombstone of its windowed
// key) before the merged session's, also when each record comes in its own batch, as a served
// query reads them.
TEST_F(SqlServiceTest, MergedSessionsAreDeleted) {
  opts.cache_max_bytes_buffering = 10 << 20;  // ksqlDB's default: ignored by sessions
  auto click = [&](SqlService& svc, int64_t timestamp) {
    append_and_poll(svc, "clicks", "u1", R"({"PAGE": "p"})", timestamp);
  };
  auto svc = start_service();
  ASSERT_TRUE(svc);
  ASSERT_TRUE(svc->execute("CREATE STREAM CLICKS (USER STRING KEY, PAGE STRING) WITH "
                           "(kafka_topic='clicks', partitions=1, value_format='JSON');"
                           "CREATE TABLE SESSIONS AS SELECT USER, COUNT(*) AS N FROM CLICKS "
                           "WINDOW SESSION (10 SECONDS) GROUP BY USER;")
                  .is_ok());
  click(*svc, 1000);
  click(*svc, 5000);
  // Both records in one batch: the first session's result, then its delete, then the merged.
  std::vector<TopicRecord> batch(2);
  for (auto& r : batch) r.key = "u2";
  batch[0].value = batch[1].value = R"({"PAGE": "p"})";
  batch[0].timestamp = 1000;
  batch[1].timestamp = 5000;
  ASSERT_TRUE(store.append("clicks", 0, std::move(batch)).is_ok());
  ASSERT_TRUE(svc->poll_now().is_ok());
  auto got = store.read("SESSIONS", 0, 0, 10);
  ASSERT_TRUE(got.is_ok());
  ASSERT_EQ(got->size(), 6u);
  for (size_t i = 0; i < 6; i += 3) {
    EXPECT_EQ((*got)[i].value.value_or(""), R"({"N":1})") << i;
    EXPECT_FALSE((*got)[i + 1].value.has_value()) << i;
    EXPECT_EQ((*got)[i + 1].key, (*got)[i].key) << i;
    EXPECT_EQ((*got)[i + 2].value.value_or(""), R"({"N":2})") << i;
  }
}

// Session EMIT FINAL over a restart from the changelog: a session already emitted has left the
// state (a tombstone), so it is not emitted again; one still open keeps its records.
TEST_F(SqlServiceTest, SessionFinalResultsAreEmittedOnceOverRestarts) {
  opts.state_dir = dir.path() + "/state";
  auto click = [&](SqlService& svc, int64_t timestamp) {
    append_and_poll(svc, "clicks", "u1", R"({"PAGE": "p"})", timestamp);
  };
  auto outputs = [&] { return values(store, "SESSIONS"); };
  {
    auto svc = start_service();
    ASSERT_TRUE(svc);
    ASSERT_TRUE(svc->execute("CREATE STREAM CLICKS (USER STRING KEY, PAGE STRING) WITH "
                             "(kafka_topic='clicks', partitions=1, value_format='JSON');"
                             "CREATE TABLE SESSIONS AS SELECT USER, COUNT(*) AS N FROM CLICKS "
                             "WINDOW SESSION (10 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY USER "
                             "EMIT FINAL;")
                    .is_ok());
    click(*svc, 1000);
    click(*svc, 5000);   // the same session
    click(*svc, 30000);  // closes [1 s, 5 s]
    click(*svc, 32000);  // the new session grows
    EXPECT_EQ(outputs(), (std::vector<std::string>{R"({"N":2})"}));
  }
  std::filesystem::remove_all(opts.state_dir);
  {
    auto svc = start_service();  // from the changelog
    ASSERT_TRUE(svc);
    click(*svc, 50000);  // closes [30 s, 32 s] only
  }
  EXPECT_EQ(outputs(), (std::vector<std::string>{R"({"N":2})", R"({"N":2})"}));
}

// A windowed aggregation's state holds its open windows only: a window's groups go once stream
// time has closed it (tombstones in the changelog, so a restart from it has none of them).
TEST_F(SqlServiceTest, ClosedWindowsLeaveTheState) {
  opts.state_dir = dir.path() + "/state";
  auto click = [&](SqlService& svc, const std::string& user, int64_t timestamp) {
    append_and_poll(svc, "clicks", user, R"({"PAGE": "p"})", timestamp);
  };
  auto groups = [&](SqlService& svc) {
    std::vector<StateStoreStats> stats = svc.state_stats();
    return stats.empty() ? uint64_t{0} : stats[0].cached_groups;
  };
  {
    auto svc = start_service();
    ASSERT_TRUE(svc);
    ASSERT_TRUE(svc->execute("CREATE STREAM CLICKS (USER STRING KEY, PAGE STRING) WITH "
                             "(kafka_topic='clicks', partitions=1, value_format='JSON');"
                             "CREATE TABLE COUNTS AS SELECT USER, COUNT(*) AS N FROM CLICKS "
                             "WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 0 SECONDS) "
                             "GROUP BY USER;")
                    .is_ok());
    click(*svc, "u1", 5000);
    click(*svc, "u2", 6000);
    click(*svc, "u3", 7000);
    EXPECT_EQ(groups(*svc), 3u);
    click(*svc, "u1", 25000);  // closes [0 s, 10 s): its groups go at the next batch
    click(*svc, "u2", 26000);
    EXPECT_EQ(groups(*svc), 2u);
  }
  std::filesystem::remove_all(opts.state_dir);
  {
    auto svc = start_service();  // from the changelog: the closed windows' tombstones delete them
    ASSERT_TRUE(svc);
    EXPECT_EQ(groups(*svc), 2u);
    click(*svc, "u1", 27000);
  }
  auto got = store.read("COUNTS", 0, 0, 100);
  ASSERT_TRUE(got.is_ok());
  ASSERT_EQ(got->size(), 6u);
  EXPECT_EQ((*got)[5].value.value_or(""), R"({"N":2})");
}

// EMIT FINAL over restarts: the windows already emitted are not emitted again (the last
// emission's close time is kept with the stream time), from the local store and from the
// changelog alike.
TEST_F(SqlServiceTest, EmitFinalEmitsEachWindowOnceOverRestarts) {
  opts.state_dir = dir.path() + "/state";
  auto click = [&](SqlService& svc, int64_t timestamp) {
    append_and_poll(svc, "clicks", "u1", R"({"PAGE": "p"})", timestamp);
  };
  auto outputs = [&] { return values(store, "FINAL_COUNTS"); };
  {
    auto svc = start_service();
    ASSERT_TRUE(svc);
    ASSERT_TRUE(svc->execute("CREATE STREAM CLICKS (USER STRING KEY, PAGE STRING) WITH "
                             "(kafka_topic='clicks', partitions=1, value_format='JSON');"
                             "CREATE TABLE FINAL_COUNTS AS SELECT USER, COUNT(*) AS N FROM CLICKS "
                             "WINDOW TUMBLING (SIZE 10 SECONDS, RETENTION 1 HOUR, GRACE PERIOD 0 "
                             "SECONDS) GROUP BY USER EMIT FINAL;")
                    .is_ok());
    click(*svc, 5000);
    click(*svc, 15000);  // closes [0 s, 10 s)
    EXPECT_EQ(outputs(), (std::vector<std::string>{R"({"N":1})"}));
  }
  {
    auto svc = start_service();  // from the local store
    ASSERT_TRUE(svc);
    click(*svc, 12000);
    click(*svc, 25000);  // closes [10 s, 20 s) only
    EXPECT_EQ(outputs(), (std::vector<std::string>{R"({"N":1})", R"({"N":2})"}));
  }
  std::filesystem::remove_all(opts.state_dir);
  {
    auto svc = start_service();  // from the changelog
    ASSERT_TRUE(svc);
    click(*svc, 35000);  // closes [20 s, 30 s) only
  }
  EXPECT_EQ(outputs(), (std::vector<std::string>{R"({"N":1})", R"({"N":2})", R"({"N":1})"}));
}

// A join feeding an aggregation (three stages: the sides into the join topic, the join, the
// joined rows into the aggregation's repartition topic) takes up where it was after a restart:
// the join's table rows and the counts from the local stores, then, with the stores gone, from
// the changelog (the join tasks' partitions after the aggregators'), and the join topic's and
// the repartition topic's positions from the checkpoint.
TEST_F(SqlServiceTest, JoinAndItsAggregationRestoreOverRestarts) {
  opts.state_dir = dir.path() + "/state";
  auto put = [&](SqlService& svc, const std::string& topic, const std::string& key,
                 const std::string& value) { append_and_poll(svc, topic, key, value); };
  // The counts of a group, in order, over the output's partitions.
  auto counts = [&](const std::string& group) { return values_of_key(store, "PER_GROUP", group); };
  {
    auto svc = start_service();
    ASSERT_TRUE(svc);
    ASSERT_TRUE(svc->execute("CREATE STREAM VIEWS (USR STRING KEY, PAGE STRING) WITH "
                             "(kafka_topic='views', partitions=2, value_format='JSON');"
                             "CREATE TABLE PAGES (ID STRING PRIMARY KEY, GRP STRING) WITH "
                             "(kafka_topic='pages', partitions=1, value_format='JSON');"
                             "CREATE TABLE PER_GROUP AS SELECT P.GRP AS GRP, COUNT(*) AS N "
                             "FROM VIEWS V JOIN PAGES P ON V.PAGE = P.ID GROUP BY P.GRP;")
                    .is_ok());
    put(*svc, "pages", "p1", R"({"GRP": "g1"})");
    put(*svc, "views", "u1", R"({"PAGE": "p1"})");
    EXPECT_EQ(counts("g1"), (std::vector<std::string>{R"({"N":1})"}));
  }
  {
    auto svc = start_service();  // from the local stores
    ASSERT_TRUE(svc);
    put(*svc, "views", "u2", R"({"PAGE": "p1"})");
    EXPECT_EQ(counts("g1"), (std::vector<std::string>{R"({"N":1})", R"({"N":2})"}));
  }
  std::filesystem::remove_all(opts.state_dir);
  {
    auto svc = start_service();  // from the changelog
    ASSERT_TRUE(svc);
    put(*svc, "views", "u3", R"({"PAGE": "p1"})");
    put(*svc, "pages", "p2", R"({"GRP": "g2"})");
    put(*svc, "views", "u1", R"({"PAGE": "p2"})");
    put(*svc, "views", "u1", R"({"PAGE": "p3"})");  // no such page: joins nothing
  }
  EXPECT_EQ(counts("g1"), (std::vector<std::string>{R"({"N":1})", R"({"N":2})", R"({"N":3})"}));
  EXPECT_EQ(counts("g2"), (std::vector<std::string>{R"({"N":1})"}));
}

// A foreign-key join's state (the left rows with their foreign keys, each join task's copy of
// the right table) survives restarts, from the local stores and from the changelog: after them a
// right change still reaches exactly the left rows that refer to it now.
TEST_F(SqlServiceTest, ForeignKeyJoinRestoresOverRestarts) {
  opts.state_dir = dir.path() + "/state";
  auto put = [&](SqlService& svc, const std::string& topic, const std::string& key,
                 const std::optional<std::string>& value) {
    ASSERT_TRUE(store.exists(topic));
    TopicRecord r;
    r.key = key;
    r.value = value;
    ASSERT_TRUE(
        store.append(topic, kafka_partition_for_key(key, store.partitions(topic)), {r}).is_ok());
    ASSERT_TRUE(svc.poll_now().is_ok());
  };
  auto rows = [&](const std::string& key) { return values_of_key(store, "ORDER_NAMES", key); };
  {
    auto svc = start_service();
    ASSERT_TRUE(svc);
    ASSERT_TRUE(svc->execute("CREATE TABLE ORDERS (ID STRING PRIMARY KEY, CUST STRING) WITH "
                             "(kafka_topic='orders', partitions=3, value_format='JSON');"
                             "CREATE TABLE CUSTOMERS (ID STRING PRIMARY KEY, NAME STRING) WITH "
                             "(kafka_topic='customers', partitions=2, value_format='JSON');"
                             "CREATE TABLE ORDER_NAMES AS SELECT O.ID AS ID, C.NAME AS NAME "
                             "FROM ORDERS O JOIN CUSTOMERS C ON O.CUST = C.ID;")
                    .is_ok());
    put(*svc, "customers", "c1", R"({"NAME": "Ann"})");
    put(*svc, "orders", "o1", R"({"CUST": "c1"})");
    put(*svc, "orders", "o2", R"({"CUST": "c2"})");
    EXPECT_EQ(rows("o1"), (std::vector<std::string>{R"({"NAME":"Ann"})"}));
    EXPECT_TRUE(rows("o2").empty());
  }
  {
    auto svc = start_service();  // from the local stores
    ASSERT_TRUE(svc);
    put(*svc, "customers", "c2", R"({"NAME": "Bob"})");
    put(*svc, "orders", "o1", R"({"CUST": "c2"})");
  }
  std::filesystem::remove_all(opts.state_dir);
  {
    auto svc = start_service();  // from the changelog
    ASSERT_TRUE(svc);
    put(*svc, "customers", "c1", R"({"NAME": "Ann"})");  // o1 left it: nothing
    put(*svc, "customers", "c2", R"({"NAME": "Bo"})");
    put(*svc, "customers", "c2", std::nullopt);
  }
  EXPECT_EQ(rows("o1"), (std::vector<std::string>{R"({"NAME":"Ann"})", R"({"NAME":"Bob"})",
                                                  R"({"NAME":"Bo"})", "null"}));
  EXPECT_EQ(rows("o2"),
            (std::vector<std::string>{R"({"NAME":"Bob"})", R"({"NAME":"Bo"})", "null"}));
}

// A process over its memory limit: the governor shrinks the state caches (to 1/16 of their
// configured size at the least) and the aggregation's groups are evicted down to that, its
// counts still exact; under the limit again, the caches grow back.
TEST_F(SqlServiceTest, MemoryLimitShrinksTheStateCaches) {
  opts.state_dir = dir.path() + "/state";
  opts.state_cache_bytes = 1 << 20;
  opts.memory_limit_bytes = 1;  // below any process
  auto svc = SqlService::start(**log, opts);
  ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
  ASSERT_TRUE((*svc)
                  ->execute("CREATE STREAM CLICKS (PAGE STRING) WITH (kafka_topic='clicks', "
                            "partitions=1, value_format='JSON');"
                            "CREATE TABLE HITS AS SELECT PAGE, COUNT(*) AS N FROM CLICKS "
                            "GROUP BY PAGE;")
                  .is_ok());
  constexpr int kPages = 5000;  // ~450 KB of groups: within 1 MB, not within 64 KB
  for (int n = 1; n <= 2; ++n) {
    std::vector<TopicRecord> batch(kPages);
    for (int i = 0; i < kPages; ++i) batch[i].value = fmt::format(R"({{"PAGE": "p{}"}})", i);
    ASSERT_TRUE(store.append("clicks", 0, std::move(batch)).is_ok());
    ASSERT_TRUE((*svc)->poll_now().is_ok());
    // The cache follows its new budget at the next commit.
    ASSERT_TRUE((*svc)->poll_now().is_ok());
    EXPECT_DOUBLE_EQ((*svc)->state_cache_fraction(), 1.0 / 16);
    std::vector<StateStoreStats> stats = (*svc)->state_stats();
    ASSERT_EQ(stats.size(), 1u);
    EXPECT_LE(stats[0].memory_bytes, opts.state_cache_bytes / 16);
    EXPECT_LT(stats[0].cached_groups, static_cast<uint64_t>(kPages) / 4);
  }
  std::map<std::string, std::string> last;
  for (int64_t from = 0;;) {
    auto got = store.read("HITS", 0, from, 10000);
    ASSERT_TRUE(got.is_ok());
    if (got->empty()) break;
    for (const TopicRecord& r : *got) last[r.key.value_or("")] = r.value.value_or("");
    from = got->back().offset + 1;
  }
  ASSERT_EQ(last.size(), static_cast<size_t>(kPages));
  for (const auto& [page, value] : last) ASSERT_EQ(value, R"({"N":2})") << page;
  // A limit far above the process: the caches grow back, by half the headroom per checkpoint
  // (here at once: the headroom is far more than the caches).
  (*svc)->set_memory_limit(size_t{1} << 40);
  ASSERT_TRUE((*svc)->poll_now().is_ok());
  EXPECT_DOUBLE_EQ((*svc)->state_cache_fraction(), 1.0);
}

// An engine over a fresh log, queries reading from the start, polled on `pool` (nullptr: on the
// caller's thread): fed records of "V" values keyed k<i % keys>, polled now and then and until
// idle, its outputs read back.
class PooledEngine {
 public:
  PooledEngine(TaskPool* pool, size_t poll_batch_records)
      : log_(open_log(dir_)), store_(**log_), engine_(store_, options(poll_batch_records)) {
    if (pool) engine_.set_task_pool(pool);
  }
  static EngineOptions options(size_t poll_batch_records) {
    EngineOptions o;
    o.auto_create_source_topics = true;
    o.auto_offset_reset = OffsetReset::kEarliest;
    o.poll_batch_records = poll_batch_records;
    return o;
  }
  Engine& engine() { return engine_; }
  TopicStore& store() { return store_; }
  // Records 0..n-1 into topic "s", record i in partition partition_of(i), polling every
  // `poll_every` records; then polls until nothing is left.
  template <typename PartitionOf>
  void feed(int n, int keys, int poll_every, PartitionOf partition_of) {
    for (int i = 0; i < n; ++i) {
      std::vector<TopicRecord> one(1);
      one[0].key = fmt::format("k{}", i % keys);
      one[0].value = fmt::format(R"({{"V": {}}})", i);
      EXPECT_TRUE(store_.append("s", partition_of(i), std::move(one)).is_ok());
      if (i % poll_every == 0) {
        EXPECT_TRUE(engine_.poll().is_ok());
      }
    }
    for (;;) {
      auto n = engine_.poll();
      EXPECT_TRUE(n.is_ok());
      if (!n || *n == 0) break;
    }
  }
  // Every record of a partition of `topic`, in order.
  std::vector<TopicRecord> records(const std::string& topic, int32_t partition) {
    std::vector<TopicRecord> out;
    for (int64_t from = 0;;) {
      auto got = store_.read(topic, partition, from, 10000);
      EXPECT_TRUE(got.is_ok());
      if (!got || got->empty()) break;
      from = got->back().offset + 1;
      for (TopicRecord& r : *got) out.push_back(std::move(r));
    }
    return out;
  }

 private:
  TempDir dir_;
  Result<std::unique_ptr<LogManager>> log_;
  LogTopicStore store_;
  Engine engine_;
};

// With a task pool, a poll runs the queries side by side; what they write is what a poll on one
// thread writes (per output, in order), queries reading other queries' outputs included.
TEST(EngineTaskPool, QueriesPolledSideBySideWriteWhatOneThreadWrites) {
  auto run_all = [](TaskPool* pool) {
    PooledEngine e(pool, 2048);
    std::string sql =
        "CREATE STREAM S (K STRING KEY, V INT) WITH (kafka_topic='s', partitions=1, "
        "value_format='JSON');";
    for (int i = 0; i < 6; ++i) {
      sql += fmt::format("CREATE STREAM O{0} AS SELECT K, V + {0} AS W FROM S WHERE V % 3 != {1};",
                         i, i % 3);
      sql += fmt::format("CREATE TABLE T{0} AS SELECT K, SUM(W) AS T FROM O{0} GROUP BY K;", i);
    }
    EXPECT_TRUE(e.engine().execute_script(sql).is_ok());
    e.feed(3000, 17, 500, [](int) { return 0; });
    std::map<std::string, std::vector<std::string>> out;
    for (int i = 0; i < 6; ++i) {
      for (const std::string& t : {fmt::format("O{}", i), fmt::format("T{}", i)}) {
        for (const TopicRecord& r : e.records(t, 0)) {
          out[t].push_back(r.key.value_or("") + "=" + r.value.value_or(""));
        }
      }
    }
    return out;
  };
  TaskPool pool(4);
  auto parallel = run_all(&pool);
  auto sequential = run_all(nullptr);
  EXPECT_EQ(parallel.size(), 12u);
  EXPECT_EQ(parallel, sequential);
  EXPECT_EQ(parallel["T5"].size(), parallel["O5"].size());
}

// A query's reading stage runs as one task per input partition, its aggregating stage as one
// per partition of its repartition topic (or of its input, grouped by the source's key), all
// side by side: a stateless query writes each key's records in the order one thread writes them,
// an aggregation ends at the same value per group.
TEST(EngineTaskPool, AQuerysPartitionsArePolledSideBySide) {
  auto run_all = [](TaskPool* pool) {
    PooledEngine e(pool, 64);
    EXPECT_TRUE(
        e.engine()
            .execute_script("CREATE STREAM S (K STRING KEY, V INT) WITH (kafka_topic='s', "
                            "partitions=4, value_format='JSON');"
                            "CREATE STREAM O AS SELECT K, V * 2 AS W FROM S WHERE V % 7 != 0;"
                            "CREATE TABLE T AS SELECT V % 5 AS G, SUM(V) AS TOTAL, COUNT(*) AS N "
                            "FROM S GROUP BY V % 5;"
                            "CREATE TABLE BYK AS SELECT K, COUNT(*) AS N FROM S GROUP BY K;")
            .is_ok());
    e.feed(4000, 29, 700, [](int i) { return (i % 29) % 4; });
    // Grouped by the source's key, BYK's state is a task per input partition: a changelog
    // partition each, every one with the groups of its keys.
    size_t checked = 0;
    for (const QueryCheckpoint& c : e.engine().take_checkpoints()) {
      if (c.id != "CTAS_BYK_2") continue;
      ++checked;
      EXPECT_EQ(c.changes.size(), 4u);
      size_t groups = 0;
      for (const auto& part : c.changes) {
        EXPECT_FALSE(part.empty());
        groups += part.size();
      }
      EXPECT_EQ(groups, 29u);
    }
    EXPECT_EQ(checked, 1u);
    std::map<std::string, std::vector<std::string>> by_key;  // O: every record; T, BYK: the last
    size_t t_records = 0;
    for (const std::string t : {"O", "T", "BYK"}) {
      for (int32_t p = 0; p < e.store().partitions(t); ++p) {
        for (const TopicRecord& r : e.records(t, p)) {
          auto& v = by_key[t + "/" + r.key.value_or("")];
          if (t == "O") {
            v.push_back(r.value.value_or(""));
            continue;
          }
          t_records += t == "T";
          v.assign(1, r.value.value_or(""));
        }
      }
    }
    EXPECT_EQ(e.engine().input_records(), 3 * 4000u);  // each query read every record
    EXPECT_EQ(t_records, 4000u);
    return by_key;
  };
  TaskPool pool(4);
  auto parallel = run_all(&pool);
  auto sequential = run_all(nullptr);
  EXPECT_EQ(parallel.size(), 29u + 5u + 29u);
  EXPECT_EQ(parallel, sequential);
  size_t group0 = 0;  // V % 5 = 0: 0, 5, ..., 3995
  for (const auto& [key, values] : parallel) {
    group0 += values == std::vector<std::string>{R"({"TOTAL":1598000,"N":800})"};
  }
  EXPECT_EQ(group0, 1u);
}

// CREATE OR REPLACE while another thread polls: the replaced query's readers go away between a
// round's planning and its tasks; those tasks skip a round instead of reading a reader that is
// gone.
TEST(EngineTaskPool, ReplacingAQueryWhileItIsPolledIsSafe) {
  TaskPool pool(3);
  PooledEngine e(&pool, 16);
  ASSERT_TRUE(e.engine()
                  .execute_script("CREATE STREAM S (K STRING KEY, V INT) WITH (kafka_topic='s', "
                                  "partitions=4, value_format='JSON');"
                                  "CREATE STREAM O AS SELECT K, V FROM S;")
                  .is_ok());
  std::atomic<bool> stop{false};
  std::thread poller([&] {
    while (!stop.load()) EXPECT_TRUE(e.engine().poll().is_ok());
  });
  for (int i = 0; i < 200; ++i) {
    std::vector<TopicRecord> one(1);
    one[0].key = fmt::format("k{}", i);
    one[0].value = fmt::format(R"({{"V": {}}})", i);
    ASSERT_TRUE(e.store().append("s", i % 4, std::move(one)).is_ok());
    ASSERT_TRUE(
        e.engine()
            .execute_script(fmt::format("CREATE OR REPLACE STREAM O AS SELECT K, V + {} AS V "
                                        "FROM S;",
                                        i % 2))
            .is_ok());
  }
  stop = true;
  poller.join();
  e.feed(0, 1, 1, [](int) { return 0; });  // polls until idle
  size_t out = 0;
  for (int32_t p = 0; p < 4; ++p) out += e.records("O", p).size();
  EXPECT_EQ(out, 200u);
}

// The worker is woken by appends to what the queries read, not by its poll interval: with an
// interval of a minute, a record still comes out at once (a query reading another's output too).
TEST_F(SqlServiceTest, AppendsToAnInputWakeTheWorker) {
  opts.background_worker = true;
  opts.poll_interval = std::chrono::minutes(1);
  auto svc = SqlService::start(**log, opts);
  ASSERT_TRUE(svc.is_ok()) << svc.status().to_string();
  ASSERT_TRUE((*svc)
                  ->execute("CREATE STREAM IN_S (V INT) WITH (kafka_topic='in', partitions=1, "
                            "value_format='JSON');"
                            "CREATE STREAM MID AS SELECT V + 1 AS V FROM IN_S;"
                            "CREATE TABLE SUMS AS SELECT 1 AS K, SUM(V) AS S FROM MID GROUP BY 1;")
                  .is_ok());
  // Let the worker go idle (subscribed, waiting) before the input arrives.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int round = 1; round <= 3; ++round) {
    produce(store, fmt::format(R"({{"V": {}}})", round));
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (count(store, "SUMS") < static_cast<size_t>(round) &&
           std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(count(store, "SUMS"), static_cast<size_t>(round)) << "round " << round;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace
}  // namespace sluice::sql
