// Row-level helpers over column vectors that the operators and kernels share.
//
// Thread-safety: free functions on vectors the caller owns.
#pragma once

#include <cstdint>
#include <span>

#include "format/value.h"
#include "format/vector.h"

namespace sluice::sql {

enum class StringCopy : uint8_t {
  kOwned,  // copy string bytes into the destination's heap
  kView,   // share the bytes: the source must outlive every use of the destination
};

// dst[dst_row] = src[src_row] (src_row is logical: a constant src answers any row). Nested
// values are copied element by element into dst's children.
void copy_row(const format::Vector& src, size_t src_row, format::Vector& dst, size_t dst_row,
              StringCopy strings = StringCopy::kOwned);

// dst[r] = src[r] for every r in rows.
void copy_rows(const format::Vector& src, std::span<const uint32_t> rows, format::Vector& dst,
               StringCopy strings = StringCopy::kOwned);

// Sets row r of v (and a struct's fields) to NULL (format/vector.h).
using format::set_null_row;

// Prepares a scratch vector to receive a batch of n rows: flat, all valid, empty heap.
void prepare_output(format::Vector& v, size_t n);

// Three-way comparison of two non-null rows of vectors of the same type; nested types compare
// element-wise (ordering of nested values is only used for equality).
int compare_rows(const format::Vector& a, size_t ar, const format::Vector& b, size_t br);

}  // namespace sluice::sql
