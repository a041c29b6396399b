// Avro datums to and from plain JSON (see avro_datum.h for the mapping).
//
// Field defaults are the exception to the natural mapping: a schema's default values are written
// in Avro's own JSON form (specification, "Complex Types: Records"), where bytes and fixed are
// strings of code points 0-255 rather than base64, and a union's default is a value of its first
// branch. They are encoded in a separate mode that follows those rules, as Java does.
#include "schema/avro_datum.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace sluice::schema {
namespace {

using Json = nlohmann::json;
using Node = AvroSchema::Node;
using Int128 = __int128;
using UInt128 = unsigned __int128;

// Deeper values (records, arrays, maps within each other) are rejected rather than risking the
// stack; a recursive schema can describe data of any depth.
constexpr int kMaxDepth = 200;
// Items that may take no bytes at all (nulls, records of nulls) cannot be bounded by the input's
// size, so a datum may hold this many of them in all.
constexpr std::int64_t kMaxEmptyItems = 1'000'000;
// Unscaled decimal values are handled as __int128: 38 digits, as ksqlDB's DECIMAL.
constexpr size_t kMaxUnscaledBytes = 16;

constexpr std::string_view kTruncated = "truncated or malformed Avro data";

// ---------------------------------------------------------------------------------------------
// Messages

// Where a value sits in the datum, for error messages: links on the stack as the walk descends,
// rendered only when something fails.
struct Path {
  enum class Kind : std::uint8_t { kField, kKey, kIndex };
  const Path* parent = nullptr;
  Kind kind = Kind::kField;
  std::string_view name;   // a record field or map key
  std::int64_t index = 0;  // an array index
};

std::string render(const Path* p) {
  std::vector<const Path*> chain;
  for (; p != nullptr; p = p->parent) chain.push_back(p);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Path& seg = **it;
    switch (seg.kind) {
      case Path::Kind::kField:
        if (!out.empty()) out += '.';
        out += seg.name;
        break;
      case Path::Kind::kKey:
        out += fmt::format("[\"{}\"]", seg.name);
        break;
      case Path::Kind::kIndex:
        out += fmt::format("[{}]", seg.index);
        break;
    }
  }
  return out;
}

Status error_at(const Path* path, std::string_view message) {
  const std::string where = render(path);
  if (where.empty()) return Status::invalid_argument(std::string(message));
  return Status::invalid_argument(
      fmt::format("{} {}: {}", where.front() == '[' ? "at" : "field", where, message));
}

// A JSON value for an error message, cut short between UTF-8 characters. The replace handler
// keeps dump() from throwing on a string that is not UTF-8.
std::string snippet(const Json& j) {
  std::string s = j.dump(-1, ' ', false, Json::error_handler_t::replace);
  size_t cut = 80;
  if (s.size() <= cut) return s;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0U) == 0x80U) --cut;
  return s.substr(0, cut) + "...";
}

bool is_named(const Node& n) {
  return n.type == AvroType::kRecord || n.type == AvroType::kEnum || n.type == AvroType::kFixed;
}

// How Avro's JSON encoding names a union branch: the full name of a named type, else the type.
std::string_view branch_name(const Node& n) {
  return is_named(n) ? std::string_view(n.full_name) : avro_type_name(n.type);
}

std::string_view short_name(std::string_view full) {
  const size_t dot = full.rfind('.');
  return dot == std::string_view::npos ? full : full.substr(dot + 1);
}

// Java ignores a decimal logical type whose attributes make no sense, and so do we: such a
// schema reads and writes plain bytes.
bool is_decimal(const Node& n) {
  return (n.type == AvroType::kBytes || n.type == AvroType::kFixed) &&
         n.logical_type == "decimal" && n.precision > 0 && n.scale >= 0 && n.scale <= n.precision;
}

