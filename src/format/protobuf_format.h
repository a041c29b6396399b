// The PROTOBUF and PROTOBUF_NOSR formats: Protocol Buffers messages with ksqlDB's mapping between
// protobuf and SQL types (Confluent's ProtobufData translation as ksqlDB configures it).
//
// PROTOBUF records are in Confluent's wire format: magic byte 0, the writer schema's 4-byte
// registry id, the message indexes (which message of the .proto file: a zig-zag varint count,
// then the zig-zag indexes of the message and its nesting; the common [0] as one 0 byte), then
// the protobuf message. PROTOBUF_NOSR records are the bare message, written and read with the
// schema generated from the columns; no registry is involved.
//
// Decoding walks the wire format itself (tags, varints, length-delimited fields), guided by the
// writer's descriptor (fetched from the registry by id, parsed once per id), straight into column
// vectors; no message object is built per record. Fields match columns by name, exactly or else
// case-insensitively; fields no column reads are skipped; columns the writer lacks are NULL.
// As in ksqlDB, an unset proto3 scalar reads as its default (0, "", false, the first enum
// value), an unset message, `optional` scalar or wrapper (google.protobuf.Int32Value, ...) as
// NULL, an unset repeated or map field as an empty ARRAY or MAP. Well-known types map to SQL
// types: confluent.type.Decimal to DECIMAL, google.protobuf.Timestamp to TIMESTAMP,
// google.type.Date to DATE, google.type.TimeOfDay to TIME, wrappers to their primitive.
//
// Encoding writes with the schema ksqlDB generates for the columns (a message named
// ConnectDefault1, or the KEY_/VALUE_SCHEMA_FULL_NAME, nested structs as messages named
// ConnectDefault2, 3, ...), registered under the topic's subject (`<topic>-key` /
// `<topic>-value`, schema type PROTOBUF) when the encoder is made; or, with KEY_SCHEMA_ID /
// VALUE_SCHEMA_ID, with that registered schema (the message named by the schema full name, else
// its first one), columns matched to its fields by name. A NULL is an absent field, which proto3
// reads back as the default, unless the KEY_/VALUE_PROTOBUF_NULLABLE_REPRESENTATION property asks
// for `optional` fields (OPTIONAL) or wrapper messages (WRAPPER), which keep NULLs apart.
// Keys and values are always messages: PROTOBUF has no unwrapped single values.
//
// Thread-safety: the Formats are stateless; decoders and encoders belong to one thread (their
// schema caches are theirs); the registry they share is thread-safe. The free functions are
// thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/format.h"

namespace sluice::schema {
class SchemaRegistry;
struct SchemaReference;
}  // namespace sluice::schema

namespace sluice::format {

const Format& protobuf_format();
const Format& protobuf_nosr_format();

// The message name of generated schemas without a schema full name (Connect's default name).
inline constexpr std::string_view kKsqlProtobufDefaultName = "ConnectDefault1";

// How a generated schema lets NULLs be told from default values
// (KEY_/VALUE_PROTOBUF_NULLABLE_REPRESENTATION): not at all (plain proto3 fields), with proto3
// `optional` fields, or with google.protobuf wrapper messages.
enum class ProtobufNullable { kNone, kOptional, kWrapper };

// The side's nullable representation from FormatOptions::properties
// (KEY_PROTOBUF_NULLABLE_REPRESENTATION / VALUE_PROTOBUF_NULLABLE_REPRESENTATION).
Result<ProtobufNullable> protobuf_nullable(const FormatOptions& options, Side side);

// The files a .proto schema imports besides the well-known ones, by import name ("event.proto")
// to .proto text: a registered schema's references.
using ProtoImports = std::map<std::string, std::string>;

// The imports of a registered schema: its references' schemas, fetched by subject and version
// (and theirs, recursively).
Result<ProtoImports> protobuf_references(const schema::SchemaRegistry& registry,
                                         const std::vector<schema::SchemaReference>& references);

// The .proto text ksqlDB registers for these columns: one message named `full_name` ("": the
// default ConnectDefault1; a dotted name puts the message in that package) with one field per
// column, numbered from 1.
Result<std::string> ksql_protobuf_schema(std::span<const Column> columns,
                                         std::string_view full_name,
                                         ProtobufNullable nullable = ProtobufNullable::kNone);

// The columns ksqlDB infers from a .proto schema: the fields of the message named
// `message_name` (a full or simple name; "": the file's first message). Field names are
// upper-cased (inference from a subject's latest schema) unless `keep_names` (a schema named by
// KEY_SCHEMA_ID / VALUE_SCHEMA_ID, which ksqlDB then writes with exactly).
Result<std::vector<Column>> protobuf_schema_columns(std::string_view proto_text,
                                                    std::string_view message_name, bool keep_names,
                                                    const ProtoImports& imports = {});

// The message index path of message `message_name` ("" the first) in a .proto schema, as the
// wire format's message indexes carry it ([0] for the first top-level message).
Result<std::vector<int>> protobuf_message_indexes(std::string_view proto_text,
                                                  std::string_view message_name,
                                                  const ProtoImports& imports = {});

// Confluent's wire-format prefix of a PROTOBUF record: magic byte 0, the schema id, the message
// indexes.
void write_protobuf_header(int32_t schema_id, std::span<const int> message_indexes,
                           std::string& out);
// Parses that prefix: sets the schema id and message indexes, returns the message bytes after it.
Result<std::string_view> read_protobuf_header(std::string_view record, int32_t& schema_id,
                                              std::vector<int>& message_indexes);
// The full name of the message at `message_indexes` in a .proto schema.
Result<std::string> protobuf_message_name(std::string_view proto_text,
                                          std::span<const int> message_indexes,
                                          const ProtoImports& imports = {});

// Test-harness helpers: a message of a .proto schema from JSON and back, the way ksqlDB's test
// records show them (not proto3's JSON mapping): fields by name (exactly or case-insensitively;
// unknown names ignored; null leaves a field unset), 64-bit integers as numbers, bytes as base64,
// enums by name, Timestamp / Date / TimeOfDay as epoch millis / epoch days / millis of the day,
// Decimal as a number or numeric string, wrappers as their value. The JSON printed lists every
// field: unset scalars as their default, unset messages, optional fields and wrappers as null.
// The bytes are the bare message (no Confluent header).
Result<std::string> protobuf_json_to_binary(std::string_view proto_text,
                                            std::string_view message_name, std::string_view json,
                                            const ProtoImports& imports = {});
Result<std::string> protobuf_binary_to_json(std::string_view proto_text,
                                            std::string_view message_name, std::string_view bytes,
                                            const ProtoImports& imports = {});

}  // namespace sluice::format
