// WITH-clause properties of CREATE statements and the formats they configure.
//
// Thread-safety: free functions.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/status.h"
#include "sql/catalog/catalog.h"
#include "sql/parser/statement.h"

namespace sluice::sql {

struct SourceProperties {
  std::optional<std::string> kafka_topic;
  std::optional<std::string> key_format;
  std::optional<std::string> value_format;
  std::optional<std::string> timestamp;
  std::optional<std::string> timestamp_format;
  std::optional<std::string> key_delimiter;
  std::optional<std::string> value_delimiter;
  std::optional<int32_t> partitions;
  std::optional<bool> wrap_single_value;
  std::map<std::string, std::string> other;  // accepted but unused (REPLICAS, schema ids...)
};

// Validates names and value types the way ksqlDB does; FORMAT sets both key and value formats.
Result<SourceProperties> parse_properties(const Properties& props);

// What a Schema Registry format needs to know of the source it serves.
struct FormatContext {
  schema::SchemaRegistry* registry = nullptr;
  std::string topic;
  std::string source_name;
};

// Fills a side's format from a format name and the delimiter / wrapping / schema properties, and
// checks that the format can carry `columns` (ksqlDB's messages). Formats Sluice does not have
// yet fail with kUnsupported.
Result<SideFormat> make_side_format(const std::string& name, format::Side side,
                                    const SourceProperties& props,
                                    const std::vector<format::Column>& columns,
                                    const FormatContext& context);

// The columns a Schema Registry format's registered schema gives a side declared without any
// (ksqlDB's schema inference): from KEY_SCHEMA_ID / VALUE_SCHEMA_ID or the latest schema of the
// topic's subject. nullopt when the format has no schemas to infer from, or (`optional`) when the
// subject does not exist.
Result<std::optional<std::vector<format::Column>>> infer_columns(const std::string& format_name,
                                                                 format::Side side,
                                                                 const SourceProperties& props,
                                                                 const FormatContext& context,
                                                                 bool optional);

// ksqlDB's default value format property, or nullopt.
std::optional<std::string> default_value_format(const SessionState& session);
std::string default_key_format(const SessionState& session);
// The value properties with WRAP_SINGLE_VALUE defaulted from the session's
// 'ksql.persistence.wrap.single.values' when the statement does not set it, the value has one
// column and the format can hold an unwrapped value (JSON), as ksqlDB does.
SourceProperties with_wrap_default(const SessionState& session, SourceProperties props,
                                   const std::string& value_format, size_t value_columns);

std::string to_upper(std::string_view s);

// ksqlDB rejects key columns whose type is or contains a MAP.
Status check_no_map_keys(const std::vector<format::Column>& key_columns);

}  // namespace sluice::sql
