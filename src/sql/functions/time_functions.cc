// Date and time functions: formatting and parsing with patterns and zones, epoch conversions
// and interval arithmetic (TIMESTAMPADD(unit, n, ts)).
#include <chrono>

#include "sql/functions/builtins.h"
#include "sql/functions/kernel_util.h"
#include "sql/functions/time_format.h"

namespace sluice::sql {

using format::Type;
using format::Value;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string zone_arg(std::span<const Value> a, size_t i) {
  return a.size() > i ? a[i].as_string() : std::string("UTC");
}

// Milliseconds in one interval unit named as the parser spells it (time_unit_name).
std::optional<int64_t> unit_millis(std::string_view unit) {
  if (unit == "MILLISECONDS") return 1;
  if (unit == "SECONDS") return 1000;
  if (unit == "MINUTES") return 60000;
  if (unit == "HOURS") return 3600000;
  if (unit == "DAYS") return 86400000;
  return std::nullopt;
}

constexpr int64_t kDayMs = 86400000;

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

void register_time_functions(FunctionRegistry& r) {
  // NOLINTBEGIN(readability-identifier-naming): one letter per SQL type keeps the signature
  // tables below readable.
  const Type S = Type::string(), L = Type::bigint(), I = Type::integer(), TS = Type::timestamp(),
             D = Type::date(), T = Type::time();
  // NOLINTEND(readability-identifier-naming)

  // ms (BIGINT or TIMESTAMP) -> text.
  auto format_ts = boxed_kernel([](std::span<const Value> a, const BoundFunction&) {
    auto s = format_timestamp(a[0].as_bigint(), a[1].as_string(), zone_arg(a, 2));
    return s ? std::optional<Value>(Value::string(*s)) : std::nullopt;
  });
  for (const char* name : {"TIMESTAMPTOSTRING"}) {
    r.add(name, {L, S}, S, format_ts);
    r.add(name, {L, S, S}, S, format_ts);
  }
  r.add("FORMAT_TIMESTAMP", {TS, S}, S, format_ts);
  r.add("FORMAT_TIMESTAMP", {TS, S, S}, S, format_ts);

  // text -> ms.
  auto parse_ts = [](bool as_timestamp) {
    return boxed_kernel([as_timestamp](std::span<const Value> a, const BoundFunction&) {
      auto t = parse_timestamp(a[0].as_string(), a[1].as_string(), zone_arg(a, 2));
      if (!t) return std::optional<Value>();
      return std::optional<Value>(as_timestamp ? Value::timestamp(*t) : Value::bigint(*t));
    });
  };
  r.add("STRINGTOTIMESTAMP", {S, S}, L, parse_ts(false));
  r.add("STRINGTOTIMESTAMP", {S, S, S}, L, parse_ts(false));
  r.add("PARSE_TIMESTAMP", {S, S}, TS, parse_ts(true));
  r.add("PARSE_TIMESTAMP", {S, S, S}, TS, parse_ts(true));

  r.add("FORMAT_DATE", {D, S}, S, boxed_kernel([](std::span<const Value> a, const BoundFunction&) {
          auto s = format_timestamp(int64_t{a[0].as_int()} * kDayMs, a[1].as_string());
          return s ? std::optional<Value>(Value::string(*s)) : std::nullopt;
        }));
  r.add("DATETOSTRING", {I, S}, S, boxed_kernel([](std::span<const Value> a, const BoundFunction&) {
          auto s = format_timestamp(int64_t{a[0].as_int()} * kDayMs, a[1].as_string());
          return s ? std::optional<Value>(Value::string(*s)) : std::nullopt;
        }));
  auto parse_date = [](bool as_date) {
    return boxed_kernel([as_date](std::span<const Value> a, const BoundFunction&) {
      auto t = parse_timestamp(a[0].as_string(), a[1].as_string(), "UTC", true);
      if (!t) return std::optional<Value>();
      auto days = static_cast<int32_t>(floor_div(*t, kDayMs));
      return std::optional<Value>(as_date ? Value::date(days) : Value::integer(days));
    });
  };
  r.add("PARSE_DATE", {S, S}, D, parse_date(true));
  r.add("STRINGTODATE", {S, S}, I, parse_date(false));
  r.add("FORMAT_TIME", {T, S}, S, boxed_kernel([](std::span<const Value> a, const BoundFunction&) {
          auto s = format_timestamp(a[0].as_int(), a[1].as_string());
          return s ? std::optional<Value>(Value::string(*s)) : std::nullopt;
        }));
  r.add("PARSE_TIME", {S, S}, T, boxed_kernel([](std::span<const Value> a, const BoundFunction&) {
          auto t = parse_timestamp(a[0].as_string(), a[1].as_string());
          if (!t) return std::optional<Value>();
          return std::optional<Value>(
              Value::time(static_cast<int32_t>(*t - floor_div(*t, kDayMs) * kDayMs)));
        }));

  r.add("UNIX_TIMESTAMP", {}, L, [](KernelContext& ctx) {
    int64_t now = now_ms();
    for (uint32_t row : ctx.rows) ctx.out.set<int64_t>(row, now);
  });
  r.add("UNIX_TIMESTAMP", {TS}, L, numeric_kernel<int64_t, int64_t>([](int64_t v) { return v; }));
  r.add("UNIX_DATE", {}, I, [](KernelContext& ctx) {
    auto today = static_cast<int32_t>(floor_div(now_ms(), kDayMs));
    for (uint32_t row : ctx.rows) ctx.out.set<int32_t>(row, today);
  });
  r.add("UNIX_DATE", {D}, I, numeric_kernel<int32_t, int32_t>([](int32_t v) { return v; }));
  r.add("FROM_UNIXTIME", {L}, TS, numeric_kernel<int64_t, int64_t>([](int64_t v) { return v; }));
  r.add("FROM_DAYS", {I}, D, numeric_kernel<int32_t, int32_t>([](int32_t v) { return v; }));

  // TIMESTAMPADD(unit, n, ts) and friends; the unit arrives as its name (a constant string).
  auto add_interval = [](int sign, bool date) {
    return boxed_kernel(
        [sign, date](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
          auto unit = unit_millis(a[0].as_string());
          if (!unit) return std::nullopt;
          int64_t delta = sign * a[1].as_bigint() * *unit;
          if (date) {
            int64_t ms = int64_t{a[2].as_int()} * kDayMs + delta;
            return Value::date(static_cast<int32_t>(floor_div(ms, kDayMs)));
          }
          return Value::timestamp(a[2].as_bigint() + delta);
        });
  };
  r.add("TIMESTAMPADD", {S, L, TS}, TS, add_interval(1, false));
  r.add("TIMESTAMPSUB", {S, L, TS}, TS, add_interval(-1, false));
  r.add("DATEADD", {S, I, D}, D, add_interval(1, true));
  r.add("DATESUB", {S, I, D}, D, add_interval(-1, true));
  r.add("CONVERT_TZ", {TS, S, S}, TS,
        boxed_kernel([](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
          // The timestamp read as a wall-clock time in `from`, shown as the wall-clock time in
          // `to` (both as UTC-based TIMESTAMP values, as ksqlDB represents local times).
          constexpr const char* kPattern = "yyyy-MM-dd HH:mm:ss.SSS";
          auto local = format_timestamp(a[0].as_bigint(), kPattern, "UTC");
          if (!local) return std::nullopt;
          auto instant = parse_timestamp(*local, kPattern, a[1].as_string());
          if (!instant) return std::nullopt;
          auto there = format_timestamp(*instant, kPattern, a[2].as_string());
          if (!there) return std::nullopt;
          auto t = parse_timestamp(*there, kPattern, "UTC");
          if (!t) return std::nullopt;
          return Value::timestamp(*t);
        }));
}

}  // namespace sluice::sql
