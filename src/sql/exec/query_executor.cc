#include "sql/exec/query_executor.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#include <fmt/format.h>

#include "sql/functions/cast.h"
#include "sql/functions/time_format.h"
#include "sql/functions/vector_ops.h"
#include "sql/state/key_codec.h"
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

// Marks what `e` reads of the batch columns in `uses` (indexed by batch column): a field chain
// s->a->b over a column marks that path, any other column reference the whole column.
void mark_use(const BoundExpr& e, std::vector<format::ColumnUse>& uses) {
  if (e.kind == BoundKind::kField) {
    std::vector<std::pair<size_t, size_t>> path;  // (field index, field count), outermost last
    const BoundExpr* cur = &e;
    while (cur->kind == BoundKind::kField && !cur->children.empty() &&
           cur->children[0]->type.id() == format::TypeId::kStruct) {
      path.emplace_back(static_cast<size_t>(cur->column), cur->children[0]->type.fields().size());
      cur = cur->children[0].get();
    }
    if (cur->kind == BoundKind::kColumn && cur->column >= 0 &&
        static_cast<size_t>(cur->column) < uses.size()) {
      format::ColumnUse* u = &uses[static_cast<size_t>(cur->column)];
      for (auto it = path.rbegin(); it != path.rend(); ++it) {
        if (u->used && u->fields.empty()) return;  // already read whole
        if (!u->used) {
          u->used = true;
          u->fields.assign(it->second, format::ColumnUse{false, {}});
        }
        if (it->first >= u->fields.size()) break;
        u = &u->fields[it->first];
      }
      *u = format::ColumnUse{};
      return;
    }
    mark_use(*cur, uses);
    return;
  }
  if (e.kind == BoundKind::kColumn && e.column >= 0 &&
      static_cast<size_t>(e.column) < uses.size()) {
    uses[static_cast<size_t>(e.column)] = format::ColumnUse{};
  }
  for (const auto& c : e.children) mark_use(*c, uses);
}

