// Expressions bound from SQL text and evaluated over a small batch.
#include <gtest/gtest.h>

#include "format/value.h"
#include "sql/exec/expression_executor.h"
#include "sql/functions/builtins.h"
#include "sql/parser/parser.h"
#include "sql/planner/binder.h"

namespace sluice::sql {
namespace {

using format::Type;
using format::Value;

// A batch with columns I INT, S STRING, D DOUBLE, A ARRAY<INT>, M MAP<STRING,INT>; two rows,
// the second all NULL.
class ExpressionTest : public ::testing::Test {
 protected:
  ExpressionTest()
      : batch_({{"I", Type::integer()},
                {"S", Type::string()},
                {"D", Type::double_()},
                {"A", Type::array(Type::integer())},
                {"M", Type::map(Type::string(), Type::integer())}},
               4) {
    batch_.set_size(2);
    format::write_value(batch_.column(0), 0, Value::integer(7));
    format::write_value(batch_.column(1), 0, Value::string("hello"));
    format::write_value(batch_.column(2), 0, Value::double_(2.5));
    format::write_value(batch_.column(3), 0,
                        Value::array(Type::integer(),
                                     {Value::integer(10), Value::integer(20), Value::integer(30)}));
    format::write_value(
        batch_.column(4), 0,
        Value::map(Type::string(), Type::integer(), {{Value::string("k"), Value::integer(1)}}));
    for (size_t c = 0; c < 5; ++c) {
      format::write_value(batch_.column(c), 1, Value::null(batch_.schema()[c].type));
    }
    batch_.rowtime()[0] = 1000;
    batch_.rowtime()[1] = 2000;
    for (size_t c = 0; c < batch_.schema().size(); ++c) {
      scope_.columns.push_back(
          {batch_.schema()[c].name, batch_.schema()[c].type, static_cast<int>(c)});
    }
  }

  Result<BoundExprPtr> bind(const std::string& sql) {
    auto ast = parse_expression(sql);
    if (!ast) return ast.status();
    ExprBinder binder(scope_, builtin_functions(), catalog_);
    return binder.bind(**ast);
  }

  // Row `row` of the expression's value, as text ("null" for NULL).
  std::string eval(const std::string& sql, uint32_t row = 0) {
    auto bound = bind(sql);
    if (!bound) return "ERROR " + bound.status().message();
    BoundExpr* root = bound->get();
    ExpressionState state(assign_slots(std::span<BoundExpr* const>(&root, 1)));
    const uint32_t rows[] = {0, 1};
    const format::Vector& v = state.eval(*root, batch_, rows);
    return format::read_value(v, row).to_string();
  }
  std::string type_of(const std::string& sql) {
    auto bound = bind(sql);
    return bound ? (*bound)->type.to_string() : "ERROR " + bound.status().message();
  }

