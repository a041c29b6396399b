// The SQL engine as a server component: what `sluice serve` (and later the REST API) runs.
//
// - Statements run through execute() / execute_request(), from any thread, one at a time (as
//   ksqlDB's command runner does); they never wait for the queries' work: a statement that
//   changes or ends a query waits for that query's current batch only.
// - A worker thread polls the persistent queries (and the transient ones) whenever there is input
//   (woken by the appends to the partitions they read; poll_interval is a fallback), without
//   holding the statements' lock, so results follow their inputs continuously; the tasks of the
//   persistent queries (a task per partition of each stage, Engine) run side by side on a pool
//   of threads (poll_threads, one per core by default).
// - Durable statements (CREATE, C*AS, INSERT INTO SELECT, DROP, TERMINATE, types) are appended
//   to the command topic after they succeed; start() replays them, as ksqlDB's command topic does.
// - Each query's input offsets are checkpointed to the offsets topic after its outputs were
//   written (at-least-once: a crash between the two repeats some outputs, never loses any), and
//   restored after the replay. A stateful query's (GROUP BY) changed groups go to its compacted
//   changelog topic first, and its offsets record names the changelog's end: a restart restores
//   the state from the changelog up to exactly that end, so state and input position agree (the
//   outputs of the batches after the checkpoint are produced again). A new query's start offsets
//   are checkpointed before its statement returns: replayed with 'latest' after a crash, it would
//   otherwise start at the end again and skip what was produced in between. The offsets topic is
//   compacted: one record per query, a tombstone when the query ends.
// - Exactly-once (SqlServiceOptions::open_transactions): the outputs of the polls since the
//   last checkpoint, the changelog records and the offsets records are one transaction,
//   committed at each checkpoint, and reads are read_committed, so after a crash the outputs
//   equal those of a run that never crashed. A checkpoint waits for the current poll round (no
//   batch straddles a commit).
// - Records a query cannot process go to the error topic as JSON
//   {"topic": ..., "partition": ..., "offset": ..., "error": ...}.
//
// - Transient queries (REST /query) are polled by the same worker; they are not recorded.
//
// Thread-safety: every public member function is thread-safe. Lock order: statement_mu_, then
// poll_mu_ (poll rounds and checkpoints; statements never take it), then checkpoint_mu_, then
// the engine's internal locks.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sql/engine/engine.h"
#include "sql/engine/log_topic_store.h"

namespace sluice::sql {

struct SqlServiceOptions {
  std::chrono::milliseconds poll_interval{50};
  std::string command_topic = "_sluice_sql_commands";
  std::string offsets_topic = "_sluice_sql_offsets";
  std::string error_topic = "_sluice_errors";
  // Where a new query starts when its statement has no auto.offset.reset (ksqlDB: latest).
  OffsetReset auto_offset_reset = OffsetReset::kLatest;
  // false: no worker thread; queries run only when the owner calls poll_now() (tests).
  bool background_worker = true;
  // Exactly-once (a server with a broker): each checkpoint's query outputs, changelog records and
  // input offsets are committed as one transaction through a writer from `open_transactions`
  // (opening one fences any earlier instance), and every read is read_committed through
  // `isolation`. Without them, outputs are at-least-once (the state stays exact).
  std::function<Result<std::unique_ptr<TransactionalWriter>>()> open_transactions;
  std::shared_ptr<ReadIsolation> isolation;
  // How often the worker checkpoints (commits) while there is work (ksqlDB's
  // commit.interval.ms under exactly-once: 100 ms); an idle worker checkpoints at once.
  std::chrono::milliseconds commit_interval{100};
  // Where the stateful queries keep their state (one RocksDB instance; `sluice serve`:
  // <data_dir>/state). Empty: in memory, restored from the changelogs at each start.
  std::string state_dir;
  state::StateDbOptions state_db;
  // Per stateful query, the groups kept in memory over its store (the rest are read back).
  size_t state_cache_bytes = 64 << 20;
  // The process's anonymous resident memory (heap, RocksDB's caches; process_memory()) to stay
  // within, 0: none. At each checkpoint over 7/8 of it, the state caches shrink by the excess (to
  // 1/16 of state_cache_bytes at the least); well below it, they grow back.
  size_t memory_limit_bytes = 0;
  // A GROUP BY's output buffering when a statement's properties do not say
  // (EngineOptions::cache_max_bytes_buffering).
  size_t cache_max_bytes_buffering = 0;
  // Threads that run the persistent queries' tasks side by side, the worker's included; 0: one
  // per core.
  unsigned poll_threads = 0;
  // The Schema Registry of the AVRO format (EngineOptions::registry); not owned.
  schema::SchemaRegistry* registry = nullptr;
};

// A stateful query's state (for /metrics).
struct StateStoreStats {
  std::string query_id;
  std::string store;           // its RocksDB store ("" without one)
  uint64_t cached_groups = 0;  // in memory
  uint64_t memory_bytes = 0;
  uint64_t store_bytes = 0;   // RocksDB's estimate of the store's live data (memtables included)
  uint64_t store_keys = 0;    // RocksDB's estimate
  uint64_t late_records = 0;  // windowed: dropped, their windows closed
};

using PropertyMap = std::map<std::string, std::string>;

// Why a request stopped: the status of the statement that failed and that statement.
struct RequestFailure {
  Status status;
  std::string statement_text;
  // The failing statement parsed: its kind (kQuery for a SELECT), else nullopt.
  std::optional<StatementKind> kind;
};

struct SqlServiceStats {
  uint64_t statements_executed = 0;
  uint64_t statements_failed = 0;
  uint64_t records_processed = 0;  // input records read by persistent and transient queries
  uint64_t record_errors = 0;
  size_t persistent_queries = 0;
  size_t transient_queries = 0;
};

class SqlService {
 public:
  static Result<std::unique_ptr<SqlService>> start(LogManager& log, SqlServiceOptions options = {});
  ~SqlService();
  SqlService(const SqlService&) = delete;
  SqlService& operator=(const SqlService&) = delete;

