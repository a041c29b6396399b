// The SQL engine: executes ksqlDB statements against a catalog and a TopicStore.
//
//   DDL       CREATE STREAM|TABLE, CREATE TYPE, DROP ..., SET/UNSET, DEFINE/UNDEFINE
//   queries   CREATE STREAM|TABLE AS SELECT and INSERT INTO ... SELECT start persistent queries
//   DML       INSERT INTO ... VALUES writes one record
//
// Persistent queries do not run on their own: poll() processes every record available now on
// their input topics and writes the results, so the same engine runs synchronously in the test
// runner (feed a record, poll) and continuously in `sluice serve` (a worker calls poll() when
// its input topics grow). A new query starts at its input's end, or at its beginning when the
// statement's auto.offset.reset is 'earliest' (offset_reset()); CREATE OR REPLACE keeps the
// replaced query's position.
//
// A persistent query runs as tasks (Kafka Streams' tasks): one per input partition of the
// stage that reads its input (a stateless query; a repartitioning aggregation's first stage)
// and one per partition of its aggregating stage, each with its own executor, read position and
// state stores; a poll round runs every task of every query, side by side on a TaskPool when one
// is set.
//
// Thread-safety: statements (execute*, session(), catalog(), start_transient/print) come from one
// thread at a time, the caller serialises them; poll() and poll_transients() run on one other
// thread at a time, concurrently with statements. A query's tasks hold its lock shared, one
// batch at a time each: a statement that changes or ends a query takes it exclusively, waiting
// for the current batches only, and what describes the queries (queries(), query_offsets(),
// transient_queries(), record_errors()) is read from any thread without waiting for a batch.
// The catalog is touched by statements only. (The TopicStore must be thread-safe when statements
// and polls run on different threads, as LogTopicStore is.)
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/task_pool.h"
#include "sql/catalog/catalog.h"
#include "sql/catalog/function_registry.h"
#include "sql/engine/topic_store.h"
#include "sql/engine/transient_query.h"
#include "sql/exec/query_executor.h"
#include "sql/parser/statement.h"
#include "sql/planner/query_plan.h"
#include "sql/state/state_db.h"

namespace sluice::sql {

// The executor's view of a record read from partition `partition` of a topic (the record, and
// the buffer a view points into, must outlive its use).
InputRecord input_record(const TopicRecordView& r, int32_t partition);
InputRecord input_record(const TopicRecord& r, int32_t partition);

// Where a new query starts reading its input when the statement's auto.offset.reset does not say.
enum class OffsetReset { kEarliest, kLatest };

struct EngineOptions {
  // Where new persistent and push queries start when the session has no auto.offset.reset:
  // ksqlDB's default is the end of their input (a server); its test runners, whose inputs are
  // written before the statements run, read from the beginning.
  OffsetReset auto_offset_reset = OffsetReset::kLatest;
  // Create a source's topic when it is missing, with PARTITIONS or 1 partition (what ksqlDB's
  // test runner does); otherwise a missing topic without PARTITIONS is an error, as in ksqlDB.
  bool auto_create_source_topics = false;
  // A GROUP BY's output buffering when the session does not say
  // (ksql.streams.cache.max.bytes.buffering; QueryExecutor::set_output_buffering). ksqlDB's
  // server default is 10 MB; 0 (an update per input record) is what its test runners use.
  size_t cache_max_bytes_buffering = 0;
  size_t poll_batch_records = 2048;
  int max_poll_rounds = 1000;
  // The Schema Registry the AVRO format reads writer schemas from and registers sink schemas in
  // (not owned; outlives the engine). Without one, AVRO sources and sinks are an error.
  schema::SchemaRegistry* registry = nullptr;
};

struct StatementResult {
  std::string statement_text;
  std::string message;  // "Stream created", "Created query with ID CSAS_OUTPUT_0", ...
  std::string query_id;
  // The statement changed the catalog or the running queries (DDL, C*AS, INSERT INTO SELECT,
  // DROP, TERMINATE): a server records it so that a restart can replay it.
  bool durable = false;
  // Where a server recorded a durable statement in its command topic (-1: not recorded).
  int64_t command_sequence_number = -1;
  // SHOW / LIST / DESCRIBE answers as a table.
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// A persistent query's checkpoint: where it has read to and, for a stateful query (GROUP BY), the
// state it changed since its previous checkpoint, taken together so that they agree.
struct QueryCheckpoint {
  std::string id;
  std::vector<int64_t> offsets;  // next input offset per partition
  // A repartitioning query's aggregating stage: next offset per repartition topic partition.
  std::vector<int64_t> repartition_offsets;
  std::string repartition_topic;  // the topic they are in (empty: none)
  // A join's join stage: next offset per join topic partition.
  std::vector<int64_t> join_offsets;
  std::string join_topic;
  std::string changelog_topic;  // empty: a stateless query
  // Changelog records (key, value) per stateful task, partition p's to partition p of the
  // changelog topic: the aggregating stage's tasks, then a join stage's.
  std::vector<state::ChangeBuffer> changes;
  // Writing the query's buffered results (part of the checkpoint) failed: it must not commit.
  Status output_error = Status::ok();
};

struct QueryInfo {
  std::string id;
  std::string sql;
  std::string source;
  std::string sink;
  QueryStats stats;
  // Its sub-topologies: for each, the topic its tasks read (a task per partition) and their
  // operators (EXPLAIN's topology).
  std::string topology;
};

class Engine {
 public:
  explicit Engine(TopicStore& store, EngineOptions options = {});
  ~Engine();

