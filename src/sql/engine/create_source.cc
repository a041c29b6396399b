// CREATE STREAM / CREATE TABLE: a source over an existing (or new) topic.
#include <fmt/format.h>
#include <charconv>

#include "sql/engine/ddl.h"
#include "sql/engine/engine.h"

namespace sluice::sql {

using format::Type;
using format::TypeId;

Result<StatementResult> Engine::create_source(const CreateSource& s, std::string_view text) {
  const char* kind = s.is_table ? "table" : "stream";
  if (DataSourcePtr existing = catalog_.find_source(s.name)) {
    if (s.if_not_exists) return StatementResult{std::string(text), "", ""};
    if (s.or_replace && (s.is_source || existing->is_source)) {
      return Status::invalid_argument(
          fmt::format("Cannot add {} '{}': CREATE OR REPLACE is not supported on source {}s.", kind,
                      s.name, kind));
    }
    if (!s.or_replace) {
      return Status::already_exists(
          fmt::format("Cannot add {} '{}': A {} with the same name already exists", kind, s.name,
                      existing->is_table ? "table" : "stream"));
    }
  }
  if (s.or_replace && s.is_source) {
    return Status::invalid_argument(
        fmt::format("Cannot add {} '{}': CREATE OR REPLACE is not supported on source {}s.", kind,
                    s.name, kind));
  }
  SLUICE_ASSIGN_OR_RETURN(SourceProperties props, parse_properties(s.properties));
  if (!props.kafka_topic) {
    return Status::invalid_argument(
        "Missing required property \"KAFKA_TOPIC\" which has no default value.");
  }
  auto source = std::make_shared<DataSource>();
  source->name = s.name;
  source->is_table = s.is_table;
  source->is_source = s.is_source;
  source->topic = *props.kafka_topic;
  source->sql = std::string(text);

  std::vector<CatalogColumn> keys, others;
  bool has_primary = false;
  for (const TableElement& e : s.elements) {
    for (const auto* list : {&keys, &others}) {
      for (const CatalogColumn& c : *list) {
        if (c.name == e.name) {
          return Status::invalid_argument(fmt::format("Duplicate column names: {}", e.name));
        }
      }
    }
    if (e.name == "ROWTIME" || e.name == "ROWPARTITION" || e.name == "ROWOFFSET" ||
        e.name == "WINDOWSTART" || e.name == "WINDOWEND") {
      return Status::invalid_argument(fmt::format(
          "'{}' is a reserved column name. You cannot use it as a name for a column.", e.name));
    }
    auto type = resolve_type(e.type, catalog_);
    if (!type) return type.status();
    CatalogColumn col{e.name, *type, ColumnKind::kValue, ""};
    switch (e.constraint) {
      case ColumnConstraint::kPrimaryKey:
        if (!s.is_table) {
          return Status::invalid_argument(fmt::format(
              "Column `{}` is a 'PRIMARY KEY' column: please use 'KEY' for streams.\nTables have "
              "PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no "
              "uniqueness or NON NULL constraints.",
              e.name));
        }
        has_primary = true;
        col.kind = ColumnKind::kKey;
        break;
      case ColumnConstraint::kKey:
        if (s.is_table) {
          return Status::invalid_argument(fmt::format(
              "Column `{}` is a 'KEY' column: please use 'PRIMARY KEY' for tables.\nTables have "
              "PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no "
              "uniqueness or NON NULL constraints.",
              e.name));
        }
        col.kind = ColumnKind::kKey;
        break;
      case ColumnConstraint::kHeaders:
        col.kind = ColumnKind::kHeaders;
        break;
      case ColumnConstraint::kHeader:
        col.kind = ColumnKind::kHeader;
        col.header_key = e.header_key;
        break;
      case ColumnConstraint::kNone:
        break;
    }
    if (col.kind == ColumnKind::kHeaders) {
      Type want = Type::array(Type::struct_({{"KEY", Type::string()}, {"VALUE", Type::bytes()}}));
      if (col.type != want) {
        return Status::invalid_argument(
            fmt::format("Invalid type for HEADERS column: expected {}, got {}", want.to_string(),
                        col.type.to_string()));
      }
    }
    if (col.kind == ColumnKind::kHeader && col.type.id() != TypeId::kBytes) {
      return Status::invalid_argument(
          fmt::format("Invalid type for HEADER('{}') column: expected BYTES, got {}",
                      col.header_key, col.type.to_string()));
    }
    (col.kind == ColumnKind::kKey ? keys : others).push_back(std::move(col));
  }
  // A key format with a registry may give the key columns (schema inference, below).
  const bool key_inferred = props.key_format && (to_upper(*props.key_format) == "AVRO" ||
                                                 to_upper(*props.key_format) == "JSON_SR" ||
                                                 to_upper(*props.key_format) == "PROTOBUF");
  if (s.is_table && !has_primary && !s.elements.empty() && !key_inferred) {
    return Status::invalid_argument(
        "Tables require a PRIMARY KEY. Please define the PRIMARY KEY.\nUse a partial schema to "
        "define the primary key and still load the value columns from the Schema Registry, for "
        "example:\n\tCREATE TABLE " +
        s.name + " (ID INT PRIMARY KEY) WITH (...);");
  }
  std::vector<format::Column> key_schema;
  key_schema.reserve(keys.size());
  for (const auto& k : keys) key_schema.push_back({k.name, k.type});
  SLUICE_RETURN_IF_ERROR(check_no_map_keys(key_schema));
  for (auto& k : keys) source->columns.push_back(std::move(k));
  for (auto& o : others) source->columns.push_back(std::move(o));

  auto value_format = props.value_format ? props.value_format : default_value_format(session_);
  if (!value_format) {
    return Status::invalid_argument(
        "Statement is missing the 'VALUE_FORMAT' property from the WITH clause. Either provide "
        "one or set a default via the 'ksql.persistence.default.format.value' config.");
  }
  // Sides declared without columns take them from the registered schemas (ksqlDB's schema
  // inference): the value's must exist, the key's is used when there is one.
  const FormatContext context{options_.registry, source->topic, s.name};
  if (source->value_columns().empty()) {
    SLUICE_ASSIGN_OR_RETURN(
        auto inferred, infer_columns(*value_format, format::Side::kValue, props, context, false));
    for (format::Column& c : inferred.value_or(std::vector<format::Column>{})) {
      source->columns.push_back({std::move(c.name), std::move(c.type), ColumnKind::kValue, ""});
    }
  }
  if (source->key_columns().empty() && props.key_format) {
    SLUICE_ASSIGN_OR_RETURN(
        auto inferred, infer_columns(*props.key_format, format::Side::kKey, props, context, true));
    std::vector<CatalogColumn> key_columns;
    for (format::Column& c : inferred.value_or(std::vector<format::Column>{})) {
      key_columns.push_back({std::move(c.name), std::move(c.type), ColumnKind::kKey, ""});
    }
    source->columns.insert(source->columns.begin(), key_columns.begin(), key_columns.end());
  }
  if (s.is_table && source->key_columns().empty() && !source->columns.empty()) {
    return Status::invalid_argument(
        "Tables require a PRIMARY KEY. Please define the PRIMARY KEY.\nUse a partial schema to "
        "define the primary key and still load the value columns from the Schema Registry, for "
        "example:\n\tCREATE TABLE " +
        s.name + " (ID INT PRIMARY KEY) WITH (...);");
  }
  auto key_cols = source->key_columns();
  std::string key_format =
      props.key_format.value_or(key_cols.empty() ? "NONE" : default_key_format(session_));
  if (key_format == "NONE" && !key_cols.empty()) {
    return Status::invalid_argument(
        "The 'NONE' format can only be used when no columns are defined. Got: " +
        source->schema_string());
  }
  SLUICE_ASSIGN_OR_RETURN(source->key_format, make_side_format(key_format, format::Side::kKey,
                                                               props, key_cols, context));
  SLUICE_ASSIGN_OR_RETURN(source->value_format,
                          make_side_format(*value_format, format::Side::kValue,
                                           with_wrap_default(session_, props, *value_format,
                                                             source->value_columns().size()),
                                           source->value_columns(), context));
  if (source->columns.empty()) {
    return Status::invalid_argument("The statement does not define any columns.");
  }
  if (props.other.count("WINDOW_TYPE")) {
    // Windowed keys come with windowed aggregations; validate what can be validated first.
    std::string type = to_upper(props.other.at("WINDOW_TYPE"));
    auto size = props.other.find("WINDOW_SIZE");
    if (type == "SESSION" && size != props.other.end()) {
      return Status::invalid_argument("'WINDOW_SIZE' should not be set for SESSION windows.");
    }
    if (type != "SESSION" && type != "TUMBLING" && type != "HOPPING") {
      return Status::invalid_argument(
          fmt::format("Configuration WINDOW_TYPE is invalid: Unknown window type: '{}'",
                      props.other.at("WINDOW_TYPE")));
    }
    int64_t size_ms = 0;
    if (size != props.other.end()) {
      std::string text = size->second;
      size_t space = text.find(' ');
      std::string unit = to_upper(space == std::string::npos ? "" : text.substr(space + 1));
      int64_t per_unit = 0;
      for (const auto& u : time_unit_words()) {
        if (unit == u.word) per_unit = time_unit_millis(u.unit);
      }
      if (per_unit == 0) {
        return Status::invalid_argument(fmt::format(
            "Configuration WINDOW_SIZE is invalid: Invalid duration: '{}'. Unknown time unit: "
            "'{}'",
            text, unit));
      }
      int64_t count = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + space, count);
      if (ec != std::errc() || end != text.data() + space || count <= 0) {
        return Status::invalid_argument(
            fmt::format("Configuration WINDOW_SIZE is invalid: Invalid duration: '{}'.", text));
      }
      size_ms = count * per_unit;
    } else if (type != "SESSION") {
      return Status::invalid_argument(
          fmt::format("'WINDOW_SIZE' must be set for {} windows.", type));
    }
    source->window_type = type;
    source->window_size_ms = size_ms;
  }
  if (props.timestamp) {
    int idx = source->find_column(*props.timestamp);
    if (idx < 0) {
      return Status::invalid_argument(fmt::format(
          "The TIMESTAMP column set in the WITH clause does not exist in the schema: '{}'",
          *props.timestamp));
    }
    TypeId t = source->columns[static_cast<size_t>(idx)].type.id();
    if (t != TypeId::kBigint && t != TypeId::kTimestamp && t != TypeId::kString) {
      return Status::invalid_argument(fmt::format(
          "Timestamp column, `{}`, should be LONG(INT64), TIMESTAMP, or a String with a "
          "timestamp_format specified.",
          *props.timestamp));
    }
    if (t == TypeId::kString && !props.timestamp_format) {
      return Status::invalid_argument(
          fmt::format("A String timestamp field has been specified without also specifying the "
                      "TIMESTAMP_FORMAT property.",
                      *props.timestamp));
    }
    source->timestamp_column = *props.timestamp;
    source->timestamp_format = props.timestamp_format.value_or("");
  }
  if (!store_.exists(source->topic)) {
    if (props.partitions || options_.auto_create_source_topics) {
      SLUICE_RETURN_IF_ERROR(store_.create(source->topic, props.partitions.value_or(1)));
    } else {
      return Status::invalid_argument(fmt::format(
          "Topic '{}' does not exist. If you want to create a new topic for the {} please "
          "re-run the statement providing the required 'PARTITIONS' configuration in the WITH "
          "clause (and optionally 'REPLICAS').",
          source->topic, kind));
    }
  }
  SLUICE_RETURN_IF_ERROR(catalog_.add_source(source, s.or_replace));
  return StatementResult{std::string(text), s.is_table ? "Table created" : "Stream created", ""};
}

