// The AVRO format: records in Confluent's wire format (magic byte 0, the writer schema's 4-byte
// registry id, the Avro binary datum), with ksqlDB's mapping between Avro and SQL types.
//
// Decoding reads each record with its *writer* schema (fetched from the registry by id, once per
// id) straight into column vectors: record fields match columns by name, exactly or else
// case-insensitively, as ksqlDB's Connect translation does; fields no column reads are skipped;
// columns the writer lacks are NULL. Values convert as ksqlDB allows (int into BIGINT, float into
// DOUBLE, enum and any primitive into STRING, decimals rescaled exactly; a union other than
// [null, T] into a STRUCT with one field per branch), anything else fails the record.
//
// Encoding writes with the schema ksqlDB generates for the columns (every field an optional
// union with a null default, records named after the parent record and the field, decimals as
// bytes with the decimal logical type, Connect's metadata), registered under the topic's subject
// (`<topic>-key` / `<topic>-value`) when the encoder is made; or, with KEY_SCHEMA_ID /
// VALUE_SCHEMA_ID, with that registered schema, columns matched to its fields by name.
//
// Thread-safety: the Format is stateless; decoders and encoders belong to one thread (their
// schema caches are theirs); the registry they share is thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/format.h"

namespace sluice::schema {
class AvroSchema;
}

namespace sluice::format {

const Format& avro_format();

inline constexpr std::string_view kKsqlAvroNamespace = "io.confluent.ksql.avro_schemas";
// The record name of generated value schemas.
inline constexpr std::string_view kKsqlAvroValueName =
    "io.confluent.ksql.avro_schemas.KsqlDataSourceSchema";
// The record name of a source's generated key schema: "OUTPUT" -> "...avro_schemas.OutputKey".
std::string ksql_avro_key_name(std::string_view source_name);

// The Avro schema (JSON text) ksqlDB writes these columns with: a record named `full_name` with
// one optional field per column, or, `wrapped` false with one column, that column's type alone.
Result<std::string> ksql_avro_schema(std::span<const Column> columns, bool wrapped,
                                     std::string_view full_name);

// The columns ksqlDB infers from a registered schema: a record's fields, or, for anything else
// or when `wrapped` is false, one column named `single_name` (ROWKEY, ROWVAL). Field names are
// upper-cased (ksqlDB's inference from a subject's latest schema) unless `keep_names` (a schema
// named by KEY_SCHEMA_ID / VALUE_SCHEMA_ID, which ksqlDB then writes with exactly).
Result<std::vector<Column>> avro_schema_columns(const schema::AvroSchema& schema, bool wrapped,
                                                std::string_view single_name, bool keep_names);

}  // namespace sluice::format
