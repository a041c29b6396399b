// Value formats: how a record's key or value bytes map to typed columns, and back.
//
// A Format (JSON, DELIMITED, KAFKA, NONE; later AVRO, JSON_SR, PROTOBUF through the Schema
// Registry) makes a Decoder or an Encoder for one side (key or value) of a source: a list of
// named typed columns plus the WITH-clause options. Decoders work on a span of many records at
// once and write straight into a ColumnBatch's vectors; encoders turn a batch's active rows into
// one record each. Schema Registry formats will resolve their writer schema inside make_decoder /
// per record id, behind the same interface (FormatOptions::properties carries the ids).
//
// A record that cannot be decoded never stops the batch: its row is reported in DecodeErrors
// with a reason ("Failed to deserialise value: field AMOUNT: expected DOUBLE, got \"abc\"") so
// the caller can count it, route it to an error topic and exclude the row
// (ColumnBatch::exclude_rows); the other rows are decoded as usual.
//
// Thread-safety: Format objects are immutable singletons, callable from any thread. A Decoder or
// Encoder keeps scratch buffers and belongs to one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/column_batch.h"

namespace sluice::schema {
class SchemaRegistry;
}

namespace sluice::format {

// Readable bytes that a padded RecordBytes guarantees after its data (what simdjson needs).
inline constexpr size_t kRecordPadding = 64;

// One record's key or value bytes. Kafka distinguishes a null key/value from an empty one.
struct RecordBytes {
  const uint8_t* data = nullptr;
  uint32_t size = 0;
  bool null = true;
  // kRecordPadding bytes (of any value) may be read after data + size, and the bytes stay valid
  // until the batch they are decoded into is reset: a decoder may then parse them in place and
  // point string vectors into them instead of copying.
  bool padded = false;

  static RecordBytes of(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), static_cast<uint32_t>(s.size()), false};
  }
  static RecordBytes null_record() { return {}; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data), size}; }
};

enum class Side : uint8_t { kKey, kValue };
std::string_view side_name(Side side);  // "key" / "value"

struct FormatOptions {
  // WRAP_SINGLE_VALUE; nullopt means the format's default (JSON values: wrapped).
  std::optional<bool> wrap_single_value;
  // DELIMITED: the KEY_DELIMITER / VALUE_DELIMITER for this side (see parse_delimiter).
  char delimiter = ',';
  // Further WITH properties by upper-case name, for formats that need them (schema ids, ...).
  std::map<std::string, std::string> properties;
  // Schema Registry formats (AVRO): the registry (not owned; it outlives every codec) and the
  // topic whose `<topic>-key` / `<topic>-value` subject holds the side's schema.
  schema::SchemaRegistry* registry = nullptr;
  std::string topic;
  // AVRO: the generated schema's record name (ksqlDB's KEY_/VALUE_SCHEMA_FULL_NAME).
  std::string schema_full_name;
  // KEY_SCHEMA_ID / VALUE_SCHEMA_ID: write (and read) with this registered schema.
  std::optional<int32_t> schema_id;
};

struct RowError {
  uint32_t row;  // physical row in the batch
  std::string message;
};

class DecodeErrors {
 public:
  void add(uint32_t row, std::string message) { errors_.push_back({row, std::move(message)}); }
  const std::vector<RowError>& errors() const { return errors_; }
  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }
  // Failed rows, ascending and unique (for ColumnBatch::exclude_rows).
  std::vector<uint32_t> rows() const;
  void clear() { errors_.clear(); }

 private:
  std::vector<RowError> errors_;
};

// Which part of a column a query reads (projection pushdown into the decoder): nothing
// (used = false), all of it (used, no fields), or, for a STRUCT, some of its fields (used, one
// entry per field).
struct ColumnUse {
  bool used = true;
  std::vector<ColumnUse> fields;
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Lets the decoder skip what no one reads: uses[j] for schema column j. Skipped parts are
  // left unset in the batch (not even NULL), but a record whose skipped parts do not have the
  // declared types still fails as it would otherwise. Formats that cannot skip ignore this.
  virtual void set_projection(const std::vector<ColumnUse>& /*uses*/) {}
  // Decodes records[i] into physical row first_row + i of `batch`: schema column j goes to batch
  // column columns[j]. The rows must lie within the batch capacity; setting the batch size is
  // the caller's. A null record sets the side's key_null/value_null flag and NULLs the columns.
  virtual void decode(std::span<const RecordBytes> records, ColumnBatch& batch, size_t first_row,
                      std::span<const uint32_t> columns, DecodeErrors& errors) = 0;
};

