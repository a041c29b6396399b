// KAFKA: the Kafka client library's primitive serializers, for exactly one column (or none):
//   INTEGER  4 bytes, big-endian two's complement      (IntegerSerializer)
//   BIGINT   8 bytes, big-endian two's complement      (LongSerializer)
//   DOUBLE   8 bytes, big-endian IEEE 754 binary64     (DoubleSerializer)
//   STRING   the UTF-8 bytes, no length or terminator  (StringSerializer)
//   BYTES    the bytes as they are                     (ByteBufferSerializer)
// A null record is a NULL column and a NULL column a null record.
//
// NONE: no columns at all (a keyless stream's key); decoding reads nothing, encoding writes null.
#include <cstring>

#include <fmt/format.h>

#include "common/bytes.h"
#include "format/format.h"
#include "format/format_util.h"

namespace sluice::format {

namespace {

bool kafka_type(TypeId id) {
  return id == TypeId::kInteger || id == TypeId::kBigint || id == TypeId::kDouble ||
         id == TypeId::kString || id == TypeId::kBytes;
}

class KafkaDecoder final : public Decoder {
 public:
  KafkaDecoder(std::vector<Column> columns, Side side)
      : columns_(std::move(columns)), side_(side) {}

  void decode(std::span<const RecordBytes> records, ColumnBatch& batch, size_t first_row,
              std::span<const uint32_t> columns, DecodeErrors& errors) override {
    uint8_t* null_flags = side_ == Side::kKey ? batch.key_null() : batch.value_null();
    Vector* v = columns.empty() ? nullptr : &batch.column(columns[0]);
    TypeId id = columns_.empty() ? TypeId::kString : columns_[0].type.id();
    for (size_t i = 0; i < records.size(); ++i) {
      size_t row = first_row + i;
      const RecordBytes& r = records[i];
      null_flags[row] = r.null ? 1 : 0;
      if (!v) continue;
      if (r.null) {
        v->set_null(row);
        continue;
      }
      v->set_valid(row);
      auto size_error = [&](const char* deser, int want) {
        errors.add(static_cast<uint32_t>(row),
                   fmt::format("Failed to deserialise {}: Size of data received by {} is not {}",
                               side_name(side_), deser, want));
      };
      switch (id) {
        case TypeId::kInteger:
          if (r.size != 4) {
            size_error("IntegerDeserializer", 4);
            break;
          }
          v->set<int32_t>(row, static_cast<int32_t>(load_be32(r.data)));
          break;
        case TypeId::kBigint:
          if (r.size != 8) {
            size_error("LongDeserializer", 8);
            break;
          }
          v->set<int64_t>(row, static_cast<int64_t>(load_be64(r.data)));
          break;
        case TypeId::kDouble: {
          if (r.size != 8) {
            size_error("DoubleDeserializer", 8);
            break;
          }
          uint64_t bits = load_be64(r.data);
          double d;
          std::memcpy(&d, &bits, 8);
          v->set<double>(row, d);
          break;
        }
        default:  // STRING, BYTES
          v->set_string(row, r.view());
          break;
      }
    }
  }

 private:
  std::vector<Column> columns_;
  Side side_;
};

class KafkaEncoder final : public Encoder {
 public:
  KafkaEncoder(std::vector<Column> columns, Side side)
      : Encoder(columns.size()), columns_(std::move(columns)), side_(side) {}

 protected:
  void encode_rows(const ColumnBatch& batch, std::span<const uint32_t> columns,
                   EncodedRecords& out) override {
    const uint8_t* null_flags = side_ == Side::kKey ? batch.key_null() : batch.value_null();
    std::string& buf = out.buffer();
    for (size_t i = 0; i < batch.active_rows(); ++i) {
      uint32_t row = batch.row(i);
      if (columns.empty() || null_flags[row] || batch.column(columns[0]).is_null(row)) {
        out.add_null();
        continue;
      }
      const Vector& v = batch.column(columns[0]);
      size_t p = v.index(row);
      uint8_t tmp[8];
      switch (columns_[0].type.id()) {
        case TypeId::kInteger:
          store_be32(tmp, static_cast<uint32_t>(v.data<int32_t>()[p]));
          buf.append(reinterpret_cast<const char*>(tmp), 4);
          break;
        case TypeId::kBigint:
          store_be64(tmp, static_cast<uint64_t>(v.data<int64_t>()[p]));
          buf.append(reinterpret_cast<const char*>(tmp), 8);
          break;
        case TypeId::kDouble: {
          uint64_t bits;
          double d = v.data<double>()[p];
          std::memcpy(&bits, &d, 8);
          store_be64(tmp, bits);
          buf.append(reinterpret_cast<const char*>(tmp), 8);
          break;
        }
        default:
          buf += v.data<std::string_view>()[p];
          break;
      }
      out.finish_record();
    }
  }

