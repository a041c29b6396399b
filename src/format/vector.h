// Column vectors: one typed column of a ColumnBatch (DuckDB's Vector idea).
//
// A Vector holds `capacity` rows of one SQL type in a flat data buffer (layout per type in
// types.h), a validity bitmap (bit set = not NULL), and for nested types child vectors:
//   ARRAY  data[i] = ListEntry{offset, length} into child(0), the elements
//   MAP    data[i] = ListEntry into child(0) (keys) and child(1) (values), same offsets
//   STRUCT child(k) is field k, row-aligned with this vector; no data buffer
// STRING and BYTES rows are string_views into the vector's StringHeap (an arena reset, not freed,
// between batches), or into memory the batch keeps alive (ColumnBatch::retain).
// A constant vector (kind kConstant) stores one value at row 0 that stands for every row.
//
// reset() keeps every buffer allocated, so a vector reused across batches allocates only while
// it grows to its steady-state size.
//
// Thread-safety: single owner; a Vector is not synchronised. Const methods may be called from
// several threads when no thread mutates it.
#pragma once

#include <cassert>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "format/types.h"

namespace sluice::format {

struct ListEntry {
  uint32_t offset;
  uint32_t length;
};

// Bump allocator for string bytes. reset() keeps the largest block for reuse.
class StringHeap {
 public:
  StringHeap() = default;
  StringHeap(const StringHeap&) = delete;
  StringHeap& operator=(const StringHeap&) = delete;

  char* allocate(size_t n) {
    if (n > left_) grow(n);
    char* p = cur_;
    cur_ += n;
    left_ -= n;
    return p;
  }
  std::string_view add(std::string_view s) {
    if (s.empty()) return {};
    char* p = allocate(s.size());
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }
  void reset();
  size_t bytes_reserved() const;

 private:
  void grow(size_t n);

  struct Block {
    std::unique_ptr<char[]> data;
    size_t size;
  };
  std::vector<Block> blocks_;
  char* cur_ = nullptr;
  size_t left_ = 0;
};

// One bit per row; set means valid (not NULL). Bits past the size in use are kept valid.
class ValidityMask {
 public:
  void resize(size_t capacity);
  void set_all_valid() { std::memset(words_.data(), 0xff, words_.size() * 8); }
  bool is_valid(size_t i) const { return (words_[i >> 6] >> (i & 63)) & 1; }
  void set_null(size_t i) { words_[i >> 6] &= ~(uint64_t{1} << (i & 63)); }
  void set_valid(size_t i) { words_[i >> 6] |= uint64_t{1} << (i & 63); }
  void set(size_t i, bool valid) { valid ? set_valid(i) : set_null(i); }
  // True when rows [0, n) are all valid.
  bool all_valid(size_t n) const;
  const uint64_t* words() const { return words_.data(); }
  uint64_t* words() { return words_.data(); }

 private:
  std::vector<uint64_t> words_;
};

enum class VectorKind : uint8_t { kFlat, kConstant };

class Vector {
 public:
  Vector(Type type, size_t capacity);
  Vector(Vector&&) noexcept = default;
  Vector& operator=(Vector&&) noexcept = default;

  const Type& type() const { return type_; }
  VectorKind kind() const { return kind_; }
  bool is_constant() const { return kind_ == VectorKind::kConstant; }
  size_t capacity() const { return capacity_; }
  // The physical row holding row i's value: 0 for a constant vector.
  size_t index(size_t i) const { return kind_ == VectorKind::kConstant ? 0 : i; }

  // Grows to hold at least n rows, keeping the contents (struct children grow along).
  void reserve(size_t n);
  // Forgets the contents: all rows valid, string heap and list children emptied, kind flat.
  void reset();
  // From now on row 0 stands for every row.
  void set_constant() { kind_ = VectorKind::kConstant; }
  void set_flat() { kind_ = VectorKind::kFlat; }

  template <typename T>
  T* data() {
    return reinterpret_cast<T*>(data_.get());
  }
  template <typename T>
  const T* data() const {
    return reinterpret_cast<const T*>(data_.get());
  }
  template <typename T>
  T get(size_t i) const {
    return data<T>()[index(i)];
  }
  template <typename T>
  void set(size_t i, T v) {
    data<T>()[i] = v;
  }

  ValidityMask& validity() { return validity_; }
  const ValidityMask& validity() const { return validity_; }
  bool is_null(size_t i) const { return !validity_.is_valid(index(i)); }
  void set_null(size_t i) { validity_.set_null(i); }
  void set_valid(size_t i) { validity_.set_valid(i); }

  // STRING / BYTES
  std::string_view get_string(size_t i) const { return data<std::string_view>()[index(i)]; }
  void set_string(size_t i, std::string_view s) { data<std::string_view>()[i] = heap().add(s); }
  // Stores a view of bytes this vector does not own: the caller guarantees they outlive every
  // use of the batch (static data, or memory handed to ColumnBatch::retain).
  void set_string_unowned(size_t i, std::string_view s) { data<std::string_view>()[i] = s; }
  // Reserves n bytes in the heap for row i and returns them for the caller to fill.
  char* allocate_string(size_t i, size_t n) {
    char* p = heap().allocate(n);
    data<std::string_view>()[i] = std::string_view(p, n);
    return p;
  }
  StringHeap& heap() {
    if (!heap_) heap_ = std::make_unique<StringHeap>();
    return *heap_;
  }

  // ARRAY / MAP
  ListEntry list_entry(size_t i) const { return data<ListEntry>()[index(i)]; }
  void set_list_entry(size_t i, ListEntry e) { data<ListEntry>()[i] = e; }
  // Number of element slots used in the children.
  uint32_t list_size() const { return list_size_; }
  // Appends n element slots to the children (growing them) and returns the first one.
  uint32_t append_list_slots(uint32_t n) {
    uint32_t start = list_size_;
    list_size_ += n;
    if (list_size_ > children_[0].capacity()) grow_list_children(list_size_);
    return start;
  }
  // Gives back slots appended last (a partly decoded list that failed).
  void truncate_list(uint32_t size) { list_size_ = size; }

  // ARRAY: child(0) elements; MAP: child(0) keys, child(1) values; STRUCT: child(k) field k.
  Vector& child(size_t k) { return children_[k]; }
  const Vector& child(size_t k) const { return children_[k]; }
  size_t num_children() const { return children_.size(); }

 private:
  void allocate_data(size_t capacity);
  void grow_list_children(size_t n);

  struct FreeDeleter {
    void operator()(uint8_t* p) const { std::free(p); }
  };

  Type type_;
  VectorKind kind_ = VectorKind::kFlat;
  size_t capacity_ = 0;
  uint32_t list_size_ = 0;
  std::unique_ptr<uint8_t, FreeDeleter> data_;
  ValidityMask validity_;
  std::unique_ptr<StringHeap> heap_;
  std::vector<Vector> children_;
};

// Sets physical row `row` of v to NULL, with empty lists and NULL struct fields, so that nothing
// reading the row follows stale list offsets.
void set_null_row(Vector& v, size_t row);

}  // namespace sluice::format
