#include "sql/state/key_codec.h"

#include <fmt/format.h>

#include <cassert>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "common/bytes.h"
#include "format/decimal.h"

namespace sluice::sql::state {

namespace {

using format::Int128;
using format::ListEntry;
using format::TypeId;
using format::Vector;

constexpr uint8_t kNullTag = 0x00;
constexpr uint8_t kValueTag = 0x01;
// ARRAY/MAP: before each element or entry, and after the last one.
constexpr uint8_t kMoreElements = 0x01;
constexpr uint8_t kEndElements = 0x00;
// STRING/BYTES: 0x00 in the data is 0x00 kEscapedZero; the value ends with 0x00 kTerminator.
constexpr uint8_t kEscapedZero = 0xFF;
constexpr uint8_t kTerminator = 0x01;

constexpr uint32_t kSign32 = uint32_t{1} << 31;
constexpr uint64_t kSign64 = uint64_t{1} << 63;
// The quiet NaN every NaN is written as: positive, so it sorts after +inf.
constexpr uint64_t kCanonicalNan = 0x7FF8000000000000;

// Calls fn(std::integral_constant<TypeId, id>{}): the one switch on a type id, after which the
// per-type code is a template instance (no further branching on the type inside row loops).
template <typename Fn>
decltype(auto) dispatch(TypeId id, Fn&& fn) {
  switch (id) {
    case TypeId::kBoolean:
      return fn(std::integral_constant<TypeId, TypeId::kBoolean>{});
    case TypeId::kInteger:
      return fn(std::integral_constant<TypeId, TypeId::kInteger>{});
    case TypeId::kBigint:
      return fn(std::integral_constant<TypeId, TypeId::kBigint>{});
    case TypeId::kDouble:
      return fn(std::integral_constant<TypeId, TypeId::kDouble>{});
    case TypeId::kDecimal:
      return fn(std::integral_constant<TypeId, TypeId::kDecimal>{});
    case TypeId::kString:
      return fn(std::integral_constant<TypeId, TypeId::kString>{});
    case TypeId::kBytes:
      return fn(std::integral_constant<TypeId, TypeId::kBytes>{});
    case TypeId::kTimestamp:
      return fn(std::integral_constant<TypeId, TypeId::kTimestamp>{});
    case TypeId::kDate:
      return fn(std::integral_constant<TypeId, TypeId::kDate>{});
    case TypeId::kTime:
      return fn(std::integral_constant<TypeId, TypeId::kTime>{});
    case TypeId::kArray:
      return fn(std::integral_constant<TypeId, TypeId::kArray>{});
    case TypeId::kMap:
      return fn(std::integral_constant<TypeId, TypeId::kMap>{});
    case TypeId::kStruct:
      return fn(std::integral_constant<TypeId, TypeId::kStruct>{});
  }
  assert(false && "unknown TypeId");
  return fn(std::integral_constant<TypeId, TypeId::kInteger>{});
}

constexpr bool is_int32(TypeId id) {
  return id == TypeId::kInteger || id == TypeId::kDate || id == TypeId::kTime;
}
constexpr bool is_int64(TypeId id) {
  return id == TypeId::kBigint || id == TypeId::kTimestamp;
}
constexpr bool is_string(TypeId id) {
  return id == TypeId::kString || id == TypeId::kBytes;
}

// Bytes of a non-null value of a fixed-width type after its tag; 0 for the others.
constexpr size_t fixed_width(TypeId id) {
  if (id == TypeId::kBoolean) return 1;
  if (is_int32(id)) return 4;
  if (is_int64(id) || id == TypeId::kDouble) return 8;
  if (id == TypeId::kDecimal) return 16;
  return 0;
}

uint64_t double_to_key(double d) {
  if (std::isnan(d)) return kCanonicalNan ^ kSign64;
  if (d == 0) d = 0.0;  // -0.0 == 0.0 in SQL: one encoding for both
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return (bits & kSign64) ? ~bits : bits ^ kSign64;
}

double key_to_double(uint64_t key) {
  uint64_t bits = (key & kSign64) ? key ^ kSign64 : ~key;
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

size_t escaped_size(std::string_view s) {
  size_t zeros = 0;
  for (char c : s) zeros += c == '\0';
  return s.size() + zeros + 2;
}

uint8_t* write_escaped(std::string_view s, uint8_t* p) {
  const char* cur = s.data();
  const char* end = cur + s.size();
  while (cur < end) {
    const auto* zero = static_cast<const char*>(std::memchr(cur, 0, end - cur));
    const char* stop = zero ? zero : end;
    std::memcpy(p, cur, stop - cur);
    p += stop - cur;
    if (!zero) break;
    *p++ = 0x00;
    *p++ = kEscapedZero;
    cur = zero + 1;
  }
  *p++ = 0x00;
  *p++ = kTerminator;
  return p;
}

size_t encoded_size(const Vector& v, size_t row);
uint8_t* write_encoded(const Vector& v, size_t row, uint8_t* p);

// Encoded size of logical row `row` of `v`, whose type id is kId, tag included.
template <TypeId kId>
size_t value_size(const Vector& v, size_t row) {
  if (v.is_null(row)) return 1;
  if constexpr (fixed_width(kId) != 0) {
    return 1 + fixed_width(kId);
  } else if constexpr (is_string(kId)) {
    return 1 + escaped_size(v.get_string(row));
  } else if constexpr (kId == TypeId::kArray || kId == TypeId::kMap) {
    ListEntry e = v.list_entry(row);
    size_t n = 1 + e.length + 1;  // tag, a continuation byte per element, end byte
    for (uint32_t i = 0; i < e.length; ++i) {
      for (size_t k = 0; k < v.num_children(); ++k) n += encoded_size(v.child(k), e.offset + i);
    }
    return n;
  } else {
    static_assert(kId == TypeId::kStruct);
    size_t p = v.index(row);
    size_t n = 1;
    for (size_t k = 0; k < v.num_children(); ++k) n += encoded_size(v.child(k), p);
    return n;
  }
}

// Writes the encoding of logical row `row` of `v` (type id kId) at p; returns its end.
template <TypeId kId>
uint8_t* write_value(const Vector& v, size_t row, uint8_t* p) {
  if (v.is_null(row)) {
    *p = kNullTag;
    return p + 1;
  }
  *p++ = kValueTag;
  size_t at = v.index(row);
  if constexpr (kId == TypeId::kBoolean) {
    *p = v.data<uint8_t>()[at] ? 1 : 0;
    return p + 1;
  } else if constexpr (is_int32(kId)) {
    store_be32(p, static_cast<uint32_t>(v.data<int32_t>()[at]) ^ kSign32);
    return p + 4;
  } else if constexpr (is_int64(kId)) {
    store_be64(p, static_cast<uint64_t>(v.data<int64_t>()[at]) ^ kSign64);
    return p + 8;
  } else if constexpr (kId == TypeId::kDouble) {
    store_be64(p, double_to_key(v.data<double>()[at]));
    return p + 8;
  } else if constexpr (kId == TypeId::kDecimal) {
    // Two's complement with the top bit flipped orders like the signed value.
    auto u = static_cast<unsigned __int128>(v.data<Int128>()[at]);
    store_be64(p, static_cast<uint64_t>(u >> 64) ^ kSign64);
    store_be64(p + 8, static_cast<uint64_t>(u));
    return p + 16;
  } else if constexpr (is_string(kId)) {
    return write_escaped(v.data<std::string_view>()[at], p);
  } else if constexpr (kId == TypeId::kArray || kId == TypeId::kMap) {
    ListEntry e = v.data<ListEntry>()[at];
    for (uint32_t i = 0; i < e.length; ++i) {
      *p++ = kMoreElements;
      for (size_t k = 0; k < v.num_children(); ++k) p = write_encoded(v.child(k), e.offset + i, p);
    }
    *p = kEndElements;
    return p + 1;
  } else {
    static_assert(kId == TypeId::kStruct);
    for (size_t k = 0; k < v.num_children(); ++k) p = write_encoded(v.child(k), at, p);
    return p;
  }
}

size_t encoded_size(const Vector& v, size_t row) {
  return dispatch(v.type().id(), [&](auto id) { return value_size<decltype(id)::value>(v, row); });
}

uint8_t* write_encoded(const Vector& v, size_t row, uint8_t* p) {
  return dispatch(v.type().id(),
                  [&](auto id) { return write_value<decltype(id)::value>(v, row, p); });
}

// --- decoding ---

Status truncated(TypeId id) {
  return Status::corruption(fmt::format("state key: truncated {} value", format::type_id_name(id)));
}

// Takes n bytes off the front of `in` into `bytes`; false when fewer remain.
bool take(std::string_view& in, size_t n, const uint8_t*& bytes) {
  if (in.size() < n) return false;
  bytes = reinterpret_cast<const uint8_t*>(in.data());
  in.remove_prefix(n);
  return true;
}

Status decode_string(std::string_view& in, Vector& out, size_t row) {
  // First pass: find the terminator and count the escapes, so that the value is copied once.
  const char* begin = in.data();
  const char* end = begin + in.size();
  const char* p = begin;
  size_t escapes = 0;
  for (;;) {
    if (p >= end) return truncated(out.type().id());
    p = static_cast<const char*>(std::memchr(p, 0, end - p));
    if (!p || p + 1 >= end) return truncated(out.type().id());
    auto next = static_cast<uint8_t>(p[1]);
    if (next == kTerminator) break;
    if (next != kEscapedZero) {
      return Status::corruption(fmt::format("state key: bad escape 0x00 0x{:02X} in {} value", next,
                                            format::type_id_name(out.type().id())));
    }
    ++escapes;
    p += 2;
  }
  const char* body_end = p;
  char* dst = out.allocate_string(row, static_cast<size_t>(body_end - begin) - escapes);
  for (const char* cur = begin; cur < body_end;) {
    const auto* zero = static_cast<const char*>(std::memchr(cur, 0, body_end - cur));
    const char* stop = zero ? zero : body_end;
    std::memcpy(dst, cur, stop - cur);
    dst += stop - cur;
    if (!zero) break;
    *dst++ = '\0';
    cur = zero + 2;
  }
  in.remove_prefix(static_cast<size_t>(body_end - begin) + 2);
  return Status::ok();
}

Status decode_into(std::string_view& in, Vector& out, size_t row);

// ARRAY (one child) or MAP (keys and values children): elements until the end byte.
Status decode_list(std::string_view& in, Vector& out, size_t row) {
  uint32_t start = out.list_size();
  uint32_t n = 0;
  for (;;) {
    const uint8_t* b;
    if (!take(in, 1, b)) return truncated(out.type().id());
    if (*b == kEndElements) break;
    if (*b != kMoreElements) {
      return Status::corruption(fmt::format("state key: bad continuation byte 0x{:02X} in {}", *b,
                                            format::type_id_name(out.type().id())));
    }
    uint32_t slot = out.append_list_slots(1);
    for (size_t k = 0; k < out.num_children(); ++k) {
      Status st = decode_into(in, out.child(k), slot);
      if (!st.is_ok()) {
        out.truncate_list(start);
        return st;
      }
    }
    ++n;
  }
  out.set_list_entry(row, {start, n});
  return Status::ok();
}

template <TypeId kId>
Status decode_typed(std::string_view& in, Vector& out, size_t row) {
  const uint8_t* b;
  if constexpr (fixed_width(kId) != 0) {
    if (!take(in, fixed_width(kId), b)) return truncated(kId);
  }
  if constexpr (kId == TypeId::kBoolean) {
    if (*b > 1) return Status::corruption(fmt::format("state key: bad BOOLEAN byte 0x{:02X}", *b));
    out.set<uint8_t>(row, *b);
  } else if constexpr (is_int32(kId)) {
    out.set<int32_t>(row, static_cast<int32_t>(load_be32(b) ^ kSign32));
  } else if constexpr (is_int64(kId)) {
    out.set<int64_t>(row, static_cast<int64_t>(load_be64(b) ^ kSign64));
  } else if constexpr (kId == TypeId::kDouble) {
    out.set<double>(row, key_to_double(load_be64(b)));
  } else if constexpr (kId == TypeId::kDecimal) {
    auto u = (static_cast<unsigned __int128>(load_be64(b) ^ kSign64) << 64) | load_be64(b + 8);
    auto value = static_cast<Int128>(u);
    Int128 limit = format::pow10_i128(out.type().precision());
    if (value >= limit || value <= -limit) {
      return Status::corruption(fmt::format("state key: {} does not fit {}",
                                            format::decimal_to_string(value, out.type().scale()),
                                            out.type().to_string()));
    }
    out.set<Int128>(row, value);
  } else if constexpr (is_string(kId)) {
    return decode_string(in, out, row);
  } else if constexpr (kId == TypeId::kArray || kId == TypeId::kMap) {
    return decode_list(in, out, row);
  } else {
    static_assert(kId == TypeId::kStruct);
    for (size_t k = 0; k < out.num_children(); ++k) {
      SLUICE_RETURN_IF_ERROR(decode_into(in, out.child(k), row));
    }
  }
  return Status::ok();
}

Status decode_into(std::string_view& in, Vector& out, size_t row) {
  const uint8_t* tag;
  if (!take(in, 1, tag)) return truncated(out.type().id());
  if (*tag == kNullTag) {
    format::set_null_row(out, row);
    return Status::ok();
  }
  if (*tag != kValueTag) {
    return Status::corruption(fmt::format("state key: bad tag 0x{:02X} of {} value", *tag,
                                          format::type_id_name(out.type().id())));
  }
  out.set_valid(row);
  return dispatch(out.type().id(),
                  [&](auto id) { return decode_typed<decltype(id)::value>(in, out, row); });
}

// encode_keys' two passes over one key column: add each active row's encoded size to sizes[i],
// then write each row's encoding at base + cursors[i] and advance the cursor.
template <TypeId kId>
void add_sizes(const format::ColumnBatch& batch, const Vector& v, size_t* sizes) {
  size_t n = batch.active_rows();
  for (size_t i = 0; i < n; ++i) sizes[i] += value_size<kId>(v, batch.row(i));
}

template <TypeId kId>
void write_column(const format::ColumnBatch& batch, const Vector& v, uint8_t* base,
                  size_t* cursors) {
  size_t n = batch.active_rows();
  for (size_t i = 0; i < n; ++i) {
    cursors[i] = static_cast<size_t>(write_value<kId>(v, batch.row(i), base + cursors[i]) - base);
  }
}

}  // namespace

void encode_value(const format::Vector& column, uint32_t row, std::string& out) {
  size_t size = encoded_size(column, row);
  size_t at = out.size();
  out.resize(at + size);
  auto* p = reinterpret_cast<uint8_t*>(out.data() + at);
  [[maybe_unused]] uint8_t* end = write_encoded(column, row, p);
  assert(end == p + size);
}

void encode_used_value(const format::Vector& column, uint32_t row, const format::ColumnUse& use,
                       std::string& out) {
  if (!use.used) {
    out.push_back(static_cast<char>(kNullTag));
    return;
  }
  if (use.fields.empty() || column.type().id() != TypeId::kStruct || column.is_null(row) ||
      use.fields.size() != column.num_children()) {
    encode_value(column, row, out);
    return;
  }
  out.push_back(static_cast<char>(kValueTag));
  size_t at = column.index(row);
  for (size_t k = 0; k < column.num_children(); ++k) {
    encode_used_value(column.child(k), static_cast<uint32_t>(at), use.fields[k], out);
  }
}

void encode_keys(const format::ColumnBatch& batch, std::span<const uint32_t> key_columns,
                 KeyBuffer& out) {
  size_t n = batch.active_rows();
  // offsets_[i + 1] collects key i's size, then the prefix sums turn sizes into offsets.
  out.offsets_.assign(n + 1, 0);
  for (uint32_t c : key_columns) {
    const Vector& v = batch.column(c);
    dispatch(v.type().id(),
             [&](auto id) { add_sizes<decltype(id)::value>(batch, v, out.offsets_.data() + 1); });
  }
  for (size_t i = 0; i < n; ++i) out.offsets_[i + 1] += out.offsets_[i];

  out.bytes_.resize(out.offsets_[n]);
  out.cursors_.assign(out.offsets_.begin(), out.offsets_.end() - 1);
  auto* base = reinterpret_cast<uint8_t*>(out.bytes_.data());
  for (uint32_t c : key_columns) {
    const Vector& v = batch.column(c);
    dispatch(v.type().id(), [&](auto id) {
      write_column<decltype(id)::value>(batch, v, base, out.cursors_.data());
    });
  }
#ifndef NDEBUG
  for (size_t i = 0; i < n; ++i) assert(out.cursors_[i] == out.offsets_[i + 1]);
#endif
}

Status decode_value(std::string_view& in, format::Vector& out, uint32_t row) {
  assert(row < out.capacity());
  Status st = decode_into(in, out, row);
  // A half-decoded row could point into list slots given back; leave a clean NULL instead.
  if (!st.is_ok()) format::set_null_row(out, row);
  return st;
}

void append_ordered_int64(std::string& out, int64_t v) {
  uint8_t b[8];
  store_be64(b, static_cast<uint64_t>(v) ^ (uint64_t{1} << 63));
  out.append(reinterpret_cast<const char*>(b), 8);
}

int64_t read_ordered_int64(std::string_view in) {
  return static_cast<int64_t>(load_be64(reinterpret_cast<const uint8_t*>(in.data())) ^
                              (uint64_t{1} << 63));
}

std::string prefix_successor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<uint8_t>(s.back()) == 0xFF) s.pop_back();
  if (s.empty()) return s;
  s.back() = static_cast<char>(static_cast<uint8_t>(s.back()) + 1);
  return s;
}

}  // namespace sluice::sql::state