 private:
  std::vector<Column> columns_;
  Side side_;
};

class KafkaFormat final : public Format {
 public:
  std::string_view name() const override { return "KAFKA"; }

  Status validate(std::span<const Column> columns, Side,
                  const FormatOptions& options) const override {
    SLUICE_RETURN_IF_ERROR(check_types("KAFKA", columns, kafka_type));
    if (columns.size() > 1) {
      return Status::invalid_argument(fmt::format(
          "The 'KAFKA' format only supports a single field. Got: {}", column_list(columns)));
    }
    return reject_wrapping("KAFKA", options);
  }

  Result<std::unique_ptr<Decoder>> make_decoder(std::vector<Column> columns, Side side,
                                                const FormatOptions& options) const override {
    SLUICE_RETURN_IF_ERROR(validate(columns, side, options));
    return std::unique_ptr<Decoder>(std::make_unique<KafkaDecoder>(std::move(columns), side));
  }

  Result<std::unique_ptr<Encoder>> make_encoder(std::vector<Column> columns, Side side,
                                                const FormatOptions& options) const override {
    SLUICE_RETURN_IF_ERROR(validate(columns, side, options));
    return std::unique_ptr<Encoder>(std::make_unique<KafkaEncoder>(std::move(columns), side));
  }
};

class NoneDecoder final : public Decoder {
 public:
  explicit NoneDecoder(Side side) : side_(side) {}
  void decode(std::span<const RecordBytes> records, ColumnBatch& batch, size_t first_row,
              std::span<const uint32_t>, DecodeErrors&) override {
    uint8_t* null_flags = side_ == Side::kKey ? batch.key_null() : batch.value_null();
    for (size_t i = 0; i < records.size(); ++i) null_flags[first_row + i] = records[i].null;
  }

 private:
  Side side_;
};

class NoneEncoder final : public Encoder {
 public:
  NoneEncoder() : Encoder(0) {}

 protected:
  void encode_rows(const ColumnBatch& batch, std::span<const uint32_t>,
                   EncodedRecords& out) override {
    for (size_t i = 0; i < batch.active_rows(); ++i) out.add_null();
  }
};

class NoneFormat final : public Format {
 public:
  std::string_view name() const override { return "NONE"; }

  Status validate(std::span<const Column> columns, Side, const FormatOptions&) const override {
    if (!columns.empty()) {
      return Status::invalid_argument(
          fmt::format("The 'NONE' format can only be used when no columns are defined. Got: {}",
                      column_list(columns)));
    }
    return Status::ok();
  }

  Result<std::unique_ptr<Decoder>> make_decoder(std::vector<Column> columns, Side side,
                                                const FormatOptions& options) const override {
    SLUICE_RETURN_IF_ERROR(validate(columns, side, options));
    return std::unique_ptr<Decoder>(std::make_unique<NoneDecoder>(side));
  }

  Result<std::unique_ptr<Encoder>> make_encoder(std::vector<Column> columns, Side side,
                                                const FormatOptions& options) const override {
    SLUICE_RETURN_IF_ERROR(validate(columns, side, options));
    return std::unique_ptr<Encoder>(std::make_unique<NoneEncoder>());
  }
};

}  // namespace

const Format& kafka_format() {
  static const KafkaFormat kFormat;
  return kFormat;
}

const Format& none_format() {
  static const NoneFormat kFormat;
  return kFormat;
}

}  // namespace sluice::format
