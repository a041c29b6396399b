// Expressions: precedence, literals, identifiers, and every node kind.
#include <gtest/gtest.h>

#include <limits>

#include "sql/parser/tests/test_util.h"

namespace sluice::sql {
namespace {

using testing::expr_sql;

LiteralValue literal(std::string_view sql) {
  auto r = parse_expression(sql);
  EXPECT_TRUE(r.is_ok()) << sql << ": " << r.status().message();
  if (!r.is_ok() || (*r)->kind != ExprKind::kLiteral) {
    ADD_FAILURE() << sql << " is not a literal";
    return {};
  }
  return (*r)->as<Literal>().value;
}

TEST(Expression, ArithmeticPrecedence) {
  EXPECT_EQ(expr_sql("1 + 2 * 3"), "(1 + (2 * 3))");
  EXPECT_EQ(expr_sql("(1 + 2) * 3"), "((1 + 2) * 3)");
  EXPECT_EQ(expr_sql("a - b - c"), "((A - B) - C)");
  EXPECT_EQ(expr_sql("a / b % c * d"), "(((A / B) % C) * D)");
  EXPECT_EQ(expr_sql("-a * b"), "(-A * B)");
  EXPECT_EQ(expr_sql("a - -1"), "(A - -1)");
  EXPECT_EQ(expr_sql("- - a"), "-(-A)");
  // || binds looser than + in ksqlDB.
  EXPECT_EQ(expr_sql("a || b + c"), "(A || (B + C))");
  EXPECT_EQ(expr_sql("a + b || c"), "((A + B) || C)");
}

TEST(Expression, BooleanPrecedence) {
  EXPECT_EQ(expr_sql("a OR b AND c"), "(A OR (B AND C))");
  EXPECT_EQ(expr_sql("a AND b OR c AND d"), "((A AND B) OR (C AND D))");
  EXPECT_EQ(expr_sql("NOT a AND b"), "((NOT A) AND B)");
  EXPECT_EQ(expr_sql("NOT a = b"), "(NOT (A = B))");
  EXPECT_EQ(expr_sql("a = 1 OR NOT b IS NULL"), "((A = 1) OR (NOT (B IS NULL)))");
  EXPECT_EQ(expr_sql("a + 1 > b * 2"), "((A + 1) > (B * 2))");
  EXPECT_EQ(expr_sql("x || 'a' = 'ba'"), "((X || 'a') = 'ba')");
  EXPECT_EQ(expr_sql("NOT NOT a"), "(NOT (NOT A))");
}

TEST(Expression, Predicates) {
  EXPECT_EQ(expr_sql("a = b"), "(A = B)");
  EXPECT_EQ(expr_sql("a != b"), "(A <> B)");
  EXPECT_EQ(expr_sql("a <> b"), "(A <> B)");
  EXPECT_EQ(expr_sql("a <= b"), "(A <= B)");
  EXPECT_EQ(expr_sql("a >= b"), "(A >= B)");
  EXPECT_EQ(expr_sql("a < b"), "(A < B)");
  EXPECT_EQ(expr_sql("a > b"), "(A > B)");
  EXPECT_EQ(expr_sql("a IS NULL"), "(A IS NULL)");
  EXPECT_EQ(expr_sql("a IS NOT NULL"), "(A IS NOT NULL)");
  EXPECT_EQ(expr_sql("a IS DISTINCT FROM b"), "(A IS DISTINCT FROM B)");
  EXPECT_EQ(expr_sql("a IS NOT DISTINCT FROM b"), "(A IS NOT DISTINCT FROM B)");
  EXPECT_EQ(expr_sql("a BETWEEN 1 AND 2 + 3"), "(A BETWEEN 1 AND (2 + 3))");
  EXPECT_EQ(expr_sql("a NOT BETWEEN 1 AND 2 AND b"), "((A NOT BETWEEN 1 AND 2) AND B)");
  EXPECT_EQ(expr_sql("a LIKE 'x%'"), "(A LIKE 'x%')");
  EXPECT_EQ(expr_sql("a NOT LIKE 'x!%' ESCAPE '!'"), "(A NOT LIKE 'x!%' ESCAPE '!')");
  EXPECT_EQ(expr_sql("a IN (1, 2, b + 1)"), "(A IN (1, 2, (B + 1)))");
  EXPECT_EQ(expr_sql("a NOT IN ('x')"), "(A NOT IN ('x'))");
  // One predicate per value expression, as in ksqlDB.
  EXPECT_EQ(expr_sql("a = b = c").substr(0, 6), "ERROR:");
}

TEST(Expression, IntegerLiteralsPickIntOrBigint) {
  EXPECT_EQ(literal("1").type, LiteralType::kInt);
  EXPECT_EQ(literal("2147483647").type, LiteralType::kInt);
  EXPECT_EQ(literal("2147483648").type, LiteralType::kBigInt);
  EXPECT_EQ(literal("-2147483648").type, LiteralType::kInt);
  EXPECT_EQ(literal("-2147483649").type, LiteralType::kBigInt);
  EXPECT_EQ(literal("9223372036854775807").int_value, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(literal("-9223372036854775808").int_value, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(expr_sql("9223372036854775808"),
            "ERROR: line 1:1: Invalid numeric literal: 9223372036854775808");
}

TEST(Expression, DecimalAndDoubleLiterals) {
  LiteralValue d = literal("1.50");
  EXPECT_EQ(d.type, LiteralType::kDecimal);
  EXPECT_EQ(d.text, "1.50");
  EXPECT_EQ(d.precision, 3);
  EXPECT_EQ(d.scale, 2);
  d = literal("-0.05");
  EXPECT_EQ(d.text, "-0.05");
  EXPECT_EQ(d.precision, 2);
  EXPECT_EQ(d.scale, 2);
  d = literal(".5");
  EXPECT_EQ(d.precision, 1);
  EXPECT_EQ(d.scale, 1);
  d = literal("12.");
  EXPECT_EQ(d.precision, 2);
  EXPECT_EQ(d.scale, 0);
  LiteralValue f = literal("1.5E3");
  EXPECT_EQ(f.type, LiteralType::kDouble);
  EXPECT_DOUBLE_EQ(f.double_value, 1500.0);
  EXPECT_DOUBLE_EQ(literal("-2e-2").double_value, -0.02);
  EXPECT_EQ(expr_sql("1E999"), "ERROR: line 1:1: Number overflows DOUBLE: 1E999");
}

TEST(Expression, OtherLiterals) {
  EXPECT_EQ(literal("'it''s'"), LiteralValue::string("it's"));
  EXPECT_EQ(literal("TRUE"), LiteralValue::boolean(true));
  EXPECT_EQ(literal("false"), LiteralValue::boolean(false));
  EXPECT_EQ(literal("null").type, LiteralType::kNull);
  LiteralValue v = literal("${limit}");
  EXPECT_EQ(v.type, LiteralType::kVariable);
  EXPECT_EQ(v.text, "limit");
  EXPECT_EQ(expr_sql("ARRAY[1, 2]"), "ARRAY[1, 2]");
  EXPECT_EQ(expr_sql("ARRAY[]"), "ARRAY[]");
  EXPECT_EQ(expr_sql("MAP('a' := 1, 'b' := 2)"), "MAP('a':=1, 'b':=2)");
  EXPECT_EQ(expr_sql("STRUCT(name := 'x', `Age` := 3)"), "STRUCT(NAME:='x', `Age`:=3)");
  EXPECT_EQ(expr_sql("DATE '2020-01-01'"), "`DATE` '2020-01-01'");
  EXPECT_EQ(expr_sql("ts AT TIME ZONE 'UTC'"), "(TS AT TIME ZONE 'UTC')");
}

TEST(Expression, IdentifierCasing) {
  auto r = parse_expression("abc + `AbC` + \"aBc\" + s.Col + `S`.`c`");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(to_sql(**r), "((((ABC + `AbC`) + `aBc`) + S.COL) + S.`c`)");
  auto c = parse_expression("`x``y`");
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ((*c)->as<ColumnRef>().name, "x`y");
}

TEST(Expression, AccessorsChain) {
  EXPECT_EQ(expr_sql("a[1]"), "A[1]");
  EXPECT_EQ(expr_sql("m['k']['j']"), "M['k']['j']");
  EXPECT_EQ(expr_sql("s->f->g"), "S->F->G");
  EXPECT_EQ(expr_sql("src.s->f[2]->g"), "SRC.S->F[2]->G");
  EXPECT_EQ(expr_sql("arr[-1] + 1"), "(ARR[-1] + 1)");
  EXPECT_EQ(expr_sql("f(x)[1]->y"), "F(X)[1]->Y");
  auto r = parse_expression("s->f->g");
  ASSERT_TRUE(r.is_ok());
  const auto& outer = (*r)->as<Dereference>();
  EXPECT_EQ(outer.field, "G");
  EXPECT_EQ(outer.base->as<Dereference>().field, "F");
}

TEST(Expression, CastAndCase) {
  EXPECT_EQ(expr_sql("CAST(a AS DECIMAL(10, 2))"), "CAST(A AS DECIMAL(10, 2))");
  EXPECT_EQ(expr_sql("cast(a as array<map<string, int>>)"),
            "CAST(A AS ARRAY<MAP<STRING, INTEGER>>)");
  EXPECT_EQ(expr_sql("CASE WHEN a > 1 THEN 'x' WHEN a IS NULL THEN 'n' ELSE 'y' END"),
            "(CASE WHEN (A > 1) THEN 'x' WHEN (A IS NULL) THEN 'n' ELSE 'y' END)");
  EXPECT_EQ(expr_sql("CASE a WHEN 1 THEN 'one' END"), "(CASE A WHEN 1 THEN 'one' END)");
  auto r = parse_expression("CASE a WHEN 1 THEN 'one' END");
  ASSERT_TRUE(r.is_ok());
  const auto& c = (*r)->as<Case>();
  ASSERT_TRUE(c.operand);
  EXPECT_EQ(c.whens.size(), 1u);
  EXPECT_EQ(c.else_result, nullptr);
}

TEST(Expression, FunctionsAndLambdas) {
  EXPECT_EQ(expr_sql("count(*)"), "COUNT(*)");
  EXPECT_EQ(expr_sql("now()"), "NOW()");
  EXPECT_EQ(expr_sql("SUBSTRING(s, 1, 2)"), "SUBSTRING(S, 1, 2)");
  EXPECT_EQ(expr_sql("TIMESTAMPADD(SECONDS, 5, ts)"), "TIMESTAMPADD(SECONDS, 5, TS)");
  EXPECT_EQ(expr_sql("TRANSFORM(arr, x => x + 1)"), "TRANSFORM(ARR, X => (X + 1))");
  EXPECT_EQ(expr_sql("REDUCE(arr, 0, (s, x) => s + x)"), "REDUCE(ARR, 0, (S, X) => (S + X))");
  EXPECT_EQ(expr_sql("TRANSFORM(m, (k, v) => UCASE(k), (k, v) => v * 2)"),
            "TRANSFORM(M, (K, V) => UCASE(K), (K, V) => (V * 2))");
  auto r = parse_expression("FILTER(arr, x => x > y)");
  ASSERT_TRUE(r.is_ok());
  const auto& call = (*r)->as<FunctionCall>();
  ASSERT_EQ(call.args.size(), 2u);
  const auto& lam = call.args[1]->as<Lambda>();
  EXPECT_EQ(lam.params, std::vector<std::string>{"X"});
  const auto& cmp = lam.body->as<Comparison>();
  EXPECT_EQ(cmp.left->kind, ExprKind::kLambdaVariable);  // a lambda parameter
  EXPECT_EQ(cmp.right->kind, ExprKind::kColumnRef);      // a column
  auto u = parse_expression("TIMESTAMPADD(MINUTES, 1, ts)");
  ASSERT_TRUE(u.is_ok());
  EXPECT_EQ((*u)->as<FunctionCall>().args[0]->as<IntervalUnit>().unit, TimeUnit::kMinute);
  // Lambdas come after the ordinary arguments.
  EXPECT_EQ(expr_sql("TRANSFORM(x => x, arr)").substr(0, 6), "ERROR:");
}

TEST(Expression, PositionsPointAtFirstToken) {
  auto r = parse_expression("\n  a +\n b");
  ASSERT_TRUE(r.is_ok());
  const auto& add = (*r)->as<Arithmetic>();
  EXPECT_EQ(add.pos.line, 2u);
  EXPECT_EQ(add.pos.column, 3u);
  EXPECT_EQ(add.right->pos.line, 3u);
  EXPECT_EQ(add.right->pos.column, 2u);
  EXPECT_EQ(add.height, 2u);
}

TEST(Expression, ForEachChildVisitsInSourceOrder) {
  auto r = parse_expression("CASE x WHEN 1 THEN a ELSE b END");
  ASSERT_TRUE(r.is_ok());
  std::vector<std::string> seen;
  for_each_child(**r, [&](const Expr& c) { seen.push_back(to_sql(c)); });
  EXPECT_EQ(seen, (std::vector<std::string>{"X", "1", "A", "B"}));
  int columns = 0;
  visit_expr(**r, [&](const auto& node) {
    using T = std::decay_t<decltype(node)>;
    if constexpr (std::is_same_v<T, Case>) columns = static_cast<int>(node.whens.size());
  });
  EXPECT_EQ(columns, 1);
}

}  // namespace
}  // namespace sluice::sql
