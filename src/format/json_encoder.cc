// Column vectors -> JSON, as ksqlDB's serializer (Jackson, compact) writes it: field names are
// the column names as stored (upper case unless quoted), DOUBLE as Java's Double.toString,
// DECIMAL as a plain number keeping its scale (10.10), TIMESTAMP as epoch ms, DATE as days, TIME
// as ms of the day, BYTES as a Base64 string, NULL as null, NaN
// and the infinities as strings. A null value row, and a NULL single
// unwrapped column, become a null record.
#include <charconv>
#include <cmath>
#include <cstring>

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

// Writes into a std::string through a raw pointer: the string is grown (zero-filled) in large
// steps ahead of the writes and cut back to what was written when the writer goes.
class RawWriter {
 public:
  explicit RawWriter(std::string& buf) : buf_(buf), len_(buf.size()) {}
  ~RawWriter() { buf_.resize(len_); }
  // At least n writable bytes at the returned pointer; commit() what was written.
  char* need(size_t n) {
    if (buf_.size() - len_ < n)
      buf_.resize(len_ + std::max(n, std::max<size_t>(buf_.size(), 1 << 16)));
    return buf_.data() + len_;
  }
  void commit(char* end) { len_ = static_cast<size_t>(end - buf_.data()); }
  size_t length() const { return len_; }

 private:
  std::string& buf_;
  size_t len_;
};

class JsonEncoder final : public Encoder {
 public:
  JsonEncoder(std::vector<Column> columns, Side side, bool wrapped)
      : Encoder(columns.size()), columns_(std::move(columns)), side_(side), wrapped_(wrapped) {
    // Field names with their quotes and colon, ready to append.
    for (const auto& c : columns_) {
      std::string prefix;
      append_json_string(prefix, c.name);
      prefix += ':';
      prefixes_.push_back(std::move(prefix));
    }
    // The raw fast path: objects of flat scalar columns. Its prefixes start with '{' or ','.
    flat_ = wrapped_;
    for (size_t j = 0; j < columns_.size(); ++j) {
      switch (columns_[j].type.id()) {
        case TypeId::kBoolean:
        case TypeId::kInteger:
        case TypeId::kDate:
        case TypeId::kTime:
        case TypeId::kBigint:
        case TypeId::kTimestamp:
        case TypeId::kDouble:
        case TypeId::kString:
          break;
        default:
          flat_ = false;
      }
      std::string prefix = (j ? "," : "{") + prefixes_[j];
      fixed_bound_ += prefix.size() + kMaxJavaDoubleChars + 2;  // + 2: quotes of NaN
      flat_prefixes_.push_back(std::move(prefix));
    }
    fixed_bound_ += 2;  // "{}" of an object without columns
  }

 protected:
  void encode_rows(const ColumnBatch& batch, std::span<const uint32_t> columns,
                   EncodedRecords& out) override {
    if (flat_ && columns.size() == flat_prefixes_.size()) {
      encode_flat(batch, columns, out);
      return;
    }
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
  // encode() of flat objects, written straight into the buffer.
  void encode_flat(const ColumnBatch& batch, std::span<const uint32_t> columns,
                   EncodedRecords& out) {
    const uint8_t* null_flags = side_ == Side::kKey ? batch.key_null() : batch.value_null();
    vectors_.clear();
    for (uint32_t c : columns) vectors_.push_back(&batch.column(c));
    RawWriter w(out.buffer());
    size_t ncols = vectors_.size();
    for (size_t i = 0; i < batch.active_rows(); ++i) {
      uint32_t row = batch.row(i);
      if (null_flags[row]) {
        out.add_null_at(w.length());
        continue;
      }
      {
        char* p = w.need(fixed_bound_);
        if (ncols == 0) *p++ = '{';
        for (size_t j = 0; j < ncols; ++j) {
          const Vector& v = *vectors_[j];
          const std::string& prefix = flat_prefixes_[j];
          std::memcpy(p, prefix.data(), prefix.size());
          p += prefix.size();
          if (v.is_null(row)) {
            std::memcpy(p, "null", 4);
            p += 4;
            continue;
          }
          size_t at = v.index(row);
          switch (v.type().id()) {
            case TypeId::kBoolean:
              if (v.data<uint8_t>()[at]) {
                std::memcpy(p, "true", 4);
                p += 4;
              } else {
                std::memcpy(p, "false", 5);
                p += 5;
              }
              break;
            case TypeId::kInteger:
            case TypeId::kDate:
            case TypeId::kTime:
              p = std::to_chars(p, p + 24, v.data<int32_t>()[at]).ptr;
              break;
            case TypeId::kBigint:
            case TypeId::kTimestamp:
              p = std::to_chars(p, p + 24, v.data<int64_t>()[at]).ptr;
              break;
            case TypeId::kDouble: {
              double d = v.data<double>()[at];
              // JSON has no NaN or Infinity: Jackson quotes them ("NaN").
              bool finite = std::isfinite(d);
              if (!finite) *p++ = '"';
              p = write_java_double(p, d);
              if (!finite) *p++ = '"';
              break;
            }
            case TypeId::kString: {
              std::string_view s = v.data<std::string_view>()[at];
              w.commit(p);
              // Room for the escaped string and what the row's remaining columns may need.
              p = write_json_string(w.need(6 * s.size() + 2 + fixed_bound_), s);
              break;
            }
            default:
              break;  // not flat: encode() took the general path
          }
        }
        *p++ = '}';
        w.commit(p);
      }
      out.finish_record_at(w.length());
    }
  }

  std::vector<Column> columns_;
  Side side_;
  bool wrapped_;
  std::vector<std::string> prefixes_;
  bool flat_ = false;
  std::vector<std::string> flat_prefixes_;  // "{" or "," then the quoted name and ':'
  size_t fixed_bound_ = 0;                  // most bytes a row takes besides its strings
  std::vector<const Vector*> vectors_;
};

}  // namespace

std::unique_ptr<Encoder> make_encoder(std::vector<Column> columns, Side side, bool wrapped) {
  return std::make_unique<JsonEncoder>(std::move(columns), side, wrapped);
}

}  // namespace sluice::format::json_internal
