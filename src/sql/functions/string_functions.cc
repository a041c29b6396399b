// String functions (ksqlDB's string UDFs). Positions and lengths count Unicode code points.
#include <algorithm>

#include <fmt/format.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>

#include "sql/functions/builtins.h"
#include "sql/functions/kernel_util.h"

namespace sluice::sql {

using format::Type;
using format::TypeId;
using format::Value;

namespace {

size_t utf8_len(unsigned char c) {
  return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
}

// Byte offsets of each code point start, plus the end.
std::vector<size_t> code_points(std::string_view s) {
  std::vector<size_t> pts;
  for (size_t i = 0; i < s.size(); i += utf8_len(static_cast<unsigned char>(s[i]))) {
    pts.push_back(i);
  }
  pts.push_back(s.size());
  return pts;
}

// ksqlDB's string functions count Java chars (UTF-16 units): a character outside the BMP (an
// emoji) counts 2. utf16_units lists the byte offset of each unit's character (a 4-byte
// character twice), plus the end.
std::vector<size_t> utf16_units(std::string_view s) {
  std::vector<size_t> units;
  for (size_t i = 0; i < s.size();) {
    size_t n = std::min(utf8_len(static_cast<unsigned char>(s[i])), s.size() - i);
    units.push_back(i);
    if (n == 4) units.push_back(i);
    i += n;
  }
  units.push_back(s.size());
  return units;
}

size_t utf16_length(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); i += utf8_len(static_cast<unsigned char>(s[i]))) {
    n += utf8_len(static_cast<unsigned char>(s[i])) == 4 ? 2 : 1;
  }
  return n;
}

// Byte offset after skipping k UTF-16 units from byte offset `from`; a character whose second
// unit would be cut is taken whole.
size_t skip_utf16_units(std::string_view s, size_t from, size_t k) {
  size_t i = from;
  while (k > 0 && i < s.size()) {
    size_t n = utf8_len(static_cast<unsigned char>(s[i]));
    k -= std::min(k, n == 4 ? size_t{2} : size_t{1});
    i += n;
  }
  return std::min(i, s.size());
}

// Java's String.trim: strips characters <= ' '.
std::string_view java_trim(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  return s;
}

// Java's String.toUpperCase / toLowerCase: full Unicode case mapping ("é" -> "É", "ß" -> "SS");
// ASCII-only text takes a byte loop.
void change_case(std::string_view in, std::string& out, bool upper) {
  out.assign(in);
  bool ascii = true;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (ascii) return;
  icu::UnicodeString u =
      icu::UnicodeString::fromUTF8(icu::StringPiece(in.data(), static_cast<int32_t>(in.size())));
  if (upper) {
    u.toUpper(icu::Locale::getRoot());
  } else {
    u.toLower(icu::Locale::getRoot());
  }
  out.clear();
  u.toUTF8String(out);
}

