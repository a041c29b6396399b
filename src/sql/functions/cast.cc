#include "sql/functions/cast.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "format/decimal.h"
#include "format/text.h"

namespace sluice::sql {

using format::Type;
using format::TypeId;
using format::Value;

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

namespace {

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

std::string format_iso_date(int32_t days) {
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  return fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
}

std::string format_iso_time(int32_t ms) {
  int h = ms / 3600000, mi = ms / 60000 % 60, s = ms / 1000 % 60;
  if (s == 0) return fmt::format("{:02d}:{:02d}", h, mi);
  return fmt::format("{:02d}:{:02d}:{:02d}", h, mi, s);
}

std::string format_iso_timestamp(int64_t ms) {
  int64_t days = floor_div(ms, 86400000);
  int64_t rem = ms - days * 86400000;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}", y, m, d, rem / 3600000,
                     rem / 60000 % 60, rem / 1000 % 60, rem % 1000);
}

namespace {

// Reads exactly n digits at s[pos].
bool digits(std::string_view s, size_t& pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

// Parses "HH[:mm[:ss[.fff]]]" at pos; returns ms of day.
bool parse_time_part(std::string_view s, size_t& pos, int64_t& ms) {
  int64_t h = 0, mi = 0, sec = 0, frac = 0;
  if (!digits(s, pos, 2, h)) return false;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!digits(s, pos, 2, mi)) return false;
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!digits(s, pos, 2, sec)) return false;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          if (n < 3) frac = frac * 10 + (s[pos] - '0');
          ++n;
          ++pos;
        }
        if (n == 0) return false;
        for (int i = n; i < 3; ++i) frac *= 10;
      }
    }
  }
  if (h > 23 || mi > 59 || sec > 59) return false;
  ms = ((h * 60 + mi) * 60 + sec) * 1000 + frac;
  return true;
}

// Parses an optional zone suffix: Z, +HH, +HH:mm, +HHmm. Returns the offset in ms.
bool parse_zone(std::string_view s, size_t& pos, int64_t& offset_ms) {
  offset_ms = 0;
  if (pos == s.size()) return true;
  if (s[pos] == 'Z') {
    ++pos;
    return pos == s.size();
  }
  if (s[pos] != '+' && s[pos] != '-') return false;
  int sign = s[pos] == '-' ? -1 : 1;
  ++pos;
  int64_t h = 0, m = 0;
  if (!digits(s, pos, 2, h)) return false;
  if (pos < s.size() && s[pos] == ':') ++pos;
  if (pos < s.size() && !digits(s, pos, 2, m)) return false;
  offset_ms = sign * (h * 60 + m) * 60000;
  return pos == s.size();
}

bool parse_date_part(std::string_view s, size_t& pos, int64_t& days) {
  int64_t y, m, d;
  if (!digits(s, pos, 4, y)) return false;
  if (pos >= s.size() || s[pos] != '-') return false;
  ++pos;
  if (!digits(s, pos, 2, m)) return false;
  if (pos >= s.size() || s[pos] != '-') return false;
  ++pos;
  if (!digits(s, pos, 2, d)) return false;
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  days = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

}  // namespace

std::optional<int64_t> parse_iso_timestamp(std::string_view s) {
  size_t pos = 0;
  int64_t days;
  if (!parse_date_part(s, pos, days)) return std::nullopt;
  int64_t ms = 0;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    ++pos;
    if (!parse_time_part(s, pos, ms)) return std::nullopt;
  }
  int64_t offset;
  if (!parse_zone(s, pos, offset)) return std::nullopt;
  return days * 86400000 + ms - offset;
}

std::optional<int32_t> parse_iso_date(std::string_view s) {
  size_t pos = 0;
  int64_t days;
  if (!parse_date_part(s, pos, days) || pos != s.size()) return std::nullopt;
  return static_cast<int32_t>(days);
}

std::optional<int32_t> parse_iso_time(std::string_view s) {
  size_t pos = 0;
  int64_t ms;
  if (!parse_time_part(s, pos, ms) || pos != s.size()) return std::nullopt;
  return static_cast<int32_t>(ms);
}

