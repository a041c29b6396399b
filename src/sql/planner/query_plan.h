// Plans for stateless persistent queries (CREATE STREAM|TABLE AS SELECT, INSERT INTO ... SELECT
// without windows, joins or aggregations):
//
//   source decode -> [WHERE filter] -> project (+ PARTITION BY re-key) -> encode -> sink
//
// A QueryPlan is immutable once built: executing it creates separate state (exec/QueryState),
// so one plan can run on several threads or be restarted from a checkpoint.
//
// Thread-safety: immutable after plan_query returns.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "sql/catalog/catalog.h"
#include "sql/catalog/function_registry.h"
#include "sql/parser/statement.h"
#include "sql/planner/bound_expr.h"

namespace sluice::sql {

// How the source's records decode into a batch: every source column in declaration order.
struct SourcePlan {
  DataSourcePtr source;
  std::vector<format::Column> schema;
  std::vector<uint32_t> key_columns;    // batch columns the key decoder writes
  std::vector<uint32_t> value_columns;  // batch columns the value decoder writes
  int timestamp_column = -1;            // TIMESTAMP='col': batch column giving ROWTIME
  std::string timestamp_format;
  // HEADERS (all headers) and HEADER('k') (the last header k) columns.
  struct HeaderColumn {
    uint32_t column = 0;
    bool all = true;
    std::string key;
  };
  std::vector<HeaderColumn> header_columns;
};

struct OutputColumn {
  std::string name;
  format::Type type;
  bool key = false;
  BoundExprPtr expr;  // over the source batch
  // Reads no value column: a re-keyed stream's tombstone still gets this key column computed
  // (ksqlDB evaluates key-only PARTITION BY expressions when the value is null), and a
  // transient query's deleted table row this column.
  bool key_only = false;
};

struct QueryPlan {
  SourcePlan input;
  BoundExprPtr where;                 // null when there is no WHERE
  std::vector<OutputColumn> columns;  // key columns first, then value columns
  bool rekeyed = false;               // PARTITION BY: the key is computed, not carried
  // Table functions (EXPLODE) in the projection: their array arguments over the source batch.
  // Before projecting, each row becomes one row per element (the longest array decides; NULL
  // pads the shorter ones) in a batch of `expanded_schema` = the source columns plus one
  // element column per table function, which the projection reads in place of the calls.
  std::vector<BoundExprPtr> table_functions;
  std::vector<format::Column> expanded_schema;
  uint32_t num_slots = 0;
  bool is_table = false;  // the output is a table (changelog semantics)

  std::vector<format::Column> key_schema() const;
  std::vector<format::Column> value_schema() const;
};

struct PlanContext {
  const Catalog* catalog = nullptr;
  const FunctionRegistry* functions = nullptr;
  const SessionState* session = nullptr;
  std::string sink_name;  // for messages ("The query used to build `OUTPUT` ...")
  bool sink_is_table = false;
  // A transient (client) query: no sink, so key columns need not be selected and every output
  // column is a plain value column in projection order.
  bool transient = false;
};

// Plans a SELECT for a persistent query. Unsupported features (windows, joins, GROUP BY,
// aggregates) fail with StatusCode::kUnsupported; bad SQL with kInvalidArgument and
// "line L:C: ..." where a node is at fault.
Result<QueryPlan> plan_query(const Query& query, const PlanContext& ctx);

// The batch layout a source decodes into (shared by queries and INSERT VALUES).
SourcePlan plan_source(DataSourcePtr source);

// Structural equality of bound expressions (constants by value, columns by index).
bool bound_equals(const BoundExpr& a, const BoundExpr& b);

}  // namespace sluice::sql
