// Helpers to write function kernels: typed loops over the rows of a batch with ksqlDB's usual
// null rule (any NULL argument gives NULL), and a boxed fallback over format::Value for the
// functions whose cost is dominated by their own work (nested types, formatting).
//
// Thread-safety: the kernels these build hold no mutable state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "format/value.h"
#include "sql/catalog/function_registry.h"
#include "sql/functions/vector_ops.h"

namespace sluice::sql {

inline bool any_null(const KernelContext& ctx, uint32_t row) {
  for (const format::Vector* a : ctx.args) {
    if (a->is_null(row)) return true;
  }
  return false;
}

// f(std::span<const format::Value> args, const BoundFunction&) -> std::optional<Value>;
// nullopt means the computation failed (NULL, counted as an error). With null_on_null, rows with
// a NULL argument yield NULL without calling f.
template <typename F>
ScalarKernel boxed_kernel(F f, bool null_on_null = true) {
  return [f, null_on_null](KernelContext& ctx) {
    std::vector<format::Value> vals(ctx.args.size());
    for (uint32_t r : ctx.rows) {
      if (null_on_null && any_null(ctx, r)) {
        set_null_row(ctx.out, r);
        continue;
      }
      for (size_t i = 0; i < ctx.args.size(); ++i) vals[i] = format::read_value(*ctx.args[i], r);
      std::optional<format::Value> v = f(std::span<const format::Value>(vals), ctx.fn);
      if (!v) {
        ++ctx.errors;
        set_null_row(ctx.out, r);
      } else if (v->is_null()) {
        set_null_row(ctx.out, r);
      } else {
        format::write_value(ctx.out, r, *v);
      }
    }
  };
}

// STRING -> STRING: f(std::string_view in, std::string& out) -> bool (false: NULL).
template <typename F>
ScalarKernel string_kernel(F f) {
  return [f](KernelContext& ctx) {
    std::string buf;
    for (uint32_t r : ctx.rows) {
      if (any_null(ctx, r)) {
        ctx.out.set_null(r);
        continue;
      }
      buf.clear();
      if (!f(ctx.args[0]->get_string(r), buf)) {
        ctx.out.set_null(r);
        continue;
      }
      ctx.out.set_string(r, buf);
    }
  };
}

// One numeric argument to a numeric result: Out f(In).
template <typename In, typename Out, typename F>
ScalarKernel numeric_kernel(F f) {
  return [f](KernelContext& ctx) {
    Out* d = ctx.out.template data<Out>();
    for (uint32_t r : ctx.rows) {
      if (ctx.args[0]->is_null(r)) {
        ctx.out.set_null(r);
        continue;
      }
      d[r] = f(ctx.args[0]->template get<In>(r));
    }
  };
}

}  // namespace sluice::sql
