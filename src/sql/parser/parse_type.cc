// Types: ARRAY<T>, MAP<K, V>, STRUCT<name T, ...>, DECIMAL(p, s), the primitive names, and any
// other name as a custom type (registered with CREATE TYPE, resolved by the catalog).
#include <fmt/format.h>

#include "sql/parser/parser_impl.h"

namespace sluice::sql {
namespace {

struct PrimitiveName {
  const char* name;
  TypeKind kind;
};
constexpr PrimitiveName kPrimitives[] = {
    {"BOOLEAN", TypeKind::kBoolean},     {"INT", TypeKind::kInt},
    {"INTEGER", TypeKind::kInt},         {"BIGINT", TypeKind::kBigInt},
    {"DOUBLE", TypeKind::kDouble},       {"STRING", TypeKind::kString},
    {"VARCHAR", TypeKind::kString},      {"BYTES", TypeKind::kBytes},
    {"TIMESTAMP", TypeKind::kTimestamp}, {"DATE", TypeKind::kDate},
    {"TIME", TypeKind::kTime},
};

}  // namespace

DataType Parser::data_type() {
  DepthGuard guard(*this);
  if (is_kw("ARRAY") && peek(1).type == TokenType::kLt) {
    advance();
    advance();
    DataType element = data_type();
    expect(TokenType::kGt);
    return DataType::array(std::move(element));
  }
  if (is_kw("MAP") && peek(1).type == TokenType::kLt) {
    advance();
    advance();
    DataType key = data_type();
    expect(TokenType::kComma);
    DataType value = data_type();
    expect(TokenType::kGt);
    return DataType::map(std::move(key), std::move(value));
  }
  // `STRUCT<>` lexes as STRUCT followed by the not-equal operator.
  if (is_kw("STRUCT") && peek(1).type == TokenType::kNeq && peek(1).text == "<>") {
    advance();
    advance();
    return DataType::primitive(TypeKind::kStruct);
  }
  if (is_kw("STRUCT") && peek(1).type == TokenType::kLt) {
    advance();
    advance();
    DataType t = DataType::primitive(TypeKind::kStruct);
    if (!accept(TokenType::kGt)) {
      do {
        StructField f;
        f.name = identifier();
        f.type = data_type();
        t.fields.push_back(std::move(f));
      } while (accept(TokenType::kComma));
      expect(TokenType::kGt);
    }
    return t;
  }
  if (accept_kw("DECIMAL")) {
    expect(TokenType::kLParen);
    SourcePos ppos = cur().pos;
    int64_t precision = integer_value();
    expect(TokenType::kComma);
    int64_t scale = integer_value();
    expect(TokenType::kRParen);
    if (precision > INT32_MAX || scale > INT32_MAX) {
      fail_at(ppos, "DECIMAL precision and scale must fit 32 bits");
    }
    return DataType::decimal(static_cast<int32_t>(precision), static_cast<int32_t>(scale));
  }
  if (!at_identifier()) {
    note_expected("'ARRAY'");
    note_expected("'MAP'");
    note_expected("'STRUCT'");
    note_expected("'DECIMAL'");
  }
  bool quoted = cur().type != TokenType::kIdentifier;
  std::string name = identifier();
  DataType t;
  bool found = false;
  if (!quoted) {
    for (const auto& p : kPrimitives) {
      if (name == p.name) {
        t = DataType::primitive(p.kind);
        found = true;
        break;
      }
    }
  }
  if (!found) t = DataType::custom(std::move(name));
  if (accept(TokenType::kLParen)) {
    do {
      TypeParameter p;
      if (is_kw("STRING")) {
        p.is_string_keyword = true;
        advance();
      } else {
        note_expected("'STRING'");
        p.value = integer_value();
      }
      t.params.push_back(p);
    } while (accept(TokenType::kComma));
    expect(TokenType::kRParen);
  }
  return t;
}

}  // namespace sluice::sql
