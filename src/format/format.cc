#include "format/format.h"
#include "format/avro_format.h"
#include "format/format_util.h"
#include "format/json_sr_format.h"
#include "format/protobuf_format.h"

#include <algorithm>

#include <fmt/format.h>

namespace sluice::format {

std::string_view side_name(Side side) {
  return side == Side::kKey ? "key" : "value";
}

std::vector<uint32_t> DecodeErrors::rows() const {
  std::vector<uint32_t> rows;
  rows.reserve(errors_.size());
  for (const auto& e : errors_) rows.push_back(e.row);
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

const Format* find_format(std::string_view name) {
  auto eq = [&](std::string_view want) {
    if (name.size() != want.size()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
      char c = name[i];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (c != want[i]) return false;
    }
    return true;
  };
  if (eq("JSON")) return &json_format();
  if (eq("DELIMITED")) return &delimited_format();
  if (eq("KAFKA")) return &kafka_format();
  if (eq("NONE")) return &none_format();
  if (eq("AVRO")) return &avro_format();
  if (eq("JSON_SR")) return &json_sr_format();
  if (eq("PROTOBUF")) return &protobuf_format();
  if (eq("PROTOBUF_NOSR")) return &protobuf_nosr_format();
  return nullptr;
}

std::string column_list(std::span<const Column> columns) {
  std::string s = "[";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) s += ", ";
    s += fmt::format("`{}` {}", columns[i].name, columns[i].type.to_string());
  }
  s += ']';
  return s;
}

Status reject_wrapping(std::string_view format, const FormatOptions& options) {
  if (options.wrap_single_value.value_or(false)) {
    return Status::invalid_argument(
        fmt::format("Format '{}' does not support 'WRAP_SINGLE_VALUE' set to 'true'.", format));
  }
  return Status::ok();
}

void set_null_deep(Vector& v, size_t row) {
  v.set_null(row);
  if (v.type().id() == TypeId::kStruct) {
    for (size_t k = 0; k < v.num_children(); ++k) set_null_deep(v.child(k), row);
  } else if (v.type().is_nested()) {
    v.set_list_entry(row, {0, 0});
  }
}

void RecordDecoder::decode(std::span<const RecordBytes> records, ColumnBatch& batch,
                           size_t first_row, std::span<const uint32_t> columns,
                           DecodeErrors& errors) {
  outs_.clear();
  for (uint32_t c : columns) outs_.push_back(&batch.column(c));
  uint8_t* null_flags = side_ == Side::kKey ? batch.key_null() : batch.value_null();
  for (size_t i = 0; i < records.size(); ++i) {
    size_t row = first_row + i;
    const RecordBytes& rec = records[i];
    null_flags[row] = rec.null ? 1 : 0;
    if (rec.null) {
      set_all_null(row);
      continue;
    }
    err_.clear();
    if (!decode_record(rec, row)) {
      set_all_null(row);
      errors.add(static_cast<uint32_t>(row),
                 fmt::format("Failed to deserialise {}: {}", side_name(side_), err_));
    }
  }
}

Result<char> parse_delimiter(std::string_view value, std::string_view config) {
  auto invalid = [&](std::string_view reason) {
    return Status::invalid_argument(
        fmt::format("Configuration {} is invalid: {}\nExample valid value: ';'", config, reason));
  };
  if (value.empty() || value == " " || value == "\t") {
    return invalid(
        "Delimiter cannot be empty, if you meant to have a tab or space for delimiter, please use "
        "the special values 'TAB' or 'SPACE'");
  }
  if (value == "TAB") return '\t';
  if (value == "SPACE") return ' ';
  if (value.size() != 1) {
    return invalid(fmt::format(
        "Invalid delimiter value: '{}'. Delimiter must be a single character or TAB,SPACE", value));
  }
  return value[0];
}

Status Encoder::encode(const ColumnBatch& batch, std::span<const uint32_t> columns,
                       EncodedRecords& out) {
  if (columns.size() != arity_) {
    return Status::internal(
        fmt::format("encoder for {} column(s) given {}", arity_, columns.size()));
  }
  for (uint32_t c : columns) {
    if (c >= batch.num_columns()) {
      return Status::internal(
          fmt::format("encoder given column {} of a batch of {}", c, batch.num_columns()));
    }
  }
  encode_rows(batch, columns, out);
  return Status::ok();
}

}  // namespace sluice::format
