// DELIMITED: one CSV line per record (RFC 4180 quoting with '"', "" for a quote inside a quoted
// field), one field per column in order, as ksqlDB reads and writes it with Apache Commons CSV:
//   - decoding: the field count must equal the column count; an empty field is NULL; BOOLEAN is
//     Java's Boolean.parseBoolean ("true" in any case, anything else false); numbers by
//     Integer/Long/Double.parseDouble rules; DECIMAL exactly (more fractional digits than the
//     scale is an error, as ksqlDB's DecimalUtil.ensureFit); TIMESTAMP ms,
//     DATE days, TIME ms as integers; BYTES as Base64. Only primitive types.
//   - encoding: NULL as an empty field; a field is quoted when it contains the delimiter, a
//     quote, CR or LF, starts with a character <= '#', ends with a character <= ' ', is empty and
//     first on the line, or is the first field and starts with anything but [0-9A-Za-z]
//     (Commons CSV's QuoteMode.MINIMAL).
#include <fmt/format.h>

#include "format/decimal.h"
#include "format/format.h"
#include "format/format_util.h"
#include "format/text.h"

namespace sluice::format {

namespace {

bool primitive(TypeId id) {
  return id != TypeId::kArray && id != TypeId::kMap && id != TypeId::kStruct;
}

// Splits one CSV line into fields; views point into `line` or, for quoted fields holding "",
// into `scratch`. Returns false with `err` set when the line is malformed.
bool split_csv(std::string_view line, char delim, std::vector<std::string_view>& fields,
               std::vector<uint8_t>& quoted, std::string& scratch, std::string& err) {
  fields.clear();
  quoted.clear();
  scratch.clear();
  // Quoted fields with escaped quotes are unescaped into scratch; reserve so views stay valid.
  scratch.reserve(line.size());
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t i = 0;
  size_t n = line.size();
  while (true) {
    if (i < n && line[i] == '"') {
      ++i;
      size_t start = i;
      bool escaped = false;
      size_t scratch_start = scratch.size();
      while (true) {
        if (i >= n) {
          err = "EOF reached before encapsulated token finished";
          return false;
        }
        if (line[i] == '"') {
          if (i + 1 < n && line[i + 1] == '"') {
            if (!escaped) {
              scratch.append(line.data() + start, i - start);
              escaped = true;
            }
            scratch += '"';
            i += 2;
            continue;
          }
          break;
        }
        if (escaped) scratch += line[i];
        ++i;
      }
      if (escaped) {
        fields.emplace_back(scratch.data() + scratch_start, scratch.size() - scratch_start);
      } else {
        fields.emplace_back(line.data() + start, i - start);
      }
      quoted.push_back(1);
      ++i;  // closing quote
      if (i < n && line[i] != delim) {
        err = "invalid char between encapsulated token and delimiter";
        return false;
      }
    } else {
      size_t start = i;
      while (i < n && line[i] != delim) ++i;
      fields.emplace_back(line.data() + start, i - start);
      quoted.push_back(0);
    }
    if (i >= n) break;
    ++i;  // delimiter
  }
  return true;
}

class DelimitedDecoder final : public Decoder {
 public:
  DelimitedDecoder(std::vector<Column> columns, Side side, char delim)
      : columns_(std::move(columns)), side_(side), delim_(delim) {}

  void decode(std::span<const RecordBytes> records, ColumnBatch& batch, size_t first_row,
              std::span<const uint32_t> columns, DecodeErrors& errors) override {
    uint8_t* null_flags = side_ == Side::kKey ? batch.key_null() : batch.value_null();
    for (size_t i = 0; i < records.size(); ++i) {
      size_t row = first_row + i;
      null_flags[row] = 0;
      if (records[i].null) {
        null_flags[row] = 1;
        for (uint32_t c : columns) batch.column(c).set_null(row);
        continue;
      }
      if (columns.empty()) continue;
      std::string err;
      if (!split_csv(records[i].view(), delim_, fields_, quoted_, scratch_, err)) {
        errors.add(static_cast<uint32_t>(row),
                   fmt::format("Failed to deserialise {}: {}", side_name(side_), err));
        continue;
      }
      if (fields_.size() != columns.size()) {
        errors.add(static_cast<uint32_t>(row),
                   fmt::format("Failed to deserialise {}: Column count mismatch on "
                               "deserialization. expected: {}, got: {}",
                               side_name(side_), columns.size(), fields_.size()));
        continue;
      }
      for (size_t j = 0; j < columns.size(); ++j) {
        Vector& v = batch.column(columns[j]);
        if (!parse_field(fields_[j], columns_[j].type, v, row, err)) {
          errors.add(static_cast<uint32_t>(row),
                     fmt::format("Failed to deserialise {}: field {}: {}", side_name(side_),
                                 columns_[j].name, err));
          break;
        }
      }
    }
  }

