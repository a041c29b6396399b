#include "format/text.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include <emmintrin.h>
#include <smmintrin.h>

namespace sluice::format {

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

char* write_java_double(char* p, double d) {
  auto put = [&p](std::string_view t) {
    std::memcpy(p, t.data(), t.size());
    p += t.size();
  };
  if (std::isnan(d)) {
    put("NaN");
    return p;
  }
  if (std::isinf(d)) {
    put(d < 0 ? "-Infinity" : "Infinity");
    return p;
  }
  if (d == 0) {
    put(std::signbit(d) ? "-0.0" : "0.0");
    return p;
  }
  // Shortest digits in scientific form: [-]d[.ddd]e[+-]xx
  char buf[40];
  auto r = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(r.ptr - buf));
  bool neg = sci[0] == '-';
  if (neg) sci.remove_prefix(1);
  size_t epos = sci.find('e');
  std::string_view mant = sci.substr(0, epos);
  int exp = 0;
  std::from_chars(sci.data() + epos + 1 + (sci[epos + 1] == '+' ? 1 : 0), sci.data() + sci.size(),
                  exp);
  char digits[24];
  int nd = 0;
  for (char c : mant) {
    if (c != '.') digits[nd++] = c;
  }
  if (nd == 1) {
    // Java (JDK 19+ Double.toString) never settles for one digit: among the two-digit decimals
    // that round to d it takes the closest, which differs from "d.0" only for subnormals far
    // from their shortest decimal (Double.MIN_VALUE: shortest 5e-324, Java 4.9E-324).
    char two[40];
    auto t = std::to_chars(two, two + sizeof(two), std::fabs(d), std::chars_format::scientific, 1);
    std::string_view tv(two, static_cast<size_t>(t.ptr - two));  // "d.de[+-]xx"
    if (tv.size() > 3 && tv[1] == '.' && tv[2] != '0') {
      digits[0] = tv[0];
      digits[1] = tv[2];
      nd = 2;
      size_t te = tv.find('e');
      std::from_chars(tv.data() + te + 1 + (tv[te + 1] == '+' ? 1 : 0), tv.data() + tv.size(), exp);
    }
  }
  if (neg) *p++ = '-';
  double mag = std::fabs(d);
  if (mag >= 1e-3 && mag < 1e7) {
    // Plain notation; the decimal point sits after digit index exp (exp may be negative).
    if (exp < 0) {
      put("0.");
      for (int i = -1; i > exp; --i) *p++ = '0';
      put(std::string_view(digits, static_cast<size_t>(nd)));
    } else {
      int int_digits = exp + 1;
      for (int i = 0; i < int_digits; ++i) *p++ = i < nd ? digits[i] : '0';
      *p++ = '.';
      if (nd > int_digits) {
        put(std::string_view(digits + int_digits, static_cast<size_t>(nd - int_digits)));
      } else {
        *p++ = '0';
      }
    }
  } else {
    *p++ = digits[0];
    *p++ = '.';
    if (nd > 1) {
      put(std::string_view(digits + 1, static_cast<size_t>(nd - 1)));
    } else {
      *p++ = '0';
    }
    *p++ = 'E';
    p = std::to_chars(p, p + 8, exp).ptr;
  }
  return p;
}

void append_java_double(std::string& out, double d) {
  char buf[kMaxJavaDoubleChars];
  out.append(buf, write_java_double(buf, d));
}

std::string java_double_string(double d) {
  std::string s;
  append_java_double(s, d);
  return s;
}

namespace {

template <typename T>
std::optional<T> parse_integer(std::string_view s) {
  if (s.empty()) return std::nullopt;
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') {
    ++b;
    if (b == e || *b == '-') return std::nullopt;
  }
  T v{};
  auto r = std::from_chars(b, e, v);
  if (r.ec != std::errc() || r.ptr != e) return std::nullopt;
  return v;
}

bool is_java_space(char c) {
  return static_cast<unsigned char>(c) <= ' ';
}

}  // namespace

std::optional<int32_t> parse_int32(std::string_view s) {
  return parse_integer<int32_t>(s);
}
std::optional<int64_t> parse_int64(std::string_view s) {
  return parse_integer<int64_t>(s);
}

