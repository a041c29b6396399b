// Expressions, with ksqlDB's precedence (loosest first):
//   OR < AND < NOT < predicate (comparison, BETWEEN, IN, LIKE, IS [NOT] NULL, IS DISTINCT FROM)
//   < || < + - < * / % < unary + - < AT TIME ZONE < postfix ([i], ->f) < primary.
// A predicate applies once to value expressions: `a = b = c` is a syntax error, as in ksqlDB.
#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "sql/parser/parser_impl.h"

namespace sluice::sql {
namespace {

template <typename T>
std::unique_ptr<T> make(SourcePos pos) {
  return std::make_unique<T>(pos);
}

}  // namespace

ExprPtr Parser::expression() {
  return or_expr();
}

ExprPtr Parser::or_expr() {
  ExprPtr left = and_expr();
  while (accept_kw("OR")) {
    auto e = make<Logical>(left->pos);
    e->op = LogicalOp::kOr;
    e->left = std::move(left);
    e->right = and_expr();
    finish(*e);
    left = std::move(e);
  }
  return left;
}

ExprPtr Parser::and_expr() {
  ExprPtr left = not_expr();
  while (accept_kw("AND")) {
    auto e = make<Logical>(left->pos);
    e->op = LogicalOp::kAnd;
    e->left = std::move(left);
    e->right = not_expr();
    finish(*e);
    left = std::move(e);
  }
  return left;
}

ExprPtr Parser::not_expr() {
  SourcePos pos = cur().pos;
  if (accept_kw("NOT")) {
    DepthGuard guard(*this);
    auto e = make<Not>(pos);
    e->operand = not_expr();
    finish(*e);
    return e;
  }
  return predicated();
}

ExprPtr Parser::predicated() {
  ExprPtr value = value_expr();
  SourcePos pos = value->pos;
  auto compare = [&](CompareOp op) -> ExprPtr {
    advance();
    auto e = make<Comparison>(pos);
    e->op = op;
    e->left = std::move(value);
    e->right = value_expr();
    finish(*e);
    return e;
  };
  switch (cur().type) {
    case TokenType::kEq:
      return compare(CompareOp::kEq);
    case TokenType::kNeq:
      return compare(CompareOp::kNe);
    case TokenType::kLt:
      return compare(CompareOp::kLt);
    case TokenType::kLte:
      return compare(CompareOp::kLe);
    case TokenType::kGt:
      return compare(CompareOp::kGt);
    case TokenType::kGte:
      return compare(CompareOp::kGe);
    default:
      break;
  }
  for (TokenType t : {TokenType::kEq, TokenType::kNeq, TokenType::kLt, TokenType::kLte,
                      TokenType::kGt, TokenType::kGte}) {
    note_expected(token_type_display(t));
  }
  if (accept_kw("IS")) {
    bool negated = accept_kw("NOT");
    if (accept_kw("DISTINCT")) {
      expect_kw("FROM");
      auto e = make<Comparison>(pos);
      e->op = negated ? CompareOp::kIsNotDistinctFrom : CompareOp::kIsDistinctFrom;
      e->left = std::move(value);
      e->right = value_expr();
      finish(*e);
      return e;
    }
    expect_kw("NULL");
    auto e = make<IsNull>(pos);
    e->operand = std::move(value);
    e->negated = negated;
    finish(*e);
    return e;
  }
  bool negated = false;
  if (is_kw("NOT") && (is_kw("BETWEEN", 1) || is_kw("IN", 1) || is_kw("LIKE", 1))) {
    advance();
    negated = true;
  }
  if (accept_kw("BETWEEN")) {
    auto e = make<Between>(pos);
    e->value = std::move(value);
    e->negated = negated;
    e->low = value_expr();
    expect_kw("AND");
    e->high = value_expr();
    finish(*e);
    return e;
  }
  if (accept_kw("IN")) {
    auto e = make<InList>(pos);
    e->value = std::move(value);
    e->negated = negated;
    expect(TokenType::kLParen);
    do {
      e->list.push_back(expression());
    } while (accept(TokenType::kComma));
    expect(TokenType::kRParen);
    finish(*e);
    return e;
  }
  if (accept_kw("LIKE")) {
    auto e = make<Like>(pos);
    e->value = std::move(value);
    e->negated = negated;
    e->pattern = value_expr();
    if (accept_kw("ESCAPE")) {
      expect(TokenType::kString);
      e->escape = tokens_[i_ - 1].text;
    }
    finish(*e);
    return e;
  }
  return value;
}

ExprPtr Parser::value_expr() {
  ExprPtr left = additive();
  while (accept(TokenType::kConcat)) {
    auto e = make<Arithmetic>(left->pos);
    e->op = ArithOp::kConcat;
    e->left = std::move(left);
    e->right = additive();
    finish(*e);
    left = std::move(e);
  }
  return left;
}

ExprPtr Parser::additive() {
  ExprPtr left = multiplicative();
  while (true) {
    ArithOp op;
    if (accept(TokenType::kPlus)) {
      op = ArithOp::kAdd;
    } else if (accept(TokenType::kMinus)) {
      op = ArithOp::kSub;
    } else {
      return left;
    }
    auto e = make<Arithmetic>(left->pos);
    e->op = op;
    e->left = std::move(left);
    e->right = multiplicative();
    finish(*e);
    left = std::move(e);
  }
}

ExprPtr Parser::multiplicative() {
  ExprPtr left = unary();
  while (true) {
    ArithOp op;
    if (accept(TokenType::kStar)) {
      op = ArithOp::kMul;
    } else if (accept(TokenType::kSlash)) {
      op = ArithOp::kDiv;
    } else if (accept(TokenType::kPercent)) {
      op = ArithOp::kMod;
    } else {
      return left;
    }
    auto e = make<Arithmetic>(left->pos);
    e->op = op;
    e->left = std::move(left);
    e->right = unary();
    finish(*e);
    left = std::move(e);
  }
}

ExprPtr Parser::unary() {
  SourcePos pos = cur().pos;
  // `-1` is a negative literal (ksqlDB's number rule takes the sign), not a negation.
  if (at_number()) {
    auto e = make<Literal>(pos);
    e->value = number_literal();
    return e;
  }
  if (at(TokenType::kMinus) || at(TokenType::kPlus)) {
    DepthGuard guard(*this);
    auto e = make<Unary>(pos);
    e->op = at(TokenType::kMinus) ? UnaryOp::kMinus : UnaryOp::kPlus;
    advance();
    e->operand = unary();
    finish(*e);
    return e;
  }
  ExprPtr value = postfix();
  while (accept_kw("AT")) {
    expect_kw("TIME");
    expect_kw("ZONE");
    expect(TokenType::kString);
    auto e = make<AtTimeZone>(value->pos);
    e->operand = std::move(value);
    e->zone = tokens_[i_ - 1].text;
    finish(*e);
    value = std::move(e);
  }
  return value;
}

// Every recursive path through expressions (parentheses, calls, subscripts, CASE, lambdas) runs
// through here, so this guard (with those in unary(), not_expr() and data_type()) bounds stack use.
ExprPtr Parser::postfix() {
  DepthGuard guard(*this);
  ExprPtr base = primary();
  while (true) {
    if (accept(TokenType::kLBracket)) {
      auto e = make<Subscript>(base->pos);
      e->base = std::move(base);
      e->index = value_expr();
      expect(TokenType::kRBracket);
      finish(*e);
      base = std::move(e);
    } else if (at(TokenType::kArrow) && peek(1).type != TokenType::kStar) {
      advance();
      auto e = make<Dereference>(base->pos);
      e->base = std::move(base);
      e->field = identifier();
      finish(*e);
      base = std::move(e);
    } else {
      note_expected("'['");
      note_expected("'->'");
      return base;
    }
  }
}

bool Parser::at_number() const {
  size_t k = at(TokenType::kMinus) ? 1 : 0;
  TokenType t = peek(k).type;
  return t == TokenType::kInteger || t == TokenType::kDecimal || t == TokenType::kFloat;
}

LiteralValue Parser::number_literal() {
  SourcePos pos = cur().pos;
  bool negative = accept(TokenType::kMinus);
  const Token& t = cur();
  std::string text = (negative ? "-" : "") + t.text;
  LiteralValue v;
  switch (t.type) {
    case TokenType::kInteger: {
      int64_t n = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || p != text.data() + text.size()) {
        fail_at(pos, fmt::format("Invalid numeric literal: {}", text));
      }
      v = LiteralValue::integer(n);
      break;
    }
    case TokenType::kDecimal:
      v = LiteralValue::decimal(text);
      break;
    case TokenType::kFloat: {
      errno = 0;
      double d = std::strtod(text.c_str(), nullptr);
      if (std::isinf(d)) fail_at(pos, fmt::format("Number overflows DOUBLE: {}", text));
      v = LiteralValue::dbl(d);
      break;
    }
    default:
      note_expected("INTEGER_VALUE");
      note_expected("DECIMAL_VALUE");
      note_expected("FLOATING_POINT_VALUE");
      fail_expected();
  }
  advance();
  return v;
}

