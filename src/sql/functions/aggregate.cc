// ksqlDB's aggregate functions over raw accumulators (see aggregate.h).
//
// Semantics follow ksqlDB's UDAFs (its QTT cases are the reference), with these choices:
// - SUM(DECIMAL(p, s)) is DECIMAL(p, s); where ksqlDB fails the query with "Numeric field
//   overflow" once the sum leaves the type, the result here is NULL while it does not fit (the
//   exact sum is kept, so a later retract can bring it back).
// - COUNT_DISTINCT is exact (ksqlDB estimates with HyperLogLog; equal for small groups).
// - STDDEV_SAMP returns the sample *variance*, as ksqlDB's does (its documented quirk);
//   STDDEV_SAMPLE returns the sample standard deviation; both are 0.0 below two values.
//   STDDEV_POP (not in ksqlDB) is the population standard deviation, 0.0 without values.
// - AVG over no values is 0.0; CORRELATION is NaN when undefined (ksqlDB's 0/0).
// - Comparisons are Java's compareTo: STRING in UTF-16 code unit order, BYTES as signed bytes,
//   DOUBLE by Double.compare (-0.0 < 0.0, NaN above +Infinity).
// - AVG and STDDEV_* of INTEGER keep an INTEGER running sum that wraps, as ksqlDB's do.
//
// Generic values (COLLECT_*, *_BY_OFFSET, COUNT_DISTINCT, TOPK's extra columns) are kept as a
// binary encoding of their own, which is also their durable form. Encoding of one value (the type
// is the function's, so it is not written):
//   0x00 NULL, or 0x01 then
//   BOOLEAN 1 byte 0/1 | INTEGER, DATE, TIME 4 bytes | BIGINT, TIMESTAMP 8 bytes |
//   DOUBLE the IEEE bits, 8 bytes, every NaN written as the canonical NaN |
//   DECIMAL the unscaled 128-bit value, 16 bytes | STRING, BYTES uvarint length, bytes |
//   ARRAY uvarint count, elements | MAP uvarint count, (key, value) pairs |
//   STRUCT each field in order.
// Fixed-width integers are big-endian two's complement (common/bytes.h). Equal values encode to
// equal bytes (as Java's equals sees them: NaN equals NaN, -0.0 differs from 0.0; MAP entries
// compare in their stored order), so encodings serve as keys of the distinct sets.
//
// Durable form of each accumulator (serialize/deserialize); "varint" is zig-zag, "uvarint" LEB128:
//   COUNT                varint count
//   COUNT_DISTINCT       uvarint n, n x (uvarint length, encoded value)
//   SUM, SUM_LIST        INTEGER/BIGINT varint sum | DOUBLE 8 bytes | DECIMAL 16 bytes, 1 byte
//                        overflowed (the exact sum left 128 bits)
//   AVG                  varint count, then varint sum (INTEGER, BIGINT) or 8-byte DOUBLE sum
//   MIN, MAX             1 byte present, then the key (below) when present
//   LATEST/EARLIEST_BY_OFFSET, COLLECT_LIST, COLLECT_SET
//                        uvarint n, n x (uvarint length, encoded value), oldest first
//   TOPK, TOPKDISTINCT   uvarint n, n x (key, uvarint length, encoded extra columns), descending
//   HISTOGRAM            uvarint n, n x (uvarint length, bytes, varint count), by key, then
//                        varint count of the NULL key (0 when absent)
//   STDDEV_*             varint count, sum as for AVG, 8-byte M2
//   CORRELATION          varint count, 5 x 8-byte sums (x, y, x*x, y*y, x*y)
// A key (MIN/MAX/TOPK) is a varint for INTEGER, BIGINT, DATE, TIME, TIMESTAMP, 8 bytes for
// DOUBLE, 16 bytes for DECIMAL, uvarint length and bytes for STRING and BYTES.
//
// This file holds every function because the brief that introduced them limited the change to
// it; it splits naturally into the codec, the numeric functions and the collecting functions.
#include "sql/functions/aggregate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <unordered_set>
#include <utility>

#include "common/bytes.h"
#include "format/decimal.h"

