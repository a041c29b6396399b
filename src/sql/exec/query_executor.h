// Runs one stage of a QueryPlan over input records: the source's records decoded into a column
// batch, then the stage's physical operators (pipeline.h: filter, explode, table changes,
// aggregation, the projection and encoders, or the repartition records) -> output records.
//
// The plan and the operators are immutable; a QueryExecutor is one task's execution state (the
// decoders and encoders, the operators' states, reusable batches, counters). The engine owns one
// per task of a running query and feeds it records from the log (sluice serve) or from memory
// (the test runner).
//
// Records that cannot be decoded are skipped and reported through `errors` with their topic,
// partition, offset and reason; the query keeps running.
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/column_batch.h"
#include "format/format.h"
#include "sql/exec/aggregate_operator.h"
#include "sql/exec/expression_executor.h"
#include "sql/exec/pipeline.h"
#include "sql/planner/query_plan.h"
#include "sql/state/state_db.h"

namespace sluice::sql {

class JoinState;

struct InputRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp = 0;
  format::RecordBytes key;
  format::RecordBytes value;
  // The record's headers (for HEADERS / HEADER('k') columns); must outlive process().
  std::span<const std::pair<std::string, std::optional<std::string>>> headers;
};

struct OutputRecord {
  std::optional<std::string> key;  // nullopt: null key
  std::optional<std::string> value;
  int64_t timestamp = 0;
};

// Output records back to back in one buffer: what process() appends to without a heap
// allocation per record. Views stay valid until the next clear() or add().
class OutputBatch {
 public:
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void clear() {
    bytes_.clear();
    entries_.clear();
  }
  // Where a record goes: the partition of its key (no key: of its input record's), or every
  // partition of the topic (a foreign-key join's right table, which each join task keeps).
  enum class Route : uint8_t { kByKey, kEveryPartition };
  void add(std::optional<std::string_view> key, std::optional<std::string_view> value,
           int64_t timestamp, Route route = Route::kByKey) {
    Entry e;
    e.timestamp = timestamp;
    e.route = route;
    e.key_null = !key;
    e.value_null = !value;
    e.key_begin = bytes_.size();
    if (key) bytes_.append(*key);
    e.value_begin = bytes_.size();
    if (value) bytes_.append(*value);
    e.end = bytes_.size();
    entries_.push_back(e);
  }
  std::optional<std::string_view> key(size_t i) const {
    const Entry& e = entries_[i];
    if (e.key_null) return std::nullopt;
    return std::string_view(bytes_).substr(e.key_begin, e.value_begin - e.key_begin);
  }
  std::optional<std::string_view> value(size_t i) const {
    const Entry& e = entries_[i];
    if (e.value_null) return std::nullopt;
    return std::string_view(bytes_).substr(e.value_begin, e.end - e.value_begin);
  }
  int64_t timestamp(size_t i) const { return entries_[i].timestamp; }
  Route route(size_t i) const { return entries_[i].route; }

 private:
  struct Entry {
    size_t key_begin = 0, value_begin = 0, end = 0;
    int64_t timestamp = 0;
    bool key_null = true, value_null = true;
    Route route = Route::kByKey;
  };
  std::string bytes_;
  std::vector<Entry> entries_;
};

struct RecordError {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string message;
};

struct QueryStats {
  uint64_t records_in = 0;
  uint64_t records_out = 0;
  uint64_t decode_errors = 0;
  uint64_t expression_errors = 0;
  // A stateful query's groups in memory and the memory they take (with a state store, the
  // cached part of its state).
  bool stateful = false;
  uint64_t state_groups = 0;
  uint64_t state_memory_bytes = 0;
  // Its state store, as of the last commit (RocksDB's estimates).
  uint64_t state_store_bytes = 0;
  uint64_t state_store_keys = 0;
  // A windowed aggregation's records dropped for arriving after their windows closed.
  uint64_t late_records = 0;
  // Takes the groups' count and memory (and late records) from a state.
  void count_groups(const AggregateState& state) {
    stateful = true;
    state_groups = state.groups();
    state_memory_bytes = state.memory_bytes();
    late_records = state.late_records();
  }
};

// Codecs for one source's or sink's key and value.
struct SourceCodecs {
  std::unique_ptr<format::Decoder> key;
  std::unique_ptr<format::Decoder> value;
};
struct SinkCodecs {
  std::unique_ptr<format::Encoder> key;
  std::unique_ptr<format::Encoder> value;
};
Result<SourceCodecs> make_source_codecs(const DataSource& source);
Result<SinkCodecs> make_sink_codecs(const DataSource& sink);

// Fills system columns and decodes records into rows [0, n) of `batch` (reset first); rows
// that fail are reported to `errors` and excluded from the batch's selection.
void decode_records(std::span<const InputRecord> records, const SourcePlan& plan,
                    SourceCodecs& codecs, format::ColumnBatch& batch,
                    std::vector<RecordError>& errors);

class QueryExecutor {
 public:
  // A GROUP BY whose plan repartitions runs in two stages, as ksqlDB's two sub-topologies: the
  // first reads the source and writes each row that reaches the aggregation (a table source's
  // changes, after WHERE) to the repartition topic, keyed by its grouping values (memcomparable
  // bytes: equal groups, equal keys, one partition) with the columns the aggregation reads in
  // an internal row encoding; the second reads those records and aggregates.
  // A join runs as two stages too (JoinPlan): each side's records to the join topic
  // (kJoinFeed, a QueryPlan of JoinPlan::feed), then the join and what follows it (kJoin).
  enum class Stage { kWhole, kRepartition, kAggregate, kJoinFeed, kJoin };