  // Runs a script's statements in order; stops at the first failure (earlier ones stay done).
  Result<std::vector<StatementResult>> execute(std::string_view sql);

  // One REST request (/ksql): the statements of `sql` in order, with `properties` and
  // `variables` on top of the session (a SET / DEFINE inside applies to the statements after
  // it), all restored afterwards. `handle` sees each parsed statement first (text with
  // variables substituted) and may answer it itself (ok: done; an error: the request fails) or
  // return nullopt to let the engine run it; `visit` then sees the engine's result. Both run
  // under the engine's lock. Durable statements are recorded together with the properties they
  // ran with. Stops at the first failure.
  using StatementHandler =
      std::function<std::optional<Status>(const Statement&, std::string_view, Engine&)>;
  using StatementVisitor = std::function<void(const Statement&, const StatementResult&, Engine&)>;
  std::optional<RequestFailure> execute_request(std::string_view sql, const PropertyMap& properties,
                                                const PropertyMap& variables,
                                                const StatementHandler& handle,
                                                const StatementVisitor& visit);

  // Starts a transient query (one SELECT statement, or PRINT when `allow_print`) whose rows go
  // to `sink`; the worker runs it.
  Result<TransientQueryInfo> start_query(std::string_view sql, const PropertyMap& properties,
                                         const PropertyMap& variables,
                                         std::shared_ptr<TransientSink> sink,
                                         bool allow_print = false);
  // Ends a transient query; false when none has this id.
  bool close_query(std::string_view id);
  std::vector<TransientQueryInfo> transient_queries() const;

  std::vector<QueryInfo> queries() const;
  // The streams and tables of the catalog now.
  std::vector<DataSourcePtr> sources() const;
  uint64_t record_errors() const;
  SqlServiceStats stats() const;
  std::vector<StateStoreStats> state_stats() const;
  // The state caches' size as a fraction of state_cache_bytes (memory_limit_bytes).
  double state_cache_fraction() const { return engine_.state_cache_fraction(); }
  // Replaces options().memory_limit_bytes, from the next checkpoint on.
  void set_memory_limit(size_t bytes) { memory_limit_bytes_ = bytes; }
  // The state RocksDB instance's memory (zeros without one).
  state::StateDb::Memory state_db_memory() const;
  // Runs one poll round now (tests; the worker does this on its own).
  Status poll_now();
  // Stops the worker after a last checkpoint, ending the transient queries; idempotent.
  void stop();
  // Between start() and stop().
  bool running() const;

