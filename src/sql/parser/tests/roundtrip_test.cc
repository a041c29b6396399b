// The formatter: canonical output, and parse(to_sql(parse(x))) prints the same as parse(x).
#include <gtest/gtest.h>

#include "sql/parser/tests/test_util.h"

namespace sluice::sql {
namespace {

using testing::parse_ok;

// Returns the canonical text, checking it is a fixed point of parse + print.
std::string round_trip(std::string_view sql) {
  auto first = parse_ok(sql);
  if (!first) return "";
  std::string once = to_sql(*first);
  auto second = parse_statement(once);
  EXPECT_TRUE(second.is_ok()) << once << "\n" << second.status().message();
  if (!second.is_ok()) return once;
  EXPECT_EQ(to_sql(**second), once) << sql;
  EXPECT_EQ((*second)->kind, first->kind);
  return once;
}

TEST(RoundTrip, CanonicalQueryLayout) {
  EXPECT_EQ(round_trip("select * from s1 where a>1 emit changes"),
            "SELECT *\nFROM S1\nWHERE (A > 1)\nEMIT CHANGES");
  EXPECT_EQ(round_trip("CREATE STREAM out WITH (kafka_topic='o') AS SELECT s.id, count(*) n "
                       "FROM s JOIN t tt WITHIN 1 HOUR ON s.id = tt.id WINDOW TUMBLING (SIZE 5 "
                       "SECONDS) GROUP BY s.id HAVING count(*) > 1 EMIT CHANGES;"),
            "CREATE STREAM OUT WITH (KAFKA_TOPIC='o') AS SELECT S.ID, COUNT(*) AS N\n"
            "FROM S\nINNER JOIN T TT WITHIN 1 HOURS ON (S.ID = TT.ID)\n"
            "WINDOW TUMBLING (SIZE 5 SECONDS)\nGROUP BY S.ID\nHAVING (COUNT(*) > 1)\n"
            "EMIT CHANGES");
}

TEST(RoundTrip, QuotingKeepsNamesIntact) {
  EXPECT_EQ(round_trip("SELECT `select`, `Mixed Case`, \"q\"\"x\", `a``b`, `1st` FROM `From`"),
            "SELECT `select`, `Mixed Case`, `q\"x`, `a``b`, `1st`\nFROM `From`");
  EXPECT_EQ(round_trip("CREATE STREAM s (`array` INT, `emit` INT) WITH ('Key.Thing'=1)"),
            "CREATE STREAM S (`array` INTEGER, `emit` INTEGER) WITH ('Key.Thing'=1)");
}

TEST(RoundTrip, EveryStatementKind) {
  const char* statements[] = {
      ("CREATE OR REPLACE SOURCE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, h BYTES HEADER('k'), "
       "hs ARRAY<STRUCT<key STRING, value BYTES>> HEADERS, d DECIMAL(4, 2), m MAP<STRING, "
       "ARRAY<DOUBLE>>, a address) WITH (kafka_topic='t', partitions=3, wrap_single_value=false, "
       "x=1.50, y=-2E-3, z=NULL, v=${var})"),
      "CREATE TABLE t AS SELECT a, LATEST_BY_OFFSET(b) AS b FROM s GROUP BY a EMIT CHANGES",
      "CREATE SINK CONNECTOR c WITH ('connector.class'='x')",
      "INSERT INTO t WITH (QUERY_ID='q') SELECT * FROM s",
      "INSERT INTO t (a, `B`) VALUES (1, 'x''y', ARRAY[1.5], MAP('k':=1), STRUCT(f:=TRUE))",
      "SHOW STREAMS EXTENDED",
      "LIST TABLES",
      "SHOW ALL TOPICS EXTENDED",
      "SHOW QUERIES",
      "SHOW FUNCTIONS",
      "SHOW PROPERTIES",
      "SHOW TYPES",
      "SHOW VARIABLES",
      "SHOW CONNECTORS",
      "SHOW SOURCE CONNECTORS",
      "SHOW CONNECTOR PLUGINS",
      "DESCRIBE s EXTENDED",
      "DESCRIBE STREAMS",
      "DESCRIBE TABLES EXTENDED",
      "DESCRIBE FUNCTION explode",
      "DESCRIBE CONNECTOR c",
      "PRINT 'Topic' FROM BEGINNING INTERVAL 3 LIMIT 4",
      "TERMINATE q1",
      "TERMINATE ALL",
      "PAUSE q1",
      "RESUME ALL",
      "SET 'a.b'='c'",
      "UNSET 'a.b'",
      "ALTER SYSTEM 'x'='y'",
      "DEFINE myVar = 'v''1'",
      "UNDEFINE myVar",
      "DROP STREAM IF EXISTS s DELETE TOPIC",
      "DROP TABLE t",
      "DROP CONNECTOR IF EXISTS c",
      "DROP TYPE address",
      "EXPLAIN q1",
      "EXPLAIN SELECT * FROM s EMIT CHANGES",
      "CREATE TYPE IF NOT EXISTS a AS STRUCT<x INT>",
      "ALTER TABLE t ADD COLUMN c INT, ADD COLUMN d STRING",
      "ASSERT NOT EXISTS TOPIC 't' WITH (partitions=1) TIMEOUT 3 SECONDS",
      "ASSERT SCHEMA SUBJECT 's' ID 4 TIMEOUT 1 MINUTE",
      ("SELECT * FROM a LEFT JOIN b WITHIN (1 SECOND, 2 SECONDS) GRACE PERIOD 3 SECONDS ON a.x = "
       "b.x FULL OUTER JOIN c ON a.x = c.x RIGHT JOIN d ON a.x = d.x PARTITION BY a.x EMIT FINAL "
       "LIMIT 5"),
      ("SELECT k, COUNT(*) FROM s WINDOW HOPPING (SIZE 1 MINUTE, ADVANCE BY 1 SECOND, RETENTION "
       "1 DAY, GRACE PERIOD 0 SECONDS) GROUP BY (k, j)"),
      "SELECT k FROM s WINDOW SESSION (1 HOUR, GRACE PERIOD 1 MINUTE) GROUP BY k",
  };
  for (const char* sql : statements) {
    std::string out = round_trip(sql);
    EXPECT_FALSE(out.empty()) << sql;
  }
}

TEST(RoundTrip, TrickyExpressions) {
  const char* exprs[] = {
      "-1",
      "-(1)",
      "- -1",
      "-(-(a))",
      "+a",
      "1 - -1",
      "1.5E3 + 2e-2 + 0.0 + 1E300",
      "-9223372036854775808",
      "CAST(NULL AS STRUCT<`a b` INT>)",
      "a->b[1]->c",
      "TRANSFORM(x, (a, b) => a + b)",
      "CASE WHEN a THEN b END",
      "x NOT BETWEEN 1 AND 2 OR y NOT LIKE 'a' ESCAPE '\\' AND z NOT IN (1)",
      "a IS NOT DISTINCT FROM b",
      "`DATE` '2020-01-01'",
      "ts AT TIME ZONE 'UTC'",
      "TIMESTAMPADD(DAYS, 1, ts)",
      "'it''s' || ''",
      "${v} + 1",
  };
  for (const char* e : exprs) {
    auto first = parse_expression(e);
    ASSERT_TRUE(first.is_ok()) << e << ": " << first.status().message();
    std::string once = to_sql(**first);
    auto second = parse_expression(once);
    ASSERT_TRUE(second.is_ok()) << e << " -> " << once << ": " << second.status().message();
    EXPECT_EQ(to_sql(**second), once) << e;
  }
  // Negation of a literal stays a negation, not a negative literal.
  auto neg = parse_expression("-(1)");
  ASSERT_TRUE(neg.is_ok());
  EXPECT_EQ((*neg)->kind, ExprKind::kUnary);
  auto again = parse_expression(to_sql(**neg));
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ((*again)->kind, ExprKind::kUnary);
}

}  // namespace
}  // namespace sluice::sql
