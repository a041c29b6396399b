#include "sql/engine/engine.h"

#include <charconv>
#include <shared_mutex>

#include <fmt/format.h>

#include "format/format.h"
#include "sql/engine/ddl.h"
#include "sql/functions/builtins.h"
#include "sql/parser/parser.h"
#include "sql/parser/variables.h"
#include "sql/planner/binder.h"

namespace sluice::sql {

// A query task's executor and buffers (reused by every poll: the records read, views into the
// read buffer, and what the executor made).
struct Engine::QueryTask {
  std::unique_ptr<QueryExecutor> executor;
  // One read buffer per partition the task reads: a buffer keeps the rest of a large batch for the
  // next read of its own partition.
  std::vector<TopicReadBuffer> bufs;
  std::vector<InputRecord> inputs;
  OutputBatch outputs;
};

struct Engine::PersistentQuery {
  const std::string id;
  explicit PersistentQuery(std::string query_id) : id(std::move(query_id)) {}

  // Held shared by the poll tasks working on the query (several at once: one per input partition
  // of its reading stage, one per partition of its aggregating stage), exclusively by statements
  // that change or end it and by what gathers its checkpoint.
  std::shared_mutex mu;
  bool terminated = false;            // guarded by mu: no longer polled
  std::string sql;                    // guarded by mu
  std::unique_ptr<QueryPlan> plan;    // guarded by mu
  DataSourcePtr sink;                 // guarded by mu
  std::vector<int64_t> next_offsets;  // guarded by mu: per input partition
  size_t buffer_bytes = 0;            // guarded by mu: output buffering (GROUP BY)
  size_t cache_share = 0;             // guarded by mu: each aggregator's state cache budget
  std::string topology;               // guarded by mu: QueryInfo::topology
  bool repartitions = false;          // const after start
  // The topic between its stages (repartitions): a GROUP BY's repartition topic, a join's join
  // topic. Const after start.
  std::string stage_topic;
  // A join: its readers are each side's partitions (left first), as many as each source had at
  // the start; next_offsets likewise. Const after start.
  std::vector<size_t> feed_partitions;
  bool is_join() const { return plan->join != nullptr; }
  // A join's reader: its source and the source's partition.
  std::pair<size_t, int32_t> reader_side(size_t reader) const {
    size_t side = 0;
    while (side + 1 < feed_partitions.size() && reader >= feed_partitions[side]) {
      reader -= feed_partitions[side++];
    }
    return {side, static_cast<int32_t>(reader)};
  }
  // A reader's source topic and partition.
  std::pair<const std::string*, int32_t> reader_input(size_t reader) const {
    if (!is_join()) return {&plan->input.source->topic, static_cast<int32_t>(reader)};
    auto [side, partition] = reader_side(reader);
    return {&plan->join->side(side).source.source->topic, partition};
  }
  size_t readers_wanted() const {
    size_t n = 0;
    for (size_t p : feed_partitions) n += p;
    return n;
  }

  using Task = QueryTask;
  // The stage that reads the input, a task per input partition: all of a stateless query, or a
  // repartitioning query's first stage (QueryExecutor::Stage::kRepartition), which writes the
  // repartition topic. A reader touches only its own Task and next_offsets[partition] (sized
  // before the tasks start).
  std::vector<std::unique_ptr<Task>> readers;  // guarded by mu
  // The aggregating stage (a GROUP BY), its state split as its input is: a task per partition of
  // the repartition topic (from repartition_offsets[partition]) or, an aggregation without
  // repartitioning, of the input (from next_offsets[partition]), each with its own state store
  // and changelog partition.
  std::vector<std::unique_ptr<Task>> aggregators;  // guarded by mu
  std::vector<int64_t> repartition_offsets;        // guarded by mu
  // A join's join stage: a task per partition of the join topic (from join_offsets[partition]),
  // each with its state store and changelog partition (after the aggregators' in the query's
  // changelog topic). It writes the query's output, or, with a GROUP BY, its repartition topic.
  std::vector<std::unique_ptr<Task>> joiners;  // guarded by mu
  std::vector<int64_t> join_offsets;           // guarded by mu

  bool stateful() const {
    return !joiners.empty() || (!aggregators.empty() && aggregators[0]->executor->stateful());
  }
  // Whether the input is read by readers (else by the aggregators).
  bool has_readers() const { return !plan->aggregate || repartitions; }
  QueryStats stats() const {
    QueryStats s;
    for (const auto& r : readers) {
      const QueryStats& rs = r->executor->stats();
      s.records_in += rs.records_in;
      if (!plan->aggregate && !plan->join) s.records_out += rs.records_out;
      s.decode_errors += rs.decode_errors;
      s.expression_errors += rs.expression_errors;
    }
    for (const auto& j : joiners) {
      const QueryStats& js = j->executor->stats();
      if (!plan->aggregate) s.records_out += js.records_out;
      s.expression_errors += js.expression_errors;
      s.stateful = true;
      s.state_groups += js.state_groups;
      s.state_memory_bytes += js.state_memory_bytes;
      s.state_store_bytes += js.state_store_bytes;
      s.state_store_keys += js.state_store_keys;
    }
    for (const auto& a : aggregators) {
      const QueryStats& as = a->executor->stats();
      if (!repartitions) s.records_in += as.records_in;  // else: the repartition records
      s.records_out += as.records_out;
      s.decode_errors += as.decode_errors;
      s.expression_errors += as.expression_errors;
      s.stateful = s.stateful || as.stateful;
      s.state_groups += as.state_groups;
      s.state_memory_bytes += as.state_memory_bytes;
      s.state_store_bytes += as.state_store_bytes;
      s.state_store_keys += as.state_store_keys;
      s.late_records += as.late_records;
    }
    return s;
  }

  // What other threads read without waiting for a batch: a copy made after each change.
  mutable std::mutex info_mu;
  QueryInfo info;                // guarded by info_mu
  std::vector<int64_t> offsets;  // guarded by info_mu: next_offsets as of the last batch