  // Substitutes variables, parses and executes each statement of `sql` in order; stops at the
  // first failure. `results` receives one entry per statement executed.
  Status execute_script(std::string_view sql, std::vector<StatementResult>* results = nullptr);
  Result<StatementResult> execute(const Statement& stmt, std::string_view text);
  // One statement's text: variables substituted, parsed, executed.
  Result<StatementResult> execute_text(std::string_view text);
  // A parsed statement whose text (variables substituted) is `text`; sets `durable`.
  Result<StatementResult> execute_parsed(const Statement& stmt, std::string_view text);

  // Where a query started now begins: the session's 'auto.offset.reset' (or its alias
  // 'ksql.streams.auto.offset.reset'), 'earliest' or 'latest' in any case, else the engine's
  // default (EngineOptions::auto_offset_reset).
  OffsetReset offset_reset() const;
  // A GROUP BY query started now buffers its results up to this many bytes: the session's
  // 'ksql.streams.cache.max.bytes.buffering' (or 'cache.max.bytes.buffering',
  // '[ksql.streams.]statestore.cache.max.bytes'), else EngineOptions::cache_max_bytes_buffering.
  Result<size_t> cache_max_bytes() const;
  // Per partition of `topic`, where a query starting at `reset` reads first: the log start (0;
  // reads skip what retention removed) or the partition's end offset.
  Result<std::vector<int64_t>> start_offsets(std::string_view topic, OffsetReset reset) const;

  // Where each persistent query has read to (next offset per input partition), to checkpoint;
  // restore_offsets puts a query back there after a restart.
  std::map<std::string, std::vector<int64_t>> query_offsets() const;
  Status restore_offsets(std::string_view query_id, std::vector<int64_t> offsets);

  // Every persistent query's checkpoint (a stateful query's changes count as taken; its buffered
  // results are written to its sink first, the checkpoint's outputs).
  std::vector<QueryCheckpoint> take_checkpoints();
  // A checkpoint's transaction committed: a stateful query's changes taken with it are in its
  // changelog, whose partitions end at `changelog_ends` (its state stores follow, at once when
  // `flush`).
  Status commit_state(std::string_view query_id, std::span<const int64_t> changelog_ends,
                      bool flush);

