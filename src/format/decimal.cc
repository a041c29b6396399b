#include "format/decimal.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace sluice::format {

namespace {

constexpr int kMaxDigits = 38;

struct Pow10Table {
  Int128 v[kMaxDigits + 1];
  constexpr Pow10Table() : v() {
    Int128 p = 1;
    for (int i = 0; i <= kMaxDigits; ++i) {
      v[i] = p;
      if (i < kMaxDigits) p *= 10;
    }
  }
};
constexpr Pow10Table kPow10;

Status overflow(int precision, int scale, std::string_view got) {
  return Status::out_of_range(fmt::format(
      "Numeric field overflow: A field with precision {} and scale {} must round to an absolute "
      "value less than 10^{}. Got {}",
      precision, scale, precision - scale, got));
}

Int128 abs128(Int128 v) {
  return v < 0 ? -v : v;
}

}  // namespace

Int128 pow10_i128(int n) {
  return kPow10.v[n];
}

void append_decimal(std::string& out, Int128 unscaled, int scale) {
  char digits[48];
  int n = 0;
  bool neg = unscaled < 0;
  // Work on the negative magnitude so that the minimum value does not overflow.
  Int128 v = neg ? unscaled : -unscaled;
  do {
    digits[n++] = static_cast<char>('0' - static_cast<int>(v % 10));
    v /= 10;
  } while (v != 0);
  while (n <= scale) digits[n++] = '0';
  if (neg) out += '-';
  for (int i = n - 1; i >= scale; --i) out += digits[i];
  if (scale > 0) {
    out += '.';
    for (int i = scale - 1; i >= 0; --i) out += digits[i];
  }
}

std::string decimal_to_string(Int128 unscaled, int scale) {
  std::string s;
  append_decimal(s, unscaled, scale);
  return s;
}

Result<Int128> parse_decimal(std::string_view text, int precision, int scale) {
  auto bad = [&] {
    return Status::invalid_argument(fmt::format("Invalid DECIMAL value: \"{}\"", text));
  };
  size_t i = 0;
  size_t n = text.size();
  while (i < n && (text[i] == ' ' || text[i] == '\t')) ++i;
  while (n > i && (text[n - 1] == ' ' || text[n - 1] == '\t')) --n;
  bool neg = false;
  if (i < n && (text[i] == '-' || text[i] == '+')) {
    neg = text[i] == '-';
    ++i;
  }
  // Collect significant digits (up to 38 + a rounding digit) and the decimal exponent.
  Int128 mant = 0;
  int mant_digits = 0;
  int exp10 = 0;  // value = mant * 10^exp10 (before rounding adjustments)
  bool any = false;
  bool seen_point = false;
  int round_digit = -1;  // first significant digit dropped, if any
  for (; i < n; ++i) {
    char c = text[i];
    if (c == '.') {
      if (seen_point) return bad();
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    any = true;
    int d = c - '0';
    if (mant_digits < kMaxDigits) {
      if (mant != 0 || d != 0) {
        mant = mant * 10 + d;
        ++mant_digits;
      }
      if (seen_point) --exp10;
    } else {
      // Too many digits to keep: they only matter for rounding or as integral magnitude.
      if (round_digit < 0) round_digit = d;
      if (!seen_point) ++exp10;
    }
  }
  if (!any) return bad();
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < n && (text[i] == '-' || text[i] == '+')) {
      eneg = text[i] == '-';
      ++i;
    }
    if (i >= n) return bad();
    int e = 0;
    for (; i < n; ++i) {
      char c = text[i];
      if (c < '0' || c > '9') return bad();
      if (e < 100000) e = e * 10 + (c - '0');
    }
    exp10 += eneg ? -e : e;
  }
  if (i != n) return bad();
  // Align mant * 10^exp10 to the target scale.
  int shift = exp10 + scale;  // multiply by 10^shift
  Int128 result;
  if (shift >= 0) {
    if (mant != 0 && (shift > kMaxDigits || abs128(mant) >= kPow10.v[kMaxDigits - shift])) {
      return overflow(precision, scale, text);
    }
    result = mant == 0 ? 0 : mant * kPow10.v[shift];
    // Digits beyond the 38 we keep are only ever just below the target scale (anything larger
    // overflows), so the first of them decides HALF_UP rounding.
    if (shift == 0 && round_digit >= 5) ++result;
  } else {
    int down = -shift;
    if (down > kMaxDigits) {
      result = 0;
    } else {
      Int128 q = mant / kPow10.v[down];
      Int128 r = mant % kPow10.v[down];
      if (r * 2 >= kPow10.v[down]) ++q;  // HALF_UP on the magnitude
      result = q;
    }
  }
  if (result >= kPow10.v[precision]) return overflow(precision, scale, text);
  return neg ? -result : result;
}

