#include "sql/engine/sql_service.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "common/log.h"
#include "common/process_memory.h"
#include "sql/engine/ddl.h"
#include "sql/parser/parser.h"
#include "sql/parser/variables.h"

namespace sluice::sql {

namespace {

// Appends one record (a null `value`: a tombstone).
Result<int64_t> append_one(TopicStore& store, const std::string& topic,
                           std::optional<std::string> key, std::optional<std::string> value) {
  TopicRecord r;
  r.timestamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  r.key = std::move(key);
  r.value = std::move(value);
  std::vector<TopicRecord> one;
  one.push_back(std::move(r));
  return store.append(topic, 0, std::move(one));
}

// Every record of partition 0 of a topic.
Result<std::vector<TopicRecord>> read_all(const TopicStore& store, const std::string& topic) {
  std::vector<TopicRecord> all;
  int64_t from = 0;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(std::vector<TopicRecord> chunk, store.read(topic, 0, from, 4096));
    if (chunk.empty()) return all;
    from = chunk.back().offset + 1;
    for (auto& r : chunk) all.push_back(std::move(r));
  }
}

}  // namespace

namespace {

// The worker polls without the statements' lock; rounds stay short so that stop() and new work
// are noticed soon.
EngineOptions service_engine_options(const SqlServiceOptions& options) {
  EngineOptions o;
  o.max_poll_rounds = 4;
  o.auto_offset_reset = options.auto_offset_reset;
  o.cache_max_bytes_buffering = options.cache_max_bytes_buffering;
  o.registry = options.registry;
  return o;
}

}  // namespace

SqlService::SqlService(LogManager& log, SqlServiceOptions options)
    : options_(std::move(options)),
      log_(log),
      store_(log),
      engine_(store_, service_engine_options(options_)) {}

template <typename F>
auto SqlService::with_session(const PropertyMap& properties, const PropertyMap& variables, F&& f) {
  SessionState saved = engine_.session();
  for (const auto& [k, v] : properties) engine_.session().properties[k] = v;
  for (const auto& [k, v] : variables) engine_.session().variables[to_upper(k)] = v;
  auto r = f();
  engine_.session() = std::move(saved);
  return r;
}

Result<std::unique_ptr<SqlService>> SqlService::start(LogManager& log, SqlServiceOptions options) {
  std::unique_ptr<SqlService> s(new SqlService(log, std::move(options)));
  // The catalog must outlive any retention, and a query's offsets are state: an idle query's
  // last checkpoint must not expire (it would restart at 'latest' and skip input).
  SLUICE_RETURN_IF_ERROR(
      log.ensure_topic(s->options_.command_topic, 1, command_log_topic_config()));
  SLUICE_RETURN_IF_ERROR(
      log.ensure_topic(s->options_.offsets_topic, 1, compacted_state_topic_config()));
  if (!log.has_topic(s->options_.error_topic)) {
    SLUICE_RETURN_IF_ERROR(log.create_topic(s->options_.error_topic, 1, {}));
  }
  if (!s->options_.state_dir.empty()) {
    SLUICE_ASSIGN_OR_RETURN(s->state_db_,
                            state::StateDb::open(s->options_.state_dir, s->options_.state_db));
    s->engine_.set_state_db(s->state_db_.get(), s->options_.state_cache_bytes);
  }
  unsigned threads = s->options_.poll_threads ? s->options_.poll_threads
                                              : std::max(1u, std::thread::hardware_concurrency());
  if (threads > 1) {
    s->task_pool_ = std::make_unique<TaskPool>(threads);
    s->engine_.set_task_pool(s->task_pool_.get());
  }
  if (s->options_.isolation) s->store_.set_isolation(s->options_.isolation);
  if (s->options_.open_transactions) {
    SLUICE_ASSIGN_OR_RETURN(s->writer_, s->options_.open_transactions());
    s->txn_store_ = std::make_unique<TransactionalTopicStore>(s->store_, *s->writer_);
    s->engine_.set_output_store(s->txn_store_.get());
  }
  SLUICE_RETURN_IF_ERROR(s->replay());
  SqlService* raw = s.get();
  s->engine_.set_error_handler([raw](const RecordError& e) {
    nlohmann::json j = {
        {"topic", e.topic}, {"partition", e.partition}, {"offset", e.offset}, {"error", e.message}};
    // Runs on the polling thread; the error topic is not an input of any query.
    Status st = append_one(raw->store_, raw->options_.error_topic, std::nullopt, j.dump()).status();
    if (!st.is_ok()) spdlog::warn("sql: cannot record a bad record: {}", st.to_string());
  });
  if (s->options_.background_worker) s->worker_ = std::thread([raw] { raw->run(); });
  return s;
}

