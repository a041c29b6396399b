// The expression binder: AST expression -> BoundExpr, resolving column names against a scope,
// typing every node by ksqlDB's rules, inserting implicit casts, resolving functions and
// folding constant casts. Errors name the line and column of the offending node.
//
// Thread-safety: a binder is used by one thread for one statement.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "sql/catalog/catalog.h"
#include "sql/catalog/function_registry.h"
#include "sql/parser/expr.h"
#include "sql/planner/bound_expr.h"

namespace sluice::sql {

struct ScopeColumn {
  std::string name;
  format::Type type;
  int index = -1;         // column index in the batch the expression reads
  std::string qualifier;  // a join's: the alias of the side it belongs to
};

// The columns an expression may name: one source (FROM name [alias]), or a join's sides (each
// column qualified by its side's alias), plus ROWTIME, ROWPARTITION and ROWOFFSET.
struct Scope {
  std::string source_name;
  std::string alias;
  std::vector<ScopeColumn> columns;
  bool system_columns = true;
  // A join's sides: (source name, alias) each; a column is then found by its qualifier (either)
  // and name, or by its name alone where one side has it.
  std::vector<std::pair<std::string, std::string>> sides;
  const ScopeColumn* find(std::string_view name) const;
};

class ExprBinder {
 public:
  ExprBinder(const Scope& scope, const FunctionRegistry& functions, const Catalog& catalog)
      : scope_(scope), functions_(functions), catalog_(catalog) {}

  // `clause` names where the expression sits in messages ("SELECT", "WHERE", "PARTITION BY").
  void set_clause(std::string clause) { clause_ = std::move(clause); }

  // Consulted before each node is bound: a non-null result replaces the node (an aggregation's
  // grouping expressions and aggregate calls become columns of its result), an error fails the
  // bind, null binds the node as usual.
  using Rewriter = std::function<Result<BoundExprPtr>(const Expr&)>;
  void set_rewriter(Rewriter r) { rewriter_ = std::move(r); }

  Result<BoundExprPtr> bind(const Expr& e);
  // As bind, but an untyped NULL is an error ("Can't infer a type of null...").
  Result<BoundExprPtr> bind_typed(const Expr& e);

 private:
  Result<BoundExprPtr> bind_node(const Expr& e);
  Result<BoundExprPtr> bind_column(const ColumnRef& c);
  // A join scope's column named by `c` (nullptr: none); an unknown qualifier or an ambiguous
  // name fails.
  Result<const ScopeColumn*> find_join_column(const ColumnRef& c) const;
  Result<BoundExprPtr> bind_arith(const Arithmetic& a);
  Result<BoundExprPtr> bind_compare(const Expr& at, CompareOp op, BoundExprPtr l, BoundExprPtr r);
  Result<BoundExprPtr> bind_function(const FunctionCall& f);
  Result<BoundExprPtr> bind_case(const Case& c);
  Result<BoundExprPtr> bind_lambda_call(const FunctionCall& f);
  Result<BoundExprPtr> bind_constructor(const Expr& e);
  Status error(const Expr& at, std::string message) const;

  const Scope& scope_;
  const FunctionRegistry& functions_;
  const Catalog& catalog_;
  std::string clause_ = "SELECT";
  Rewriter rewriter_;
  // Lambda parameters in scope (innermost last) and their types.
  std::vector<std::pair<std::string, format::Type>> lambda_params_;
};

// Casts `e` to `to` (folding constants); `e` itself when it already has that type.
Result<BoundExprPtr> add_cast(BoundExprPtr e, const format::Type& to);

// True when e is an untyped NULL literal.
bool is_null_literal(const BoundExpr& e);

}  // namespace sluice::sql
