// SHOW / LIST and DESCRIBE: the rows the engine answers with (statements that write no records,
// so tests/sql cases can only run them; their contents are checked here).
#include <gtest/gtest.h>

#include <algorithm>

#include "sql/engine/engine.h"

namespace sluice::sql {
namespace {

class ShowTest : public ::testing::Test {
 protected:
  ShowTest() : engine_(store_, options()) {
    Status st = engine_.execute_script(
        "CREATE STREAM S (ID INT KEY, NAME STRING) WITH (kafka_topic='s', value_format='JSON');"
        "CREATE TABLE T (K STRING PRIMARY KEY, V DOUBLE) WITH (kafka_topic='t', "
        "key_format='KAFKA', value_format='DELIMITED');"
        "CREATE STREAM O AS SELECT ID, UCASE(NAME) AS UPPER_NAME FROM S;"
        "CREATE TYPE ADDR AS STRUCT<CITY STRING>;"
        "DEFINE who = 'me';"
        "SET 'auto.offset.reset' = 'earliest';");
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    EXPECT_TRUE(store_.create("_internal", 1).is_ok());
  }
  static EngineOptions options() {
    EngineOptions o;
    o.auto_create_source_topics = true;
    return o;
  }
  StatementResult one(const std::string& sql) {
    std::vector<StatementResult> r;
    Status st = engine_.execute_script(sql, &r);
    EXPECT_TRUE(st.is_ok()) << sql << ": " << st.to_string();
    if (r.size() != 1) {
      ADD_FAILURE() << sql << ": " << r.size() << " results";
      return {};
    }
    return r[0];
  }
  static std::vector<std::string> column(const StatementResult& r, size_t i) {
    std::vector<std::string> out;
    for (const auto& row : r.rows) out.push_back(i < row.size() ? row[i] : "<missing>");
    return out;
  }

