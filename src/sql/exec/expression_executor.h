// Evaluates bound expressions over column batches, a whole batch per node (DuckDB's
// ExpressionExecutor): each node computes its result for the given physical rows into a scratch
// vector owned by this state object, so the plan (BoundExpr) stays immutable and shareable.
//
// Results are indexed by physical row: row r of the result belongs to row r of the input batch,
// and only the rows asked for are computed. A column reference returns the batch's own vector;
// a constant returns a constant vector. The returned reference is valid until the next eval of
// the same node.
//
// A row whose computation fails (integer division by zero, a cast that does not convert, a bad
// function argument) yields NULL for that expression, as in ksqlDB; `errors()` counts them.
//
// Thread-safety: one ExpressionState per executing thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "format/column_batch.h"
#include "sql/planner/bound_expr.h"

namespace sluice::sql {

class ExpressionState {
 public:
  explicit ExpressionState(uint32_t num_slots) : slots_(num_slots) {}

  const format::Vector& eval(const BoundExpr& e, const format::ColumnBatch& in,
                             std::span<const uint32_t> rows);

  // Evaluates a BOOLEAN predicate and returns the rows (a subset of `rows`) where it is TRUE.
  std::vector<uint32_t> select(const BoundExpr& predicate, const format::ColumnBatch& in,
                               std::span<const uint32_t> rows);

  uint64_t errors() const { return errors_; }
  void add_errors(uint64_t n) { errors_ += n; }

 private:
  format::Vector& scratch(const BoundExpr& e, size_t n);
  const format::Vector& eval_case(const BoundExpr& e, const format::ColumnBatch& in,
                                  std::span<const uint32_t> rows);
  const format::Vector& eval_function(const BoundExpr& e, const format::ColumnBatch& in,
                                      std::span<const uint32_t> rows);
  const format::Vector& eval_nested(const BoundExpr& e, const format::ColumnBatch& in,
                                    std::span<const uint32_t> rows);
  // TRANSFORM / FILTER / REDUCE (lambda_executor.cc): the lambda body runs over a batch with one
  // row per element, holding the enclosing batch's columns plus the lambda's parameters.
  const format::Vector& eval_lambda(const BoundExpr& e, const format::ColumnBatch& in,
                                    std::span<const uint32_t> rows);

  std::vector<std::unique_ptr<format::Vector>> slots_;
  uint64_t errors_ = 0;
  // Column of lambda parameter 0 in the batches lambda bodies run over (the outermost batch's
  // width), and how deep the current evaluation is in nested lambdas.
  size_t lambda_base_ = 0;
  int lambda_depth_ = 0;
};

// Kernels for the operator nodes (operators.cc).
void eval_arith(const BoundExpr& e, const format::Vector& l, const format::Vector& r,
                std::span<const uint32_t> rows, format::Vector& out, uint64_t& errors);
void eval_negate(const format::Vector& v, std::span<const uint32_t> rows, format::Vector& out);
void eval_compare(CompareOp op, const format::Vector& l, const format::Vector& r,
                  std::span<const uint32_t> rows, format::Vector& out);
void eval_cast(const format::Vector& v, std::span<const uint32_t> rows, format::Vector& out,
               uint64_t& errors);
void eval_like(const format::Vector& v, const format::Vector& pattern, char escape,
               std::span<const uint32_t> rows, format::Vector& out);

// SQL LIKE: % any run, _ one character (UTF-8 aware), `escape` makes the next character literal.
bool like_match(std::string_view s, std::string_view pattern, char escape);

}  // namespace sluice::sql