std::string value_to_cast_string(const Value& v) {
  if (v.is_null()) return "null";
  switch (v.type().id()) {
    case TypeId::kTimestamp:
      return format_iso_timestamp(v.as_bigint());
    case TypeId::kDate:
      return format_iso_date(v.as_int());
    case TypeId::kTime:
      return format_iso_time(v.as_int());
    default:
      return v.to_string();
  }
}

bool can_cast(const Type& from, const Type& to) {
  if (from == to) return true;
  if (to.id() == TypeId::kString) return true;
  switch (to.id()) {
    case TypeId::kBoolean:
      return from.id() == TypeId::kString;
    case TypeId::kInteger:
    case TypeId::kBigint:
    case TypeId::kDouble:
    case TypeId::kDecimal:
      return from.is_numeric() || from.id() == TypeId::kString;
    case TypeId::kTimestamp:
      return from.id() == TypeId::kString || from.id() == TypeId::kDate;
    case TypeId::kDate:
    case TypeId::kTime:
      return from.id() == TypeId::kString || from.id() == TypeId::kTimestamp;
    case TypeId::kBytes:
      return false;
    case TypeId::kArray:
      return from.id() == TypeId::kArray && can_cast(from.element(), to.element());
    case TypeId::kMap:
      return from.id() == TypeId::kMap && can_cast(from.key(), to.key()) &&
             can_cast(from.value(), to.value());
    case TypeId::kStruct:
      if (from.id() != TypeId::kStruct) return false;
      for (const auto& tf : to.fields()) {
        int i = from.field_index(tf.name);
        if (i >= 0 && !can_cast(from.fields()[static_cast<size_t>(i)].type, tf.type)) {
          return false;
        }
      }
      return true;
    case TypeId::kString:
      return true;
  }
  return false;
}