  void publish() {  // requires mu
    std::lock_guard<std::mutex> lock(info_mu);
    info = QueryInfo{id, sql, plan->input.source->name, sink->name, stats(), topology};
    offsets = next_offsets;
  }
};

InputRecord input_record(const TopicRecordView& r, int32_t partition) {
  InputRecord in;
  in.partition = partition;
  in.offset = r.offset;
  in.timestamp = r.timestamp;
  in.key = r.key ? format::RecordBytes::of(*r.key) : format::RecordBytes::null_record();
  in.value = r.value ? format::RecordBytes::of(*r.value) : format::RecordBytes::null_record();
  // Bytes read in place from the log are followed by padding the decoders may read.
  in.key.padded = r.key && r.padded;
  in.value.padded = r.value && r.padded;
  in.headers = r.headers;
  return in;
}

InputRecord input_record(const TopicRecord& r, int32_t partition) {
  return input_record(as_view(r), partition);
}

Engine::Engine(TopicStore& store, EngineOptions options) : store_(store), options_(options) {}

Engine::~Engine() = default;

std::vector<std::string> split_statements(std::string_view sql, std::vector<size_t>* starts) {
  std::vector<std::string> out;
  std::string cur;
  std::vector<size_t> from;  // from[k]: where cur[k] came from in sql (only with `starts`)
  size_t i = 0;
  auto flush = [&] {
    size_t a = cur.find_first_not_of(" \t\r\n");
    if (a != std::string::npos) {
      out.push_back(cur.substr(a));
      if (starts) starts->push_back(from[a]);
    }
    cur.clear();
    from.clear();
  };
  auto append = [&](std::string_view text, size_t at) {
    cur.append(text);
    if (starts) {
      for (size_t k = 0; k < text.size(); ++k) from.push_back(at + k);
    }
  };
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {
      size_t j = i + 1;
      while (j < sql.size()) {
        if (sql[j] == c) {
          if (j + 1 < sql.size() && sql[j + 1] == c) {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      append(sql.substr(i, std::min(j + 1, sql.size()) - i), i);
      i = j + 1;
      continue;
    }
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t j = sql.find('\n', i);
      if (j == std::string_view::npos) j = sql.size();
      i = j;
      continue;
    }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      size_t j = sql.find("*/", i + 2);
      append(" ", i);
      i = j == std::string_view::npos ? sql.size() : j + 2;
      continue;
    }
    append(sql.substr(i, 1), i);
    ++i;
    if (c == ';') flush();
  }
  flush();
  return out;
}

Status Engine::execute_script(std::string_view sql, std::vector<StatementResult>* results) {
  for (const std::string& text : split_statements(sql)) {
    SLUICE_ASSIGN_OR_RETURN(StatementResult r, execute_text(text));
    if (results) results->push_back(std::move(r));
  }
  return Status::ok();
}

Result<StatementResult> Engine::execute_text(std::string_view text) {
  std::map<std::string, std::string> vars(session_.variables.begin(), session_.variables.end());
  SLUICE_ASSIGN_OR_RETURN(std::string substituted, substitute_variables(text, vars));
  SLUICE_ASSIGN_OR_RETURN(StatementPtr stmt, parse_statement(substituted));
  return execute_parsed(*stmt, substituted);
}

Result<StatementResult> Engine::execute_parsed(const Statement& stmt, std::string_view text) {
  SLUICE_ASSIGN_OR_RETURN(StatementResult r, execute(stmt, text));
  r.statement_text = std::string(text);
  switch (stmt.kind) {
    case StatementKind::kCreateSource:
    case StatementKind::kCreateAsSelect:
    case StatementKind::kInsertInto:
    case StatementKind::kDropSource:
    case StatementKind::kTerminate:
    case StatementKind::kCreateType:
    case StatementKind::kDropType:
    case StatementKind::kAlterSource:
      r.durable = true;
      break;
    default:
      break;
  }
  return r;
}

std::vector<std::shared_ptr<Engine::PersistentQuery>> Engine::persistent_snapshot() const {
  std::lock_guard<std::mutex> lock(runtime_mu_);
  return queries_;
}

std::map<std::string, std::vector<int64_t>> Engine::query_offsets() const {
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& q : persistent_snapshot()) {
    std::lock_guard<std::mutex> lock(q->info_mu);
    out[q->id] = q->offsets;
  }
  return out;
}

OffsetReset Engine::offset_reset() const {
  for (const char* name : {"auto.offset.reset", "ksql.streams.auto.offset.reset"}) {
    std::optional<std::string> v = session_.property(name);
    if (!v) continue;
    std::string upper = to_upper(*v);
    if (upper == "EARLIEST") return OffsetReset::kEarliest;
    if (upper == "LATEST") return OffsetReset::kLatest;
  }
  return options_.auto_offset_reset;
}

Result<size_t> Engine::cache_max_bytes() const {
  for (const char* name :
       {"ksql.streams.cache.max.bytes.buffering", "cache.max.bytes.buffering",
        "ksql.streams.statestore.cache.max.bytes", "statestore.cache.max.bytes"}) {
    std::optional<std::string> v = session_.property(name);
    if (!v) continue;
    size_t n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || end != v->data() + v->size()) {
      return Status::invalid_argument(
          fmt::format("Invalid value {} for property {}: not a number of bytes", *v, name));
    }
    return n;
  }
  return options_.cache_max_bytes_buffering;
}

Result<std::vector<int64_t>> Engine::start_offsets(std::string_view topic,
                                                   OffsetReset reset) const {
  int32_t parts = std::max(store_.partitions(topic), 0);
  std::vector<int64_t> out(static_cast<size_t>(parts), 0);
  if (reset == OffsetReset::kLatest) {
    for (int32_t p = 0; p < parts; ++p) {
      SLUICE_ASSIGN_OR_RETURN(out[static_cast<size_t>(p)], store_.end_offset(topic, p));
    }
  }
  return out;
}

Status Engine::restore_offsets(std::string_view query_id, std::vector<int64_t> offsets) {
  for (const auto& q : persistent_snapshot()) {
    if (q->id != query_id) continue;
    std::lock_guard<std::shared_mutex> lock(q->mu);
    if (offsets.size() < q->next_offsets.size()) offsets.resize(q->next_offsets.size(), 0);
    q->next_offsets = std::move(offsets);
    q->publish();
    return Status::ok();
  }
  return Status::not_found(fmt::format("Unknown query {}", query_id));
}

std::string Engine::changelog_topic(std::string_view query_id) {
  return fmt::format("_sluice-{}-Aggregate-changelog", query_id);
}

bool Engine::state_over_budget(const std::vector<std::shared_ptr<PersistentQuery>>& queries) const {
  for (const auto& q : queries) {
    std::shared_lock<std::shared_mutex> lock(q->mu);
    for (const auto& a : q->aggregators) {
      if (!a->executor->state_has_room(options_.poll_batch_records)) return true;
    }
  }
  return false;
}

std::vector<QueryCheckpoint> Engine::take_checkpoints() {
  checkpoint_due_.store(false, std::memory_order_relaxed);
  std::vector<QueryCheckpoint> out;
  for (const auto& q : persistent_snapshot()) {
    std::lock_guard<std::shared_mutex> lock(q->mu);
    if (q->terminated) continue;
    QueryCheckpoint& c = out.emplace_back();
    c.id = q->id;
    c.offsets = q->next_offsets;
    c.repartition_offsets = q->repartition_offsets;
    c.repartition_topic = q->plan->aggregate && q->repartitions ? repartition_topic(q->id) : "";
    if (q->is_join()) {
      c.join_offsets = q->join_offsets;
      c.join_topic = q->stage_topic;
    }
    if (!q->stateful()) continue;
    c.changelog_topic = changelog_topic(q->id);
    c.changes.resize(q->aggregators.size() + q->joiners.size());
    for (size_t j = 0; j < q->joiners.size(); ++j) {
      q->joiners[j]->executor->take_state_changes(c.changes[q->aggregators.size() + j]);
    }
    for (size_t p = 0; p < q->aggregators.size(); ++p) {
      PersistentQuery::Task& a = *q->aggregators[p];
      if (a.executor->buffering()) {
        a.outputs.clear();
        std::vector<RecordError> errors;
        a.executor->flush_buffered(a.outputs, errors);
        count_errors(errors);
        Status written = write_output(q->sink->topic, a.outputs, static_cast<int32_t>(p),
                                      q->sink->window_key_bytes());
        if (c.output_error.is_ok()) c.output_error = written;
      }
      a.executor->take_state_changes(c.changes[p]);
    }
  }
  return out;
}

Status Engine::commit_state(std::string_view query_id, std::span<const int64_t> changelog_ends,
                            bool flush) {
  for (const auto& q : persistent_snapshot()) {
    if (q->id != query_id) continue;
    std::lock_guard<std::shared_mutex> lock(q->mu);
    Status st = Status::ok();
    for (size_t p = 0; p < q->aggregators.size() && p < changelog_ends.size(); ++p) {
      Status one = q->aggregators[p]->executor->commit_state(changelog_ends[p], flush);
      if (st.is_ok()) st = one;
    }
    for (size_t j = 0; j < q->joiners.size(); ++j) {
      size_t p = q->aggregators.size() + j;
      if (p >= changelog_ends.size()) break;
      Status one = q->joiners[j]->executor->commit_state(changelog_ends[p], flush);
      if (st.is_ok()) st = one;
    }
    // A table source's rows are as of the committed input offsets (no poll since the checkpoint
    // was taken: they are next_offsets).
    for (size_t p = 0; p < q->readers.size() && p < q->next_offsets.size(); ++p) {
      Status one = q->readers[p]->executor->commit_table(q->next_offsets[p], flush);
      if (st.is_ok()) st = one;
    }
    q->publish();
    return st;
  }
  return Status::ok();  // ended meanwhile
}

