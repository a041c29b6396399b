// plan_query: output schemas (names, key columns, order) and the errors ksqlDB gives.
#include "sql/planner/query_plan.h"

#include <gtest/gtest.h>

#include "sql/functions/builtins.h"
#include "sql/parser/parser.h"

namespace sluice::sql {
namespace {

using format::Type;

class PlannerTest : public ::testing::Test {
 protected:
  PlannerTest() {
    auto s = std::make_shared<DataSource>();
    s->name = "INPUT";
    s->topic = "input";
    s->columns = {{"ID", Type::integer(), ColumnKind::kKey, ""},
                  {"NAME", Type::string(), ColumnKind::kValue, ""},
                  {"AGE", Type::integer(), ColumnKind::kValue, ""},
                  {"ADDR", Type::struct_({{"CITY", Type::string()}}), ColumnKind::kValue, ""}};
    (void)catalog_.add_source(s).is_ok();
  }

  // "ID INTEGER KEY, NAME STRING" or "ERROR <message>".
  std::string plan(const std::string& select, bool table = false) {
    auto stmt = parse_statement(select);
    if (!stmt) return "ERROR " + stmt.status().message();
    PlanContext ctx{&catalog_, &builtin_functions(), &session_, "OUTPUT", table};
    auto p = plan_query((*stmt)->as<QueryStatement>().query, ctx);
    if (!p) return "ERROR " + p.status().message();
    std::string s;
    for (const auto& c : p->columns) {
      if (!s.empty()) s += ", ";
      s += c.name + " " + c.type.to_string() + (c.key ? " KEY" : "");
    }
    return s;
  }