namespace {

Status bad(const Value& v, const Type& to) {
  return Status::invalid_argument(
      fmt::format("Cannot cast {} to {}", value_to_cast_string(v), to.to_string()));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<Value> cast_value(const Value& v, const Type& to) {
  if (v.is_null()) return Value::null(to);
  const Type& from = v.type();
  if (from == to) return v;
  switch (to.id()) {
    case TypeId::kString:
      return Value::string(value_to_cast_string(v));
    case TypeId::kBoolean: {
      std::string_view s = trim(v.as_string());
      std::string low(s);
      for (char& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (low == "true" || low == "t" || low == "yes" || low == "y") return Value::boolean(true);
      if (low == "false" || low == "f" || low == "no" || low == "n") return Value::boolean(false);
      return bad(v, to);
    }
    case TypeId::kInteger:
    case TypeId::kBigint: {
      int64_t i = 0;
      switch (from.id()) {
        case TypeId::kInteger:
        case TypeId::kBigint:
          i = v.as_bigint();
          break;
        case TypeId::kDouble: {
          double d = v.as_double();
          if (std::isnan(d)) {
            i = 0;
          } else if (to.id() == TypeId::kInteger) {
            // Java's (int) cast saturates.
            if (d >= 2147483647.0) {
              i = 2147483647;
            } else if (d <= -2147483648.0) {
              i = -2147483648LL;
            } else {
              i = static_cast<int64_t>(d);
            }
          } else if (d >= 9.2233720368547758e18) {
            i = std::numeric_limits<int64_t>::max();
          } else if (d <= -9.2233720368547758e18) {
            i = std::numeric_limits<int64_t>::min();
          } else {
            i = static_cast<int64_t>(d);
          }
          break;
        }
        case TypeId::kDecimal:
          i = static_cast<int64_t>(v.as_decimal() / format::pow10_i128(from.scale()));
          break;
        case TypeId::kString: {
          std::string_view s = trim(v.as_string());
          if (to.id() == TypeId::kInteger) {
            auto p = format::parse_int32(s);
            if (!p) return bad(v, to);
            i = *p;
          } else {
            auto p = format::parse_int64(s);
            if (!p) return bad(v, to);
            i = *p;
          }
          break;
        }
        default:
          return bad(v, to);
      }
      if (to.id() == TypeId::kInteger) return Value::integer(static_cast<int32_t>(i));
      return Value::bigint(i);
    }
    case TypeId::kDouble:
      switch (from.id()) {
        case TypeId::kInteger:
        case TypeId::kBigint:
          return Value::double_(static_cast<double>(v.as_bigint()));
        case TypeId::kDecimal:
          return Value::double_(format::decimal_to_double(v.as_decimal(), from.scale()));
        case TypeId::kString: {
          auto d = format::parse_double(v.as_string());
          if (!d) return bad(v, to);
          return Value::double_(*d);
        }
        default:
          return bad(v, to);
      }
    case TypeId::kDecimal: {
      Result<format::Int128> r = Status::invalid_argument("");
      switch (from.id()) {
        case TypeId::kInteger:
        case TypeId::kBigint:
          r = format::rescale_decimal(v.as_bigint(), 0, to.precision(), to.scale());
          break;
        case TypeId::kDecimal:
          r = format::rescale_decimal(v.as_decimal(), from.scale(), to.precision(), to.scale());
          break;
        case TypeId::kDouble:
          r = format::decimal_from_double(v.as_double(), to.precision(), to.scale());
          break;
        case TypeId::kString:
          r = format::parse_decimal(trim(v.as_string()), to.precision(), to.scale());
          break;
        default:
          return bad(v, to);
      }
      if (!r) return r.status();
      return Value::decimal(*r, to.precision(), to.scale());
    }
    case TypeId::kTimestamp:
      if (from.id() == TypeId::kString) {
        auto t = parse_iso_timestamp(trim(v.as_string()));
        if (!t) return bad(v, to);
        return Value::timestamp(*t);
      }
      if (from.id() == TypeId::kDate) return Value::timestamp(int64_t{v.as_int()} * 86400000);
      return bad(v, to);
    case TypeId::kDate:
      if (from.id() == TypeId::kString) {
        auto d = parse_iso_date(trim(v.as_string()));
        if (!d) return bad(v, to);
        return Value::date(*d);
      }
      if (from.id() == TypeId::kTimestamp) {
        return Value::date(static_cast<int32_t>(floor_div(v.as_bigint(), 86400000)));
      }
      return bad(v, to);
    case TypeId::kTime:
      if (from.id() == TypeId::kString) {
        auto t = parse_iso_time(trim(v.as_string()));
        if (!t) return bad(v, to);
        return Value::time(*t);
      }
      if (from.id() == TypeId::kTimestamp) {
        int64_t ms = v.as_bigint();
        return Value::time(static_cast<int32_t>(ms - floor_div(ms, 86400000) * 86400000));
      }
      return bad(v, to);
    case TypeId::kBytes:
      return bad(v, to);
    case TypeId::kArray: {
      if (from.id() != TypeId::kArray) return bad(v, to);
      std::vector<Value> els;
      for (const Value& e : v.elements()) {
        SLUICE_ASSIGN_OR_RETURN(Value c, cast_value(e, to.element()));
        els.push_back(std::move(c));
      }
      return Value::array(to.element(), std::move(els));
    }
    case TypeId::kMap: {
      if (from.id() != TypeId::kMap) return bad(v, to);
      std::vector<std::pair<Value, Value>> entries;
      for (size_t i = 0; i < v.map_keys().size(); ++i) {
        SLUICE_ASSIGN_OR_RETURN(Value k, cast_value(v.map_keys()[i], to.key()));
        SLUICE_ASSIGN_OR_RETURN(Value x, cast_value(v.map_values()[i], to.value()));
        entries.emplace_back(std::move(k), std::move(x));
      }
      return Value::map(to.key(), to.value(), std::move(entries));
    }
    case TypeId::kStruct: {
      if (from.id() != TypeId::kStruct) return bad(v, to);
      std::vector<Value> fields;
      for (const auto& f : to.fields()) {
        const Value* src = v.field(f.name);
        if (!src) {
          fields.push_back(Value::null(f.type));
          continue;
        }
        SLUICE_ASSIGN_OR_RETURN(Value c, cast_value(*src, f.type));
        fields.push_back(std::move(c));
      }
      return Value::struct_(to, std::move(fields));
    }
  }
  return bad(v, to);
}

}  // namespace sluice::sql