std::set<std::string> Engine::input_topics() const {
  std::set<std::string> out;
  for (const auto& q : persistent_snapshot()) {
    std::lock_guard<std::shared_mutex> lock(q->mu);
    if (q->terminated) continue;
    if (q->is_join()) {
      for (const JoinSide& side : q->plan->join->sides) out.insert(side.source.source->topic);
    } else {
      out.insert(q->plan->input.source->topic);
    }
    if (q->repartitions) out.insert(q->stage_topic);
    if (q->is_join() && q->plan->aggregate) out.insert(repartition_topic(q->id));
  }
  add_transient_input_topics(out);
  return out;
}

std::string Engine::repartition_topic(std::string_view query_id) {
  return fmt::format("_sluice-{}-Aggregate-GroupBy-repartition", query_id);
}

std::string Engine::join_topic(std::string_view query_id) {
  return fmt::format("_sluice-{}-Join-repartition", query_id);
}

std::string Engine::state_store_name(std::string_view query_id, int32_t partition) {
  if (partition == 0) return fmt::format("{}-Aggregate", query_id);
  return fmt::format("{}-Aggregate-{}", query_id, partition);
}

std::string Engine::join_store_name(std::string_view query_id, int32_t partition) {
  if (partition == 0) return fmt::format("{}-Join", query_id);
  return fmt::format("{}-Join-{}", query_id, partition);
}

std::string Engine::source_store_name(std::string_view query_id, int32_t partition) {
  if (partition == 0) return fmt::format("{}-Source", query_id);
  return fmt::format("{}-Source-{}", query_id, partition);
}

Result<state::StateStore*> Engine::state_store(const std::string& name, bool fresh) {
  if (!state_db_) return nullptr;
  if (fresh) SLUICE_RETURN_IF_ERROR(state_db_->drop(name));
  return state_db_->store(name);
}

size_t Engine::cache_budget(const PersistentQuery& q) const {
  return static_cast<size_t>(static_cast<double>(q.cache_share) * state_cache_fraction_.load());
}

void Engine::set_state_cache_fraction(double fraction) {
  state_cache_fraction_ = std::clamp(fraction, 0.0, 1.0);
  for (const auto& q : persistent_snapshot()) {
    std::lock_guard<std::shared_mutex> lock(q->mu);
    for (const auto& a : q->aggregators) a->executor->set_state_cache_bytes(cache_budget(*q));
  }
}

size_t Engine::state_cache_configured() const {
  size_t total = 0;
  for (const auto& q : persistent_snapshot()) {
    std::shared_lock<std::shared_mutex> lock(q->mu);
    if (q->stateful() && state_db_) total += q->cache_share * q->aggregators.size();
  }
  return total;
}

Status Engine::make_aggregators(PersistentQuery& q, StoreUse stores) {
  q.aggregators.clear();
  const std::string input = q.is_join()      ? repartition_topic(q.id)
                            : q.repartitions ? q.stage_topic
                                             : q.plan->input.source->topic;
  return ensure_aggregators(q, static_cast<size_t>(std::max(store_.partitions(input), 1)), stores);
}

Status Engine::make_joiners(PersistentQuery& q, StoreUse stores) {
  q.joiners.clear();
  auto partitions = static_cast<size_t>(std::max(store_.partitions(q.stage_topic), 1));
  while (q.joiners.size() < partitions) {
    const auto p = static_cast<int32_t>(q.joiners.size());
    auto j = std::make_unique<PersistentQuery::Task>();
    SLUICE_ASSIGN_OR_RETURN(j->executor, QueryExecutor::create_join(*q.plan, *q.sink));
    j->bufs.resize(1);
    if (stores != StoreUse::kLater) {
      SLUICE_ASSIGN_OR_RETURN(state::StateStore * st,
                              state_store(join_store_name(q.id, p), stores == StoreUse::kFresh));
      if (st) SLUICE_RETURN_IF_ERROR(j->executor->attach_state_store(st, 0));
    }
    q.joiners.push_back(std::move(j));
  }
  if (q.join_offsets.size() < partitions) q.join_offsets.resize(partitions, 0);
  return Status::ok();
}

Status Engine::ensure_aggregators(PersistentQuery& q, size_t partitions, StoreUse stores) {
  // The cache budget is shared by the partitions there are at first.
  if (q.aggregators.empty()) q.cache_share = state_cache_bytes_ / std::max<size_t>(partitions, 1);
  while (q.aggregators.size() < partitions) {
    const auto p = static_cast<int32_t>(q.aggregators.size());
    auto a = std::make_unique<PersistentQuery::Task>();
    SLUICE_ASSIGN_OR_RETURN(a->executor, QueryExecutor::create(*q.plan, *q.sink));
    a->executor->set_output_buffering(q.buffer_bytes);
    a->bufs.resize(1);
    if (a->executor->stateful() && stores != StoreUse::kLater) {
      SLUICE_ASSIGN_OR_RETURN(state::StateStore * st,
                              state_store(state_store_name(q.id, p), stores == StoreUse::kFresh));
      if (st) SLUICE_RETURN_IF_ERROR(a->executor->attach_state_store(st, cache_budget(q)));
    }
    q.aggregators.push_back(std::move(a));
  }
  return Status::ok();
}

