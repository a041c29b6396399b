// Kernels of the SQL operators: arithmetic with Java's integer semantics (wrapping overflow,
// division by zero an error -> NULL), DECIMAL arithmetic on 128-bit unscaled values, typed
// comparisons (a comparison with NULL is FALSE, as in ksqlDB's generated code), casts and LIKE.
#include <cmath>
#include <limits>

#include "format/decimal.h"
#include "format/value.h"
#include "sql/exec/expression_executor.h"
#include "sql/functions/cast.h"
#include "sql/functions/vector_ops.h"

namespace sluice::sql {

using format::Int128;
using format::TypeId;
using format::Vector;

namespace {

template <typename T>
void arith_int(ArithOp op, const Vector& l, const Vector& r, std::span<const uint32_t> rows,
               Vector& out, uint64_t& errors) {
  using U = std::make_unsigned_t<T>;
  T* d = out.data<T>();
  for (uint32_t row : rows) {
    if (l.is_null(row) || r.is_null(row)) {
      out.set_null(row);
      continue;
    }
    T a = l.get<T>(row), b = r.get<T>(row);
    switch (op) {
      case ArithOp::kAdd:
        d[row] = static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
        break;
      case ArithOp::kSub:
        d[row] = static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
        break;
      case ArithOp::kMul:
        d[row] = static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
        break;
      case ArithOp::kDiv:
      case ArithOp::kMod:
        if (b == 0) {
          out.set_null(row);
          ++errors;
        } else if (b == -1) {
          d[row] = op == ArithOp::kDiv ? static_cast<T>(U{0} - static_cast<U>(a)) : 0;
        } else {
          d[row] = op == ArithOp::kDiv ? a / b : a % b;
        }
        break;
      case ArithOp::kConcat:
        break;
    }
  }
}

void arith_double(ArithOp op, const Vector& l, const Vector& r, std::span<const uint32_t> rows,
                  Vector& out) {
  double* d = out.data<double>();
  for (uint32_t row : rows) {
    if (l.is_null(row) || r.is_null(row)) {
      out.set_null(row);
      continue;
    }
    double a = l.get<double>(row), b = r.get<double>(row);
    switch (op) {
      case ArithOp::kAdd:
        d[row] = a + b;
        break;
      case ArithOp::kSub:
        d[row] = a - b;
        break;
      case ArithOp::kMul:
        d[row] = a * b;
        break;
      case ArithOp::kDiv:
        d[row] = a / b;
        break;
      case ArithOp::kMod:
        d[row] = std::fmod(a, b);
        break;
      case ArithOp::kConcat:
        break;
    }
  }
}

// Rounds n / 10^k HALF_UP (k >= 0).
Int128 div_pow10_half_up(Int128 n, int k) {
  if (k <= 0) return n;
  Int128 p = format::pow10_i128(k);
  Int128 q = n / p, rem = n % p;
  if (rem < 0) rem = -rem;
  if (rem * 2 >= p) q += n < 0 ? -1 : 1;
  return q;
}

void arith_decimal(ArithOp op, const Vector& l, const Vector& r, std::span<const uint32_t> rows,
                   Vector& out, uint64_t& errors) {
  int s1 = l.type().scale(), s2 = r.type().scale();
  int rs = out.type().scale(), rp = out.type().precision();
  Int128 limit = format::pow10_i128(rp);
  Int128* d = out.data<Int128>();
  for (uint32_t row : rows) {
    if (l.is_null(row) || r.is_null(row)) {
      out.set_null(row);
      continue;
    }
    Int128 a = l.get<Int128>(row), b = r.get<Int128>(row);
    Int128 v = 0;
    bool ok = true;
    // Unscaled values reach 10^38, so products (and rescaling) can leave 128 bits: such a
    // result does not fit any DECIMAL and fails like one that exceeds its precision.
    auto mul = [&ok](Int128 x, Int128 y) {
      Int128 p = 0;
      if (__builtin_mul_overflow(x, y, &p)) ok = false;
      return p;
    };
    switch (op) {
      case ArithOp::kAdd:
      case ArithOp::kSub:
      case ArithOp::kMod: {
        int s = std::max(s1, s2);
        a = mul(a, format::pow10_i128(s - s1));
        b = mul(b, format::pow10_i128(s - s2));
        if (!ok) break;
        if (op == ArithOp::kAdd) {
          v = a + b;
        } else if (op == ArithOp::kSub) {
          v = a - b;
        } else if (b == 0) {
          ok = false;
        } else {
          v = a % b;
        }
        v = s <= rs ? mul(v, format::pow10_i128(rs - s)) : div_pow10_half_up(v, s - rs);
        break;
      }
      case ArithOp::kMul: {
        v = mul(a, b);
        if (!ok) break;
        int s = s1 + s2;
        v = s <= rs ? mul(v, format::pow10_i128(rs - s)) : div_pow10_half_up(v, s - rs);
        break;
      }
      case ArithOp::kDiv: {
        if (b == 0) {
          ok = false;
          break;
        }
        // a/10^s1 / (b/10^s2) = a * 10^(rs - s1 + s2) / b, in units of 10^-rs. ksqlDB divides
        // with RoundingMode.UNNECESSARY then setScale(rs) without rounding: a quotient that does
        // not end within the result scale (1.00 / 3.00) fails, giving NULL, and is not rounded.
        int shift = rs - s1 + s2;
        Int128 num = shift >= 0 ? mul(a, format::pow10_i128(shift)) : a;
        Int128 den = shift >= 0 ? b : mul(b, format::pow10_i128(-shift));
        if (!ok || num % den != 0) {
          ok = false;
          break;
        }
        v = num / den;
        break;
      }
      case ArithOp::kConcat:
        break;
    }
    if (!ok || v >= limit || v <= -limit) {
      out.set_null(row);
      ++errors;
    } else {
      d[row] = v;
    }
  }
}

}  // namespace

void eval_arith(const BoundExpr& e, const Vector& l, const Vector& r,
                std::span<const uint32_t> rows, Vector& out, uint64_t& errors) {
  switch (e.type.id()) {
    case TypeId::kInteger:
      arith_int<int32_t>(e.arith, l, r, rows, out, errors);
      return;
    case TypeId::kBigint:
      arith_int<int64_t>(e.arith, l, r, rows, out, errors);
      return;
    case TypeId::kDouble:
      arith_double(e.arith, l, r, rows, out);
      return;
    case TypeId::kDecimal:
      arith_decimal(e.arith, l, r, rows, out, errors);
      return;
    case TypeId::kString:
      for (uint32_t row : rows) {
        if (l.is_null(row) || r.is_null(row)) {
          out.set_null(row);
          continue;
        }
        std::string_view a = l.get_string(row), b = r.get_string(row);
        char* p = out.allocate_string(row, a.size() + b.size());
        if (!a.empty()) std::memcpy(p, a.data(), a.size());
        if (!b.empty()) std::memcpy(p + a.size(), b.data(), b.size());
      }
      return;
    default:
      for (uint32_t row : rows) out.set_null(row);
      return;
  }
}

void eval_negate(const Vector& v, std::span<const uint32_t> rows, Vector& out) {
  for (uint32_t r : rows) {
    if (v.is_null(r)) {
      out.set_null(r);
      continue;
    }
    switch (v.type().id()) {
      case TypeId::kInteger:
        out.set<int32_t>(r, static_cast<int32_t>(0U - static_cast<uint32_t>(v.get<int32_t>(r))));
        break;
      case TypeId::kBigint:
        out.set<int64_t>(r, static_cast<int64_t>(0ULL - static_cast<uint64_t>(v.get<int64_t>(r))));
        break;
      case TypeId::kDouble:
        out.set<double>(r, -v.get<double>(r));
        break;
      case TypeId::kDecimal:
        out.set<Int128>(r, -v.get<Int128>(r));
        break;
      default:
        out.set_null(r);
    }
  }
}

namespace {

bool compare_result(CompareOp op, int c) {
  switch (op) {
    case CompareOp::kEq:
    case CompareOp::kIsNotDistinctFrom:
      return c == 0;
    case CompareOp::kNe:
    case CompareOp::kIsDistinctFrom:
      return c != 0;
    case CompareOp::kLt:
      return c < 0;
    case CompareOp::kLe:
      return c <= 0;
    case CompareOp::kGt:
      return c > 0;
    case CompareOp::kGe:
      return c >= 0;
  }
  return false;
}

template <typename T>
void compare_typed(CompareOp op, const Vector& l, const Vector& r, std::span<const uint32_t> rows,
                   Vector& out) {
  uint8_t* d = out.data<uint8_t>();
  for (uint32_t row : rows) {
    if (l.is_null(row) || r.is_null(row)) {
      d[row] = 0;
      continue;
    }
    T a = l.get<T>(row), b = r.get<T>(row);
    d[row] = compare_result(op, a < b ? -1 : (b < a ? 1 : 0)) ? 1 : 0;
  }
}

}  // namespace

void eval_compare(CompareOp op, const Vector& l, const Vector& r, std::span<const uint32_t> rows,
                  Vector& out) {
  if (op == CompareOp::kIsDistinctFrom || op == CompareOp::kIsNotDistinctFrom) {
    uint8_t* d = out.data<uint8_t>();
    for (uint32_t row : rows) {
      bool ln = l.is_null(row), rn = r.is_null(row);
      int c = (ln || rn) ? (ln == rn ? 0 : 1) : compare_rows(l, row, r, row);
      d[row] = compare_result(op, c) ? 1 : 0;
    }
    return;
  }
  bool same_type = l.type() == r.type();
  switch (same_type ? l.type().id() : TypeId::kStruct) {
    case TypeId::kInteger:
      compare_typed<int32_t>(op, l, r, rows, out);
      return;
    case TypeId::kBigint:
    case TypeId::kTimestamp:
      compare_typed<int64_t>(op, l, r, rows, out);
      return;
    case TypeId::kDouble:
      compare_typed<double>(op, l, r, rows, out);
      return;
    default:
      break;
  }
  uint8_t* d = out.data<uint8_t>();
  for (uint32_t row : rows) {
    if (l.is_null(row) || r.is_null(row)) {
      d[row] = 0;
      continue;
    }
    d[row] = compare_result(op, compare_rows(l, row, r, row)) ? 1 : 0;
  }
}

void eval_cast(const Vector& v, std::span<const uint32_t> rows, Vector& out, uint64_t& errors) {
  TypeId from = v.type().id(), to = out.type().id();
  if (from == TypeId::kInteger && to == TypeId::kBigint) {
    for (uint32_t r : rows) {
      if (v.is_null(r)) {
        out.set_null(r);
      } else {
        out.set<int64_t>(r, v.get<int32_t>(r));
      }
    }
    return;
  }
  if ((from == TypeId::kInteger || from == TypeId::kBigint) && to == TypeId::kDouble) {
    for (uint32_t r : rows) {
      if (v.is_null(r)) {
        out.set_null(r);
      } else {
        out.set<double>(
            r, from == TypeId::kInteger ? double(v.get<int32_t>(r)) : double(v.get<int64_t>(r)));
      }
    }
    return;
  }
  for (uint32_t r : rows) {
    auto c = cast_value(format::read_value(v, r), out.type());
    if (!c) {
      ++errors;
      set_null_row(out, r);
    } else {
      format::write_value(out, r, *c);
    }
  }
}

namespace {

// Length of the line terminator at s[i] (\n, \r, U+0085, U+2028, U+2029), or 0.
size_t line_terminator(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == '\n' || c == '\r') return 1;
  if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) return 2;
  if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
      (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
       static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
    return 3;
  }
  return 0;
}

