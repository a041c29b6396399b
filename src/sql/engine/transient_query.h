// Transient queries: a SELECT run for one client and streamed back instead of written to a topic
// (ksqlDB's push queries `SELECT ... EMIT CHANGES [LIMIT n]`, and `SELECT ... FROM stream` without
// EMIT, which scans the stream up to the end it had when the query started).
//
// The engine plans them like persistent queries and polls them in Engine::poll_transients(); each
// output row goes to the query's TransientSink as the JSON array of its column values, rendered as
// ksqlDB's REST API renders them (see append_rest_json). They are never recorded in the command
// topic: a restart forgets them.
//
// Thread-safety: a TransientSink is called from the thread that polls the engine; its cancelled()
// and full() may be answered from state other threads change.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "format/column_batch.h"
#include "format/types.h"
#include "format/value.h"

namespace sluice::sql {

enum class TransientEnd : uint8_t {
  kLimit,     // LIMIT reached
  kComplete,  // a scan reached the end offsets captured at its start
  kAnswered,  // a pull query on a table gave every row (ksqlDB sends no final message)
  kClosed,    // closed by request (close-query, server stop)
  kError,     // the query failed (its source was dropped, ...)
};

class TransientSink {
 public:
  virtual ~TransientSink() = default;
  // The consumer went away: the engine drops the query (and calls nothing more).
  virtual bool cancelled() const = 0;
  // The consumer lags behind: the engine reads no more input for this query for now.
  virtual bool full() const = 0;
  // One output row: the JSON array of its column values, e.g. ["a",1,null].
  virtual void row(std::string_view json_array) = 0;
  // A push query over a table saw a key deleted: the row's columns that read only the key, the
  // others null. ksqlDB's /query shows it with "tombstone": true; sinks that cannot show
  // deletions ignore it.
  virtual void tombstone(std::string_view json_array) { (void)json_array; }
  // The query ended; no call follows. `message` explains kError.
  virtual void end(TransientEnd reason, std::string_view message) = 0;
};

struct TransientQueryInfo {
  std::string id;  // transient_<SOURCE>_<n>
  std::string sql;
  std::string source;
  std::vector<format::Column> columns;
  // Per column: a key column of the table a pull query reads (ksqlDB's header marks it KEY).
  std::vector<bool> key_columns;
  // A pull query (no EMIT): a stream scan ends at the end offsets captured at the start; a table
  // lookup reads the table's rows as they are at the start.
  bool scan = false;
};

// ksqlDB REST rendering of one value: numbers as JSON numbers (DECIMAL exactly, DOUBLE as Java
// prints it), TIMESTAMP as "yyyy-MM-ddTHH:mm:ss.SSS", DATE "yyyy-MM-dd", TIME "HH:mm:ss" (UTC),
// BYTES as Base64, ARRAY as an array, MAP and STRUCT as objects, NULL as null.
void append_rest_json(std::string& out, const format::Value& v);

// "`A` STRING KEY, `B` BIGINT", as ksqlDB's /query header gives a transient query's schema.
std::string rest_schema_string(const TransientQueryInfo& info);

}  // namespace sluice::sql