Status Engine::restore_query(std::string_view query_id, std::vector<int64_t> offsets,
                             std::vector<int64_t> repartition_offsets,
                             std::vector<int64_t> changelog_ends,
                             const ChangelogReader& read_changelog,
                             std::vector<int64_t> join_offsets) {
  for (const auto& q : persistent_snapshot()) {
    if (q->id != query_id) continue;
    std::lock_guard<std::shared_mutex> lock(q->mu);
    if (offsets.size() < q->next_offsets.size()) offsets.resize(q->next_offsets.size(), 0);
    // From fresh executors: whatever state the query built since is dropped.
    q->readers.clear();
    if (q->repartitions) q->repartition_offsets = std::move(repartition_offsets);
    if (q->plan->aggregate) SLUICE_RETURN_IF_ERROR(make_aggregators(*q, StoreUse::kLater));
    if (q->is_join()) {
      q->join_offsets = std::move(join_offsets);
      SLUICE_RETURN_IF_ERROR(make_joiners(*q, StoreUse::kLater));
    }
    // The changelog's partitions: the aggregators', then the joiners'.
    const size_t n_aggregators = q->aggregators.size();
    size_t n = n_aggregators + q->joiners.size();
    // Each partition's state is in its changelog partition: state checkpointed over another
    // number of partitions (a source topic that grew, as in Kafka Streams, or a checkpoint of an
    // older Sluice with one changelog partition) would put groups where their records do not go.
    bool has_state =
        std::any_of(changelog_ends.begin(), changelog_ends.end(), [](int64_t e) { return e > 0; });
    if (q->stateful() && has_state && changelog_ends.size() != n) {
      return Status::unsupported(fmt::format(
          "query {}: its state is in {} changelog partitions, its aggregation now has {} "
          "partitions; drop and re-create the query",
          q->id, changelog_ends.size(), n));
    }
    changelog_ends.resize(n, 0);
    for (size_t p = 0; p < n && q->stateful(); ++p) {
      const bool joiner = p >= n_aggregators;
      QueryExecutor& executor =
          *(joiner ? q->joiners[p - n_aggregators] : q->aggregators[p])->executor;
      const auto partition = static_cast<int32_t>(p);
      const int64_t end = changelog_ends[p];
      const std::string store_name =
          joiner ? join_store_name(q->id, static_cast<int32_t>(p - n_aggregators))
                 : state_store_name(q->id, partition);
      SLUICE_ASSIGN_OR_RETURN(state::StateStore * st, state_store(store_name, false));
      if (st) {
        // The local store is at most as new as the last commit (it is written after it); a
        // newer one belongs to another incarnation of this query id: start over.
        st->rollback();
        if (st->changelog_offset() > end) {
          SLUICE_ASSIGN_OR_RETURN(st, state_store(store_name, true));
        }
        if (st->changelog_offset() < end) {
          SLUICE_RETURN_IF_ERROR(read_changelog(
              partition, st->changelog_offset(), end,
              [&](auto records, int64_t next) { return st->restore(records, next); }));
          if (st->changelog_offset() != end) {
            SLUICE_RETURN_IF_ERROR(st->restore(std::span<const state::StateChangeView>(), end));
          }
        }
        SLUICE_RETURN_IF_ERROR(executor.attach_state_store(st, cache_budget(*q)));
      } else if (end > 0) {
        SLUICE_RETURN_IF_ERROR(read_changelog(partition, 0, end, [&](auto records, int64_t) {
          return executor.restore_state(records);
        }));
      }
    }
    if (q->repartitions && q->plan->aggregate && q->plan->aggregate->source_is_table) {
      // A table source's rows are its topic's records up to where the query read: each
      // partition's reader takes them from its store, brought forward from the topic where the
      // store is behind (or from the topic's start without one, or when the store is ahead: it
      // belongs to another incarnation of this query id).
      const std::string& topic = q->plan->input.source->topic;
      TopicReadBuffer buf;
      std::vector<InputRecord> inputs;
      if (q->next_offsets.size() < offsets.size()) q->next_offsets.resize(offsets.size(), 0);
      SLUICE_RETURN_IF_ERROR(ensure_readers(*q, offsets.size(), false));
      for (size_t p = 0; p < offsets.size(); ++p) {
        QueryExecutor& reader = *q->readers[p]->executor;
        const auto partition = static_cast<int32_t>(p);
        int64_t next = 0;
        if (state::StateStore* st = reader.table_store()) {
          st->rollback();
          if (st->changelog_offset() > offsets[p]) {
            SLUICE_ASSIGN_OR_RETURN(st, state_store(source_store_name(q->id, partition), true));
            SLUICE_RETURN_IF_ERROR(reader.attach_table_store(st));
          }
          next = st->changelog_offset();
        }
        while (next < offsets[p]) {
          SLUICE_RETURN_IF_ERROR(
              store_.read_views(topic, partition, next, options_.poll_batch_records, buf));
          inputs.clear();
          for (const TopicRecordView& r : buf.records) {
            if (r.offset >= offsets[p]) break;
            inputs.push_back(input_record(r, partition));
          }
          if (buf.records.empty()) break;
          reader.restore_source(inputs);
          next = buf.records.back().offset + 1;
          SLUICE_RETURN_IF_ERROR(reader.commit_table(std::min(next, offsets[p]), false));
        }
        SLUICE_RETURN_IF_ERROR(reader.commit_table(offsets[p], true));
        SLUICE_RETURN_IF_ERROR(reader.state_error().with_context("query " + q->id));
      }
    }
    q->next_offsets = std::move(offsets);
    q->publish();
    return Status::ok();
  }
  return Status::not_found(fmt::format("Unknown query {}", query_id));
}

Result<StatementResult> Engine::execute(const Statement& stmt, std::string_view text) {
  StatementResult r;
  r.statement_text = std::string(text);
  switch (stmt.kind) {
    case StatementKind::kCreateSource:
      return create_source(stmt.as<CreateSource>(), text);
    case StatementKind::kCreateAsSelect:
      return create_as_select(stmt.as<CreateAsSelect>(), text);
    case StatementKind::kInsertInto:
      return insert_into(stmt.as<InsertInto>(), text);
    case StatementKind::kInsertValues:
      return insert_values(stmt.as<InsertValues>());
    case StatementKind::kDropSource:
      return drop_source(stmt.as<DropSource>());
    case StatementKind::kTerminate:
      return terminate(stmt.as<Terminate>());
    case StatementKind::kAlterSource:
      return alter_source(stmt.as<AlterSource>(), text);
    case StatementKind::kList:
      return list(stmt.as<ListStatement>());
    case StatementKind::kDescribeSource:
      return describe(stmt.as<DescribeSource>());
    case StatementKind::kSetProperty: {
      const auto& s = stmt.as<SetProperty>();
      session_.properties[s.name] = s.value;
      r.message = fmt::format("Successfully changed local property '{}' to '{}'.", s.name, s.value);
      return r;
    }
    case StatementKind::kUnsetProperty: {
      const auto& s = stmt.as<UnsetProperty>();
      session_.properties.erase(s.name);
      r.message = fmt::format("Successfully unset local property '{}'.", s.name);
      return r;
    }
    case StatementKind::kAlterSystem: {
      const auto& s = stmt.as<AlterSystem>();
      session_.properties[s.name] = s.value;
      return r;
    }
    case StatementKind::kDefineVariable: {
      const auto& s = stmt.as<DefineVariable>();
      session_.variables[to_upper(s.name)] = s.value;
      return r;
    }
    case StatementKind::kUndefineVariable: {
      const auto& s = stmt.as<UndefineVariable>();
      session_.variables.erase(to_upper(s.name));
      return r;
    }
    case StatementKind::kCreateType: {
      const auto& s = stmt.as<CreateType>();
      if (s.if_not_exists && catalog_.find_type(s.name)) return r;
      SLUICE_ASSIGN_OR_RETURN(format::Type t, resolve_type(s.type, catalog_));
      SLUICE_RETURN_IF_ERROR(catalog_.add_type(s.name, std::move(t)));
      r.message = "Registered custom type";
      return r;
    }
    case StatementKind::kDropType: {
      const auto& s = stmt.as<DropType>();
      if (s.if_exists && !catalog_.find_type(s.name)) return r;
      SLUICE_RETURN_IF_ERROR(catalog_.drop_type(s.name));
      r.message = "Dropped type";
      return r;
    }
    default:
      return Status::not_supported_yet(fmt::format("statement {}", statement_kind_name(stmt.kind)));
  }
}

