// SELECT: select items, joins, windows, grouping, emit and limit.
#include <gtest/gtest.h>

#include "sql/parser/tests/test_util.h"

namespace sluice::sql {
namespace {

using testing::parse_error;
using testing::parse_ok;

const Query* query_of(const StatementPtr& s) {
  if (!s) return nullptr;
  if (s->kind == StatementKind::kQuery) return &s->as<QueryStatement>().query;
  if (s->kind == StatementKind::kCreateAsSelect) return &s->as<CreateAsSelect>().query;
  if (s->kind == StatementKind::kInsertInto) return &s->as<InsertInto>().query;
  return nullptr;
}

TEST(Query, SelectItems) {
  auto s = parse_ok(
      "SELECT *, s.*, a, b AS bee, c cee, s.d, e->f->*, EXPLODE(arr) AS x, `Mixed` FROM s "
      "EMIT CHANGES;");
  const Query* q = query_of(s);
  ASSERT_TRUE(q);
  ASSERT_EQ(q->select.size(), 9u);
  EXPECT_EQ(q->select[0].kind, SelectItemKind::kAllColumns);
  EXPECT_TRUE(q->select[0].qualifier.empty());
  EXPECT_EQ(q->select[1].kind, SelectItemKind::kAllColumns);
  EXPECT_EQ(q->select[1].qualifier, "S");
  EXPECT_EQ(q->select[2].expr->as<ColumnRef>().name, "A");
  EXPECT_TRUE(q->select[2].alias.empty());
  EXPECT_EQ(q->select[3].alias, "BEE");
  EXPECT_EQ(q->select[4].alias, "CEE");
  EXPECT_EQ(q->select[5].expr->as<ColumnRef>().qualifier, "S");
  EXPECT_EQ(q->select[5].expr->as<ColumnRef>().name, "D");
  EXPECT_EQ(q->select[6].kind, SelectItemKind::kStructAll);
  EXPECT_EQ(to_sql(*q->select[6].expr), "E->F");
  EXPECT_EQ(q->select[7].expr->as<FunctionCall>().name, "EXPLODE");
  EXPECT_EQ(q->select[8].expr->as<ColumnRef>().name, "Mixed");
  EXPECT_TRUE(q->is_push());
}

TEST(Query, PullQueryHasNoEmit) {
  auto s = parse_ok("SELECT * FROM t WHERE id = 5 LIMIT 3;");
  const Query* q = query_of(s);
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->is_push());
  EXPECT_EQ(q->limit, 3);
  ASSERT_TRUE(q->where);
  EXPECT_EQ(to_sql(*q->where), "(ID = 5)");
}

TEST(Query, EmitFinalAndClauses) {
  auto s = parse_ok(
      "SELECT region, COUNT(*) FROM s WINDOW TUMBLING (SIZE 1 HOUR) WHERE x > 1 GROUP BY region "
      "HAVING COUNT(*) > 2 EMIT FINAL LIMIT 10");
  const Query* q = query_of(s);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->emit, EmitKind::kFinal);
  ASSERT_TRUE(q->window);
  EXPECT_EQ(q->group_by.size(), 1u);
  ASSERT_TRUE(q->having);
  EXPECT_EQ(to_sql(*q->having), "(COUNT(*) > 2)");
  EXPECT_EQ(q->limit, 10);
}

TEST(Query, RelationAliases) {
  auto s = parse_ok("SELECT * FROM orders o EMIT CHANGES");
  const Query* q = query_of(s);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->from.name, "ORDERS");
  EXPECT_EQ(q->from.alias, "O");
  // EMIT and PARTITION are non-reserved, but not aliases when their clause follows.
  s = parse_ok("SELECT * FROM orders PARTITION BY id EMIT CHANGES");
  q = query_of(s);
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->from.alias.empty());
  EXPECT_EQ(q->partition_by.size(), 1u);
  s = parse_ok("SELECT * FROM orders AS emit");
  q = query_of(s);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->from.alias, "EMIT");
}