LiteralValue Parser::literal_value() {
  if (accept_kw("NULL")) return LiteralValue::null();
  if (accept_kw("TRUE")) return LiteralValue::boolean(true);
  if (accept_kw("FALSE")) return LiteralValue::boolean(false);
  if (at(TokenType::kString)) {
    LiteralValue v = LiteralValue::string(cur().text);
    advance();
    return v;
  }
  if (at(TokenType::kVariable)) {
    LiteralValue v;
    v.type = LiteralType::kVariable;
    v.text = cur().text;
    advance();
    return v;
  }
  note_expected("STRING");
  note_expected("VARIABLE");
  return number_literal();
}

ExprPtr Parser::primary() {
  SourcePos pos = cur().pos;
  const Token& t = cur();
  if (t.type == TokenType::kString || t.type == TokenType::kVariable || is_kw("NULL") ||
      is_kw("TRUE") || is_kw("FALSE")) {
    auto e = make<Literal>(pos);
    e->value = literal_value();
    return e;
  }
  if (accept(TokenType::kLParen)) {
    ExprPtr inner = expression();
    expect(TokenType::kRParen);
    return inner;
  }
  if (accept_kw("CASE")) return case_expr(pos);
  if (accept_kw("CAST")) {
    auto e = make<Cast>(pos);
    expect(TokenType::kLParen);
    e->operand = expression();
    expect_kw("AS");
    e->type = data_type();
    expect(TokenType::kRParen);
    finish(*e);
    return e;
  }
  if (is_kw("ARRAY") && peek(1).type == TokenType::kLBracket) {
    advance();
    advance();
    auto e = make<ArrayCtor>(pos);
    if (!at(TokenType::kRBracket)) {
      do {
        e->elements.push_back(expression());
      } while (accept(TokenType::kComma));
    }
    expect(TokenType::kRBracket);
    finish(*e);
    return e;
  }
  if (is_kw("MAP") && peek(1).type == TokenType::kLParen) {
    advance();
    advance();
    auto e = make<MapCtor>(pos);
    if (!at(TokenType::kRParen)) {
      do {
        MapEntry en;
        en.key = expression();
        expect(TokenType::kAssign);
        en.value = expression();
        e->entries.push_back(std::move(en));
      } while (accept(TokenType::kComma));
    }
    expect(TokenType::kRParen);
    finish(*e);
    return e;
  }
  if (is_kw("STRUCT") && peek(1).type == TokenType::kLParen) {
    advance();
    advance();
    auto e = make<StructCtor>(pos);
    if (!at(TokenType::kRParen)) {
      do {
        StructCtorField f;
        f.name = identifier();
        expect(TokenType::kAssign);
        f.value = expression();
        e->fields.push_back(std::move(f));
      } while (accept(TokenType::kComma));
    }
    expect(TokenType::kRParen);
    finish(*e);
    return e;
  }
  if (at_identifier()) {
    std::string name = identifier();
    if (at(TokenType::kString)) {
      auto e = make<TypedLiteral>(pos);
      e->type_name = std::move(name);
      e->value = cur().text;
      advance();
      return e;
    }
    if (accept(TokenType::kLParen)) return function_call(pos, std::move(name));
    if (accept(TokenType::kDot)) {
      auto e = make<ColumnRef>(pos);
      e->qualifier = std::move(name);
      e->name = identifier();
      return e;
    }
    note_expected("'('");
    note_expected("'.'");
    return column_or_variable(pos, std::move(name));
  }
  // Everything noted at this point starts an expression; say so instead of listing it.
  expected_.clear();
  expected_at_ = i_;
  note_expected("expression");
  fail_expected();
}