std::string describe(const Node& n) {
  if (is_decimal(n)) return fmt::format("decimal({}, {})", n.precision, n.scale);
  if (is_named(n)) return fmt::format("{} {}", avro_type_name(n.type), n.full_name);
  if (n.type != AvroType::kUnion) return std::string(avro_type_name(n.type));
  std::vector<std::string_view> names;
  for (const Node* b : n.branches) names.push_back(branch_name(*b));
  return fmt::format("one of [{}]", fmt::join(names, ", "));
}

Status type_error(const Path* path, const Node& n, const Json& v) {
  return error_at(path, fmt::format("expected {}, got {}", describe(n), snippet(v)));
}

// ---------------------------------------------------------------------------------------------
// Text conversions

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = std::min<size_t>(3, in.size() - i);
    std::uint32_t v = 0;
    for (size_t k = 0; k < 3; ++k) {
      v = v << 8 | (k < n ? static_cast<unsigned char>(in[i + k]) : 0U);
    }
    for (size_t k = 0; k < 4; ++k) {
      out += k <= n ? kBase64[(v >> (18 - 6 * k)) & 0x3F] : '=';
    }
  }
  return out;
}

// Standard alphabet, padded to a multiple of 4 characters; anything else is not base64.
std::optional<std::string> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    std::uint32_t v = 0;
    int pad = 0;
    for (size_t k = 0; k < 4; ++k) {
      const char c = in[i + k];
      if (c == '=' && last && k >= 2) {
        ++pad;
        v <<= 6;
        continue;
      }
      const size_t d = kBase64.find(c);
      if (d == std::string_view::npos || pad > 0) return std::nullopt;
      v = v << 6 | static_cast<std::uint32_t>(d);
    }
    out += static_cast<char>(v >> 16);
    if (pad < 2) out += static_cast<char>(v >> 8);
    if (pad < 1) out += static_cast<char>(v);
  }
  return out;
}

// A default value's bytes: each code point of the string (0-255) is one byte.
std::optional<std::string> latin1_bytes(std::string_view utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if ((c == 0xC2 || c == 0xC3) && i + 1 < utf8.size() &&
               (static_cast<unsigned char>(utf8[i + 1]) & 0xC0) == 0x80) {
      out += static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(utf8[++i]) & 0x3F));
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// Avro strings are UTF-8, but nothing stops a producer from writing other bytes, and
// nlohmann::json throws when it dumps a string that is not UTF-8: each byte that does not start
// a valid sequence becomes U+FFFD.
std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80            ? 1
                       : (c >> 5) == 0x06U ? 2
                       : (c >> 4) == 0x0EU ? 3
                       : (c >> 3) == 0x1EU ? 4
                                           : 0;
    bool ok = len > 0 && i + len <= s.size();
    if (ok && len > 1) {
      std::uint32_t cp = c & (0x7FU >> len);
      for (size_t k = 1; k < len && ok; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        ok = (b & 0xC0U) == 0x80U;
        cp = cp << 6 | (b & 0x3FU);
      }
      constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = ok && cp >= kMin[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

// The unscaled value of the decimal number `text` ("-12.5", "1e3", "+7", ".5") at `scale`, exact:
// the digits are shifted as text, so no binary rounding gets in, and fractional digits beyond the
// scale must be zeros. The error is a message for the caller to place.
std::variant<Int128, std::string> decimal_unscaled(std::string_view text, int precision,
                                                   int scale) {
  const std::string bad = "is not a decimal number";
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::string digits;  // integral then fractional digits, without the point
  std::int64_t fraction_digits = 0;
  bool point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits += c;
      if (point) ++fraction_digits;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (digits.empty()) return bad;
  std::int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      exponent_negative = text[i++] == '-';
    }
    const size_t start = i;
    // Saturates: an exponent this large overflows (or, negative, empties) any value anyway.
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      exponent = std::min<std::int64_t>(exponent * 10 + (text[i] - '0'), 1'000'000'000);
    }
    if (i == start) return bad;
    if (exponent_negative) exponent = -exponent;
  }
  if (i != text.size()) return bad;

  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return Int128{0};
  digits.erase(0, first);
  const std::int64_t shift = exponent - fraction_digits + scale;
  if (shift < 0) {
    const auto drop = static_cast<std::uint64_t>(-shift);
    // The first digit is not zero, so dropping all of them loses it.
    if (drop >= digits.size() ||
        digits.find_first_not_of('0', digits.size() - drop) != std::string::npos) {
      return fmt::format("has more than {} fractional digits", scale);
    }
    digits.resize(digits.size() - drop);
  } else {
    if (digits.size() + static_cast<std::uint64_t>(shift) > 39) return std::string("is too large");
    digits.append(static_cast<size_t>(shift), '0');
  }
  if (digits.size() > static_cast<size_t>(precision)) {
    return fmt::format("has more than {} digits", precision);
  }
  // Two's complement: one more negative value than positive ones.
  const UInt128 limit = (UInt128{1} << 127) - (negative ? 0 : 1);
  UInt128 magnitude = 0;
  for (const char c : digits) {
    const auto d = static_cast<unsigned>(c - '0');
    if (magnitude > (limit - d) / 10) return std::string("is too large");
    magnitude = magnitude * 10 + d;
  }
  return static_cast<Int128>(negative ? UInt128{0} - magnitude : magnitude);
}

