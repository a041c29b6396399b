// Test records as QTT files write them (JSON values) <-> record bytes in a source's formats.
//
// Thread-safety: free functions.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "sql/catalog/catalog.h"

namespace sluice::sql::qtt {

// The bytes a test record's key or value stands for (nullopt: a null record). For JSON formats
// the JSON text; DELIMITED a string as is; KAFKA by the column's type (INT as 4 big-endian
// bytes, BIGINT 8, DOUBLE IEEE-754, STRING its UTF-8).
Result<std::optional<std::string>> serialize_test_value(const nlohmann::json& value,
                                                        const SideFormat& format,
                                                        const std::vector<format::Column>& columns);

// Record bytes back to JSON for comparison with the expected record.
nlohmann::json deserialize_to_json(const std::optional<std::string>& bytes,
                                   const SideFormat& format,
                                   const std::vector<format::Column>& columns);

// The expected record as ksqlDB's test harness reads it: through the sink's schema, so object
// fields match columns and struct fields case-insensitively and missing ones are NULL.
nlohmann::json normalize_expected(const nlohmann::json& value, const SideFormat& format,
                                  const std::vector<format::Column>& columns, bool key_side);

// Equality as QTT means it: numbers by value (1 == 1.0; doubles within a few ulps), objects by
// keys, arrays in order.
bool json_matches(const nlohmann::json& expected, const nlohmann::json& actual);

}  // namespace sluice::sql::qtt
