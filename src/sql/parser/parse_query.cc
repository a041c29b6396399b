// The SELECT grammar: select list, FROM with joins, WINDOW, WHERE, GROUP BY, PARTITION BY,
// HAVING, EMIT, LIMIT; and the durations and time units that windows and joins use.
#include <fmt/format.h>

#include <charconv>

#include "sql/parser/parser_impl.h"

namespace sluice::sql {
bool Parser::at_time_unit(size_t k) const {
  const Token& t = peek(k);
  if (t.type != TokenType::kIdentifier) return false;
  for (const auto& u : time_unit_words()) {
    if (t.text == u.word) return true;
  }
  return false;
}

TimeUnit Parser::time_unit() {
  if (cur().type == TokenType::kIdentifier) {
    for (const auto& u : time_unit_words()) {
      if (cur().text == u.word) {
        advance();
        return u.unit;
      }
    }
  }
  // The words are literals: data() is NUL-terminated.
  for (const auto& u : time_unit_words()) note_expected(u.word.data(), true);
  fail_expected();
}

int64_t Parser::integer_value() {
  if (!at(TokenType::kInteger)) {
    note_expected("INTEGER_VALUE");
    fail_expected();
  }
  const std::string& text = cur().text;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) {
    fail_at(cur().pos, fmt::format("Invalid numeric literal: {}", text));
  }
  advance();
  return v;
}

Duration Parser::duration() {
  Duration d;
  d.value = integer_value();
  d.unit = time_unit();
  return d;
}

Query Parser::query() {
  Query q;
  q.pos = cur().pos;
  expect_kw("SELECT");
  do {
    q.select.push_back(select_item());
  } while (accept(TokenType::kComma));
  expect_kw("FROM");
  q.from = aliased_relation();
  while (at_join()) q.joins.push_back(join());
  if (accept_kw("WINDOW")) q.window = window_spec();
  if (accept_kw("WHERE")) q.where = expression();
  if (accept_kw("GROUP")) {
    expect_kw("BY");
    q.group_by = grouping_list();
  }
  if (accept_kw("PARTITION")) {
    expect_kw("BY");
    SourcePos at = cur().pos;
    q.partition_by = grouping_list();
    // `PARTITION BY ()` parses as a list, but an empty one is not a partitioning (ksqlDB).
    if (q.partition_by.empty()) fail_at(at, "PARTITION BY requires at least one expression");
  }
  if (accept_kw("HAVING")) q.having = expression();
  if (accept_kw("EMIT")) {
    if (accept_kw("CHANGES")) {
      q.emit = EmitKind::kChanges;
    } else {
      expect_kw("FINAL");
      q.emit = EmitKind::kFinal;
    }
  }
  if (accept_kw("LIMIT")) q.limit = integer_value();
  return q;
}

// An alias may be a non-reserved word, but not the start of a clause that could follow it.
bool Parser::at_alias() const {
  if (!at_identifier()) return false;
  if (is_kw("EMIT")) return false;  // write `AS emit` for that alias
  if (is_kw("PARTITION") && is_kw("BY", 1)) return false;
  return true;
}

SelectItem Parser::select_item() {
  SelectItem item;
  item.pos = cur().pos;
  if (accept(TokenType::kStar)) {
    item.kind = SelectItemKind::kAllColumns;
    return item;
  }
  if (at_identifier() && peek(1).type == TokenType::kDot && peek(2).type == TokenType::kStar) {
    item.kind = SelectItemKind::kAllColumns;
    item.qualifier = identifier();
    advance();
    advance();
    return item;
  }
  item.expr = expression();
  if (at(TokenType::kArrow) && peek(1).type == TokenType::kStar) {
    switch (item.expr->kind) {
      case ExprKind::kColumnRef:
      case ExprKind::kDereference:
      case ExprKind::kSubscript:
      case ExprKind::kFunctionCall:
      case ExprKind::kCast:
      case ExprKind::kStructCtor:
        break;
      default:
        fail_at(cur().pos, "'->*' must follow a struct-valued column, field or call");
    }
    advance();
    advance();
    item.kind = SelectItemKind::kStructAll;
    return item;
  }
  if (accept_kw("AS") || at_alias()) {
    item.alias = identifier();
  } else {
    note_expected("IDENTIFIER");
  }
  return item;
}