SqlService::~SqlService() {
  stop();
}

Status SqlService::replay() {
  std::lock_guard<std::mutex> lock(statement_mu_);
  SLUICE_ASSIGN_OR_RETURN(std::vector<TopicRecord> commands,
                          read_all(store_, options_.command_topic));
  size_t replayed = 0;
  engine_.set_replaying(true);
  for (const TopicRecord& c : commands) {
    if (!c.value) continue;
    // A plain statement, or {"statement": ..., "properties": {...}} when it ran with properties.
    std::string text = *c.value;
    PropertyMap props;
    if (!text.empty() && text[0] == '{') {
      auto j = nlohmann::json::parse(text, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("statement") ||
          !j["statement"].is_string()) {
        spdlog::warn("sql: skipping an unreadable command: {}", text);
        continue;
      }
      text = j["statement"].get<std::string>();
      if (j.contains("properties") && j["properties"].is_object()) {
        for (const auto& [k, v] : j["properties"].items()) {
          if (v.is_string()) props[k] = v.get<std::string>();
        }
      }
    }
    auto r = with_session(props, {}, [&] { return engine_.execute_text(text); });
    if (!r) {
      spdlog::warn("sql: replaying '{}' failed: {}", text, r.status().to_string());
      continue;
    }
    ++replayed;
  }
  engine_.set_replaying(false);
  {
    std::lock_guard<std::mutex> checkpoint_lock(checkpoint_mu_);
    SLUICE_RETURN_IF_ERROR(restore_queries());
  }
  if (replayed) spdlog::info("sql: replayed {} statements", replayed);
  publish_stats();
  return Status::ok();
}

Status SqlService::restore_queries() {
  SLUICE_ASSIGN_OR_RETURN(std::vector<TopicRecord> offsets,
                          read_all(store_, options_.offsets_topic));
  committed_.clear();
  for (const TopicRecord& o : offsets) {
    if (!o.key) continue;
    if (!o.value) {
      committed_.erase(*o.key);  // the query ended
      continue;
    }
    // [offsets...] for a stateless query, {"offsets": [...], "changelog": [end per partition]}
    // for a stateful one ("changelog": end, one partition, before the aggregating stage was
    // split by partition).
    auto j = nlohmann::json::parse(*o.value, nullptr, false);
    Committed c;
    if (j.is_array()) {
      c.offsets = j.get<std::vector<int64_t>>();
    } else if (j.is_object() && j.contains("offsets") && j["offsets"].is_array() &&
               j.contains("changelog") &&
               (j["changelog"].is_number_integer() || j["changelog"].is_array())) {
      c.offsets = j["offsets"].get<std::vector<int64_t>>();
      c.changelog_ends = j["changelog"].is_array() ? j["changelog"].get<std::vector<int64_t>>()
                                                   : std::vector{j["changelog"].get<int64_t>()};
      if (j.contains("repartition") && j["repartition"].is_array()) {
        c.repartition_offsets = j["repartition"].get<std::vector<int64_t>>();
      }
      if (j.contains("join") && j["join"].is_array()) {
        c.join_offsets = j["join"].get<std::vector<int64_t>>();
      }
    } else {
      continue;
    }
    committed_[*o.key] = std::move(c);
  }
  for (const auto& [id, c] : committed_) {
    // The state as of the checkpoint: the changelog's records before its recorded ends (later
    // ones belong to a checkpoint that did not complete).
    std::string topic = Engine::changelog_topic(id);
    auto read = [&](int32_t partition, int64_t from, int64_t end,
                    const Engine::ChangelogChunk& chunk) -> Status {
      TopicReadBuffer buf;
      std::vector<state::StateChangeView> records;
      while (store_.exists(topic) && partition < store_.partitions(topic) && from < end) {
        SLUICE_RETURN_IF_ERROR(store_.read_views(topic, partition, from, 65536, buf));
        if (buf.records.empty()) break;
        records.clear();
        for (const TopicRecordView& r : buf.records) {
          if (r.offset >= end) break;
          // A tombstone deletes its state record.
          if (r.key) records.push_back({*r.key, r.value});
        }
        from = std::min(buf.records.back().offset + 1, end);
        SLUICE_RETURN_IF_ERROR(chunk(records, from));
      }
      return Status::ok();
    };
    Status st = engine_.restore_query(id, c.offsets, c.repartition_offsets, c.changelog_ends, read,
                                      c.join_offsets);
    if (!st.is_ok()) spdlog::warn("sql: restoring {} failed: {}", id, st.to_string());
  }
  return Status::ok();
}