  MemoryTopicStore store_;
  Engine engine_;
};

TEST_F(ShowTest, StreamsAndTables) {
  StatementResult streams = one("SHOW STREAMS;");
  EXPECT_EQ(streams.header,
            (std::vector<std::string>{"Stream Name", "Kafka Topic", "Key Format", "Value Format"}));
  EXPECT_EQ(column(streams, 0), (std::vector<std::string>{"O", "S"}));
  StatementResult listed = one("LIST STREAMS;");
  EXPECT_EQ(listed.rows, streams.rows);
  StatementResult tables = one("SHOW TABLES;");
  ASSERT_EQ(tables.rows.size(), 1u);
  EXPECT_EQ(tables.rows[0], (std::vector<std::string>{"T", "t", "KAFKA", "DELIMITED"}));
}

TEST_F(ShowTest, TopicsHideInternalOnesUnlessAll) {
  std::vector<std::string> topics = column(one("SHOW TOPICS;"), 0);
  EXPECT_EQ(std::count(topics.begin(), topics.end(), "s"), 1);
  EXPECT_EQ(std::count(topics.begin(), topics.end(), "O"), 1);
  EXPECT_EQ(std::count(topics.begin(), topics.end(), "_internal"), 0);
  std::vector<std::string> all = column(one("SHOW ALL TOPICS;"), 0);
  EXPECT_EQ(std::count(all.begin(), all.end(), "_internal"), 1);
}

TEST_F(ShowTest, QueriesFunctionsPropertiesVariablesTypes) {
  StatementResult queries = one("SHOW QUERIES;");
  ASSERT_EQ(queries.rows.size(), 1u);
  EXPECT_EQ(queries.rows[0][0], "CSAS_O_0");
  EXPECT_EQ(queries.rows[0][1], "S");
  EXPECT_EQ(queries.rows[0][2], "O");

  StatementResult functions = one("SHOW FUNCTIONS;");
  auto find_fn = [&](const std::string& name) {
    for (const auto& row : functions.rows) {
      if (row[0] == name) return row[1];
    }
    return std::string("<absent>");
  };
  EXPECT_EQ(find_fn("UCASE"), "SCALAR");
  EXPECT_EQ(find_fn("EXPLODE"), "TABLE");
  EXPECT_EQ(find_fn("NO_SUCH_FUNCTION"), "<absent>");

  StatementResult props = one("SHOW PROPERTIES;");
  EXPECT_NE(std::find(props.rows.begin(), props.rows.end(),
                      std::vector<std::string>{"auto.offset.reset", "earliest"}),
            props.rows.end());
  StatementResult vars = one("SHOW VARIABLES;");
  EXPECT_EQ(vars.rows, (std::vector<std::vector<std::string>>{{"WHO", "me"}}));
  StatementResult types = one("SHOW TYPES;");
  ASSERT_EQ(types.rows.size(), 1u);
  EXPECT_EQ(types.rows[0][0], "ADDR");
}

// Aggregate functions are listed with the others, as AGGREGATE, once each and by name.
TEST_F(ShowTest, FunctionsIncludeAggregates) {
  StatementResult functions = one("SHOW FUNCTIONS;");
  EXPECT_EQ(functions.header, (std::vector<std::string>{"Function Name", "Type"}));
  std::vector<std::string> names = column(functions, 0);
  for (const char* name : {"COUNT", "TOPK", "COLLECT_LIST", "STDDEV_SAMP", "LATEST_BY_OFFSET"}) {
    EXPECT_EQ(std::count(names.begin(), names.end(), name), 1) << name;
  }
  auto type_of = [&](const std::string& name) {
    for (const auto& row : functions.rows) {
      if (row[0] == name) return row[1];
    }
    return std::string("<absent>");
  };
  EXPECT_EQ(type_of("COUNT"), "AGGREGATE");
  EXPECT_EQ(type_of("TOPK"), "AGGREGATE");
  EXPECT_EQ(type_of("UCASE"), "SCALAR");
  EXPECT_EQ(type_of("EXPLODE"), "TABLE");
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(one("LIST FUNCTIONS;").rows, functions.rows);
}

TEST_F(ShowTest, DescribeListsColumnsAndExtendedListsQueries) {
  StatementResult d = one("DESCRIBE S;");
  EXPECT_EQ(d.header, (std::vector<std::string>{"Field", "Type"}));
  EXPECT_EQ(d.rows, (std::vector<std::vector<std::string>>{{"ID", "INTEGER  (key)"},
                                                           {"NAME", "VARCHAR(STRING)"}}));
  StatementResult t = one("DESCRIBE T;");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][1], "VARCHAR(STRING)  (primary key)");
  EXPECT_EQ(t.rows[1][1], "DOUBLE");

  StatementResult ext = one("DESCRIBE O EXTENDED;");
  EXPECT_NE(ext.message.find("Kafka topic: O"), std::string::npos) << ext.message;
  EXPECT_NE(std::find(ext.rows.begin(), ext.rows.end(),
                      std::vector<std::string>{"(written by)", "CSAS_O_0"}),
            ext.rows.end());
  StatementResult src = one("DESCRIBE S EXTENDED;");
  EXPECT_NE(std::find(src.rows.begin(), src.rows.end(),
                      std::vector<std::string>{"(read by)", "CSAS_O_0"}),
            src.rows.end());

  Status st = engine_.execute_script("DESCRIBE NOPE;");
  EXPECT_EQ(st.message(), "Could not find STREAM/TABLE 'NOPE' in the Metastore");
}

TEST_F(ShowTest, ShowChangesNothing) {
  ASSERT_TRUE(engine_.execute_script("SHOW STREAMS; SHOW QUERIES; DESCRIBE S;").is_ok());
  EXPECT_EQ(engine_.catalog().sources().size(), 3u);
  EXPECT_EQ(engine_.queries().size(), 1u);
}

}  // namespace
}  // namespace sluice::sql
