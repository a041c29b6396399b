// DECIMAL(p, s) values as a 128-bit unscaled integer: value = unscaled / 10^s, |unscaled| < 10^p.
// Parsing and printing follow java.math.BigDecimal as ksqlDB uses it: plain notation, the scale
// of the type kept on output ("12.3650"), rounding HALF_UP when an input has more fractional
// digits than the scale (CAST, literals; record decoders use parse_decimal_exact), and an
// overflow error when the integral part does not fit.
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

// True when the number's text has no non-zero digit beyond `scale` fractional places, so that it
// fits DECIMAL(_, scale) without rounding ("1.50" and "1.5" fit scale 1, "1.55" does not).
// ksqlDB's record decoders (DecimalUtil.ensureFit, RoundingMode.UNNECESSARY) reject a value that
// does not fit; CAST and literals round instead. Malformed text yields true (parse_decimal then
// reports it).
bool decimal_fits_scale(std::string_view text, int scale);

// Parses record data as ksqlDB's decoders do: like parse_decimal, but a value with more
// fractional digits than the scale is an error instead of being rounded.
Result<Int128> parse_decimal_exact(std::string_view text, int precision, int scale);

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