  // Reads partition `partition` of a changelog from offset `from` up to `end` (the
  // checkpoint's), calling `chunk` with its records (in order) and the offset after them.
  using ChangelogChunk =
      std::function<Status(std::span<const state::StateChangeView> records, int64_t next_offset)>;
  using ChangelogReader = std::function<Status(int32_t partition, int64_t from, int64_t end,
                                               const ChangelogChunk& chunk)>;
  // Puts a query back where a checkpoint left it after a restart: a stateful query's state as
  // of `changelog_ends` (per aggregator: with a state store, its local contents, brought forward
  // from its changelog partition where it is behind, or rebuilt from the partition's start where
  // it is missing or ahead; without, groups from the whole partition, the latest record per key
  // winning) and a table source's rows from the source topic up to `offsets`, then its offsets.
  Status restore_query(std::string_view query_id, std::vector<int64_t> offsets,
                       std::vector<int64_t> repartition_offsets,
                       std::vector<int64_t> changelog_ends, const ChangelogReader& read_changelog,
                       std::vector<int64_t> join_offsets = {});
  // The compacted topic that holds a stateful query's state, a partition per partition of its
  // aggregating stage (one without repartitioning).
  static std::string changelog_topic(std::string_view query_id);
  // The internal topic between a repartitioning query's stages (ksqlDB's
  // ...-Aggregate-GroupBy-repartition), as many partitions as the query's source.
  static std::string repartition_topic(std::string_view query_id);
  // The internal topic a join's sides are repartitioned into by their join key, read by its
  // join tasks.
  static std::string join_topic(std::string_view query_id);
  // The RocksDB store of partition `partition` of its aggregating stage.
  static std::string state_store_name(std::string_view query_id, int32_t partition = 0);
  // The RocksDB store of a table source's rows (partition `partition`), whose changelog is the
  // source topic.
  static std::string source_store_name(std::string_view query_id, int32_t partition);
  // The RocksDB store of partition `partition` of a join's join stage.
  static std::string join_store_name(std::string_view query_id, int32_t partition);

  // Keeps the state of the stateful persistent queries started from now on in `db` (a store per
  // task), with about `cache_bytes` per query in memory (shared by its tasks). Without, state
  // lives in memory.
  void set_state_db(state::StateDb* db, size_t cache_bytes) {
    state_db_ = db;
    state_cache_bytes_ = cache_bytes;
  }
  // The state caches' size as a fraction (0, 1] of `cache_bytes` (1 at first): SqlService's
  // memory governor lowers it while the process is over its memory limit and raises it again
  // below. Applies to every stateful query's tasks from their next batch or commit. Call between
  // polls.
  void set_state_cache_fraction(double fraction);
  double state_cache_fraction() const { return state_cache_fraction_.load(); }
  // The state caches' configured bytes (at fraction 1) over the stateful queries running.
  size_t state_cache_configured() const;
  // While set, queries started are being replayed: their state stores are kept for
  // restore_query(); otherwise a new query starts from an empty store.
  void set_replaying(bool replaying) { replaying_ = replaying; }

  // Runs the persistent queries over every record available now (repeating while a query's
  // output feeds another's input). Returns the number of records processed (input records, and
  // the records between a query's stages). Stops early, for a checkpoint, at `deadline` (the
  // next commit is due) or when an aggregation's groups changed since the last checkpoint
  // outgrow its cache (they stay in memory until committed): checkpoint_due() says so.
  Result<size_t> poll(std::chrono::steady_clock::time_point deadline =
                          std::chrono::steady_clock::time_point::max());
  bool checkpoint_due() const { return checkpoint_due_.load(std::memory_order_relaxed); }
  // Runs the persistent queries' tasks side by side on `pool`'s threads; without, one after the
  // other on the caller's thread. The error handler and the TopicStore must then be thread-safe.
  // Set before polling starts.
  void set_task_pool(TaskPool* pool) { task_pool_ = pool; }
  // The topics the running queries read (sources, repartition topics, PRINT's topic): what a
  // poller waits for appends to.
  std::set<std::string> input_topics() const;
  // Input records the persistent queries have read so far.
  uint64_t input_records() const { return input_records_.load(std::memory_order_relaxed); }

  // Records that could not be processed (bad bytes, ...). When unset they are counted only. The
  // handler runs on the polling thread; set it before polling starts.
  void set_error_handler(std::function<void(const RecordError&)> handler) {
    error_handler_ = std::move(handler);
  }

