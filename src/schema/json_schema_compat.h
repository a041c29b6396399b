// Compatibility of JSON Schemas, as Confluent Schema Registry defines it for JSON subjects: the
// two schemas are compared keyword by keyword (types, with integer -> number widening; properties
// under open, partially open and closed content models; required properties; enums; string,
// number, object and array bounds; allOf/anyOf/oneOf by a matching of their subschemas; local
// $refs) and the changes Confluent calls incompatible are reported in its message form. Keywords
// that do not constrain data (title, description, default, connect.*, ...) are ignored.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sluice::schema {

// OK when `schema` is JSON and a JSON Schema this checker reads (an object or a boolean, known
// type names, keywords of the right JSON types); else invalid_argument naming the problem.
Status validate_json_schema(std::string_view schema);

// Whether data written with `writer` can be read with `reader` (the direction of
// avro_incompatibilities: BACKWARD checks reader = new, writer = old). Empty when it can; else one
// message per incompatibility, in Confluent's form (its unbalanced closing quote included):
//   {errorType:"TYPE_CHANGED", description:"A type at path '#/properties/a' is different between
//   the new schema and the old schema'}
// `reader_role` / `writer_role` are the words the descriptions use for the two schemas: Confluent
// says "new"/"old" when the new schema reads (BACKWARD) and "old"/"new" when it is read (FORWARD).
// A schema that does not parse gives the single message "Invalid schema: ...".
std::vector<std::string> json_schema_incompatibilities(std::string_view reader,
                                                       std::string_view writer,
                                                       std::string_view reader_role = "new",
                                                       std::string_view writer_role = "old");

}  // namespace sluice::schema
