// The JSON_SR format (see json_sr_format.h).
#include "format/json_sr_format.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "format/format_util.h"
#include "format/json_internal.h"
#include "schema/avro_binary.h"
#include "schema/registry.h"

namespace sluice::format {
// Named (not anonymous): the unity build compiles this with the Avro format, whose helpers
// have the same names.
namespace json_sr_internal {

using OJson = nlohmann::ordered_json;

// Deeper schemas are refused rather than risking the stack.
constexpr int kMaxDepth = 100;

OJson optional_of(OJson t) {
  return OJson{{"oneOf", OJson::array({OJson{{"type", "null"}}, std::move(t)})}};
}

OJson connect_logical(std::string_view type, std::string_view title, std::string_view connect) {
  return OJson{{"type", type}, {"title", title}, {"connect.version", 1}, {"connect.type", connect}};
}

Result<OJson> generated(const Type& t) {
  switch (t.id()) {
    case TypeId::kBoolean:
      return OJson{{"type", "boolean"}};
    case TypeId::kInteger:
      return OJson{{"type", "integer"}, {"connect.type", "int32"}};
    case TypeId::kBigint:
      return OJson{{"type", "integer"}, {"connect.type", "int64"}};
    case TypeId::kDouble:
      return OJson{{"type", "number"}, {"connect.type", "float64"}};
    case TypeId::kString:
      return OJson{{"type", "string"}};
    case TypeId::kBytes:
      return OJson{{"type", "string"}, {"connect.type", "bytes"}};
    case TypeId::kDecimal: {
      OJson j = connect_logical("number", "org.apache.kafka.connect.data.Decimal", "bytes");
      j["connect.parameters"] = {{"scale", std::to_string(t.scale())},
                                 {"connect.decimal.precision", std::to_string(t.precision())}};
      return j;
    }
    case TypeId::kTimestamp:
      return connect_logical("integer", "org.apache.kafka.connect.data.Timestamp", "int64");
    case TypeId::kDate:
      return connect_logical("integer", "org.apache.kafka.connect.data.Date", "int32");
    case TypeId::kTime:
      return connect_logical("integer", "org.apache.kafka.connect.data.Time", "int32");
    case TypeId::kArray: {
      SLUICE_ASSIGN_OR_RETURN(OJson items, generated(t.element()));
      return OJson{{"type", "array"}, {"items", optional_of(std::move(items))}};
    }
    case TypeId::kMap: {
      if (t.key().id() != TypeId::kString) {
        return Status::invalid_argument("JSON only supports MAP types with STRING keys");
      }
      SLUICE_ASSIGN_OR_RETURN(OJson values, generated(t.value()));
      return OJson{{"type", "object"},
                   {"additionalProperties", optional_of(std::move(values))},
                   {"connect.type", "map"}};
    }
    case TypeId::kStruct: {
      OJson properties = OJson::object();
      int index = 0;
      for (const Field& f : t.fields()) {
        SLUICE_ASSIGN_OR_RETURN(OJson ft, generated(f.type));
        OJson p = optional_of(std::move(ft));
        p["connect.index"] = index++;
        properties[f.name] = std::move(p);
      }
      return OJson{{"type", "object"}, {"properties", std::move(properties)}};
    }
  }
  return Status::internal("unknown type");
}

// A JSON Schema's SQL type, as Connect's JsonSchemaData reads it and ksqlDB maps Connect's types.
Result<Type> inferred(const OJson& s, bool keep, int depth) {
  if (depth > kMaxDepth) return Status::invalid_argument("JSON schema nested too deeply");
  if (!s.is_object()) return Status::invalid_argument("a JSON schema must be an object");
  for (const char* key : {"oneOf", "anyOf"}) {
    auto it = s.find(key);
    if (it == s.end() || !it->is_array()) continue;
    const OJson* only = nullptr;
    size_t non_null = 0;
    for (const OJson& b : *it) {
      if (b.is_object() && b.value("type", "") == "null") continue;
      ++non_null;
      only = &b;
    }
    if (non_null == 1) return inferred(*only, keep, depth + 1);
    return Status::invalid_argument(
        fmt::format("JSON schema {} of several types has no SQL type", key));
  }
  std::string type =
      s.contains("type") && s["type"].is_string() ? s["type"].get<std::string>() : "";
  std::string connect = s.value("connect.type", "");
  std::string title = s.value("title", "");
  if (title == "org.apache.kafka.connect.data.Decimal") {
    int precision = 38, scale = 0;
    if (auto p = s.find("connect.parameters"); p != s.end() && p->is_object()) {
      precision = std::atoi(p->value("connect.decimal.precision", "38").c_str());
      scale = std::atoi(p->value("scale", "0").c_str());
    }
    if (auto e = check_decimal(precision, scale)) return Status::invalid_argument(e->message);
    return Type::decimal(precision, scale);
  }
  if (title == "org.apache.kafka.connect.data.Timestamp") return Type::timestamp();
  if (title == "org.apache.kafka.connect.data.Date") return Type::date();
  if (title == "org.apache.kafka.connect.data.Time") return Type::time();
  if (type == "boolean") return Type::boolean();
  if (type == "integer") {
    if (connect == "int8" || connect == "int16" || connect == "int32") return Type::integer();
    return Type::bigint();
  }
  if (type == "number") return Type::double_();
  if (type == "string") return connect == "bytes" ? Type::bytes() : Type::string();
  if (type == "array") {
    if (!s.contains("items")) return Status::invalid_argument("JSON schema array without items");
    SLUICE_ASSIGN_OR_RETURN(Type items, inferred(s["items"], keep, depth + 1));
    return Type::array(std::move(items));
  }
  if (type == "object") {
    if (auto a = s.find("additionalProperties");
        a != s.end() && a->is_object() && !s.contains("properties")) {
      SLUICE_ASSIGN_OR_RETURN(Type values, inferred(*a, keep, depth + 1));
      return Type::map(Type::string(), std::move(values));
    }
    std::vector<Field> fields;
    if (auto p = s.find("properties"); p != s.end() && p->is_object()) {
      for (auto it = p->begin(); it != p->end(); ++it) {
        SLUICE_ASSIGN_OR_RETURN(Type ft, inferred(it.value(), keep, depth + 1));
        fields.push_back({keep ? it.key() : upper_ascii(it.key()), std::move(ft)});
      }
    }
    return Type::struct_(std::move(fields));
  }
  return Status::invalid_argument(
      fmt::format("JSON schema type '{}' has no SQL type", type.empty() ? s.dump() : type));
}

// The JSON codecs, behind Confluent's header.
class JsonSrDecoder final : public Decoder {
 public:
  JsonSrDecoder(std::unique_ptr<Decoder> json, Side side) : json_(std::move(json)), side_(side) {}