// Two's complement, big-endian, in as few bytes as hold the sign (BigInteger.toByteArray).
std::string unscaled_bytes(Int128 v) {
  const auto u = static_cast<UInt128>(v);
  char b[kMaxUnscaledBytes];
  for (size_t k = 0; k < kMaxUnscaledBytes; ++k) {
    b[kMaxUnscaledBytes - 1 - k] = static_cast<char>(static_cast<unsigned char>(u >> (8 * k)));
  }
  size_t start = 0;
  while (start + 1 < kMaxUnscaledBytes) {
    const auto hi = static_cast<unsigned char>(b[start]);
    const bool next_negative = (static_cast<unsigned char>(b[start + 1]) & 0x80U) != 0;
    if (!((hi == 0x00 && !next_negative) || (hi == 0xFF && next_negative))) break;
    ++start;
  }
  return std::string(b + start, kMaxUnscaledBytes - start);
}

// The inverse of unscaled_bytes; sign-extension bytes in front (a wide fixed) are skipped first.
// No bytes read as 0 (Java rejects them; PRINT had better show something).
std::optional<Int128> unscaled_value(std::string_view bytes) {
  size_t start = 0;
  while (start + 1 < bytes.size()) {
    const auto hi = static_cast<unsigned char>(bytes[start]);
    const bool next_negative = (static_cast<unsigned char>(bytes[start + 1]) & 0x80U) != 0;
    if (!((hi == 0x00 && !next_negative) || (hi == 0xFF && next_negative))) break;
    ++start;
  }
  bytes.remove_prefix(start);
  if (bytes.size() > kMaxUnscaledBytes) return std::nullopt;
  UInt128 u = 0;
  if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80U) != 0) u = ~UInt128{0};
  for (const char c : bytes) u = u << 8 | static_cast<unsigned char>(c);
  return static_cast<Int128>(u);
}

// unscaled/10^scale as JSON number text. With a scale it is written "<unscaled>e-<scale>": the
// same number as the plain notation, parsed the same, without padding a large scale with zeros.
std::string decimal_text(Int128 v, int scale) {
  UInt128 magnitude = v < 0 ? UInt128{0} - static_cast<UInt128>(v) : static_cast<UInt128>(v);
  std::string digits;
  do {
    digits += static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  } while (magnitude != 0);
  std::string out = v < 0 ? "-" : "";
  out.append(digits.rbegin(), digits.rend());
  if (scale > 0) out += fmt::format("e-{}", scale);
  return out;
}

// Integral JSON numbers that fit int64, including floats with an integral value (4.0).
std::optional<std::int64_t> as_int64(const Json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    // 2^63 is exact as a double; NaN fails both comparisons.
    if (!(d >= -0x1p63 && d < 0x1p63) || std::trunc(d) != d) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The value of a record's field: by its exact name, else the first key that matches it but for
// case and is not itself the exact name of another field.
const Json* find_field(const Node& record, const Json& object, const std::string& name) {
  if (auto it = object.find(name); it != object.end()) return &*it;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (!iequals(it.key(), name)) continue;
    bool other_field = false;
    for (const Node::Field& f : record.fields) other_field = other_field || f.name == it.key();
    if (!other_field) return &it.value();
  }
  return nullptr;
}