Result<int64_t> SqlService::record_command_locked(const StatementResult& r) {
  std::string value = r.statement_text;
  if (!engine_.session().properties.empty()) {
    nlohmann::json props = nlohmann::json::object();
    for (const auto& [k, v] : engine_.session().properties) props[k] = v;
    value = nlohmann::json{{"statement", r.statement_text}, {"properties", props}}.dump();
  }
  return append_one(store_, options_.command_topic, std::nullopt, std::move(value));
}

Result<std::vector<StatementResult>> SqlService::execute(std::string_view sql) {
  std::vector<StatementResult> results;
  {
    std::lock_guard<std::mutex> lock(statement_mu_);
    for (const std::string& text : split_statements(sql)) {
      auto r = engine_.execute_text(text);
      if (!r) {
        ++statements_failed_;
        return r.status();
      }
      ++statements_executed_;
      if (r->durable) {
        SLUICE_RETURN_IF_ERROR(record_command_locked(*r).status());
        SLUICE_RETURN_IF_ERROR(record_started_and_ended_queries());
      }
      results.push_back(std::move(r).value());
    }
  }
  publish_stats();
  wake_worker();
  return results;
}

std::optional<RequestFailure> SqlService::execute_request(std::string_view sql,
                                                          const PropertyMap& properties,
                                                          const PropertyMap& variables,
                                                          const StatementHandler& handle,
                                                          const StatementVisitor& visit) {
  std::optional<RequestFailure> failure;
  {
    std::lock_guard<std::mutex> lock(statement_mu_);
    failure = with_session(properties, variables, [&]() -> std::optional<RequestFailure> {
      for (const std::string& text : split_statements(sql)) {
        auto fail = [&](Status st, std::optional<StatementKind> kind) {
          ++statements_failed_;
          return RequestFailure{std::move(st), text, kind};
        };
        const auto& vars = engine_.session().variables;
        std::map<std::string, std::string> vmap(vars.begin(), vars.end());
        auto substituted = substitute_variables(text, vmap);
        if (!substituted) return fail(substituted.status(), std::nullopt);
        auto stmt = parse_statement(*substituted);
        if (!stmt) return fail(stmt.status(), std::nullopt);
        if (handle) {
          if (std::optional<Status> st = handle(**stmt, *substituted, engine_)) {
            if (!st->is_ok()) return fail(std::move(*st), (*stmt)->kind);
            ++statements_executed_;
            continue;
          }
        }
        auto r = engine_.execute_parsed(**stmt, *substituted);
        if (!r) return fail(r.status(), (*stmt)->kind);
        ++statements_executed_;
        if (r->durable) {
          auto seq = record_command_locked(*r);
          if (!seq) return fail(seq.status(), (*stmt)->kind);
          r->command_sequence_number = *seq;
          // A new query's start offsets, so that a restart resumes from them.
          if (Status st = record_started_and_ended_queries(); !st.is_ok()) {
            return fail(st, (*stmt)->kind);
          }
        }
        if (visit) visit(**stmt, *r, engine_);
      }
      return std::nullopt;
    });
  }
  publish_stats();
  wake_worker();
  return failure;
}

