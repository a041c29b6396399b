// Internal helpers shared by the format implementations.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "common/status.h"
#include "format/column_batch.h"
#include "format/format.h"

namespace sluice::format {

// "[`A` INTEGER, `B` STRING]", as ksqlDB lists columns in its messages.
std::string column_list(std::span<const Column> columns);

// Fails with "The '<FORMAT>' format does not support type '<BASE TYPE>'" for the first column
// whose type (or a type nested in it) is not accepted by `supported`.
template <typename Pred>
Status check_types(std::string_view format, std::span<const Column> columns, Pred supported);

// "Format '<FORMAT>' does not support 'WRAP_SINGLE_VALUE' set to 'true'." when it is set so.
Status reject_wrapping(std::string_view format, const FormatOptions& options);

// ASCII upper case, as ksqlDB folds unquoted names.
inline std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// ASCII case-insensitive equality, as ksqlDB matches field names to columns.
inline bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

// a / b rounded toward negative infinity (micros to millis of times before 1970).
inline int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Sets row `row` of v, and of every child of a STRUCT, to NULL.
void set_null_deep(Vector& v, size_t row);

// The frame of a decoder that reads each record on its own (the Schema Registry formats): a null
// record sets the side's null flag and NULLs the row; a record that fails leaves a row of NULLs
// and an error "Failed to deserialise <side>: <reason>".
class RecordDecoder : public Decoder {
 public:
  explicit RecordDecoder(Side side) : side_(side) {}
  void decode(std::span<const RecordBytes> records, ColumnBatch& batch, size_t first_row,
              std::span<const uint32_t> columns, DecodeErrors& errors) final;

 protected:
  // Decodes one record (not null) into physical row `row` of outs_; false when it cannot, with
  // the reason given to fail().
  virtual bool decode_record(const RecordBytes& record, size_t row) = 0;
  void set_all_null(size_t row) {
    for (Vector* v : outs_) set_null_row(*v, row);
  }
  // Keeps the first reason a record fails; returns false.
  bool fail(std::string message) {
    if (err_.empty()) err_ = std::move(message);
    return false;
  }

  Side side_;
  std::vector<Vector*> outs_;  // the batch's vectors, by schema column
  std::string err_;
};

template <typename Pred>
Status check_types(std::string_view format, std::span<const Column> columns, Pred supported) {
  for (const Column& c : columns) {
    if (!supported(c.type.id())) {
      return Status::invalid_argument(fmt::format("The '{}' format does not support type '{}'",
                                                  format, type_id_name(c.type.id())));
    }
  }
  return Status::ok();
}

}  // namespace sluice::format