Result<Int128> rescale_decimal(Int128 unscaled, int from_scale, int precision, int to_scale) {
  Int128 result;
  if (to_scale >= from_scale) {
    int up = to_scale - from_scale;
    if (unscaled != 0 && abs128(unscaled) >= kPow10.v[kMaxDigits - up]) {
      return overflow(precision, to_scale, decimal_to_string(unscaled, from_scale));
    }
    result = unscaled * kPow10.v[up];
  } else {
    int down = from_scale - to_scale;
    Int128 mag = abs128(unscaled);
    Int128 q = mag / kPow10.v[down];
    if ((mag % kPow10.v[down]) * 2 >= kPow10.v[down]) ++q;
    result = unscaled < 0 ? -q : q;
  }
  if (abs128(result) >= kPow10.v[precision]) {
    return overflow(precision, to_scale, decimal_to_string(unscaled, from_scale));
  }
  return result;
}

double decimal_to_double(Int128 unscaled, int scale) {
  // Exact via the decimal string so that 0.1 stays the double nearest to 0.1.
  std::string s = decimal_to_string(unscaled, scale);
  return std::strtod(s.c_str(), nullptr);
}

Result<Int128> decimal_from_double(double d, int precision, int scale) {
  if (!std::isfinite(d)) {
    return Status::invalid_argument(fmt::format("Cannot convert {} to DECIMAL", d));
  }
  // ksqlDB's DecimalUtil.cast(double): new BigDecimal(d, new MathContext(precision)) -- the
  // exact binary value rounded HALF_UP to `precision` significant digits -- then setScale(scale,
  // HALF_UP). So CAST(2.675 AS DECIMAL(3,2)) is 2.67 (2.67499999...), not 2.68.
  char buf[1100];
  std::snprintf(buf, sizeof(buf), "%.800e", d);  // glibc prints the exact expansion
  std::string_view text(buf);
  bool neg = text[0] == '-';
  if (neg) text.remove_prefix(1);
  size_t e = text.find('e');
  int exp10 = std::atoi(std::string(text.substr(e + 1)).c_str());
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  size_t keep = static_cast<size_t>(std::max(precision, 1));
  if (digits.size() > keep) {
    bool up = digits[keep] >= '5';
    digits.resize(keep);
    for (size_t i = keep; up && i-- > 0;) {
      if (digits[i] == '9') {
        digits[i] = '0';
      } else {
        ++digits[i];
        up = false;
      }
    }
    if (up) {
      digits.insert(digits.begin(), '1');
      digits.pop_back();
      ++exp10;
    }
  }
  std::string rounded =
      fmt::format("{}{}.{}e{}", neg ? "-" : "", digits[0], digits.substr(1), exp10);
  return parse_decimal(rounded, precision, scale);
}

bool decimal_fits_scale(std::string_view text, int scale) {
  size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '+' || text[i] == '-')) ++i;
  size_t e = text.find_first_of("eE", i);
  std::string_view mant = text.substr(i, e == std::string_view::npos ? text.npos : e - i);
  long exp = 0;
  if (e != std::string_view::npos) {
    std::string_view ex = text.substr(e + 1);
    bool neg = !ex.empty() && ex[0] == '-';
    if (!ex.empty() && (ex[0] == '-' || ex[0] == '+')) ex.remove_prefix(1);
    if (ex.empty() || ex.size() > 9) return true;
    for (char c : ex) {
      if (c < '0' || c > '9') return true;
      exp = exp * 10 + (c - '0');
    }
    if (neg) exp = -exp;
  }
  size_t dot = mant.find('.');
  long int_digits = static_cast<long>(dot == std::string_view::npos ? mant.size() : dot);
  // Digit k of the mantissa (the point removed) stands for 10^(int_digits + exp - 1 - k).
  long k = 0;
  for (char c : mant) {
    if (c == '.') continue;
    if (c < '0' || c > '9') return true;
    if (c != '0' && int_digits + exp - 1 - k < -scale) return false;
    ++k;
  }
  return true;
}

Result<Int128> parse_decimal_exact(std::string_view text, int precision, int scale) {
  if (!decimal_fits_scale(text, scale)) {
    return Status::invalid_argument(fmt::format(
        "Cannot fit decimal '{}' into DECIMAL({}, {}) without rounding.", text, precision, scale));
  }
  return parse_decimal(text, precision, scale);
}

}  // namespace sluice::format
