// Test records as QTT files write them (JSON values) <-> record bytes in a source's formats.
//
// Thread-safety: free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "sql/catalog/catalog.h"

namespace sluice::sql::qtt {

// Test files parsed keeping what a double would lose: key order (objects are ordered), and the
// exact text of numbers with more than 15 significant digits (ksqlDB's harness reads them as
// BigDecimal, so 12345678987654321.2345678987654321 must reach a DECIMAL column intact). Such a
// number is held as a binary node (subtype kExactNumber) with its text; dump_exact() writes it
// back as that number, as_lossy() turns it into a double for comparisons.
inline constexpr uint8_t kExactNumber = 0x45;
Result<nlohmann::ordered_json> parse_test_json(const std::string& text);
std::string dump_exact(const nlohmann::ordered_json& value);
nlohmann::ordered_json as_lossy(const nlohmann::ordered_json& value);

// The bytes a test record's key or value stands for (nullopt: a null record). For JSON formats
// the JSON text; DELIMITED a string as is; KAFKA by the column's type (INT as 4 big-endian
// bytes, BIGINT 8, DOUBLE IEEE-754, STRING its UTF-8); AVRO written with the latest schema of
// the topic's subject (the schema ksqlDB generates for `columns`, registered, when there is
// none), in Confluent's wire format.
Result<std::optional<std::string>> serialize_test_value(const nlohmann::ordered_json& value,
                                                        const SideFormat& format,
                                                        const std::vector<format::Column>& columns,
                                                        format::Side side);

// Record bytes back to JSON for comparison with the expected record (AVRO: read with the writer
// schema its id names, field names as that schema has them, and only the fields that are
// columns, as ksqlDB's harness reads them through the sink's schema).
nlohmann::ordered_json deserialize_to_json(const std::optional<std::string>& bytes,
                                           const SideFormat& format,
                                           const std::vector<format::Column>& columns,
                                           format::Side side);

// A test record's "window" ({"start", "end", "type": "time" | "session"}) appended to its key
// bytes as Kafka Streams' windowed serdes write it: a time window's start, a session's end then
// start (8 bytes big-endian each).
Status append_test_window(const nlohmann::ordered_json& window, std::string& key);
// The window at the end of a record key of `source` (windowed) as a test record writes it, taken
// off the key; a string saying what is wrong when the key is too short for one.
nlohmann::ordered_json take_test_window(const DataSource& source, std::string& key);

// The expected record as ksqlDB's test harness reads it: through the sink's schema, so object
// fields match columns and struct fields case-insensitively and missing ones are NULL.
nlohmann::ordered_json normalize_expected(const nlohmann::ordered_json& value,
                                          const SideFormat& format,
                                          const std::vector<format::Column>& columns,
                                          bool key_side);

// Equality as QTT means it: numbers by value (1 == 1.0; doubles within a few ulps), objects by
// keys, arrays in order.
bool json_matches(const nlohmann::ordered_json& expected, const nlohmann::ordered_json& actual);

}  // namespace sluice::sql::qtt