 private:
  bool parse_field(std::string_view s, const Type& t, Vector& v, size_t row, std::string& err) {
    if (s.empty()) {
      v.set_null(row);
      return true;
    }
    v.set_valid(row);
    auto bad = [&] {
      err = fmt::format("expected {}, got \"{}\"", t.to_string(), s.substr(0, 40));
      return false;
    };
    switch (t.id()) {
      case TypeId::kBoolean: {
        bool b = s.size() == 4 && (s[0] | 32) == 't' && (s[1] | 32) == 'r' && (s[2] | 32) == 'u' &&
                 (s[3] | 32) == 'e';
        v.set<uint8_t>(row, b ? 1 : 0);
        return true;
      }
      case TypeId::kInteger:
      case TypeId::kDate:
      case TypeId::kTime: {
        auto x = parse_int32(s);
        if (!x) return bad();
        v.set<int32_t>(row, *x);
        return true;
      }
      case TypeId::kBigint:
      case TypeId::kTimestamp: {
        auto x = parse_int64(s);
        if (!x) return bad();
        v.set<int64_t>(row, *x);
        return true;
      }
      case TypeId::kDouble: {
        auto x = parse_double(s);
        if (!x) return bad();
        v.set<double>(row, *x);
        return true;
      }
      case TypeId::kDecimal: {
        auto x = parse_decimal_exact(s, t.precision(), t.scale());
        if (!x.is_ok()) {
          err = x.status().message();
          return false;
        }
        v.set<Int128>(row, *x);
        return true;
      }
      case TypeId::kString:
        v.set_string(row, s);
        return true;
      case TypeId::kBytes: {
        bytes_.clear();
        if (!decode_base64(s, bytes_)) return bad();
        v.set_string(row, bytes_);
        return true;
      }
      default:
        return bad();
    }
  }

  std::vector<Column> columns_;
  Side side_;
  char delim_;
  std::vector<std::string_view> fields_;
  std::vector<uint8_t> quoted_;
  std::string scratch_;
  std::string bytes_;
};

void append_text(std::string& out, const Vector& v, size_t row) {
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
    case TypeId::kDouble:
      append_java_double(out, v.data<double>()[p]);
      return;
    case TypeId::kDecimal:
      append_decimal(out, v.data<Int128>()[p], t.scale());
      return;
    case TypeId::kString:
      out += v.data<std::string_view>()[p];
      return;
    case TypeId::kBytes:
      append_base64(out, v.data<std::string_view>()[p]);
      return;
    default:
      return;
  }
}

bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool needs_quotes(std::string_view s, char delim, bool first) {
  if (s.empty()) return first;
  char c0 = s[0];
  if (first && !is_alnum(c0)) return true;
  if (static_cast<unsigned char>(c0) <= '#') return true;
  for (char c : s) {
    if (c == delim || c == '"' || c == '\n' || c == '\r') return true;
  }
  return static_cast<unsigned char>(s.back()) <= ' ';
}

class DelimitedEncoder final : public Encoder {
 public:
  DelimitedEncoder(std::vector<Column> columns, Side side, char delim)
      : Encoder(columns.size()), columns_(std::move(columns)), side_(side), delim_(delim) {}

 protected:
  void encode_rows(const ColumnBatch& batch, std::span<const uint32_t> columns,
                   EncodedRecords& out) override {
    const uint8_t* null_flags = side_ == Side::kKey ? batch.key_null() : batch.value_null();
    std::string& buf = out.buffer();
    for (size_t i = 0; i < batch.active_rows(); ++i) {
      uint32_t row = batch.row(i);
      if (null_flags[row] || columns.empty()) {
        out.add_null();
        continue;
      }
      for (size_t j = 0; j < columns.size(); ++j) {
        if (j) buf += delim_;
        const Vector& v = batch.column(columns[j]);
        if (v.is_null(row)) continue;
        field_.clear();
        append_text(field_, v, row);
        if (!needs_quotes(field_, delim_, j == 0)) {
          buf += field_;
          continue;
        }
        buf += '"';
        for (char c : field_) {
          if (c == '"') buf += '"';
          buf += c;
        }
        buf += '"';
      }
      out.finish_record();
    }
  }

 private:
  std::vector<Column> columns_;
  Side side_;
  char delim_;
  std::string field_;
};

class DelimitedFormat final : public Format {
 public:
  std::string_view name() const override { return "DELIMITED"; }

  Status validate(std::span<const Column> columns, Side,
                  const FormatOptions& options) const override {
    SLUICE_RETURN_IF_ERROR(check_types("DELIMITED", columns, primitive));
    return reject_wrapping("DELIMITED", options);
  }

  Result<std::unique_ptr<Decoder>> make_decoder(std::vector<Column> columns, Side side,
                                                const FormatOptions& options) const override {
    SLUICE_RETURN_IF_ERROR(validate(columns, side, options));
    return std::unique_ptr<Decoder>(
        std::make_unique<DelimitedDecoder>(std::move(columns), side, options.delimiter));
  }

  Result<std::unique_ptr<Encoder>> make_encoder(std::vector<Column> columns, Side side,
                                                const FormatOptions& options) const override {
    SLUICE_RETURN_IF_ERROR(validate(columns, side, options));
    return std::unique_ptr<Encoder>(
        std::make_unique<DelimitedEncoder>(std::move(columns), side, options.delimiter));
  }
};

}  // namespace

const Format& delimited_format() {
  static const DelimitedFormat kFormat;
  return kFormat;
}

}  // namespace sluice::format
