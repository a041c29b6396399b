// Bad input: the message names line, column and what was expected; nothing crashes.
#include <gtest/gtest.h>

#include <string>

#include "sql/parser/tests/test_util.h"

namespace sluice::sql {
namespace {

using testing::parse_error;

TEST(Errors, MismatchedInputNamesPositionAndExpectation) {
  EXPECT_EQ(parse_error("SELECT * FORM s;"),
            "line 1:10: mismatched input 'FORM' expecting {',', 'FROM'}");
  EXPECT_EQ(parse_error("SELECT a\nFROM s\nWHERE;"),
            "line 3:6: mismatched input ';' expecting expression");
  EXPECT_EQ(parse_error("CREATE STREAM s (a INT WITH (kafka_topic='x');"),
            "line 1:24: mismatched input 'WITH' expecting {'(', 'PRIMARY', 'KEY', "
            "'HEADERS', 'HEADER', ',', ')'}");
  EXPECT_EQ(parse_error("CREATE STREAM s WITH (kafka_topic);"),
            "line 1:34: mismatched input ')' expecting '='");
  EXPECT_EQ(parse_error("DROP VIEW v;"),
            "line 1:6: mismatched input 'VIEW' expecting {'STREAM', 'TABLE', 'CONNECTOR', "
            "'TYPE'}");
  EXPECT_EQ(parse_error("SELECT * FROM s WINDOW TUMBLING (SIZE 10) GROUP BY a;"),
            "line 1:41: mismatched input ')' expecting {'MILLISECOND', 'MILLISECONDS', 'SECOND', "
            "'SECONDS', 'MINUTE', 'MINUTES', 'HOUR', 'HOURS', 'DAY', 'DAYS'}");
  EXPECT_EQ(parse_error("SELECT * FROM s EMIT SOMETIMES;"),
            "line 1:22: mismatched input 'SOMETIMES' expecting {'CHANGES', 'FINAL'}");
  EXPECT_EQ(parse_error("INSERT INTO t VALUES (1, 2;"),
            "line 1:27: mismatched input ';' expecting {'*', '/', '%', '+', '-', '||', ',', "
            "')'}");
}

TEST(Errors, EndOfInput) {
  EXPECT_EQ(parse_error("SELECT * FROM"),
            "line 1:14: mismatched input '<EOF>' expecting IDENTIFIER");
  EXPECT_EQ(parse_error("CREATE TABLE"),
            "line 1:13: mismatched input '<EOF>' expecting {'IF', IDENTIFIER}");
}

TEST(Errors, UnknownStatementSuggestsKeyword) {
  EXPECT_EQ(parse_error("SELEC * FROM s;"),
            "line 1:1: unknown statement 'SELEC', did you mean 'SELECT'?");
  EXPECT_EQ(parse_error("SHOW STREAMS;\n  BANANA;"), "line 2:3: unknown statement 'BANANA'");
}

TEST(Errors, ReservedWordAsIdentifier) {
  std::string m = parse_error("CREATE STREAM s (size INT) WITH (kafka_topic='t');");
  EXPECT_EQ(m.substr(0, 44), "line 1:18: mismatched input 'size' expecting");
  EXPECT_NE(m.find("'size' is a reserved keyword"), std::string::npos) << m;
  EXPECT_NE(m.find("escaping it as `size`"), std::string::npos) << m;
}

TEST(Errors, ColumnsCountCharactersNotBytes) {
  std::string m = parse_error("SELECT 'é€', FROM s;");
  EXPECT_EQ(m.substr(0, 40), "line 1:14: mismatched input 'FROM' expec") << m;
}

TEST(Errors, LexicalErrors) {
  EXPECT_EQ(parse_error("SELECT 'abc FROM s;"), "line 1:8: unterminated string literal");
  EXPECT_EQ(parse_error("SELECT a # b FROM s;"), "line 1:10: unexpected character '#'");
  EXPECT_EQ(parse_error("SELECT a /* never closed"), "line 1:10: unterminated comment");
  EXPECT_EQ(parse_error("SELECT `abc FROM s"), "line 1:8: unterminated quoted identifier");
}

TEST(Errors, LiteralRanges) {
  EXPECT_EQ(parse_error("SELECT 99999999999999999999 FROM s;"),
            "line 1:8: Invalid numeric literal: 99999999999999999999");
  EXPECT_EQ(parse_error("SELECT -1.7976931348623160E308 FROM s;"),
            "line 1:8: Number overflows DOUBLE: -1.7976931348623160E308");
  EXPECT_EQ(parse_error("SELECT * FROM s LIMIT 99999999999999999999;"),
            "line 1:23: Invalid numeric literal: 99999999999999999999");
}

TEST(Errors, DeepNestingIsAnErrorNotACrash) {
  std::string deep(100000, '(');
  std::string m = parse_error("SELECT " + deep + "1 FROM s;");
  EXPECT_NE(m.find("nested too deeply"), std::string::npos) << m;
  std::string nots;
  for (int i = 0; i < 100000; ++i) nots += "NOT ";
  m = parse_error("SELECT * FROM s WHERE " + nots + "a;");
  EXPECT_NE(m.find("nested too deeply"), std::string::npos) << m;
  std::string minus(100000, '-');
  // `--` starts a comment, so interleave spaces.
  std::string negs;
  for (int i = 0; i < 50000; ++i) negs += "- ";
  m = parse_error("SELECT " + negs + "a FROM s;");
  EXPECT_NE(m.find("nested too deeply"), std::string::npos) << m;
  std::string types;
  for (int i = 0; i < 50000; ++i) types += "ARRAY<";
  m = parse_error("CREATE STREAM s (a " + types + "INT);");
  EXPECT_NE(m.find("nested too deeply"), std::string::npos) << m;
  std::string explains;
  for (int i = 0; i < 100000; ++i) explains += "EXPLAIN ";
  m = parse_error(explains + "SELECT * FROM s;");
  EXPECT_NE(m.find("nested too deeply"), std::string::npos) << m;
  // Long flat chains build deep left-leaning trees; they are bounded too.
  std::string chain = "a";
  for (int i = 0; i < 100000; ++i) chain += " + a";
  m = parse_error("SELECT " + chain + " FROM s;");
  EXPECT_NE(m.find("nested too deeply"), std::string::npos) << m;
  // Redundant parentheses add no tree height; the recursion bound still holds.
  std::string parens(size_t{kMaxExpressionDepth} * 2, '(');
  std::string closes(size_t{kMaxExpressionDepth} * 2, ')');
  EXPECT_TRUE(parse_statement("SELECT " + parens + "1" + closes + " FROM s").is_ok());
  // But reasonable depth is fine.
  std::string ok = "a";
  for (int i = 0; i < 150; ++i) {
    ok.insert(0, "(");
    ok += " + 1)";
  }
  EXPECT_TRUE(parse_statement("SELECT " + ok + " FROM s").is_ok());
}

TEST(Errors, GarbageNeverCrashes) {
  const char* inputs[] = {"",
                          ";",
                          "(",
                          ")",
                          "SELECT",
                          "SELECT (",
                          "CREATE",
                          "'",
                          "`",
                          "\"",
                          "${",
                          "${}",
                          "-- only",
                          "/*",
                          "SELECT * FROM s ->",
                          "SELECT a->* FROM s",
                          "SELECT (a+b)->* FROM s",
                          "CASE",
                          "EXPLAIN",
                          "INSERT INTO",
                          "DESCRIBE",
                          "PRINT",
                          "SET 'a'",
                          "DEFINE x =",
                          "SELECT f(x =>) FROM s",
                          "SELECT * FROM s WINDOW",
                          "\xff\xfe"};
  for (const char* in : inputs) {
    ScriptParse r = parse_script_detailed(in);
    if (r.error) {
      EXPECT_GE(r.error->line, 1u) << in;
      EXPECT_GE(r.error->column, 1u) << in;
      EXPECT_FALSE(r.error->message.empty()) << in;
    }
  }
}

}  // namespace
}  // namespace sluice::sql
