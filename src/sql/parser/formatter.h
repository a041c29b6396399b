// The unparser: prints an AST back as canonical ksqlDB SQL.
//
// Thread-safety: free functions; no shared state.
//
// Output follows ksqlDB's formatter where it shows (EXPLAIN, DESCRIBE EXTENDED): binary and
// predicate expressions fully parenthesised ("(A + B)"), names upper-case and quoted with
// backticks only when needed, one clause per line in queries ("SELECT *\nFROM S1 S1\n...").
// The guarantee tests rely on: parse(to_sql(ast)) yields an AST that prints identically, i.e.
// to_sql is a fixed point after one round trip. Statements are printed without the final ';'.
#pragma once

#include <string>
#include <string_view>

#include "sql/parser/data_type.h"
#include "sql/parser/expr.h"
#include "sql/parser/statement.h"

namespace sluice::sql {

std::string to_sql(const Statement& stmt);
std::string to_sql(const Query& query);
std::string to_sql(const Expr& expr);
std::string to_sql(const DataType& type);
std::string to_sql(const LiteralValue& value);

// A name as it must be written to read back as itself: bare when it is an upper-case identifier
// that is not a reserved word, back-quoted (with ` doubled) otherwise.
std::string format_identifier(std::string_view name);

// A SQL string literal: quoted, with ' doubled.
std::string format_string_literal(std::string_view s);

}  // namespace sluice::sql