  // ---- transient queries (transient_query.h; implemented in transient_query.cc) ----
  // Plans a SELECT (push with EMIT CHANGES, or a scan of a stream without EMIT) and starts it.
  // A push query starts where offset_reset() says. Errors as for persistent queries (line:column
  // where a node is at fault).
  Result<TransientQueryInfo> start_transient(const Query& query, std::string_view text,
                                             std::shared_ptr<TransientSink> sink);
  // PRINT topic [FROM BEGINNING] [INTERVAL n] [LIMIT n]: the topic's records as text lines
  // ("rowtime: ..., key: ..., value: ..., partition: N"), after two lines guessing the formats.
  Result<TransientQueryInfo> start_print(const Print& print, std::string_view text,
                                         std::shared_ptr<TransientSink> sink);
  // Runs the transient queries over what their inputs hold now (a batch per partition each);
  // drops the cancelled and finished ones. Returns the number of input records processed.
  Result<size_t> poll_transients();
  // Ends a transient query with TransientEnd::kClosed; false when there is none with this id.
  bool close_transient(std::string_view id);
  void close_all_transients();
  std::vector<TransientQueryInfo> transient_queries() const;

  const Catalog& catalog() const { return catalog_; }
  SessionState& session() { return session_; }
  std::vector<QueryInfo> queries() const;
  uint64_t record_errors() const { return record_errors_.load(std::memory_order_relaxed); }
  TopicStore& store() { return store_; }
  // Where persistent queries write their outputs (default: store()): a server running
  // exactly-once gives a store whose appends join the checkpoint's transaction.
  void set_output_store(TopicStore* store) { output_store_ = store; }

 private:
  struct PersistentQuery;
  struct QueryTask;
  struct TransientQuery;

  Result<StatementResult> create_source(const CreateSource& s, std::string_view text);
  Result<StatementResult> alter_source(const AlterSource& s, std::string_view text);
  Result<StatementResult> create_as_select(const CreateAsSelect& s, std::string_view text);
  Result<StatementResult> insert_into(const InsertInto& s, std::string_view text);
  Result<StatementResult> insert_values(const InsertValues& s);
  Result<StatementResult> drop_source(const DropSource& s);
  Result<StatementResult> terminate(const Terminate& s);
  Result<StatementResult> list(const ListStatement& s);
  Result<StatementResult> describe(const DescribeSource& s);
  Status start_query(std::string id, std::unique_ptr<QueryPlan> plan, DataSourcePtr sink,
                     std::string_view text);
  // Creates the readers of the first `partitions` input partitions (PersistentQuery::readers),
  // a table source's with their stores, emptied first when `fresh_state`. Requires q.mu
  // exclusively.
  Status ensure_readers(PersistentQuery& q, size_t partitions, bool fresh_state);
  // How a new aggregator gets its state store: emptied first (a new query: what an earlier query
  // of the same id left is not its state), as it is (a replayed query; restore_query() brings it
  // to the checkpoint), or not yet (restore_query() attaches it once caught up: not loaded twice).
  enum class StoreUse { kFresh, kAsIs, kLater };
  // (Re)creates an aggregation's aggregators (PersistentQuery::aggregators), one per partition
  // of its input. Requires q.mu exclusively.
  Status make_aggregators(PersistentQuery& q, StoreUse stores);
  // (Re)creates a join's join tasks (PersistentQuery::joiners), one per join topic partition.
  Status make_joiners(PersistentQuery& q, StoreUse stores);
  // Adds aggregators up to `partitions`.
  Status ensure_aggregators(PersistentQuery& q, size_t partitions, StoreUse stores);
  // Describes the query's sub-topologies and their tasks (QueryInfo::topology). Requires q.mu.
  Result<std::string> describe_topology(const PersistentQuery& q) const;
  void count_errors(const std::vector<RecordError>& errors);
  // The running queries now (the poll thread works on such a snapshot, unlocked).
  std::vector<std::shared_ptr<PersistentQuery>> persistent_snapshot() const;
  // Whether an aggregator of `queries` lacks the room in its cache for another batch of new
  // groups (the groups changed since the last checkpoint cannot be evicted before it).
  bool state_over_budget(const std::vector<std::shared_ptr<PersistentQuery>>& queries) const;
  std::vector<std::shared_ptr<TransientQuery>> transient_snapshot() const;
  void add_transient_input_topics(std::set<std::string>& out) const;
  // Takes `t` out of the running transients (no-op when already out).
  void remove_transient(const TransientQuery* t);
  // Transient queries reading `source` end with an error at their next poll.
  void mark_source_dropped(std::string_view source);
  // INSERT VALUES: straight to the store (visible at once, outside any query's transaction).
  Status write_output(const DataSource& sink, std::vector<OutputRecord>& records,
                      std::span<const int32_t> input_partitions);
  // `window_key_bytes`: each key ends with its window (DataSource::window_key_bytes()), which
  // partitioning leaves out.
  Status write_output(const std::string& topic, const OutputBatch& records, int32_t input_partition,
                      size_t window_key_bytes = 0);
  // Reads a batch of partition `partition` of `topic` from `offset` (advanced), runs `executor`
  // over it with the caller's buffers and writes the results to `output_topic`. Returns the
  // records read. Requires q.mu.
  Result<size_t> poll_partition(PersistentQuery& q, const std::string& topic, int32_t partition,
                                int64_t& offset, TopicReadBuffer& buf, QueryExecutor& executor,
                                std::vector<InputRecord>& inputs, OutputBatch& out,
                                const std::string& output_topic);
  Result<size_t> poll_transient(TransientQuery& t, bool* done);   // requires t.mu
  Result<size_t> poll_print(TransientQuery& t, bool* done);       // requires t.mu
  Result<size_t> poll_table_rows(TransientQuery& t, bool* done);  // requires t.mu
  // A queryable table's current rows (the latest record per key of its topic, no deletes), kept
  // up to date incrementally from the topic.
  // With `keys` (encoded as the table's key format), those keys' rows in that order.
  Result<std::vector<TopicRecord>> materialized_rows(
      const DataSource& table, const std::optional<std::vector<std::string>>& keys);
  // Key values of a single-key table in its key format (NULLs and repeats left out).
  Result<std::vector<std::string>> encode_keys(const DataSource& table,
                                               const std::vector<format::Value>& keys);

