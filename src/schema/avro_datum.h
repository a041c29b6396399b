// Avro datums as plain JSON values: writes a JSON value as the Avro binary encoding of a datum of
// a schema, and reads one back. The test harness gives record values as JSON (ksqlDB's
// query-validation tests) that must reach topics as real Avro bytes, and PRINT shows Avro records
// as JSON.
//
// The mapping is the natural one, not Avro's JSON encoding:
//   null, boolean, string        JSON null, bool, string
//   int, long                    JSON integer (a float with an integral value is accepted)
//   float, double                JSON number
//   enum                         JSON string naming a symbol
//   bytes, fixed                 JSON string of base64 (standard alphabet, padded)
//   decimal (bytes or fixed)     JSON number or a string of a decimal number ("12.34"), taken
//                                from its text without rounding; decodes to a JSON number
//   date, time-*, timestamp-*    the underlying integer
//   record                       JSON object; fields matched by name, then case-insensitively;
//                                missing ones take their default (or null when nullable)
//   array, map                   JSON array, JSON object
//   union                        the value of the first branch that takes it (null: the null
//                                branch); Avro's wrapper {"type name": value} is accepted too
//
// Errors are invalid_argument and name where the value failed ("field A.B: expected int, got
// \"abc\""). Decoding is safe on hostile input: nesting is bounded, and item counts are checked
// against the bytes left before anything is allocated.
//
// Thread-safety: free functions; no shared state.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "common/status.h"
#include "schema/avro_binary.h"
#include "schema/avro_schema.h"

namespace sluice::schema {

// Appends the Avro binary encoding of `value` as a datum of `schema`. On error `out` is left as it
// was.
Status avro_encode_json(const AvroSchema::Node& schema, const nlohmann::json& value,
                        std::string& out);

// Decodes one datum of `schema` from `in`, advancing it past the datum (trailing bytes are the
// caller's business). nlohmann::json keeps object keys sorted; avro_decode_ordered_json keeps a
// record's fields in schema order, for display.
Result<nlohmann::json> avro_decode_json(const AvroSchema::Node& schema, AvroReader& in);
Result<nlohmann::ordered_json> avro_decode_ordered_json(const AvroSchema::Node& schema,
                                                        AvroReader& in);

}  // namespace sluice::schema