TEST(Query, Joins) {
  auto s = parse_ok(
      "SELECT * FROM a "
      "JOIN b ON a.id = b.id "
      "INNER JOIN c AS cc WITHIN 10 SECONDS ON a.id = cc.id "
      "LEFT JOIN d WITHIN (1 MINUTE, 2 HOURS) GRACE PERIOD 5 MILLISECONDS ON a.id = d.id "
      "LEFT OUTER JOIN e ON a.id = e.id "
      "RIGHT JOIN f ON a.id = f.id "
      "FULL OUTER JOIN g WITHIN 1 DAY GRACE PERIOD 1 HOUR ON a.id = g.id "
      "FULL JOIN h ON a.id = h.id EMIT CHANGES");
  const Query* q = query_of(s);
  ASSERT_TRUE(q);
  ASSERT_EQ(q->joins.size(), 7u);
  EXPECT_EQ(q->joins[0].type, JoinType::kInner);
  EXPECT_FALSE(q->joins[0].within);
  EXPECT_EQ(to_sql(*q->joins[0].on), "(A.ID = B.ID)");
  EXPECT_EQ(q->joins[1].right.alias, "CC");
  ASSERT_TRUE(q->joins[1].within);
  EXPECT_TRUE(q->joins[1].within->symmetric);
  EXPECT_EQ(q->joins[1].within->before.to_millis(), 10'000);
  EXPECT_EQ(q->joins[1].within->after.to_millis(), 10'000);
  EXPECT_EQ(q->joins[2].type, JoinType::kLeft);
  EXPECT_FALSE(q->joins[2].within->symmetric);
  EXPECT_EQ(q->joins[2].within->before.to_millis(), 60'000);
  EXPECT_EQ(q->joins[2].within->after.to_millis(), 7'200'000);
  EXPECT_EQ(q->joins[2].within->grace->to_millis(), 5);
  EXPECT_EQ(q->joins[3].type, JoinType::kLeft);
  EXPECT_EQ(q->joins[4].type, JoinType::kRight);
  EXPECT_EQ(q->joins[5].type, JoinType::kFull);
  EXPECT_EQ(q->joins[5].within->grace->unit, TimeUnit::kHour);
  EXPECT_EQ(q->joins[6].type, JoinType::kFull);
}

TEST(Query, Windows) {
  auto s = parse_ok(
      "SELECT k, COUNT(*) FROM s WINDOW TUMBLING (SIZE 30 SECONDS, RETENTION 2 DAYS, GRACE "
      "PERIOD 10 MINUTES) GROUP BY k EMIT CHANGES");
  const Query* q = query_of(s);
  ASSERT_TRUE(q && q->window);
  EXPECT_EQ(q->window->type, WindowType::kTumbling);
  EXPECT_EQ(q->window->size.to_millis(), 30'000);
  EXPECT_EQ(q->window->retention->to_millis(), 2 * 86'400'000LL);
  EXPECT_EQ(q->window->grace->to_millis(), 600'000);

  s = parse_ok(
      "SELECT k, COUNT(*) FROM s WINDOW HOPPING (SIZE 1 MINUTE, ADVANCE BY 10 SECONDS, GRACE "
      "PERIOD 0 SECONDS) GROUP BY k EMIT CHANGES");
  q = query_of(s);
  ASSERT_TRUE(q && q->window);
  EXPECT_EQ(q->window->type, WindowType::kHopping);
  EXPECT_EQ(q->window->advance.to_millis(), 10'000);
  EXPECT_FALSE(q->window->retention);
  EXPECT_EQ(q->window->grace->to_millis(), 0);

  s = parse_ok("SELECT k, COUNT(*) FROM s WINDOW SESSION (5 MINUTES) GROUP BY k EMIT CHANGES");
  q = query_of(s);
  ASSERT_TRUE(q && q->window);
  EXPECT_EQ(q->window->type, WindowType::kSession);
  EXPECT_EQ(q->window->size.to_millis(), 300'000);

  // The legacy window name is accepted and dropped.
  s = parse_ok("SELECT k FROM s WINDOW w TUMBLING (SIZE 1 MILLISECOND) GROUP BY k");
  q = query_of(s);
  ASSERT_TRUE(q && q->window);
  EXPECT_EQ(q->window->size.to_millis(), 1);

  EXPECT_FALSE(parse_statement("SELECT k FROM s WINDOW TUMBLING (SIZE 1 WEEK) GROUP BY k").is_ok());
  EXPECT_FALSE(
      parse_statement("SELECT k FROM s WINDOW TUMBLING (SIZE 1 SECOND, GRACE PERIOD 1 SECOND, "
                      "RETENTION 1 DAY) GROUP BY k")
          .is_ok());
}

TEST(Query, GroupByAndPartitionByForms) {
  auto s = parse_ok("SELECT a, b FROM s GROUP BY a, b + 1");
  const Query* q = query_of(s);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->group_by.size(), 2u);
  s = parse_ok("SELECT a, b FROM s GROUP BY (a, b)");
  q = query_of(s);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->group_by.size(), 2u);
  s = parse_ok("SELECT a FROM s GROUP BY (a + 1) * 2, b");
  q = query_of(s);
  ASSERT_TRUE(q);
  ASSERT_EQ(q->group_by.size(), 2u);
  EXPECT_EQ(to_sql(*q->group_by[0]), "((A + 1) * 2)");
  s = parse_ok("SELECT * FROM s PARTITION BY (a, b->c) EMIT CHANGES");
  q = query_of(s);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->partition_by.size(), 2u);
  // An empty list parses only to be rejected, with ksqlDB's message and its position.
  EXPECT_EQ(parse_error("SELECT * FROM s PARTITION BY () EMIT CHANGES"),
            "line 1:30: PARTITION BY requires at least one expression");
  // Like ksqlDB: grouping items are value expressions, and a list is either bare or wrapped.
  EXPECT_FALSE(parse_statement("SELECT * FROM s GROUP BY a AND b").is_ok());
  EXPECT_FALSE(parse_statement("SELECT * FROM s GROUP BY a, (b, c)").is_ok());
}

TEST(Query, ReservedWordsNeedQuotesNonReservedDoNot) {
  auto s = parse_ok("SELECT key, timestamp, date, time, `SIZE`, `from` FROM `Window` EMIT CHANGES");
  const Query* q = query_of(s);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->select[0].expr->as<ColumnRef>().name, "KEY");
  EXPECT_EQ(q->select[1].expr->as<ColumnRef>().name, "TIMESTAMP");
  EXPECT_EQ(q->select[4].expr->as<ColumnRef>().name, "SIZE");
  EXPECT_EQ(q->select[5].expr->as<ColumnRef>().name, "from");
  EXPECT_EQ(q->from.name, "Window");
  EXPECT_FALSE(parse_statement("SELECT size FROM s").is_ok());
  EXPECT_FALSE(parse_statement("SELECT * FROM window").is_ok());
}

}  // namespace
}  // namespace sluice::sql