ExprPtr Parser::column_or_variable(SourcePos pos, std::string name) {
  for (auto it = lambda_scopes_.rbegin(); it != lambda_scopes_.rend(); ++it) {
    for (const auto& p : *it) {
      if (p == name) {
        auto e = make<LambdaVariable>(pos);
        e->name = std::move(name);
        return e;
      }
    }
  }
  auto e = make<ColumnRef>(pos);
  e->name = std::move(name);
  return e;
}

ExprPtr Parser::case_expr(SourcePos pos) {
  auto e = make<Case>(pos);
  if (!is_kw("WHEN")) e->operand = value_expr();
  do {
    expect_kw("WHEN");
    WhenClause w;
    w.condition = expression();
    expect_kw("THEN");
    w.result = expression();
    e->whens.push_back(std::move(w));
  } while (is_kw("WHEN"));
  note_expected("'WHEN'");
  if (accept_kw("ELSE")) e->else_result = expression();
  expect_kw("END");
  finish(*e);
  return e;
}

bool Parser::at_lambda() const {
  if (at_identifier() && peek(1).type == TokenType::kLambdaArrow) return true;
  if (!at(TokenType::kLParen)) return false;
  size_t k = 1;
  while (true) {
    if (!at_identifier(k)) return false;
    ++k;
    if (peek(k).type == TokenType::kComma) {
      ++k;
      continue;
    }
    return peek(k).type == TokenType::kRParen && peek(k + 1).type == TokenType::kLambdaArrow;
  }
}

