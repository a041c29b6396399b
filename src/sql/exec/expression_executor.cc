#include "sql/exec/expression_executor.h"

#include "format/value.h"
#include "sql/functions/vector_ops.h"

namespace sluice::sql {

using format::Vector;

format::Vector& ExpressionState::scratch(const BoundExpr& e, size_t n) {
  auto& slot = slots_.at(e.slot);
  if (!slot) slot = std::make_unique<Vector>(e.type, std::max<size_t>(n, 1));
  prepare_output(*slot, n);
  return *slot;
}

std::vector<uint32_t> ExpressionState::select(const BoundExpr& predicate,
                                              const format::ColumnBatch& in,
                                              std::span<const uint32_t> rows) {
  const Vector& v = eval(predicate, in, rows);
  std::vector<uint32_t> out;
  out.reserve(rows.size());
  for (uint32_t r : rows) {
    if (!v.is_null(r) && v.get<uint8_t>(r)) out.push_back(r);
  }
  return out;
}

const Vector& ExpressionState::eval(const BoundExpr& e, const format::ColumnBatch& in,
                                    std::span<const uint32_t> rows) {
  switch (e.kind) {
    case BoundKind::kConstant: {
      auto& slot = slots_.at(e.slot);
      if (!slot) {
        slot = std::make_unique<Vector>(e.type, 1);
        format::write_value(*slot, 0, e.constant);
        slot->set_constant();
      }
      return *slot;
    }
    case BoundKind::kColumn:
      return in.column(static_cast<size_t>(e.column));
    case BoundKind::kRowTime:
    case BoundKind::kRowOffset: {
      Vector& out = scratch(e, in.size());
      const int64_t* src = e.kind == BoundKind::kRowTime ? in.rowtime() : in.offset();
      int64_t* d = out.data<int64_t>();
      for (uint32_t r : rows) d[r] = src[r];
      return out;
    }
    case BoundKind::kRowPartition: {
      Vector& out = scratch(e, in.size());
      int32_t* d = out.data<int32_t>();
      for (uint32_t r : rows) d[r] = in.partition()[r];
      return out;
    }
    case BoundKind::kCast: {
      const Vector& v = eval(*e.children[0], in, rows);
      Vector& out = scratch(e, in.size());
      eval_cast(v, rows, out, errors_);
      return out;
    }
    case BoundKind::kArith: {
      const Vector& l = eval(*e.children[0], in, rows);
      const Vector& r = eval(*e.children[1], in, rows);
      Vector& out = scratch(e, in.size());
      eval_arith(e, l, r, rows, out, errors_);
      return out;
    }
    case BoundKind::kNegate: {
      const Vector& v = eval(*e.children[0], in, rows);
      Vector& out = scratch(e, in.size());
      eval_negate(v, rows, out);
      return out;
    }
    case BoundKind::kCompare: {
      const Vector& l = eval(*e.children[0], in, rows);
      const Vector& r = eval(*e.children[1], in, rows);
      Vector& out = scratch(e, in.size());
      eval_compare(e.compare, l, r, rows, out);
      return out;
    }
    case BoundKind::kAnd:
    case BoundKind::kOr: {
      const Vector& l = eval(*e.children[0], in, rows);
      const Vector& r = eval(*e.children[1], in, rows);
      Vector& out = scratch(e, in.size());
      bool is_and = e.kind == BoundKind::kAnd;
      uint8_t* d = out.data<uint8_t>();
      for (uint32_t row : rows) {
        bool ln = l.is_null(row), rn = r.is_null(row);
        bool lv = !ln && l.get<uint8_t>(row), rv = !rn && r.get<uint8_t>(row);
        if (is_and) {
          if ((!ln && !lv) || (!rn && !rv)) {
            d[row] = 0;
          } else if (ln || rn) {
            out.set_null(row);
          } else {
            d[row] = 1;
          }
        } else {
          if (lv || rv) {
            d[row] = 1;
          } else if (ln || rn) {
            out.set_null(row);
          } else {
            d[row] = 0;
          }
        }
      }
      return out;
    }
    case BoundKind::kNot: {
      const Vector& v = eval(*e.children[0], in, rows);
      Vector& out = scratch(e, in.size());
      uint8_t* d = out.data<uint8_t>();
      for (uint32_t r : rows) {
        if (v.is_null(r)) {
          out.set_null(r);
        } else {
          d[r] = v.get<uint8_t>(r) ? 0 : 1;
        }
      }
      return out;
    }
    case BoundKind::kIsNull: {
      const Vector& v = eval(*e.children[0], in, rows);
      Vector& out = scratch(e, in.size());
      uint8_t* d = out.data<uint8_t>();
      for (uint32_t r : rows) d[r] = v.is_null(r) != e.negated ? 1 : 0;
      return out;
    }
    case BoundKind::kCase:
      return eval_case(e, in, rows);
    case BoundKind::kLike: {
      const Vector& v = eval(*e.children[0], in, rows);
      const Vector& p = eval(*e.children[1], in, rows);
      Vector& out = scratch(e, in.size());
      eval_like(v, p, e.escape, rows, out);
      return out;
    }
    case BoundKind::kIn: {
      const Vector& v = eval(*e.children[0], in, rows);
      std::vector<const Vector*> items;
      for (size_t i = 1; i < e.children.size(); ++i) {
        items.push_back(&eval(*e.children[i], in, rows));
      }
      // ksqlDB's InListEvaluator: NULL never matches, on either side, and the answer is never
      // NULL: `NULL IN (...)` is FALSE and `NULL NOT IN (...)` TRUE.
      Vector& out = scratch(e, in.size());
      uint8_t* d = out.data<uint8_t>();
      for (uint32_t r : rows) {
        bool found = false;
        if (!v.is_null(r)) {
          for (const Vector* it : items) {
            if (!it->is_null(r) && compare_rows(v, r, *it, r) == 0) {
              found = true;
              break;
            }
          }
        }
        out.set_valid(r);
        d[r] = found != e.negated ? 1 : 0;
      }
      return out;
    }
    case BoundKind::kFunction:
      return eval_function(e, in, rows);
    case BoundKind::kLambdaCall:
      return eval_lambda(e, in, rows);
    case BoundKind::kLambdaVar:
      return in.column(lambda_base_ + static_cast<size_t>(e.column));
    default:
      return eval_nested(e, in, rows);
  }
}

const Vector& ExpressionState::eval_case(const BoundExpr& e, const format::ColumnBatch& in,
                                         std::span<const uint32_t> rows) {
  size_t whens = (e.children.size() - (e.has_else ? 1 : 0)) / 2;
  std::vector<uint32_t> remaining(rows.begin(), rows.end());
  std::vector<uint32_t> taken, rest;
  // Branch results are computed only for their rows, so the output is filled piecewise; the
  // scratch is fetched after each branch's evaluation, which may reuse child slots.
  std::vector<std::pair<std::vector<uint32_t>, size_t>> plan;
  for (size_t w = 0; w < whens && !remaining.empty(); ++w) {
    const Vector& c = eval(*e.children[2 * w], in, remaining);
    taken.clear();
    rest.clear();
    for (uint32_t r : remaining) {
      if (!c.is_null(r) && c.get<uint8_t>(r)) {
        taken.push_back(r);
      } else {
        rest.push_back(r);
      }
    }
    if (!taken.empty()) plan.emplace_back(taken, 2 * w + 1);
    remaining.swap(rest);
  }
  if (e.has_else && !remaining.empty()) plan.emplace_back(remaining, e.children.size() - 1);
  Vector& out = scratch(e, in.size());
  for (uint32_t r : rows) set_null_row(out, r);
  for (const auto& [branch_rows, child] : plan) {
    const Vector& v = eval(*e.children[child], in, branch_rows);
    copy_rows(v, branch_rows, out);
  }
  return out;
}

const Vector& ExpressionState::eval_function(const BoundExpr& e, const format::ColumnBatch& in,
                                             std::span<const uint32_t> rows) {
  std::vector<const Vector*> args;
  args.reserve(e.children.size());
  for (const auto& c : e.children) args.push_back(&eval(*c, in, rows));
  Vector& out = scratch(e, in.size());
  KernelContext ctx{args, rows, out, *e.function};
  e.function->kernel(ctx);
  errors_ += ctx.errors;
  return out;
}

const Vector& ExpressionState::eval_nested(const BoundExpr& e, const format::ColumnBatch& in,
                                           std::span<const uint32_t> rows) {
  switch (e.kind) {
    case BoundKind::kField: {
      const Vector& base = eval(*e.children[0], in, rows);
      const Vector& child = base.child(static_cast<size_t>(e.column));
      if (!base.is_constant()) {
        // Decoders and kernels null a struct's fields along with the struct.
        return child;
      }
      Vector& out = scratch(e, in.size());
      for (uint32_t r : rows) {
        if (base.is_null(r)) {
          set_null_row(out, r);
        } else {
          copy_row(child, 0, out, r);
        }
      }
      return out;
    }
    case BoundKind::kArrayIndex: {
      const Vector& arr = eval(*e.children[0], in, rows);
      const Vector& idx = eval(*e.children[1], in, rows);
      Vector& out = scratch(e, in.size());
      for (uint32_t r : rows) {
        if (arr.is_null(r) || idx.is_null(r)) {
          set_null_row(out, r);
          continue;
        }
        format::ListEntry le = arr.list_entry(r);
        int64_t i = idx.get<int32_t>(r);
        int64_t pos = i > 0 ? i - 1 : static_cast<int64_t>(le.length) + i;
        if (i == 0 || pos < 0 || pos >= static_cast<int64_t>(le.length)) {
          set_null_row(out, r);
        } else {
          copy_row(arr.child(0), le.offset + static_cast<uint32_t>(pos), out, r);
        }
      }
      return out;
    }
    case BoundKind::kMapLookup: {
      const Vector& map = eval(*e.children[0], in, rows);
      const Vector& key = eval(*e.children[1], in, rows);
      Vector& out = scratch(e, in.size());
      for (uint32_t r : rows) {
        set_null_row(out, r);
        if (map.is_null(r) || key.is_null(r)) continue;
        format::ListEntry le = map.list_entry(r);
        for (uint32_t i = 0; i < le.length; ++i) {
          if (map.child(0).is_null(le.offset + i)) continue;
          if (compare_rows(map.child(0), le.offset + i, key, r) == 0) {
            copy_row(map.child(1), le.offset + i, out, r);
            break;
          }
        }
      }
      return out;
    }
    case BoundKind::kArrayCtor:
    case BoundKind::kMapCtor: {
      std::vector<const Vector*> parts;
      for (const auto& c : e.children) parts.push_back(&eval(*c, in, rows));
      Vector& out = scratch(e, in.size());
      bool is_map = e.kind == BoundKind::kMapCtor;
      uint32_t n = static_cast<uint32_t>(is_map ? parts.size() / 2 : parts.size());
      for (uint32_t r : rows) {
        out.set_valid(r);
        uint32_t start = out.append_list_slots(n);
        for (uint32_t i = 0; i < n; ++i) {
          if (is_map) {
            copy_row(*parts[size_t{2} * i], r, out.child(0), start + i);
            copy_row(*parts[size_t{2} * i + 1], r, out.child(1), start + i);
          } else {
            copy_row(*parts[i], r, out.child(0), start + i);
          }
        }
        out.set_list_entry(r, {start, n});
      }
      return out;
    }
    case BoundKind::kStructCtor: {
      std::vector<const Vector*> parts;
      for (const auto& c : e.children) parts.push_back(&eval(*c, in, rows));
      Vector& out = scratch(e, in.size());
      for (uint32_t r : rows) {
        out.set_valid(r);
        for (size_t k = 0; k < parts.size(); ++k) copy_row(*parts[k], r, out.child(k), r);
      }
      return out;
    }
    default: {
      // Not reachable for plans the binder builds; NULL keeps the query running.
      Vector& out = scratch(e, in.size());
      for (uint32_t r : rows) set_null_row(out, r);
      return out;
    }
  }
}

}  // namespace sluice::sql
