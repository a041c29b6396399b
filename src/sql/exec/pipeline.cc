#include "sql/exec/pipeline.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#include <fmt/format.h>

#include "common/bytes.h"
#include "sql/exec/query_executor.h"
#include "sql/functions/cast.h"
#include "sql/functions/time_format.h"
#include "sql/functions/vector_ops.h"
#include "sql/state/key_codec.h"

namespace sluice::sql {

using format::ColumnBatch;
using format::RecordBytes;
using format::Vector;

void mark_column_use(const BoundExpr& e, std::vector<format::ColumnUse>& uses) {
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
    mark_column_use(*cur, uses);
    return;
  }
  if (e.kind == BoundKind::kColumn && e.column >= 0 &&
      static_cast<size_t>(e.column) < uses.size()) {
    uses[static_cast<size_t>(e.column)] = format::ColumnUse{};
  }
  for (const auto& c : e.children) mark_column_use(*c, uses);
}

namespace {

// An operator's scratch: an expression state over its slot space.
struct ExprsState final : OperatorState {
  explicit ExprsState(uint32_t slots) : exprs(slots) {}
  ExpressionState exprs;
};

// Counts the expression errors of a step into the task's stats.
class CountErrors {
 public:
  CountErrors(ExecContext& ctx, const ExpressionState& exprs)
      : ctx_(ctx), exprs_(exprs), before_(exprs.errors()) {}
  ~CountErrors() { ctx_.stats.expression_errors += exprs_.errors() - before_; }
  CountErrors(const CountErrors&) = delete;
  CountErrors& operator=(const CountErrors&) = delete;

 private:
  ExecContext& ctx_;
  const ExpressionState& exprs_;
  uint64_t before_;
};

}  // namespace

// ---- Filter --------------------------------------------------------------------------------

std::unique_ptr<OperatorState> FilterOperator::make_state() const {
  return std::make_unique<ExprsState>(slots_);
}

void FilterOperator::execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const {
  ExpressionState& exprs = static_cast<ExprsState&>(state).exprs;
  CountErrors count(ctx, exprs);
  std::vector<uint32_t> passed = exprs.select(where_, *chunk.batch, chunk.rows);
  if (!table_) {
    chunk.rows.swap(passed);
    chunk.tombstones.clear();
    return;
  }
  // A table row that fails the filter deletes its key downstream.
  std::vector<uint32_t> dropped;
  std::set_difference(chunk.rows.begin(), chunk.rows.end(), passed.begin(), passed.end(),
                      std::back_inserter(dropped));
  for (uint32_t r : dropped) chunk.batch->value_null()[r] = 1;
  std::vector<uint32_t> merged;
  std::merge(chunk.tombstones.begin(), chunk.tombstones.end(), dropped.begin(), dropped.end(),
             std::back_inserter(merged));
  chunk.tombstones.swap(merged);
  chunk.rows.swap(passed);
}

// ---- Explode -------------------------------------------------------------------------------

namespace {

struct ExplodeState final : OperatorState {
  ExplodeState(uint32_t slots, const std::vector<format::Column>& schema)
      : exprs(slots), expanded(schema, 64) {}
  ExpressionState exprs;
  ColumnBatch expanded;
};

}  // namespace

std::unique_ptr<OperatorState> ExplodeOperator::make_state() const {
  return std::make_unique<ExplodeState>(plan_.num_slots, plan_.expanded_schema);
}