size_t utf8_char_len(std::string_view x, size_t i) {
  unsigned char c = static_cast<unsigned char>(x[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  return std::min(n, x.size() - i);
}

// LIKE over text with line terminators. ksqlDB turns the pattern into a Java regex where % is
// ".*" and _ is ".", and Java's "." matches no line terminator: such characters must be matched
// literally. Reachability over (text position, pattern position); text is short in practice.
bool like_match_multiline(std::string_view s, std::string_view p, char escape) {
  struct Tok {
    char kind;  // '%', '_' or 'c' (a literal byte)
    char c;
  };
  std::vector<Tok> toks;
  for (size_t i = 0; i < p.size(); ++i) {
    if (escape && p[i] == escape && i + 1 < p.size()) {
      toks.push_back({'c', p[++i]});
    } else if (p[i] == '%' || p[i] == '_') {
      toks.push_back({p[i], 0});
    } else {
      toks.push_back({'c', p[i]});
    }
  }
  size_t n = s.size(), t = toks.size();
  std::vector<uint8_t> reach((n + 1) * (t + 1), 0);
  auto at = [&](size_t i, size_t k) -> uint8_t& { return reach[i * (t + 1) + k]; };
  at(0, 0) = 1;
  for (size_t i = 0; i <= n; ++i) {
    for (size_t k = 0; k <= t; ++k) {
      if (!at(i, k) || k == t) continue;
      const Tok& tok = toks[k];
      if (tok.kind == '%') {
        at(i, k + 1) = 1;  // % matches nothing more
        if (i < n && !line_terminator(s, i)) at(i + utf8_char_len(s, i), k) = 1;
      } else if (tok.kind == '_') {
        if (i < n && !line_terminator(s, i)) at(i + utf8_char_len(s, i), k + 1) = 1;
      } else if (i < n && s[i] == tok.c) {
        at(i + 1, k + 1) = 1;
      }
    }
  }
  return at(n, t) != 0;
}

}  // namespace

bool like_match(std::string_view s, std::string_view p, char escape) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (line_terminator(s, i)) return like_match_multiline(s, p, escape);
  }
  size_t si = 0, pi = 0, star_p = std::string_view::npos, star_s = 0;
  auto char_len = [](std::string_view x, size_t i) -> size_t {
    unsigned char c = static_cast<unsigned char>(x[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    return std::min(n, x.size() - i);
  };
  while (si < s.size()) {
    if (pi < p.size()) {
      char c = p[pi];
      if (c == '%') {
        star_p = ++pi;
        star_s = si;
        continue;
      }
      if (c == '_') {
        si += char_len(s, si);
        ++pi;
        continue;
      }
      size_t plen = 1;
      if (escape && c == escape && pi + 1 < p.size()) {
        ++pi;
        c = p[pi];
      }
      if (s[si] == c) {
        ++si;
        pi += plen;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    star_s += char_len(s, star_s);
    si = star_s;
    pi = star_p;
  }
  while (pi < p.size() && p[pi] == '%') ++pi;
  return pi == p.size();
}

void eval_like(const Vector& v, const Vector& pattern, char escape, std::span<const uint32_t> rows,
               Vector& out) {
  uint8_t* d = out.data<uint8_t>();
  for (uint32_t r : rows) {
    if (v.is_null(r) || pattern.is_null(r)) {
      out.set_null(r);
      continue;
    }
    d[r] = like_match(v.get_string(r), pattern.get_string(r), escape) ? 1 : 0;
  }
}

}  // namespace sluice::sql