Result<StatementResult> Engine::create_as_select(const CreateAsSelect& s, std::string_view text) {
  if (DataSourcePtr existing = catalog_.find_source(s.name)) {
    if (s.if_not_exists) return StatementResult{std::string(text), "", ""};
    if (!s.or_replace) {
      return Status::already_exists(fmt::format(
          "Cannot add {} '{}': A {} with the same name already exists",
          s.is_table ? "table" : "stream", s.name, existing->is_table ? "table" : "stream"));
    }
  }
  SLUICE_ASSIGN_OR_RETURN(SourceProperties props, parse_properties(s.properties));
  PlanContext ctx{&catalog_, &builtin_functions(), &session_, s.name, s.is_table};
  SLUICE_ASSIGN_OR_RETURN(QueryPlan planned, plan_query(s.query, ctx));
  auto plan = std::make_unique<QueryPlan>(std::move(planned));
  const DataSource& input = *plan->input.source;
  bool result_is_table = input.is_table || plan->aggregate;
  if (s.is_table != result_is_table) {
    if (s.is_table) {
      return Status::invalid_argument(
          "Invalid result type. Your SELECT query produces a STREAM. Please use CREATE STREAM AS "
          "SELECT statement instead.");
    }
    return Status::invalid_argument(
        "Invalid result type. Your SELECT query produces a TABLE. Please use CREATE TABLE AS "
        "SELECT statement instead.");
  }

  auto sink = std::make_shared<DataSource>();
  sink->name = s.name;
  sink->is_table = s.is_table;
  sink->created_by_query = true;
  sink->sql = std::string(text);
  sink->topic = props.kafka_topic.value_or(s.name);
  if (plan->aggregate && plan->aggregate->window) {
    sink->window_type = s.query.window->type == WindowType::kHopping   ? "HOPPING"
                        : s.query.window->type == WindowType::kSession ? "SESSION"
                                                                       : "TUMBLING";
    sink->window_size_ms = plan->aggregate->window->size;
  } else if (plan->input.source->windowed()) {
    // A query over a windowed stream passes each record's window on with its key.
    sink->window_type = plan->input.source->window_type;
    sink->window_size_ms = plan->input.source->window_size_ms;
  }
  for (const OutputColumn& c : plan->columns) {
    sink->columns.push_back({c.name, c.type, c.key ? ColumnKind::kKey : ColumnKind::kValue, ""});
  }
  auto key_cols = sink->key_columns();
  SLUICE_RETURN_IF_ERROR(check_no_map_keys(key_cols));
  std::string key_format;
  if (props.key_format && !format::find_format(*props.key_format)) {
    return Status::invalid_argument(fmt::format("Unknown format: {}", *props.key_format));
  }
  if (key_cols.empty()) {
    if (props.key_format && !s.is_table) {
      return Status::invalid_argument("Key format specified for stream without key columns.");
    }
    key_format = "NONE";
  } else {
    key_format = props.key_format.value_or(
        input.key_format.name == "NONE" ? default_key_format(session_) : input.key_format.name);
  }
  SourceProperties key_props = props;
  if (!props.key_format && key_format == input.key_format.name &&
      input.key_format.properties.count("KEY_DELIMITER") && !props.key_delimiter) {
    key_props.key_delimiter = input.key_format.properties.at("KEY_DELIMITER");
  }
  SLUICE_ASSIGN_OR_RETURN(
      sink->key_format,
      make_side_format(key_format, format::Side::kKey, key_props, key_cols,
                       FormatContext{options_.registry, sink->topic, sink->name}));
  std::string value_format = props.value_format.value_or(input.value_format.name);
  SourceProperties value_props = props;
  if (!props.value_format && !props.value_delimiter &&
      input.value_format.properties.count("VALUE_DELIMITER")) {
    value_props.value_delimiter = input.value_format.properties.at("VALUE_DELIMITER");
  }
  value_props = with_wrap_default(session_, std::move(value_props), value_format,
                                  sink->value_columns().size());
  SLUICE_ASSIGN_OR_RETURN(
      sink->value_format,
      make_side_format(value_format, format::Side::kValue, value_props, sink->value_columns(),
                       FormatContext{options_.registry, sink->topic, sink->name}));
  if (props.timestamp) {
    if (sink->find_column(*props.timestamp) < 0) {
      return Status::invalid_argument(
          fmt::format("The TIMESTAMP column set in the WITH clause does not exist in the schema: "
                      "'{}'",
                      *props.timestamp));
    }
    format::TypeId t =
        sink->columns[static_cast<size_t>(sink->find_column(*props.timestamp))].type.id();
    if (t != format::TypeId::kBigint && t != format::TypeId::kTimestamp &&
        !(t == format::TypeId::kString && props.timestamp_format)) {
      return Status::invalid_argument(fmt::format(
          "Timestamp column, `{}`, should be LONG(INT64), TIMESTAMP, or a String with a "
          "timestamp_format specified.",
          *props.timestamp));
    }
    sink->timestamp_column = *props.timestamp;
    sink->timestamp_format = props.timestamp_format.value_or("");
  }
  int32_t partitions = props.partitions.value_or(std::max(store_.partitions(input.topic), 1));
  if (!store_.exists(sink->topic)) SLUICE_RETURN_IF_ERROR(store_.create(sink->topic, partitions));
  // CREATE OR REPLACE of a query's sink upgrades that query in place, as ksqlDB does: same id,
  // reading on from the same input offsets, with the new plan (not a second query beside it).
  std::shared_ptr<PersistentQuery> replaced;
  if (s.or_replace) {
    std::string prefix = fmt::format("{}_{}_", s.is_table ? "CTAS" : "CSAS", s.name);
    for (const auto& q : persistent_snapshot()) {
      std::lock_guard<std::mutex> lock(q->info_mu);
      if (q->info.sink == s.name && q->id.rfind(prefix, 0) == 0) replaced = q;
    }
  }
  if (replaced) {
    bool was_stateful = false;
    {
      std::lock_guard<std::shared_mutex> lock(replaced->mu);
      was_stateful = replaced->plan->aggregate != nullptr || replaced->plan->join != nullptr;
    }
    if (plan->aggregate || plan->join || was_stateful) {
      return Status::not_supported_yet("CREATE OR REPLACE of a stateful query");
    }
    SLUICE_RETURN_IF_ERROR(QueryExecutor::create(*plan, *sink).status());
    SLUICE_RETURN_IF_ERROR(catalog_.add_source(sink, true));
    std::lock_guard<std::shared_mutex> lock(replaced->mu);  // waits for its current batch only
    replaced->sink = sink;
    if (plan->input.source->topic != replaced->plan->input.source->topic) {
      // A new input: read it as a new query would.
      SLUICE_ASSIGN_OR_RETURN(replaced->next_offsets,
                              start_offsets(plan->input.source->topic, offset_reset()));
    }
    replaced->sql = std::string(text);
    replaced->plan = std::move(plan);
    replaced->readers.clear();  // made for the new plan at the next poll
    SLUICE_ASSIGN_OR_RETURN(replaced->topology, describe_topology(*replaced));
    replaced->publish();
    return StatementResult{std::string(text), fmt::format("Created query with ID {}", replaced->id),
                           replaced->id};
  }
  SLUICE_RETURN_IF_ERROR(catalog_.add_source(sink, s.or_replace));
  std::string id =
      fmt::format("{}_{}_{}", s.is_table ? "CTAS" : "CSAS", s.name, query_counters_["q"]++);
  SLUICE_RETURN_IF_ERROR(start_query(id, std::move(plan), sink, text));
  return StatementResult{std::string(text), fmt::format("Created query with ID {}", id), id};
}

