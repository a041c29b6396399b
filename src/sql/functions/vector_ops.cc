#include "sql/functions/vector_ops.h"

#include <cstring>

#include "format/decimal.h"

namespace sluice::sql {

using format::TypeId;
using format::Vector;

void prepare_output(Vector& v, size_t n) {
  v.reset();
  if (v.capacity() < n) v.reserve(n);
}

void copy_row(const Vector& src, size_t src_row, Vector& dst, size_t dst_row, StringCopy strings) {
  if (src.is_null(src_row)) {
    set_null_row(dst, dst_row);
    return;
  }
  dst.set_valid(dst_row);
  size_t p = src.index(src_row);
  switch (src.type().id()) {
    case TypeId::kBoolean:
      dst.set<uint8_t>(dst_row, src.data<uint8_t>()[p]);
      return;
    case TypeId::kInteger:
    case TypeId::kDate:
    case TypeId::kTime:
      dst.set<int32_t>(dst_row, src.data<int32_t>()[p]);
      return;
    case TypeId::kBigint:
    case TypeId::kTimestamp:
      dst.set<int64_t>(dst_row, src.data<int64_t>()[p]);
      return;
    case TypeId::kDouble:
      dst.set<double>(dst_row, src.data<double>()[p]);
      return;
    case TypeId::kDecimal:
      dst.set<format::Int128>(dst_row, src.data<format::Int128>()[p]);
      return;
    case TypeId::kString:
    case TypeId::kBytes:
      if (strings == StringCopy::kView) {
        dst.set_string_unowned(dst_row, src.data<std::string_view>()[p]);
      } else {
        dst.set_string(dst_row, src.data<std::string_view>()[p]);
      }
      return;
    case TypeId::kArray: {
      format::ListEntry e = src.data<format::ListEntry>()[p];
      uint32_t start = dst.append_list_slots(e.length);
      for (uint32_t i = 0; i < e.length; ++i) {
        copy_row(src.child(0), e.offset + i, dst.child(0), start + i, strings);
      }
      dst.set_list_entry(dst_row, {start, e.length});
      return;
    }
    case TypeId::kMap: {
      format::ListEntry e = src.data<format::ListEntry>()[p];
      uint32_t start = dst.append_list_slots(e.length);
      for (uint32_t i = 0; i < e.length; ++i) {
        copy_row(src.child(0), e.offset + i, dst.child(0), start + i, strings);
        copy_row(src.child(1), e.offset + i, dst.child(1), start + i, strings);
      }
      dst.set_list_entry(dst_row, {start, e.length});
      return;
    }
    case TypeId::kStruct:
      for (size_t k = 0; k < src.num_children(); ++k) {
        copy_row(src.child(k), p, dst.child(k), dst_row, strings);
      }
      return;
  }
}

void copy_rows(const Vector& src, std::span<const uint32_t> rows, Vector& dst, StringCopy strings) {
  TypeId id = src.type().id();
  if (!src.is_constant() && (id == TypeId::kBigint || id == TypeId::kTimestamp)) {
    const int64_t* s = src.data<int64_t>();
    int64_t* d = dst.data<int64_t>();
    for (uint32_t r : rows) {
      d[r] = s[r];
      dst.validity().set(r, src.validity().is_valid(r));
    }
    return;
  }
  for (uint32_t r : rows) copy_row(src, r, dst, r, strings);
}

namespace {
template <typename T>
int cmp(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}
}  // namespace

int compare_rows(const Vector& a, size_t ar, const Vector& b, size_t br) {
  size_t pa = a.index(ar), pb = b.index(br);
  switch (a.type().id()) {
    case TypeId::kBoolean:
      return cmp(a.data<uint8_t>()[pa], b.data<uint8_t>()[pb]);
    case TypeId::kInteger:
    case TypeId::kDate:
    case TypeId::kTime:
      return cmp(a.data<int32_t>()[pa], b.data<int32_t>()[pb]);
    case TypeId::kBigint:
    case TypeId::kTimestamp:
      return cmp(a.data<int64_t>()[pa], b.data<int64_t>()[pb]);
    case TypeId::kDouble:
      return cmp(a.data<double>()[pa], b.data<double>()[pb]);
    case TypeId::kDecimal: {
      format::Int128 x = a.data<format::Int128>()[pa], y = b.data<format::Int128>()[pb];
      int sa = a.type().scale(), sb = b.type().scale();
      if (sa < sb) x *= format::pow10_i128(sb - sa);
      if (sb < sa) y *= format::pow10_i128(sa - sb);
      return cmp(x, y);
    }
    case TypeId::kString:
    case TypeId::kBytes: {
      int c = a.data<std::string_view>()[pa].compare(b.data<std::string_view>()[pb]);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case TypeId::kArray:
    case TypeId::kMap: {
      format::ListEntry ea = a.data<format::ListEntry>()[pa];
      format::ListEntry eb = b.data<format::ListEntry>()[pb];
      if (ea.length != eb.length) return cmp(ea.length, eb.length);
      for (size_t c = 0; c < a.num_children(); ++c) {
        for (uint32_t i = 0; i < ea.length; ++i) {
          bool na = a.child(c).is_null(ea.offset + i), nb = b.child(c).is_null(eb.offset + i);
          if (na || nb) {
            if (na != nb) return na ? -1 : 1;
            continue;
          }
          int r = compare_rows(a.child(c), ea.offset + i, b.child(c), eb.offset + i);
          if (r) return r;
        }
      }
      return 0;
    }
    case TypeId::kStruct:
      for (size_t k = 0; k < a.num_children(); ++k) {
        bool na = a.child(k).is_null(pa), nb = b.child(k).is_null(pb);
        if (na || nb) {
          if (na != nb) return na ? -1 : 1;
          continue;
        }
        int r = compare_rows(a.child(k), pa, b.child(k), pb);
        if (r) return r;
      }
      return 0;
  }
  return 0;
}

}  // namespace sluice::sql
