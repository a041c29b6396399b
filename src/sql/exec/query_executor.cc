#include "sql/exec/query_executor.h"

#include "sql/exec/join_operator.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/bytes.h"
#include "sql/functions/cast.h"
#include "sql/functions/time_format.h"
#include "sql/state/state_db.h"

namespace sluice::sql {

using format::ColumnBatch;
using format::RecordBytes;
using format::Vector;

namespace {

Result<const format::Format*> lookup_format(const std::string& name) {
  const format::Format* f = format::find_format(name);
  if (!f) return Status::not_supported_yet(fmt::format("format {}", name));
  return f;
}

// What the value decoder must produce for this plan (by decoder schema column). `whole`: each
// column read is decoded whole (a repartition record carries whole columns), not only the struct
// fields read.
std::vector<format::ColumnUse> value_projection(const QueryPlan& plan, bool whole = false) {
  size_t n = plan.input.schema.size();
  std::vector<format::ColumnUse> by_column(n, format::ColumnUse{false, {}});
  // EXPLODE copies every source column into its expanded batch: decode them all.
  // A join's first stage carries its side's rows whole into the join's state.
  bool all = !plan.table_functions.empty() || plan.join_of;
  if (plan.input.timestamp_column >= 0 && static_cast<size_t>(plan.input.timestamp_column) < n) {
    by_column[static_cast<size_t>(plan.input.timestamp_column)] = format::ColumnUse{};
  }
  if (plan.where) mark_column_use(*plan.where, by_column);
  if (plan.aggregate) {
    // The projection reads the aggregation's result; the aggregation reads the source. A
    // table source's rows are kept whole (their old versions are retracted later).
    if (plan.aggregate->source_is_table) all = true;
    for (const BoundExprPtr& g : plan.aggregate->group_by) mark_column_use(*g, by_column);
    for (const AggregateCall& c : plan.aggregate->calls) {
      for (const BoundExprPtr& a : c.args) mark_column_use(*a, by_column);
    }
  } else {
    for (const OutputColumn& c : plan.columns) {
      if (c.expr) mark_column_use(*c.expr, by_column);
    }
  }
  if (whole) {
    for (format::ColumnUse& u : by_column) {
      if (u.used) u = format::ColumnUse{};
    }
  }
  std::vector<format::ColumnUse> uses;
  for (uint32_t c : plan.input.value_columns) {
    uses.push_back(all || c >= n ? format::ColumnUse{} : by_column[c]);
  }
  return uses;
}

}  // namespace

Result<SourceCodecs> make_source_codecs(const DataSource& source) {
  SourceCodecs c;
  SLUICE_ASSIGN_OR_RETURN(const format::Format* kf, lookup_format(source.key_format.name));
  SLUICE_ASSIGN_OR_RETURN(const format::Format* vf, lookup_format(source.value_format.name));
  SLUICE_ASSIGN_OR_RETURN(
      c.key, kf->make_decoder(source.key_columns(), format::Side::kKey, source.key_format.options));
  SLUICE_ASSIGN_OR_RETURN(c.value, vf->make_decoder(source.value_columns(), format::Side::kValue,
                                                    source.value_format.options));
  return c;
}

Result<SinkCodecs> make_sink_codecs(const DataSource& sink) {
  SinkCodecs c;
  SLUICE_ASSIGN_OR_RETURN(const format::Format* kf, lookup_format(sink.key_format.name));
  SLUICE_ASSIGN_OR_RETURN(const format::Format* vf, lookup_format(sink.value_format.name));
  SLUICE_ASSIGN_OR_RETURN(
      c.key, kf->make_encoder(sink.key_columns(), format::Side::kKey, sink.key_format.options));
  SLUICE_ASSIGN_OR_RETURN(c.value, vf->make_encoder(sink.value_columns(), format::Side::kValue,
                                                    sink.value_format.options));
  return c;
}

// A windowed source's keys: the window at the end of each key (Kafka Streams' time-windowed key:
// the start; session-windowed: the end, then the start) into WINDOWSTART and WINDOWEND, and the
// key without it left for the key's decoder.
void split_windows(const SourcePlan& plan, std::vector<RecordBytes>& keys, ColumnBatch& batch,
                   format::DecodeErrors& errors) {
  auto start_col = static_cast<size_t>(plan.window_start_column);
  Vector& ws = batch.column(start_col);
  Vector& we = batch.column(start_col + 1);
  const DataSource& source = *plan.source;
  const bool session = source.window_type == "SESSION";
  const auto window_bytes = static_cast<uint32_t>(source.window_key_bytes());
  for (size_t i = 0; i < keys.size(); ++i) {
    RecordBytes& k = keys[i];
    if (k.null || k.size < window_bytes) {
      ws.set_null(i);
      we.set_null(i);
      if (!k.null) errors.add(static_cast<uint32_t>(i), "Windowed key is too short");
      continue;
    }
    k.size -= window_bytes;
    int64_t start = static_cast<int64_t>(load_be64(k.data + k.size + window_bytes - 8));
    int64_t end =
        session ? static_cast<int64_t>(load_be64(k.data + k.size)) : start + source.window_size_ms;
    ws.set_valid(i);
    ws.set<int64_t>(i, start);
    we.set_valid(i);
    we.set<int64_t>(i, end);
  }
}

void decode_records(std::span<const InputRecord> records, const SourcePlan& plan,
                    SourceCodecs& codecs, ColumnBatch& batch, std::vector<RecordError>& errors) {
  size_t n = records.size();
  batch.reset();
  batch.reserve(n);
  batch.set_size(n);
  std::vector<RecordBytes> keys(n), values(n);
  for (size_t i = 0; i < n; ++i) {
    batch.rowtime()[i] = records[i].timestamp;
    batch.partition()[i] = records[i].partition;
    batch.offset()[i] = records[i].offset;
    keys[i] = records[i].key;
    values[i] = records[i].value;
  }
  format::DecodeErrors key_errors, value_errors;
  if (plan.window_start_column >= 0) split_windows(plan, keys, batch, key_errors);
  codecs.key->decode(keys, batch, 0, plan.key_columns, key_errors);
  codecs.value->decode(values, batch, 0, plan.value_columns, value_errors);
  for (const SourcePlan::HeaderColumn& hc : plan.header_columns) {
    Vector& v = batch.column(hc.column);
    for (size_t i = 0; i < n; ++i) {
      const auto& headers = records[i].headers;
      if (!hc.all) {
        // HEADER('k'): the value of the last header named k, as BYTES.
        const std::optional<std::string>* found = nullptr;
        for (const auto& h : headers) {
          if (h.first == hc.key) found = &h.second;
        }
        if (!found || !*found) {
          v.set_null(i);
        } else {
          v.set_valid(i);
          v.set_string_unowned(i, **found);
        }
        continue;
      }
      // HEADERS: ARRAY<STRUCT<KEY STRING, VALUE BYTES>> of every header in order.
      v.set_valid(i);
      uint32_t start = v.append_list_slots(static_cast<uint32_t>(headers.size()));
      Vector& entry = v.child(0);
      for (size_t h = 0; h < headers.size(); ++h) {
        uint32_t slot = start + static_cast<uint32_t>(h);
        entry.set_valid(slot);
        entry.child(0).set_valid(slot);
        entry.child(0).set_string_unowned(slot, headers[h].first);
        if (headers[h].second) {
          entry.child(1).set_valid(slot);
          entry.child(1).set_string_unowned(slot, *headers[h].second);
        } else {
          entry.child(1).set_null(slot);
        }
      }
      v.set_list_entry(i, {start, static_cast<uint32_t>(headers.size())});
    }
  }
  std::vector<uint32_t> bad;
  auto report = [&](const format::DecodeErrors& errs) {
    for (const auto& e : errs.errors()) {
      errors.push_back(
          {plan.source->topic, records[e.row].partition, records[e.row].offset, e.message});
      bad.push_back(e.row);
    }
  };
  report(key_errors);
  report(value_errors);
  if (plan.timestamp_column >= 0) {
    const Vector& ts = batch.column(static_cast<size_t>(plan.timestamp_column));
    for (uint32_t r = 0; r < n; ++r) {
      if (batch.value_null()[r]) continue;
      if (ts.is_null(r)) {
        errors.push_back({plan.source->topic, records[r].partition, records[r].offset,
                          "Timestamp column is NULL"});
        bad.push_back(r);
        continue;
      }
      switch (ts.type().id()) {
        case format::TypeId::kBigint:
        case format::TypeId::kTimestamp:
          if (ts.get<int64_t>(r) < 0) {
            errors.push_back({plan.source->topic, records[r].partition, records[r].offset,
                              fmt::format("Negative timestamp {}", ts.get<int64_t>(r))});
            bad.push_back(r);
          }
          batch.rowtime()[r] = ts.get<int64_t>(r);
          break;
        case format::TypeId::kString: {
          auto t = plan.timestamp_format.empty()
                       ? parse_iso_timestamp(ts.get_string(r))
                       : parse_timestamp(ts.get_string(r), plan.timestamp_format);
          if (!t) {
            errors.push_back({plan.source->topic, records[r].partition, records[r].offset,
                              fmt::format("Failed to parse timestamp '{}'", ts.get_string(r))});
            bad.push_back(r);
          } else {
            batch.rowtime()[r] = *t;
          }
          break;
        }
        default:
          break;
      }
    }
  }
  if (plan.source->is_table) {
    // A table row needs a key: ksqlDB skips records whose key is null.
    for (uint32_t r = 0; r < n; ++r) {
      if (batch.key_null()[r] && !plan.key_columns.empty()) bad.push_back(r);
    }
  }
  if (!bad.empty()) {
    std::sort(bad.begin(), bad.end());
    bad.erase(std::unique(bad.begin(), bad.end()), bad.end());
    batch.exclude_rows(bad);
  }
}

Result<std::unique_ptr<QueryExecutor>> QueryExecutor::create(const QueryPlan& plan,
                                                             const DataSource& sink) {
  if (plan.join_of) {
    // A join's first stage: the side's records to the join topic.
    SLUICE_ASSIGN_OR_RETURN(SourceCodecs source, make_source_codecs(*plan.input.source));
    source.value->set_projection(value_projection(plan, /*whole=*/true));
    return std::unique_ptr<QueryExecutor>(
        new QueryExecutor(plan, std::move(source), SinkCodecs{}, Stage::kJoinFeed, -1, ""));
  }
  if (plan.join && !plan.aggregate) return create_join(plan, sink);
  SourceCodecs source;
  if (!plan.join) {  // after a join, the stages decode internal records themselves
    SLUICE_ASSIGN_OR_RETURN(source, make_source_codecs(*plan.input.source));
    source.value->set_projection(value_projection(plan));
  }
  SLUICE_ASSIGN_OR_RETURN(SinkCodecs codecs, make_sink_codecs(sink));
  Stage stage = plan.aggregate && plan.aggregate->repartition ? Stage::kAggregate : Stage::kWhole;
  int timestamp_column = -1;
  if (!sink.timestamp_column.empty()) {
    for (size_t i = 0; i < plan.columns.size(); ++i) {
      if (plan.columns[i].name == sink.timestamp_column) timestamp_column = static_cast<int>(i);
    }
  }
  return std::unique_ptr<QueryExecutor>(new QueryExecutor(
      plan, std::move(source), std::move(codecs), stage, timestamp_column, sink.timestamp_format));
}

Result<std::unique_ptr<QueryExecutor>> QueryExecutor::create_join(const QueryPlan& plan,
                                                                  const DataSource& sink) {
  if (!plan.join) return Status::invalid_argument("the query does not join");
  SinkCodecs codecs;
  int timestamp_column = -1;
  if (!plan.aggregate) {
    SLUICE_ASSIGN_OR_RETURN(codecs, make_sink_codecs(sink));
    for (size_t i = 0; i < plan.columns.size(); ++i) {
      if (plan.columns[i].name == sink.timestamp_column) timestamp_column = static_cast<int>(i);
    }
  }
  return std::unique_ptr<QueryExecutor>(new QueryExecutor(plan, SourceCodecs{}, std::move(codecs),
                                                          Stage::kJoin, timestamp_column,
                                                          sink.timestamp_format));
}

Result<std::unique_ptr<QueryExecutor>> QueryExecutor::create(const QueryPlan& plan,
                                                             SinkCodecs sink) {
  SLUICE_ASSIGN_OR_RETURN(SourceCodecs source, make_source_codecs(*plan.input.source));
  source.value->set_projection(value_projection(plan));
  return std::unique_ptr<QueryExecutor>(
      new QueryExecutor(plan, std::move(source), std::move(sink), Stage::kWhole, -1, ""));
}

Result<std::unique_ptr<QueryExecutor>> QueryExecutor::create_repartition(const QueryPlan& plan) {
  if (!plan.aggregate || !plan.aggregate->repartition) {
    return Status::invalid_argument("the query does not repartition");
  }
  SLUICE_ASSIGN_OR_RETURN(SourceCodecs source, make_source_codecs(*plan.input.source));
  source.value->set_projection(value_projection(plan, /*whole=*/true));
  return std::unique_ptr<QueryExecutor>(
      new QueryExecutor(plan, std::move(source), SinkCodecs{}, Stage::kRepartition, -1, ""));
}

QueryExecutor::QueryExecutor(const QueryPlan& plan, SourceCodecs source, SinkCodecs sink,
                             Stage stage, int timestamp_column, std::string timestamp_format)
    : plan_(plan),
      source_(std::move(source)),
      sink_(std::move(sink)),
      input_(plan.input.schema, 64) {
  const AggregatePlan* agg = plan.aggregate.get();
  // What reaches an aggregation: a table source's records made changes, those passing WHERE.
  auto add_aggregation_input = [&] {
    if (agg->source_is_table) {
      table_changes_step_ = static_cast<int>(ops_.size());
      ops_.push_back(std::make_unique<TableChangesStep>(plan.input));
    }
    if (plan.where) {
      ops_.push_back(std::make_unique<FilterOperator>(*plan.where, agg->num_source_slots, false));
    }
  };
  auto add_aggregation = [&] {
    aggregate_step_ = static_cast<int>(ops_.size());
    ops_.push_back(std::make_unique<AggregateStep>(plan));
  };
  switch (stage) {
    case Stage::kRepartition:
      add_aggregation_input();
      ops_.push_back(std::make_unique<RepartitionSink>(plan));
      break;
    case Stage::kAggregate:
      repartition_codec_ = std::make_unique<RepartitionSink>(plan);
      add_aggregation();
      break;
    case Stage::kJoinFeed:
      ops_.push_back(std::make_unique<JoinFeedSink>(*plan.join_of, plan.join_feed));
      break;
    case Stage::kJoin:
      join_step_ = static_cast<int>(ops_.size());
      ops_.push_back(std::make_unique<JoinStep>(plan));
      if (agg) {
        // The joined rows that pass WHERE, to the aggregation's repartition topic.
        if (plan.where) {
          ops_.push_back(
              std::make_unique<FilterOperator>(*plan.where, agg->num_source_slots, false));
        }
        ops_.push_back(std::make_unique<RepartitionSink>(plan));
        break;
      }
      if (plan.where && !JoinStep::filters(plan)) {
        ops_.push_back(
            std::make_unique<FilterOperator>(*plan.where, plan.num_slots, plan.is_table));
      }
      if (!plan.table_functions.empty()) ops_.push_back(std::make_unique<ExplodeOperator>(plan));
      break;
    case Stage::kWhole:
      if (agg) {
        add_aggregation_input();
        add_aggregation();
      } else {
        if (plan.where) {
          ops_.push_back(
              std::make_unique<FilterOperator>(*plan.where, plan.num_slots, plan.is_table));
        }
        if (!plan.table_functions.empty()) ops_.push_back(std::make_unique<ExplodeOperator>(plan));
      }
      break;
  }
  if (stage != Stage::kRepartition && stage != Stage::kJoinFeed &&
      !(stage == Stage::kJoin && agg)) {
    ops_.push_back(
        std::make_unique<ProjectSink>(plan, timestamp_column, std::move(timestamp_format)));
  }
  for (const auto& op : ops_) states_.push_back(op->make_state());
}

QueryExecutor::~QueryExecutor() = default;

std::string QueryExecutor::describe() const {
  std::string out = repartition_codec_ ? "RepartitionSource"
                    : join_step_ >= 0  ? "JoinSource"
                                       : "Source";
  for (const auto& op : ops_) {
    out += " -> ";
    out += op->name();
  }
  return out;
}

AggregateState* QueryExecutor::groups() const {
  if (aggregate_step_ < 0) return nullptr;
  return &AggregateStep::groups(*states_[static_cast<size_t>(aggregate_step_)]);
}

TableChangesState* QueryExecutor::table() const {
  if (table_changes_step_ < 0) return nullptr;
  return &TableChangesStep::table(*states_[static_cast<size_t>(table_changes_step_)]);
}

Status QueryExecutor::attach_table_store(state::StateStore* store) {
  TableChangesState* t = table();
  return t ? t->attach_store(store) : Status::ok();
}

state::StateStore* QueryExecutor::table_store() const {
  TableChangesState* t = table();
  return t ? t->store() : nullptr;
}

Status QueryExecutor::commit_table(int64_t source_offset, bool flush) {
  TableChangesState* t = table();
  return t ? t->commit(source_offset, flush) : Status::ok();
}

JoinState* QueryExecutor::join_state() const {
  if (join_step_ < 0) return nullptr;
  return &JoinStep::join_state(*states_[static_cast<size_t>(join_step_)]);
}

void QueryExecutor::count_join_state() {
  if (JoinState* j = join_state()) {
    stats_.stateful = true;
    stats_.state_groups = j->entries();
    stats_.state_memory_bytes = j->memory_bytes();
  }
}

void QueryExecutor::take_state_changes(state::ChangeBuffer& out) {
  if (AggregateState* g = groups()) g->take_changes(out);
  if (JoinState* j = join_state()) j->take_changes(out);
}

bool QueryExecutor::state_has_room(size_t records) const {
  AggregateState* g = groups();
  return !g || g->has_room(records);
}

Status QueryExecutor::restore_state(std::span<const state::StateChangeView> records) {
  if (JoinState* j = join_state()) {
    for (const state::StateChangeView& r : records) {
      SLUICE_RETURN_IF_ERROR(j->restore(r.key, r.value.value_or(std::string_view())));
    }
    count_join_state();
    return Status::ok();
  }
  AggregateState* g = groups();
  if (!g) return Status::ok();
  for (const state::StateChangeView& r : records) {
    if (r.value) {
      SLUICE_RETURN_IF_ERROR(g->restore(r.key, *r.value));
    } else {
      g->remove(r.key);  // a tombstone: the group was deleted (a merged session)
    }
  }
  stats_.count_groups(*g);
  return Status::ok();
}

Status QueryExecutor::attach_state_store(state::StateStore* store, size_t cache_bytes) {
  if (JoinState* j = join_state()) {
    Status st = j->attach_store(store);
    count_join_state();
    return st;
  }
  AggregateState* g = groups();
  if (!g) return Status::ok();
  Status st = g->attach_store(store, cache_bytes);
  stats_.count_groups(*g);
  return st;
}

void QueryExecutor::set_state_cache_bytes(size_t cache_bytes) {
  if (AggregateState* g = groups(); g && g->store()) g->set_cache_bytes(cache_bytes);
}

Status QueryExecutor::commit_state(int64_t changelog_end, bool flush) {
  if (JoinState* j = join_state()) {
    Status st = j->commit(changelog_end, flush);
    count_join_state();
    if (const state::StateStore* store = j->store()) {
      stats_.state_store_bytes = store->approximate_bytes();
      stats_.state_store_keys = store->approximate_keys();
    }
    return st;
  }
  AggregateState* g = groups();
  if (!g) return Status::ok();
  Status st = g->commit(changelog_end, flush);
  stats_.count_groups(*g);
  if (const state::StateStore* store = g->store()) {
    stats_.state_store_bytes = store->approximate_bytes();
    stats_.state_store_keys = store->approximate_keys();
  }
  return st;
}

Status QueryExecutor::state_error() const {
  if (TableChangesState* t = table(); t && !t->store_error().is_ok()) return t->store_error();
  if (JoinState* j = join_state()) return j->store_error();
  AggregateState* g = groups();
  return g ? g->store_error() : Status::ok();
}

void QueryExecutor::set_output_buffering(size_t max_bytes) {
  if (AggregateState* g = groups()) g->set_buffering(max_bytes);
}

bool QueryExecutor::buffering() const {
  AggregateState* g = groups();
  return g && g->buffering();
}

void QueryExecutor::flush_buffered(OutputBatch& out, std::vector<RecordError>& errors) {
  if (aggregate_step_ < 0) return;
  const auto a = static_cast<size_t>(aggregate_step_);
  const auto& step = static_cast<const AggregateStep&>(*ops_[a]);
  ExecContext ctx{out, errors, stats_, &sink_};
  while (step.flush(ctx, chunk_, *states_[a])) run(ctx, a + 1);
}

void QueryExecutor::restore_source(std::span<const InputRecord> records) {
  if (table_changes_step_ < 0) return;
  const auto t = static_cast<size_t>(table_changes_step_);
  std::vector<RecordError> ignored;
  OutputBatch none;
  ExecContext ctx{none, ignored, stats_, &sink_};
  constexpr size_t kBatch = format::kDefaultBatchCapacity;
  for (size_t i = 0; i < records.size(); i += kBatch) {
    decode_records(records.subspan(i, std::min(kBatch, records.size() - i)), plan_.input, source_,
                   input_, ignored);
    chunk_.batch = &input_;
    ops_[t]->execute(ctx, chunk_, *states_[t]);
  }
}

void QueryExecutor::process(std::span<const InputRecord> records, std::vector<OutputRecord>& out,
                            std::vector<RecordError>& errors) {
  scratch_out_.clear();
  process(records, scratch_out_, errors);
  out.reserve(out.size() + scratch_out_.size());
  for (size_t i = 0; i < scratch_out_.size(); ++i) {
    OutputRecord& rec = out.emplace_back();
    if (auto k = scratch_out_.key(i)) rec.key = std::string(*k);
    if (auto v = scratch_out_.value(i)) rec.value = std::string(*v);
    rec.timestamp = scratch_out_.timestamp(i);
  }
}

void QueryExecutor::process(std::span<const InputRecord> records, OutputBatch& out,
                            std::vector<RecordError>& errors) {
  constexpr size_t kBatch = format::kDefaultBatchCapacity;
  for (size_t i = 0; i < records.size(); i += kBatch) {
    process_batch(records.subspan(i, std::min(kBatch, records.size() - i)), out, errors);
  }
}

void QueryExecutor::process_batch(std::span<const InputRecord> records, OutputBatch& out,
                                  std::vector<RecordError>& errors) {
  stats_.records_in += records.size();
  size_t errors_before = errors.size();
  if (repartition_codec_) {
    repartition_codec_->decode(records, input_, errors);
  } else if (join_step_ >= 0) {
    const auto j = static_cast<size_t>(join_step_);
    static_cast<const JoinStep&>(*ops_[j]).decode(records, input_, *states_[j], errors);
  } else {
    decode_records(records, plan_.input, source_, input_, errors);
  }
  stats_.decode_errors += errors.size() - errors_before;
  // Rows with a value, and tombstones (a stream's pass through only a query without WHERE,
  // keeping their key; a table's delete their key's row).
  chunk_.batch = &input_;
  chunk_.rows.clear();
  chunk_.tombstones.clear();
  for (size_t i = 0; i < input_.active_rows(); ++i) {
    uint32_t r = input_.row(i);
    (input_.value_null()[r] ? chunk_.tombstones : chunk_.rows).push_back(r);
  }
  ExecContext ctx{out, errors, stats_, &sink_};
  run(ctx, 0);
  count_join_state();
  if (AggregateState* g = groups(); g && g->buffer_full()) flush_buffered(out, errors);
}

void QueryExecutor::run(ExecContext& ctx, size_t from) {
  for (size_t i = from; i < ops_.size(); ++i) ops_[i]->execute(ctx, chunk_, *states_[i]);
}

}  // namespace sluice::sql