// Encoded records, back to back in one buffer.
class EncodedRecords {
 public:
  size_t size() const { return ends_.size(); }
  RecordBytes record(size_t i) const {
    if (nulls_[i]) return RecordBytes::null_record();
    uint32_t begin = i ? ends_[i - 1] : 0;
    return {reinterpret_cast<const uint8_t*>(bytes_.data()) + begin, ends_[i] - begin, false};
  }
  void clear() {
    bytes_.clear();
    ends_.clear();
    nulls_.clear();
    errors_.clear();
  }
  // Records that could not be encoded (a value a registered schema cannot hold): their slot is a
  // null record, and `errors()` names them (RowError::row is the record's index), ascending.
  void fail_record(std::string message) {
    errors_.push_back({static_cast<uint32_t>(ends_.size()), std::move(message)});
    add_null();
  }
  const std::vector<RowError>& errors() const { return errors_; }
  // For encoders: append bytes to `buffer()`, then finish the record.
  std::string& buffer() { return bytes_; }
  void finish_record() {
    ends_.push_back(static_cast<uint32_t>(bytes_.size()));
    nulls_.push_back(0);
  }
  void add_null() {
    ends_.push_back(static_cast<uint32_t>(bytes_.size()));
    nulls_.push_back(1);
  }
  // For encoders that grow buffer() ahead of their writes: the same with the end of the bytes
  // written so far, `end` (buffer() must be cut to the last end before anything else reads it).
  void finish_record_at(size_t end) {
    ends_.push_back(static_cast<uint32_t>(end));
    nulls_.push_back(0);
  }
  void add_null_at(size_t end) {
    ends_.push_back(static_cast<uint32_t>(end));
    nulls_.push_back(1);
  }

 private:
  std::string bytes_;
  std::vector<uint32_t> ends_;
  std::vector<uint8_t> nulls_;
  std::vector<RowError> errors_;
};

class Encoder {
 public:
  // `arity`: the number of schema columns the encoder was made for.
  explicit Encoder(size_t arity) : arity_(arity) {}
  virtual ~Encoder() = default;
  // Appends one record per active row of `batch`, in order: schema column j is read from batch
  // column columns[j]. A value encoder writes a null record for rows whose value_null is set.
  // Fails, writing nothing, unless `columns` names one existing batch column per schema column:
  // a caller's mistake here must be an error, never a read out of bounds.
  Status encode(const ColumnBatch& batch, std::span<const uint32_t> columns, EncodedRecords& out);

 protected:
  // encode() with its preconditions checked.
  virtual void encode_rows(const ColumnBatch& batch, std::span<const uint32_t> columns,
                           EncodedRecords& out) = 0;

 private:
  size_t arity_;
};

class Format {
 public:
  virtual ~Format() = default;
  virtual std::string_view name() const = 0;
  // Whether this format can carry these columns on this side, with ksqlDB's error messages.
  virtual Status validate(std::span<const Column> columns, Side side,
                          const FormatOptions& options) const = 0;
  // Both validate first.
  virtual Result<std::unique_ptr<Decoder>> make_decoder(std::vector<Column> columns, Side side,
                                                        const FormatOptions& options) const = 0;
  virtual Result<std::unique_ptr<Encoder>> make_encoder(std::vector<Column> columns, Side side,
                                                        const FormatOptions& options) const = 0;
};

// The format named `name` (case-insensitive: JSON, DELIMITED, KAFKA, NONE, AVRO, JSON_SR,
// PROTOBUF, PROTOBUF_NOSR), or
// nullptr; the caller reports "Unknown format: FOO".
const Format* find_format(std::string_view name);
const Format& json_format();
const Format& delimited_format();
const Format& kafka_format();
const Format& none_format();

// Parses a KEY_DELIMITER / VALUE_DELIMITER value: one character, or TAB / SPACE. `config` names
// the property in the error ("VALUE_DELIMITER").
Result<char> parse_delimiter(std::string_view value, std::string_view config);

}  // namespace sluice::format