  void set_projection(const std::vector<ColumnUse>& uses) override { json_->set_projection(uses); }

  void decode(std::span<const RecordBytes> records, ColumnBatch& batch, size_t first_row,
              std::span<const uint32_t> columns, DecodeErrors& errors) override {
    bodies_.assign(records.begin(), records.end());
    bad_.clear();
    for (size_t i = 0; i < bodies_.size(); ++i) {
      RecordBytes& r = bodies_[i];
      if (r.null) continue;
      if (!schema::confluent_schema_id(r.view())) {
        bad_.push_back(i);
        r = RecordBytes::null_record();
        continue;
      }
      r.data += schema::kConfluentHeader;
      r.size -= static_cast<uint32_t>(schema::kConfluentHeader);
    }
    json_->decode(bodies_, batch, first_row, columns, errors);
    for (size_t i : bad_) {
      // Decoded as a null record above: the row's columns are NULL; the record is an error.
      (side_ == Side::kKey ? batch.key_null() : batch.value_null())[first_row + i] = 0;
      errors.add(static_cast<uint32_t>(first_row + i),
                 fmt::format("Failed to deserialise {}: Unknown magic byte!", side_name(side_)));
    }
  }

 private:
  std::unique_ptr<Decoder> json_;
  Side side_;
  std::vector<RecordBytes> bodies_;
  std::vector<size_t> bad_;
};

class JsonSrEncoder final : public Encoder {
 public:
  JsonSrEncoder(size_t arity, std::unique_ptr<Encoder> json, int32_t id)
      : Encoder(arity), json_(std::move(json)), id_(id) {}

