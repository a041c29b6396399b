// COALESCE, IFNULL, NULLIF and AS_VALUE: functions generic in their argument type.
#include "sql/functions/builtins.h"
#include "sql/functions/kernel_util.h"

namespace sluice::sql {

using format::Type;

namespace {

// The common type of all non-NULL arguments, or nullopt when they do not mix.
std::optional<Type> common_type(std::span<const ArgInfo> args) {
  std::optional<Type> t;
  for (const ArgInfo& a : args) {
    if (a.null_literal) continue;
    if (!t) {
      t = a.type;
      continue;
    }
    auto c = format::common_super_type(*t, a.type);
    if (!c) return std::nullopt;
    t = *c;
  }
  return t;
}

}  // namespace

void register_null_functions(FunctionRegistry& r) {
  auto first_non_null = [](KernelContext& ctx) {
    for (uint32_t row : ctx.rows) {
      bool done = false;
      for (const format::Vector* a : ctx.args) {
        if (!a->is_null(row)) {
          copy_row(*a, row, ctx.out, row);
          done = true;
          break;
        }
      }
      if (!done) set_null_row(ctx.out, row);
    }
  };
  auto binder = [first_non_null](size_t min_args, size_t max_args) -> CustomBinder {
    return [=](std::span<const ArgInfo> args) -> std::optional<Result<BoundFunction>> {
      if (args.size() < min_args || args.size() > max_args) return std::nullopt;
      auto t = common_type(args);
      if (!t) {
        return Result<BoundFunction>(Status::invalid_argument(
            "All arguments must be of the same type " + arg_types_string(args)));
      }
      BoundFunction fn;
      fn.param_types.assign(args.size(), *t);
      fn.return_type = *t;
      fn.kernel = first_non_null;
      return Result<BoundFunction>(std::move(fn));
    };
  };
  r.add_custom("COALESCE", binder(1, 1 << 20));
  r.add_custom("IFNULL", binder(2, 2));
  r.add_custom("NULLIF", [](std::span<const ArgInfo> args) -> std::optional<Result<BoundFunction>> {
    if (args.size() != 2) return std::nullopt;
    auto t = common_type(args);
    if (!t) return std::nullopt;
    BoundFunction fn;
    fn.param_types.assign(2, *t);
    fn.return_type = *t;
    fn.kernel = [](KernelContext& ctx) {
      for (uint32_t row : ctx.rows) {
        const format::Vector& a = *ctx.args[0];
        const format::Vector& b = *ctx.args[1];
        if (a.is_null(row) || (!b.is_null(row) && compare_rows(a, row, b, row) == 0)) {
          set_null_row(ctx.out, row);
        } else {
          copy_row(a, row, ctx.out, row);
        }
      }
    };
    return Result<BoundFunction>(std::move(fn));
  });
  // AS_VALUE(key column): copies a key column into the value; the planner treats it as an
  // ordinary expression.
  r.add_custom("AS_VALUE",
               [](std::span<const ArgInfo> args) -> std::optional<Result<BoundFunction>> {
                 if (args.size() != 1 || args[0].null_literal) return std::nullopt;
                 BoundFunction fn;
                 fn.param_types = {args[0].type};
                 fn.return_type = args[0].type;
                 fn.kernel = [](KernelContext& ctx) { copy_rows(*ctx.args[0], ctx.rows, ctx.out); };
                 return Result<BoundFunction>(std::move(fn));
               });
}

}  // namespace sluice::sql