std::optional<double> parse_double(std::string_view s) {
  while (!s.empty() && is_java_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_java_space(s.back())) s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  bool neg = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "NaN") return std::nan("");
  if (body == "Infinity") return neg ? -HUGE_VAL : HUGE_VAL;
  char last = s.back();
  if (last == 'd' || last == 'D' || last == 'f' || last == 'F') s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  const char* b = s.data();
  if (*b == '+') ++b;
  double v = 0;
  auto r = std::from_chars(b, s.data() + s.size(), v);
  if (r.ec == std::errc::result_out_of_range) {
    std::string copy(b, s.data() + s.size());
    return std::strtod(copy.c_str(), nullptr);
  }
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The value of each base64 character; -1 for the rest. int, not int8_t: the -1 is read as an int.
struct B64Decode {
  int v[256];
  constexpr B64Decode() : v() {
    for (int i = 0; i < 256; ++i) v[i] = -1;
    for (int i = 0; i < 64; ++i) v[static_cast<unsigned char>(kB64[i])] = i;
  }
};
constexpr B64Decode kB64Decode;

}  // namespace

void append_base64(std::string& out, std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = p[i] << 16;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (n - i == 2) {
    uint32_t v = (p[i] << 16) | (p[i + 1] << 8);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
}

bool decode_base64(std::string_view s, std::string& out) {
  if (s.size() % 4 != 0) return false;
  for (size_t i = 0; i < s.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      char c = s[i + j];
      if (c == '=' && i + 4 == s.size() && j >= 2) {
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad) return false;  // data after padding
      v[j] = kB64Decode.v[static_cast<unsigned char>(c)];
      if (v[j] < 0) return false;
    }
    uint32_t w = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>(w >> 16);
    if (pad < 2) out += static_cast<char>((w >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(w & 0xff);
  }
  return true;
}

namespace {

// Index of the first byte in [i, n) that JSON must escape (a quote, a backslash or a control
// character), or n. Scans 16 bytes at a time.
size_t next_escape(const char* p, size_t i, size_t n) {
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i max_ctrl = _mm_set1_epi8(0x1f);
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i ctrl = _mm_cmpeq_epi8(_mm_min_epu8(v, max_ctrl), v);  // unsigned v <= 0x1f
    __m128i hit =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), ctrl);
    int mask = _mm_movemask_epi8(hit);
    if (mask) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
  for (; i < n; ++i) {
    auto c = static_cast<unsigned char>(p[i]);
    if (c < 0x20 || c == '"' || c == '\\') return i;
  }
  return n;
}

}  // namespace

char* write_json_string(char* out, std::string_view s) {
  *out++ = '"';
  const char* p = s.data();
  size_t n = s.size();
  size_t run = 0;  // start of the pending run of bytes that need no escaping
  auto put = [&out](const char* from, size_t len) {
    if (len == 0) return;  // an empty view may have a null data(): memcpy must not see it
    std::memcpy(out, from, len);
    out += len;
  };
  for (size_t i = next_escape(p, 0, n); i < n; i = next_escape(p, i + 1, n)) {
    put(p + run, i - run);
    run = i + 1;
    auto c = static_cast<unsigned char>(p[i]);
    const char* esc = nullptr;
    switch (c) {
      case '"':
        esc = "\\\"";
        break;
      case '\\':
        esc = "\\\\";
        break;
      case '\b':
        esc = "\\b";
        break;
      case '\f':
        esc = "\\f";
        break;
      case '\n':
        esc = "\\n";
        break;
      case '\r':
        esc = "\\r";
        break;
      case '\t':
        esc = "\\t";
        break;
      default:
        break;
    }
    if (esc) {
      put(esc, 2);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      put(u, 6);
    }
  }
  put(p + run, n - run);
  *out++ = '"';
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  const char* p = s.data();
  size_t n = s.size();
  size_t run = 0;  // start of the pending run of bytes that need no escaping
  for (size_t i = next_escape(p, 0, n); i < n; i = next_escape(p, i + 1, n)) {
    out.append(p + run, i - run);
    run = i + 1;
    auto c = static_cast<unsigned char>(p[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        static constexpr char kHex[] = "0123456789ABCDEF";
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, 6);
      }
    }
  }
  out.append(p + run, n - run);
  out += '"';
}

}  // namespace sluice::format
