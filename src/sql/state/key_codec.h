// Memcomparable keys for the SQL engine's state stores (RocksDB keys; the idea of CockroachDB's
// and TiDB's "memcomparable" encodings): comparing two encoded keys with memcmp orders them as
// SQL orders the values, so range scans, prefix scans and ordered iteration work on raw bytes.
// Every encoding is also prefix-free (no value's encoding is a proper prefix of another's), so a
// composite key is the plain concatenation of its columns' encodings and still orders
// lexicographically column by column: ("a", 2) < ("a", 10) < ("ab", 1).
//
// Encoding of one value, byte by byte:
//   tag        0x00 NULL (nothing follows; NULL sorts first), 0x01 not NULL
//   BOOLEAN    1 byte, 0x00 false / 0x01 true
//   INTEGER, DATE, TIME   4 bytes big-endian, sign bit flipped (TIME is int32 ms of the day)
//   BIGINT, TIMESTAMP     8 bytes big-endian, sign bit flipped
//   DOUBLE     8 bytes: the IEEE bits big-endian, all bits inverted when the sign bit is set,
//              else only the sign bit flipped. -0.0 is written as 0.0 and every NaN as one
//              canonical NaN, which sorts after +inf (both decode to the canonical value)
//   DECIMAL    the unscaled 128-bit integer, 16 bytes big-endian, sign bit flipped (the scale is
//              the column type's, so equal unscaled values are equal numbers)
//   STRING, BYTES  the bytes with each 0x00 written 0x00 0xFF, then the terminator 0x00 0x01
//   ARRAY      per element 0x01 then the element's encoding (with its own tag); then 0x00
//   MAP        per entry 0x01, the key's encoding, the value's encoding; then 0x00. Entries in
//              their stored order: two maps equal as sets but stored in another order differ
//   STRUCT     each field's encoding in field order (the count is fixed by the type)
// STRING orders by UTF-8 bytes, which is code point order.
//
// Thread-safety: free functions over caller-owned data; KeyBuffer is a single-owner value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/column_batch.h"
#include "format/format.h"
#include "format/vector.h"

namespace sluice::sql::state {

// Appends the encoding of row `row` of `column` (a logical row: a constant vector answers for
// every row) to `out`. The column's own type says how to encode it.
void encode_value(const format::Vector& column, uint32_t row, std::string& out);
// The same, with only the parts `use` marks as read: an unread value, or an unread field of a
// STRUCT, is written NULL (and decodes as NULL). For records whose reader needs a few fields of
// wide structs (a repartition record carries `bid->auction` and `bid->price`, not the whole bid;
// the unread fields a decoder skipped are not even set).
void encode_used_value(const format::Vector& column, uint32_t row, const format::ColumnUse& use,
                       std::string& out);

// The keys of a batch's active rows, stored back to back in one buffer. Reused across batches it
// allocates only while it grows.
class KeyBuffer {
 public:
  // Number of keys.
  size_t size() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  // The key of the i-th active row; valid until the buffer is next filled or cleared.
  std::string_view key(size_t i) const {
    return {bytes_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]};
  }
  // All keys concatenated.
  std::string_view bytes() const { return bytes_; }
  // Forgets the keys, keeping the memory.
  void clear() {
    bytes_.clear();
    offsets_.clear();
  }

 private:
  friend void encode_keys(const format::ColumnBatch& batch, std::span<const uint32_t> key_columns,
                          KeyBuffer& out);

  std::string bytes_;
  // size() + 1 entries: key i is bytes_[offsets_[i], offsets_[i + 1]).
  std::vector<size_t> offsets_;
  // Scratch for encode_keys: where the next column's bytes of each key go.
  std::vector<size_t> cursors_;
};

// Replaces the contents of `out` with the keys of `batch`'s active rows (in order) over the
// columns `key_columns` (batch column indexes): key(i) is row(i)'s columns' encodings
// concatenated in the order given.
void encode_keys(const format::ColumnBatch& batch, std::span<const uint32_t> key_columns,
                 KeyBuffer& out);

// Decodes one value from the front of `in` into physical row `row` of `out` (row < capacity;
// ARRAY and MAP elements are appended to out's children) and advances `in` past it. Malformed
// or truncated input is a Corruption error; row `row` is then NULL and `in` unspecified.
Status decode_value(std::string_view& in, format::Vector& out, uint32_t row);

// An int64 as 8 bytes big-endian with the sign flipped, so that memcmp orders it as a number
// (what a windowed group key ends with, and the times in a join's state keys), and back from
// the first 8 bytes of `in` (in.size() >= 8).
void append_ordered_int64(std::string& out, int64_t v);
int64_t read_ordered_int64(std::string_view in);

// The smallest key greater than every key that starts with `prefix`, the exclusive upper bound of
// a prefix scan; "" when there is none (prefix empty or all 0xFF): scan to the end.
std::string prefix_successor(std::string_view prefix);

}  // namespace sluice::sql::state
