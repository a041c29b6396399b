// Plans for persistent and transient queries without windows or joins:
//
//   stateless:  source decode -> [WHERE filter] -> project (+ PARTITION BY re-key) -> encode
//   GROUP BY:   source decode -> [WHERE filter] -> aggregate (per group key: accumulators) ->
//               [HAVING filter] -> project -> encode (a table: one change per group update)
//
// A QueryPlan is immutable once built: executing it creates separate state (exec/QueryState),
// so one plan can run on several threads or be restarted from a checkpoint.
//
// Thread-safety: immutable after plan_query returns.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "sql/catalog/catalog.h"
#include "sql/catalog/function_registry.h"
#include "sql/functions/aggregate.h"
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
  // A windowed source (source->windowed()): its keys end with their window (a time window's
  // start; a session's end then start, 8 bytes big-endian each), decoded into WINDOWSTART and
  // WINDOWEND, the batch columns after the source's own (-1: not windowed).
  int window_start_column = -1;
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

// One aggregate call of a GROUP BY query (calls equal in function, arguments and literal
// parameters are planned once).
struct AggregateCall {
  AggregateFunctionPtr function;
  // The data arguments over the source batch, cast to function->param_types().
  std::vector<BoundExprPtr> args;
  std::string text;  // the call as ksqlDB prints it ("SUM(F2)"), for messages
};

// A windowed aggregation's windows (ksqlDB's WINDOW TUMBLING / HOPPING), in milliseconds. A row
// counts in every window [start, start + size) holding its timestamp whose start is a multiple of
// `advance` (size for TUMBLING), and in none that has closed: a window closes when the task's
// stream time (the largest timestamp it has read) reaches its end + grace.
struct WindowPlan {
  int64_t size = 0;
  int64_t advance = 0;
  int64_t grace = 0;
  // RETENTION, else size + grace: how long a window stays in the state after it starts, counted
  // in stream time.
  int64_t retention = 0;
  // EMIT FINAL (Kafka Streams' emit on window close, as ksqlDB runs it): no result per change;
  // when a record moves stream time past windows' ends + grace, each of those windows still
  // retained (start >= stream time - retention) gets its one final result, in order of window
  // end, then key. A window that closed and left the retention in one step (a jump of stream
  // time) is never emitted, as in ksqlDB.
  bool emit_final = false;
  // SESSION (gap): a key's records within `size` (the gap) of each other make one session
  // [first, last]; see AggregateOperator::execute_sessions.
  bool session = false;
  // The window starts of timestamp `ts` (>= 0), in increasing order, into `out` (cleared first).
  void windows_of(int64_t ts, std::vector<int64_t>& out) const;
};

// ksqlDB's grace period when a window does not say (Kafka Streams' former default).
inline constexpr int64_t kDefaultGraceMs = 24LL * 60 * 60 * 1000;

// GROUP BY: the rows that pass WHERE are grouped by `group_by` (a row with a NULL grouping
// value is dropped, as ksqlDB does); every change to a group produces a row of `schema` = the
// grouping values, then (windowed) WINDOWSTART and WINDOWEND, then one column per call, which
// HAVING and the projection read. A windowed aggregation's groups are (grouping values, window).
struct AggregatePlan {
  std::vector<BoundExprPtr> group_by;  // over the source batch
  std::vector<AggregateCall> calls;
  std::vector<format::Column> schema;
  BoundExprPtr having;  // over `schema`; null when absent
  std::optional<WindowPlan> window;
  // The first call's column in `schema` (after the grouping values and the window bounds).
  size_t first_call_column() const { return group_by.size() + (window ? 2 : 0); }
  // The source is a table: a row replaces its key's previous row, whose inputs are retracted.
  bool source_is_table = false;
  // The rows go through an internal repartition topic keyed by their grouping values first (as
  // ksqlDB's GroupBy step): the grouping is not the source's key, so a group's rows may be in
  // several partitions (and a table source's changes are made next to its rows).
  bool repartition = false;
  // Expression slots of the source-side expressions (WHERE, grouping, arguments); the plan's
  // num_slots counts those over `schema` (HAVING, projection).
  uint32_t num_source_slots = 0;
};

struct QueryPlan;

// One side of a join: its source, decoded as a query over it decodes it, and its join expression.
struct JoinSide {
  SourcePlan source;
  std::string alias;  // its qualifier (the alias, else the source's name)
  BoundExprPtr key;   // the join expression, over `source`'s batch
  uint32_t num_slots = 0;
  // Its columns in the joined batch: source.schema's at [first_column, first_column + n), then
  // its ROWTIME, ROWPARTITION and ROWOFFSET.
  uint32_t first_column = 0;
  uint32_t num_columns() const { return static_cast<uint32_t>(source.schema.size()) + 3; }
  bool is_table() const { return source.source->is_table; }
};

