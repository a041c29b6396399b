// ColumnBatch: the unit of data between the decoders, the SQL operators and the encoders
// (DuckDB's DataChunk). Equal-length typed column vectors plus per-row system columns:
//   rowtime    int64 ms   (ksqlDB ROWTIME: the record timestamp or the TIMESTAMP= column)
//   partition  int32      (ROWPARTITION)
//   offset     int64      (ROWOFFSET)
//   key_null / value_null uint8 (1 when the record's key / value bytes were null: a tombstone)
//   change     what the row does to a table (RisingWave's stream-chunk ops): an insert (every
//              row of a stream), a delete, or the two halves of an update: the row before and
//              the row after. Aggregations retract deletes and update-befores.
// Key columns are ordinary columns of the schema (the key decoder writes them).
//
// An optional selection vector lists the physical rows that are live, in order; a filter or a
// decoder that drops bad records narrows it instead of copying the rows. Operators iterate
// `for (i < active_rows()) row(i)`.
//
// reset() empties the batch for reuse without freeing any buffer.
//
// Thread-safety: single owner, not synchronised.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format/types.h"
#include "format/vector.h"

namespace sluice::format {

struct Column {
  std::string name;
  Type type;
  bool operator==(const Column& o) const { return name == o.name && type == o.type; }
};

inline constexpr size_t kDefaultBatchCapacity = 2048;

enum class Change : uint8_t { kInsert, kDelete, kUpdateBefore, kUpdateAfter };
// True for the changes that remove a row (delete, update-before).
inline bool is_retraction(Change c) {
  return c == Change::kDelete || c == Change::kUpdateBefore;
}

class ColumnBatch {
 public:
  explicit ColumnBatch(std::vector<Column> schema, size_t capacity = kDefaultBatchCapacity);
  ColumnBatch(ColumnBatch&&) noexcept = default;
  ColumnBatch& operator=(ColumnBatch&&) noexcept = default;

  const std::vector<Column>& schema() const { return schema_; }
  size_t num_columns() const { return columns_.size(); }
  Vector& column(size_t i) { return columns_[i]; }
  const Vector& column(size_t i) const { return columns_[i]; }
  // Index of the column named exactly `name`, or -1.
  int column_index(std::string_view name) const;

  // Physical rows filled, [0, size()).
  size_t size() const { return size_; }
  void set_size(size_t n) { size_ = n; }
  size_t capacity() const { return capacity_; }
  // Grows every column and system column to n rows, keeping contents.
  void reserve(size_t n);
  void reset();

  // Selection.
  bool has_selection() const { return has_selection_; }
  std::span<const uint32_t> selection() const { return {selection_.data(), selection_.size()}; }
  // Replaces the selection (rows must be < size(), ascending).
  void set_selection(std::vector<uint32_t> rows);
  // Mutable selection storage for kernels that build it in place; call set_has_selection after.
  std::vector<uint32_t>& selection_buffer() { return selection_; }
  void set_has_selection(bool v) { has_selection_ = v; }
  void clear_selection() {
    has_selection_ = false;
    selection_.clear();
  }
  size_t active_rows() const { return has_selection_ ? selection_.size() : size_; }
  uint32_t row(size_t i) const { return has_selection_ ? selection_[i] : static_cast<uint32_t>(i); }
  // Removes the given physical rows (ascending) from the active set.
  void exclude_rows(std::span<const uint32_t> rows);

  // System columns, indexed by physical row.
  int64_t* rowtime() { return rowtime_.data(); }
  const int64_t* rowtime() const { return rowtime_.data(); }
  int32_t* partition() { return partition_.data(); }
  const int32_t* partition() const { return partition_.data(); }
  int64_t* offset() { return offset_.data(); }
  const int64_t* offset() const { return offset_.data(); }
  uint8_t* key_null() { return key_null_.data(); }
  const uint8_t* key_null() const { return key_null_.data(); }
  uint8_t* value_null() { return value_null_.data(); }
  const uint8_t* value_null() const { return value_null_.data(); }
  Change* change() { return change_.data(); }
  const Change* change() const { return change_.data(); }

  // Keeps `owner` alive until the next reset(): memory that string vectors reference through
  // Vector::set_string_unowned.
  void retain(std::shared_ptr<const void> owner) { retained_.push_back(std::move(owner)); }

 private:
  std::vector<Column> schema_;
  std::vector<Vector> columns_;
  size_t size_ = 0;
  size_t capacity_ = 0;
  bool has_selection_ = false;
  std::vector<uint32_t> selection_;
  std::vector<int64_t> rowtime_;
  std::vector<int32_t> partition_;
  std::vector<int64_t> offset_;
  std::vector<uint8_t> key_null_;
  std::vector<uint8_t> value_null_;
  std::vector<Change> change_;
  std::vector<std::shared_ptr<const void>> retained_;
};

}  // namespace sluice::format