Result<TransientQueryInfo> SqlService::start_query(std::string_view sql,
                                                   const PropertyMap& properties,
                                                   const PropertyMap& variables,
                                                   std::shared_ptr<TransientSink> sink,
                                                   bool allow_print) {
  std::vector<std::string> texts = split_statements(sql);
  if (texts.size() != 1) {
    return Status::invalid_argument(
        fmt::format("Expected exactly one SELECT statement, got {}", texts.size()));
  }
  Result<TransientQueryInfo> r = Status::aborted("The server is shutting down");
  {
    std::lock_guard<std::mutex> lock(statement_mu_);
    if (!running_) return r;
    r = with_session(properties, variables, [&]() -> Result<TransientQueryInfo> {
      const auto& vars = engine_.session().variables;
      std::map<std::string, std::string> vmap(vars.begin(), vars.end());
      SLUICE_ASSIGN_OR_RETURN(std::string substituted, substitute_variables(texts[0], vmap));
      SLUICE_ASSIGN_OR_RETURN(StatementPtr stmt, parse_statement(substituted));
      if (const auto* p = stmt->if_as<Print>(); p && allow_print) {
        return engine_.start_print(*p, substituted, std::move(sink));
      }
      const auto* q = stmt->if_as<QueryStatement>();
      if (!q) {
        return Status::invalid_argument(
            fmt::format("This endpoint runs SELECT{} statements only, not {}",
                        allow_print ? " and PRINT" : "", statement_kind_name(stmt->kind)));
      }
      return engine_.start_transient(q->query, substituted, std::move(sink));
    });
  }
  if (r) {
    ++statements_executed_;
  } else {
    ++statements_failed_;
  }
  publish_stats();
  wake_worker();
  return r;
}

bool SqlService::running() const {
  return running_.load();
}

bool SqlService::close_query(std::string_view id) {
  bool closed = engine_.close_transient(id);
  publish_stats();
  return closed;
}

std::vector<TransientQueryInfo> SqlService::transient_queries() const {
  return engine_.transient_queries();
}

SqlServiceStats SqlService::stats() const {
  SqlServiceStats s;
  s.statements_executed = statements_executed_.load();
  s.statements_failed = statements_failed_.load();
  s.records_processed = engine_.input_records() + transient_records_.load();
  s.record_errors = record_errors_.load();
  s.persistent_queries = persistent_queries_.load();
  s.transient_queries = transient_queries_.load();
  return s;
}

std::vector<StateStoreStats> SqlService::state_stats() const {
  std::vector<StateStoreStats> out;
  for (const QueryInfo& q : engine_.queries()) {
    if (!q.stats.stateful) continue;
    StateStoreStats& s = out.emplace_back();
    s.query_id = q.id;
    s.cached_groups = q.stats.state_groups;
    s.memory_bytes = q.stats.state_memory_bytes;
    s.store_bytes = q.stats.state_store_bytes;
    s.store_keys = q.stats.state_store_keys;
    s.late_records = q.stats.late_records;
    if (state_db_) s.store = Engine::state_store_name(q.id);
  }
  return out;
}

state::StateDb::Memory SqlService::state_db_memory() const {
  return state_db_ ? state_db_->memory() : state::StateDb::Memory{};
}

void SqlService::publish_stats() {
  record_errors_ = engine_.record_errors();
  persistent_queries_ = engine_.queries().size();
  transient_queries_ = engine_.transient_queries().size();
}

std::vector<DataSourcePtr> SqlService::sources() const {
  std::lock_guard<std::mutex> lock(statement_mu_);
  return engine_.catalog().sources();
}

std::vector<QueryInfo> SqlService::queries() const {
  return engine_.queries();
}

uint64_t SqlService::record_errors() const {
  return engine_.record_errors();
}

