// CREATE OR REPLACE of a running query's sink: the query is upgraded in place (ksqlDB), reading
// on from where it was, not restarted and not doubled.
#include <gtest/gtest.h>

#include "sql/engine/engine.h"

namespace sluice::sql {
namespace {

EngineOptions options() {
  EngineOptions o;
  o.auto_create_source_topics = true;
  return o;
}

void produce(MemoryTopicStore& store, const std::string& topic, const std::string& key,
             const std::string& value) {
  std::vector<TopicRecord> v(1);
  v[0].key = key;
  v[0].value = value;
  ASSERT_TRUE(store.append(topic, 0, std::move(v)).is_ok());
}

TEST(CreateOrReplace, UpgradesTheRunningQueryInPlace) {
  MemoryTopicStore store;
  Engine engine(store, options());
  ASSERT_TRUE(engine
                  .execute_script("CREATE STREAM S (K STRING KEY, A INT, B STRING) WITH "
                                  "(kafka_topic='s', value_format='JSON');"
                                  "CREATE STREAM O AS SELECT K, A FROM S;")
                  .is_ok());
  produce(store, "s", "x", R"({"A": 1, "B": "one"})");
  ASSERT_TRUE(engine.poll().is_ok());

  std::vector<StatementResult> r;
  ASSERT_TRUE(
      engine.execute_script("CREATE OR REPLACE STREAM O AS SELECT K, A, B FROM S;", &r).is_ok());
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].query_id, "CSAS_O_0");
  ASSERT_EQ(engine.queries().size(), 1u);
  EXPECT_EQ(engine.queries()[0].id, "CSAS_O_0");
  EXPECT_NE(engine.queries()[0].sql.find("A, B FROM S"), std::string::npos);

  produce(store, "s", "y", R"({"A": 2, "B": "two"})");
  ASSERT_TRUE(engine.poll().is_ok());
  auto out = store.all("O");
  ASSERT_EQ(out.size(), 2u);  // x once (not re-read), y with the new column
  EXPECT_EQ(out[0].second.value, R"({"A":1})");
  EXPECT_EQ(out[1].second.value, R"({"A":2,"B":"two"})");
  EXPECT_EQ(engine.catalog().find_source("O")->columns.size(), 3u);

  // The next query gets the next id: the replacement used none.
  ASSERT_TRUE(engine.execute_script("CREATE STREAM P AS SELECT K, A FROM S;", &r).is_ok());
  EXPECT_EQ(r.back().query_id, "CSAS_P_1");
}

}  // namespace
}  // namespace sluice::sql
