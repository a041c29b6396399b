// The JSON_SR format: JSON records in Confluent's wire format (magic byte 0, the 4-byte id of a
// JSON Schema in the registry, then the JSON text), as Confluent's JSON Schema serializer writes
// them and ksqlDB's JSON_SR format reads and writes them.
//
// The JSON text is decoded and encoded by the JSON format's codecs (columns by name, ksqlDB's
// coercions); the schema matters for what is registered and inferred: sinks register the JSON
// Schema ksqlDB generates for their columns (Connect's JsonSchemaData: `connect.type` for the
// integer widths and bytes, Connect's logical type titles, `oneOf` null for optional fields)
// under `<topic>-key` / `<topic>-value`, or write with KEY_SCHEMA_ID / VALUE_SCHEMA_ID's id; a
// source declared without columns takes them from the registered schema.
//
// Thread-safety: the Format is stateless; codecs belong to one thread; the registry is shared.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/format.h"

namespace sluice::format {

const Format& json_sr_format();

// The JSON Schema (text) ksqlDB registers for these columns: an object with one optional property
// per column, or, `wrapped` false with one column, that column's schema alone.
Result<std::string> ksql_json_schema(std::span<const Column> columns, bool wrapped);

// The columns ksqlDB infers from a registered JSON Schema (see avro_schema_columns for `wrapped`,
// `single_name` and `keep_names`).
Result<std::vector<Column>> json_schema_columns(std::string_view schema, bool wrapped,
                                                std::string_view single_name, bool keep_names);

}  // namespace sluice::format