Result<std::vector<int64_t>> SqlService::write_changelog(const QueryCheckpoint& c) {
  const auto parts = static_cast<int32_t>(std::max<size_t>(c.changes.size(), 1));
  SLUICE_RETURN_IF_ERROR(
      log_.ensure_topic(c.changelog_topic, parts, compacted_state_topic_config()));
  if (store_.partitions(c.changelog_topic) < parts) {
    return Status::corruption(fmt::format("changelog {} has {} partitions, the query {}",
                                          c.changelog_topic, store_.partitions(c.changelog_topic),
                                          parts));
  }
  auto& unwritten = unwritten_[c.id];
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::vector<int64_t> ends;
  for (int32_t p = 0; p < parts; ++p) {
    if (static_cast<size_t>(p) < unwritten.size() && !unwritten[p].empty()) {
      state::ChangeBuffer& records = unwritten[p];
      // Views of the records (not copied once more), a bounded number at a time.
      constexpr size_t kChunk = 4096;
      for (size_t from = 0; from < records.size(); from += kChunk) {
        SLUICE_RETURN_IF_ERROR(
            checkpoint_store()
                .append_views(c.changelog_topic, p, as_views(records, now, from, from + kChunk))
                .status());
      }
      records.release();  // a burst's changes do not stay allocated
    }
    SLUICE_ASSIGN_OR_RETURN(ends.emplace_back(), store_.end_offset(c.changelog_topic, p));
  }
  return ends;
}

Status SqlService::record_started_and_ended_queries() {
  std::lock_guard<std::mutex> lock(checkpoint_mu_);
  // The published offsets: no waiting for a query's batch.
  std::map<std::string, std::vector<int64_t>> now = engine_.query_offsets();
  for (const auto& [id, offsets] : now) {
    if (committed_.count(id)) continue;
    // A new query has produced nothing yet: its start needs no transaction.
    SLUICE_RETURN_IF_ERROR(
        append_one(store_, options_.offsets_topic, id, nlohmann::json(offsets).dump()).status());
    committed_[id] = Committed{offsets, {}, {}};
  }
  std::vector<std::string> ended;
  for (const auto& [id, c] : committed_) {
    if (!now.count(id)) ended.push_back(id);
  }
  for (const std::string& id : ended) {
    SLUICE_RETURN_IF_ERROR(append_one(store_, options_.offsets_topic, id, std::nullopt).status());
    forget_query(id);
  }
  return Status::ok();
}

void SqlService::forget_query(const std::string& id) {
  std::string changelog = Engine::changelog_topic(id);
  if (store_.exists(changelog)) store_.remove(changelog).ignore_error();
  for (const std::string& topic : {Engine::repartition_topic(id), Engine::join_topic(id)}) {
    if (store_.exists(topic)) store_.remove(topic).ignore_error();
  }
  if (state_db_) {
    // Its stores: per partition of its aggregating stage, and of a table source.
    for (const std::string& name : state_db_->stores()) {
      if (name.rfind(id + "-", 0) == 0) state_db_->drop(name).ignore_error();
    }
  }
  unwritten_.erase(id);
  committed_.erase(id);
}