 private:
  SqlService(LogManager& log, SqlServiceOptions options);
  Status replay();
  // Runs `f` with the request's properties and variables applied to the session, then restores.
  template <typename F>
  auto with_session(const PropertyMap& properties, const PropertyMap& variables, F&& f);
  // Appends a durable statement to the command topic; returns its offset.
  Result<int64_t> record_command_locked(const StatementResult& r);  // requires statement_mu_
  // Appends the offsets of the queries whose position moved since the last checkpoint, and a
  // tombstone for each query that ended.
  // `final` (stopping): the state stores are written through, for a restart without replay.
  Status checkpoint(bool final = false);
  // The memory governor (memory_limit_bytes): sets the state caches' fraction from the process's
  // memory now. Requires poll_mu_.
  void govern_memory();
  // What a statement must make durable before it returns, without waiting for any query's work:
  // the start offsets of the queries it started and a tombstone for those it ended (outside any
  // transaction: a new query has produced nothing yet). Requires statement_mu_.
  Status record_started_and_ended_queries();
  // Drops what is kept of an ended query (its changelog topic among it). Requires checkpoint_mu_.
  void forget_query(const std::string& id);
  void publish_stats();
  // One poll round over every query (Engine::poll(), stopping at `deadline`: the next commit);
  // returns the input records processed.
  size_t poll_round(std::chrono::steady_clock::time_point deadline);
  // Statements may have started queries or transients: poll now rather than at the next tick.
  void wake_worker();
  void run();
  // Subscribes the worker to appends to every partition the queries read (and drops the
  // subscriptions of those they no longer read). Worker thread only.
  void sync_append_subscriptions();

  // Writes the changelog records of a stateful query's checkpoint (those of the aggregating
  // stage's partition p to the changelog's partition p); the partitions' end offsets.
  Result<std::vector<int64_t>> write_changelog(const QueryCheckpoint& c);
  // Reads the offsets topic into committed_ and puts every query back where it says (state from
  // the changelogs). Requires checkpoint_mu_.
  Status restore_queries();
  // After a failed commit: a new transactional writer (fencing the old) and the queries back at
  // the last committed checkpoint. Requires poll_mu_ and checkpoint_mu_.
  Status recover_from_failed_commit(const Status& cause);
  // Where checkpoints write: the transaction under exactly-once, else the log.
  TopicStore& checkpoint_store() {
    if (txn_store_) return *txn_store_;
    return store_;
  }

  SqlServiceOptions options_;
  std::atomic<size_t> memory_limit_bytes_{options_.memory_limit_bytes};
  LogManager& log_;
  LogTopicStore store_;
  // Exactly-once: the open transaction's writer, and a store appending into it.
  std::unique_ptr<TransactionalWriter> writer_;
  std::unique_ptr<TransactionalTopicStore> txn_store_;
  // Serialises statements and guards the engine's catalog and session.
  mutable std::mutex statement_mu_;
  std::unique_ptr<state::StateDb> state_db_;  // outlives the engine's queries
  std::unique_ptr<TaskPool> task_pool_;
  Engine engine_;
  // Serialises pollers (the worker, poll_now): the engine polls on one thread at a time.
  std::mutex poll_mu_;
  std::mutex checkpoint_mu_;
  // Per query: the input offsets and (stateful queries) the changelog end last checkpointed.
  struct Committed {
    std::vector<int64_t> offsets;
    std::vector<int64_t> changelog_ends;       // per partition; empty: a stateless query
    std::vector<int64_t> repartition_offsets;  // a repartitioning query's second stage
    std::string repartition_topic;             // where that stage reads
    std::vector<int64_t> join_offsets;         // a join's join stage
    std::string join_topic;
  };
  std::map<std::string, Committed> committed_;  // guarded by checkpoint_mu_
  // Changelog records taken from a query but not yet written (a failed checkpoint retries), per
  // partition.
  std::map<std::string, std::vector<state::ChangeBuffer>> unwritten_;  // guarded by checkpoint_mu_
  std::mutex worker_mu_;
  std::condition_variable cv_;  // wakes the worker (work may be waiting, or stop)
  bool stopping_ = false;       // guarded by worker_mu_
  bool wake_ = false;           // guarded by worker_mu_
  std::atomic<bool> running_{true};
  // Statistics, readable without the engine's lock (a metrics scrape must not wait for a poll).
  std::atomic<uint64_t> statements_executed_{0};
  std::atomic<uint64_t> statements_failed_{0};
  std::atomic<uint64_t> transient_records_{0};  // read by transient queries
  std::atomic<uint64_t> record_errors_{0};
  std::atomic<size_t> persistent_queries_{0};
  std::atomic<size_t> transient_queries_{0};
  std::thread worker_;
  // Worker thread only: (topic, partition) -> (partition, subscription id).
  std::map<std::pair<std::string, int32_t>, std::pair<Partition*, uint64_t>> subscriptions_;
};

}  // namespace sluice::sql
