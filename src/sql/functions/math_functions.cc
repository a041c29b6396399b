// Numeric functions (ksqlDB's math UDFs): Java's Math semantics for DOUBLE, HALF_UP rounding
// for DECIMAL, integer overloads keeping their type.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include <fmt/format.h>

#include "format/decimal.h"
#include "sql/functions/builtins.h"
#include "sql/functions/kernel_util.h"

namespace sluice::sql {

using format::Int128;
using format::Type;
using format::TypeId;
using format::Value;

namespace {

// Java's (long) conversion of a double: truncation, saturating at the long range, NaN to 0
// (a C++ cast of an out-of-range double is undefined).
int64_t java_double_to_long(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9.2233720368547758e18) return std::numeric_limits<int64_t>::max();
  if (v <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

Int128 pow10(int n) {
  return format::pow10_i128(n);
}

// Rescales an unscaled decimal from scale s to scale t (t <= s) with a rounding mode.
// kHalfCeiling: halves towards positive infinity (Java's Math.round).
enum class Rounding { kHalfUp, kHalfCeiling, kFloor, kCeil, kDown };
Int128 drop_digits(Int128 v, int k, Rounding mode) {
  if (k <= 0) return v;
  Int128 p = pow10(k);
  Int128 q = v / p, rem = v % p;
  switch (mode) {
    case Rounding::kHalfUp: {
      Int128 a = rem < 0 ? -rem : rem;
      if (a * 2 >= p) q += v < 0 ? -1 : 1;
      break;
    }
    case Rounding::kHalfCeiling:
      if (rem < 0) {
        q -= 1;
        rem += p;
      }
      if (rem * 2 >= p) q += 1;
      break;
    case Rounding::kFloor:
      if (rem < 0) q -= 1;
      break;
    case Rounding::kCeil:
      if (rem > 0) q += 1;
      break;
    case Rounding::kDown:
      break;
  }
  return q;
}

// Rounds a DECIMAL to `digits` fractional digits (negative: to tens, hundreds...), keeping the
// value's scale.
Int128 round_decimal(Int128 v, int scale, int64_t digits, Rounding mode) {
  int64_t drop = scale - digits;
  if (drop <= 0) return v;
  if (drop > 38) return 0;
  int k = static_cast<int>(drop);
  return drop_digits(v, k, mode) * pow10(k);
}

double round_double_half_up(double v, int64_t digits) {
  if (std::isnan(v) || std::isinf(v)) return v;
  // BigDecimal.valueOf(v).setScale(digits, HALF_UP): work on the shortest decimal text.
  auto text = fmt::format("{}", v);
  auto d = format::parse_decimal(text, 38, 18);
  if (!d) return v;
  Int128 r = round_decimal(*d, 18, digits, Rounding::kHalfCeiling);
  return format::decimal_to_double(r, 18);
}

double trunc_double(double v, int64_t digits) {
  if (std::isnan(v) || std::isinf(v)) return v;
  auto text = fmt::format("{}", v);
  auto d = format::parse_decimal(text, 38, 18);
  if (!d) return std::trunc(v);
  Int128 r = round_decimal(*d, 18, digits, Rounding::kDown);
  return format::decimal_to_double(r, 18);
}

// Registers f for INT/BIGINT/DOUBLE arguments returning DOUBLE.
template <typename F>
void add_double_fn(FunctionRegistry& r, std::string_view name, F f) {
  r.add(name, {Type::double_()}, Type::double_(), numeric_kernel<double, double>(f));
}

std::optional<Result<BoundFunction>> decimal_unary(std::span<const ArgInfo> args, Type ret,
                                                   ScalarKernel kernel) {
  BoundFunction fn;
  fn.param_types = {args[0].type};
  fn.return_type = std::move(ret);
  fn.kernel = std::move(kernel);
  return Result<BoundFunction>(std::move(fn));
}

// FLOOR, CEIL, ROUND, TRUNC on DECIMAL(p, s): one argument gives DECIMAL(p - s, 0) (FLOOR and
// CEIL keep the type); with a digits argument the type is kept.
CustomBinder decimal_rounding(Rounding mode, bool keep_type_single) {
  return [=](std::span<const ArgInfo> args) -> std::optional<Result<BoundFunction>> {
    if (args.empty() || args.size() > 2 || args[0].type.id() != TypeId::kDecimal) {
      return std::nullopt;
    }
    if (args.size() == 2 && args[1].type.id() != TypeId::kInteger && !args[1].null_literal) {
      return std::nullopt;
    }
    const Type in = args[0].type;
    int p = in.precision(), s = in.scale();
    Type ret = in;
    if (args.size() == 1 && !keep_type_single) {
      ret = Type::decimal(std::clamp(p - s, 1, format::kMaxDecimalPrecision), 0);
    }
    BoundFunction fn;
    fn.param_types = {in};
    if (args.size() == 2) fn.param_types.push_back(Type::integer());
    fn.return_type = ret;
    fn.kernel = [=](KernelContext& ctx) {
      for (uint32_t row : ctx.rows) {
        if (any_null(ctx, row)) {
          ctx.out.set_null(row);
          continue;
        }
        Int128 v = ctx.args[0]->get<Int128>(row);
        int64_t digits = ctx.args.size() > 1 ? ctx.args[1]->get<int32_t>(row) : 0;
        Int128 rounded = round_decimal(v, s, digits, mode);
        if (ret.scale() != s) rounded /= pow10(s - ret.scale());
        ctx.out.set<Int128>(row, rounded);
      }
    };
    return Result<BoundFunction>(std::move(fn));
  };
}

}  // namespace

void register_math_functions(FunctionRegistry& r) {
  // NOLINTNEXTLINE(readability-identifier-naming): type letters keep the signatures below short.
  const Type I = Type::integer(), L = Type::bigint(), D = Type::double_();
  r.add("ABS", {I}, I, numeric_kernel<int32_t, int32_t>([](int32_t v) {
          return v < 0 ? static_cast<int32_t>(0U - static_cast<uint32_t>(v)) : v;
        }));
  r.add("ABS", {L}, L, numeric_kernel<int64_t, int64_t>([](int64_t v) {
          return v < 0 ? static_cast<int64_t>(0ULL - static_cast<uint64_t>(v)) : v;
        }));
  r.add("ABS", {D}, D, numeric_kernel<double, double>([](double v) { return std::fabs(v); }));
  r.add_custom("ABS", [](std::span<const ArgInfo> args) -> std::optional<Result<BoundFunction>> {
    if (args.size() != 1 || args[0].type.id() != TypeId::kDecimal) return std::nullopt;
    return decimal_unary(args, args[0].type,
                         numeric_kernel<Int128, Int128>([](Int128 v) { return v < 0 ? -v : v; }));
  });
  for (auto [name, mode] :
       {std::pair{"FLOOR", Rounding::kFloor}, std::pair{"CEIL", Rounding::kCeil},
        std::pair{"CEILING", Rounding::kCeil}}) {
    r.add(name, {I}, I, numeric_kernel<int32_t, int32_t>([](int32_t v) { return v; }));
    r.add(name, {L}, L, numeric_kernel<int64_t, int64_t>([](int64_t v) { return v; }));
    bool floor = mode == Rounding::kFloor;
    r.add(name, {D}, D, numeric_kernel<double, double>([floor](double v) {
            return floor ? std::floor(v) : std::ceil(v);
          }));
    r.add_custom(name, decimal_rounding(mode, true));
  }
  // ROUND(DOUBLE) is Java's Math.round (half up towards positive infinity) and returns BIGINT.
  r.add("ROUND", {I}, I, numeric_kernel<int32_t, int32_t>([](int32_t v) { return v; }));
  r.add("ROUND", {L}, L, numeric_kernel<int64_t, int64_t>([](int64_t v) { return v; }));
  r.add("ROUND", {D}, L, numeric_kernel<double, int64_t>([](double v) {
          return java_double_to_long(std::floor(v + 0.5));  // Math.round
        }));
  r.add("ROUND", {D, I}, D, boxed_kernel([](std::span<const Value> a, const BoundFunction&) {
          return std::optional<Value>(
              Value::double_(round_double_half_up(a[0].as_double(), a[1].as_int())));
        }));
  r.add_custom("ROUND", decimal_rounding(Rounding::kHalfUp, false));
  r.add("TRUNC", {I}, I, numeric_kernel<int32_t, int32_t>([](int32_t v) { return v; }));
  r.add("TRUNC", {L}, L, numeric_kernel<int64_t, int64_t>([](int64_t v) { return v; }));
  r.add("TRUNC", {D}, L, numeric_kernel<double, int64_t>([](double v) {
          return java_double_to_long(v);  // Double.longValue()
        }));
  r.add(
      "TRUNC", {D, I}, D, boxed_kernel([](std::span<const Value> a, const BoundFunction&) {
        return std::optional<Value>(Value::double_(trunc_double(a[0].as_double(), a[1].as_int())));
      }));
  r.add_custom("TRUNC", decimal_rounding(Rounding::kDown, false));
  r.add("SIGN", {D}, I,
        numeric_kernel<double, int32_t>([](double v) { return v > 0 ? 1 : (v < 0 ? -1 : 0); }));
  add_double_fn(r, "SQRT", [](double v) { return std::sqrt(v); });
  add_double_fn(r, "CBRT", [](double v) { return std::cbrt(v); });
  add_double_fn(r, "EXP", [](double v) { return std::exp(v); });
  add_double_fn(r, "LN", [](double v) { return std::log(v); });
  add_double_fn(r, "LOG", [](double v) { return std::log(v); });  // ksqlDB: natural log
  add_double_fn(r, "ACOS", [](double v) { return std::acos(v); });
  add_double_fn(r, "ASIN", [](double v) { return std::asin(v); });
  add_double_fn(r, "ATAN", [](double v) { return std::atan(v); });
  add_double_fn(r, "COS", [](double v) { return std::cos(v); });
  add_double_fn(r, "SIN", [](double v) { return std::sin(v); });
  add_double_fn(r, "TAN", [](double v) { return std::tan(v); });
  add_double_fn(r, "COT", [](double v) { return 1.0 / std::tan(v); });
  add_double_fn(r, "COSH", [](double v) { return std::cosh(v); });
  add_double_fn(r, "SINH", [](double v) { return std::sinh(v); });
  add_double_fn(r, "TANH", [](double v) { return std::tanh(v); });
  add_double_fn(r, "DEGREES", [](double v) { return v * 180.0 / M_PI; });
  add_double_fn(r, "RADIANS", [](double v) { return v / 180.0 * M_PI; });
  auto binary_double = [](double (*f)(double, double)) {
    return [f](KernelContext& ctx) {
      for (uint32_t row : ctx.rows) {
        if (any_null(ctx, row)) {
          ctx.out.set_null(row);
          continue;
        }
        ctx.out.set<double>(row, f(ctx.args[0]->get<double>(row), ctx.args[1]->get<double>(row)));
      }
    };
  };
  r.add("POWER", {D, D}, D, binary_double([](double a, double b) { return std::pow(a, b); }));
  r.add("ATAN2", {D, D}, D, binary_double([](double a, double b) { return std::atan2(a, b); }));
  r.add("LOG", {D, D}, D, binary_double([](double base, double v) {
          if (base <= 0 || base == 1) return std::nan("");
          return std::log(v) / std::log(base);
        }));
  // GEO_DISTANCE(lat1, lon1, lat2, lon2[, 'KM'|'MI']): great-circle distance (haversine), in
  // the operation order of ksqlDB's GeoDistance so results agree to the last bit. A NULL unit
  // means kilometres.
  auto geo = boxed_kernel(
      [](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
        for (size_t i = 0; i < 4; ++i) {
          if (a[i].is_null()) return Value::null(Type::double_());
        }
        double radius = 6371.0;
        if (a.size() > 4 && !a[4].is_null()) {
          std::string unit = a[4].as_string();
          for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          if (unit == "MI" || unit == "MILE" || unit == "MILES") {
            radius = 3959.0;
          } else if (unit != "KM" && unit != "KILOMETER" && unit != "KILOMETERS" &&
                     unit != "KILOMETRE" && unit != "KILOMETRES") {
            return std::nullopt;
          }
        }
        double lat1 = a[0].as_double(), lon1 = a[1].as_double();
        double lat2 = a[2].as_double(), lon2 = a[3].as_double();
        if (lat1 < -90 || lat1 > 90 || lat2 < -90 || lat2 > 90 || lon1 < -180 || lon1 > 180 ||
            lon2 < -180 || lon2 > 180) {
          return std::nullopt;
        }
        const double to_rad = 0.017453292519943295;  // Math.toRadians
        double r1 = lat1 * to_rad, r2 = lat2 * to_rad;
        double dlat = (lat2 - lat1) * to_rad, dlon = (lon2 - lon1) * to_rad;
        double h = std::pow(std::sin(dlat / 2), 2) +
                   std::pow(std::sin(dlon / 2), 2) * std::cos(r1) * std::cos(r2);
        double c = 2 * std::asin(std::sqrt(h));
        return Value::double_(radius * c);
      },
      false);
  r.add("GEO_DISTANCE", {D, D, D, D}, D, geo);
  r.add("GEO_DISTANCE", {D, D, D, D, Type::string()}, D, geo);
  r.add("PI", {}, D, [](KernelContext& ctx) {
    for (uint32_t row : ctx.rows) ctx.out.set<double>(row, M_PI);
  });
  r.add("RANDOM", {}, D, [](KernelContext& ctx) {
    thread_local std::mt19937_64 gen{std::random_device{}()};
    std::uniform_real_distribution<double> dist(0.0, 1.0);
    for (uint32_t row : ctx.rows) ctx.out.set<double>(row, dist(gen));
  });
  // GREATEST / LEAST over arguments of one common type; NULL arguments are ignored.
  for (bool greatest : {true, false}) {
    r.add_custom(greatest ? "GREATEST" : "LEAST",
                 [greatest](std::span<const ArgInfo> args) -> std::optional<Result<BoundFunction>> {
                   if (args.empty()) return std::nullopt;
                   std::optional<Type> t;
                   for (const ArgInfo& a : args) {
                     if (a.null_literal) continue;
                     if (!t) {
                       t = a.type;
                     } else if (auto c = format::common_super_type(*t, a.type)) {
                       t = *c;
                     } else {
                       return std::nullopt;
                     }
                   }
                   if (!t) return std::nullopt;
                   BoundFunction fn;
                   fn.param_types.assign(args.size(), *t);
                   fn.return_type = *t;
                   fn.kernel = [greatest](KernelContext& ctx) {
                     for (uint32_t row : ctx.rows) {
                       int best = -1;
                       for (size_t i = 0; i < ctx.args.size(); ++i) {
                         if (ctx.args[i]->is_null(row)) continue;
                         if (best < 0) {
                           best = static_cast<int>(i);
                           continue;
                         }
                         int c = compare_rows(*ctx.args[i], row,
                                              *ctx.args[static_cast<size_t>(best)], row);
                         if (greatest ? c > 0 : c < 0) best = static_cast<int>(i);
                       }
                       if (best < 0) {
                         set_null_row(ctx.out, row);
                       } else {
                         copy_row(*ctx.args[static_cast<size_t>(best)], row, ctx.out, row);
                       }
                     }
                   };
                   return Result<BoundFunction>(std::move(fn));
                 });
  }
}

}  // namespace sluice::sql