Result<StatementResult> Engine::alter_source(const AlterSource& s, std::string_view text) {
  const char* kind = s.is_table ? "table" : "stream";
  DataSourcePtr src = catalog_.find_source(s.name);
  if (!src) return Status::invalid_argument(fmt::format("Source {} does not exist.", s.name));
  if (src->is_table != s.is_table) {
    return Status::invalid_argument(
        fmt::format("Incompatible data source type is {}, but "
                    "statement was ALTER {}",
                    src->kind_name(), s.is_table ? "TABLE" : "STREAM"));
  }
  if (src->is_source) {
    return Status::invalid_argument(
        fmt::format("Cannot alter {} '{}': ALTER operations are not supported on source {}s.", kind,
                    s.name, kind));
  }
  if (src->created_by_query) {
    return Status::invalid_argument("ALTER command is not supported for CREATE ... AS statements.");
  }
  auto altered = std::make_shared<DataSource>(*src);
  for (const TableElement& e : s.add_columns) {
    if (altered->find_column(e.name) >= 0) {
      return Status::invalid_argument(
          fmt::format("Cannot add column `{}` to schema. A column with the same name already "
                      "exists.",
                      e.name));
    }
    if (e.constraint != ColumnConstraint::kNone) {
      return Status::invalid_argument("ALTER can only add value columns.");
    }
    SLUICE_ASSIGN_OR_RETURN(format::Type t, resolve_type(e.type, catalog_));
    altered->columns.push_back({e.name, std::move(t), ColumnKind::kValue, ""});
  }
  SLUICE_ASSIGN_OR_RETURN(
      altered->value_format,
      make_side_format(altered->value_format.name, format::Side::kValue, SourceProperties{},
                       altered->value_columns(),
                       FormatContext{options_.registry, altered->topic, altered->name}));
  altered->value_format.options = src->value_format.options;
  altered->value_format.properties = src->value_format.properties;
  altered->sql += "\n" + std::string(text);
  SLUICE_RETURN_IF_ERROR(catalog_.add_source(std::move(altered), true));
  return StatementResult{std::string(text), fmt::format("{} altered", kind), ""};
}

}  // namespace sluice::sql
