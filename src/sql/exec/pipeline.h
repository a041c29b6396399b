// A query's physical operators: what QueryExecutor runs its decoded batches through, built from a
// QueryPlan for one stage of it (DuckDB's split: each operator immutable, `execute(ctx, chunk,
// state) const`, with a state object per task made by its make_state()).
//
//   stateless query    [Filter] -> [Explode] -> ProjectSink
//   aggregation        [TableChanges] -> [Filter] -> Aggregate -> ProjectSink
//     repartitioned    first stage:  [TableChanges] -> [Filter] -> RepartitionSink
//                      second stage: (its repartition records decoded) -> Aggregate -> ProjectSink
//
// Between operators flows a Chunk: a batch and its live rows, split into rows with a value
// (each with its change type, ColumnBatch::change(): insert, update-before/after, delete of an
// old row that is still given whole) and tombstones (deletes that carry only their key), so that
// tables, aggregations over tables and HAVING can retract. A sink appends records to the
// context's OutputBatch.
//
// Thread-safety: operators are immutable and may be shared; a state belongs to one task.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "format/column_batch.h"
#include "format/format.h"
#include "sql/exec/aggregate_operator.h"
#include "sql/exec/expression_executor.h"
#include "sql/planner/query_plan.h"

namespace sluice::sql {

class OutputBatch;
struct InputRecord;
struct QueryStats;
struct RecordError;
struct SinkCodecs;

// Marks what `e` reads of the batch columns in `uses` (indexed by batch column): a field chain
// s->a->b over a column marks that path, any other column reference the whole column.
void mark_column_use(const BoundExpr& e, std::vector<format::ColumnUse>& uses);

// Rows of a batch on their way through the operators.
struct Chunk {
  format::ColumnBatch* batch = nullptr;
  std::vector<uint32_t> rows;        // rows with a value, ascending
  std::vector<uint32_t> tombstones;  // deletes carrying only their key, ascending
  bool empty() const { return rows.empty() && tombstones.empty(); }
};

// What a task gives its operators for one batch.
struct ExecContext {
  OutputBatch& out;
  std::vector<RecordError>& errors;
  QueryStats& stats;
  SinkCodecs* sink = nullptr;  // ProjectSink's encoders
};

class OperatorState {
 public:
  virtual ~OperatorState() = default;
};

class PhysicalOperator {
 public:
  virtual ~PhysicalOperator() = default;
  virtual std::string_view name() const = 0;
  virtual std::unique_ptr<OperatorState> make_state() const = 0;
  // Transforms `chunk` (pointing it at a batch of the state's where the rows change).
  virtual void execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const = 0;
};

// WHERE. Rows failing it leave the chunk; over a stream its tombstones go too (only a query
// without WHERE passes them on); for a table output they become tombstones of their key (KTable
// filter semantics: the key's row is deleted downstream).
class FilterOperator final : public PhysicalOperator {
 public:
  // `slots`: the expression slots of the space `where` is bound in.
  FilterOperator(const BoundExpr& where, uint32_t slots, bool table_semantics)
      : where_(where), slots_(slots), table_(table_semantics) {}
  std::string_view name() const override { return "Filter"; }
  std::unique_ptr<OperatorState> make_state() const override;
  void execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const override;

 private:
  const BoundExpr& where_;
  const uint32_t slots_;
  const bool table_;
};

// EXPLODE: each row becomes one row per array element (QueryPlan::table_functions).
class ExplodeOperator final : public PhysicalOperator {
 public:
  explicit ExplodeOperator(const QueryPlan& plan) : plan_(plan) {}
  std::string_view name() const override { return "Explode"; }
  std::unique_ptr<OperatorState> make_state() const override;
  void execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const override;

 private:
  const QueryPlan& plan_;
};

// A table source's records (upserts, tombstones) as changes (TableChangesOperator); its state is
// the table's rows.
class TableChangesStep final : public PhysicalOperator {
 public:
  explicit TableChangesStep(const SourcePlan& source) : op_(source), source_(source) {}
  std::string_view name() const override { return "TableChanges"; }
  std::unique_ptr<OperatorState> make_state() const override;
  void execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const override;
  // The state's table rows, for restore and size.
  static TableChangesState& table(OperatorState& state);

 private:
  TableChangesOperator op_;
  const SourcePlan& source_;
};

// GROUP BY and HAVING: the changes update their groups (AggregateOperator); out comes a result
// row per change of a group (or, buffering, per group at flush()), those failing HAVING deleting
// a group whose last result passed.
class AggregateStep final : public PhysicalOperator {
 public:
  explicit AggregateStep(const QueryPlan& plan) : plan_(plan), op_(*plan.aggregate) {}
  std::string_view name() const override { return "Aggregate"; }
  std::unique_ptr<OperatorState> make_state() const override;
  void execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const override;
  // Output buffering: up to a batch of the results waiting, into `chunk`; false when none was.
  bool flush(ExecContext& ctx, Chunk& chunk, OperatorState& state) const;
  static AggregateState& groups(OperatorState& state);

 private:
  // HAVING over the result rows of the groups in output_groups().
  void having(ExecContext& ctx, Chunk& chunk, OperatorState& state) const;

  const QueryPlan& plan_;
  AggregateOperator op_;
};

// Writes each row that reaches the aggregation as a repartition record: keyed by its grouping
// values (memcomparable bytes: equal groups, equal keys, one partition), valued with its change
// type, source partition and offset and the columns the aggregation reads (key_codec encoding).
class RepartitionSink final : public PhysicalOperator {
 public:
  explicit RepartitionSink(const QueryPlan& plan);
  std::string_view name() const override { return "RepartitionSink"; }
  std::unique_ptr<OperatorState> make_state() const override;
  void execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const override;
  // The source columns a repartition record carries, and the others.
  const std::vector<uint32_t>& carried() const { return carried_; }
  const std::vector<uint32_t>& not_carried() const { return not_carried_; }
  // Decodes repartition records into `batch` (reset first; rows that do not decode are excluded
  // and reported).
  void decode(std::span<const InputRecord> records, format::ColumnBatch& batch,
              std::vector<RecordError>& errors) const;

 private:
  const QueryPlan& plan_;
  std::vector<uint32_t> carried_, not_carried_;
  std::vector<format::ColumnUse> uses_;  // per source column: the parts the aggregation reads
};

// The projection (SELECT list) and the sink's encoders: a record per row, tombstones keeping
// their key; the sink's TIMESTAMP column, if any, gives the record time.
class ProjectSink final : public PhysicalOperator {
 public:
  ProjectSink(const QueryPlan& plan, int timestamp_column, std::string timestamp_format);
  std::string_view name() const override { return "ProjectSink"; }
  std::unique_ptr<OperatorState> make_state() const override;
  void execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const override;

 private:
  const QueryPlan& plan_;
  std::vector<uint32_t> key_cols_, value_cols_;
  const int timestamp_column_;
  const std::string timestamp_format_;
  // WINDOWSTART in the rows projected (a windowed aggregation's result, or a stateless query's
  // windowed source; -1: neither): each key gets its window appended (Kafka Streams' windowed
  // key).
  int window_start_column_ = -1;
  bool session_window_ = false;  // WINDOWEND (the next column) goes first
};

}  // namespace sluice::sql
