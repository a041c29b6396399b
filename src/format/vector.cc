#include "format/vector.h"

#include <algorithm>
#include <cstdlib>

namespace sluice::format {

namespace {
constexpr size_t kMinHeapBlock = size_t{16} * 1024;
}

void StringHeap::grow(size_t n) {
  size_t size = std::max(kMinHeapBlock, n);
  if (!blocks_.empty()) size = std::max(size, blocks_.back().size * 2);
  blocks_.push_back(Block{std::make_unique<char[]>(size), size});
  cur_ = blocks_.back().data.get();
  left_ = size;
}

void StringHeap::reset() {
  if (blocks_.empty()) return;
  if (blocks_.size() > 1) {
    // Keep only the largest (last) block: its size is what one batch needed.
    Block keep = std::move(blocks_.back());
    blocks_.clear();
    blocks_.push_back(std::move(keep));
  }
  cur_ = blocks_[0].data.get();
  left_ = blocks_[0].size;
}

size_t StringHeap::bytes_reserved() const {
  size_t n = 0;
  for (const auto& b : blocks_) n += b.size;
  return n;
}

void ValidityMask::resize(size_t capacity) {
  size_t words = (capacity + 63) / 64;
  words_.resize(words, ~uint64_t{0});
}

bool ValidityMask::all_valid(size_t n) const {
  size_t full = n / 64;
  for (size_t w = 0; w < full; ++w) {
    if (words_[w] != ~uint64_t{0}) return false;
  }
  size_t rest = n % 64;
  if (rest) {
    uint64_t mask = (uint64_t{1} << rest) - 1;
    if ((words_[full] & mask) != mask) return false;
  }
  return true;
}

Vector::Vector(Type type, size_t capacity) : type_(std::move(type)) {
  switch (type_.id()) {
    case TypeId::kArray:
      children_.emplace_back(type_.element(), capacity);
      break;
    case TypeId::kMap:
      children_.emplace_back(type_.key(), capacity);
      children_.emplace_back(type_.value(), capacity);
      break;
    case TypeId::kStruct:
      for (const Field& f : type_.fields()) children_.emplace_back(f.type, capacity);
      break;
    default:
      break;
  }
  allocate_data(capacity);
}

void Vector::allocate_data(size_t capacity) {
  size_t width = type_.physical_size();
  if (width) {
    size_t bytes = std::max<size_t>(64, (capacity * width + 63) / 64 * 64);
    auto* p = static_cast<uint8_t*>(std::aligned_alloc(64, bytes));
    if (!p) throw std::bad_alloc();
    if (data_ && capacity_) std::memcpy(p, data_.get(), capacity_ * width);
    data_.reset(p);
  }
  validity_.resize(capacity);
  capacity_ = capacity;
}

void Vector::reserve(size_t n) {
  if (n <= capacity_) return;
  size_t cap = std::max(n, capacity_ * 2);
  allocate_data(cap);
  if (type_.id() == TypeId::kStruct) {
    for (auto& c : children_) c.reserve(cap);
  }
}

void Vector::grow_list_children(size_t n) {
  for (auto& c : children_) c.reserve(n);
}

void Vector::reset() {
  kind_ = VectorKind::kFlat;
  validity_.set_all_valid();
  if (heap_) heap_->reset();
  list_size_ = 0;
  for (auto& c : children_) c.reset();
}

void set_null_row(Vector& v, size_t row) {
  v.set_null(row);
  switch (v.type().id()) {
    case TypeId::kArray:
    case TypeId::kMap:
      v.set_list_entry(row, {0, 0});
      break;
    case TypeId::kStruct:
      for (size_t k = 0; k < v.num_children(); ++k) set_null_row(v.child(k), row);
      break;
    default:
      break;
  }
}

}  // namespace sluice::format