bool accepts_null(const Node& n) {
  if (n.type == AvroType::kNull) return true;
  if (n.type != AvroType::kUnion) return false;
  for (const Node* b : n.branches) {
    if (b->type == AvroType::kNull) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Encoding

class Encoder {
 public:
  // `defaults`: the value is a field default in Avro's JSON form (see the top of this file).
  explicit Encoder(bool defaults) : defaults_(defaults) {}

  Status encode(const Node& n, const Json& v, const Path* path, int depth, std::string& out) const;

 private:
  Status encode_bytes(const Node& n, const Json& v, const Path* path, std::string& out) const;
  Status encode_decimal(const Node& n, const Json& v, const Path* path, std::string& out) const;
  Status encode_record(const Node& n, const Json& v, const Path* path, int depth,
                       std::string& out) const;
  Status encode_union(const Node& n, const Json& v, const Path* path, int depth,
                      std::string& out) const;
  // Writes branch `i` and the value as that branch; `out` is unchanged on failure.
  Status encode_branch(const Node& n, size_t i, const Json& v, const Path* path, int depth,
                       std::string& out) const;

  bool defaults_;
};

Status Encoder::encode(const Node& n, const Json& v, const Path* path, int depth,
                       std::string& out) const {
  if (depth > kMaxDepth) return error_at(path, "value is nested too deeply");
  switch (n.type) {
    case AvroType::kNull:
      if (!v.is_null()) return type_error(path, n, v);
      return Status::ok();
    case AvroType::kBoolean:
      if (!v.is_boolean()) return type_error(path, n, v);
      avro_write_boolean(v.get<bool>(), out);
      return Status::ok();
    case AvroType::kInt:
    case AvroType::kLong: {
      const auto i = as_int64(v);
      if (!i) return type_error(path, n, v);
      if (n.type == AvroType::kInt && (*i < std::numeric_limits<std::int32_t>::min() ||
                                       *i > std::numeric_limits<std::int32_t>::max())) {
        return error_at(path, fmt::format("{} is out of range for int", snippet(v)));
      }
      avro_write_long(*i, out);
      return Status::ok();
    }
    case AvroType::kFloat: {
      if (!v.is_number()) return type_error(path, n, v);
      const double d = v.get<double>();
      // Converting a finite double beyond float's range is undefined behaviour, not infinity.
      if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) {
        return error_at(path, fmt::format("{} is out of range for float", snippet(v)));
      }
      avro_write_float(static_cast<float>(d), out);
      return Status::ok();
    }
    case AvroType::kDouble:
      if (!v.is_number()) return type_error(path, n, v);
      avro_write_double(v.get<double>(), out);
      return Status::ok();
    case AvroType::kString:
      if (!v.is_string()) return type_error(path, n, v);
      avro_write_bytes(v.get_ref<const std::string&>(), out);
      return Status::ok();
    case AvroType::kBytes:
    case AvroType::kFixed:
      if (is_decimal(n) && !defaults_) return encode_decimal(n, v, path, out);
      return encode_bytes(n, v, path, out);
    case AvroType::kEnum: {
      if (!v.is_string()) return type_error(path, n, v);
      const auto& s = v.get_ref<const std::string&>();
      for (size_t i = 0; i < n.symbols.size(); ++i) {
        if (n.symbols[i] == s) {
          avro_write_long(static_cast<std::int64_t>(i), out);
          return Status::ok();
        }
      }
      return error_at(path, fmt::format("{} is not a symbol of enum {} [{}]", snippet(v),
                                        n.full_name, fmt::join(n.symbols, ", ")));
    }
    case AvroType::kArray: {
      if (!v.is_array()) return type_error(path, n, v);
      if (!v.empty()) {
        avro_write_long(static_cast<std::int64_t>(v.size()), out);
        std::int64_t index = 0;
        for (const Json& item : v) {
          const Path item_path{
              .parent = path, .kind = Path::Kind::kIndex, .name = {}, .index = index++};
          SLUICE_RETURN_IF_ERROR(encode(*n.items, item, &item_path, depth + 1, out));
        }
      }
      avro_write_long(0, out);
      return Status::ok();
    }
    case AvroType::kMap: {
      if (!v.is_object()) return type_error(path, n, v);
      if (!v.empty()) {
        avro_write_long(static_cast<std::int64_t>(v.size()), out);
        for (auto it = v.begin(); it != v.end(); ++it) {
          const Path value_path{.parent = path, .kind = Path::Kind::kKey, .name = it.key()};
          avro_write_bytes(it.key(), out);
          SLUICE_RETURN_IF_ERROR(encode(*n.values, it.value(), &value_path, depth + 1, out));
        }
      }
      avro_write_long(0, out);
      return Status::ok();
    }
    case AvroType::kRecord:
      return encode_record(n, v, path, depth, out);
    case AvroType::kUnion:
      return encode_union(n, v, path, depth, out);
  }
  return Status::internal("unknown Avro type");
}

Status Encoder::encode_bytes(const Node& n, const Json& v, const Path* path,
                             std::string& out) const {
  if (!v.is_string()) return type_error(path, n, v);
  const auto& s = v.get_ref<const std::string&>();
  const auto bytes = defaults_ ? latin1_bytes(s) : base64_decode(s);
  if (!bytes) {
    return error_at(path, fmt::format("expected {} as {}, got {}", describe(n),
                                      defaults_ ? "code points 0-255" : "base64", snippet(v)));
  }
  if (n.type == AvroType::kBytes) {
    avro_write_bytes(*bytes, out);
    return Status::ok();
  }
  if (static_cast<std::int64_t>(bytes->size()) != n.size) {
    return error_at(
        path, fmt::format("expected {} bytes for {}, got {}", n.size, describe(n), bytes->size()));
  }
  out += *bytes;
  return Status::ok();
}

Status Encoder::encode_decimal(const Node& n, const Json& v, const Path* path,
                               std::string& out) const {
  // A JSON number's own text (a double prints its shortest round-trip form, "12.34").
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
  } else if (v.is_number() && !(v.is_number_float() && !std::isfinite(v.get<double>()))) {
    text = v.dump();
  } else {
    return type_error(path, n, v);
  }
  auto unscaled = decimal_unscaled(text, n.precision, n.scale);
  if (const auto* message = std::get_if<std::string>(&unscaled)) {
    return error_at(path, fmt::format("{} {} for {}", snippet(v), *message, describe(n)));
  }
  const Int128 u = std::get<Int128>(unscaled);
  std::string bytes = unscaled_bytes(u);
  if (n.type == AvroType::kBytes) {
    avro_write_bytes(bytes, out);
    return Status::ok();
  }
  if (static_cast<std::int64_t>(bytes.size()) > n.size) {
    return error_at(path,
                    fmt::format("{} does not fit {} bytes of {}", snippet(v), n.size, describe(n)));
  }
  // A fixed holds the value sign-extended to its size.
  out.append(static_cast<size_t>(n.size) - bytes.size(), u < 0 ? '\xFF' : '\0');
  out += bytes;
  return Status::ok();
}