void append_utf8(std::string& out, uint32_t u) {
  if (u < 0x80) {
    out += static_cast<char>(u);
  } else if (u < 0x800) {
    out += static_cast<char>(0xC0 | (u >> 6));
    out += static_cast<char>(0x80 | (u & 0x3F));
  } else if (u < 0x10000) {
    out += static_cast<char>(0xE0 | (u >> 12));
    out += static_cast<char>(0x80 | ((u >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (u & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (u >> 18));
    out += static_cast<char>(0x80 | ((u >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((u >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (u & 0x3F));
  }
}

Value string_array(const std::vector<std::string>& parts) {
  std::vector<Value> els;
  els.reserve(parts.size());
  for (const auto& p : parts) els.push_back(Value::string(p));
  return Value::array(Type::string(), std::move(els));
}

std::vector<std::string> split(std::string_view s, std::string_view delim) {
  std::vector<std::string> out;
  if (delim.empty()) {
    if (s.empty()) return {std::string()};
    auto pts = code_points(s);
    for (size_t i = 0; i + 1 < pts.size(); ++i) {
      out.emplace_back(s.substr(pts[i], pts[i + 1] - pts[i]));
    }
    return out;
  }
  size_t start = 0;
  while (true) {
    size_t p = s.find(delim, start);
    if (p == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      break;
    }
    out.emplace_back(s.substr(start, p - start));
    start = p + delim.size();
  }
  return out;
}

// LPAD/RPAD results longer than this fail (NULL, counted as an error) instead of taking the
// memory and time a huge length asks for (LPAD(s, 2000000000, 'x')): no record could carry them.
constexpr size_t kMaxPadBytes = 16 << 20;

// `count` units of `padding` cycled, unit i spanning [ends[i], ends[i + 1]) (code points of a
// string, bytes of BYTES): the whole copies by doubling, then the first units of one more.
// nullopt beyond kMaxPadBytes.
std::optional<std::string> cycle(std::string_view padding, const std::vector<size_t>& ends,
                                 size_t count) {
  size_t units = ends.size() - 1;
  size_t copies = count / units;
  size_t rest = count % units;
  if (copies > kMaxPadBytes || copies * padding.size() + ends[rest] > kMaxPadBytes) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(copies * padding.size() + ends[rest]);
  std::string block(padding);
  for (size_t c = copies; c > 0; c >>= 1) {
    if (c & 1) out += block;
    if (c > 1) block += block;
  }
  out.append(padding.substr(0, ends[rest]));
  return out;
}

std::optional<std::string> pad(std::string_view input, int64_t len, std::string_view padding,
                               bool left) {
  auto pts = code_points(input);
  int64_t n = static_cast<int64_t>(pts.size()) - 1;
  if (len <= n) return std::string(input.substr(0, pts[static_cast<size_t>(len)]));
  auto fill = cycle(padding, code_points(padding), static_cast<size_t>(len - n));
  if (!fill) return std::nullopt;
  return left ? *fill + std::string(input) : std::string(input) + *fill;
}

}  // namespace

void register_string_functions(FunctionRegistry& r) {
  // NOLINTNEXTLINE(readability-identifier-naming): type letters keep the signatures below short.
  const Type S = Type::string(), I = Type::integer();
  auto lower = string_kernel([](std::string_view in, std::string& out) {
    change_case(in, out, false);
    return true;
  });
  auto upper = string_kernel([](std::string_view in, std::string& out) {
    change_case(in, out, true);
    return true;
  });
  r.add("LCASE", {S}, S, lower);
  r.add("UCASE", {S}, S, upper);
  r.add("TRIM", {S}, S, string_kernel([](std::string_view in, std::string& out) {
          out.assign(java_trim(in));
          return true;
        }));
  r.add("LTRIM", {S}, S, string_kernel([](std::string_view in, std::string& out) {
          while (!in.empty() && static_cast<unsigned char>(in.front()) <= ' ') in.remove_prefix(1);
          out.assign(in);
          return true;
        }));
  r.add("RTRIM", {S}, S, string_kernel([](std::string_view in, std::string& out) {
          while (!in.empty() && static_cast<unsigned char>(in.back()) <= ' ') in.remove_suffix(1);
          out.assign(in);
          return true;
        }));
  ScalarKernel len = [](KernelContext& ctx) {
    for (uint32_t row : ctx.rows) {
      if (any_null(ctx, row)) {
        ctx.out.set_null(row);
        continue;
      }
      ctx.out.set<int32_t>(row, static_cast<int32_t>(utf16_length(ctx.args[0]->get_string(row))));
    }
  };
  r.add("LEN", {S}, I, len);
  r.add("LENGTH", {S}, I, len);
  // SUBSTRING returns a view of its argument's bytes: no copy (the argument outlives the batch).
  ScalarKernel substring_kernel = [](KernelContext& ctx) {
    bool has_len = ctx.args.size() > 2;
    for (uint32_t row : ctx.rows) {
      if (any_null(ctx, row)) {
        ctx.out.set_null(row);
        continue;
      }
      std::string_view in = ctx.args[0]->get_string(row);
      int64_t n = static_cast<int64_t>(utf16_length(in));
      int64_t pos = ctx.args[1]->get<int32_t>(row);
      // ksqlDB: a negative position counts from the end; 0 is the same as 1.
      int64_t start = pos < 0 ? std::max(n + pos, int64_t{0}) : std::clamp(pos - 1, int64_t{0}, n);
      int64_t end = n;
      if (has_len) end = std::max(std::min(start + ctx.args[2]->get<int32_t>(row), n), start);
      size_t b = skip_utf16_units(in, 0, static_cast<size_t>(start));
      size_t e = skip_utf16_units(in, b, static_cast<size_t>(end - start));
      ctx.out.set_string_unowned(row, in.substr(b, e - b));
    }
  };
  r.add("SUBSTRING", {S, I}, S, substring_kernel);
  r.add("SUBSTRING", {S, I, I}, S, substring_kernel);
  // CONCAT(s, ...) skips NULL arguments; CONCAT_WS(sep, s, ...) too (a NULL separator: NULL).
  auto concat_binder = [](bool ws) -> CustomBinder {
    return [ws](std::span<const ArgInfo> args) -> std::optional<Result<BoundFunction>> {
      if (args.empty() || (ws && args.size() < 2)) return std::nullopt;
      bool bytes = false;
      for (const ArgInfo& a : args) {
        if (a.null_literal) continue;
        if (a.type.id() == TypeId::kBytes) {
          bytes = true;
        } else if (a.type.id() != TypeId::kString) {
          return std::nullopt;
        }
      }
      BoundFunction fn;
      Type t = bytes ? Type::bytes() : Type::string();
      fn.param_types.assign(args.size(), t);
      fn.return_type = t;
      fn.kernel = [ws](KernelContext& ctx) {
        std::string buf;
        for (uint32_t row : ctx.rows) {
          buf.clear();
          size_t first = 0;
          std::string_view sep;
          if (ws) {
            if (ctx.args[0]->is_null(row)) {
              ctx.out.set_null(row);
              continue;
            }
            sep = ctx.args[0]->get_string(row);
            first = 1;
          }
          bool any = false;
          for (size_t i = first; i < ctx.args.size(); ++i) {
            if (ctx.args[i]->is_null(row)) continue;
            if (any) buf += sep;
            buf += ctx.args[i]->get_string(row);
            any = true;
          }
          ctx.out.set_string(row, buf);
        }
      };
      return Result<BoundFunction>(std::move(fn));
    };
  };
  r.add_custom("CONCAT", concat_binder(false));
  r.add_custom("CONCAT_WS", concat_binder(true));
  r.add("SPLIT", {S, S}, Type::array(S),
        boxed_kernel([](std::span<const Value> a, const BoundFunction&) {
          return std::optional<Value>(string_array(split(a[0].as_string(), a[1].as_string())));
        }));
  r.add("REPLACE", {S, S, S}, S, boxed_kernel([](std::span<const Value> a, const BoundFunction&) {
          std::string s = a[0].as_string();
          const std::string& from = a[1].as_string();
          const std::string& to = a[2].as_string();
          std::string out;
          if (from.empty()) {
            // Java's String.replace("", x) puts x before every character and at the end.
            auto pts = code_points(s);
            for (size_t i = 0; i + 1 < pts.size(); ++i) {
              out += to;
              out.append(s, pts[i], pts[i + 1] - pts[i]);
            }
            out += to;
            return std::optional<Value>(Value::string(out));
          }
          size_t pos = 0;
          while (true) {
            size_t p = s.find(from, pos);
            if (p == std::string::npos) break;
            out.append(s, pos, p - pos);
            out += to;
            pos = p + from.size();
          }
          out.append(s, pos, std::string::npos);
          return std::optional<Value>(Value::string(out));
        }));
  // ksqlDB's Instr: a NULL string or substring gives 0, not NULL; position and occurrence are
  // Java ints, so NULL there fails the call.
  auto instr = [](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
    for (size_t i = 2; i < a.size(); ++i) {
      if (a[i].is_null()) return std::nullopt;
    }
    if (a[0].is_null() || a[1].is_null()) return Value::integer(0);
    std::string_view s = a[0].as_string(), sub = a[1].as_string();
    int64_t pos = a.size() > 2 ? a[2].as_int() : 1;
    int64_t occ = a.size() > 3 ? a[3].as_int() : 1;
    auto pts = utf16_units(s);  // positions count Java chars
    int64_t n = static_cast<int64_t>(pts.size()) - 1;
    if (occ <= 0 || pos == 0) return Value::integer(0);
    if (pos > 0) {
      size_t from = pts[static_cast<size_t>(std::min(pos - 1, n))];
      for (int64_t k = 0;; ++k) {
        size_t f = s.find(sub, from);
        if (f == std::string_view::npos) return Value::integer(0);
        if (k + 1 == occ) {
          auto it = std::lower_bound(pts.begin(), pts.end(), f);
          return Value::integer(static_cast<int32_t>(it - pts.begin() + 1));
        }
        from = f + 1;
      }
    }
    int64_t start = n + pos;  // search backwards from here
    if (start < 0) return Value::integer(0);
    size_t from = pts[static_cast<size_t>(start)];
    for (int64_t k = 0;; ++k) {
      size_t f = s.rfind(sub, from);
      if (f == std::string_view::npos) return Value::integer(0);
      if (k + 1 == occ) {
        auto it = std::lower_bound(pts.begin(), pts.end(), f);
        return Value::integer(static_cast<int32_t>(it - pts.begin() + 1));
      }
      if (f == 0) return Value::integer(0);
      from = f - 1;
    }
  };
  r.add("INSTR", {S, S}, I, boxed_kernel(instr, false));
  r.add("INSTR", {S, S, I}, I, boxed_kernel(instr, false));
  r.add("INSTR", {S, S, I, I}, I, boxed_kernel(instr, false));
  // CHR('\\u004b'): ksqlDB unescapes Java \\uXXXX escapes (a surrogate pair makes one
  // character); text that does not start with one gives NULL.
  r.add("CHR", {S}, S,
        boxed_kernel([](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
          const std::string& in = a[0].as_string();
          if (in.size() < 6 || in[0] != '\\' || in[1] != 'u') return Value::null(Type::string());
          auto hex4 = [&](size_t i) -> int {
            if (i + 6 > in.size() || in[i] != '\\' || in[i + 1] != 'u') return -1;
            int v = 0;
            for (size_t k = i + 2; k < i + 6; ++k) {
              char c = in[k];
              int d = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
              if (d < 0) return -1;
              v = v * 16 + d;
            }
            return v;
          };
          std::string out;
          for (size_t i = 0; i < in.size();) {
            int u = hex4(i);
            if (u < 0) {
              out += in[i++];
              continue;
            }
            i += 6;
            uint32_t cp = static_cast<uint32_t>(u);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              int lo = hex4(i);
              if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(lo) - 0xDC00);
                i += 6;
              } else {
                cp = 0xFFFD;
              }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              cp = 0xFFFD;
            }
            append_utf8(out, cp);
          }
          return Value::string(out);
        }));
  // LPAD/RPAD on BYTES pad with the padding's bytes, or truncate to the length (ksqlDB).
  for (bool left : {true, false}) {
    r.add(left ? "LPAD" : "RPAD", {Type::bytes(), I, Type::bytes()}, Type::bytes(),
          boxed_kernel(
              [left](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
                const std::string& in = a[0].as_string();
                const std::string& padding = a[2].as_string();
                int64_t len = a[1].as_int();
                if (len < 0 || padding.empty()) return Value::null(Type::bytes());
                auto n = static_cast<size_t>(len);
                if (in.size() >= n) return Value::bytes(in.substr(0, n));
                std::vector<size_t> ends(padding.size() + 1);
                for (size_t i = 0; i < ends.size(); ++i) ends[i] = i;
                auto fill = cycle(padding, ends, n - in.size());
                if (!fill) return std::nullopt;
                return Value::bytes(left ? *fill + in : in + *fill);
              }));
  }
  for (bool left : {true, false}) {
    r.add(left ? "LPAD" : "RPAD", {S, I, S}, S,
          boxed_kernel(
              [left](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
                if (a[1].as_int() < 0 || a[2].as_string().empty())
                  return Value::null(Type::string());
                auto padded = pad(a[0].as_string(), a[1].as_int(), a[2].as_string(), left);
                if (!padded) return std::nullopt;
                return Value::string(std::move(*padded));
              }));
  }
  // ksqlDB's INITCAP: the text lower-cased, then each run of non-blanks (Java's \S+) with its
  // first character upper-cased and the blanks after it kept; leading blanks are dropped.
  r.add("INITCAP", {S}, S, string_kernel([](std::string_view in, std::string& out) {
          auto blank = [](char c) {
            return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
          };
          std::string lower, first;
          change_case(in, lower, false);
          size_t i = 0;
          while (i < lower.size() && blank(lower[i])) ++i;
          bool start = true;
          while (i < lower.size()) {
            if (blank(lower[i])) {
              out += lower[i++];
              start = true;
              continue;
            }
            size_t n = std::min(utf8_len(static_cast<unsigned char>(lower[i])), lower.size() - i);
            if (start) {
              change_case(std::string_view(lower).substr(i, n), first, true);
              out += first;
            } else {
              out.append(lower, i, n);
            }
            start = false;
            i += n;
          }
          return true;
        }));
  r.add("REVERSE", {S}, S, string_kernel([](std::string_view in, std::string& out) {
          auto pts = code_points(in);
          for (size_t i = pts.size() - 1; i-- > 0;) out += in.substr(pts[i], pts[i + 1] - pts[i]);
          return true;
        }));
  r.add("CHR", {I}, S,
        boxed_kernel([](std::span<const Value> a, const BoundFunction&) -> std::optional<Value> {
          int32_t cp = a[0].as_int();
          // Surrogates are valid Java code points but no character: NULL rather than text that
          // is not UTF-8.
          if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return Value::null(Type::string());
          }
          std::string s;
          auto u = static_cast<uint32_t>(cp);
          if (u < 0x80) {
            s += static_cast<char>(u);
          } else if (u < 0x800) {
            s += static_cast<char>(0xC0 | (u >> 6));
            s += static_cast<char>(0x80 | (u & 0x3F));
          } else if (u < 0x10000) {
            s += static_cast<char>(0xE0 | (u >> 12));
            s += static_cast<char>(0x80 | ((u >> 6) & 0x3F));
            s += static_cast<char>(0x80 | (u & 0x3F));
          } else {
            s += static_cast<char>(0xF0 | (u >> 18));
            s += static_cast<char>(0x80 | ((u >> 12) & 0x3F));
            s += static_cast<char>(0x80 | ((u >> 6) & 0x3F));
            s += static_cast<char>(0x80 | (u & 0x3F));
          }
          return Value::string(s);
        }));
}

}  // namespace sluice::sql
