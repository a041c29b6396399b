// Column vectors -> JSON, as ksqlDB's serializer (Jackson, compact) writes it: field names are
// the column names as stored (upper case unless quoted), DOUBLE as Java's Double.toString,
// DECIMAL as a plain number keeping its scale (10.10), TIMESTAMP as epoch ms, DATE as days, TIME
// as ms of the day, BYTES as a Base64 string, NULL as null, NaN
// and the infinities as strings. A null value row, and a NULL single
// unwrapped column, become a null record.
#include <cmath>

#include "format/decimal.h"
#include "format/json_internal.h"
#include "format/text.h"

namespace sluice::format::json_internal {

namespace {

void write_json(std::string& out, const Vector& v, size_t row) {
  if (v.is_null(row)) {
    out += "null";
    return;
  }
  size_t p = v.index(row);
  const Type& t = v.type();
  switch (t.id()) {
    case TypeId::kBoolean:
      out += v.data<uint8_t>()[p] ? "true" : "false";
      return;
    case TypeId::kInteger:
    case TypeId::kDate:
    case TypeId::kTime:
      append_int(out, v.data<int32_t>()[p]);
      return;
    case TypeId::kBigint:
    case TypeId::kTimestamp:
      append_int(out, v.data<int64_t>()[p]);
      return;
    case TypeId::kDouble: {
      double d = v.data<double>()[p];
      // JSON has no NaN or Infinity: Jackson quotes them ("NaN"), and they read back as DOUBLE.
      if (!std::isfinite(d)) out += '"';
      append_java_double(out, d);
      if (!std::isfinite(d)) out += '"';
      return;
    }
    case TypeId::kDecimal:
      append_decimal(out, v.data<Int128>()[p], t.scale());
      return;
    case TypeId::kString:
      append_json_string(out, v.data<std::string_view>()[p]);
      return;
    case TypeId::kBytes:
      out += '"';
      append_base64(out, v.data<std::string_view>()[p]);
      out += '"';
      return;
    case TypeId::kArray: {
      ListEntry e = v.data<ListEntry>()[p];
      out += '[';
      for (uint32_t i = 0; i < e.length; ++i) {
        if (i) out += ',';
        write_json(out, v.child(0), e.offset + i);
      }
      out += ']';
      return;
    }
    case TypeId::kMap: {
      ListEntry e = v.data<ListEntry>()[p];
      const Vector& keys = v.child(0);
      out += '{';
      for (uint32_t i = 0; i < e.length; ++i) {
        if (i) out += ',';
        // JSON maps have STRING keys (validated); a NULL key has no JSON spelling but "null".
        if (keys.is_null(e.offset + i)) {
          out += "\"null\"";
        } else {
          append_json_string(out, keys.get_string(e.offset + i));
        }
        out += ':';
        write_json(out, v.child(1), e.offset + i);
      }
      out += '}';
      return;
    }
    case TypeId::kStruct: {
      out += '{';
      const auto& fields = t.fields();
      for (size_t k = 0; k < fields.size(); ++k) {
        if (k) out += ',';
        append_json_string(out, fields[k].name);
        out += ':';
        write_json(out, v.child(k), p);
      }
      out += '}';
      return;
    }
  }
}

class JsonEncoder final : public Encoder {
 public:
  JsonEncoder(std::vector<Column> columns, Side side, bool wrapped)
      : columns_(std::move(columns)), side_(side), wrapped_(wrapped) {
    // Field names with their quotes and colon, ready to append.
    for (const auto& c : columns_) {
      std::string prefix;
      append_json_string(prefix, c.name);
      prefix += ':';
      prefixes_.push_back(std::move(prefix));
    }
  }

  void encode(const ColumnBatch& batch, std::span<const uint32_t> columns,
              EncodedRecords& out) override {
    const uint8_t* null_flags = side_ == Side::kKey ? batch.key_null() : batch.value_null();
    std::string& buf = out.buffer();
    for (size_t i = 0; i < batch.active_rows(); ++i) {
      uint32_t row = batch.row(i);
      if (null_flags[row]) {
        out.add_null();
        continue;
      }
      if (!wrapped_) {
        if (columns.empty()) {
          out.add_null();  // a keyless key
          continue;
        }
        const Vector& v = batch.column(columns[0]);
        if (v.is_null(row)) {
          out.add_null();
          continue;
        }
        write_json(buf, v, row);
        out.finish_record();
        continue;
      }
      buf += '{';
      for (size_t j = 0; j < columns.size(); ++j) {
        if (j) buf += ',';
        buf += prefixes_[j];
        write_json(buf, batch.column(columns[j]), row);
      }
      buf += '}';
      out.finish_record();
    }
  }

 private:
  std::vector<Column> columns_;
  Side side_;
  bool wrapped_;
  std::vector<std::string> prefixes_;
};

}  // namespace

std::unique_ptr<Encoder> make_encoder(std::vector<Column> columns, Side side, bool wrapped) {
  return std::make_unique<JsonEncoder>(std::move(columns), side, wrapped);
}

}  // namespace sluice::format::json_internal