Status Encoder::encode_record(const Node& n, const Json& v, const Path* path, int depth,
                              std::string& out) const {
  if (!v.is_object()) return type_error(path, n, v);
  for (const Node::Field& f : n.fields) {
    const Path field_path{.parent = path, .name = f.name};
    const Json* value = find_field(n, v, f.name);
    const bool nullable = accepts_null(*f.type);
    if ((value == nullptr || (value->is_null() && !nullable)) && f.default_json) {
      const Json def = Json::parse(*f.default_json, nullptr, /*allow_exceptions=*/false);
      if (def.is_discarded()) return error_at(&field_path, "the field's default is not JSON");
      SLUICE_RETURN_IF_ERROR(Encoder(true).encode(*f.type, def, &field_path, depth + 1, out));
      continue;
    }
    if (value == nullptr && !nullable) return error_at(&field_path, "missing, and has no default");
    static const Json kNull;
    SLUICE_RETURN_IF_ERROR(
        encode(*f.type, value == nullptr ? kNull : *value, &field_path, depth + 1, out));
  }
  return Status::ok();
}

Status Encoder::encode_branch(const Node& n, size_t i, const Json& v, const Path* path, int depth,
                              std::string& out) const {
  const size_t mark = out.size();
  avro_write_long(static_cast<std::int64_t>(i), out);
  Status st = encode(*n.branches[i], v, path, depth, out);
  if (!st.is_ok()) out.resize(mark);
  return st;
}

