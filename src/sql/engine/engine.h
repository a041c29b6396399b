// The SQL engine: executes ksqlDB statements against a catalog and a TopicStore.
//
//   DDL       CREATE STREAM|TABLE, CREATE TYPE, DROP ..., SET/UNSET, DEFINE/UNDEFINE
//   queries   CREATE STREAM|TABLE AS SELECT and INSERT INTO ... SELECT start persistent queries
//   DML       INSERT INTO ... VALUES writes one record
//
// Persistent queries do not run on their own: poll() processes every record available now on
// their input topics and writes the results, so the same engine runs synchronously in the test
// runner (feed a record, poll) and continuously in `sluice serve` (a worker calls poll() when
// its input topics grow).
//
// Thread-safety: not synchronised; one thread executes statements and polls.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sql/catalog/catalog.h"
#include "sql/catalog/function_registry.h"
#include "sql/engine/topic_store.h"
#include "sql/engine/transient_query.h"
#include "sql/exec/query_executor.h"
#include "sql/parser/statement.h"
#include "sql/planner/query_plan.h"

namespace sluice::sql {

struct EngineOptions {
  // Create a source's topic when it is missing, with PARTITIONS or 1 partition (what ksqlDB's
  // test runner does); otherwise a missing topic without PARTITIONS is an error, as in ksqlDB.
  bool auto_create_source_topics = false;
  size_t poll_batch_records = 2048;
  int max_poll_rounds = 1000;
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

struct QueryInfo {
  std::string id;
  std::string sql;
  std::string source;
  std::string sink;
  QueryStats stats;
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

  // Where each persistent query has read to (next offset per input partition), to checkpoint;
  // restore_offsets puts a query back there after a restart.
  std::map<std::string, std::vector<int64_t>> query_offsets() const;
  Status restore_offsets(std::string_view query_id, std::vector<int64_t> offsets);

  // Runs the persistent queries over every record available now (repeating while a query's
  // output feeds another's input). Returns the number of input records processed.
  Result<size_t> poll();

  // Records that could not be processed (bad bytes, ...). When unset they are counted only.
  void set_error_handler(std::function<void(const RecordError&)> handler) {
    error_handler_ = std::move(handler);
  }

  // ---- transient queries (transient_query.h; implemented in transient_query.cc) ----
  // Plans a SELECT (push with EMIT CHANGES, or a scan of a stream without EMIT) and starts it.
  // A push query starts at the end of its input unless the session's auto.offset.reset is
  // 'earliest'. Errors as for persistent queries (line:column where a node is at fault).
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
  uint64_t record_errors() const { return record_errors_; }
  TopicStore& store() { return store_; }

 private:
  struct PersistentQuery;
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
  Result<size_t> poll_query(PersistentQuery& q);
  Status write_output(const DataSource& sink, std::vector<OutputRecord>& records,
                      std::span<const int32_t> input_partitions);
  Status write_output(const DataSource& sink, const OutputBatch& records, int32_t input_partition);
  Result<size_t> poll_transient(TransientQuery& t, bool* done);
  Result<size_t> poll_print(TransientQuery& t, bool* done);

  TopicStore& store_;
  EngineOptions options_;
  Catalog catalog_;
  SessionState session_;
  std::vector<std::unique_ptr<PersistentQuery>> queries_;
  std::map<std::string, int> query_counters_;
  std::function<void(const RecordError&)> error_handler_;
  uint64_t record_errors_ = 0;
  std::vector<std::shared_ptr<TransientQuery>> transients_;
  uint64_t transient_counter_ = 0;
};

// Splits a script into statements at ';' outside quotes and comments (before variable
// substitution, which must happen statement by statement).
// With `starts`, also records where each statement begins in `sql` (a byte offset), so errors
// can point into the file the script came from.
std::vector<std::string> split_statements(std::string_view sql,
                                          std::vector<size_t>* starts = nullptr);

}  // namespace sluice::sql
