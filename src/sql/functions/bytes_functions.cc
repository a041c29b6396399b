// BYTES functions: TO_BYTES / FROM_BYTES with an encoding (utf8, ascii, hex, base64) and the
// byte-wise SUBSTRING and SPLIT overloads.
#include <algorithm>

#include "format/text.h"
#include "sql/functions/builtins.h"
#include "sql/functions/kernel_util.h"

namespace sluice::sql {

using format::Type;
using format::Value;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ksqlDB's BytesUtils: hex is Guava's base16 (upper-case digits, and decoding accepts only
// those), base64 is Java's MIME codec (lines of 76 characters joined by CRLF; decoding skips
// characters outside the alphabet), utf8/ascii are Java's String conversions, which replace what
// they cannot map (U+FFFD when decoding, '?' when encoding to ASCII).

// Appends U+FFFD.
void append_replacement(std::string& out) {
  out += "\xEF\xBF\xBD";
}

// Length of the valid UTF-8 sequence at s[i], or 0.
size_t utf8_sequence(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return 0;
  }
  uint32_t cp = n == 1 ? c : c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Bytes -> text as new String(bytes, UTF_8 or US_ASCII) does.
std::string bytes_to_text(const std::string& b, bool ascii) {
  std::string out;
  for (size_t i = 0; i < b.size();) {
    size_t n = ascii ? (static_cast<unsigned char>(b[i]) < 0x80 ? 1 : 0) : utf8_sequence(b, i);
    if (n == 0) {
      append_replacement(out);
      ++i;
    } else {
      out.append(b, i, n);
      i += n;
    }
  }
  return out;
}

// Text -> ASCII bytes as String.getBytes(US_ASCII): each non-ASCII character becomes '?'.
std::string text_to_ascii(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence(s, i);
    if (n == 1) {
      out += s[i];
    } else {
      out += '?';
      if (n == 4) out += '?';  // a supplementary character is two UTF-16 chars in Java
    }
    i += n ? n : 1;
  }
  return out;
}

std::optional<std::string> decode(const std::string& s, const std::string& encoding) {
  std::string e = lower(encoding);
  if (e == "utf8") return s;
  if (e == "ascii") return text_to_ascii(s);
  if (e == "hex") {
    if (s.size() % 2) return std::nullopt;
    std::string out;
    for (size_t i = 0; i < s.size(); i += 2) {
      auto nib = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      int hi = nib(s[i]), lo = nib(s[i + 1]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
    }
    return out;
  }
  if (e == "base64") {
    std::string alphabet_only;
    for (char c : s) {
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '/' || c == '=') {
        alphabet_only += c;
      }
    }
    std::string out;
    if (!format::decode_base64(alphabet_only, out)) return std::nullopt;
    return out;
  }
  return std::nullopt;
}

std::optional<std::string> encode(const std::string& b, const std::string& encoding) {
  std::string e = lower(encoding);
  if (e == "utf8") return bytes_to_text(b, false);
  if (e == "ascii") return bytes_to_text(b, true);
  if (e == "hex") {
    static constexpr const char* kDigits = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : b) {
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
    return out;
  }
  if (e == "base64") {
    std::string flat, out;
    format::append_base64(flat, b);
    for (size_t i = 0; i < flat.size(); i += 76) {
      if (i) out += "\r\n";
      out.append(flat, i, 76);
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace

void register_bytes_functions(FunctionRegistry& r) {
  // NOLINTNEXTLINE(readability-identifier-naming): type letters keep the signatures below short.
  const Type S = Type::string(), B = Type::bytes(), I = Type::integer();
  r.add("TO_BYTES", {S, S}, B, boxed_kernel([](std::span<const Value> a, const BoundFunction&) {
          auto d = decode(a[0].as_string(), a[1].as_string());
          return d ? std::optional<Value>(Value::bytes(*d)) : std::nullopt;
        }));
  r.add("FROM_BYTES", {B, S}, S, boxed_kernel([](std::span<const Value> a, const BoundFunction&) {
          auto d = encode(a[0].as_string(), a[1].as_string());
          return d ? std::optional<Value>(Value::string(*d)) : std::nullopt;
        }));
  auto substr = [](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
    const std::string& s = a[0].as_string();
    auto n = static_cast<int64_t>(s.size());
    int64_t pos = a[1].as_int();
    int64_t start = pos < 0 ? std::max(n + pos, int64_t{0}) : std::clamp(pos - 1, int64_t{0}, n);
    int64_t end = n;
    if (a.size() > 2) end = std::max(std::min(start + a[2].as_int(), n), start);
    return Value::bytes(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start)));
  };
  r.add("SUBSTRING", {B, I}, B, boxed_kernel(substr));
  r.add("SUBSTRING", {B, I, I}, B, boxed_kernel(substr));
  r.add("SPLIT", {B, B}, Type::array(B),
        boxed_kernel([](std::span<const Value> a, const BoundFunction&) {
          const std::string& s = a[0].as_string();
          const std::string& d = a[1].as_string();
          std::vector<Value> parts;
          if (d.empty()) {
            for (char c : s) parts.push_back(Value::bytes(std::string(1, c)));
            if (s.empty()) parts.push_back(Value::bytes(""));
          } else {
            size_t start = 0;
            while (true) {
              size_t p = s.find(d, start);
              if (p == std::string::npos) {
                parts.push_back(Value::bytes(s.substr(start)));
                break;
              }
              parts.push_back(Value::bytes(s.substr(start, p - start)));
              start = p + d.size();
            }
          }
          return std::optional<Value>(Value::array(Type::bytes(), std::move(parts)));
        }));
}

}  // namespace sluice::sql