 protected:
  void encode_rows(const ColumnBatch& batch, std::span<const uint32_t> columns,
                   EncodedRecords& out) override {
    bodies_.clear();
    Status st = json_->encode(batch, columns, bodies_);
    for (size_t i = 0; i < bodies_.size(); ++i) {
      RecordBytes r = bodies_.record(i);
      if (!st.is_ok()) {
        out.fail_record(st.message());
      } else if (r.null) {
        out.add_null();
      } else {
        schema::write_confluent_header(id_, out.buffer());
        out.buffer().append(r.view());
        out.finish_record();
      }
    }
  }

 private:
  std::unique_ptr<Encoder> json_;
  int32_t id_;
  EncodedRecords bodies_;
};

class JsonSrFormat final : public Format {
 public:
  std::string_view name() const override { return "JSON_SR"; }

  Status validate(std::span<const Column> columns, Side side,
                  const FormatOptions& options) const override {
    return json_format().validate(columns, side, options);
  }

  Result<std::unique_ptr<Decoder>> make_decoder(std::vector<Column> columns, Side side,
                                                const FormatOptions& options) const override {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Decoder> json,
                            json_format().make_decoder(std::move(columns), side, options));
    return std::unique_ptr<Decoder>(std::make_unique<JsonSrDecoder>(std::move(json), side));
  }

  Result<std::unique_ptr<Encoder>> make_encoder(std::vector<Column> columns, Side side,
                                                const FormatOptions& options) const override {
    SLUICE_RETURN_IF_ERROR(validate(columns, side, options));
    if (!options.registry) {
      return Status::invalid_argument("The JSON_SR format needs the Schema Registry");
    }
    int32_t id;
    if (options.schema_id) {
      id = *options.schema_id;
      auto v = options.registry->by_id(id);
      if (!v.ok() || v.value->type != "JSON") {
        return Status::invalid_argument(
            fmt::format("Schema {} is not a registered JSON schema", id));
      }
    } else {
      bool wrapped = json_internal::is_wrapped(columns.size(), side, options);
      SLUICE_ASSIGN_OR_RETURN(std::string text, ksql_json_schema(columns, wrapped));
      std::string subject = options.topic + (side == Side::kKey ? "-key" : "-value");
      auto registered =
          options.registry->register_schema(subject, schema::SchemaInput{text, "JSON"}, false);
      if (!registered.ok()) {
        return Status::invalid_argument(fmt::format("Could not register schema for topic: {}: {}",
                                                    options.topic, registered.error.message));
      }
      id = *registered.value;
    }
    size_t arity = columns.size();
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Encoder> json,
                            json_format().make_encoder(std::move(columns), side, options));
    return std::unique_ptr<Encoder>(std::make_unique<JsonSrEncoder>(arity, std::move(json), id));
  }
};

}  // namespace json_sr_internal

using json_sr_internal::generated;
using json_sr_internal::inferred;
using json_sr_internal::JsonSrFormat;
using json_sr_internal::OJson;

Result<std::string> ksql_json_schema(std::span<const Column> columns, bool wrapped) {
  if (!wrapped && columns.size() == 1) {
    SLUICE_ASSIGN_OR_RETURN(OJson t, generated(columns[0].type));
    return t.dump();
  }
  std::vector<Field> fields;
  for (const Column& c : columns) fields.push_back({c.name, c.type});
  SLUICE_ASSIGN_OR_RETURN(OJson t, generated(Type::struct_(std::move(fields))));
  return t.dump();
}

Result<std::vector<Column>> json_schema_columns(std::string_view schema, bool wrapped,
                                                std::string_view single_name, bool keep_names) {
  OJson s = OJson::parse(schema, nullptr, false);
  if (s.is_discarded()) return Status::invalid_argument("the JSON schema is not valid JSON");
  SLUICE_ASSIGN_OR_RETURN(Type t, inferred(s, keep_names, 0));
  std::vector<Column> columns;
  if (wrapped && t.id() == TypeId::kStruct) {
    for (const Field& f : t.fields()) columns.push_back({f.name, f.type});
  } else {
    columns.push_back({std::string(single_name), std::move(t)});
  }
  return columns;
}

const Format& json_sr_format() {
  static const JsonSrFormat kFormat;
  return kFormat;
}

}  // namespace sluice::format