  Catalog catalog_;
  SessionState session_;
};

TEST_F(PlannerTest, ProjectionNamesAndKeys) {
  EXPECT_EQ(plan("SELECT * FROM INPUT;"),
            "ID INTEGER KEY, NAME STRING, AGE INTEGER, ADDR STRUCT<`CITY` STRING>");
  EXPECT_EQ(plan("SELECT NAME, ID AS K, AGE + 1, ADDR->CITY, UCASE(NAME) FROM INPUT;"),
            "K INTEGER KEY, NAME STRING, KSQL_COL_0 INTEGER, CITY STRING, KSQL_COL_1 STRING");
  EXPECT_EQ(plan("SELECT I.ID, I.NAME FROM INPUT I;"), "ID INTEGER KEY, NAME STRING");
}

TEST_F(PlannerTest, PartitionBy) {
  EXPECT_EQ(plan("SELECT * FROM INPUT PARTITION BY NAME;"),
            "NAME STRING KEY, AGE INTEGER, ADDR STRUCT<`CITY` STRING>, ID INTEGER");
  EXPECT_EQ(plan("SELECT * FROM INPUT PARTITION BY AGE + 1;"),
            "KSQL_COL_0 INTEGER KEY, NAME STRING, AGE INTEGER, ADDR STRUCT<`CITY` STRING>, "
            "ID INTEGER");
  EXPECT_EQ(plan("SELECT AGE + 1 AS NEXT, NAME FROM INPUT PARTITION BY AGE + 1;"),
            "NEXT INTEGER KEY, NAME STRING");
  EXPECT_EQ(plan("SELECT ID, NAME FROM INPUT PARTITION BY NULL;"), "ID INTEGER, NAME STRING");
  EXPECT_EQ(plan("SELECT NAME, ID FROM INPUT PARTITION BY ABS(AGE);"),
            "ERROR The query used to build `OUTPUT` must include the partitioning expression "
            "ABS(INPUT.AGE) in its projection (eg, SELECT ABS(INPUT.AGE)...).");
}

// Kafka Streams' TimeWindows.windowsFor: the windows holding a timestamp, oldest first, none
// starting before 0.
TEST(WindowPlanTest, WindowsOfATimestamp) {
  std::vector<int64_t> w;
  WindowPlan tumbling{10, 10, 0};
  tumbling.windows_of(0, w);
  EXPECT_EQ(w, (std::vector<int64_t>{0}));
  tumbling.windows_of(19, w);
  EXPECT_EQ(w, (std::vector<int64_t>{10}));
  tumbling.windows_of(20, w);
  EXPECT_EQ(w, (std::vector<int64_t>{20}));
  WindowPlan hopping{10, 3, 0};
  hopping.windows_of(2, w);
  EXPECT_EQ(w, (std::vector<int64_t>{0}));
  hopping.windows_of(12, w);
  EXPECT_EQ(w, (std::vector<int64_t>{3, 6, 9, 12}));
  hopping.windows_of(13, w);
  EXPECT_EQ(w, (std::vector<int64_t>{6, 9, 12}));
}

// A windowed aggregation's result has WINDOWSTART and WINDOWEND for the projection (value
// columns); HAVING, WHERE and aggregate calls may not read them, as in ksqlDB.
TEST_F(PlannerTest, WindowBounds) {
  auto json = std::make_shared<DataSource>(*catalog_.find_source("INPUT"));
  json->name = "EVENTS";
  json->value_format.name = "JSON";
  ASSERT_TRUE(catalog_.add_source(json).is_ok());
  EXPECT_EQ(plan("SELECT NAME, WINDOWSTART AS WS, WINDOWEND, COUNT(*) AS N FROM EVENTS "
                 "WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY NAME;",
                 true),
            "NAME STRING KEY, WS BIGINT, WINDOWEND BIGINT, N BIGINT");
  EXPECT_EQ(plan("SELECT NAME, COUNT(*) AS N FROM EVENTS WINDOW TUMBLING (SIZE 1 SECOND) "
                 "WHERE WINDOWSTART > 5 GROUP BY NAME;",
                 true),
            "ERROR Error in WHERE expression: Unknown column WINDOWSTART.");
  EXPECT_EQ(plan("SELECT NAME, COUNT(*) AS N FROM EVENTS WINDOW TUMBLING (SIZE 1 SECOND) "
                 "GROUP BY NAME HAVING WINDOWEND > 5;",
                 true),
            "ERROR Window bounds column WINDOWEND can only be used in the SELECT clause of "
            "windowed aggregations");
  EXPECT_EQ(plan("SELECT NAME, MAX(WINDOWSTART) AS M FROM EVENTS WINDOW TUMBLING (SIZE 1 SECOND) "
                 "GROUP BY NAME;",
                 true),
            "ERROR Window bounds column WINDOWSTART can only be used in the SELECT clause of "
            "windowed aggregations");
  EXPECT_EQ(plan("SELECT NAME, COUNT(*) AS N FROM EVENTS "
                 "WINDOW HOPPING (SIZE 1 SECOND, ADVANCE BY 2 SECONDS) GROUP BY NAME;",
                 true),
            "ERROR line 1:47: Window advancement interval should be more than zero and less "
            "than window duration");
  // Without a window they are unknown columns.
  EXPECT_EQ(plan("SELECT NAME, WINDOWSTART AS WS, COUNT(*) AS N FROM EVENTS GROUP BY NAME;", true)
                .rfind("ERROR", 0),
            0u);
}

TEST_F(PlannerTest, Errors) {
  EXPECT_EQ(plan("SELECT NAME FROM INPUT;"),
            "ERROR The query used to build `OUTPUT` must include the key column ID in its "
            "projection (eg, SELECT ID...).");
  EXPECT_EQ(plan("SELECT ID, ID AS ID2, NAME FROM INPUT;"),
            "ERROR The projection contains a key column (`ID`) more than once, aliased as: ID and "
            "ID2.");
  EXPECT_EQ(plan("SELECT ID FROM INPUT;"), "ERROR The projection contains no value columns.");
  EXPECT_EQ(plan("SELECT ID, BOB FROM INPUT;"),
            "ERROR line 1:12: SELECT column 'BOB' cannot be resolved.");
  EXPECT_EQ(plan("SELECT ID, NAME FROM NOPE;"), "ERROR line 1:22: Source `NOPE` does not exist.");
  EXPECT_EQ(plan("SELECT ID, NAME FROM INPUT WHERE NAME;"),
            "ERROR Type error in WHERE expression: Should evaluate to boolean but is NAME "
            "(STRING) instead.");
  EXPECT_EQ(plan("SELECT ID, NULL AS X FROM INPUT;"),
            "ERROR line 1:12: Can't infer a type of null. Please explicitly cast it to a "
            "required type, e.g. CAST(null AS VARCHAR).");
  EXPECT_EQ(plan("SELECT ID, ROWOFFSET FROM INPUT;"),
            "ERROR Reserved column name in select: `ROWOFFSET`. Please remove or alias the "
            "column.");
  EXPECT_EQ(plan("SELECT ID, NAME AS ROWTIME FROM INPUT;"),
            "ERROR `ROWTIME` is a reserved column name. You cannot use it as an alias for a "
            "column.");
  EXPECT_NE(plan("SELECT ID, COUNT(*) FROM INPUT GROUP BY ID;").find("ERROR"), std::string::npos);
}

// ksqlDB keeps an aggregation's intermediate values in the source's value format: DELIMITED
// cannot hold the STRUCT, ARRAY and MAP ones, whatever the sink's format; JSON holds them all.
TEST_F(PlannerTest, AggregateIntermediateTypesMustFitTheSourceValueFormat) {
  for (const char* format : {"DELIMITED", "JSON"}) {
    auto s = std::make_shared<DataSource>();
    s->name = std::string(format) + "_IN";
    s->topic = s->name;
    s->value_format.name = format;
    s->columns = {{"K", Type::string(), ColumnKind::kKey, ""},
                  {"S", Type::string(), ColumnKind::kValue, ""},
                  {"I", Type::integer(), ColumnKind::kValue, ""},
                  {"D", Type::double_(), ColumnKind::kValue, ""}};
    ASSERT_TRUE(catalog_.add_source(s).is_ok());
  }
  const std::string refused =
      "ERROR One of the functions used in the statement has an intermediate type that the value "
      "format can not handle. Please remove the function or change the format.\nConsider "
      "up-voting https://github.com/confluentinc/ksql/issues/3950, which will resolve this "
      "limitation";
  auto agg = [&](const std::string& source, const std::string& call) {
    return plan("SELECT K, " + call + " AS X FROM " + source + " GROUP BY K;", true);
  };
  for (const char* call :
       {"AVG(I)", "STDDEV_SAMP(I)", "STDDEV_SAMPLE(D)", "STDDEV_POP(D)", "CORRELATION(D, D)",
        "COUNT_DISTINCT(S)", "LATEST_BY_OFFSET(S)", "EARLIEST_BY_OFFSET(I, 2)", "COLLECT_LIST(S)",
        "COLLECT_SET(I)", "TOPK(I, 2)", "TOPK(D, S, 2)", "TOPKDISTINCT(S, 2)", "HISTOGRAM(S)"}) {
    EXPECT_EQ(agg("DELIMITED_IN", call), refused) << call;
    EXPECT_EQ(agg("JSON_IN", call).find("ERROR"), std::string::npos) << call;
  }
  for (const char* call : {"COUNT(*)", "COUNT(S)", "SUM(I)", "MIN(S)", "MAX(D)"}) {
    EXPECT_EQ(agg("DELIMITED_IN", call).find("ERROR"), std::string::npos) << call;
  }
  // A call in HAVING only has its state too.
  EXPECT_EQ(plan("SELECT K, COUNT(*) AS C FROM DELIMITED_IN GROUP BY K HAVING AVG(I) > 1;", true),
            refused);
}

}  // namespace
}  // namespace sluice::sql
