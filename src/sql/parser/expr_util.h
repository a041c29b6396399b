// Deep copy and structural equality of expressions, for the planner's rewrites (matching
// GROUP BY expressions against the select list, substituting aliases, pushing predicates).
//
// Thread-safety: free functions over their arguments; no shared state.
#pragma once

#include "sql/parser/expr.h"

namespace sluice::sql {

// A deep copy, positions and heights included.
ExprPtr clone_expr(const Expr& e);

// True when both trees have the same shape, operators, names and literal values. Source
// positions are ignored: `a + 1` in the select list equals `a + 1` in GROUP BY.
bool expr_equals(const Expr& a, const Expr& b);

}  // namespace sluice::sql