Status Encoder::encode_union(const Node& n, const Json& v, const Path* path, int depth,
                             std::string& out) const {
  if (n.branches.empty()) return error_at(path, "an empty union has no values");
  // A default is a value of the first branch, whatever it looks like.
  if (defaults_) return encode_branch(n, 0, v, path, depth, out);
  if (v.is_null()) {
    for (size_t i = 0; i < n.branches.size(); ++i) {
      if (n.branches[i]->type == AvroType::kNull) return encode_branch(n, i, v, path, depth, out);
    }
    return type_error(path, n, v);
  }
  // Avro's JSON encoding wraps a union's value as {"<branch name>": value}. An object of one key
  // is only taken as that when no record or map branch takes it as it is.
  if (v.is_object() && v.size() == 1) {
    const std::string& key = v.begin().key();
    for (size_t w = 0; w < n.branches.size(); ++w) {
      const Node& b = *n.branches[w];
      if (b.type == AvroType::kNull ||
          (branch_name(b) != key && !(is_named(b) && short_name(b.full_name) == key))) {
        continue;
      }
      for (size_t i = 0; i < n.branches.size(); ++i) {
        const AvroType t = n.branches[i]->type;
        if ((t == AvroType::kRecord || t == AvroType::kMap) &&
            encode_branch(n, i, v, path, depth, out).is_ok()) {
          return Status::ok();
        }
      }
      return encode_branch(n, w, v.begin().value(), path, depth, out);
    }
  }
  // The first branch that takes the value. With one candidate its own error says most.
  std::optional<Status> only_error;
  size_t candidates = 0;
  for (size_t i = 0; i < n.branches.size(); ++i) {
    if (n.branches[i]->type == AvroType::kNull) continue;
    Status st = encode_branch(n, i, v, path, depth, out);
    if (st.is_ok()) return st;
    if (candidates++ == 0) only_error = std::move(st);
  }
  if (candidates == 1) return *only_error;
  return type_error(path, n, v);
}

// ---------------------------------------------------------------------------------------------
// Decoding

template <typename J>
class Decoder {
 public:
  explicit Decoder(AvroReader& in) : in_(in) {}

  Result<J> decode(const Node& n, const Path* path, int depth);

 private:
  Status truncated(const Path* path) const { return error_at(path, kTruncated); }
  Result<J> decode_decimal(const Node& n, std::string_view bytes, const Path* path) const;
  Result<J> decode_record(const Node& n, const Path* path, int depth);
  Result<J> decode_array(const Node& n, const Path* path, int depth);
  Result<J> decode_map(const Node& n, const Path* path, int depth);
  // Whether a datum of `n` may take no bytes at all, so that a count of them is not bounded by
  // the input left. Cached: named types are shared, and would otherwise be walked again and again.
  bool can_be_empty(const Node& n, int depth);

  AvroReader& in_;
  std::int64_t empty_items_ = 0;
  std::map<const Node*, bool> can_be_empty_;
};

