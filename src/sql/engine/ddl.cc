#include "sql/engine/ddl.h"

#include <charconv>

#include <fmt/format.h>

#include "format/avro_format.h"
#include "format/format.h"
#include "format/json_sr_format.h"
#include "format/protobuf_format.h"
#include "schema/avro_schema.h"
#include "schema/registry.h"

namespace sluice::sql {

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

namespace {

std::string literal_text(const LiteralValue& v) {
  switch (v.type) {
    case LiteralType::kString:
    case LiteralType::kDecimal:
    case LiteralType::kVariable:
      return v.text;
    case LiteralType::kBoolean:
      return v.bool_value ? "true" : "false";
    case LiteralType::kInt:
    case LiteralType::kBigInt:
      return std::to_string(v.int_value);
    case LiteralType::kDouble:
      return fmt::format("{}", v.double_value);
    case LiteralType::kNull:
      return "null";
  }
  return "";
}

}  // namespace

Result<SourceProperties> parse_properties(const Properties& props) {
  SourceProperties out;
  std::optional<std::string> format;
  std::vector<std::string> unknown;
  for (const Property& p : props.items) {
    std::string name = to_upper(p.name);
    std::string text = literal_text(p.value);
    if (name == "KAFKA_TOPIC") {
      out.kafka_topic = text;
    } else if (name == "KEY_FORMAT") {
      out.key_format = to_upper(text);
    } else if (name == "VALUE_FORMAT") {
      out.value_format = to_upper(text);
    } else if (name == "FORMAT") {
      format = to_upper(text);
    } else if (name == "TIMESTAMP") {
      out.timestamp = to_upper(text);
    } else if (name == "TIMESTAMP_FORMAT") {
      out.timestamp_format = text;
    } else if (name == "KEY_DELIMITER") {
      out.key_delimiter = text;
    } else if (name == "VALUE_DELIMITER") {
      out.value_delimiter = text;
    } else if (name == "PARTITIONS") {
      if (p.value.type != LiteralType::kInt) {
        return Status::invalid_argument(
            fmt::format("Invalid value for PARTITIONS: {}", literal_text(p.value)));
      }
      out.partitions = static_cast<int32_t>(p.value.int_value);
    } else if (name == "WRAP_SINGLE_VALUE") {
      std::string t = to_upper(text);
      if (t != "TRUE" && t != "FALSE") {
        return Status::invalid_argument(
            fmt::format("Property WRAP_SINGLE_VALUE must be a boolean, got {}", text));
      }
      out.wrap_single_value = t == "TRUE";
    } else if (name == "REPLICAS" || name == "KEY_SCHEMA_ID" || name == "VALUE_SCHEMA_ID" ||
               name == "KEY_SCHEMA_FULL_NAME" || name == "VALUE_SCHEMA_FULL_NAME" ||
               name == "VALUE_AVRO_SCHEMA_FULL_NAME" || name == "WINDOW_TYPE" ||
               name == "WINDOW_SIZE" || name == "RETENTION_MS" || name == "CLEANUP_POLICY" ||
               name == "KEY_PROTOBUF_NULLABLE_REPRESENTATION" ||
               name == "VALUE_PROTOBUF_NULLABLE_REPRESENTATION" || name == "SOURCE_CONNECTOR") {
      out.other[name] = text;
    } else {
      unknown.push_back(name);
    }
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "" : ", ") + u;
    return Status::invalid_argument(
        fmt::format("Invalid config variable(s) in the WITH clause: {}", list));
  }
  if (format) {
    if (out.key_format || out.value_format) {
      return Status::invalid_argument(fmt::format(
          "Cannot supply both '{}' and 'FORMAT' properties, as 'FORMAT' sets both key and value "
          "formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.",
          out.key_format ? "KEY_FORMAT" : "VALUE_FORMAT"));
    }
    out.key_format = format;
    out.value_format = format;
  }
  return out;
}