Result<StatementResult> Engine::insert_into(const InsertInto& s, std::string_view text) {
  DataSourcePtr target = catalog_.find_source(s.target);
  if (!target) {
    return Status::invalid_argument(
        fmt::format("line {}:{}: Source `{}` does not exist.", s.pos.line, s.pos.column, s.target));
  }
  if (target->is_table) {
    return Status::invalid_argument(fmt::format(
        "INSERT INTO can only be used to insert into a stream. {} is a table.", s.target));
  }
  if (target->is_source) {
    return Status::invalid_argument(
        fmt::format("Cannot insert into read-only stream: {}", s.target));
  }
  PlanContext ctx{&catalog_, &builtin_functions(), &session_, s.target, false};
  SLUICE_ASSIGN_OR_RETURN(QueryPlan planned, plan_query(s.query, ctx));
  auto plan = std::make_unique<QueryPlan>(std::move(planned));
  if (plan->input.source->is_table || plan->aggregate) {
    return Status::invalid_argument(fmt::format(
        "Incompatible data sink and query result. Data sink ({}) type is STREAM but select "
        "query result is TABLE.",
        s.target));
  }
  const DataSource& from = *plan->input.source;
  if (target->window_type != from.window_type || target->window_size_ms != from.window_size_ms) {
    // The records keep their keys' windows (or have none): the target's must be the same.
    return Status::not_supported_yet("INSERT INTO a stream windowed unlike the query's source");
  }
  // Result columns that widen to the sink's types are cast to them, as ksqlDB inserts them, and
  // so are numeric literals into DECIMAL columns (ksqlDB resolves a literal's type from where it
  // goes: `1` into a DECIMAL(5, 2)); names, order and key-ness must match.
  for (OutputColumn& c : plan->columns) {
    int at = target->find_column(c.name);
    if (at < 0 || !c.expr) continue;
    const CatalogColumn& t = target->columns[static_cast<size_t>(at)];
    bool literal_into_decimal = c.expr->kind == BoundKind::kConstant && c.type.is_numeric() &&
                                t.type.id() == format::TypeId::kDecimal;
    if (c.type == t.type ||
        (!format::can_implicitly_cast(c.type, t.type) && !literal_into_decimal)) {
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(c.expr, add_cast(std::move(c.expr), t.type));
    c.type = t.type;
    // The cast's nodes get slots of their own after the plan's.
    BoundExpr* root = c.expr.get();
    plan->num_slots = assign_slots(std::span<BoundExpr* const>(&root, 1), plan->num_slots);
  }
  auto key = plan->key_schema();
  auto value = plan->value_schema();
  if (key != target->key_columns() || value != target->value_columns()) {
    std::string result_schema, sink_schema;
    for (const auto& c : plan->columns) {
      result_schema += fmt::format("{}`{}` {}{}", result_schema.empty() ? "" : ", ", c.name,
                                   c.type.to_string(), c.key ? " KEY" : "");
    }
    return Status::invalid_argument(
        fmt::format("Incompatible schema between results and sink.\nResult schema is {}\nSink "
                    "schema is {}",
                    result_schema, target->schema_string()));
  }
  std::string id = fmt::format("INSERTQUERY_{}", query_counters_["q"]++);
  SLUICE_RETURN_IF_ERROR(start_query(id, std::move(plan), target, text));
  return StatementResult{std::string(text), fmt::format("Created query with ID {}", id), id};
}

Status Engine::start_query(std::string id, std::unique_ptr<QueryPlan> plan, DataSourcePtr sink,
                           std::string_view text) {
  auto q = std::make_shared<PersistentQuery>(std::move(id));
  {
    // Not shared yet; keeps the guarded-by rule simple.
    std::lock_guard<std::shared_mutex> lock(q->mu);
    q->sql = std::string(text);
    q->plan = std::move(plan);
    q->sink = std::move(sink);
    int32_t stage_partitions = std::max(store_.partitions(q->plan->input.source->topic), 1);
    if (q->is_join()) {
      q->repartitions = true;
      q->stage_topic = join_topic(q->id);
      // Each side's records are repartitioned by their join key: as many partitions as the
      // larger side has (the sides need not be co-partitioned).
      for (const JoinSide& side : q->plan->join->sides) {
        const std::string& t = side.source.source->topic;
        q->feed_partitions.push_back(static_cast<size_t>(std::max(store_.partitions(t), 1)));
        stage_partitions =
            std::max(stage_partitions, static_cast<int32_t>(q->feed_partitions.back()));
      }
    } else if (q->plan->aggregate && q->plan->aggregate->repartition) {
      q->repartitions = true;
      q->stage_topic = repartition_topic(q->id);
    }
    if (q->is_join()) {
      if (!store_.exists(q->stage_topic)) {
        SLUICE_RETURN_IF_ERROR(store_.create(q->stage_topic, stage_partitions));
      }
      if (!replaying_) {
        SLUICE_ASSIGN_OR_RETURN(q->join_offsets,
                                start_offsets(q->stage_topic, OffsetReset::kLatest));
      }
      SLUICE_RETURN_IF_ERROR(make_joiners(*q, replaying_ ? StoreUse::kAsIs : StoreUse::kFresh));
    }
    if (q->repartitions && (!q->is_join() || q->plan->aggregate)) {
      const std::string topic = q->is_join() ? repartition_topic(q->id) : q->stage_topic;
      if (!store_.exists(topic)) SLUICE_RETURN_IF_ERROR(store_.create(topic, stage_partitions));
      // A new query reads its repartition topic from the end: records an earlier query of the
      // same id left there are not its input (a replayed one is put back by restore_query).
      if (!replaying_) {
        SLUICE_ASSIGN_OR_RETURN(q->repartition_offsets, start_offsets(topic, OffsetReset::kLatest));
      }
    }
    if (q->plan->aggregate) {
      // Makes the aggregating stage's executors: a plan whose codecs cannot be made fails here.
      SLUICE_ASSIGN_OR_RETURN(q->buffer_bytes, cache_max_bytes());
      SLUICE_RETURN_IF_ERROR(make_aggregators(*q, replaying_ ? StoreUse::kAsIs : StoreUse::kFresh));
    }
    // Makes an executor of every stage to describe it: a plan whose executors cannot be made
    // fails here, not at its first poll.
    SLUICE_ASSIGN_OR_RETURN(q->topology, describe_topology(*q));
    if (q->is_join()) {
      q->next_offsets.clear();
      for (size_t side = 0; side < q->feed_partitions.size(); ++side) {
        SLUICE_ASSIGN_OR_RETURN(
            std::vector<int64_t> o,
            start_offsets(q->plan->join->side(side).source.source->topic, offset_reset()));
        o.resize(q->feed_partitions[side], 0);
        q->next_offsets.insert(q->next_offsets.end(), o.begin(), o.end());
      }
    } else {
      SLUICE_ASSIGN_OR_RETURN(q->next_offsets,
                              start_offsets(q->plan->input.source->topic, offset_reset()));
    }
    q->publish();
  }
  std::lock_guard<std::mutex> lock(runtime_mu_);
  queries_.push_back(std::move(q));
  return Status::ok();
}

Result<StatementResult> Engine::drop_source(const DropSource& s) {
  DataSourcePtr src = catalog_.find_source(s.name);
  if (!src) {
    if (s.if_exists) return StatementResult{};
    return Status::invalid_argument(fmt::format("Source {} does not exist.", s.name));
  }
  if (src->is_table != s.is_table) {
    return Status::invalid_argument(
        fmt::format("Incompatible data source type is {}, but statement was DROP {}",
                    src->kind_name(), s.is_table ? "TABLE" : "STREAM"));
  }
  std::vector<std::string> readers, writers;
  for (const QueryInfo& q : queries()) {
    if (q.source == s.name) readers.push_back(q.id);
    if (q.sink == s.name) writers.push_back(q.id);
  }
  if (!readers.empty() || !writers.empty()) {
    auto list = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
      return s;
    };
    std::string msg = fmt::format("Cannot drop {}.", s.name);
    if (!readers.empty()) {
      msg += fmt::format("\nThe following queries read from this source: [{}].", list(readers));
    }
    if (!writers.empty()) {
      msg += fmt::format("\nThe following queries write into this source: [{}].", list(writers));
    }
    msg += "\nYou need to terminate them before dropping " + s.name + ".";
    return Status::invalid_argument(msg);
  }
  if (s.delete_topic && src->is_source) {
    return Status::invalid_argument(
        fmt::format("Cannot delete topic for read-only source: {}", s.name));
  }
  SLUICE_RETURN_IF_ERROR(catalog_.drop_source(s.name));
  mark_source_dropped(s.name);
  {
    std::lock_guard<std::mutex> lock(materialized_mu_);
    materialized_.erase(s.name);  // a table of the same name later starts afresh
  }
  if (s.delete_topic && store_.exists(src->topic))
    SLUICE_RETURN_IF_ERROR(store_.remove(src->topic));
  return StatementResult{
      "", fmt::format("Source `{}` (topic: {}) was dropped.", s.name, src->topic), ""};
}

