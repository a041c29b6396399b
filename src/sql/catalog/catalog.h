// The SQL catalog: streams and tables (their columns, topic and formats), custom types (CREATE
// TYPE), and the per-session state that statements change (SET/UNSET properties, DEFINE
// variables).
//
// Thread-safety: a Catalog is owned by one engine and mutated only by the thread executing
// statements; readers on other threads must be synchronised by that engine. DataSource objects
// are immutable once registered and shared by the plans that read or write them (shared_ptr:
// a running query keeps its source alive after a DROP).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/format.h"
#include "format/types.h"
#include "sql/parser/data_type.h"

namespace sluice::sql {

enum class ColumnKind : uint8_t {
  kKey,      // KEY (stream) or PRIMARY KEY (table): decoded from the record key
  kValue,    // decoded from the record value
  kHeaders,  // HEADERS: every header as ARRAY<STRUCT<KEY STRING, VALUE BYTES>>
  kHeader,   // HEADER('k'): the last header named k, as BYTES
};

struct CatalogColumn {
  std::string name;
  format::Type type;
  ColumnKind kind = ColumnKind::kValue;
  std::string header_key;  // kHeader only
};

// One side's serialization: format name (upper case) plus the options its codec takes.
struct SideFormat {
  std::string name = "KAFKA";
  format::FormatOptions options;
  // The WITH properties that configured this side, kept for DESCRIBE and for inheriting.
  std::map<std::string, std::string> properties;
};

struct DataSource {
  std::string name;
  bool is_table = false;
  bool is_source = false;              // CREATE SOURCE: read-only, no INSERT
  std::vector<CatalogColumn> columns;  // key columns first, in declaration order
  std::string topic;
  SideFormat key_format;
  SideFormat value_format;
  // TIMESTAMP='col' and TIMESTAMP_FORMAT; empty when the record timestamp is used.
  std::string timestamp_column;
  std::string timestamp_format;
  std::string sql;  // the statement that created it
  bool created_by_query = false;
  // A windowed aggregation's output ("TUMBLING", "HOPPING"; empty: not windowed): each key is
  // the key format's bytes followed by the window start (8 bytes, big-endian milliseconds), as
  // Kafka Streams' time-windowed serde writes it; a window spans window_size_ms.
  std::string window_type;
  int64_t window_size_ms = 0;
  bool windowed() const { return !window_type.empty(); }
  // The bytes a key's window takes at its end (a session's end and start; a time window's start).
  size_t window_key_bytes() const {
    return window_type.empty() ? 0 : window_type == "SESSION" ? 16 : 8;
  }

  std::vector<format::Column> key_columns() const;
  std::vector<format::Column> value_columns() const;
  // Index into `columns` of the column named exactly `name`, or -1.
  int find_column(std::string_view name) const;
  std::string_view kind_name() const { return is_table ? "TABLE" : "STREAM"; }
  // ksqlDB's schema text: "`ID` BIGINT KEY, `NAME` STRING".
  std::string schema_string() const;
};

using DataSourcePtr = std::shared_ptr<const DataSource>;

class Catalog {
 public:
  // Fails with ksqlDB's message when a source of that name exists (unless `replace`).
  Status add_source(DataSourcePtr source, bool replace = false);
  DataSourcePtr find_source(std::string_view name) const;
  Status drop_source(std::string_view name);
  std::vector<DataSourcePtr> sources() const;

  Status add_type(std::string name, format::Type type);
  const format::Type* find_type(std::string_view name) const;
  Status drop_type(std::string_view name);
  const std::map<std::string, format::Type, std::less<>>& types() const { return types_; }

 private:
  std::map<std::string, DataSourcePtr, std::less<>> sources_;
  std::map<std::string, format::Type, std::less<>> types_;
};

// SET/UNSET properties and DEFINE variables of one session (a QTT case, a REST client).
struct SessionState {
  std::map<std::string, std::string, std::less<>> properties;
  std::map<std::string, std::string, std::less<>> variables;  // names upper-cased

  std::optional<std::string> property(std::string_view name) const;
};

// Converts a parsed type to a SQL type, resolving CREATE TYPE names through the catalog.
Result<format::Type> resolve_type(const DataType& type, const Catalog& catalog);

}  // namespace sluice::sql