namespace {

// KEY_SCHEMA_ID / VALUE_SCHEMA_ID, validated.
Result<std::optional<int32_t>> schema_id(format::Side side, const SourceProperties& props) {
  const char* name = side == format::Side::kKey ? "KEY_SCHEMA_ID" : "VALUE_SCHEMA_ID";
  auto it = props.other.find(name);
  if (it == props.other.end()) return std::optional<int32_t>();
  int32_t id = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), id);
  if (ec != std::errc() || end != it->second.data() + it->second.size() || id < 0) {
    return Status::invalid_argument(fmt::format("Invalid value for {}: {}", name, it->second));
  }
  return std::optional<int32_t>(id);
}

// KEY_SCHEMA_FULL_NAME, VALUE_SCHEMA_FULL_NAME (or its older VALUE_AVRO_SCHEMA_FULL_NAME).
std::optional<std::string> schema_full_name(format::Side side, const SourceProperties& props) {
  auto find = [&](const char* name) -> std::optional<std::string> {
    auto it = props.other.find(name);
    if (it == props.other.end()) return std::nullopt;
    return it->second;
  };
  if (side == format::Side::kKey) return find("KEY_SCHEMA_FULL_NAME");
  if (auto name = find("VALUE_SCHEMA_FULL_NAME")) return name;
  return find("VALUE_AVRO_SCHEMA_FULL_NAME");
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\n\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

Result<std::optional<std::vector<format::Column>>> infer_columns(const std::string& format_name,
                                                                 format::Side side,
                                                                 const SourceProperties& props,
                                                                 const FormatContext& context,
                                                                 bool optional) {
  using Columns = std::optional<std::vector<format::Column>>;
  const std::string format = to_upper(format_name);
  if ((format != "AVRO" && format != "JSON_SR" && format != "PROTOBUF") || !context.registry) {
    return Columns();
  }
  bool key = side == format::Side::kKey;
  SLUICE_ASSIGN_OR_RETURN(std::optional<int32_t> id, schema_id(side, props));
  std::string subject = context.topic + (key ? "-key" : "-value");
  std::string text;
  std::vector<schema::SchemaReference> references;
  if (id) {
    auto v = context.registry->by_id(*id);
    if (!v.ok()) {
      return Status::invalid_argument(fmt::format(
          "Schema Registry error: Schema {} does not exist. Failed to fetch the schema for {} "
          "of topic '{}'.",
          *id, key ? "keys" : "values", context.topic));
    }
    text = v.value->schema;
    references = v.value->references;
  } else {
    auto v = context.registry->get_version(subject, "latest", false);
    if (!v.ok()) {
      if (optional) return Columns();
      return Status::invalid_argument(fmt::format(
          "Schema for message {} on topic '{}' does not exist in the Schema Registry.\n"
          "Subject: {}\n\nPossible causes include:\n- The topic itself does not exist\n"
          "\t-> Use SHOW TOPICS; to check\n- Messages on the topic are not serialized using a "
          "format Schema Registry supports\n\t-> Use PRINT '{}' FROM BEGINNING; to verify\n- "
          "Messages on the topic have not been serialized using a Confluent Schema Registry "
          "supported serializer\n\t-> See https://docs.confluent.io/current/schema-registry/"
          "docs/serializer-formatter.html\n- The schema is registered on a different instance "
          "of the Schema Registry\n\t-> Use the REST API to list available subjects\t"
          "https://docs.confluent.io/current/schema-registry/docs/api.html#get--subjects\n- You "
          "do not have permissions to access the Schema Registry.\n\t-> See "
          "https://docs.confluent.io/current/schema-registry/docs/security.html",
          key ? "keys" : "values", context.topic, subject, context.topic));
    }
    text = v.value->schema;
    references = v.value->references;
  }
  if (format == "PROTOBUF") {
    // Keys and values are messages: their fields are the columns.
    SLUICE_ASSIGN_OR_RETURN(format::ProtoImports imports,
                            format::protobuf_references(*context.registry, references));
    SLUICE_ASSIGN_OR_RETURN(
        std::vector<format::Column> columns,
        format::protobuf_schema_columns(text, schema_full_name(side, props).value_or(""),
                                        id.has_value(), imports));
    return Columns(std::move(columns));
  }
  bool wrapped = !key && props.wrap_single_value.value_or(true);
  const char* single = key ? "ROWKEY" : "ROWVAL";
  if (format == "JSON_SR") {
    SLUICE_ASSIGN_OR_RETURN(std::vector<format::Column> columns,
                            format::json_schema_columns(text, wrapped, single, id.has_value()));
    return Columns(std::move(columns));
  }
  SLUICE_ASSIGN_OR_RETURN(schema::AvroSchema parsed, schema::AvroSchema::parse(text));
  SLUICE_ASSIGN_OR_RETURN(std::vector<format::Column> columns,
                          format::avro_schema_columns(parsed, wrapped, single, id.has_value()));
  return Columns(std::move(columns));
}

Result<SideFormat> make_side_format(const std::string& name, format::Side side,
                                    const SourceProperties& props,
                                    const std::vector<format::Column>& columns,
                                    const FormatContext& context) {
  SideFormat f;
  f.name = to_upper(name);
  const format::Format* fmt_impl = format::find_format(f.name);
  if (!fmt_impl) return Status::invalid_argument(fmt::format("Unknown format: {}", f.name));
  bool key = side == format::Side::kKey;
  const auto& delim = key ? props.key_delimiter : props.value_delimiter;
  if (delim) {
    if (f.name != "DELIMITED") {
      return Status::invalid_argument(
          fmt::format("{} does not support the following configs: [delimiter]", f.name));
    }
    SLUICE_ASSIGN_OR_RETURN(
        f.options.delimiter,
        format::parse_delimiter(*delim, key ? "KEY_DELIMITER" : "VALUE_DELIMITER"));
    f.properties[key ? "KEY_DELIMITER" : "VALUE_DELIMITER"] = *delim;
  }
  std::optional<std::string> full_name = schema_full_name(side, props);
  SLUICE_ASSIGN_OR_RETURN(std::optional<int32_t> id, schema_id(side, props));
  const char* nullable_name =
      key ? "KEY_PROTOBUF_NULLABLE_REPRESENTATION" : "VALUE_PROTOBUF_NULLABLE_REPRESENTATION";
  if (auto nullable = props.other.find(nullable_name); nullable != props.other.end()) {
    if (f.name != "PROTOBUF" && f.name != "PROTOBUF_NOSR") {
      return Status::invalid_argument(fmt::format(
          "{} does not support the following configs: [nullableRepresentation]", f.name));
    }
    f.options.properties[nullable_name] = nullable->second;
    f.properties[nullable_name] = nullable->second;
  }
  if (f.name == "PROTOBUF" || f.name == "PROTOBUF_NOSR") {
    if (full_name && trim(*full_name).empty()) {
      return Status::invalid_argument(
          "fullSchemaName cannot be empty. Format configuration: {fullSchemaName=}");
    }
    if (f.name == "PROTOBUF_NOSR" && id) {
      return Status::invalid_argument(
          "PROTOBUF_NOSR does not support the following configs: [schemaId]");
    }
    f.options.registry = f.name == "PROTOBUF" ? context.registry : nullptr;
    f.options.topic = context.topic;
    f.options.schema_id = id;
    // Empty: ksqlDB's default message name (ConnectDefault1).
    f.options.schema_full_name = full_name ? trim(*full_name) : "";
    if (full_name)
      f.properties[key ? "KEY_SCHEMA_FULL_NAME" : "VALUE_SCHEMA_FULL_NAME"] = *full_name;
    if (id) f.properties[key ? "KEY_SCHEMA_ID" : "VALUE_SCHEMA_ID"] = std::to_string(*id);
  } else if (f.name == "JSON_SR") {
    // The registry's JSON schemas have no record names.
    if (full_name) {
      return Status::invalid_argument(
          "JSON_SR does not support the following configs: [fullSchemaName]");
    }
    f.options.registry = context.registry;
    f.options.topic = context.topic;
    f.options.schema_id = id;
    if (id) f.properties[key ? "KEY_SCHEMA_ID" : "VALUE_SCHEMA_ID"] = std::to_string(*id);
  } else if (f.name == "AVRO") {
    if (full_name && trim(*full_name).empty()) {
      return Status::invalid_argument(
          "fullSchemaName cannot be empty. Format configuration: {fullSchemaName=}");
    }
    f.options.registry = context.registry;
    f.options.topic = context.topic;
    f.options.schema_id = id;
    f.options.schema_full_name = full_name ? trim(*full_name)
                                 : key     ? format::ksql_avro_key_name(context.source_name)
                                           : std::string(format::kKsqlAvroValueName);
    if (full_name)
      f.properties[key ? "KEY_SCHEMA_FULL_NAME" : "VALUE_SCHEMA_FULL_NAME"] = *full_name;
    if (id) f.properties[key ? "KEY_SCHEMA_ID" : "VALUE_SCHEMA_ID"] = std::to_string(*id);
  } else if (full_name) {
    return Status::invalid_argument(
        fmt::format("{} does not support the following configs: [fullSchemaName]", f.name));
  } else if (id) {
    return Status::invalid_argument(
        fmt::format("{} does not support the following configs: [schemaId]", f.name));
  }
  if (!key && props.wrap_single_value) {
    f.options.wrap_single_value = props.wrap_single_value;
    f.properties["WRAP_SINGLE_VALUE"] = *props.wrap_single_value ? "true" : "false";
  }
  Status st = fmt_impl->validate(columns, side, f.options);
  if (!st.is_ok()) {
    if (key) {
      std::string cols;
      for (const auto& c : columns) {
        cols += fmt::format("{}`{}` {} KEY", cols.empty() ? "" : ", ", c.name, c.type.to_string());
      }
      return Status::invalid_argument(
          fmt::format("Key format does not support schema.\nformat: {}\nschema: "
                      "Persistence{{columns=[{}], features=[]}}\nreason: {}",
                      f.name, cols, st.message()));
    }
    return st;
  }
  return f;
}

namespace {
bool contains_map(const format::Type& t) {
  switch (t.id()) {
    case format::TypeId::kMap:
      return true;
    case format::TypeId::kArray:
      return contains_map(t.element());
    case format::TypeId::kStruct:
      for (const auto& f : t.fields()) {
        if (contains_map(f.type)) return true;
      }
      return false;
    default:
      return false;
  }
}
}  // namespace

Status check_no_map_keys(const std::vector<format::Column>& key_columns) {
  for (const auto& c : key_columns) {
    if (contains_map(c.type)) {
      return Status::invalid_argument(fmt::format(
          "Map keys, including types that contain maps, are not supported as they may lead to "
          "unexpected behavior due to inconsistent serialization. Key column name: `{}`. Column "
          "type: {}. See https://github.com/confluentinc/ksql/issues/6621 for more.",
          c.name, c.type.to_string()));
    }
  }
  return Status::ok();
}

std::optional<std::string> default_value_format(const SessionState& session) {
  auto v = session.property("ksql.persistence.default.format.value");
  if (v) return to_upper(*v);
  return std::nullopt;
}

std::string default_key_format(const SessionState& session) {
  auto v = session.property("ksql.persistence.default.format.key");
  return v ? to_upper(*v) : "KAFKA";
}

SourceProperties with_wrap_default(const SessionState& session, SourceProperties props,
                                   const std::string& value_format, size_t value_columns) {
  if (props.wrap_single_value || value_columns != 1 || to_upper(value_format) != "JSON") {
    return props;
  }
  if (auto v = session.property("ksql.persistence.wrap.single.values")) {
    std::string t = to_upper(*v);
    if (t == "TRUE" || t == "FALSE") props.wrap_single_value = t == "TRUE";
  }
  return props;
}

}  // namespace sluice::sql
