// Compatibility of Protobuf schemas (.proto text), as Confluent Schema Registry defines it for
// PROTOBUF subjects: messages are compared by name, fields by number, and the changes Confluent
// calls incompatible (MESSAGE_REMOVED, FIELD_KIND_CHANGED, FIELD_SCALAR_KIND_CHANGED,
// FIELD_NAMED_TYPE_CHANGED, FIELD_NUMERIC_LABEL_CHANGED, REQUIRED_FIELD_ADDED/REMOVED,
// ONEOF_FIELD_REMOVED, MULTIPLE_FIELDS_MOVED_TO_ONEOF, FIELD_MOVED_TO_EXISTING_ONEOF) are reported
// in Confluent's message form, so that clients and tools that read the registry's 409 details see
// what Confluent's registry would say.
//
// Thread-safety: free functions without shared state; each call parses into pools of its own.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sluice::schema {

// Keeps libprotobuf's own log lines (a .proto without a `syntax` line is a WARNING on stderr) out
// of the process's output: parse errors are reported through Status instead. Idempotent.
void quiet_protobuf_logs();

// The text of an import ksqlDB's and Confluent's .proto schemas use that libprotobuf does not
// compile in (confluent/meta.proto, confluent/type/decimal.proto, google/type/date.proto,
// google/type/timeofday.proto), or nullptr.
const std::string_view* protobuf_builtin_import(std::string_view name);

// One side of a comparison: the .proto text and the files it imports besides the well-known ones
// (import name, e.g. "other.proto", to .proto text: a registered schema's references, resolved
// transitively). google/protobuf/*.proto, confluent/meta.proto, confluent/type/decimal.proto,
// google/type/date.proto and google/type/timeofday.proto are built in.
struct ProtobufSchemaText {
  std::string_view proto;
  const std::map<std::string, std::string>* imports = nullptr;  // nullptr: none
};

// OK when `proto` parses and its types resolve; else invalid_argument naming the problem.
Status validate_protobuf_schema(std::string_view proto,
                                const std::map<std::string, std::string>& imports = {});

// Whether data written with `writer` can be read with `reader` (the direction of
// avro_incompatibilities: BACKWARD checks reader = new, writer = old). Empty when it can; else one
// message per incompatibility, in Confluent's form:
//   {errorType:"FIELD_KIND_CHANGED", description:"The type of a field at path '#/Msg/2' in the
//   new schema does not match the old schema"}
// `reader_role` / `writer_role` are the words the descriptions use for the two schemas: Confluent
// says "new"/"old" when the new schema reads (BACKWARD) and "old"/"new" when it is read (FORWARD).
// A schema that does not parse gives the single message "Invalid schema: ...".
std::vector<std::string> protobuf_incompatibilities(const ProtobufSchemaText& reader,
                                                    const ProtobufSchemaText& writer,
                                                    std::string_view reader_role = "new",
                                                    std::string_view writer_role = "old");

// The same, both schemas resolving their imports from `imports`.
std::vector<std::string> protobuf_incompatibilities(
    std::string_view reader_proto, std::string_view writer_proto,
    const std::map<std::string, std::string>& imports = {});

}  // namespace sluice::schema