Result<StatementResult> Engine::terminate(const Terminate& s) {
  std::vector<std::shared_ptr<PersistentQuery>> ended;
  {
    std::lock_guard<std::mutex> lock(runtime_mu_);
    for (size_t i = 0; i < queries_.size();) {
      if (s.all || queries_[i]->id == s.query_id) {
        ended.push_back(std::move(queries_[i]));
        queries_.erase(queries_.begin() + static_cast<std::ptrdiff_t>(i));
        if (!s.all) break;
      } else {
        ++i;
      }
    }
  }
  if (ended.empty() && !s.all) {
    return Status::invalid_argument(fmt::format("Unknown queryId: {}", s.query_id));
  }
  // A batch in flight finishes (its outputs are written) before the statement returns; nothing
  // of these queries runs afterwards.
  for (const auto& q : ended) {
    std::lock_guard<std::shared_mutex> lock(q->mu);
    q->terminated = true;
  }
  if (s.all) return StatementResult{"", "All queries terminated.", ""};
  return StatementResult{"", "Query terminated.", s.query_id};
}

std::vector<QueryInfo> Engine::queries() const {
  std::vector<QueryInfo> out;
  for (const auto& q : persistent_snapshot()) {
    std::lock_guard<std::mutex> lock(q->info_mu);
    out.push_back(q->info);
  }
  return out;
}

void Engine::count_errors(const std::vector<RecordError>& errors) {
  if (errors.empty()) return;
  record_errors_.fetch_add(errors.size(), std::memory_order_relaxed);
  if (!error_handler_) return;
  for (const RecordError& e : errors) error_handler_(e);
}

Result<std::string> Engine::describe_topology(const PersistentQuery& q) const {
  const std::string& input = q.plan->input.source->topic;
  auto sub = [&](int n, const std::string& topic, const std::string& ops,
                 const std::string& output) {
    return fmt::format("Sub-topology {}: a task per partition of {} ({}): {} -> {}\n", n, topic,
                       std::max(store_.partitions(topic), 1), ops, output);
  };
  std::string out;
  if (q.is_join()) {
    const auto sides = static_cast<int>(q.plan->join->sides.size());
    for (int side = 0; side < sides; ++side) {
      SLUICE_ASSIGN_OR_RETURN(auto e, QueryExecutor::create(*q.plan->join->feed[side], *q.sink));
      out += sub(side, q.plan->join->side(side).source.source->topic, e->describe(), q.stage_topic);
    }
    const std::string output = q.plan->aggregate ? repartition_topic(q.id) : q.sink->topic;
    out += sub(sides, q.stage_topic, q.joiners.at(0)->executor->describe(), output);
    if (q.plan->aggregate) {
      out += sub(sides + 1, output, q.aggregators.at(0)->executor->describe(), q.sink->topic);
    }
    out += fmt::format("State: a store per task ({}-Join[-N]{}), changelog {}\n", q.id,
                       q.plan->aggregate ? ", -Aggregate[-N]" : "", changelog_topic(q.id));
    return out;
  }
  if (!q.plan->aggregate) {
    SLUICE_ASSIGN_OR_RETURN(auto e, QueryExecutor::create(*q.plan, *q.sink));
    return sub(0, input, e->describe(), q.sink->topic);
  }
  const std::string* aggregated = &input;
  if (q.repartitions) {
    SLUICE_ASSIGN_OR_RETURN(auto e, QueryExecutor::create_repartition(*q.plan));
    out += sub(0, input, e->describe(), q.stage_topic);
    aggregated = &q.stage_topic;
  }
  out += sub(q.repartitions ? 1 : 0, *aggregated, q.aggregators.at(0)->executor->describe(),
             q.sink->topic);
  out += fmt::format("State: a store per task ({}-Aggregate[-N]), changelog {}\n", q.id,
                     changelog_topic(q.id));
  return out;
}

Status Engine::ensure_readers(PersistentQuery& q, size_t partitions, bool fresh_state) {
  if (q.next_offsets.size() < partitions) q.next_offsets.resize(partitions, 0);
  while (q.readers.size() < partitions) {
    const auto p = static_cast<int32_t>(q.readers.size());
    auto r = std::make_unique<PersistentQuery::Task>();
    if (q.is_join()) {
      size_t side = q.reader_side(static_cast<size_t>(p)).first;
      SLUICE_ASSIGN_OR_RETURN(r->executor,
                              QueryExecutor::create(*q.plan->join->feed[side], *q.sink));
    } else if (q.repartitions) {
      SLUICE_ASSIGN_OR_RETURN(r->executor, QueryExecutor::create_repartition(*q.plan));
      if (q.plan->aggregate->source_is_table) {
        SLUICE_ASSIGN_OR_RETURN(state::StateStore * st,
                                state_store(source_store_name(q.id, p), fresh_state));
        if (st) SLUICE_RETURN_IF_ERROR(r->executor->attach_table_store(st));
      }
    } else {
      SLUICE_ASSIGN_OR_RETURN(r->executor, QueryExecutor::create(*q.plan, *q.sink));
    }
    r->bufs.resize(1);
    q.readers.push_back(std::move(r));
  }
  return Status::ok();
}

