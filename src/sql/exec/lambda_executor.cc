// TRANSFORM, FILTER and REDUCE: lambda bodies evaluated a batch at a time over the elements.
//
// For a batch's rows, the elements of their arrays (or entries of their maps) become the rows of
// an element batch whose columns are the enclosing batch's columns (copied per element, so the
// body can read them) followed by the lambda's parameters; the body is evaluated once over that
// batch and the results are regrouped per row. REDUCE folds position by position: step k runs the
// body over the k-th elements of the rows that have one, with the state as first parameter.
#include "format/value.h"
#include "sql/exec/expression_executor.h"
#include "sql/functions/vector_ops.h"

namespace sluice::sql {

using format::ColumnBatch;
using format::ListEntry;
using format::TypeId;
using format::Vector;

namespace {

struct DepthGuard {
  int& depth;
  explicit DepthGuard(int& d) : depth(d) { ++depth; }
  ~DepthGuard() { --depth; }
};

// An element batch: the enclosing columns of row owner[j] plus the parameter columns.
std::unique_ptr<ColumnBatch> element_batch(const ColumnBatch& in, const BoundExpr& call,
                                           size_t base, const std::vector<format::Type>& params,
                                           const std::vector<uint32_t>& owner) {
  std::vector<format::Column> schema = in.schema();
  // Pad up to this lambda's first parameter (parameters of enclosing lambdas already present).
  size_t first = base + static_cast<size_t>(call.column);
  while (schema.size() < first) schema.push_back({"$pad", format::Type::integer()});
  for (size_t p = 0; p < params.size(); ++p) {
    schema.push_back({"$L" + std::to_string(call.column + static_cast<int>(p)), params[p]});
  }
  auto batch = std::make_unique<ColumnBatch>(schema, std::max<size_t>(owner.size(), 1));
  batch->set_size(owner.size());
  for (size_t j = 0; j < owner.size(); ++j) {
    uint32_t r = owner[j];
    batch->rowtime()[j] = in.rowtime()[r];
    batch->partition()[j] = in.partition()[r];
    batch->offset()[j] = in.offset()[r];
    batch->key_null()[j] = in.key_null()[r];
    batch->value_null()[j] = in.value_null()[r];
    for (size_t c = 0; c < in.num_columns(); ++c) {
      copy_row(in.column(c), r, batch->column(c), j, StringCopy::kView);
    }
  }
  return batch;
}

}  // namespace

const Vector& ExpressionState::eval_lambda(const BoundExpr& e, const ColumnBatch& in,
                                           std::span<const uint32_t> rows) {
  if (lambda_depth_ == 0) lambda_base_ = in.num_columns();
  DepthGuard guard(lambda_depth_);
  const Vector& coll = eval(*e.children[0], in, rows);
  bool is_map = coll.type().id() == TypeId::kMap;
  bool reduce = e.name == "REDUCE";
  std::vector<format::Type> params;
  if (reduce) params.push_back(e.type);
  if (is_map) {
    params.push_back(coll.type().key());
    params.push_back(coll.type().value());
  } else {
    params.push_back(coll.type().element());
  }
  size_t first_param = lambda_base_ + static_cast<size_t>(e.column);

  if (reduce) {
    const Vector& init = eval(*e.children[1], in, rows);
    // The running state per input row, in a vector of its own (the scratch is reused below).
    Vector state(e.type, std::max<size_t>(in.size(), 1));
    uint32_t longest = 0;
    for (uint32_t r : rows) {
      copy_row(init, r, state, r);
      if (!coll.is_null(r)) longest = std::max(longest, coll.list_entry(r).length);
    }
    for (uint32_t k = 0; k < longest; ++k) {
      std::vector<uint32_t> owner, elem;
      for (uint32_t r : rows) {
        if (coll.is_null(r) || coll.list_entry(r).length <= k) continue;
        owner.push_back(r);
        elem.push_back(coll.list_entry(r).offset + k);
      }
      auto batch = element_batch(in, e, lambda_base_, params, owner);
      for (size_t j = 0; j < owner.size(); ++j) {
        copy_row(state, owner[j], batch->column(first_param), j);
        copy_row(coll.child(0), elem[j], batch->column(first_param + 1), j, StringCopy::kView);
        if (is_map) {
          copy_row(coll.child(1), elem[j], batch->column(first_param + 2), j, StringCopy::kView);
        }
      }
      std::vector<uint32_t> all(owner.size());
      for (uint32_t j = 0; j < all.size(); ++j) all[j] = j;
      const Vector& next = eval(*e.children[2], *batch, all);
      for (size_t j = 0; j < owner.size(); ++j) copy_row(next, j, state, owner[j]);
    }
    // ksqlDB's Reduce: a NULL initial state gives NULL, a NULL collection the initial state.
    Vector& out = scratch(e, in.size());
    for (uint32_t r : rows) {
      if (init.is_null(r)) {
        set_null_row(out, r);
      } else {
        copy_row(state, r, out, r);
      }
    }
    return out;
  }

  // TRANSFORM / FILTER: every element of every row at once.
  std::vector<uint32_t> owner, elem;
  for (uint32_t r : rows) {
    if (coll.is_null(r)) continue;
    ListEntry le = coll.list_entry(r);
    for (uint32_t i = 0; i < le.length; ++i) {
      owner.push_back(r);
      elem.push_back(le.offset + i);
    }
  }
  auto batch = element_batch(in, e, lambda_base_, params, owner);
  for (size_t j = 0; j < owner.size(); ++j) {
    copy_row(coll.child(0), elem[j], batch->column(first_param), j, StringCopy::kView);
    if (is_map) {
      copy_row(coll.child(1), elem[j], batch->column(first_param + 1), j, StringCopy::kView);
    }
  }
  std::vector<uint32_t> all(owner.size());
  for (uint32_t j = 0; j < all.size(); ++j) all[j] = j;
  std::vector<const Vector*> bodies;
  for (size_t b = 1; b < e.children.size(); ++b)
    bodies.push_back(&eval(*e.children[b], *batch, all));
  Vector& out = scratch(e, in.size());
  size_t j = 0;
  for (uint32_t r : rows) {
    if (coll.is_null(r)) {
      set_null_row(out, r);
      continue;
    }
    uint32_t len = coll.list_entry(r).length;
    uint32_t start = out.list_size();
    uint32_t kept = 0;
    for (uint32_t i = 0; i < len; ++i, ++j) {
      if (e.name == "FILTER") {
        const Vector& keep = *bodies[0];
        if (keep.is_null(j) || !keep.get<uint8_t>(j)) continue;
        uint32_t slot = out.append_list_slots(1);
        copy_row(coll.child(0), elem[j], out.child(0), slot);
        if (is_map) copy_row(coll.child(1), elem[j], out.child(1), slot);
      } else {
        uint32_t slot = out.append_list_slots(1);
        copy_row(*bodies[0], j, out.child(0), slot);
        if (is_map) copy_row(*bodies[1], j, out.child(1), slot);
      }
      ++kept;
    }
    out.set_valid(r);
    out.set_list_entry(r, {start, kept});
  }
  return out;
}

}  // namespace sluice::sql
