// The SQL engine as a server component: what `sluice serve` (and later the REST API) runs.
//
// - Statements run through execute(), from any thread; the engine itself is guarded by one mutex.
// - A worker thread polls the persistent queries every `poll_interval`, so results follow their
//   inputs continuously.
// - Durable statements (CREATE, C*AS, INSERT INTO SELECT, DROP, TERMINATE, types) are appended
//   to the command topic after they succeed; start() replays them, as ksqlDB's command topic does.
// - Each query's input offsets are checkpointed to the offsets topic after its outputs were
//   written (at-least-once: a crash between the two repeats some outputs, never loses any), and
//   restored after the replay.
// - Records a query cannot process go to the error topic as JSON
//   {"topic": ..., "partition": ..., "offset": ..., "error": ...}.
//
// Thread-safety: every public member function is thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
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
};

class SqlService {
 public:
  static Result<std::unique_ptr<SqlService>> start(LogManager& log, SqlServiceOptions options = {});
  ~SqlService();
  SqlService(const SqlService&) = delete;
  SqlService& operator=(const SqlService&) = delete;

  // Runs a script's statements in order; stops at the first failure (earlier ones stay done).
  Result<std::vector<StatementResult>> execute(std::string_view sql);
  std::vector<QueryInfo> queries() const;
  uint64_t record_errors() const;
  // Runs one poll round now (tests; the worker does this on its own).
  Status poll_now();
  // Stops the worker after a last checkpoint; idempotent.
  void stop();

 private:
  SqlService(LogManager& log, SqlServiceOptions options);
  Status replay();
  Status checkpoint_locked();  // requires mu_
  void run();

  SqlServiceOptions options_;
  LogTopicStore store_;
  mutable std::mutex mu_;
  Engine engine_;                                          // guarded by mu_
  std::map<std::string, std::vector<int64_t>> committed_;  // guarded by mu_
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread worker_;
};

}  // namespace sluice::sql