  // `sink` gives the output formats; its key/value columns match plan.key_schema()/value_schema().
  // For a repartitioning plan, this is the aggregating stage (its input: the repartition topic).
  static Result<std::unique_ptr<QueryExecutor>> create(const QueryPlan& plan,
                                                       const DataSource& sink);
  // A join's join stage (Stage::kJoin): the join, WHERE, then the projection into `sink`, or,
  // with a GROUP BY, the records of its repartition topic.
  static Result<std::unique_ptr<QueryExecutor>> create_join(const QueryPlan& plan,
                                                            const DataSource& sink);
  // The first stage of a repartitioning plan: its output records go to the repartition topic.
  static Result<std::unique_ptr<QueryExecutor>> create_repartition(const QueryPlan& plan);
  // With the caller's encoders (a transient query renders rows for a client instead of a topic).
  static Result<std::unique_ptr<QueryExecutor>> create(const QueryPlan& plan, SinkCodecs sink);

  // Processes records in order, appending results to `out` and bad records to `errors`.
  void process(std::span<const InputRecord> records, std::vector<OutputRecord>& out,
               std::vector<RecordError>& errors);
  // The same, appending to `out` without a heap allocation per record.
  void process(std::span<const InputRecord> records, OutputBatch& out,
               std::vector<RecordError>& errors);

  const QueryStats& stats() const { return stats_; }
  // The stage's operators in order: "Filter -> Aggregate -> ProjectSink".
  std::string describe() const;

  // ---- state (GROUP BY queries; a stateless query has none) ----
  bool stateful() const { return aggregate_step_ >= 0 || join_step_ >= 0; }
  // The aggregation's groups changed since the last call, as changelog records (key: the
  // group's key, value: its durable form), appended to `out`.
  void take_state_changes(state::ChangeBuffer& out);
  // Whether the aggregation's cache has room for `records` more groups
  // (AggregateState::has_room()).
  bool state_has_room(size_t records) const;
  // Restores the aggregation's groups from changelog records (the latest per key wins).
  Status restore_state(std::span<const state::StateChangeView> records);
  // Keeps the aggregation's groups in `store` (committed checkpoints), with about `cache_bytes`
  // of them in memory; call right after create(). Without, every group stays in memory.
  Status attach_state_store(state::StateStore* store, size_t cache_bytes);
  // A new budget for the cache of groups over the store (AggregateState::set_cache_bytes).
  void set_state_cache_bytes(size_t cache_bytes);
  // The changes taken so far are committed, the changelog ending at `changelog_end`; `flush`:
  // write them to the state store now (AggregateState::commit).
  Status commit_state(int64_t changelog_end, bool flush);
  // A failure to read the state store: the query's results from here on would be wrong.
  Status state_error() const;
  // Output buffering (ksqlDB's cache, ksql.streams.cache.max.bytes.buffering; GROUP BY only): a
  // group's result is emitted once per flush_buffered(), with its latest value, instead of once
  // per change; and by process() when the groups waiting take more than `max_bytes`. 0: off.
  void set_output_buffering(size_t max_bytes);
  bool buffering() const;
  // Appends the results waiting (after HAVING and the projection) to `out`.
  void flush_buffered(OutputBatch& out, std::vector<RecordError>& errors);
  // Rebuilds a table source's current rows from its records (read from the topic's start, or
  // from where its store is, to where the query has read), without producing output.
  void restore_source(std::span<const InputRecord> records);
  // Keeps a table source's rows in `store` (TableChangesState::attach_store); its position is
  // the source offset its rows are as of. Call right after create_repartition().
  Status attach_table_store(state::StateStore* store);
  // The source's records before `source_offset` are committed (TableChangesState::commit).
  Status commit_table(int64_t source_offset, bool flush);
  // The store of a table source's rows (nullptr: none, or they are in memory).
  state::StateStore* table_store() const;

  ~QueryExecutor();
  QueryExecutor(const QueryExecutor&) = delete;
  QueryExecutor& operator=(const QueryExecutor&) = delete;

 private:
  QueryExecutor(const QueryPlan& plan, SourceCodecs source, SinkCodecs sink, Stage stage,
                int timestamp_column, std::string timestamp_format);
  void process_batch(std::span<const InputRecord> records, OutputBatch& out,
                     std::vector<RecordError>& errors);
  // Runs chunk_ through the operators from `from` on.
  void run(ExecContext& ctx, size_t from);
  // The aggregation's groups (nullptr without an aggregating step).
  AggregateState* groups() const;
  // A table source's rows (nullptr without a table changes step).
  TableChangesState* table() const;
  // A join's state (nullptr without a join step), and its size into stats_.
  JoinState* join_state() const;
  void count_join_state();

  const QueryPlan& plan_;
  SourceCodecs source_;
  SinkCodecs sink_;
  // The stage's operators, in order, and this task's state of each.
  std::vector<std::unique_ptr<PhysicalOperator>> ops_;
  std::vector<std::unique_ptr<OperatorState>> states_;
  int aggregate_step_ = -1;      // index in ops_ of the AggregateStep
  int table_changes_step_ = -1;  // of the TableChangesStep
  int join_step_ = -1;           // of the JoinStep
  // The second stage of a repartitioning plan decodes the first's records with its codec.
  std::unique_ptr<RepartitionSink> repartition_codec_;
  format::ColumnBatch input_;
  Chunk chunk_;
  QueryStats stats_;
  OutputBatch scratch_out_;  // process(..., vector<OutputRecord>&, ...)
};

}  // namespace sluice::sql