// What the value decoder must produce for this plan (by decoder schema column). `whole`: each
// column read is decoded whole (a repartition record carries whole columns), not only the struct
// fields read.
std::vector<format::ColumnUse> value_projection(const QueryPlan& plan, bool whole = false) {
  size_t n = plan.input.schema.size();
  std::vector<format::ColumnUse> by_column(n, format::ColumnUse{false, {}});
  // EXPLODE copies every source column into its expanded batch: decode them all.
  bool all = !plan.table_functions.empty();
  if (plan.input.timestamp_column >= 0 && static_cast<size_t>(plan.input.timestamp_column) < n) {
    by_column[static_cast<size_t>(plan.input.timestamp_column)] = format::ColumnUse{};
  }
  if (plan.where) mark_use(*plan.where, by_column);
  if (plan.aggregate) {
    // The projection reads the aggregation's result; the aggregation reads the source. A
    // table source's rows are kept whole (their old versions are retracted later).
    if (plan.aggregate->source_is_table) all = true;
    for (const BoundExprPtr& g : plan.aggregate->group_by) mark_use(*g, by_column);
    for (const AggregateCall& c : plan.aggregate->calls) {
      for (const BoundExprPtr& a : c.args) mark_use(*a, by_column);
    }
  } else {
    for (const OutputColumn& c : plan.columns) {
      if (c.expr) mark_use(*c.expr, by_column);
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

std::vector<format::Column> output_schema(const QueryPlan& plan) {
  std::vector<format::Column> s;
  for (const auto& c : plan.columns) s.push_back({c.name, c.type});
  return s;
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
  SLUICE_ASSIGN_OR_RETURN(SourceCodecs source, make_source_codecs(*plan.input.source));
  SLUICE_ASSIGN_OR_RETURN(SinkCodecs codecs, make_sink_codecs(sink));
  source.value->set_projection(value_projection(plan));
  Stage stage = plan.aggregate && plan.aggregate->repartition ? Stage::kAggregate : Stage::kWhole;
  auto q = std::unique_ptr<QueryExecutor>(
      new QueryExecutor(plan, std::move(source), std::move(codecs), stage));
  if (!sink.timestamp_column.empty()) {
    for (size_t i = 0; i < plan.columns.size(); ++i) {
      if (plan.columns[i].name == sink.timestamp_column) q->timestamp_column_ = static_cast<int>(i);
      q->timestamp_format_ = sink.timestamp_format;
    }
  }
  return q;
}

Result<std::unique_ptr<QueryExecutor>> QueryExecutor::create(const QueryPlan& plan,
                                                             SinkCodecs sink) {
  SLUICE_ASSIGN_OR_RETURN(SourceCodecs source, make_source_codecs(*plan.input.source));
  source.value->set_projection(value_projection(plan));
  return std::unique_ptr<QueryExecutor>(
      new QueryExecutor(plan, std::move(source), std::move(sink)));
}

Result<std::unique_ptr<QueryExecutor>> QueryExecutor::create_repartition(const QueryPlan& plan) {
  if (!plan.aggregate || !plan.aggregate->repartition) {
    return Status::invalid_argument("the query does not repartition");
  }
  SLUICE_ASSIGN_OR_RETURN(SourceCodecs source, make_source_codecs(*plan.input.source));
  source.value->set_projection(value_projection(plan, /*whole=*/true));
  return std::unique_ptr<QueryExecutor>(
      new QueryExecutor(plan, std::move(source), SinkCodecs{}, Stage::kRepartition));
}

QueryExecutor::QueryExecutor(const QueryPlan& plan, SourceCodecs source, SinkCodecs sink,
                             Stage stage)
    : plan_(plan),
      stage_(stage),
      source_(std::move(source)),
      sink_(std::move(sink)),
      exprs_(plan.num_slots),
      input_(plan.input.schema, 64),
      output_(output_schema(plan), 64) {
  for (size_t i = 0; i < plan.columns.size(); ++i) {
    (plan.columns[i].key ? key_cols_ : value_cols_).push_back(static_cast<uint32_t>(i));
  }
  if (plan.aggregate) {
    aggregate_ = std::make_unique<Aggregation>(plan);
    if (stage != Stage::kWhole) {
      std::vector<format::ColumnUse> uses(plan.input.schema.size(), format::ColumnUse{false, {}});
      for (const BoundExprPtr& g : plan.aggregate->group_by) mark_use(*g, uses);
      for (const AggregateCall& c : plan.aggregate->calls) {
        for (const BoundExprPtr& a : c.args) mark_use(*a, uses);
      }
      for (uint32_t c = 0; c < uses.size(); ++c) {
        (uses[c].used ? carried_ : not_carried_).push_back(c);
      }
    }
  }
}

QueryExecutor::Aggregation::Aggregation(const QueryPlan& plan)
    : op(*plan.aggregate),
      state(op.make_state()),
      exprs(plan.aggregate->num_source_slots),
      result(plan.aggregate->schema, 64) {
  if (plan.aggregate->source_is_table) {
    table_op = std::make_unique<TableChangesOperator>(plan.input);
    table_state = table_op->make_state();
    changes = std::make_unique<ColumnBatch>(plan.input.schema, 64);
  }
}

QueryExecutor::~QueryExecutor() = default;

void QueryExecutor::take_state_changes(std::vector<std::pair<std::string, std::string>>& out) {
  if (aggregate_) aggregate_->state->take_changes(out);
}

Status QueryExecutor::restore_state(std::span<const state::StateChangeView> records) {
  if (!aggregate_) return Status::ok();
  for (const state::StateChangeView& r : records) {
    if (r.value) SLUICE_RETURN_IF_ERROR(aggregate_->state->restore(r.key, *r.value));
  }
  stats_.state_groups = aggregate_->state->groups();
  stats_.state_memory_bytes = aggregate_->state->memory_bytes();
  return Status::ok();
}

Status QueryExecutor::attach_state_store(state::StateStore* store, size_t cache_bytes) {
  if (!aggregate_) return Status::ok();
  Status st = aggregate_->state->attach_store(store, cache_bytes);
  stats_.state_groups = aggregate_->state->groups();
  stats_.state_memory_bytes = aggregate_->state->memory_bytes();
  return st;
}

Status QueryExecutor::commit_state(int64_t changelog_end, bool flush) {
  if (!aggregate_) return Status::ok();
  AggregateState& state = *aggregate_->state;
  Status st = state.commit(changelog_end, flush);
  stats_.state_groups = state.groups();
  stats_.state_memory_bytes = state.memory_bytes();
  if (const state::StateStore* store = state.store()) {
    stats_.state_store_bytes = store->approximate_bytes();
    stats_.state_store_keys = store->approximate_keys();
  }
  return st;
}

Status QueryExecutor::state_error() const {
  return aggregate_ ? aggregate_->state->store_error() : Status::ok();
}

void QueryExecutor::restore_source(std::span<const InputRecord> records) {
  if (!aggregate_ || !aggregate_->table_op) return;
  std::vector<RecordError> ignored;
  constexpr size_t kBatch = format::kDefaultBatchCapacity;
  for (size_t i = 0; i < records.size(); i += kBatch) {
    decode_records(records.subspan(i, std::min(kBatch, records.size() - i)), plan_.input, source_,
                   input_, ignored);
    aggregate_->table_op->execute(input_, *aggregate_->changes, *aggregate_->table_state);
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
  if (stage_ == Stage::kAggregate) {
    decode_repartitioned(records, errors);
  } else {
    decode_records(records, plan_.input, source_, input_, errors);
  }
  stats_.decode_errors += errors.size() - errors_before;
  if (stage_ == Stage::kRepartition) {
    repartition(out);
    return;
  }
  if (aggregate_) {
    process_aggregate(out, errors);
    return;
  }
  uint64_t expr_errors_before = exprs_.errors();

  // Rows with a value (tombstones of a stream have none: they pass through unfiltered only when
  // there is no WHERE, keeping their key).
  std::vector<uint32_t>& valued = valued_;
  std::vector<uint32_t>& tombstones = tombstones_;
  valued.clear();
  tombstones.clear();
  for (size_t i = 0; i < input_.active_rows(); ++i) {
    uint32_t r = input_.row(i);
    (input_.value_null()[r] ? tombstones : valued).push_back(r);
  }
  std::vector<uint32_t>& selected = selected_;
  selected = valued;
  if (plan_.where) {
    selected = exprs_.select(*plan_.where, input_, valued);
    if (!plan_.is_table) {
      tombstones.clear();
    } else {
      // A table row that fails the filter deletes its key downstream (KTable filter semantics).
      std::vector<uint32_t> dropped;
      std::set_difference(valued.begin(), valued.end(), selected.begin(), selected.end(),
                          std::back_inserter(dropped));
      for (uint32_t r : dropped) input_.value_null()[r] = 1;
      std::vector<uint32_t> merged;
      std::merge(tombstones.begin(), tombstones.end(), dropped.begin(), dropped.end(),
                 std::back_inserter(merged));
      tombstones.swap(merged);
    }
  }
  const ColumnBatch* src = &input_;
  if (!plan_.table_functions.empty()) {
    // One row per array element; tombstones carry no arrays and produce nothing.
    expand(input_, selected);
    src = expanded_.get();
    selected.resize(src->size());
    for (uint32_t i = 0; i < selected.size(); ++i) selected[i] = i;
    tombstones.clear();
  }
  stats_.expression_errors += exprs_.errors() - expr_errors_before;
  emit(*src, selected, tombstones, out, errors);
}

const ColumnBatch& QueryExecutor::aggregation_input(std::vector<uint32_t>& selected) {
  Aggregation& agg = *aggregate_;
  const ColumnBatch* changes = &input_;
  if (agg.table_op) {
    agg.table_op->execute(input_, *agg.changes, *agg.table_state);
    changes = agg.changes.get();
  }
  // Rows with a value that pass WHERE (a stream's tombstones do not aggregate; a table's old
  // row fails WHERE exactly when it failed it on arrival, so it was never added).
  std::vector<uint32_t>& valued = valued_;
  valued.clear();
  for (size_t i = 0; i < changes->active_rows(); ++i) {
    uint32_t r = changes->row(i);
    if (!changes->value_null()[r]) valued.push_back(r);
  }
  selected = plan_.where ? agg.exprs.select(*plan_.where, *changes, valued) : valued;
  return *changes;
}

namespace {

// A repartition record's value: change type, source partition and offset, then the carried
// columns (key_codec encoding).
constexpr size_t kRowHeader = 1 + 4 + 8;

}  // namespace

void QueryExecutor::repartition(OutputBatch& out) {
  Aggregation& agg = *aggregate_;
  uint64_t errors_before = agg.exprs.errors();
  std::vector<uint32_t>& selected = selected_;
  const ColumnBatch& changes = aggregation_input(selected);
  std::vector<const Vector*> groups;
  for (const BoundExprPtr& g : plan_.aggregate->group_by) {
    groups.push_back(&agg.exprs.eval(*g, changes, selected));
  }
  std::string key;
  size_t out_before = out.size();
  for (uint32_t r : selected) {
    key.clear();
    bool null_group = false;
    for (const Vector* g : groups) {
      if (g->is_null(r)) null_group = true;
      state::encode_value(*g, r, key);
    }
    if (null_group) continue;  // joins no group (ksqlDB drops it at its GroupBy step)
    std::string& value = row_bytes_;
    value.resize(kRowHeader);
    value[0] = static_cast<char>(changes.change()[r]);
    int32_t partition = changes.partition()[r];
    int64_t offset = changes.offset()[r];
    std::memcpy(value.data() + 1, &partition, 4);
    std::memcpy(value.data() + 5, &offset, 8);
    for (uint32_t c : carried_) state::encode_value(changes.column(c), r, value);
    out.add(key, value, changes.rowtime()[r]);
  }
  stats_.records_out += out.size() - out_before;
  stats_.expression_errors += agg.exprs.errors() - errors_before;
}

void QueryExecutor::decode_repartitioned(std::span<const InputRecord> records,
                                         std::vector<RecordError>& errors) {
  size_t n = records.size();
  input_.reset();
  input_.reserve(n);
  input_.set_size(n);
  std::vector<uint32_t> bad;
  for (uint32_t i = 0; i < n; ++i) {
    const InputRecord& rec = records[i];
    input_.rowtime()[i] = rec.timestamp;
    input_.key_null()[i] = 0;
    input_.value_null()[i] = 0;
    for (uint32_t c : not_carried_) input_.column(c).set_null(i);
    std::string_view v = rec.value.null ? std::string_view() : rec.value.view();
    Status st = v.size() >= kRowHeader && static_cast<uint8_t>(v[0]) <= 3
                    ? Status::ok()
                    : Status::corruption("truncated header");
    if (st.is_ok()) {
      input_.change()[i] = static_cast<format::Change>(v[0]);
      int32_t partition = 0;
      int64_t offset = 0;
      std::memcpy(&partition, v.data() + 1, 4);
      std::memcpy(&offset, v.data() + 5, 8);
      input_.partition()[i] = partition;
      input_.offset()[i] = offset;
      v.remove_prefix(kRowHeader);
      for (uint32_t c : carried_) {
        st = state::decode_value(v, input_.column(c), i);
        if (!st.is_ok()) break;
      }
    }
    if (!st.is_ok()) {
      errors.push_back({plan_.input.source->topic, rec.partition, rec.offset,
                        "Cannot decode a repartition record: " + st.message()});
      bad.push_back(i);
    }
  }
  if (!bad.empty()) input_.exclude_rows(bad);
}

void QueryExecutor::process_aggregate(OutputBatch& out, std::vector<RecordError>& errors) {
  Aggregation& agg = *aggregate_;
  uint64_t errors_before = agg.exprs.errors();
  std::vector<uint32_t>& selected = selected_;
  const ColumnBatch* changes = &input_;
  if (stage_ == Stage::kAggregate) {
    // The first stage made the changes and applied WHERE.
    selected.clear();
    for (size_t i = 0; i < input_.active_rows(); ++i) selected.push_back(input_.row(i));
  } else {
    changes = &aggregation_input(selected);
  }
  agg.op.execute(*changes, selected, agg.exprs, agg.result, *agg.state);
  stats_.expression_errors += agg.exprs.errors() - errors_before;
  stats_.state_groups = agg.state->groups();
  stats_.state_memory_bytes = agg.state->memory_bytes();
  if (agg.state->buffering()) {
    if (agg.state->buffer_full()) flush_buffered(out, errors);
    return;
  }
  emit_results(out, errors);
}

void QueryExecutor::set_output_buffering(size_t max_bytes) {
  if (aggregate_) aggregate_->state->set_buffering(max_bytes);
}

bool QueryExecutor::buffering() const {
  return aggregate_ && aggregate_->state->buffering();
}

void QueryExecutor::flush_buffered(OutputBatch& out, std::vector<RecordError>& errors) {
  if (!aggregate_) return;
  Aggregation& agg = *aggregate_;
  while (agg.state->waiting() > 0) {
    agg.op.flush(*agg.state, format::kDefaultBatchCapacity, agg.result);
    emit_results(out, errors);
  }
}

void QueryExecutor::emit_results(OutputBatch& out, std::vector<RecordError>& errors) {
  Aggregation& agg = *aggregate_;
  uint64_t errors_before = exprs_.errors();
  // HAVING: a group whose result fails it is deleted downstream if its last result passed,
  // otherwise nothing is emitted (KTable filter semantics).
  std::vector<uint32_t>& visible = rows_;
  std::vector<uint32_t>& deleted = tombstones_;
  visible.clear();
  deleted.clear();
  std::span<AggregateGroup* const> groups = agg.state->output_groups();
  std::vector<uint32_t>& all = valued_;  // free again
  all.resize(agg.result.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  std::vector<uint32_t>& passed = selected_;
  passed = all;
  if (plan_.aggregate->having) passed = exprs_.select(*plan_.aggregate->having, agg.result, all);
  size_t p = 0;
  for (uint32_t r : all) {
    bool pass = p < passed.size() && passed[p] == r;
    if (pass) ++p;
    if (pass) {
      visible.push_back(r);
      groups[r]->visible = true;
    } else if (groups[r]->visible) {
      deleted.push_back(r);
      agg.result.value_null()[r] = 1;
      groups[r]->visible = false;
    }
  }
  stats_.expression_errors += exprs_.errors() - errors_before;
  emit(agg.result, visible, deleted, out, errors);
}

void QueryExecutor::emit(const ColumnBatch& source, const std::vector<uint32_t>& selected,
                         const std::vector<uint32_t>& tombstones, OutputBatch& out,
                         std::vector<RecordError>& errors) {
  const ColumnBatch* src = &source;
  std::vector<uint32_t>& rows = merged_;
  rows.clear();
  rows.reserve(selected.size() + tombstones.size());
  std::merge(selected.begin(), selected.end(), tombstones.begin(), tombstones.end(),
             std::back_inserter(rows));

  output_.reset();
  output_.reserve(src->size());
  output_.set_size(src->size());
  for (uint32_t r : rows) {
    output_.rowtime()[r] = src->rowtime()[r];
    output_.partition()[r] = src->partition()[r];
    output_.offset()[r] = src->offset()[r];
    output_.value_null()[r] = src->value_null()[r];
    output_.key_null()[r] = 0;
  }
  for (size_t c = 0; c < plan_.columns.size(); ++c) {
    const OutputColumn& col = plan_.columns[c];
    Vector& dst = output_.column(c);
    // Tombstones keep their key: a carried key column, or a re-key that reads only key columns
    // (and, in a transient query, any column that reads only the key).
    bool for_tombstones = col.key ? (!plan_.rekeyed || col.key_only) : col.key_only;
    const std::vector<uint32_t>& eval_rows = for_tombstones ? rows : selected;
    if (!eval_rows.empty()) {
      copy_rows(exprs_.eval(*col.expr, *src, eval_rows), eval_rows, dst, StringCopy::kView);
    }
    if (!for_tombstones) {
      for (uint32_t r : tombstones) set_null_row(dst, r);
    }
  }
  if (!key_cols_.empty()) {
    for (uint32_t r : rows) {
      if (!plan_.rekeyed) {
        output_.key_null()[r] = src->key_null()[r];
        continue;
      }
      // A single NULL key column is a null key; several make an object of NULLs.
      output_.key_null()[r] = key_cols_.size() == 1 && output_.column(key_cols_[0]).is_null(r);
    }
  }
  output_.set_selection(rows);
  const ColumnBatch* result = &output_;

  keys_.clear();
  values_.clear();
  Status encoded = sink_.key->encode(*result, key_cols_, keys_);
  if (encoded.is_ok()) encoded = sink_.value->encode(*result, value_cols_, values_);
  if (!encoded.is_ok()) {
    // A plan that does not match its sink's formats: every row fails, the query goes on.
    for (size_t i = 0; i < result->active_rows(); ++i) {
      uint32_t row = result->row(i);
      errors.push_back({plan_.input.source->topic, result->partition()[row], result->offset()[row],
                        "Cannot encode the result: " + encoded.message()});
    }
    return;
  }
  size_t out_before = out.size();
  for (size_t i = 0; i < result->active_rows(); ++i) {
    uint32_t row = result->row(i);
    RecordBytes k = keys_.record(i), v = values_.record(i);
    std::optional<std::string_view> key, value;
    if (!k.null && !result->key_null()[row]) key = k.view();
    if (!v.null) value = v.view();
    int64_t timestamp = result->rowtime()[row];
    if (timestamp_column_ >= 0) {
      // The sink's TIMESTAMP column gives the record time; a row without a valid one is
      // dropped, as ksqlDB's timestamp extractor does.
      const Vector& ts = result->column(static_cast<size_t>(timestamp_column_));
      std::optional<int64_t> t;
      if (!ts.is_null(row)) {
        if (ts.type().id() == format::TypeId::kString) {
          t = timestamp_format_.empty() ? parse_iso_timestamp(ts.get_string(row))
                                        : parse_timestamp(ts.get_string(row), timestamp_format_);
        } else {
          t = ts.get<int64_t>(row);
        }
      }
      if (!t || *t < 0) {
        errors.push_back({plan_.input.source->topic, result->partition()[row],
                          result->offset()[row],
                          "Invalid timestamp for the sink's TIMESTAMP column"});
        continue;
      }
      timestamp = *t;
    }
    out.add(key, value, timestamp);
  }
  stats_.records_out += out.size() - out_before;
}

void QueryExecutor::expand(const ColumnBatch& in, std::span<const uint32_t> rows) {
  std::vector<const Vector*> arrays;
  for (const auto& tf : plan_.table_functions) arrays.push_back(&exprs_.eval(*tf, in, rows));
  std::vector<uint32_t> counts(rows.size(), 0);
  size_t total = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    for (const Vector* v : arrays) {
      if (!v->is_null(rows[i])) counts[i] = std::max(counts[i], v->list_entry(rows[i]).length);
    }
    total += counts[i];
  }
  if (!expanded_) expanded_ = std::make_unique<ColumnBatch>(plan_.expanded_schema, 64);
  expanded_->reset();
  expanded_->reserve(std::max<size_t>(total, 1));
  expanded_->set_size(total);
  size_t source_columns = plan_.input.schema.size();
  size_t o = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    uint32_t r = rows[i];
    for (uint32_t k = 0; k < counts[i]; ++k, ++o) {
      expanded_->rowtime()[o] = in.rowtime()[r];
      expanded_->partition()[o] = in.partition()[r];
      expanded_->offset()[o] = in.offset()[r];
      expanded_->value_null()[o] = 0;
      expanded_->key_null()[o] = in.key_null()[r];
      for (size_t c = 0; c < source_columns; ++c) {
        copy_row(in.column(c), r, expanded_->column(c), o, StringCopy::kView);
      }
      for (size_t t = 0; t < arrays.size(); ++t) {
        Vector& dst = expanded_->column(source_columns + t);
        const Vector* v = arrays[t];
        if (v->is_null(r) || k >= v->list_entry(r).length) {
          set_null_row(dst, o);
        } else {
          copy_row(v->child(0), v->list_entry(r).offset + k, dst, o, StringCopy::kView);
        }
      }
    }
  }
}

}  // namespace sluice::sql
