// Parser core: token access, expected-token bookkeeping, identifiers, error reporting, and the
// public entry points of parser.h.
#include "sql/parser/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iterator>

#include "sql/parser/parser_impl.h"

namespace sluice::sql {
namespace {

// ksqlDB's reserved words: every keyword of SqlBase.g4 that is not listed in its nonReserved rule.
constexpr std::string_view kReserved[] = {
    "ADVANCE",    "ALL",          "AND",         "AS",           "AT",        "BEGINNING",
    "BETWEEN",    "BY",           "CASE",        "CAST",         "CATALOG",   "CONNECTOR",
    "CONNECTORS", "CREATE",       "DAYS",        "DECIMAL",      "DELETE",    "DESCRIBE",
    "DISTINCT",   "DROP",         "ELSE",        "END",          "EXISTS",    "EXPORT",
    "EXTENDED",   "FALSE",        "FROM",        "FULL",         "GROUP",     "HAVING",
    "HOPPING",    "HOURS",        "IN",          "INNER",        "INSERT",    "INTO",
    "IS",         "JOIN",         "LEFT",        "LIKE",         "LIMIT",     "LIST",
    "LOAD",       "MATERIALIZED", "MILLISECOND", "MILLISECONDS", "MINUTES",   "MONTHS",
    "NAMESPACE",  "NOT",          "NULL",        "ON",           "OR",        "OUTER",
    "PRINT",      "PROPERTIES",   "QUERIES",     "QUERY",        "RENAME",    "RETENTION",
    "RIGHT",      "RUN",          "SAMPLE",      "SCRIPT",       "SECONDS",   "SELECT",
    "SIZE",       "STREAM",       "STREAMS",     "TABLE",        "TERMINATE", "THEN",
    "TO",         "TOPIC",        "TOPICS",      "TRUE",         "TUMBLING",  "UNSET",
    "VALUES",     "VIEW",         "WHEN",        "WHERE",        "WINDOW",    "WITH",
    "WITHIN",     "YEARS",
};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Status to_status(const ParseError& e) {
  return Status::invalid_argument(e.to_string());
}

}  // namespace

// kReserved is sorted, so an upper-case word is looked up without allocating.
static bool is_reserved_upper(std::string_view upper_word) {
  return std::binary_search(std::begin(kReserved), std::end(kReserved), upper_word);
}

bool is_reserved_word(std::string_view word) {
  if (word.size() > 16) return false;  // longer than any reserved word
  return is_reserved_upper(upper(word));
}

std::string ParseError::to_string() const {
  return fmt::format("line {}:{}: {}", line, column, message);
}

Parser::Parser(std::string_view src) : src_(src), tokens_(tokenize(src)) {}

const Token& Parser::peek(size_t k) const {
  size_t j = std::min(i_ + k, tokens_.size() - 1);
  return tokens_[j];
}

void Parser::advance() {
  if (cur().type == TokenType::kError) fail_at(cur().pos, cur().text);
  if (i_ + 1 < tokens_.size()) ++i_;
}

bool Parser::is_kw(std::string_view kw, size_t k) const {
  const Token& t = peek(k);
  return t.type == TokenType::kIdentifier && t.text == kw;
}

void Parser::note_expected(const char* what, bool keyword) {
  if (expected_at_ != i_) {
    expected_.clear();
    expected_at_ = i_;
  }
  // Duplicates are dropped when (and only if) an error is reported: this runs on every test of
  // every token, so it must stay cheap.
  expected_.push_back(Expected{what, keyword});
}

bool Parser::accept_kw(const char* kw) {
  if (is_kw(kw)) {
    advance();
    return true;
  }
  note_expected(kw, true);
  return false;
}

void Parser::expect_kw(const char* kw) {
  if (!accept_kw(kw)) fail_expected();
}

bool Parser::accept(TokenType t) {
  if (at(t)) {
    advance();
    return true;
  }
  note_expected(token_type_display(t));
  return false;
}

void Parser::expect(TokenType t) {
  if (!accept(t)) fail_expected();
}

std::string Parser::token_display(const Token& t) const {
  if (t.type == TokenType::kEof) return "<EOF>";
  std::string_view raw = src_.substr(t.pos.offset, t.end - t.pos.offset);
  if (raw.size() > 40) return std::string(raw.substr(0, 37)) + "...";
  return std::string(raw);
}

void Parser::fail_at(SourcePos pos, std::string message) {
  throw ParseFailure{pos, std::move(message)};
}

void Parser::fail_expected() {
  const Token& t = cur();
  if (t.type == TokenType::kError) fail_at(t.pos, t.text);
  std::string what;
  bool identifier_expected = false;
  if (expected_at_ == i_ && !expected_.empty()) {
    std::vector<std::string> shown;
    for (const Expected& x : expected_) {
      std::string s = x.keyword ? fmt::format("'{}'", x.text) : std::string(x.text);
      if (std::find(shown.begin(), shown.end(), s) != shown.end()) continue;
      shown.push_back(std::move(s));
      if (!x.keyword && std::string_view(x.text) == "IDENTIFIER") identifier_expected = true;
    }
    if (shown.size() == 1) {
      what = " expecting " + shown[0];
    } else {
      what = " expecting {";
      for (size_t k = 0; k < shown.size(); ++k) {
        if (k) what += ", ";
        what += shown[k];
      }
      what += "}";
    }
  }
  std::string message = fmt::format("mismatched input '{}'{}", token_display(t), what);
  if (t.type == TokenType::kIdentifier && is_reserved_word(t.text) && identifier_expected) {
    std::string raw = token_display(t);
    message += fmt::format(
        "; '{}' is a reserved keyword and it can't be used as an identifier. You can use it as "
        "an identifier by escaping it as `{}`",
        raw, raw);
  }
  fail_at(t.pos, std::move(message));
}

bool Parser::at_identifier(size_t k) const {
  const Token& t = peek(k);
  switch (t.type) {
    case TokenType::kIdentifier:
      return !is_reserved_upper(t.text);
    case TokenType::kQuotedIdentifier:
    case TokenType::kBackquotedIdentifier:
    case TokenType::kDigitIdentifier:
    case TokenType::kVariable:
      return true;
    default:
      return false;
  }
}

std::string Parser::identifier() {
  if (!at_identifier()) {
    note_expected("IDENTIFIER");
    fail_expected();
  }
  std::string name = cur().type == TokenType::kVariable ? "${" + cur().text + "}" : cur().text;
  advance();
  return name;
}

std::string Parser::variable_name() {
  if (!at(TokenType::kIdentifier)) {
    note_expected("IDENTIFIER");
    fail_expected();
  }
  std::string name(src_.substr(cur().pos.offset, cur().end - cur().pos.offset));
  advance();
  return name;
}

std::string Parser::resource_name() {
  if (at(TokenType::kString)) {
    std::string s = cur().text;
    advance();
    return s;
  }
  if (!at_identifier()) {
    note_expected("IDENTIFIER");
    note_expected("STRING");
    fail_expected();
  }
  const Token& t = cur();
  std::string name = t.type == TokenType::kIdentifier || t.type == TokenType::kDigitIdentifier
                         ? std::string(src_.substr(t.pos.offset, t.end - t.pos.offset))
                         : t.text;
  advance();
  return name;
}

Parser::DepthGuard::DepthGuard(Parser& p) : p_(p) {
  if (++p_.depth_ > kMaxRecursionDepth) {
    p_.fail_at(p_.cur().pos,
               fmt::format("expression nested too deeply (limit {})", kMaxExpressionDepth));
  }
}

void Parser::finish(Expr& e) {
  uint32_t h = 0;
  for_each_child(e, [&](const Expr& c) { h = std::max(h, c.height); });
  e.height = h + 1;
  if (e.height > kMaxExpressionDepth) {
    fail_at(e.pos, fmt::format("expression nested too deeply (limit {})", kMaxExpressionDepth));
  }
}

ScriptParse Parser::parse_script(const ParseOptions& options) {
  ScriptParse out;
  try {
    while (true) {
      while (at(TokenType::kSemicolon)) advance();
      if (at_eof()) break;
      uint32_t begin = cur().pos.offset;
      StatementPtr stmt = statement();
      uint32_t end = tokens_[i_ > 0 ? i_ - 1 : 0].end;
      if (at(TokenType::kSemicolon)) {
        end = cur().end;
        advance();
      } else if (!at_eof() || options.require_semicolon) {
        note_expected("';'");
        fail_expected();
      }
      ParsedStatement ps;
      ps.statement = std::move(stmt);
      ps.begin = begin;
      ps.end = end;
      ps.text = std::string(src_.substr(begin, end - begin));
      out.statements.push_back(std::move(ps));
    }
  } catch (ParseFailure& f) {
    out.error = ParseError{f.pos.line, f.pos.column, f.pos.offset, std::move(f.message)};
  }
  return out;
}

StatementPtr Parser::parse_single_statement() {
  StatementPtr s = statement();
  accept(TokenType::kSemicolon);
  if (!at_eof()) {
    note_expected("<EOF>");
    fail_expected();
  }
  return s;
}

ExprPtr Parser::parse_single_expression() {
  ExprPtr e = expression();
  if (!at_eof()) {
    note_expected("<EOF>");
    fail_expected();
  }
  return e;
}

DataType Parser::parse_single_type() {
  DataType t = data_type();
  if (!at_eof()) {
    note_expected("<EOF>");
    fail_expected();
  }
  return t;
}

ScriptParse parse_script_detailed(std::string_view sql, const ParseOptions& options) {
  if (sql.size() > UINT32_MAX / 2) {
    ScriptParse out;
    out.error = ParseError{1, 1, 0, "statement text too large"};
    return out;
  }
  Parser p(sql);
  return p.parse_script(options);
}

Result<std::vector<ParsedStatement>> parse_script(std::string_view sql,
                                                  const ParseOptions& options) {
  ScriptParse r = parse_script_detailed(sql, options);
  if (r.error) return to_status(*r.error);
  return std::move(r.statements);
}

namespace {
template <typename T, typename F>
Result<T> run_single(std::string_view sql, F&& f) {
  if (sql.size() > UINT32_MAX / 2) return Status::invalid_argument("statement text too large");
  try {
    Parser p(sql);
    return f(p);
  } catch (ParseFailure& fl) {
    return to_status(ParseError{fl.pos.line, fl.pos.column, fl.pos.offset, std::move(fl.message)});
  }
}
}  // namespace

Result<StatementPtr> parse_statement(std::string_view sql) {
  return run_single<StatementPtr>(sql, [](Parser& p) { return p.parse_single_statement(); });
}

Result<ExprPtr> parse_expression(std::string_view sql) {
  return run_single<ExprPtr>(sql, [](Parser& p) { return p.parse_single_expression(); });
}

Result<DataType> parse_data_type(std::string_view sql) {
  return run_single<DataType>(sql, [](Parser& p) { return p.parse_single_type(); });
}

}  // namespace sluice::sql