ExprPtr Parser::lambda() {
  auto e = make<Lambda>(cur().pos);
  if (accept(TokenType::kLParen)) {
    do {
      e->params.push_back(identifier());
    } while (accept(TokenType::kComma));
    expect(TokenType::kRParen);
  } else {
    e->params.push_back(identifier());
  }
  expect(TokenType::kLambdaArrow);
  lambda_scopes_.push_back(e->params);
  e->body = expression();
  lambda_scopes_.pop_back();
  finish(*e);
  return e;
}

ExprPtr Parser::function_call(SourcePos pos, std::string name) {
  auto e = make<FunctionCall>(pos);
  e->name = std::move(name);
  if (accept(TokenType::kStar)) {
    e->star = true;
    expect(TokenType::kRParen);
    return e;
  }
  if (!accept(TokenType::kRParen)) {
    bool in_lambdas = false;
    do {
      // ksqlDB's functionArgument: an expression or a bare time unit (TIMESTAMPADD(SECONDS, ...)).
      if (!e->args.empty() && at_lambda()) {
        in_lambdas = true;
        e->args.push_back(lambda());
        continue;
      }
      if (in_lambdas) {
        note_expected("lambda");
        fail_expected();
      }
      if (at_time_unit() &&
          (peek(1).type == TokenType::kComma || peek(1).type == TokenType::kRParen)) {
        auto u = make<IntervalUnit>(cur().pos);
        u->unit = time_unit();
        e->args.push_back(std::move(u));
        continue;
      }
      e->args.push_back(expression());
    } while (accept(TokenType::kComma));
    expect(TokenType::kRParen);
  }
  finish(*e);
  return e;
}

}  // namespace sluice::sql