// One join of a query's chain: the sources before it (its left) joined with the next source
// (its right).
struct JoinStepPlan {
  JoinType type = JoinType::kInner;
  // Stream-stream joins: a left record joins right records whose timestamps are within
  // [ts - before, ts + after]; records stay joinable until stream time passes their window by
  // `grace` (none given: 24 hours, and outer results are emitted at once rather than when the
  // window closes, as ksqlDB without GRACE PERIOD does).
  int64_t before = 0, after = 0, grace = 0;
  bool grace_given = false;
  bool left_table = false, right_table = false;
  bool stream_stream() const { return !left_table && !right_table; }
};

// A query's joins (ksqlDB's FROM a JOIN b ON ... [JOIN c ON ...]), left-deep, all on the same
// key: each source's records, keyed by their join expression, go to the query's join topic (one
// topic for every source, so that a task reads its partition of all of them in the order they
// came); the join task runs the chain, each step keeping its sides' state (a table's current
// rows; a stream's records within the join window) and passing its joined rows to the next.
// The joined batch: column 0 the join key, then each source's columns.
struct JoinPlan {
  std::vector<JoinSide> sides;      // the sources, FROM's first
  std::vector<JoinStepPlan> steps;  // steps[k] joins sources 0..k with source k + 1
  format::Type key_type;
  // The joined columns equal to the key (the join expressions that are plain columns), which a
  // projection may select as the key, and those expressions as written ("L.A"), for messages.
  // A synthetic key (ROWKEY: FULL OUTER, or expressions on both sides) is selected by its name.
  std::vector<uint32_t> key_columns;
  std::vector<std::string> key_texts;
  bool synthetic_key = false;
  std::string key_name;  // the joined batch's key column
  // A foreign-key table-table join (ksqlDB's `left JOIN right ON f(left) = right's key`, INNER
  // or LEFT, two tables): the left table's rows are repartitioned by their primary key, each
  // with its foreign key (sides[0].key), and the right table's rows go to every join task (each
  // keeps a copy of the right table, as a global table), so a task sees a left row's old and
  // new foreign key and every right row it may join. The joined batch's column 0 is the foreign
  // key; the output's key is the left table's primary key (key_columns: its columns).
  bool foreign_key = false;
  // The first stage's plans: a query over each source whose sink is the join topic.
  std::vector<std::unique_ptr<QueryPlan>> feed;
  const JoinSide& side(size_t s) const { return sides[s]; }
  // The joined rows are a table (every source is one).
  bool is_table() const { return steps.back().left_table && steps.back().right_table; }
};

struct QueryPlan {
  SourcePlan input;
  BoundExprPtr where;  // null when there is no WHERE
  // Key columns first, then value columns. Their expressions read the source batch, or, with an
  // aggregation, its result rows.
  std::vector<OutputColumn> columns;
  bool rekeyed = false;  // PARTITION BY: the key is computed, not carried
  // Table functions (EXPLODE) in the projection: their array arguments over the source batch.
  // Before projecting, each row becomes one row per element (the longest array decides; NULL
  // pads the shorter ones) in a batch of `expanded_schema` = the source columns plus one
  // element column per table function, which the projection reads in place of the calls.
  std::vector<BoundExprPtr> table_functions;
  std::vector<format::Column> expanded_schema;
  uint32_t num_slots = 0;
  bool is_table = false;                     // the output is a table (changelog semantics)
  std::unique_ptr<AggregatePlan> aggregate;  // GROUP BY; null for a stateless query
  // A join: `input` is then the joined batch (its source a stand-in for the join topic).
  std::unique_ptr<JoinPlan> join;
  // A join's first stage (JoinPlan::feed): this query reads side `join_feed` of `join_of`.
  const JoinPlan* join_of = nullptr;
  int join_feed = -1;

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

// Plans a SELECT for a persistent query. Unsupported features (windows, joins) fail with
// StatusCode::kUnsupported; bad SQL with kInvalidArgument and
// "line L:C: ..." where a node is at fault.
Result<QueryPlan> plan_query(const Query& query, const PlanContext& ctx);

// The batch layout a source decodes into (shared by queries and INSERT VALUES).
SourcePlan plan_source(DataSourcePtr source);

// Structural equality of bound expressions (constants by value, columns by index).
bool bound_equals(const BoundExpr& a, const BoundExpr& b);

}  // namespace sluice::sql
