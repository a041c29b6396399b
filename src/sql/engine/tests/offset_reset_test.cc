// Where a new persistent query starts reading: auto.offset.reset of the statement's session, else
// the engine's default ('latest' as in ksqlDB; the test runners use 'earliest').
#include <gtest/gtest.h>

#include "sql/engine/engine.h"

namespace sluice::sql {
namespace {

EngineOptions options(OffsetReset reset) {
  EngineOptions o;
  o.auto_create_source_topics = true;
  o.auto_offset_reset = reset;
  return o;
}

void produce(MemoryTopicStore& store, int32_t partition, const std::string& value) {
  std::vector<TopicRecord> v(1);
  v[0].value = value;
  ASSERT_TRUE(store.append("s", partition, std::move(v)).is_ok());
}

std::vector<std::string> values(MemoryTopicStore& store, const std::string& topic) {
  std::vector<std::string> out;
  for (const auto& [p, r] : store.all(topic)) out.push_back(r.value.value_or("<null>"));
  return out;
}

constexpr const char* kSource =
    "CREATE STREAM S (V INT) WITH (kafka_topic='s', partitions=2, value_format='JSON');";

TEST(OffsetReset, LatestByDefaultSkipsWhatTheInputAlreadyHolds) {
  MemoryTopicStore store;
  Engine engine(store, options(OffsetReset::kLatest));
  ASSERT_TRUE(engine.execute_script(kSource).is_ok());
  produce(store, 0, R"({"V": 1})");
  produce(store, 1, R"({"V": 2})");
  produce(store, 1, R"({"V": 3})");
  ASSERT_TRUE(engine
                  .execute_script("CREATE STREAM O AS SELECT V FROM S;"
                                  "INSERT INTO O SELECT V * 10 AS V FROM S;")
                  .is_ok());
  EXPECT_EQ(engine.query_offsets()["CSAS_O_0"], (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(engine.query_offsets()["INSERTQUERY_1"], (std::vector<int64_t>{1, 2}));
  ASSERT_TRUE(engine.poll().is_ok());
  EXPECT_TRUE(values(store, "O").empty());
  produce(store, 1, R"({"V": 4})");
  ASSERT_TRUE(engine.poll().is_ok());
  EXPECT_EQ(values(store, "O"), (std::vector<std::string>{R"({"V":4})", R"({"V":40})"}));
}

TEST(OffsetReset, EarliestInTheSessionReadsTheHistory) {
  for (std::string name : {"auto.offset.reset", "ksql.streams.auto.offset.reset"}) {
    MemoryTopicStore store;
    Engine engine(store, options(OffsetReset::kLatest));
    ASSERT_TRUE(engine.execute_script(kSource).is_ok());
    produce(store, 0, R"({"V": 1})");
    produce(store, 1, R"({"V": 2})");
    ASSERT_TRUE(engine
                    .execute_script("SET '" + name +
                                    "' = 'Earliest';"
                                    "CREATE STREAM O AS SELECT V FROM S;")
                    .is_ok());
    ASSERT_TRUE(engine.poll().is_ok());
    EXPECT_EQ(values(store, "O"), (std::vector<std::string>{R"({"V":1})", R"({"V":2})"})) << name;
  }
}

TEST(OffsetReset, EachStatementStartsWithTheSettingInEffectWhenItRuns) {
  MemoryTopicStore store;
  // The test runners' default: earliest, overridden per statement.
  Engine engine(store, options(OffsetReset::kEarliest));
  ASSERT_TRUE(engine.execute_script(kSource).is_ok());
  produce(store, 0, R"({"V": 1})");
  ASSERT_TRUE(engine
                  .execute_script("CREATE STREAM A AS SELECT V FROM S;"
                                  "SET 'auto.offset.reset'='latest';"
                                  "CREATE STREAM B AS SELECT V FROM S;"
                                  "UNSET 'auto.offset.reset';"
                                  "CREATE STREAM C AS SELECT V FROM S;")
                  .is_ok());
  produce(store, 1, R"({"V": 2})");
  ASSERT_TRUE(engine.poll().is_ok());
  EXPECT_EQ(values(store, "A"), (std::vector<std::string>{R"({"V":1})", R"({"V":2})"}));
  EXPECT_EQ(values(store, "B"), (std::vector<std::string>{R"({"V":2})"}));
  EXPECT_EQ(values(store, "C"), (std::vector<std::string>{R"({"V":1})", R"({"V":2})"}));
  // A value that is neither leaves the default in force.
  engine.session().properties["auto.offset.reset"] = "none";
  EXPECT_EQ(engine.offset_reset(), OffsetReset::kEarliest);
}

TEST(OffsetReset, CreateOrReplaceKeepsTheQueryPosition) {
  MemoryTopicStore store;
  Engine engine(store, options(OffsetReset::kLatest));
  ASSERT_TRUE(engine.execute_script(kSource).is_ok());
  produce(store, 0, R"({"V": 1})");
  ASSERT_TRUE(engine.execute_script("CREATE STREAM O AS SELECT V FROM S;").is_ok());
  produce(store, 0, R"({"V": 2})");
  produce(store, 1, R"({"V": 3})");
  // Neither earliest (re-reading 1) nor latest (skipping 2 and 3): where the query was.
  ASSERT_TRUE(engine
                  .execute_script("SET 'auto.offset.reset'='earliest';"
                                  "CREATE OR REPLACE STREAM O AS SELECT V, V + 1 AS W FROM S;")
                  .is_ok());
  ASSERT_TRUE(engine.poll().is_ok());
  EXPECT_EQ(values(store, "O"), (std::vector<std::string>{R"({"V":2,"W":3})", R"({"V":3,"W":4})"}));
}

TEST(OffsetReset, RestoredOffsetsWinOverTheStartPosition) {
  // A replayed statement starts where the session says, then restore_offsets() puts the query
  // back where its checkpoint was.
  MemoryTopicStore store;
  Engine engine(store, options(OffsetReset::kLatest));
  ASSERT_TRUE(engine.execute_script(kSource).is_ok());
  produce(store, 0, R"({"V": 1})");
  produce(store, 0, R"({"V": 2})");
  ASSERT_TRUE(engine.execute_script("CREATE STREAM O AS SELECT V FROM S;").is_ok());
  ASSERT_TRUE(engine.restore_offsets("CSAS_O_0", {1}).is_ok());
  ASSERT_TRUE(engine.poll().is_ok());
  EXPECT_EQ(values(store, "O"), (std::vector<std::string>{R"({"V":2})"}));
}

}  // namespace
}  // namespace sluice::sql