  format::ColumnBatch batch_;
  Scope scope_;
  Catalog catalog_;
};

TEST_F(ExpressionTest, ArithmeticTypesFollowKsqlDb) {
  EXPECT_EQ(type_of("I + 1"), "INTEGER");
  EXPECT_EQ(type_of("I + 10000000000"), "BIGINT");
  EXPECT_EQ(type_of("I * D"), "DOUBLE");
  EXPECT_EQ(type_of("I + 1.25"), "DECIMAL(13, 2)");
  EXPECT_EQ(type_of("1.5 * 2.25"), "DECIMAL(6, 3)");
  EXPECT_EQ(eval("I * 3 - 1"), "20");
  EXPECT_EQ(eval("I / 2"), "3");
  EXPECT_EQ(eval("I % 4"), "3");
  EXPECT_EQ(eval("D * 2"), "5.0");
  EXPECT_EQ(eval("I + 1.25"), "8.25");
  EXPECT_EQ(eval("10.0 / 4"), "2.500000000000");
  // A DECIMAL quotient must be exact at the result scale (ksqlDB's RoundingMode.UNNECESSARY).
  EXPECT_EQ(eval("10.10 / 2.00"), "5.050000");  // DECIMAL(4,2) / DECIMAL(3,2): scale 6
  EXPECT_EQ(eval("1.00 / 3.00"), "null");
  EXPECT_EQ(eval("I + 1", 1), "null");
}

TEST_F(ExpressionTest, IntegerDivisionByZeroIsNull) {
  EXPECT_EQ(eval("I / 0"), "null");
  EXPECT_EQ(eval("2147483647 + 1"), "-2147483648");  // Java wraps
}

TEST_F(ExpressionTest, ThreeValuedLogic) {
  EXPECT_EQ(eval("I > 5 AND S = 'hello'"), "true");
  EXPECT_EQ(eval("I > 5 AND S = 'x'"), "false");
  EXPECT_EQ(eval("I > 5 AND S = 'x'", 1), "false");  // NULL comparisons are FALSE
  EXPECT_EQ(eval("(I > 5) OR TRUE", 1), "true");
  EXPECT_EQ(eval("(I > 5) AND FALSE", 1), "false");
  EXPECT_EQ(eval("NOT (I > 5)", 1), "true");
  EXPECT_EQ(eval("NOT CAST(NULL AS BOOLEAN)"), "null");
  EXPECT_EQ(eval("I IS NULL", 1), "true");
  EXPECT_EQ(eval("I IS NOT NULL"), "true");
  EXPECT_EQ(eval("I IS DISTINCT FROM NULL", 1), "false");
  EXPECT_EQ(eval("I IS DISTINCT FROM 3", 1), "true");
}

TEST_F(ExpressionTest, PredicatesAndCase) {
  EXPECT_EQ(eval("I BETWEEN 1 AND 7"), "true");
  EXPECT_EQ(eval("I NOT BETWEEN 1 AND 7"), "false");
  EXPECT_EQ(eval("I IN (1, 7, 9)"), "true");
  // ksqlDB's IN: NULL never matches and the result is never NULL.
  EXPECT_EQ(eval("I IN (1, NULL)"), "false");
  EXPECT_EQ(eval("I NOT IN (1, NULL)"), "true");
  EXPECT_EQ(eval("I IN (1, 2)", 1), "false");
  EXPECT_EQ(eval("I NOT IN (1, 2)", 1), "true");
  EXPECT_EQ(eval("S LIKE 'h%o'"), "true");
  EXPECT_EQ(eval("S LIKE '_ello'"), "true");
  EXPECT_EQ(eval("S NOT LIKE '%x%'"), "true");
  // ksqlDB's LIKE is a Java regex where % is .* and _ is ., which match no line terminator.
  EXPECT_EQ(eval("CONCAT('a', CHR(10), 'c') LIKE 'a%c'"), "false");
  EXPECT_EQ(eval("CONCAT('a', CHR(10), 'c') LIKE 'a_c'"), "false");
  EXPECT_EQ(eval("CONCAT('a', CHR(10), 'c') LIKE CONCAT('a', CHR(10), '%')"), "true");
  EXPECT_EQ(eval("CONCAT('ab', CHR(13), 'é') LIKE CONCAT('%b', CHR(13), '_')"), "true");
  EXPECT_EQ(eval("CASE WHEN I > 5 THEN 'big' ELSE 'small' END"), "big");
  EXPECT_EQ(eval("CASE WHEN I > 5 THEN 'big' END", 1), "null");
  EXPECT_EQ(eval("CASE I WHEN 7 THEN 1 WHEN 8 THEN 2 END"), "1");
}

TEST_F(ExpressionTest, SubscriptsAndCasts) {
  EXPECT_EQ(eval("A[1]"), "10");
  EXPECT_EQ(eval("A[-1]"), "30");
  EXPECT_EQ(eval("A[4]"), "null");
  EXPECT_EQ(eval("M['k']"), "1");
  EXPECT_EQ(eval("M['zz']"), "null");
  EXPECT_EQ(eval("CAST(I AS STRING)"), "7");
  EXPECT_EQ(eval("CAST('12' AS INT) + 1"), "13");
  EXPECT_EQ(eval("CAST(D AS DECIMAL(4, 2))"), "2.50");
  EXPECT_EQ(eval("CAST(S AS INT)"), "null");
  EXPECT_EQ(eval("ROWTIME", 1), "2000");
}

TEST_F(ExpressionTest, Functions) {
  EXPECT_EQ(eval("UCASE(S)"), "HELLO");
  EXPECT_EQ(eval("SUBSTRING(S, 2, 3)"), "ell");
  EXPECT_EQ(eval("SUBSTRING(S, -3)"), "llo");
  EXPECT_EQ(eval("CONCAT(S, ' ', 'world')"), "hello world");
  EXPECT_EQ(eval("LEN(S)"), "5");
  EXPECT_EQ(eval("COALESCE(S, 'x')", 1), "x");
  EXPECT_EQ(eval("IFNULL(I, 0)", 1), "0");
  EXPECT_EQ(eval("ABS(-I)"), "7");
  EXPECT_EQ(eval("ROUND(D)"), "3");
  EXPECT_EQ(eval("SPLIT('a,b', ',')"), "[a, b]");
}

TEST_F(ExpressionTest, Lambdas) {
  EXPECT_EQ(eval("TRANSFORM(A, x => x * 2)"), "[20, 40, 60]");
  EXPECT_EQ(eval("TRANSFORM(A, x => x + I)"), "[17, 27, 37]");  // reads an outer column
  EXPECT_EQ(eval("FILTER(A, x => x > 15)"), "[20, 30]");
  EXPECT_EQ(eval("REDUCE(A, 0, (s, x) => s + x)"), "60");
  EXPECT_EQ(eval("TRANSFORM(M, (k, v) => UCASE(k), (k, v) => v + 1)"), "{K=2}");
  EXPECT_EQ(eval("FILTER(M, (k, v) => v > 5)"), "{}");
  EXPECT_EQ(eval("REDUCE(M, 10, (s, k, v) => s + v)"), "11");
  EXPECT_EQ(eval("TRANSFORM(A, x => ARRAY_LENGTH(FILTER(A, y => y < x)))"), "[0, 1, 2]");
  EXPECT_EQ(eval("TRANSFORM(A, x => x * 2)", 1), "null");
  // ksqlDB's REDUCE: a NULL collection gives the initial state, a NULL initial state NULL.
  EXPECT_EQ(eval("REDUCE(A, 5, (s, x) => s + x)", 1), "5");
  EXPECT_EQ(eval("REDUCE(A, CAST(NULL AS INT), (s, x) => COALESCE(s, 0) + x)"), "null");
  EXPECT_EQ(type_of("TRANSFORM(A, x => CAST(x AS STRING))"), "ARRAY<STRING>");
  EXPECT_NE(type_of("FILTER(A, x => x + 1)").find("must return BOOLEAN"), std::string::npos);
}

TEST_F(ExpressionTest, ErrorsCarryPositions) {
  auto r = bind("I + nope");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(), "line 1:5: SELECT column 'NOPE' cannot be resolved.");
  r = bind("I = 'x'");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("Cannot compare I (INTEGER) to 'x' (STRING)"),
            std::string::npos);
  r = bind("I = NULL");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("Comparison with NULL not supported: INTEGER = NULL\nUse "
                                      "'IS NULL' or 'IS NOT NULL' instead."),
            std::string::npos)
      << r.status().message();
  EXPECT_TRUE(bind("I IS NOT DISTINCT FROM NULL").is_ok());
  r = bind("S BETWEEN 1 AND 'z'");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(
      r.status().message().find("Invalid expression: Cannot compare S (STRING) to 1 (INTEGER) with "
                                "GREATER_THAN_OR_EQUAL."),
      std::string::npos)
      << r.status().message();
  r = bind("NO_SUCH_FN(I)");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("Can't find any functions with the name 'NO_SUCH_FN'"),
            std::string::npos);
  r = bind("SUBSTRING(S, TRUE)");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("does not accept parameters (STRING, BOOLEAN)"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice::sql
