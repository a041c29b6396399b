#include "sql/parser/expr_util.h"

#include <gtest/gtest.h>

#include "sql/parser/formatter.h"
#include "sql/parser/parser.h"

namespace sluice::sql {
namespace {

ExprPtr parse(std::string_view sql) {
  auto r = parse_expression(sql);
  EXPECT_TRUE(r.is_ok()) << sql << ": " << r.status().message();
  return r.is_ok() ? std::move(r).value() : nullptr;
}

constexpr const char* kSamples[] = {
    "a + 1 * b",
    "CASE x WHEN 1 THEN 'a' ELSE NULL END",
    "TRANSFORM(m, (k, v) => k || v)",
    "CAST(s->f[2] AS ARRAY<DECIMAL(4, 2)>)",
    "x NOT BETWEEN 1.5 AND 2E3 AND y NOT LIKE 'a%' ESCAPE '!' OR z IN (1, 2)",
    "MAP('a' := ARRAY[1], 'b' := ARRAY[]) IS NOT DISTINCT FROM STRUCT(f := TRUE)",
    "NOT -q.c IS NULL",
    "COUNT(*)",
    "TIMESTAMPADD(SECONDS, 1, ts) AT TIME ZONE 'UTC'",
    "`DATE` '2020-01-01'",
};

TEST(ExprUtil, CloneIsDeepAndEqual) {
  for (const char* sql : kSamples) {
    ExprPtr e = parse(sql);
    ASSERT_TRUE(e);
    ExprPtr c = clone_expr(*e);
    EXPECT_NE(c.get(), e.get());
    EXPECT_TRUE(expr_equals(*e, *c)) << sql;
    EXPECT_EQ(to_sql(*c), to_sql(*e));
    EXPECT_EQ(c->height, e->height);
    EXPECT_EQ(c->pos.offset, e->pos.offset);
    e.reset();  // the clone owns nothing of the original
    EXPECT_FALSE(to_sql(*c).empty());
  }
}

TEST(ExprUtil, EqualityIgnoresPositionsOnly) {
  ExprPtr a = parse("a + 1");
  ExprPtr b = parse("\n   A   +   1");
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(expr_equals(*a, *b));
  for (const char* other :
       {"a - 1", "a + 2", "b + 1", "s.a + 1", "a + 1.0", "1 + a", "(a + 1) + 0", "`a` + 1"}) {
    ExprPtr o = parse(other);
    ASSERT_TRUE(o);
    EXPECT_FALSE(expr_equals(*a, *o)) << other;
  }
  for (size_t i = 0; i < std::size(kSamples); ++i) {
    for (size_t j = 0; j < std::size(kSamples); ++j) {
      ExprPtr x = parse(kSamples[i]);
      ExprPtr y = parse(kSamples[j]);
      ASSERT_TRUE(x && y);
      EXPECT_EQ(expr_equals(*x, *y), i == j) << kSamples[i] << " vs " << kSamples[j];
    }
  }
}

}  // namespace
}  // namespace sluice::sql