template <typename J>
Result<J> Decoder<J>::decode(const Node& n, const Path* path, int depth) {
  if (depth > kMaxDepth) return error_at(path, "value is nested too deeply");
  switch (n.type) {
    case AvroType::kNull:
      return J(nullptr);
    case AvroType::kBoolean: {
      const bool b = in_.read_boolean();
      if (in_.failed()) return truncated(path);
      return J(b);
    }
    case AvroType::kInt: {
      const std::int32_t i = in_.read_int();
      if (in_.failed()) return truncated(path);
      return J(i);
    }
    case AvroType::kLong: {
      const std::int64_t i = in_.read_long();
      if (in_.failed()) return truncated(path);
      return J(i);
    }
    case AvroType::kFloat: {
      const float f = in_.read_float();
      if (in_.failed()) return truncated(path);
      // Through the float's shortest text: 1.1f shows as 1.1, not 1.100000023841858.
      double d = f;
      char buf[32];
      if (std::isfinite(f)) {
        const auto printed = std::to_chars(buf, buf + sizeof buf, f);
        std::from_chars(buf, printed.ptr, d);
      }
      return J(d);
    }
    case AvroType::kDouble: {
      const double d = in_.read_double();
      if (in_.failed()) return truncated(path);
      return J(d);
    }
    case AvroType::kString: {
      const std::string_view s = in_.read_bytes();
      if (in_.failed()) return truncated(path);
      return J(sanitize_utf8(s));
    }
    case AvroType::kBytes:
    case AvroType::kFixed: {
      const std::string_view bytes = n.type == AvroType::kBytes
                                         ? in_.read_bytes()
                                         : in_.read_fixed(static_cast<size_t>(n.size));
      if (in_.failed()) return truncated(path);
      if (is_decimal(n)) return decode_decimal(n, bytes, path);
      return J(base64_encode(bytes));
    }
    case AvroType::kEnum: {
      const std::int64_t i = in_.read_long();
      if (in_.failed()) return truncated(path);
      if (i < 0 || static_cast<std::uint64_t>(i) >= n.symbols.size()) {
        return error_at(path, fmt::format("enum index {} is out of range for {} ({} symbols)", i,
                                          describe(n), n.symbols.size()));
      }
      return J(n.symbols[static_cast<size_t>(i)]);
    }
    case AvroType::kArray:
      return decode_array(n, path, depth);
    case AvroType::kMap:
      return decode_map(n, path, depth);
    case AvroType::kRecord:
      return decode_record(n, path, depth);
    case AvroType::kUnion: {
      const std::int64_t i = in_.read_long();
      if (in_.failed()) return truncated(path);
      if (i < 0 || static_cast<std::uint64_t>(i) >= n.branches.size()) {
        return error_at(path,
                        fmt::format("union branch {} is out of range for {}", i, describe(n)));
      }
      return decode(*n.branches[static_cast<size_t>(i)], path, depth);
    }
  }
  return Status::internal("unknown Avro type");
}

template <typename J>
Result<J> Decoder<J>::decode_decimal(const Node& n, std::string_view bytes,
                                     const Path* path) const {
  const auto unscaled = unscaled_value(bytes);
  if (!unscaled) {
    return error_at(path, fmt::format("the unscaled value of {} takes more than {} bytes",
                                      describe(n), kMaxUnscaledBytes));
  }
  J number = J::parse(decimal_text(*unscaled, n.scale), nullptr, /*allow_exceptions=*/false);
  if (number.is_discarded()) return Status::internal("decimal text did not parse as JSON");
  return number;
}

template <typename J>
Result<J> Decoder<J>::decode_record(const Node& n, const Path* path, int depth) {
  J object = J::object();
  for (const Node::Field& f : n.fields) {
    const Path field_path{.parent = path, .name = f.name};
    SLUICE_ASSIGN_OR_RETURN(J value, decode(*f.type, &field_path, depth + 1));
    object[f.name] = std::move(value);
  }
  return object;
}

