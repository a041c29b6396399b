#include "format/column_batch.h"

#include <algorithm>
#include <cassert>

namespace sluice::format {

ColumnBatch::ColumnBatch(std::vector<Column> schema, size_t capacity)
    : schema_(std::move(schema)), capacity_(capacity) {
  columns_.reserve(schema_.size());
  for (const Column& c : schema_) columns_.emplace_back(c.type, capacity);
  rowtime_.resize(capacity);
  partition_.resize(capacity);
  offset_.resize(capacity);
  key_null_.resize(capacity);
  value_null_.resize(capacity);
  change_.resize(capacity);
  selection_.reserve(capacity);
}

int ColumnBatch::column_index(std::string_view name) const {
  for (size_t i = 0; i < schema_.size(); ++i) {
    if (schema_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

void ColumnBatch::reserve(size_t n) {
  if (n <= capacity_) return;
  for (auto& c : columns_) c.reserve(n);
  rowtime_.resize(n);
  partition_.resize(n);
  offset_.resize(n);
  key_null_.resize(n);
  value_null_.resize(n);
  change_.resize(n);
  capacity_ = n;
}

void ColumnBatch::reset() {
  for (auto& c : columns_) c.reset();
  size_ = 0;
  clear_selection();
  std::fill(key_null_.begin(), key_null_.end(), 0);
  std::fill(value_null_.begin(), value_null_.end(), 0);
  std::fill(change_.begin(), change_.end(), Change::kInsert);
  retained_.clear();
}

void ColumnBatch::set_selection(std::vector<uint32_t> rows) {
  selection_ = std::move(rows);
  has_selection_ = true;
}

void ColumnBatch::exclude_rows(std::span<const uint32_t> rows) {
  if (rows.empty()) return;
  std::vector<uint32_t> out;
  out.reserve(active_rows());
  size_t j = 0;
  for (size_t i = 0; i < active_rows(); ++i) {
    uint32_t r = row(i);
    while (j < rows.size() && rows[j] < r) ++j;
    if (j < rows.size() && rows[j] == r) continue;
    out.push_back(r);
  }
  selection_ = std::move(out);
  has_selection_ = true;
}

}  // namespace sluice::format
