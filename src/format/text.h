// Text spellings shared by the formats, matching what the JVM (and so ksqlDB) reads and writes:
// Double.toString, Integer.parseInt / Long.parseLong / Double.parseDouble, Base64 (RFC 4648 with
// padding), and JSON string escaping as Jackson writes it.
//
// Thread-safety: free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::format {

// Java's Double.toString with the shortest round-tripping digits: "1.0", "0.001", "1.0E7",
// "1.234E-5", "NaN", "Infinity", "-0.0".
void append_java_double(std::string& out, double d);
// The same into `p`, which has room for kMaxJavaDoubleChars; returns the end.
inline constexpr size_t kMaxJavaDoubleChars = 32;
char* write_java_double(char* p, double d);
std::string java_double_string(double d);

// Strict integer parsing: an optional sign then decimal digits, nothing else, no overflow.
std::optional<int32_t> parse_int32(std::string_view s);
std::optional<int64_t> parse_int64(std::string_view s);
// Double.parseDouble: surrounding whitespace trimmed, "NaN", "[+-]Infinity", a trailing
// d/D/f/F type suffix allowed.
std::optional<double> parse_double(std::string_view s);

void append_base64(std::string& out, std::string_view bytes);
// Appends the decoded bytes; false (and `out` unspecified) when `s` is not valid Base64.
bool decode_base64(std::string_view s, std::string& out);

// Appends `s` as a JSON string literal with quotes: escapes '"', '\\' and control characters
// (\b \f \n \r \t, others as \u00XX); other bytes, including UTF-8, are copied.
void append_json_string(std::string& out, std::string_view s);
// The same into `out`, which has room for 6 * s.size() + 2 bytes; returns the end.
char* write_json_string(char* out, std::string_view s);

// Appends the decimal digits of v.
void append_int(std::string& out, int64_t v);

}  // namespace sluice::format
