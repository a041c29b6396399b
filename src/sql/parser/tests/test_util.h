// Helpers shared by the parser tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "sql/parser/formatter.h"
#include "sql/parser/parser.h"

namespace sluice::sql::testing {

// Parses one statement; a parse error fails the test and yields null.
inline StatementPtr parse_ok(std::string_view sql) {
  auto r = parse_statement(sql);
  EXPECT_TRUE(r.is_ok()) << sql << "\n" << r.status().message();
  if (!r.is_ok()) return nullptr;
  return std::move(r).value();
}

// The canonical, fully parenthesised form of an expression, or "ERROR: message".
inline std::string expr_sql(std::string_view sql) {
  auto r = parse_expression(sql);
  if (!r.is_ok()) return "ERROR: " + r.status().message();
  return to_sql(**r);
}

// The error message of a statement that must fail to parse.
inline std::string parse_error(std::string_view sql) {
  auto r = parse_script(sql);
  EXPECT_FALSE(r.is_ok()) << sql;
  return r.is_ok() ? std::string() : r.status().message();
}

}  // namespace sluice::sql::testing
