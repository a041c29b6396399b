// The ksqlDB-compatible REST API on the HTTP listener (ksqlDB 0.29's shapes):
//
//   POST /ksql          statements -> a JSON array of entities (currentStatus, streams, tables,
//                       kafka_topics, queries, properties, function_names, sourceDescription, ...)
//   POST /query         a SELECT streamed back (chunked) as [{"header":...},{"row":...},...]
//   POST /query-stream  a SELECT streamed back as delimited JSON lines (or one JSON array)
//   POST /close-query   ends a /query-stream or /query push query by id
//   GET  /info          server info
//   GET  /healthcheck   health
//
// Errors are ksqlDB's: {"@type":"statement_error"|"generic_error","error_code":4xxxx|50000,
// "message":...}. Transient queries run on the SqlService's worker and stop when their client
// disconnects, at their LIMIT, on /close-query or when the server stops.
//
// Thread-safety: handlers are thread-safe (the SqlService serialises engine access).
#pragma once

#include <string>

#include "server/http_server.h"

namespace sluice {
namespace sql {
class SqlService;
}  // namespace sql

struct KsqlRestInfo {
  std::string version;
  std::string kafka_cluster_id;
};

// Registers the routes above; `sql` must outlive `http`'s serving.
void add_ksql_routes(HttpServer& http, sql::SqlService& sql, KsqlRestInfo info);

}  // namespace sluice