// Internals live in a named namespace: unity builds put this file in one translation unit with
// other function files whose anonymous-namespace helpers would otherwise collide.
namespace sluice::sql::udaf {
namespace {

using format::Field;
using format::Int128;
using format::Type;
using format::TypeId;
using format::Vector;

constexpr size_t kHistogramLimit = 1000;  // HISTOGRAM's distinct values
constexpr uint64_t kCanonicalNan = 0x7ff8000000000000ULL;

// ---- Byte helpers -------------------------------------------------------------------------

void put_u8(std::string& o, uint8_t v) {
  o.push_back(static_cast<char>(v));
}
void put_be32(std::string& o, uint32_t v) {
  uint8_t b[4];
  store_be32(b, v);
  o.append(reinterpret_cast<const char*>(b), 4);
}
void put_be64(std::string& o, uint64_t v) {
  uint8_t b[8];
  store_be64(b, v);
  o.append(reinterpret_cast<const char*>(b), 8);
}
void put_uvarint(std::string& o, uint64_t v) {
  while (v >= 0x80) {
    o.push_back(static_cast<char>(static_cast<uint8_t>(v) | 0x80));
    v >>= 7;
  }
  o.push_back(static_cast<char>(v));
}
void put_varint(std::string& o, int64_t v) {
  put_uvarint(o, zigzag64(v));
}
void put_double(std::string& o, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  put_be64(o, bits);
}
void put_i128(std::string& o, Int128 v) {
  auto u = static_cast<unsigned __int128>(v);
  put_be64(o, static_cast<uint64_t>(u >> 64));
  put_be64(o, static_cast<uint64_t>(u));
}
void put_bytes(std::string& o, std::string_view s) {
  put_uvarint(o, s.size());
  o.append(s);
}

Int128 get_i128(ByteReader& r) {
  uint64_t hi = r.get_be64();
  uint64_t lo = r.get_be64();
  return static_cast<Int128>((static_cast<unsigned __int128>(hi) << 64) | lo);
}
std::string_view get_bytes(ByteReader& r) {
  uint64_t n = r.get_uvarint();
  if (n > r.remaining()) {
    r.fail();
    return {};
  }
  return as_string_view(r.get_bytes(n));
}

// Runs `read` over the front of `in`; advances `in` past what it consumed when it succeeded.
template <typename F>
Status read_from(std::string_view& in, std::string_view what, F read) {
  ByteReader r(as_bytes(in));
  bool ok = read(r) && r.ok();
  if (!ok) return Status::corruption(fmt::format("malformed {} accumulator", what));
  in.remove_prefix(r.position());
  return Status::ok();
}

// ---- Value encoding (format at the top of the file) ---------------------------------------

void encode_row(const Vector& v, size_t row, std::string& out) {
  if (v.is_null(row)) {
    put_u8(out, 0);
    return;
  }
  put_u8(out, 1);
  const size_t p = v.index(row);
  switch (v.type().id()) {
    case TypeId::kBoolean:
      put_u8(out, v.data<uint8_t>()[p] != 0 ? 1 : 0);
      return;
    case TypeId::kInteger:
    case TypeId::kDate:
    case TypeId::kTime:
      put_be32(out, static_cast<uint32_t>(v.data<int32_t>()[p]));
      return;
    case TypeId::kBigint:
    case TypeId::kTimestamp:
      put_be64(out, static_cast<uint64_t>(v.data<int64_t>()[p]));
      return;
    case TypeId::kDouble: {
      double d = v.data<double>()[p];
      if (std::isnan(d)) {
        put_be64(out, kCanonicalNan);
      } else {
        put_double(out, d);
      }
      return;
    }
    case TypeId::kDecimal:
      put_i128(out, v.data<Int128>()[p]);
      return;
    case TypeId::kString:
    case TypeId::kBytes:
      put_bytes(out, v.get_string(row));
      return;
    case TypeId::kArray: {
      format::ListEntry e = v.list_entry(row);
      put_uvarint(out, e.length);
      for (uint32_t i = 0; i < e.length; ++i) encode_row(v.child(0), e.offset + i, out);
      return;
    }
    case TypeId::kMap: {
      format::ListEntry e = v.list_entry(row);
      put_uvarint(out, e.length);
      for (uint32_t i = 0; i < e.length; ++i) {
        encode_row(v.child(0), e.offset + i, out);
        encode_row(v.child(1), e.offset + i, out);
      }
      return;
    }
    case TypeId::kStruct:
      for (size_t k = 0; k < v.num_children(); ++k) encode_row(v.child(k), p, out);
      return;
  }
}

std::string encode(const Vector& v, size_t row) {
  std::string s;
  encode_row(v, row, s);
  return s;
}

// Checks that one encoded value of type `t` is well formed and skips it.
bool skip_encoded(ByteReader& r, const Type& t) {
  uint8_t tag = r.get_u8();
  if (tag == 0) return r.ok();
  if (tag != 1) return false;
  switch (t.id()) {
    case TypeId::kBoolean:
      return r.get_u8() <= 1 && r.ok();
    case TypeId::kInteger:
    case TypeId::kDate:
    case TypeId::kTime:
      r.skip(4);
      return r.ok();
    case TypeId::kBigint:
    case TypeId::kTimestamp:
    case TypeId::kDouble:
      r.skip(8);
      return r.ok();
    case TypeId::kDecimal:
      r.skip(16);
      return r.ok();
    case TypeId::kString:
    case TypeId::kBytes:
      get_bytes(r);
      return r.ok();
    case TypeId::kArray:
    case TypeId::kMap: {
      uint64_t n = r.get_uvarint();
      if (!r.ok() || n > r.remaining()) return false;  // every value takes at least a byte
      for (uint64_t i = 0; i < n; ++i) {
        if (t.id() == TypeId::kArray) {
          if (!skip_encoded(r, t.element())) return false;
        } else if (!skip_encoded(r, t.key()) || !skip_encoded(r, t.value())) {
          return false;
        }
      }
      return true;
    }
    case TypeId::kStruct:
      for (const Field& f : t.fields()) {
        if (!skip_encoded(r, f.type)) return false;
      }
      return true;
  }
  return false;
}

// Writes one encoded value (checked by skip_encoded when it was read) into physical row `row`.
void decode_row(ByteReader& r, Vector& out, size_t row) {
  if (r.get_u8() == 0) {
    format::set_null_row(out, row);
    return;
  }
  out.set_valid(row);
  switch (out.type().id()) {
    case TypeId::kBoolean:
      out.set<uint8_t>(row, r.get_u8());
      return;
    case TypeId::kInteger:
    case TypeId::kDate:
    case TypeId::kTime:
      out.set<int32_t>(row, static_cast<int32_t>(r.get_be32()));
      return;
    case TypeId::kBigint:
    case TypeId::kTimestamp:
      out.set<int64_t>(row, static_cast<int64_t>(r.get_be64()));
      return;
    case TypeId::kDouble:
      out.set<double>(row, r.get_double());
      return;
    case TypeId::kDecimal:
      out.set<Int128>(row, get_i128(r));
      return;
    case TypeId::kString:
    case TypeId::kBytes:
      out.set_string(row, get_bytes(r));
      return;
    case TypeId::kArray:
    case TypeId::kMap: {
      auto n = static_cast<uint32_t>(r.get_uvarint());
      uint32_t start = out.append_list_slots(n);
      for (uint32_t i = 0; i < n; ++i) {
        decode_row(r, out.child(0), start + i);
        if (out.type().id() == TypeId::kMap) decode_row(r, out.child(1), start + i);
      }
      out.set_list_entry(row, {start, n});
      return;
    }
    case TypeId::kStruct:
      for (size_t k = 0; k < out.num_children(); ++k) decode_row(r, out.child(k), row);
      return;
  }
}

void decode_into(std::string_view enc, Vector& out, size_t row) {
  ByteReader r(as_bytes(enc));
  decode_row(r, out, row);
}

// Writes encoded values as the ARRAY in physical row `row` of `out`.
template <typename Container>
void write_encoded_array(const Container& values, Vector& out, uint32_t row) {
  auto n = static_cast<uint32_t>(values.size());
  uint32_t start = out.append_list_slots(n);
  uint32_t i = 0;
  for (const std::string& e : values) decode_into(e, out.child(0), start + i++);
  out.set_valid(row);
  out.set_list_entry(row, {start, n});
}

// A list of encoded values: uvarint n, n x (uvarint length, encoding).
template <typename Container>
void put_encoded_list(std::string& out, const Container& values) {
  put_uvarint(out, values.size());
  for (const std::string& v : values) put_bytes(out, v);
}

// Reads a list written by put_encoded_list, checking each value against `t`; add(std::string).
template <typename Add>
bool get_encoded_list(ByteReader& r, const Type& t, Add add) {
  uint64_t n = r.get_uvarint();
  if (!r.ok() || n > r.remaining()) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view enc = get_bytes(r);
    ByteReader check(as_bytes(enc));
    if (!r.ok() || !skip_encoded(check, t) || check.remaining() != 0) return false;
    add(std::string(enc));
  }
  return true;
}

// ---- Java's orderings ---------------------------------------------------------------------

// Java's Double.compare: numeric order, with -0.0 below 0.0 and NaN above everything.
int java_compare(double a, double b) {
  if (a < b) return -1;
  if (a > b) return 1;
  auto bits = [](double d) {
    uint64_t u = kCanonicalNan;
    if (!std::isnan(d)) std::memcpy(&u, &d, 8);
    return static_cast<int64_t>(u);
  };
  int64_t x = bits(a);
  int64_t y = bits(b);
  return x < y ? -1 : (x > y ? 1 : 0);
}

// The code point starting at s[i], or -1 when the UTF-8 there is malformed.
int32_t code_point_at(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(i);
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (len == 0 || i + len > s.size()) return -1;
  if (len == 1) return c;
  int32_t cp = c & (0x7f >> len);
  for (int k = 1; k < len; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return -1;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  return cp;
}

// Java's String.compareTo, which orders UTF-16 code units: it differs from UTF-8 byte order
// only between a supplementary character and one in U+E000..U+FFFF.
int java_compare(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  if (i == n) return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  auto continuation = [](char c) { return (static_cast<uint8_t>(c) & 0xc0) == 0x80; };
  while (i > 0 && (continuation(a[i]) || continuation(b[i]))) --i;
  int32_t ca = code_point_at(a, i);
  int32_t cb = code_point_at(b, i);
  if (ca < 0 || cb < 0) {
    return static_cast<uint8_t>(a[i]) < static_cast<uint8_t>(b[i]) ? -1 : 1;
  }
  auto first_unit = [](int32_t cp) { return cp < 0x10000 ? cp : 0xd800 + ((cp - 0x10000) >> 10); };
  int32_t ua = first_unit(ca);
  int32_t ub = first_unit(cb);
  if (ua != ub) return ua < ub ? -1 : 1;
  return ca < cb ? -1 : (ca > cb ? 1 : 0);
}

// Java's ByteBuffer.compareTo: bytes compared as signed values, then the length.
int java_compare_bytes(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    auto x = static_cast<int8_t>(a[i]);
    auto y = static_cast<int8_t>(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// ---- Ordered scalar keys (MIN, MAX, TOPK) -------------------------------------------------

// One non-null value of an orderable scalar type; which member is used depends on the type.
struct Key {
  int64_t i = 0;  // BOOLEAN excluded; INTEGER, BIGINT, DATE, TIME, TIMESTAMP
  double d = 0;
  Int128 dec = 0;
  std::string s;  // STRING, BYTES
};

// Heap estimates (libstdc++): a string's buffer (string_heap_bytes); a tree node (three pointers
// and a color) or a hash node (next pointer, cached hash) around its value.
constexpr size_t kTreeNode = 32;
constexpr size_t kHashNode = 16;
template <typename Strings>
size_t strings_heap(const Strings& strings) {
  size_t n = 0;
  for (const std::string& s : strings) n += sizeof(std::string) + string_heap_bytes(s);
  return n;
}
// A vector of strings: its strings and its spare slots.
size_t string_vector_heap(const std::vector<std::string>& v) {
  return strings_heap(v) + (v.capacity() - v.size()) * sizeof(std::string);
}

Key read_key(const Vector& v, size_t row) {
  Key k;
  switch (v.type().id()) {
    case TypeId::kInteger:
    case TypeId::kDate:
    case TypeId::kTime:
      k.i = v.get<int32_t>(row);
      break;
    case TypeId::kBigint:
    case TypeId::kTimestamp:
      k.i = v.get<int64_t>(row);
      break;
    case TypeId::kDouble:
      k.d = v.get<double>(row);
      break;
    case TypeId::kDecimal:
      k.dec = v.get<Int128>(row);
      break;
    default:
      k.s = std::string(v.get_string(row));
      break;
  }
  return k;
}

void write_key(Vector& out, size_t row, const Key& k) {
  out.set_valid(row);
  switch (out.type().id()) {
    case TypeId::kInteger:
    case TypeId::kDate:
    case TypeId::kTime:
      out.set<int32_t>(row, static_cast<int32_t>(k.i));
      break;
    case TypeId::kBigint:
    case TypeId::kTimestamp:
      out.set<int64_t>(row, k.i);
      break;
    case TypeId::kDouble:
      out.set<double>(row, k.d);
      break;
    case TypeId::kDecimal:
      out.set<Int128>(row, k.dec);
      break;
    default:
      out.set_string(row, k.s);
      break;
  }
}

int compare_keys(TypeId t, const Key& a, const Key& b) {
  switch (t) {
    case TypeId::kDouble:
      return java_compare(a.d, b.d);
    case TypeId::kDecimal:
      return a.dec < b.dec ? -1 : (a.dec > b.dec ? 1 : 0);
    case TypeId::kString:
      return java_compare(a.s, b.s);
    case TypeId::kBytes:
      return java_compare_bytes(a.s, b.s);
    default:
      return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  }
}

void put_key(std::string& o, TypeId t, const Key& k) {
  switch (t) {
    case TypeId::kDouble:
      put_double(o, k.d);
      break;
    case TypeId::kDecimal:
      put_i128(o, k.dec);
      break;
    case TypeId::kString:
    case TypeId::kBytes:
      put_bytes(o, k.s);
      break;
    default:
      put_varint(o, k.i);
      break;
  }
}

Key get_key(ByteReader& r, TypeId t) {
  Key k;
  switch (t) {
    case TypeId::kDouble:
      k.d = r.get_double();
      break;
    case TypeId::kDecimal:
      k.dec = get_i128(r);
      break;
    case TypeId::kString:
    case TypeId::kBytes:
      k.s = std::string(get_bytes(r));
      break;
    case TypeId::kInteger:
    case TypeId::kDate:
    case TypeId::kTime:
      k.i = r.get_varint32();
      break;
    default:
      k.i = r.get_varint();
      break;
  }
  return k;
}

// ---- Accumulator plumbing -----------------------------------------------------------------

// Java's wrapping integer arithmetic.
int64_t wrap_add(int64_t a, int64_t b, bool int32) {
  auto s = static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  return int32 ? static_cast<int32_t>(static_cast<uint32_t>(s)) : s;
}
int64_t wrap_sub(int64_t a, int64_t b, bool int32) {
  auto s = static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
  return int32 ? static_cast<int32_t>(static_cast<uint32_t>(s)) : s;
}
int64_t wrap_mul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}

// Reads a numeric argument as int64 (INTEGER, BIGINT) or double.
int64_t int_arg(const Vector& v, uint32_t row) {
  return v.type().id() == TypeId::kInteger ? v.get<int32_t>(row) : v.get<int64_t>(row);
}

void write_double(Vector& out, uint32_t row, double d) {
  out.set_valid(row);
  out.set<double>(row, d);
}
void write_bigint(Vector& out, uint32_t row, int64_t n) {
  out.set_valid(row);
  out.set<int64_t>(row, n);
}

// The accumulator of type State lives in the operator's aligned bytes.
template <typename State>
class Aggregate : public AggregateFunction {
  static_assert(alignof(State) <= alignof(std::max_align_t));

 public:
  size_t state_size() const override { return sizeof(State); }
  void init(std::byte* s) const override { new (s) State(); }
  void destroy(std::byte* s) const override { st(s).~State(); }
  // Functions that are not TableUdafs never see retract().
  bool supports_tables() const override { return false; }
  void retract(std::byte*, std::span<const Vector* const>, uint32_t) const override {}

 protected:
  Aggregate(std::string name, Type result, std::vector<Type> params,
            std::optional<Type> intermediate = std::nullopt)
      : AggregateFunction(std::move(name), std::move(result), std::move(params),
                          std::move(intermediate)) {}

  static State& st(std::byte* s) { return *std::launder(reinterpret_cast<State*>(s)); }
  static const State& st(const std::byte* s) {
    return *std::launder(reinterpret_cast<const State*>(s));
  }
  const Type& arg_type(size_t i = 0) const { return param_types()[i]; }
};

// ---- COUNT --------------------------------------------------------------------------------

struct CountState {
  int64_t n = 0;
};

// COUNT(*) / COUNT() when it has no parameter: every row counts.
class Count final : public Aggregate<CountState> {
 public:
  Count(std::string name, std::vector<Type> params)
      : Aggregate(std::move(name), Type::bigint(), std::move(params)) {}
  bool supports_tables() const override { return true; }
  void update(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    if (args.empty() || !args[0]->is_null(row)) ++st(s).n;
  }
  void retract(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    if (args.empty() || !args[0]->is_null(row)) --st(s).n;
  }
  bool supports_merge() const override { return true; }
  void merge(std::byte* into, const std::byte* from) const override { st(into).n += st(from).n; }
  void finalize(const std::byte* s, Vector& out, uint32_t row) const override {
    write_bigint(out, row, st(s).n);
  }
  void serialize(const std::byte* s, std::string& out) const override { put_varint(out, st(s).n); }
  Status deserialize(std::byte* s, std::string_view& in) const override {
    return read_from(in, name(), [&](ByteReader& r) {
      st(s).n = r.get_varint();
      return true;
    });
  }
};

// ---- COUNT_DISTINCT -----------------------------------------------------------------------

struct DistinctState {
  std::set<std::string> seen;  // ordered, so that equal states serialize to equal bytes
};

class CountDistinct final : public Aggregate<DistinctState> {
 public:
  // ksqlDB keeps a HyperLogLog's registers: ARRAY<INTEGER>.
  CountDistinct(std::string name, Type arg)
      : Aggregate(std::move(name), Type::bigint(), {std::move(arg)}, Type::array(Type::integer())) {
  }
  void update(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    if (!args[0]->is_null(row)) st(s).seen.insert(encode(*args[0], row));
  }
  bool has_heap() const override { return true; }
  size_t heap_bytes(const std::byte* s) const override {
    return strings_heap(st(s).seen) + st(s).seen.size() * kTreeNode;
  }
  void finalize(const std::byte* s, Vector& out, uint32_t row) const override {
    write_bigint(out, row, static_cast<int64_t>(st(s).seen.size()));
  }
  void serialize(const std::byte* s, std::string& out) const override {
    put_encoded_list(out, st(s).seen);
  }
  Status deserialize(std::byte* s, std::string_view& in) const override {
    DistinctState& d = st(s);
    d.seen.clear();
    return read_from(in, name(), [&](ByteReader& r) {
      return get_encoded_list(r, arg_type(), [&](std::string e) { d.seen.insert(std::move(e)); });
    });
  }
};

// ---- SUM, SUM_LIST -----------------------------------------------------------------------

struct SumState {
  int64_t i = 0;  // INTEGER (kept wrapped to 32 bits), BIGINT
  double d = 0;
  Int128 dec = 0;
  bool overflowed = false;  // the exact DECIMAL sum left 128 bits: NULL from then on
};

// SUM(x), and SUM_LIST(array) (ksqlDB's ListSumUdaf): each input adds the sum of the array's
// non-NULL elements, taken first (from 0, wrapping for INTEGER) and then added to the running sum
// as Java does; a NULL array adds nothing. The result type is the summed values' type.
class Sum final : public Aggregate<SumState> {
 public:
  Sum(std::string name, const Type& value, bool list)
      : Aggregate(std::move(name), value, {list ? Type::array(value) : value}), list_(list) {}
  bool supports_tables() const override { return true; }
  void update(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    add(st(s), *args[0], row, false);
  }
  void retract(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    add(st(s), *args[0], row, true);
  }
  bool supports_merge() const override { return true; }
  void merge(std::byte* into, const std::byte* from) const override {
    SumState& a = st(into);
    const SumState& b = st(from);
    a.i = wrap_add(a.i, b.i, value_type().id() == TypeId::kInteger);
    a.d += b.d;
    Int128 r;
    if (__builtin_add_overflow(a.dec, b.dec, &r)) a.overflowed = true;
    a.dec = r;
    a.overflowed = a.overflowed || b.overflowed;
  }
  void finalize(const std::byte* s, Vector& out, uint32_t row) const override {
    const SumState& a = st(s);
    out.set_valid(row);
    switch (value_type().id()) {
      case TypeId::kInteger:
        out.set<int32_t>(row, static_cast<int32_t>(a.i));
        return;
      case TypeId::kBigint:
        out.set<int64_t>(row, a.i);
        return;
      case TypeId::kDouble:
        out.set<double>(row, a.d);
        return;
      default: {
        // ksqlDB fails when |sum| >= 10^(precision - scale), i.e. |unscaled| >= 10^precision:
        // the sum does not fit the type.
        Int128 limit = format::pow10_i128(value_type().precision());
        if (a.overflowed || a.dec >= limit || a.dec <= -limit) {
          out.set_null(row);
        } else {
          out.set<Int128>(row, a.dec);
        }
        return;
      }
    }
  }
  void serialize(const std::byte* s, std::string& out) const override {
    const SumState& a = st(s);
    switch (value_type().id()) {
      case TypeId::kInteger:
      case TypeId::kBigint:
        put_varint(out, a.i);
        return;
      case TypeId::kDouble:
        put_double(out, a.d);
        return;
      default:
        put_i128(out, a.dec);
        put_u8(out, a.overflowed ? 1 : 0);
        return;
    }
  }
  Status deserialize(std::byte* s, std::string_view& in) const override {
    SumState& a = st(s);
    return read_from(in, name(), [&](ByteReader& r) {
      switch (value_type().id()) {
        case TypeId::kInteger:
          a.i = r.get_varint32();
          break;
        case TypeId::kBigint:
          a.i = r.get_varint();
          break;
        case TypeId::kDouble:
          a.d = r.get_double();
          break;
        default:
          a.dec = get_i128(r);
          a.overflowed = r.get_u8() != 0;
          break;
      }
      return true;
    });
  }

 private:
  // The type of the values summed (and of the result).
  const Type& value_type() const { return result_type(); }

  void add(SumState& a, const Vector& v, uint32_t row, bool subtract) const {
    if (v.is_null(row)) return;
    switch (value_type().id()) {
      case TypeId::kInteger:
      case TypeId::kBigint: {
        bool int32 = value_type().id() == TypeId::kInteger;
        int64_t x = 0;
        if (list_) {
          format::ListEntry e = v.list_entry(row);
          const Vector& el = v.child(0);
          for (uint32_t k = 0; k < e.length; ++k) {
            if (!el.is_null(e.offset + k)) x = wrap_add(x, int_arg(el, e.offset + k), int32);
          }
        } else {
          x = int_arg(v, row);
        }
        a.i = subtract ? wrap_sub(a.i, x, int32) : wrap_add(a.i, x, int32);
        return;
      }
      case TypeId::kDouble: {
        double x = 0.0;
        if (list_) {
          format::ListEntry e = v.list_entry(row);
          const Vector& el = v.child(0);
          for (uint32_t k = 0; k < e.length; ++k) {
            if (!el.is_null(e.offset + k)) x += el.get<double>(e.offset + k);
          }
        } else {
          x = v.get<double>(row);
        }
        a.d = subtract ? a.d - x : a.d + x;
        return;
      }
      default: {
        Int128 x = v.get<Int128>(row);
        Int128 r;
        bool ovf =
            subtract ? __builtin_sub_overflow(a.dec, x, &r) : __builtin_add_overflow(a.dec, x, &r);
        if (ovf) a.overflowed = true;
        a.dec = r;
        return;
      }
    }
  }

  bool list_;
};

// ---- AVG and the STDDEV family ------------------------------------------------------------

// Count and sum, plus Youngs-Cramer's M2 (sum of squared deviations) for the STDDEV family.
struct MomentsState {
  int64_t count = 0;
  int64_t sum_i = 0;  // INTEGER (wrapped to 32 bits as ksqlDB's), BIGINT
  double sum_d = 0;
  double m2 = 0;
};

enum class Moment : uint8_t { kAvg, kVarianceSamp, kStddevSamp, kStddevPop };

class Moments final : public Aggregate<MomentsState> {
 public:
  Moments(std::string name, const Type& arg, Moment kind)
      : Aggregate(std::move(name), Type::double_(), {arg}, intermediate(arg, kind)), kind_(kind) {}
  bool supports_tables() const override { return true; }

  void update(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    if (args[0]->is_null(row)) return;
    MomentsState& a = st(s);
    ++a.count;
    // Youngs-Cramer: with n values and their sum S (both including x), M2 grows by
    // (n*x - S)^2 / (n * (n - 1)).
    if (is_int()) {
      int64_t x = int_arg(*args[0], row);
      a.sum_i = wrap_add(a.sum_i, x, int32());
      if (a.count > 1 && kind_ != Moment::kAvg)
        add_m2(a, wrap_sub(wrap_mul(x, a.count), a.sum_i, false), a.count, 1);
    } else {
      double x = args[0]->get<double>(row);
      a.sum_d += x;
      if (a.count > 1 && kind_ != Moment::kAvg)
        add_m2(a, x * static_cast<double>(a.count) - a.sum_d, a.count, 1);
    }
  }

  void retract(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    if (args[0]->is_null(row)) return;
    MomentsState& a = st(s);
    // The reverse step: with n values and their sum S still including x, M2 shrinks by
    // (n*x - S)^2 / (n * (n - 1)).
    if (is_int()) {
      int64_t x = int_arg(*args[0], row);
      if (a.count > 1 && kind_ != Moment::kAvg)
        add_m2(a, wrap_sub(wrap_mul(x, a.count), a.sum_i, false), a.count, -1);
      a.sum_i = wrap_sub(a.sum_i, x, int32());
    } else {
      double x = args[0]->get<double>(row);
      if (a.count > 1 && kind_ != Moment::kAvg)
        add_m2(a, x * static_cast<double>(a.count) - a.sum_d, a.count, -1);
      a.sum_d -= x;
    }
    if (--a.count <= 0) a = MomentsState{};  // drop the rounding residue with the last value
  }

  // Chan et al.'s combination: M2 = M2a + M2b + (mean_b - mean_a)^2 * na * nb / (na + nb).
  bool supports_merge() const override { return true; }
  void merge(std::byte* into, const std::byte* from) const override {
    MomentsState& a = st(into);
    const MomentsState& b = st(from);
    if (b.count == 0) return;
    if (a.count == 0) {
      a = b;
      return;
    }
    auto na = static_cast<double>(a.count);
    auto nb = static_cast<double>(b.count);
    double sa = is_int() ? static_cast<double>(a.sum_i) : a.sum_d;
    double sb = is_int() ? static_cast<double>(b.sum_i) : b.sum_d;
    double delta = sb / nb - sa / na;
    a.m2 += b.m2 + delta * delta * na * nb / (na + nb);
    a.count += b.count;
    a.sum_i = wrap_add(a.sum_i, b.sum_i, int32());
    a.sum_d += b.sum_d;
  }

  void finalize(const std::byte* s, Vector& out, uint32_t row) const override {
    const MomentsState& a = st(s);
    auto n = static_cast<double>(a.count);
    double r = 0.0;
    switch (kind_) {
      case Moment::kAvg:
        if (a.count > 0) r = (is_int() ? static_cast<double>(a.sum_i) : a.sum_d) / n;
        break;
      case Moment::kVarianceSamp:
        if (a.count > 1) r = a.m2 / (n - 1);
        break;
      case Moment::kStddevSamp:
        if (a.count > 1) r = std::sqrt(a.m2 / (n - 1));
        break;
      case Moment::kStddevPop:
        if (a.count > 0) r = std::sqrt(a.m2 / n);
        break;
    }
    write_double(out, row, r);
  }

  void serialize(const std::byte* s, std::string& out) const override {
    const MomentsState& a = st(s);
    put_varint(out, a.count);
    if (is_int()) {
      put_varint(out, a.sum_i);
    } else {
      put_double(out, a.sum_d);
    }
    if (kind_ != Moment::kAvg) put_double(out, a.m2);
  }
  Status deserialize(std::byte* s, std::string_view& in) const override {
    MomentsState& a = st(s);
    return read_from(in, name(), [&](ByteReader& r) {
      a.count = r.get_varint();
      if (is_int()) {
        a.sum_i = int32() ? r.get_varint32() : r.get_varint();
      } else {
        a.sum_d = r.get_double();
      }
      if (kind_ != Moment::kAvg) a.m2 = r.get_double();
      return a.count >= 0;
    });
  }

 private:
  // ksqlDB's: AVG keeps STRUCT<SUM, COUNT>, the standard deviations STRUCT<SUM, COUNT, M2>.
  static Type intermediate(const Type& arg, Moment kind) {
    if (kind == Moment::kAvg) return Type::struct_({{"SUM", arg}, {"COUNT", Type::bigint()}});
    return Type::struct_({{"SUM", arg}, {"COUNT", Type::integer()}, {"M2", Type::double_()}});
  }
  bool is_int() const { return arg_type().id() != TypeId::kDouble; }
  bool int32() const { return arg_type().id() == TypeId::kInteger; }
  template <typename D>
  static void add_m2(MomentsState& a, D delta_in, int64_t n, int sign) {
    auto delta = static_cast<double>(delta_in);
    auto nd = static_cast<double>(n);
    a.m2 += sign * (delta * delta / (nd * (nd - 1)));
  }

  Moment kind_;
};

// ---- CORRELATION --------------------------------------------------------------------------

struct CorrelationState {
  int64_t count = 0;
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
};

class Correlation final : public Aggregate<CorrelationState> {
 public:
  // ksqlDB keeps a STRUCT of the running sums.
  explicit Correlation(std::string name)
      : Aggregate(std::move(name), Type::double_(), {Type::double_(), Type::double_()},
                  Type::struct_({{"X_SUM", Type::double_()},
                                 {"Y_SUM", Type::double_()},
                                 {"X_SQUARED_SUM", Type::double_()},
                                 {"Y_SQUARED_SUM", Type::double_()},
                                 {"XY_SUM", Type::double_()},
                                 {"COUNT", Type::bigint()}})) {}
  bool supports_tables() const override { return true; }
  void update(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    add(s, args, row, 1);
  }
  void retract(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    add(s, args, row, -1);
  }
  void finalize(const std::byte* s, Vector& out, uint32_t row) const override {
    // The single-pass formula ksqlDB uses; NaN (0/0) with fewer than two distinct points.
    const CorrelationState& a = st(s);
    auto n = static_cast<double>(a.count);
    double num = n * a.sxy - a.sx * a.sy;
    double den = std::sqrt((n * a.sxx - a.sx * a.sx) * (n * a.syy - a.sy * a.sy));
    write_double(out, row, num / den);
  }
  void serialize(const std::byte* s, std::string& out) const override {
    const CorrelationState& a = st(s);
    put_varint(out, a.count);
    for (double d : {a.sx, a.sy, a.sxx, a.syy, a.sxy}) put_double(out, d);
  }
  Status deserialize(std::byte* s, std::string_view& in) const override {
    CorrelationState& a = st(s);
    return read_from(in, name(), [&](ByteReader& r) {
      a.count = r.get_varint();
      for (double* d : {&a.sx, &a.sy, &a.sxx, &a.syy, &a.sxy}) *d = r.get_double();
      return true;
    });
  }

 private:
  void add(std::byte* s, std::span<const Vector* const> args, uint32_t row, int sign) const {
    if (args[0]->is_null(row) || args[1]->is_null(row)) return;
    CorrelationState& a = st(s);
    double x = args[0]->get<double>(row);
    double y = args[1]->get<double>(row);
    a.count += sign;
    a.sx += sign * x;
    a.sy += sign * y;
    a.sxx += sign * x * x;
    a.syy += sign * y * y;
    a.sxy += sign * x * y;
  }
};

// ---- MIN, MAX -----------------------------------------------------------------------------

struct ExtremeState {
  bool present = false;
  Key key;
};

class Extreme final : public Aggregate<ExtremeState> {
 public:
  Extreme(std::string name, const Type& arg, bool max)
      : Aggregate(std::move(name), arg, {arg}), max_(max) {}
  void update(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    if (args[0]->is_null(row)) return;
    ExtremeState& a = st(s);
    Key k = read_key(*args[0], row);
    int c = a.present ? compare_keys(arg_type().id(), k, a.key) : 0;
    if (!a.present || (max_ ? c > 0 : c < 0)) {
      a.key = std::move(k);
      a.present = true;
    }
  }
  bool supports_merge() const override { return true; }
  void merge(std::byte* into, const std::byte* from) const override {
    ExtremeState& a = st(into);
    const ExtremeState& b = st(from);
    if (!b.present) return;
    int c = a.present ? compare_keys(arg_type().id(), b.key, a.key) : 0;
    if (!a.present || (max_ ? c > 0 : c < 0)) {
      a.key = b.key;
      a.present = true;
    }
  }
  bool has_heap() const override {
    return arg_type().id() == TypeId::kString || arg_type().id() == TypeId::kBytes;
  }
  size_t heap_bytes(const std::byte* s) const override { return string_heap_bytes(st(s).key.s); }
  void finalize(const std::byte* s, Vector& out, uint32_t row) const override {
    const ExtremeState& a = st(s);
    if (a.present) {
      write_key(out, row, a.key);
    } else {
      out.set_null(row);
    }
  }
  void serialize(const std::byte* s, std::string& out) const override {
    const ExtremeState& a = st(s);
    put_u8(out, a.present ? 1 : 0);
    if (a.present) put_key(out, arg_type().id(), a.key);
  }
  Status deserialize(std::byte* s, std::string_view& in) const override {
    ExtremeState& a = st(s);
    return read_from(in, name(), [&](ByteReader& r) {
      uint8_t present = r.get_u8();
      a.present = present == 1;
      if (a.present) a.key = get_key(r, arg_type().id());
      return present <= 1;
    });
  }

 private:
  bool max_;
};

// ---- LATEST_BY_OFFSET, EARLIEST_BY_OFFSET -------------------------------------------------

struct ByOffsetState {
  // Encoded, oldest first; at most n (a vector: most groups keep one value, and an empty vector,
  // unlike a deque, allocates nothing).
  std::vector<std::string> values;
};

// The operator calls update() in offset order per group, so "latest" is the last update.
class ByOffset final : public Aggregate<ByOffsetState> {
 public:
  // n == 0: the single-value form (result T); else the latest/earliest n (result ARRAY<T>).
  // ksqlDB keeps STRUCT<SEQ BIGINT, VAL T> (an ARRAY of them for n values).
  ByOffset(std::string name, const Type& arg, bool latest, uint32_t n, bool ignore_nulls)
      : Aggregate(std::move(name), n == 0 ? arg : Type::array(arg), {arg},
                  n == 0 ? sequenced(arg) : Type::array(sequenced(arg))),
        latest_(latest),
        n_(n),
        ignore_nulls_(ignore_nulls) {}
  void update(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    if (ignore_nulls_ && args[0]->is_null(row)) return;
    std::vector<std::string>& v = st(s).values;
    size_t cap = n_ == 0 ? 1 : n_;
    if (latest_) {
      std::string e = encode(*args[0], row);
      if (v.size() < cap) {
        v.push_back(std::move(e));
      } else {
        // The oldest goes (cap is small: ksqlDB's n, at most 1000).
        std::move(v.begin() + 1, v.end(), v.begin());
        v.back() = std::move(e);
      }
    } else if (v.size() < cap) {
      v.push_back(encode(*args[0], row));
    }
  }
  bool has_heap() const override { return true; }
  size_t heap_bytes(const std::byte* s) const override { return string_vector_heap(st(s).values); }
  void finalize(const std::byte* s, Vector& out, uint32_t row) const override {
    const std::vector<std::string>& v = st(s).values;
    if (n_ == 0) {
      if (v.empty()) {
        format::set_null_row(out, row);
      } else {
        decode_into(v.front(), out, row);
      }
      return;
    }
    write_encoded_array(v, out, row);
  }
  void serialize(const std::byte* s, std::string& out) const override {
    put_encoded_list(out, st(s).values);
  }
  Status deserialize(std::byte* s, std::string_view& in) const override {
    std::vector<std::string>& v = st(s).values;
    v.clear();
    return read_from(in, name(), [&](ByteReader& r) {
      bool ok = get_encoded_list(r, arg_type(), [&](std::string e) { v.push_back(std::move(e)); });
      return ok && v.size() <= (n_ == 0 ? 1 : n_);
    });
  }

 private:
  static Type sequenced(const Type& arg) {
    return Type::struct_({{"SEQ", Type::bigint()}, {"VAL", arg}});
  }
  bool latest_;
  uint32_t n_;
  bool ignore_nulls_;
};

// ---- COLLECT_LIST, COLLECT_SET ------------------------------------------------------------

struct CollectState {
  std::vector<std::string> values;       // encoded, in arrival order; NULLs kept as ksqlDB does
  std::unordered_set<std::string> seen;  // COLLECT_SET only
};

class Collect final : public Aggregate<CollectState> {
 public:
  Collect(std::string name, const Type& arg, bool distinct, size_t limit)
      : Aggregate(std::move(name), Type::array(arg), {arg}), distinct_(distinct), limit_(limit) {}
  // ksqlDB's COLLECT_SET is not a TableUdaf.
  bool supports_tables() const override { return !distinct_; }
  void update(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    CollectState& a = st(s);
    if (a.values.size() >= limit_) return;
    std::string e = encode(*args[0], row);
    if (distinct_ && !a.seen.insert(e).second) return;
    a.values.push_back(std::move(e));
  }
  // Removes the last equal value, as ksqlDB's undo does; one never collected (past the limit)
  // is not there to remove.
  void retract(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    CollectState& a = st(s);
    std::string e = encode(*args[0], row);
    auto it = std::find(a.values.rbegin(), a.values.rend(), e);
    if (it == a.values.rend()) return;
    a.values.erase(std::next(it).base());
    a.seen.erase(e);
  }
  bool supports_merge() const override { return true; }
  void merge(std::byte* into, const std::byte* from) const override {
    CollectState& a = st(into);
    for (const std::string& e : st(from).values) {
      if (a.values.size() >= limit_) return;
      if (distinct_ && !a.seen.insert(e).second) continue;
      a.values.push_back(e);
    }
  }
  bool has_heap() const override { return true; }
  size_t heap_bytes(const std::byte* s) const override {
    const CollectState& a = st(s);
    size_t n = string_vector_heap(a.values);
    if (distinct_) {
      n += strings_heap(a.seen) + a.seen.size() * kHashNode + a.seen.bucket_count() * sizeof(void*);
    }
    return n;
  }
  void finalize(const std::byte* s, Vector& out, uint32_t row) const override {
    write_encoded_array(st(s).values, out, row);
  }
  void serialize(const std::byte* s, std::string& out) const override {
    put_encoded_list(out, st(s).values);
  }
  Status deserialize(std::byte* s, std::string_view& in) const override {
    CollectState& a = st(s);
    a.values.clear();
    a.seen.clear();
    return read_from(in, name(), [&](ByteReader& r) {
      bool ok = get_encoded_list(r, arg_type(), [&](std::string e) {
        if (distinct_) a.seen.insert(e);
        a.values.push_back(std::move(e));
      });
      return ok && a.values.size() <= limit_;
    });
  }

 private:
  bool distinct_;
  size_t limit_;  // ksql.functions.collect_{list,set}.limit
};

// ---- TOPK, TOPKDISTINCT -------------------------------------------------------------------

struct TopEntry {
  Key key;
  std::string extra;  // TOPK(sort_col, col0, ..., k): the other columns, encoded back to back
};

struct TopState {
  std::vector<TopEntry> entries;  // descending; equal keys in arrival order
};

class TopK final : public Aggregate<TopState> {
 public:
  // params: the sort column, then the extra columns of the struct form.
  TopK(std::string name, Type result, std::vector<Type> params, uint32_t k, bool distinct)
      : Aggregate(std::move(name), std::move(result), std::move(params)),
        k_(k),
        distinct_(distinct) {}
  void update(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    if (args[0]->is_null(row)) return;
    std::vector<TopEntry>& v = st(s).entries;
    TopEntry e{read_key(*args[0], row), {}};
    const TypeId t = arg_type().id();
    // After every entry that is not smaller, so that equal keys keep their arrival order.
    auto pos = std::find_if(v.begin(), v.end(),
                            [&](const TopEntry& x) { return compare_keys(t, x.key, e.key) < 0; });
    if (distinct_ && pos != v.begin() && compare_keys(t, std::prev(pos)->key, e.key) == 0) return;
    if (static_cast<size_t>(pos - v.begin()) >= k_) return;
    for (size_t i = 1; i < args.size(); ++i) encode_row(*args[i], row, e.extra);
    v.insert(pos, std::move(e));
    if (v.size() > k_) v.pop_back();
  }
  bool has_heap() const override { return true; }
  size_t heap_bytes(const std::byte* s) const override {
    const std::vector<TopEntry>& v = st(s).entries;
    size_t n = v.capacity() * sizeof(TopEntry);
    for (const TopEntry& e : v) n += string_heap_bytes(e.key.s) + string_heap_bytes(e.extra);
    return n;
  }
  void finalize(const std::byte* s, Vector& out, uint32_t row) const override {
    const std::vector<TopEntry>& v = st(s).entries;
    auto n = static_cast<uint32_t>(v.size());
    uint32_t start = out.append_list_slots(n);
    Vector& el = out.child(0);
    for (uint32_t i = 0; i < n; ++i) {
      if (param_types().size() == 1) {
        write_key(el, start + i, v[i].key);
        continue;
      }
      el.set_valid(start + i);
      write_key(el.child(0), start + i, v[i].key);
      ByteReader r(as_bytes(v[i].extra));
      for (size_t c = 1; c < param_types().size(); ++c) decode_row(r, el.child(c), start + i);
    }
    out.set_valid(row);
    out.set_list_entry(row, {start, n});
  }
  void serialize(const std::byte* s, std::string& out) const override {
    const std::vector<TopEntry>& v = st(s).entries;
    put_uvarint(out, v.size());
    for (const TopEntry& e : v) {
      put_key(out, arg_type().id(), e.key);
      put_bytes(out, e.extra);
    }
  }
  Status deserialize(std::byte* s, std::string_view& in) const override {
    std::vector<TopEntry>& v = st(s).entries;
    v.clear();
    return read_from(in, name(), [&](ByteReader& r) {
      uint64_t n = r.get_uvarint();
      if (!r.ok() || n > k_) return false;
      for (uint64_t i = 0; i < n; ++i) {
        TopEntry e{get_key(r, arg_type().id()), std::string(get_bytes(r))};
        ByteReader check(as_bytes(e.extra));
        for (size_t c = 1; c < param_types().size(); ++c) {
          if (!skip_encoded(check, param_types()[c])) return false;
        }
        if (!r.ok() || check.remaining() != 0) return false;
        v.push_back(std::move(e));
      }
      return true;
    });
  }

 private:
  uint32_t k_;
  bool distinct_;
};

// ---- HISTOGRAM ----------------------------------------------------------------------------

struct HistogramState {
  std::map<std::string, int64_t, std::less<>> counts;  // the result's entries, by key
  int64_t nulls = 0;  // the NULL key's count (ksqlDB counts NULLs too), no entry when 0
  size_t size() const { return counts.size() + (nulls > 0 ? 1 : 0); }
};

class Histogram final : public Aggregate<HistogramState> {
 public:
  explicit Histogram(std::string name)
      : Aggregate(std::move(name), Type::map(Type::string(), Type::bigint()), {Type::string()}) {}
  bool supports_tables() const override { return true; }
  // A new key (NULL included, as in ksqlDB's HashMap) only while there are fewer than the limit.
  void update(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    HistogramState& h = st(s);
    if (args[0]->is_null(row)) {
      if (h.nulls > 0 || h.size() < kHistogramLimit) ++h.nulls;
      return;
    }
    std::string_view key = args[0]->get_string(row);
    auto it = h.counts.find(key);
    if (it != h.counts.end()) {
      ++it->second;
    } else if (h.size() < kHistogramLimit) {
      h.counts.emplace(std::string(key), 1);
    }
  }
  void retract(std::byte* s, std::span<const Vector* const> args, uint32_t row) const override {
    HistogramState& h = st(s);
    if (args[0]->is_null(row)) {
      if (h.nulls > 0) --h.nulls;
      return;
    }
    auto it = h.counts.find(args[0]->get_string(row));
    if (it != h.counts.end() && --it->second < 1) h.counts.erase(it);
  }
  // The NULL key first, then the others by key.
  bool has_heap() const override { return true; }
  size_t heap_bytes(const std::byte* s) const override {
    size_t n = 0;
    for (const auto& [key, count] : st(s).counts) {
      n += kTreeNode + sizeof(std::string) + sizeof(int64_t) + string_heap_bytes(key);
    }
    return n;
  }
  void finalize(const std::byte* s, Vector& out, uint32_t row) const override {
    const HistogramState& h = st(s);
    auto n = static_cast<uint32_t>(h.size());
    uint32_t start = out.append_list_slots(n);
    uint32_t i = start;
    if (h.nulls > 0) {
      format::set_null_row(out.child(0), i);
      write_bigint(out.child(1), i++, h.nulls);
    }
    for (const auto& [key, count] : h.counts) {
      out.child(0).set_valid(i);
      out.child(0).set_string(i, key);
      write_bigint(out.child(1), i++, count);
    }
    out.set_valid(row);
    out.set_list_entry(row, {start, n});
  }
  void serialize(const std::byte* s, std::string& out) const override {
    const HistogramState& h = st(s);
    put_uvarint(out, h.counts.size());
    for (const auto& [key, count] : h.counts) {
      put_bytes(out, key);
      put_varint(out, count);
    }
    put_varint(out, h.nulls);
  }
  Status deserialize(std::byte* s, std::string_view& in) const override {
    HistogramState& h = st(s);
    h.counts.clear();
    h.nulls = 0;
    return read_from(in, name(), [&](ByteReader& r) {
      uint64_t n = r.get_uvarint();
      if (!r.ok() || n > kHistogramLimit) return false;
      for (uint64_t i = 0; i < n; ++i) {
        std::string key(get_bytes(r));
        int64_t count = r.get_varint();
        if (!r.ok() || count < 1) return false;
        h.counts[std::move(key)] = count;
      }
      h.nulls = r.get_varint();
      return r.ok() && h.nulls >= 0 && h.size() <= kHistogramLimit;
    });
  }
};

// ---- Resolution ---------------------------------------------------------------------------

using Args = std::span<const AggregateArg>;

std::string types_string(Args args) {
  std::string s = "(";
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) s += ", ";
    s += args[i].null_literal ? "null" : args[i].type.to_string();
  }
  return s + ")";
}

Status no_overload(std::string_view name, Args args) {
  return Status::invalid_argument(
      fmt::format("Function '{}' does not accept parameters {}.", name, types_string(args)));
}

Type scalar_type(TypeId id) {
  switch (id) {
    case TypeId::kInteger:
      return Type::integer();
    case TypeId::kBigint:
      return Type::bigint();
    case TypeId::kDouble:
      return Type::double_();
    case TypeId::kString:
      return Type::string();
    case TypeId::kBytes:
      return Type::bytes();
    case TypeId::kDate:
      return Type::date();
    case TypeId::kTime:
      return Type::time();
    default:
      return Type::timestamp();
  }
}

// The parameter type an argument binds to among `ids` (ksqlDB's UdfIndex): its own type when
// listed (a DECIMAL keeps its precision and scale), else the first reachable through implicit
// casts (INTEGER -> BIGINT -> DECIMAL -> DOUBLE). An untyped NULL takes the first.
std::optional<Type> bind(const AggregateArg& a, std::span<const TypeId> ids) {
  if (a.null_literal) return scalar_type(ids.front());
  if (std::find(ids.begin(), ids.end(), a.type.id()) != ids.end()) return a.type;
  for (TypeId id : ids) {
    std::optional<Type> to = id == TypeId::kDecimal ? format::to_decimal_type(a.type)
                                                    : std::optional<Type>(scalar_type(id));
    if (to && format::can_implicitly_cast(a.type, *to)) return to;
  }
  return std::nullopt;
}

// ksqlDB's error for configuring parameter `i` when it is not a literal.
Status not_literal(std::string_view name, Args args, size_t i) {
  std::string msg =
      fmt::format("Parameter {} passed to function {} must be a literal constant", i + 1, name);
  if (args[i].text.empty()) return Status::invalid_argument(msg + ".");
  return Status::invalid_argument(fmt::format("{}, but was expression: '{}'", msg, args[i].text));
}

// A configuring literal (TOPK's k, *_BY_OFFSET's n): an INTEGER literal >= 1.
Result<uint32_t> count_literal(std::string_view name, std::string_view what, Args args, size_t i) {
  const AggregateArg& a = args[i];
  if (!a.literal || a.literal->is_null()) return not_literal(name, args, i);
  int64_t n = a.literal->as_int();
  if (n < 1) {
    return Status::invalid_argument(
        fmt::format("{} must be 1 or greater, got {} in {}", what, n, name));
  }
  return static_cast<uint32_t>(n);
}

bool is_integer(const AggregateArg& a) {
  return !a.null_literal && a.type.id() == TypeId::kInteger;
}
bool is_boolean(const AggregateArg& a) {
  return !a.null_literal && a.type.id() == TypeId::kBoolean;
}

using Resolved = Result<AggregateFunctionPtr>;
using Resolver = Resolved (*)(const std::string& name, Args args, std::vector<size_t>& data,
                              const AggregateConfig& config);

// The types each function's overloads take, in widening order.
constexpr TypeId kNumeric[] = {TypeId::kInteger, TypeId::kBigint, TypeId::kDouble,
                               TypeId::kDecimal};
// No DECIMAL overload: a DECIMAL argument is cast to DOUBLE.
constexpr TypeId kMomentTypes[] = {TypeId::kInteger, TypeId::kBigint, TypeId::kDouble};
// SUM_LIST's array elements, matched exactly.
constexpr TypeId kListSumElements[] = {TypeId::kInteger, TypeId::kBigint, TypeId::kDouble};
constexpr TypeId kOrderable[] = {TypeId::kInteger,   TypeId::kBigint, TypeId::kDouble,
                                 TypeId::kDecimal,   TypeId::kDate,   TypeId::kTime,
                                 TypeId::kTimestamp, TypeId::kString, TypeId::kBytes};
constexpr TypeId kTopKTypes[] = {TypeId::kInteger, TypeId::kBigint, TypeId::kDouble,
                                 TypeId::kString};
constexpr TypeId kTopKDistinctTypes[] = {TypeId::kInteger, TypeId::kBigint, TypeId::kDouble,
                                         TypeId::kString, TypeId::kDecimal};
constexpr TypeId kDoubleOnly[] = {TypeId::kDouble};
constexpr TypeId kStringOnly[] = {TypeId::kString};

// One data argument bound among `ids`, then made into a function by `make`.
template <typename Make>
Resolved one_typed(const std::string& name, Args args, std::vector<size_t>& data,
                   std::span<const TypeId> ids, Make make) {
  if (args.size() != 1) return no_overload(name, args);
  std::optional<Type> t = bind(args[0], ids);
  if (!t) return no_overload(name, args);
  data = {0};
  return AggregateFunctionPtr(make(std::move(*t)));
}

// One data argument of any type (an untyped NULL has none).
template <typename Make>
Resolved one_generic(const std::string& name, Args args, std::vector<size_t>& data, Make make) {
  if (args.size() != 1 || args[0].null_literal) return no_overload(name, args);
  data = {0};
  return AggregateFunctionPtr(make(args[0].type));
}

Resolved resolve_count(const std::string& name, Args args, std::vector<size_t>& data,
                       const AggregateConfig& /*config*/) {
  if (args.empty()) return AggregateFunctionPtr(std::make_shared<Count>(name, std::vector<Type>{}));
  if (args.size() != 1) return no_overload(name, args);
  data = {0};
  return AggregateFunctionPtr(std::make_shared<Count>(name, std::vector<Type>{args[0].type}));
}

Resolved resolve_count_distinct(const std::string& name, Args args, std::vector<size_t>& data,
                                const AggregateConfig& /*config*/) {
  return one_generic(name, args, data,
                     [&](Type t) { return std::make_shared<CountDistinct>(name, std::move(t)); });
}

Resolved resolve_sum(const std::string& name, Args args, std::vector<size_t>& data,
                     const AggregateConfig& /*config*/) {
  return one_typed(name, args, data, kNumeric,
                   [&](const Type& t) { return std::make_shared<Sum>(name, t, false); });
}

// SUM_LIST(ARRAY<INTEGER | BIGINT | DOUBLE>): the array's element type must be one of them
// (ksqlDB's three ListSumUdaf factories).
Resolved resolve_sum_list(const std::string& name, Args args, std::vector<size_t>& data,
                          const AggregateConfig& /*config*/) {
  if (args.size() != 1 || args[0].null_literal || args[0].type.id() != TypeId::kArray) {
    return no_overload(name, args);
  }
  const Type& element = args[0].type.element();
  if (std::find(std::begin(kListSumElements), std::end(kListSumElements), element.id()) ==
      std::end(kListSumElements)) {
    return no_overload(name, args);
  }
  data = {0};
  return AggregateFunctionPtr(std::make_shared<Sum>(name, element, true));
}

template <Moment kKind>
Resolved resolve_moment(const std::string& name, Args args, std::vector<size_t>& data,
                        const AggregateConfig& /*config*/) {
  return one_typed(name, args, data, kMomentTypes,
                   [&](const Type& t) { return std::make_shared<Moments>(name, t, kKind); });
}

template <bool kMax>
Resolved resolve_extreme(const std::string& name, Args args, std::vector<size_t>& data,
                         const AggregateConfig& /*config*/) {
  return one_typed(name, args, data, kOrderable,
                   [&](const Type& t) { return std::make_shared<Extreme>(name, t, kMax); });
}

Resolved resolve_correlation(const std::string& name, Args args, std::vector<size_t>& data,
                             const AggregateConfig& /*config*/) {
  if (args.size() != 2 || !bind(args[0], kDoubleOnly) || !bind(args[1], kDoubleOnly)) {
    return no_overload(name, args);
  }
  data = {0, 1};
  return AggregateFunctionPtr(std::make_shared<Correlation>(name));
}

// (x), (x, ignoreNulls), (x, n), (x, n, ignoreNulls); n and ignoreNulls literals.
template <bool kLatest>
Resolved resolve_by_offset(const std::string& name, Args args, std::vector<size_t>& data,
                           const AggregateConfig& /*config*/) {
  if (args.empty() || args.size() > 3 || args[0].null_literal) return no_overload(name, args);
  uint32_t n = 0;
  bool ignore_nulls = true;
  size_t next = 1;
  if (args.size() >= 2 && is_integer(args[1])) {
    SLUICE_ASSIGN_OR_RETURN(n, count_literal(name, kLatest ? "latestN" : "earliestN", args, 1));
    next = 2;
  }
  if (next < args.size()) {
    if (next + 1 != args.size() || !is_boolean(args[next])) return no_overload(name, args);
    if (!args[next].literal) return not_literal(name, args, next);
    ignore_nulls = args[next].literal->is_null() || args[next].literal->as_bool();
  }
  data = {0};
  return AggregateFunctionPtr(
      std::make_shared<ByOffset>(name, args[0].type, kLatest, n, ignore_nulls));
}

template <bool kDistinct>
Resolved resolve_collect(const std::string& name, Args args, std::vector<size_t>& data,
                         const AggregateConfig& config) {
  size_t limit = kDistinct ? config.collect_set_limit : config.collect_list_limit;
  return one_generic(name, args, data, [&](const Type& t) {
    return std::make_shared<Collect>(name, t, kDistinct, limit);
  });
}

// TOPK(x, k), TOPK(sort_col, col0, ..., k) -> ARRAY<STRUCT<sort_col, col0, ...>>,
// TOPKDISTINCT(x, k).
template <bool kDistinct>
Resolved resolve_topk(const std::string& name, Args args, std::vector<size_t>& data,
                      const AggregateConfig& /*config*/) {
  if (args.size() < 2 || (kDistinct && args.size() != 2) || !is_integer(args.back())) {
    return no_overload(name, args);
  }
  std::optional<Type> sort =
      kDistinct ? bind(args[0], kTopKDistinctTypes) : bind(args[0], kTopKTypes);
  if (!sort) return no_overload(name, args);
  SLUICE_ASSIGN_OR_RETURN(uint32_t k, count_literal(name, "k", args, args.size() - 1));
  std::vector<Type> params = {*sort};
  std::vector<Field> fields = {{"sort_col", *sort}};
  data = {0};
  for (size_t i = 1; i + 1 < args.size(); ++i) {
    if (args[i].null_literal) return no_overload(name, args);
    params.push_back(args[i].type);
    fields.push_back({fmt::format("col{}", i - 1), args[i].type});
    data.push_back(i);
  }
  Type element = params.size() == 1 ? *sort : Type::struct_(std::move(fields));
  return AggregateFunctionPtr(std::make_shared<TopK>(name, Type::array(std::move(element)),
                                                     std::move(params), k, kDistinct));
}

Resolved resolve_histogram(const std::string& name, Args args, std::vector<size_t>& data,
                           const AggregateConfig& /*config*/) {
  return one_typed(name, args, data, kStringOnly,
                   [&](const Type&) { return std::make_shared<Histogram>(name); });
}

struct Entry {
  std::string_view name;
  Resolver resolve;
};

constexpr Entry kFunctions[] = {
    {"AVG", resolve_moment<Moment::kAvg>},
    {"COLLECT_LIST", resolve_collect<false>},
    {"COLLECT_SET", resolve_collect<true>},
    {"CORRELATION", resolve_correlation},
    {"COUNT", resolve_count},
    {"COUNT_DISTINCT", resolve_count_distinct},
    {"EARLIEST_BY_OFFSET", resolve_by_offset<false>},
    {"HISTOGRAM", resolve_histogram},
    {"LATEST_BY_OFFSET", resolve_by_offset<true>},
    {"MAX", resolve_extreme<true>},
    {"MIN", resolve_extreme<false>},
    {"STDDEV_POP", resolve_moment<Moment::kStddevPop>},
    {"STDDEV_SAMP", resolve_moment<Moment::kVarianceSamp>},
    {"STDDEV_SAMPLE", resolve_moment<Moment::kStddevSamp>},
    {"SUM", resolve_sum},
    {"SUM_LIST", resolve_sum_list},
    {"TOPK", resolve_topk<false>},
    {"TOPKDISTINCT", resolve_topk<true>},
};

const Entry* find_function(std::string_view name) {
  std::string up(name);
  for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const Entry& e : kFunctions) {
    if (e.name == up) return &e;
  }
  return nullptr;
}

}  // namespace
}  // namespace sluice::sql::udaf

namespace sluice::sql {

bool is_aggregate_function(std::string_view name) {
  return udaf::find_function(name) != nullptr;
}

std::vector<std::string> aggregate_function_names() {
  std::vector<std::string> names;
  for (const udaf::Entry& e : udaf::kFunctions) names.emplace_back(e.name);
  std::sort(names.begin(), names.end());
  return names;
}

Result<AggregateFunctionPtr> resolve_aggregate(std::string_view name,
                                               std::span<const AggregateArg> args,
                                               std::vector<size_t>* data_args,
                                               const AggregateConfig& config) {
  const udaf::Entry* e = udaf::find_function(name);
  if (!e) {
    return Status::invalid_argument(
        fmt::format("Can't find any functions with the name '{}'", name));
  }
  std::vector<size_t> data;
  Result<AggregateFunctionPtr> r = e->resolve(std::string(e->name), args, data, config);
  if (r.is_ok() && data_args) *data_args = std::move(data);
  return r;
}

}  // namespace sluice::sql
