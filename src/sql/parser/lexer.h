// Lexer for ksqlDB SQL: turns text into tokens with source positions.
//
// Thread-safety: free functions over their arguments; no shared state.
//
// Keywords are not token types: an unquoted word is a kIdentifier whose `text` is upper-cased, and
// the parser decides from context whether it is a keyword (ksqlDB has many non-reserved ones).
// Comments (`--` to end of line, `/* ... */`) and whitespace are skipped. Malformed input (an
// unterminated string, a stray character) yields one kError token carrying the message, followed
// by kEof; the lexer never fails otherwise.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sql/parser/expr.h"

namespace sluice::sql {

enum class TokenType : uint8_t {
  kEof,
  kIdentifier,            // unquoted; text upper-cased
  kQuotedIdentifier,      // "Name": text unescaped, case kept
  kBackquotedIdentifier,  // `Name`: text unescaped, case kept
  kDigitIdentifier,       // 1abc: text upper-cased
  kString,                // 'it''s': text unescaped
  kInteger,               // 123
  kDecimal,               // 1.5, .5, 1.
  kFloat,                 // 1.5E3, 1E3
  kVariable,              // ${name}: text is the name
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kDot,
  kSemicolon,
  kEq,
  kNeq,  // <> or !=
  kLt,
  kLte,
  kGt,
  kGte,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kConcat,       // ||
  kAssign,       // :=
  kArrow,        // ->
  kLambdaArrow,  // =>
  kError,        // text is the message
};

struct Token {
  TokenType type = TokenType::kEof;
  std::string text;
  SourcePos pos;     // of the first byte
  uint32_t end = 0;  // byte offset one past the last byte
};

// Tokenizes the whole input; the result always ends with a kEof token.
std::vector<Token> tokenize(std::string_view sql);

// ANTLR-style display name of a token type, used in "expecting ..." lists ("'('", "STRING").
const char* token_type_display(TokenType type);

}  // namespace sluice::sql