Status SqlService::checkpoint(bool final) {
  // No batch may straddle a commit: its outputs would be committed without its offsets.
  std::lock_guard<std::mutex> poll_lock(poll_mu_);
  std::lock_guard<std::mutex> lock(checkpoint_mu_);
  std::vector<QueryCheckpoint> now = engine_.take_checkpoints();
  std::set<std::string> running;
  std::map<std::string, Committed> written;
  Status failed = Status::ok();
  for (QueryCheckpoint& c : now) {
    running.insert(c.id);
    auto& unwritten = unwritten_[c.id];
    if (unwritten.size() < c.changes.size()) unwritten.resize(c.changes.size());
    for (size_t p = 0; p < c.changes.size(); ++p) {
      unwritten[p].take_all(c.changes[p]);
    }
    if (!c.output_error.is_ok() && failed.is_ok()) failed = c.output_error;
    auto it = committed_.find(c.id);
    if (it != committed_.end() && it->second.offsets == c.offsets &&
        it->second.repartition_offsets == c.repartition_offsets &&
        it->second.join_offsets == c.join_offsets &&
        std::all_of(unwritten.begin(), unwritten.end(), [](const auto& u) { return u.empty(); })) {
      continue;
    }
    if (!failed.is_ok()) continue;  // keep taking every query's changes; write them next time
    Committed next{c.offsets,      {},          c.repartition_offsets, c.repartition_topic,
                   c.join_offsets, c.join_topic};
    std::string value = nlohmann::json(c.offsets).dump();
    if (!c.changelog_topic.empty()) {
      auto end = write_changelog(c);
      if (!end) {
        failed = end.status();
        continue;
      }
      next.changelog_ends = *end;
      nlohmann::json j{{"offsets", c.offsets}, {"changelog", *end}};
      if (!c.repartition_offsets.empty()) j["repartition"] = c.repartition_offsets;
      if (!c.join_offsets.empty()) j["join"] = c.join_offsets;
      value = j.dump();
    }
    if (Status st = append_one(checkpoint_store(), options_.offsets_topic, c.id, value).status();
        !st.is_ok()) {
      failed = st;
      continue;
    }
    written[c.id] = std::move(next);
  }
  std::vector<std::string> ended;
  for (const auto& [id, c] : committed_) {
    if (!running.count(id)) ended.push_back(id);
  }
  for (const std::string& id : ended) {
    if (!failed.is_ok()) break;
    // Terminated: compaction removes its offsets; its state goes with it.
    failed = append_one(checkpoint_store(), options_.offsets_topic, id, std::nullopt).status();
  }
  if (writer_) {
    Status committed = failed.is_ok() ? writer_->commit() : failed;
    if (!committed.is_ok()) return recover_from_failed_commit(committed);
  }
  govern_memory();
  for (auto& [id, c] : written) {
    // Committed: the state stores follow their changelogs (a store that fails to write is
    // behind its changelog, which a restart replays).
    if (!c.changelog_ends.empty()) {
      Status st = engine_.commit_state(id, c.changelog_ends, final);
      if (!st.is_ok()) spdlog::warn("sql: writing the state of {}: {}", id, st.to_string());
    }
    // Repartition records below the committed position of the stage that reads them are done
    // with (Kafka Streams purges its repartition topics the same way).
    for (size_t p = 0; p < c.repartition_offsets.size() && !c.repartition_topic.empty(); ++p) {
      store_.delete_before(c.repartition_topic, static_cast<int32_t>(p), c.repartition_offsets[p])
          .ignore_error();
    }
    for (size_t p = 0; p < c.join_offsets.size() && !c.join_topic.empty(); ++p) {
      store_.delete_before(c.join_topic, static_cast<int32_t>(p), c.join_offsets[p]).ignore_error();
    }
    committed_[id] = std::move(c);
  }
  if (final) {
    // The queries with nothing new since their last checkpoint may still hold versions not
    // written to their stores.
    for (const auto& [id, c] : committed_) {
      if (c.changelog_ends.empty() || written.count(id)) continue;
      Status st = engine_.commit_state(id, c.changelog_ends, true);
      if (!st.is_ok()) spdlog::warn("sql: writing the state of {}: {}", id, st.to_string());
    }
  }
  if (!failed.is_ok()) return failed;
  for (const std::string& id : ended) forget_query(id);
  return Status::ok();
}

void SqlService::govern_memory() {
  const size_t limit_bytes = memory_limit_bytes_.load();
  if (limit_bytes == 0) return;
  const double configured = static_cast<double>(engine_.state_cache_configured());
  if (configured == 0) return;
  const auto limit = static_cast<double>(limit_bytes);
  const auto rss = static_cast<double>(process_memory().anonymous_bytes);
  double used = 0;
  for (const StateStoreStats& s : state_stats()) used += static_cast<double>(s.memory_bytes);
  // Aimed at 7/8 of the limit: between two checkpoints the caches fill up to their budget,
  // and the rest of the process moves too.
  const double aim = limit * 7 / 8;
  double target = engine_.state_cache_fraction() * configured;
  if (rss > aim) {
    // What is over comes out of the caches, from what they hold now (a cache below its budget
    // would otherwise first grow into it).
    target = std::min(target, used) - (rss - aim);
  } else if (rss < aim - limit / 16) {
    // Back up by half the headroom at a time: filling the caches adds their allocator's slack.
    target += (aim - limit / 16 - rss) / 2;
  }
  target = std::clamp(target, configured / 16, configured);
  if (target != engine_.state_cache_fraction() * configured) {
    engine_.set_state_cache_fraction(target / configured);
  }
}

