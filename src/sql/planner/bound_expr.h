// Bound expressions: the AST after name resolution and type checking, ready to execute over
// column batches. Every node has its SQL type; implicit casts are explicit kCast nodes; function
// calls point at their resolved overload. A tree is immutable once built and may be shared by
// the threads that execute it; per-execution scratch lives in exec's ExpressionState, indexed by
// each node's `slot`.
//
// Thread-safety: immutable after binding.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "format/types.h"
#include "format/value.h"
#include "sql/catalog/function_registry.h"
#include "sql/parser/expr.h"

namespace sluice::sql {

enum class BoundKind : uint8_t {
  kConstant,  // constant: a literal or folded value
  kColumn,    // column: index into the input batch
  kRowTime,   // system columns of the batch
  kRowPartition,
  kRowOffset,
  kCast,   // children[0] cast to `type`
  kArith,  // children[0] op children[1]; operands already cast to a common type
  kNegate,
  kCompare,  // operands already cast to a common type
  kAnd,
  kOr,
  kNot,
  kIsNull,      // negated: IS NOT NULL
  kCase,        // children: cond0, res0, cond1, res1, ..., [else]; has_else
  kLike,        // children: value, pattern; escape
  kIn,          // children: value, item...; negated
  kFunction,    // children: arguments (cast to the parameter types)
  kArrayIndex,  // children: array, index (1-based, negative from the end)
  kMapLookup,   // children: map, key
  kField,       // children: struct; column: field index
  kArrayCtor,
  kMapCtor,  // children: k0, v0, k1, v1, ...
  kStructCtor,
  kLambdaVar,   // the lambda parameter numbered `column`
  kLambdaCall,  // children: collections..., body; a higher-order function (TRANSFORM, ...)
};

struct BoundExpr;
using BoundExprPtr = std::unique_ptr<BoundExpr>;

struct BoundExpr {
  BoundKind kind = BoundKind::kConstant;
  format::Type type;
  std::vector<BoundExprPtr> children;
  format::Value constant;  // kConstant
  int column = -1;         // kColumn, kField, kLambdaVar
  ArithOp arith = ArithOp::kAdd;
  CompareOp compare = CompareOp::kEq;
  bool negated = false;
  bool has_else = false;
  bool untyped_null = false;  // kConstant: a NULL literal not yet typed by its context
  char escape = 0;            // kLike: 0 when none
  BoundFunctionPtr function;
  std::string name;  // kLambdaCall: the higher-order function's name
  uint32_t slot = 0;
  SourcePos pos;

  bool is_constant() const { return kind == BoundKind::kConstant; }
};

// A node of `kind` typed `type` at `pos`, other fields defaulted.
BoundExprPtr make_bound(BoundKind kind, format::Type type, SourcePos pos);
// A typed constant node holding `v`.
BoundExprPtr make_bound_constant(format::Value v, SourcePos pos);

// A deep copy (slots included).
BoundExprPtr clone_bound(const BoundExpr& e);

// Assigns slots first..n-1 to the nodes of the given trees, returns n (first: the slots already
// given to other trees of the same plan).
uint32_t assign_slots(std::span<BoundExpr* const> roots, uint32_t first = 0);

// Debug text, e.g. "(COL#1 + CAST(1 AS BIGINT))".
std::string bound_to_string(const BoundExpr& e);

}  // namespace sluice::sql