void ExplodeOperator::execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const {
  auto& st = static_cast<ExplodeState&>(state);
  CountErrors count(ctx, st.exprs);
  const ColumnBatch& in = *chunk.batch;
  std::span<const uint32_t> rows = chunk.rows;
  std::vector<const Vector*> arrays;
  for (const auto& tf : plan_.table_functions) arrays.push_back(&st.exprs.eval(*tf, in, rows));
  std::vector<uint32_t> counts(rows.size(), 0);
  size_t total = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    for (const Vector* v : arrays) {
      if (!v->is_null(rows[i])) counts[i] = std::max(counts[i], v->list_entry(rows[i]).length);
    }
    total += counts[i];
  }
  ColumnBatch& out = st.expanded;
  out.reset();
  out.reserve(std::max<size_t>(total, 1));
  out.set_size(total);
  size_t source_columns = plan_.input.schema.size();
  size_t o = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    uint32_t r = rows[i];
    for (uint32_t k = 0; k < counts[i]; ++k, ++o) {
      out.rowtime()[o] = in.rowtime()[r];
      out.partition()[o] = in.partition()[r];
      out.offset()[o] = in.offset()[r];
      out.value_null()[o] = 0;
      out.key_null()[o] = in.key_null()[r];
      for (size_t c = 0; c < source_columns; ++c) {
        copy_row(in.column(c), r, out.column(c), o, StringCopy::kView);
      }
      for (size_t t = 0; t < arrays.size(); ++t) {
        Vector& dst = out.column(source_columns + t);
        const Vector* v = arrays[t];
        if (v->is_null(r) || k >= v->list_entry(r).length) {
          set_null_row(dst, o);
        } else {
          copy_row(v->child(0), v->list_entry(r).offset + k, dst, o, StringCopy::kView);
        }
      }
    }
  }
  // One row per array element; tombstones carry no arrays and produce nothing.
  chunk.batch = &out;
  chunk.rows.resize(total);
  for (uint32_t i = 0; i < total; ++i) chunk.rows[i] = i;
  chunk.tombstones.clear();
}

// ---- TableChanges --------------------------------------------------------------------------

namespace {

struct TableChangesStepState final : OperatorState {
  TableChangesStepState(const TableChangesOperator& op, const SourcePlan& source)
      : table(op.make_state()), changes(source.schema, 64) {}
  std::unique_ptr<TableChangesState> table;
  ColumnBatch changes;
};

}  // namespace

std::unique_ptr<OperatorState> TableChangesStep::make_state() const {
  return std::make_unique<TableChangesStepState>(op_, source_);
}

TableChangesState& TableChangesStep::table(OperatorState& state) {
  return *static_cast<TableChangesStepState&>(state).table;
}

void TableChangesStep::execute(ExecContext& /*ctx*/, Chunk& chunk, OperatorState& state) const {
  auto& st = static_cast<TableChangesStepState&>(state);
  // Every record of the batch (tombstones too) makes changes; each change has a value (a delete
  // carries the old row).
  op_.execute(*chunk.batch, st.changes, *st.table);
  chunk.batch = &st.changes;
  chunk.rows.clear();
  for (size_t i = 0; i < st.changes.active_rows(); ++i) chunk.rows.push_back(st.changes.row(i));
  chunk.tombstones.clear();
}

// ---- Aggregate -----------------------------------------------------------------------------

namespace {

struct AggregateStepState final : OperatorState {
  AggregateStepState(const QueryPlan& plan, const AggregateOperator& op)
      : groups(op.make_state()),
        source_exprs(plan.aggregate->num_source_slots),
        result_exprs(plan.num_slots),
        result(plan.aggregate->schema, 64) {}
  std::unique_ptr<AggregateState> groups;
  ExpressionState source_exprs;  // grouping values and arguments
  ExpressionState result_exprs;  // HAVING
  ColumnBatch result;
};

}  // namespace

std::unique_ptr<OperatorState> AggregateStep::make_state() const {
  return std::make_unique<AggregateStepState>(plan_, op_);
}

AggregateState& AggregateStep::groups(OperatorState& state) {
  return *static_cast<AggregateStepState&>(state).groups;
}

void AggregateStep::execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const {
  auto& st = static_cast<AggregateStepState&>(state);
  {
    CountErrors count(ctx, st.source_exprs);
    op_.execute(*chunk.batch, chunk.rows, st.source_exprs, st.result, *st.groups);
  }
  // A windowed aggregation's late records go to the error topic, with why.
  for (const AggregateState::LateRow& late : st.groups->late_rows()) {
    const ColumnBatch& in = *chunk.batch;
    int64_t ts = in.rowtime()[late.row];
    ctx.errors.push_back(
        {plan_.input.source->topic, in.partition()[late.row], in.offset()[late.row],
         late.window_end < 0
             ? fmt::format("Negative timestamp {}: the record is in no window", ts)
             : fmt::format("Late record dropped from its window ending at {}, closed before "
                           "it arrived (timestamp {}, grace period {} ms, stream time {})",
                           late.window_end, ts, plan_.aggregate->window->grace,
                           st.groups->stream_time())});
  }
  ctx.stats.count_groups(*st.groups);
  chunk.batch = &st.result;
  chunk.rows.clear();
  chunk.tombstones.clear();
  // Buffering, the results wait for a flush (here when the buffer is full).
  if (st.groups->buffering()) return;
  having(ctx, chunk, state);
}

