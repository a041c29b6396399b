// DECIMAL(p, s) values as a 128-bit unscaled integer: value = unscaled / 10^s, |unscaled| < 10^p.
// Parsing and printing follow java.math.BigDecimal as ksqlDB uses it: plain notation, the scale
// of the type kept on output ("12.3650"), rounding HALF_UP when an input has more fractional
// digits than the scale, and an overflow error when the integral part does not fit.
//
// Thread-safety: free functions on values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice::format {

using Int128 = __int128;

// 10^n for 0 <= n <= 38.
Int128 pow10_i128(int n);

// Parses a decimal number ("-12.5", ".12", "1e3", "+7") into DECIMAL(precision, scale).
Result<Int128> parse_decimal(std::string_view text, int precision, int scale);

// Writes unscaled/10^scale in plain notation with exactly `scale` fractional digits.
void append_decimal(std::string& out, Int128 unscaled, int scale);
std::string decimal_to_string(Int128 unscaled, int scale);

// Converts between scales, rounding HALF_UP when the scale shrinks. Fails when the result does
// not fit `precision` digits.
Result<Int128> rescale_decimal(Int128 unscaled, int from_scale, int precision, int to_scale);

double decimal_to_double(Int128 unscaled, int scale);
// Nearest DECIMAL(precision, scale) to a double (HALF_UP), or an error when it does not fit or
// the double is not finite.
Result<Int128> decimal_from_double(double d, int precision, int scale);

}  // namespace sluice::format