template <typename J>
Result<J> Decoder<J>::decode_array(const Node& n, const Path* path, int depth) {
  J array = J::array();
  const bool empty_items = can_be_empty(*n.items, 0);
  std::int64_t index = 0;
  while (true) {
    const std::int64_t count = in_.read_block_count();
    if (in_.failed()) return truncated(path);
    if (count == 0) return array;
    // Checked before any item is read, so that a hostile count allocates nothing.
    if (empty_items) {
      if (count > kMaxEmptyItems - empty_items_) {
        return error_at(path, fmt::format("more than {} items that take no bytes", kMaxEmptyItems));
      }
      empty_items_ += count;
    } else if (static_cast<std::uint64_t>(count) > in_.remaining()) {
      return error_at(path, fmt::format("{}: {} items claimed but only {} bytes left", kTruncated,
                                        count, in_.remaining()));
    }
    for (std::int64_t k = 0; k < count; ++k) {
      const Path item_path{
          .parent = path, .kind = Path::Kind::kIndex, .name = {}, .index = index++};
      SLUICE_ASSIGN_OR_RETURN(J item, decode(*n.items, &item_path, depth + 1));
      array.push_back(std::move(item));
    }
  }
}

template <typename J>
Result<J> Decoder<J>::decode_map(const Node& n, const Path* path, int depth) {
  J object = J::object();
  while (true) {
    const std::int64_t count = in_.read_block_count();
    if (in_.failed()) return truncated(path);
    if (count == 0) return object;
    // Every entry has at least its key's length byte.
    if (static_cast<std::uint64_t>(count) > in_.remaining()) {
      return error_at(path, fmt::format("{}: {} entries claimed but only {} bytes left", kTruncated,
                                        count, in_.remaining()));
    }
    for (std::int64_t k = 0; k < count; ++k) {
      const std::string_view raw_key = in_.read_bytes();
      if (in_.failed()) return truncated(path);
      std::string key = sanitize_utf8(raw_key);
      const Path value_path{.parent = path, .kind = Path::Kind::kKey, .name = key};
      SLUICE_ASSIGN_OR_RETURN(J value, decode(*n.values, &value_path, depth + 1));
      object[key] = std::move(value);  // a repeated key: the last one wins, as in Java's HashMap
    }
  }
}

template <typename J>
bool Decoder<J>::can_be_empty(const Node& n, int depth) {
  if (n.type == AvroType::kNull) return true;
  if (n.type != AvroType::kRecord) return false;  // a union's index, a count, a length: a byte
  if (auto it = can_be_empty_.find(&n); it != can_be_empty_.end()) return it->second;
  // A record that contains itself other than through a union, array or map has no finite datum;
  // any answer will do, and the cycle is cut by assuming the cautious one while it is walked.
  if (depth > kMaxDepth) return true;
  can_be_empty_[&n] = true;
  bool empty = true;
  for (size_t i = 0; i < n.fields.size() && empty; ++i) {
    empty = can_be_empty(*n.fields[i].type, depth + 1);
  }
  can_be_empty_[&n] = empty;
  return empty;
}

template <typename J>
Result<J> decode_datum(const AvroSchema::Node& schema, AvroReader& in) {
  try {
    return Decoder<J>(in).decode(schema, nullptr, 0);
  } catch (const nlohmann::json::exception& e) {  // not expected: types are checked before use
    return Status::internal(fmt::format("decoding an Avro datum: {}", e.what()));
  }
}

}  // namespace

Status avro_encode_json(const AvroSchema::Node& schema, const nlohmann::json& value,
                        std::string& out) {
  const size_t mark = out.size();
  Status st;
  try {
    st = Encoder(false).encode(schema, value, nullptr, 0, out);
  } catch (const nlohmann::json::exception& e) {  // not expected: types are checked before use
    st = Status::internal(fmt::format("encoding an Avro datum: {}", e.what()));
  }
  if (!st.is_ok()) out.resize(mark);
  return st;
}

Result<nlohmann::json> avro_decode_json(const AvroSchema::Node& schema, AvroReader& in) {
  return decode_datum<nlohmann::json>(schema, in);
}

Result<nlohmann::ordered_json> avro_decode_ordered_json(const AvroSchema::Node& schema,
                                                        AvroReader& in) {
  return decode_datum<nlohmann::ordered_json>(schema, in);
}

}  // namespace sluice::schema