Result<size_t> Engine::poll(std::chrono::steady_clock::time_point deadline) {
  size_t total = 0;
  // A task per input partition of a query's reading stage and per partition of its aggregating
  // stage (one for an aggregation that does not repartition).
  enum class Stage { kReader, kJoiner, kAggregator };
  struct Work {
    PersistentQuery* q = nullptr;
    Stage stage = Stage::kReader;
    size_t partition = 0;  // a reader's input partition, a joiner's or aggregator's index
    size_t work = 0;
    size_t read = 0;  // input records
    Status status = Status::ok();
  };
  // Bounded, so a query feeding its own input (INSERT INTO s SELECT ... FROM s) cannot keep a
  // caller here forever; the next poll continues.
  for (int rounds = 0; rounds < options_.max_poll_rounds; ++rounds) {
    std::vector<std::shared_ptr<PersistentQuery>> queries = persistent_snapshot();
    std::vector<Work> tasks;
    for (const auto& q : queries) {
      std::lock_guard<std::shared_mutex> lock(q->mu);
      if (q->terminated) continue;
      // The tasks are sized here, before they run (an input topic may have grown).
      auto parts =
          q->is_join()
              ? q->readers_wanted()
              : static_cast<size_t>(std::max(store_.partitions(q->plan->input.source->topic), 0));
      if (q->next_offsets.size() < parts) q->next_offsets.resize(parts, 0);
      if (q->has_readers()) {
        SLUICE_RETURN_IF_ERROR(ensure_readers(*q, parts, true));
        for (size_t p = 0; p < parts; ++p) tasks.push_back(Work{q.get(), Stage::kReader, p});
      } else {
        SLUICE_RETURN_IF_ERROR(ensure_aggregators(*q, parts, StoreUse::kFresh));
      }
      if (q->repartitions && q->repartition_offsets.size() < q->aggregators.size()) {
        q->repartition_offsets.resize(q->aggregators.size(), 0);
      }
      for (size_t j = 0; j < q->joiners.size(); ++j) {
        tasks.push_back(Work{q.get(), Stage::kJoiner, j});
      }
      for (size_t a = 0; a < q->aggregators.size(); ++a) {
        tasks.push_back(Work{q.get(), Stage::kAggregator, a});
      }
    }
    auto run = [&](Work& t) {
      PersistentQuery& q = *t.q;
      std::shared_lock<std::shared_mutex> lock(q.mu);
      if (q.terminated) return;
      // A statement may have changed the query since the round was planned (CREATE OR REPLACE
      // makes new readers at the next round): a task whose reader is gone waits for it.
      if (t.stage == Stage::kReader
              ? t.partition >= q.readers.size() || t.partition >= q.next_offsets.size()
          : t.stage == Stage::kJoiner ? t.partition >= q.joiners.size()
                                      : t.partition >= q.aggregators.size()) {
        return;
      }
      Result<size_t> n = 0;
      const auto p = static_cast<int32_t>(t.partition);
      if (t.stage == Stage::kJoiner) {
        PersistentQuery::Task& j = *q.joiners[t.partition];
        n = poll_partition(q, q.stage_topic, p, q.join_offsets[t.partition], j.bufs[0], *j.executor,
                           j.inputs, j.outputs,
                           q.plan->aggregate ? repartition_topic(q.id) : q.sink->topic);
      } else if (t.stage == Stage::kReader) {
        PersistentQuery::Task& r = *q.readers[t.partition];
        auto [topic, partition] = q.reader_input(t.partition);
        n = poll_partition(q, *topic, partition, q.next_offsets[t.partition], r.bufs[0],
                           *r.executor, r.inputs, r.outputs,
                           q.repartitions ? q.stage_topic : q.sink->topic);
        if (n) t.read = *n;
      } else {
        PersistentQuery::Task& a = *q.aggregators[t.partition];
        n = q.repartitions
                ? poll_partition(q, q.is_join() ? repartition_topic(q.id) : q.stage_topic, p,
                                 q.repartition_offsets[t.partition], a.bufs[0], *a.executor,
                                 a.inputs, a.outputs, q.sink->topic)
                : poll_partition(q, q.plan->input.source->topic, p, q.next_offsets[t.partition],
                                 a.bufs[0], *a.executor, a.inputs, a.outputs, q.sink->topic);
        if (n && !q.repartitions) t.read = *n;
      }
      if (!n) {
        t.status = n.status();
        return;
      }
      t.work = *n;
      input_records_.fetch_add(t.read, std::memory_order_relaxed);
    };
    if (task_pool_ && tasks.size() > 1) {
      std::vector<std::function<void()>> fns;
      fns.reserve(tasks.size());
      for (Work& t : tasks) fns.emplace_back([&run, &t] { run(t); });
      task_pool_->run(fns);
    } else {
      for (Work& t : tasks) {
        run(t);
        if (!t.status.is_ok()) break;
      }
    }
    for (const auto& q : queries) {
      std::lock_guard<std::shared_mutex> lock(q->mu);
      q->publish();
    }
    size_t round = 0;
    for (const Work& t : tasks) {
      SLUICE_RETURN_IF_ERROR(t.status);
      round += t.work;
    }
    total += round;
    if (round == 0) break;
    if (std::chrono::steady_clock::now() >= deadline || state_over_budget(queries)) {
      checkpoint_due_.store(true, std::memory_order_relaxed);
      break;
    }
  }
  return total;
}

Result<size_t> Engine::poll_partition(PersistentQuery& q, const std::string& topic,
                                      int32_t partition, int64_t& offset, TopicReadBuffer& buf,
                                      QueryExecutor& executor, std::vector<InputRecord>& inputs,
                                      OutputBatch& out, const std::string& output_topic) {
  SLUICE_RETURN_IF_ERROR(
      store_.read_views(topic, partition, offset, options_.poll_batch_records, buf));
  const std::vector<TopicRecordView>& recs = buf.records;
  if (recs.empty()) return 0;
  inputs.resize(recs.size());
  // The partition's read buffer outlives the batches of this process() call.
  for (size_t i = 0; i < recs.size(); ++i) inputs[i] = input_record(recs[i], partition);
  out.clear();
  std::vector<RecordError> errors;
  executor.process(inputs, out, errors);
  // A state store that cannot be read: the query stops here, its outputs and position kept as
  // of the last good batch.
  SLUICE_RETURN_IF_ERROR(executor.state_error().with_context("query " + q.id));
  count_errors(errors);
  SLUICE_RETURN_IF_ERROR(
      write_output(output_topic, out, partition,
                   output_topic == q.sink->topic ? q.sink->window_key_bytes() : 0));
  offset = recs.back().offset + 1;
  return recs.size();
}

Status Engine::write_output(const std::string& topic, const OutputBatch& records,
                            int32_t input_partition, size_t window_key_bytes) {
  if (records.empty()) return Status::ok();
  int32_t parts = store_.partitions(topic);
  if (parts <= 0) return Status::not_found(fmt::format("Topic {} does not exist", topic));
  // One append per output partition, records in their order, as views into `records`.
  std::vector<std::vector<TopicRecordView>> by_partition(static_cast<size_t>(parts));
  for (size_t i = 0; i < records.size(); ++i) {
    auto key = records.key(i);
    // A windowed key goes where its key without the window goes (Kafka Streams'
    // WindowedStreamPartitioner), so that every window of a key is in one partition.
    std::optional<std::string_view> hashed = key;
    if (key && window_key_bytes > 0) {
      hashed = key->substr(0, key->size() - std::min(key->size(), window_key_bytes));
    }
    int32_t p = hashed ? kafka_partition_for_key(*hashed, parts) : input_partition % parts;
    const bool everywhere = records.route(i) == OutputBatch::Route::kEveryPartition;
    for (int32_t to = everywhere ? 0 : p; to < (everywhere ? parts : p + 1); ++to) {
      TopicRecordView& v = by_partition[static_cast<size_t>(to)].emplace_back();
      v.timestamp = records.timestamp(i);
      v.key = key;
      v.value = records.value(i);
    }
  }
  for (int32_t p = 0; p < parts; ++p) {
    const auto& batch = by_partition[static_cast<size_t>(p)];
    if (batch.empty()) continue;
    SLUICE_RETURN_IF_ERROR(output_store_->append_views(topic, p, batch).status());
  }
  return Status::ok();
}

Status Engine::write_output(const DataSource& sink, std::vector<OutputRecord>& records,
                            std::span<const int32_t> input_partitions) {
  if (records.empty()) return Status::ok();
  int32_t parts = store_.partitions(sink.topic);
  if (parts <= 0) return Status::not_found(fmt::format("Topic {} does not exist", sink.topic));
  // One append (one RecordBatch) per output partition, records in their order.
  std::vector<std::vector<TopicRecord>> by_partition(static_cast<size_t>(parts));
  for (size_t i = 0; i < records.size(); ++i) {
    OutputRecord& r = records[i];
    int32_t p = r.key ? kafka_partition_for_key(*r.key, parts) : input_partitions[i] % parts;
    TopicRecord& t = by_partition[static_cast<size_t>(p)].emplace_back();
    t.timestamp = r.timestamp;
    t.key = std::move(r.key);
    t.value = std::move(r.value);
  }
  for (int32_t p = 0; p < parts; ++p) {
    auto& batch = by_partition[static_cast<size_t>(p)];
    if (batch.empty()) continue;
    SLUICE_RETURN_IF_ERROR(store_.append(sink.topic, p, std::move(batch)).status());
  }
  return Status::ok();
}

}  // namespace sluice::sql
