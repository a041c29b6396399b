// CAST semantics on single values (ksqlDB's CastEvaluator), shared by constant folding in the
// planner and by the executor's per-row paths, plus the text forms ksqlDB gives values.
//
// Thread-safety: free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "format/types.h"
#include "format/value.h"

namespace sluice::sql {

// Whether CAST(x AS to) is allowed for x of type `from`.
bool can_cast(const format::Type& from, const format::Type& to);

// Casts a value; a NULL stays NULL (retyped). Fails when the value does not convert (a string
// that is not a number, a decimal that overflows): the row's expression then yields NULL.
Result<format::Value> cast_value(const format::Value& v, const format::Type& to);

// The text CAST(x AS STRING) gives: Java's toString for numbers, ISO-8601 for TIMESTAMP
// ("2020-01-01T00:00:00.000"), DATE and TIME, "[a, b]" / "{k=v}" / "Struct{F=v}" for nested.
std::string value_to_cast_string(const format::Value& v);

// Days since the epoch <-> civil date, proleptic Gregorian.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t days, int64_t& y, unsigned& m, unsigned& d);

// "yyyy-MM-dd'T'HH:mm:ss.SSS" in UTC.
std::string format_iso_timestamp(int64_t ms);
std::string format_iso_date(int32_t days);
// ksqlDB's TIME text: LocalTime.ofSecondOfDay(ms / 1000).toString(), so milliseconds are dropped
// and zero seconds too: "21:58:33", "05:06".
std::string format_iso_time(int32_t ms_of_day);
// ISO-8601 forms ksqlDB accepts for TIMESTAMP/DATE/TIME strings: "2020-01-01", "2020-01-01T10",
// "...T10:15", "...T10:15:30", "...T10:15:30.123", each optionally followed by "Z" or an offset.
std::optional<int64_t> parse_iso_timestamp(std::string_view s);
std::optional<int32_t> parse_iso_date(std::string_view s);
std::optional<int32_t> parse_iso_time(std::string_view s);

}  // namespace sluice::sql
