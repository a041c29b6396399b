// Internal: the recursive-descent parser behind parser.h. Not part of the public interface.
//
// Thread-safety: one Parser per parse, used by one thread.
//
// Errors are thrown as ParseFailure and caught at the public entry points, so that deep grammar
// code reads straight-line. Expected-token bookkeeping: every test of the current token against a
// keyword or token type is recorded (until the parser moves on), so that a failure can list what
// would have been accepted at that point, the way ANTLR does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sql/parser/lexer.h"
#include "sql/parser/parser.h"

namespace sluice::sql {

// Bound on the parser's own recursion. The semantic limit is kMaxExpressionDepth on the height
// of the tree (Parser::finish); recursion may run up to two levels per tree level (the canonical
// form writes `(NOT x)`: a parenthesis and a NOT), so that anything to_sql prints parses again.
inline constexpr uint32_t kMaxRecursionDepth = 2 * kMaxExpressionDepth + 16;

struct ParseFailure {
  SourcePos pos;
  std::string message;
};

class Parser {
 public:
  explicit Parser(std::string_view src);

  ScriptParse parse_script(const ParseOptions& options);
  StatementPtr parse_single_statement();
  ExprPtr parse_single_expression();
  DataType parse_single_type();

 private:
  // ---- token access (parser.cc) ----
  const Token& cur() const { return tokens_[i_]; }
  const Token& peek(size_t k) const;
  void advance();
  bool at(TokenType t) const { return cur().type == t; }
  bool at_eof() const { return at(TokenType::kEof); }
  // Keyword tests: `is_kw` only looks; `accept_kw` records the keyword as expected and consumes
  // it on a match; `expect_kw` fails when it does not match.
  bool is_kw(std::string_view kw, size_t k = 0) const;
  bool accept_kw(const char* kw);
  void expect_kw(const char* kw);
  bool accept(TokenType t);
  void expect(TokenType t);
  // `what` must outlive the parse (a literal); a keyword is shown quoted.
  void note_expected(const char* what, bool keyword = false);
  [[noreturn]] void fail_expected();
  [[noreturn]] void fail_at(SourcePos pos, std::string message);
  std::string token_display(const Token& t) const;

  // Identifiers: unquoted upper-cased, quoted kept; reserved words rejected.
  bool at_identifier(size_t k = 0) const;
  std::string identifier();
  std::string variable_name();  // DEFINE/UNDEFINE: an unquoted identifier, case kept
  std::string resource_name();  // identifier or string, case kept (PRINT 'topic', ASSERT TOPIC)

  class DepthGuard {
   public:
    explicit DepthGuard(Parser& p);
    ~DepthGuard() { --p_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    Parser& p_;
  };
  void finish(Expr& e);  // computes height and enforces kMaxExpressionDepth

  // ---- statements (parse_statement.cc) ----
  StatementPtr statement();
  StatementPtr list_statement(SourcePos pos);
  StatementPtr describe_statement(SourcePos pos);
  StatementPtr create_statement(SourcePos pos);
  StatementPtr create_source(SourcePos pos, bool or_replace, bool is_source);
  StatementPtr insert_statement(SourcePos pos);
  StatementPtr drop_statement(SourcePos pos);
  StatementPtr explain_statement(SourcePos pos);
  StatementPtr alter_statement(SourcePos pos);
  StatementPtr assert_statement(SourcePos pos);
  StatementPtr print_statement(SourcePos pos);
  std::vector<TableElement> table_elements();
  Properties properties();
  [[noreturn]] void fail_unknown_statement();

  // ---- queries (parse_query.cc) ----
  Query query();
  SelectItem select_item();
  bool at_alias() const;
  Relation aliased_relation();
  bool at_join() const;
  Join join();
  WindowSpec window_spec();
  std::vector<ExprPtr> grouping_list();
  Duration duration();
  TimeUnit time_unit();
  bool at_time_unit(size_t k = 0) const;
  int64_t integer_value();

  // ---- expressions and types (parse_expr.cc, parse_type.cc) ----
  ExprPtr expression();
  ExprPtr or_expr();
  ExprPtr and_expr();
  ExprPtr not_expr();
  ExprPtr predicated();
  ExprPtr value_expr();
  ExprPtr additive();
  ExprPtr multiplicative();
  ExprPtr unary();
  ExprPtr postfix();
  ExprPtr primary();
  ExprPtr case_expr(SourcePos pos);
  ExprPtr function_call(SourcePos pos, std::string name);
  bool at_lambda() const;
  ExprPtr lambda();
  ExprPtr column_or_variable(SourcePos pos, std::string name);
  bool at_number() const;
  LiteralValue number_literal();
  LiteralValue literal_value();  // NULL | number | TRUE | FALSE | STRING | VARIABLE
  DataType data_type();

  std::string_view src_;
  std::vector<Token> tokens_;
  size_t i_ = 0;
  struct Expected {
    const char* text;
    bool keyword;
    bool operator==(const Expected&) const = default;
  };
  std::vector<Expected> expected_;
  size_t expected_at_ = 0;
  uint32_t depth_ = 0;
  std::vector<std::vector<std::string>> lambda_scopes_;
};

}  // namespace sluice::sql