Relation Parser::aliased_relation() {
  Relation r;
  r.pos = cur().pos;
  r.name = identifier();
  if (accept_kw("AS") || at_alias()) {
    r.alias = identifier();
  } else {
    note_expected("IDENTIFIER");
  }
  return r;
}

bool Parser::at_join() const {
  return is_kw("JOIN") || is_kw("INNER") || is_kw("LEFT") || is_kw("RIGHT") || is_kw("FULL");
}

Join Parser::join() {
  Join j;
  j.pos = cur().pos;
  if (accept_kw("INNER")) {
    j.type = JoinType::kInner;
  } else if (accept_kw("LEFT")) {
    j.type = JoinType::kLeft;
    accept_kw("OUTER");
  } else if (accept_kw("RIGHT")) {
    j.type = JoinType::kRight;
    accept_kw("OUTER");
  } else if (accept_kw("FULL")) {
    j.type = JoinType::kFull;
    accept_kw("OUTER");
  }
  expect_kw("JOIN");
  j.right = aliased_relation();
  if (accept_kw("WITHIN")) {
    JoinWindow w;
    if (accept(TokenType::kLParen)) {
      w.before = duration();
      expect(TokenType::kComma);
      w.after = duration();
      expect(TokenType::kRParen);
      w.symmetric = false;
    } else {
      note_expected("'('");
      w.before = duration();
      w.after = w.before;
    }
    if (accept_kw("GRACE")) {
      expect_kw("PERIOD");
      w.grace = duration();
    }
    j.within = w;
  }
  expect_kw("ON");
  j.on = expression();
  return j;
}

WindowSpec Parser::window_spec() {
  WindowSpec w;
  w.pos = cur().pos;
  // ksqlDB still accepts a legacy window name before the window type: WINDOW w TUMBLING (...).
  if (at(TokenType::kIdentifier) && !is_kw("TUMBLING") && !is_kw("HOPPING") && !is_kw("SESSION") &&
      (is_kw("TUMBLING", 1) || is_kw("HOPPING", 1) || is_kw("SESSION", 1))) {
    advance();
  }
  if (accept_kw("TUMBLING")) {
    w.type = WindowType::kTumbling;
    expect(TokenType::kLParen);
    expect_kw("SIZE");
    w.size = duration();
  } else if (accept_kw("HOPPING")) {
    w.type = WindowType::kHopping;
    expect(TokenType::kLParen);
    expect_kw("SIZE");
    w.size = duration();
    expect(TokenType::kComma);
    expect_kw("ADVANCE");
    expect_kw("BY");
    w.advance = duration();
  } else {
    expect_kw("SESSION");
    w.type = WindowType::kSession;
    expect(TokenType::kLParen);
    w.size = duration();
  }
  while (accept(TokenType::kComma)) {
    if (!w.retention && !w.grace && accept_kw("RETENTION")) {
      w.retention = duration();
    } else if (!w.grace && accept_kw("GRACE")) {
      expect_kw("PERIOD");
      w.grace = duration();
    } else {
      fail_expected();
    }
  }
  expect(TokenType::kRParen);
  return w;
}

// GROUP BY / PARTITION BY: `a, b` or `(a, b)` (or `()`), where each item is a value expression
// (no AND/OR/comparisons, as in ksqlDB). A parenthesised single expression followed by more
// input, like `(a + 1) * 2`, is an expression, not a list.
std::vector<ExprPtr> Parser::grouping_list() {
  std::vector<ExprPtr> out;
  if (at(TokenType::kLParen)) {
    size_t depth = 0;
    bool top_comma = false;
    size_t k = 0;
    for (;; ++k) {
      const Token& t = peek(k);
      if (t.type == TokenType::kEof || t.type == TokenType::kError) break;
      if (t.type == TokenType::kLParen || t.type == TokenType::kLBracket) ++depth;
      if (t.type == TokenType::kRParen || t.type == TokenType::kRBracket) {
        if (--depth == 0) break;
      }
      if (depth == 1 && t.type == TokenType::kComma) top_comma = true;
    }
    bool empty = peek(1).type == TokenType::kRParen;
    if (top_comma || empty) {
      advance();
      if (!at(TokenType::kRParen)) {
        do {
          out.push_back(value_expr());
        } while (accept(TokenType::kComma));
      }
      expect(TokenType::kRParen);
      return out;
    }
  }
  do {
    out.push_back(value_expr());
  } while (accept(TokenType::kComma));
  return out;
}

}  // namespace sluice::sql
