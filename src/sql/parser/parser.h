// Public entry points of the ksqlDB SQL parser: text in, AST (statement.h, expr.h) out.
//
// Thread-safety: free functions; no shared state; safe to call concurrently.
//
// The parser is a hand-written recursive descent over ksqlDB's grammar (SqlBase.g4): the same
// statements, the same precedence, the same reserved words. It never crashes: any input yields an
// AST or an error naming line and column, and expression nesting is bounded (kMaxExpressionDepth).
// Errors read like ksqlDB's ANTLR ones: "line 1:15: mismatched input 'FROM' expecting {...}".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sql/parser/data_type.h"
#include "sql/parser/expr.h"
#include "sql/parser/statement.h"

namespace sluice::sql {

// Deepest expression (or type) nesting accepted; deeper input is a parse error, not a crash.
// At that bound the parser needs under 512 KiB of stack in a release build (2 MiB under ASan),
// so it may run on any thread with a default-sized stack.
inline constexpr uint32_t kMaxExpressionDepth = 200;

struct ParseError {
  uint32_t line = 1;
  uint32_t column = 1;  // 1-based
  uint32_t offset = 0;  // byte offset into the parsed text
  std::string message;  // without the position prefix
  // "line L:C: message"
  std::string to_string() const;
};

struct ParsedStatement {
  StatementPtr statement;
  // The statement's source text, from its first token through its terminating ';' (when there is
  // one), as ksqlDB's REST API reports it in statementText.
  std::string text;
  uint32_t begin = 0;  // byte offsets of text in the script
  uint32_t end = 0;
};

struct ParseOptions {
  // ksqlDB requires every statement, the last included, to end with ';'. By default the last
  // one may omit it (convenient for the CLI and tests).
  bool require_semicolon = false;
};

struct ScriptParse {
  std::vector<ParsedStatement> statements;  // those before the error, when there is one
  std::optional<ParseError> error;
};

// Parses a script of ';'-separated statements, reporting the first error in detail.
ScriptParse parse_script_detailed(std::string_view sql, const ParseOptions& options = {});

// As above; an error becomes an kInvalidArgument Status whose message is ParseError::to_string().
Result<std::vector<ParsedStatement>> parse_script(std::string_view sql,
                                                  const ParseOptions& options = {});

// Exactly one statement (a trailing ';' is optional).
Result<StatementPtr> parse_statement(std::string_view sql);

// A single expression, as in ksqlDB's singleExpression rule.
Result<ExprPtr> parse_expression(std::string_view sql);

// A single type, e.g. "STRUCT<A INT, B ARRAY<STRING>>".
Result<DataType> parse_data_type(std::string_view sql);

// True if `word` (any case) is reserved in ksqlDB and must be quoted to be used as a name.
bool is_reserved_word(std::string_view word);

}  // namespace sluice::sql