bool AggregateStep::flush(ExecContext& ctx, Chunk& chunk, OperatorState& state) const {
  auto& st = static_cast<AggregateStepState&>(state);
  if (st.groups->waiting() == 0) return false;
  op_.flush(*st.groups, format::kDefaultBatchCapacity, st.result);
  chunk.batch = &st.result;
  having(ctx, chunk, state);
  return true;
}

void AggregateStep::having(ExecContext& ctx, Chunk& chunk, OperatorState& state) const {
  auto& st = static_cast<AggregateStepState&>(state);
  CountErrors count(ctx, st.result_exprs);
  // HAVING: a group whose result fails it is deleted downstream if its last result passed,
  // otherwise nothing is emitted (KTable filter semantics).
  std::span<AggregateGroup* const> groups = st.groups->output_groups();
  std::vector<uint32_t> all(st.result.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  std::vector<uint32_t> passed =
      plan_.aggregate->having ? st.result_exprs.select(*plan_.aggregate->having, st.result, all)
                              : all;
  chunk.rows.clear();
  chunk.tombstones.clear();
  size_t p = 0;
  size_t deleted = 0;
  for (uint32_t r : all) {
    bool pass = p < passed.size() && passed[p] == r;
    if (pass) ++p;
    if (!groups[r]) {
      // A session merged into another: its result goes if it had been emitted (before this
      // batch, or by an earlier row of it).
      AggregateGroup* gone = st.groups->deleted_groups()[deleted++];
      if (gone->visible) chunk.tombstones.push_back(r);
      gone->visible = false;
      continue;
    }
    if (pass) {
      chunk.rows.push_back(r);
      groups[r]->visible = true;
    } else if (groups[r]->visible) {
      chunk.tombstones.push_back(r);
      st.result.value_null()[r] = 1;
      groups[r]->visible = false;
    }
  }
}

// ---- RepartitionSink -----------------------------------------------------------------------

namespace {

// A repartition record's value: change type, source partition and offset, then the carried
// columns (key_codec encoding).
constexpr size_t kRowHeader = 1 + 4 + 8;

struct RepartitionState final : OperatorState {
  explicit RepartitionState(uint32_t slots) : exprs(slots) {}
  ExpressionState exprs;
  std::string key, value;
};

}  // namespace

RepartitionSink::RepartitionSink(const QueryPlan& plan) : plan_(plan) {
  std::vector<format::ColumnUse> uses(plan.input.schema.size(), format::ColumnUse{false, {}});
  for (const BoundExprPtr& g : plan.aggregate->group_by) mark_column_use(*g, uses);
  for (const AggregateCall& c : plan.aggregate->calls) {
    for (const BoundExprPtr& a : c.args) mark_column_use(*a, uses);
  }
  for (uint32_t c = 0; c < uses.size(); ++c) (uses[c].used ? carried_ : not_carried_).push_back(c);
  uses_ = std::move(uses);
}

std::unique_ptr<OperatorState> RepartitionSink::make_state() const {
  return std::make_unique<RepartitionState>(plan_.aggregate->num_source_slots);
}

void RepartitionSink::execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const {
  auto& st = static_cast<RepartitionState&>(state);
  CountErrors count(ctx, st.exprs);
  const ColumnBatch& changes = *chunk.batch;
  std::vector<const Vector*> groups;
  for (const BoundExprPtr& g : plan_.aggregate->group_by) {
    groups.push_back(&st.exprs.eval(*g, changes, chunk.rows));
  }
  size_t out_before = ctx.out.size();
  for (uint32_t r : chunk.rows) {
    st.key.clear();
    bool null_group = false;
    for (const Vector* g : groups) {
      if (g->is_null(r)) null_group = true;
      state::encode_value(*g, r, st.key);
    }
    if (null_group) continue;  // joins no group (ksqlDB drops it at its GroupBy step)
    std::string& value = st.value;
    value.resize(kRowHeader);
    value[0] = static_cast<char>(changes.change()[r]);
    int32_t partition = changes.partition()[r];
    int64_t offset = changes.offset()[r];
    std::memcpy(value.data() + 1, &partition, 4);
    std::memcpy(value.data() + 5, &offset, 8);
    for (uint32_t c : carried_) state::encode_used_value(changes.column(c), r, uses_[c], value);
    ctx.out.add(st.key, value, changes.rowtime()[r]);
  }
  ctx.stats.records_out += ctx.out.size() - out_before;
}

void RepartitionSink::decode(std::span<const InputRecord> records, ColumnBatch& batch,
                             std::vector<RecordError>& errors) const {
  size_t n = records.size();
  batch.reset();
  batch.reserve(n);
  batch.set_size(n);
  std::vector<uint32_t> bad;
  for (uint32_t i = 0; i < n; ++i) {
    const InputRecord& rec = records[i];
    batch.rowtime()[i] = rec.timestamp;
    batch.key_null()[i] = 0;
    batch.value_null()[i] = 0;
    for (uint32_t c : not_carried_) batch.column(c).set_null(i);
    std::string_view v = rec.value.null ? std::string_view() : rec.value.view();
    Status st = v.size() >= kRowHeader && static_cast<uint8_t>(v[0]) <= 3
                    ? Status::ok()
                    : Status::corruption("truncated header");
    if (st.is_ok()) {
      batch.change()[i] = static_cast<format::Change>(v[0]);
      int32_t partition = 0;
      int64_t offset = 0;
      std::memcpy(&partition, v.data() + 1, 4);
      std::memcpy(&offset, v.data() + 5, 8);
      batch.partition()[i] = partition;
      batch.offset()[i] = offset;
      v.remove_prefix(kRowHeader);
      for (uint32_t c : carried_) {
        st = state::decode_value(v, batch.column(c), i);
        if (!st.is_ok()) break;
      }
    }
    if (!st.is_ok()) {
      errors.push_back({plan_.input.source->topic, rec.partition, rec.offset,
                        "Cannot decode a repartition record: " + st.message()});
      bad.push_back(i);
    }
  }
  if (!bad.empty()) batch.exclude_rows(bad);
}

// ---- ProjectSink ---------------------------------------------------------------------------

namespace {

std::vector<format::Column> output_schema(const QueryPlan& plan) {
  std::vector<format::Column> s;
  for (const auto& c : plan.columns) s.push_back({c.name, c.type});
  return s;
}

struct ProjectState final : OperatorState {
  explicit ProjectState(const QueryPlan& plan)
      : exprs(plan.num_slots), output(output_schema(plan), 64) {}
  ExpressionState exprs;
  ColumnBatch output;
  std::vector<uint32_t> rows;
  format::EncodedRecords keys, values;
  std::string windowed_key;
};

}  // namespace

ProjectSink::ProjectSink(const QueryPlan& plan, int timestamp_column, std::string timestamp_format)
    : plan_(plan),
      timestamp_column_(timestamp_column),
      timestamp_format_(std::move(timestamp_format)) {
  for (size_t i = 0; i < plan.columns.size(); ++i) {
    (plan.columns[i].key ? key_cols_ : value_cols_).push_back(static_cast<uint32_t>(i));
  }
  if (plan.aggregate && plan.aggregate->window) {
    window_start_column_ = static_cast<int>(plan.aggregate->group_by.size());
    session_window_ = plan.aggregate->window->session;
  } else if (!plan.aggregate && plan.input.window_start_column >= 0) {
    window_start_column_ = plan.input.window_start_column;
    session_window_ = plan.input.source->window_type == "SESSION";
  }
}

std::unique_ptr<OperatorState> ProjectSink::make_state() const {
  return std::make_unique<ProjectState>(plan_);
}

void ProjectSink::execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const {
  if (chunk.empty()) return;
  auto& st = static_cast<ProjectState&>(state);
  CountErrors count(ctx, st.exprs);
  const ColumnBatch* src = chunk.batch;
  const std::vector<uint32_t>& selected = chunk.rows;
  const std::vector<uint32_t>& tombstones = chunk.tombstones;
  std::vector<uint32_t>& rows = st.rows;
  rows.clear();
  rows.reserve(selected.size() + tombstones.size());
  std::merge(selected.begin(), selected.end(), tombstones.begin(), tombstones.end(),
             std::back_inserter(rows));

  ColumnBatch& output = st.output;
  output.reset();
  output.reserve(src->size());
  output.set_size(src->size());
  for (uint32_t r : rows) {
    output.rowtime()[r] = src->rowtime()[r];
    output.partition()[r] = src->partition()[r];
    output.offset()[r] = src->offset()[r];
    output.value_null()[r] = src->value_null()[r];
    output.key_null()[r] = 0;
  }
  for (size_t c = 0; c < plan_.columns.size(); ++c) {
    const OutputColumn& col = plan_.columns[c];
    Vector& dst = output.column(c);
    // Tombstones keep their key: a carried key column, or a re-key that reads only key columns
    // (and, in a transient query, any column that reads only the key).
    bool for_tombstones = col.key ? (!plan_.rekeyed || col.key_only) : col.key_only;
    const std::vector<uint32_t>& eval_rows = for_tombstones ? rows : selected;
    if (!eval_rows.empty()) {
      copy_rows(st.exprs.eval(*col.expr, *src, eval_rows), eval_rows, dst, StringCopy::kView);
    }
    if (!for_tombstones) {
      for (uint32_t r : tombstones) set_null_row(dst, r);
    }
  }
  if (!key_cols_.empty()) {
    for (uint32_t r : rows) {
      if (!plan_.rekeyed) {
        output.key_null()[r] = src->key_null()[r];
        continue;
      }
      // A single NULL key column is a null key; several make an object of NULLs.
      output.key_null()[r] = key_cols_.size() == 1 && output.column(key_cols_[0]).is_null(r);
    }
  }
  output.set_selection(rows);

  st.keys.clear();
  st.values.clear();
  Status encoded = ctx.sink->key->encode(output, key_cols_, st.keys);
  if (encoded.is_ok()) encoded = ctx.sink->value->encode(output, value_cols_, st.values);
  if (!encoded.is_ok()) {
    // A plan that does not match its sink's formats: every row fails, the query goes on.
    for (size_t i = 0; i < output.active_rows(); ++i) {
      uint32_t row = output.row(i);
      ctx.errors.push_back({plan_.input.source->topic, output.partition()[row],
                            output.offset()[row],
                            "Cannot encode the result: " + encoded.message()});
    }
    return;
  }
  size_t out_before = ctx.out.size();
  // Rows a registered schema cannot hold go to the error handler instead of the sink.
  const std::vector<format::RowError>& key_errors = st.keys.errors();
  const std::vector<format::RowError>& value_errors = st.values.errors();
  size_t next_key_error = 0, next_value_error = 0;
  auto encode_error = [&](const std::vector<format::RowError>& errors, size_t& next,
                          size_t i) -> const std::string* {
    while (next < errors.size() && errors[next].row < i) ++next;
    return next < errors.size() && errors[next].row == i ? &errors[next].message : nullptr;
  };
  for (size_t i = 0; i < output.active_rows(); ++i) {
    uint32_t row = output.row(i);
    const std::string* key_error = encode_error(key_errors, next_key_error, i);
    const std::string* value_error = encode_error(value_errors, next_value_error, i);
    if (key_error || value_error) {
      ctx.errors.push_back({plan_.input.source->topic, output.partition()[row],
                            output.offset()[row], key_error ? *key_error : *value_error});
      continue;
    }
    RecordBytes k = st.keys.record(i), v = st.values.record(i);
    std::optional<std::string_view> key, value;
    if (!k.null && !output.key_null()[row]) key = k.view();
    if (key && window_start_column_ >= 0) {
      // Kafka Streams' windowed key: a session's end then start, a time window's start.
      st.windowed_key.assign(*key);
      auto append = [&](size_t column) {
        uint8_t b[8];
        store_be64(b, static_cast<uint64_t>(src->column(column).get<int64_t>(row)));
        st.windowed_key.append(reinterpret_cast<const char*>(b), 8);
      };
      auto start = static_cast<size_t>(window_start_column_);
      if (session_window_) append(start + 1);
      append(start);
      key = st.windowed_key;
    }
    if (!v.null) value = v.view();
    int64_t timestamp = output.rowtime()[row];
    if (timestamp_column_ >= 0) {
      // The sink's TIMESTAMP column gives the record time; a row without a valid one is
      // dropped, as ksqlDB's timestamp extractor does.
      const Vector& ts = output.column(static_cast<size_t>(timestamp_column_));
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
        ctx.errors.push_back({plan_.input.source->topic, output.partition()[row],
                              output.offset()[row],
                              "Invalid timestamp for the sink's TIMESTAMP column"});
        continue;
      }
      timestamp = *t;
    }
    ctx.out.add(key, value, timestamp);
  }
  ctx.stats.records_out += ctx.out.size() - out_before;
}

}  // namespace sluice::sql