  // An aggregator's cache budget: its query's share scaled by the cache fraction.
  size_t cache_budget(const PersistentQuery& q) const;  // requires q.mu
  // The state store `name` (nullptr: state in memory), emptied first when `fresh`.
  Result<state::StateStore*> state_store(const std::string& name, bool fresh);

  TopicStore& store_;
  TopicStore* output_store_ = &store_;
  state::StateDb* state_db_ = nullptr;
  TaskPool* task_pool_ = nullptr;
  size_t state_cache_bytes_ = 0;
  std::atomic<double> state_cache_fraction_{1.0};
  bool replaying_ = false;
  EngineOptions options_;
  Catalog catalog_;
  SessionState session_;
  std::map<std::string, int> query_counters_;
  std::function<void(const RecordError&)> error_handler_;
  std::atomic<uint64_t> record_errors_{0};
  std::atomic<uint64_t> input_records_{0};
  std::atomic<bool> checkpoint_due_{false};  // poll() stopped for a checkpoint
  uint64_t transient_counter_ = 0;
  // Which queries run. Held only to change or copy these lists, never while a query works; a
  // query's own mutex may be taken while holding it, never the reverse.
  mutable std::mutex runtime_mu_;
  std::vector<std::shared_ptr<PersistentQuery>> queries_;    // guarded by runtime_mu_
  std::vector<std::shared_ptr<TransientQuery>> transients_;  // guarded by runtime_mu_
  struct Materialized {
    std::string topic;
    std::vector<int64_t> next_offsets;                            // per partition: read up to here
    std::map<std::string, std::pair<int32_t, TopicRecord>> rows;  // by key bytes: (partition, row)
  };
  std::mutex materialized_mu_;
  std::map<std::string, Materialized> materialized_;  // guarded by materialized_mu_
};

// Splits a script into statements at ';' outside quotes and comments (before variable
// substitution, which must happen statement by statement).
// With `starts`, also records where each statement begins in `sql` (a byte offset), so errors
// can point into the file the script came from.
std::vector<std::string> split_statements(std::string_view sql,
                                          std::vector<size_t>* starts = nullptr);

}  // namespace sluice::sql