Status SqlService::recover_from_failed_commit(const Status& cause) {
  spdlog::error("sql: checkpoint commit failed ({}); resuming from the last committed checkpoint",
                cause.to_string());
  writer_->abort().ignore_error();
  unwritten_.clear();
  auto writer = options_.open_transactions();
  if (!writer) return writer.status().with_context("re-opening the transactional writer");
  writer_ = std::move(writer).value();
  txn_store_ = std::make_unique<TransactionalTopicStore>(store_, *writer_);
  engine_.set_output_store(txn_store_.get());
  SLUICE_RETURN_IF_ERROR(restore_queries());
  return cause;
}

size_t SqlService::poll_round(std::chrono::steady_clock::time_point deadline) {
  std::lock_guard<std::mutex> lock(poll_mu_);
  size_t work = 0;
  auto polled = engine_.poll(deadline);
  if (!polled) {
    spdlog::warn("sql: poll failed: {}", polled.status().to_string());
  } else {
    work += *polled;
  }
  auto transients = engine_.poll_transients();
  if (!transients) {
    spdlog::warn("sql: polling transient queries failed: {}", transients.status().to_string());
  } else {
    work += *transients;
    transient_records_ += *transients;
  }
  return work;
}

Status SqlService::poll_now() {
  {
    std::lock_guard<std::mutex> lock(poll_mu_);
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(size_t n, engine_.poll());
      if (n == 0) break;
    }
    SLUICE_ASSIGN_OR_RETURN(size_t t, engine_.poll_transients());
    transient_records_ += t;
  }
  publish_stats();
  return checkpoint();
}

void SqlService::wake_worker() {
  {
    std::lock_guard<std::mutex> lock(worker_mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void SqlService::sync_append_subscriptions() {
  std::set<std::pair<std::string, int32_t>> wanted;
  for (const std::string& topic : engine_.input_topics()) {
    for (int32_t p = 0; p < store_.partitions(topic); ++p) wanted.emplace(topic, p);
  }
  for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
    // Gone, or a topic of the same name made anew (a dropped partition stays alive in the log).
    if (!wanted.count(it->first) ||
        log_.partition(it->first.first, it->first.second) != it->second.first) {
      it->second.first->unsubscribe(it->second.second);
      it = subscriptions_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& key : wanted) {
    if (subscriptions_.count(key)) continue;
    Partition* p = log_.partition(key.first, key.second);
    if (!p) continue;
    uint64_t id = p->subscribe([this](Offset) { wake_worker(); });
    subscriptions_[key] = {p, id};
  }
}

void SqlService::run() {
  auto last_checkpoint = std::chrono::steady_clock::now();
  while (true) {
    {
      std::lock_guard<std::mutex> lock(worker_mu_);
      if (stopping_) break;
      wake_ = false;
    }
    size_t work = poll_round(last_checkpoint + options_.commit_interval);
    auto now = std::chrono::steady_clock::now();
    if (work == 0 || now - last_checkpoint >= options_.commit_interval ||
        engine_.checkpoint_due()) {
      Status st = checkpoint();
      if (!st.is_ok()) spdlog::warn("sql: checkpoint failed: {}", st.to_string());
      last_checkpoint = now;
      publish_stats();
    }
    if (work > 0) continue;  // more may be waiting
    // Appends to what the queries read wake the worker at once; the interval is a fallback
    // (an append between the round and a new subscription).
    sync_append_subscriptions();
    std::unique_lock<std::mutex> lock(worker_mu_);
    cv_.wait_for(lock, options_.poll_interval, [this] { return stopping_ || wake_; });
  }
  for (auto& [key, sub] : subscriptions_) sub.first->unsubscribe(sub.second);
  subscriptions_.clear();
}

void SqlService::stop() {
  {
    std::lock_guard<std::mutex> lock(worker_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  {
    // New requests are refused from here on; one in flight finishes first.
    std::lock_guard<std::mutex> lock(statement_mu_);
    running_ = false;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  engine_.close_all_transients();
  checkpoint(/*final=*/true).ignore_error();
  publish_stats();
}

}  // namespace sluice::sql
