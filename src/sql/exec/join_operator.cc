#include "sql/exec/join_operator.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "common/bytes.h"
#include "sql/exec/query_executor.h"
#include "sql/state/key_codec.h"
#include "sql/state/state_db.h"

namespace sluice::sql {

using format::ColumnBatch;

namespace {

// A join topic record's value: side, flags, (a foreign-key join's left row: its foreign key,)
// source partition and offset, columns.
constexpr size_t kJoinFeedHeader = 2;
constexpr char kFeedTombstone = 1;         // a table's delete
constexpr char kFeedForeignKey = 2;        // [u32 length][foreign key] follows the header
constexpr size_t kJoinPayloadHeader = 12;  // partition (4), offset (8)
// A stored row: its timestamp, then the payload.
constexpr size_t kStoredRowHeader = 8;

// State record kinds (the first byte of a state key).
constexpr char kTableRow = 'T';      // side, join key
constexpr char kWindowed = 'W';      // side, join key, time, sequence
constexpr char kOuter = 'O';         // time, side, join key, sequence
constexpr char kTimes = 'S';         // stream time, each side's window store time
constexpr char kSubscription = 'F';  // a foreign-key join's foreign key, left key

// Times in keys sort as numbers.
using state::append_ordered_int64;
using state::read_ordered_int64;

int64_t load_i64(std::string_view in) {
  int64_t v = 0;
  std::memcpy(&v, in.data(), 8);
  return v;
}

// A stored row (a source's record in a joined row, a state value): its time, then its bytes.
std::string stored_row(int64_t ts, std::string_view bytes) {
  std::string r(kStoredRowHeader, '\0');
  std::memcpy(r.data(), &ts, 8);
  r.append(bytes);
  return r;
}

// Decodes a stored row into `side`'s columns of row `row` of `out` (its pseudo columns too).
void put_side(ColumnBatch& out, uint32_t row, const JoinSide& side, std::string_view bytes) {
  const uint32_t n = static_cast<uint32_t>(side.source.schema.size());
  if (bytes.empty()) {
    for (uint32_t c = 0; c < side.num_columns(); ++c)
      out.column(side.first_column + c).set_null(row);
    return;
  }
  int64_t ts = load_i64(bytes);
  int32_t partition = 0;
  int64_t offset = 0;
  std::memcpy(&partition, bytes.data() + kStoredRowHeader, 4);
  std::memcpy(&offset, bytes.data() + kStoredRowHeader + 4, 8);
  std::string_view in = bytes.substr(kStoredRowHeader + kJoinPayloadHeader);
  for (uint32_t c = 0; c < n; ++c) {
    if (!state::decode_value(in, out.column(side.first_column + c), row).is_ok()) {
      for (uint32_t k = c; k < n; ++k) out.column(side.first_column + k).set_null(row);
      break;
    }
  }
  out.column(side.first_column + n).set<int64_t>(row, ts);
  out.column(side.first_column + n + 1).set<int32_t>(row, partition);
  out.column(side.first_column + n + 2).set<int64_t>(row, offset);
}

}  // namespace

// ---- JoinFeedSink ---------------------------------------------------------------------------

namespace {
struct FeedState final : OperatorState {
  explicit FeedState(uint32_t slots) : exprs(slots) {}
  ExpressionState exprs;
  std::string key, value;
};
}  // namespace

std::unique_ptr<OperatorState> JoinFeedSink::make_state() const {
  return std::make_unique<FeedState>(join_.side(side_).num_slots);
}

void JoinFeedSink::execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const {
  auto& st = static_cast<FeedState&>(state);
  const JoinSide& side = join_.side(side_);
  const ColumnBatch& in = *chunk.batch;
  // A stream's null values join nothing (Kafka Streams skips them); a table's delete its row.
  std::vector<uint32_t> rows = chunk.rows;
  if (side.is_table()) {
    rows.insert(rows.end(), chunk.tombstones.begin(), chunk.tombstones.end());
    std::sort(rows.begin(), rows.end());
  }
  if (rows.empty()) return;
  uint64_t errors_before = st.exprs.errors();
  const format::Vector& keys = st.exprs.eval(*side.key, in, rows);
  ctx.stats.expression_errors += st.exprs.errors() - errors_before;
  size_t before = ctx.out.size();
  // A foreign-key join: the left table's rows go to the task of their primary key, their
  // foreign key with them; the right table's rows to every task.
  const bool fk_left = join_.foreign_key && side_ == 0;
  const auto route = join_.foreign_key && side_ == 1 ? OutputBatch::Route::kEveryPartition
                                                     : OutputBatch::Route::kByKey;
  for (uint32_t r : rows) {
    bool key_null = fk_left ? in.key_null()[r] != 0 : keys.is_null(r);
    // A table row without a key is no row; a stream record without one joins nothing but is
    // still an outer join's result.
    if (key_null && side.is_table()) continue;
    st.key.clear();
    if (fk_left) {
      for (uint32_t c : side.source.key_columns) state::encode_value(in.column(c), r, st.key);
    } else if (!key_null) {
      state::encode_value(keys, r, st.key);
      // A windowed source's rows join those of the same window: its bounds are part of the
      // join key (a time window's start; a session's start and end, as Kafka Streams' windowed
      // keys compare).
      if (int w = side.source.window_start_column; w >= 0) {
        append_ordered_int64(st.key, in.column(static_cast<size_t>(w)).get<int64_t>(r));
        if (side.source.source->window_type == "SESSION") {
          append_ordered_int64(st.key, in.column(static_cast<size_t>(w) + 1).get<int64_t>(r));
        }
      }
    }
    st.value.assign(1, static_cast<char>(side_));
    const bool tombstone = in.value_null()[r] != 0;
    st.value.push_back(static_cast<char>(tombstone ? kFeedTombstone
                                         : fk_left ? kFeedForeignKey
                                                   : 0));
    if (fk_left && !tombstone) {
      // [u32 length][the foreign key's encoding]; length 0: NULL (it joins nothing).
      size_t at = st.value.size();
      st.value.append(4, '\0');
      if (!keys.is_null(r)) state::encode_value(keys, r, st.value);
      auto n = static_cast<uint32_t>(st.value.size() - at - 4);
      std::memcpy(st.value.data() + at, &n, 4);
    }
    int32_t partition = in.partition()[r];
    int64_t offset = in.offset()[r];
    st.value.append(reinterpret_cast<const char*>(&partition), 4);
    st.value.append(reinterpret_cast<const char*>(&offset), 8);
    for (uint32_t c = 0; c < side.source.schema.size(); ++c) {
      state::encode_value(in.column(c), r, st.value);
    }
    ctx.out.add(key_null ? std::nullopt : std::optional<std::string_view>(st.key), st.value,
                in.rowtime()[r], route);
  }
  ctx.stats.records_out += ctx.out.size() - before;
}

// ---- JoinState ------------------------------------------------------------------------------

void JoinState::put(std::string key, std::string value, bool changed) {
  auto [it, added] = records_.try_emplace(std::move(key));
  if (added) {
    memory_bytes_ += it->first.size() * 2 + 64;
    index(it->first, true);
  } else {
    memory_bytes_ -= it->second.size();
  }
  memory_bytes_ += value.size();
  it->second = std::move(value);
  if (changed) dirty_.push_back(it->first);
}

void JoinState::erase(const std::string& key, bool changed) {
  auto it = records_.find(key);
  if (it == records_.end()) return;
  memory_bytes_ -= std::min(memory_bytes_, it->first.size() * 2 + it->second.size() + 64);
  index(it->first, false);
  if (changed) dirty_.push_back(it->first);
  records_.erase(it);  // `key` may be the erased record's own key: not used after this
}

JoinState::StepTimes& JoinState::times(size_t step) {
  if (times_.size() <= step) times_.resize(step + 1);
  return times_[step];
}

void JoinState::index(const std::string& key, bool add) {
  if (key.size() < 3 || key[0] != kWindowed) return;
  // 'W', step, side, join key, time (8), sequence (8).
  const auto step = static_cast<uint8_t>(key[1]);
  const int side = static_cast<uint8_t>(key[2]);
  int64_t t = read_ordered_int64(std::string_view(key).substr(key.size() - 16));
  auto& by_time = times(step).by_time[side];
  if (add) {
    by_time.emplace(t, &key);
  } else {
    by_time.erase({t, &key});
  }
}

namespace {
// Sorts `keys` and drops repeats.
void sort_unique(std::vector<std::string>& keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}
}  // namespace

std::string JoinState::times_key(size_t step) {
  return {kTimes, static_cast<char>(step)};
}

void JoinState::take_changes(state::ChangeBuffer& out) {
  for (size_t k = 0; k < times_.size(); ++k) {
    StepTimes& t = times_[k];
    if (!t.changed) continue;
    std::string v(24, '\0');
    std::memcpy(v.data(), &t.stream, 8);
    std::memcpy(v.data() + 8, &t.side[0], 8);
    std::memcpy(v.data() + 16, &t.side[1], 8);
    std::string key = times_key(k);
    out.add(key, v);
    if (store_) unflushed_.push_back(key);
    records_[key] = v;
    t.changed = false;
  }
  sort_unique(dirty_);
  for (std::string& k : dirty_) {
    auto it = records_.find(k);
    out.add(k, it == records_.end() ? std::string_view() : std::string_view(it->second));
    if (store_) unflushed_.push_back(std::move(k));
  }
  dirty_.clear();
}

Status JoinState::restore(std::string_view key, std::string_view value) {
  std::string k(key);
  if (k.size() == 2 && k[0] == kTimes) {
    if (value.empty()) return Status::ok();
    if (value.size() != 24) return Status::corruption("join state: bad stream times");
    StepTimes& t = times(static_cast<uint8_t>(k[1]));
    t.stream = load_i64(value);
    t.side[0] = load_i64(value.substr(8));
    t.side[1] = load_i64(value.substr(16));
    records_[k] = std::string(value);
    return Status::ok();
  }
  if (k.size() < 3 || (k[0] == kWindowed && k.size() < 19)) {
    return Status::corruption("join state: bad key");
  }
  if (value.empty()) {
    erase(k, false);
  } else {
    put(std::move(k), std::string(value), false);
  }
  return Status::ok();
}

Status JoinState::attach_store(state::StateStore* store) {
  store_ = store;
  std::vector<std::pair<std::string, std::string>> loaded;
  SLUICE_RETURN_IF_ERROR(store->scan("", "", [&](std::string_view k, std::string_view v) {
    loaded.emplace_back(k, v);
    return true;
  }));
  for (const auto& [k, v] : loaded) SLUICE_RETURN_IF_ERROR(restore(k, v));
  return Status::ok();
}

Status JoinState::commit(int64_t changelog_end, bool /*flush*/) {
  if (!store_) {
    unflushed_.clear();
    return Status::ok();
  }
  sort_unique(unflushed_);
  for (const std::string& k : unflushed_) {
    auto it = records_.find(k);
    if (it == records_.end()) {
      store_->remove(k);
    } else {
      store_->put(k, it->second);
    }
  }
  unflushed_.clear();
  Status st = store_->commit(changelog_end);
  if (!st.is_ok() && store_error_.is_ok()) store_error_ = st;
  return st;
}

// ---- JoinStep -------------------------------------------------------------------------------

namespace {

// A joined row's sources, each as [u32 length][stored row] (length 0: the source is NULL).
void append_source(std::string& out, std::string_view row) {
  auto n = static_cast<uint32_t>(row.size());
  out.append(reinterpret_cast<const char*>(&n), 4);
  out.append(row);
}

void append_nulls(std::string& out, size_t sources) {
  for (size_t i = 0; i < sources; ++i) append_source(out, {});
}

std::string step_key(char kind, size_t step, int side, std::string_view key) {
  std::string k{kind, static_cast<char>(step), static_cast<char>(side)};
  k.append(key);
  return k;
}

void append_seq(std::string& k, int64_t seq) {
  uint8_t b[8];
  store_be64(b, static_cast<uint64_t>(seq));
  k.append(reinterpret_cast<const char*>(b), 8);
}

}  // namespace

std::unique_ptr<OperatorState> JoinStep::make_state() const {
  auto st = std::make_unique<JoinState>();
  st->out_ = std::make_unique<ColumnBatch>(plan_.input.schema, 64);
  st->exprs_ = std::make_unique<ExpressionState>(plan_.num_slots);
  return st;
}

void JoinStep::decode(std::span<const InputRecord> records, ColumnBatch& batch,
                      OperatorState& state, std::vector<RecordError>& errors) const {
  JoinState& st = join_state(state);
  st.inputs_.clear();
  batch.reset();
  batch.reserve(records.size());
  batch.set_size(records.size());
  std::vector<uint32_t> bad;
  for (uint32_t i = 0; i < records.size(); ++i) {
    const InputRecord& rec = records[i];
    JoinState::Input& in = st.inputs_.emplace_back();
    std::string_view v = rec.value.null ? std::string_view() : rec.value.view();
    if (v.size() < kJoinFeedHeader + kJoinPayloadHeader ||
        static_cast<uint8_t>(v[0]) >= join_.sides.size()) {
      errors.push_back({"", rec.partition, rec.offset, "malformed join record"});
      bad.push_back(i);
      continue;
    }
    in.side = static_cast<uint8_t>(v[0]);
    in.tombstone = (v[1] & kFeedTombstone) != 0;
    in.key_null = rec.key.null;
    in.key = rec.key.null ? std::string_view() : rec.key.view();
    in.payload = v.substr(kJoinFeedHeader);
    if ((v[1] & kFeedForeignKey) != 0) {
      uint32_t n = 0;
      std::memcpy(&n, in.payload.data(), 4);
      if (in.payload.size() < 4 + size_t{n} + kJoinPayloadHeader) {
        errors.push_back({"", rec.partition, rec.offset, "malformed join record"});
        bad.push_back(i);
        continue;
      }
      in.foreign_key = in.payload.substr(4, n);
      in.payload.remove_prefix(4 + size_t{n});
    }
    in.timestamp = rec.timestamp;
    in.offset = rec.offset;
    batch.rowtime()[i] = rec.timestamp;
  }
  if (!bad.empty()) batch.exclude_rows(bad);
}

bool JoinStep::outer(size_t step, int side) const {
  switch (join_.steps[step].type) {
    case JoinType::kInner:
      return false;
    case JoinType::kLeft:
      return side == 0;
    case JoinType::kRight:
      return side == 1;
    case JoinType::kFull:
      return true;
  }
  return false;
}

uint32_t JoinStep::add_row(JoinState& st, const Item& item) const {
  ColumnBatch& b = *st.out_;
  auto row = static_cast<uint32_t>(b.size());
  if (row + 1 > b.capacity()) b.reserve(std::max<size_t>(64, b.capacity() * 2));
  b.set_size(row + 1);
  std::string_view k = item.key;
  if (item.key_null || !state::decode_value(k, b.column(0), row).is_ok()) {
    b.column(0).set_null(row);
  }
  std::string_view in = item.sources;
  for (const JoinSide& side : join_.sides) {
    uint32_t n = 0;
    if (in.size() >= 4) std::memcpy(&n, in.data(), 4);
    std::string_view row_bytes = in.size() >= 4 + n ? in.substr(4, n) : std::string_view();
    in.remove_prefix(std::min<size_t>(in.size(), 4 + n));
    put_side(b, row, side, row_bytes);
  }
  b.rowtime()[row] = item.ts;
  b.partition()[row] = 0;
  b.offset()[row] = 0;
  b.key_null()[row] = item.key_null ? 1 : 0;
  b.value_null()[row] = item.tombstone ? 1 : 0;
  b.change()[row] = item.tombstone ? format::Change::kDelete : format::Change::kInsert;
  return row;
}

void JoinStep::finish_changes(JoinState& st, Chunk& out) const {
  if (st.changes_.empty()) return;
  ColumnBatch& b = *st.out_;
  std::vector<uint32_t> rows;
  for (const JoinState::Change& c : st.changes_) {
    if (c.new_row >= 0) rows.push_back(static_cast<uint32_t>(c.new_row));
    if (c.old_row >= 0) rows.push_back(static_cast<uint32_t>(c.old_row));
  }
  std::sort(rows.begin(), rows.end());
  std::vector<uint32_t> passed = where_ ? st.exprs_->select(*where_, b, rows) : rows;
  auto pass = [&](int64_t r) {
    return r >= 0 && std::binary_search(passed.begin(), passed.end(), static_cast<uint32_t>(r));
  };
  for (const JoinState::Change& c : st.changes_) {
    if (pass(c.new_row)) {
      out.rows.push_back(static_cast<uint32_t>(c.new_row));
    } else if (pass(c.old_row)) {
      // The key's row is gone: its old row, as a delete of the key.
      auto r = static_cast<uint32_t>(c.old_row);
      b.value_null()[r] = 1;
      b.change()[r] = format::Change::kDelete;
      b.rowtime()[r] = c.delete_time;
      out.tombstones.push_back(r);
    }
  }
  st.changes_.clear();
  std::sort(out.rows.begin(), out.rows.end());
  std::sort(out.tombstones.begin(), out.tombstones.end());
}

void JoinStep::execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const {
  (void)ctx;
  JoinState& st = join_state(state);
  st.out_->reset();
  Chunk out;
  out.batch = st.out_.get();
  std::vector<uint32_t> rows = chunk.rows;
  rows.insert(rows.end(), chunk.tombstones.begin(), chunk.tombstones.end());
  std::sort(rows.begin(), rows.end());
  for (uint32_t r : rows) {
    const JoinState::Input& in = st.inputs_[r];
    if (join_.foreign_key) {
      foreign_key_join(st, in, out);
      continue;
    }
    Item item;
    item.key_null = in.key_null;
    item.key = in.key;
    item.ts = in.timestamp;
    item.tombstone = in.tombstone;
    item.seq = in.offset << 20;
    append_source(item.sources, stored_row(in.timestamp, in.payload));
    st.seq_ = 0;
    // Source 0 is the first step's left input; source s the right input of step s - 1.
    push(st, in.side == 0 ? 0 : in.side - 1, in.side == 0 ? 0 : 1, item, out);
  }
  finish_changes(st, out);
  chunk = std::move(out);
}

void JoinStep::forward(JoinState& st, size_t step, Item item, Chunk& out) const {
  if (step + 1 < join_.steps.size()) {
    item.seq |= ++st.seq_;
    push(st, step + 1, 0, item, out);
    return;
  }
  uint32_t row = add_row(st, item);
  (item.tombstone ? out.tombstones : out.rows).push_back(row);
}

void JoinStep::push(JoinState& st, size_t step, int side, const Item& item, Chunk& out) const {
  const JoinStepPlan& p = join_.steps[step];
  if (p.stream_stream()) {
    stream_stream(st, step, side, item, out);
  } else if (!p.left_table) {
    stream_table(st, step, side, item, out);
  } else {
    table_table(st, step, side, item, out);
  }
}

JoinStep::Item JoinStep::joined(size_t step, const Item& from, std::string_view left,
                                std::string_view right, int64_t ts) const {
  Item j;
  j.key_null = from.key_null;
  j.key = from.key;
  j.ts = ts;
  j.seq = from.seq;
  // A missing side: NULLs for each of its sources.
  if (left.empty()) {
    append_nulls(j.sources, step + 1);
  } else {
    j.sources.append(left);
  }
  if (right.empty()) {
    append_nulls(j.sources, 1);
  } else {
    j.sources.append(right);
  }
  return j;
}

void JoinStep::stream_table(JoinState& st, size_t step, int side, const Item& in,
                            Chunk& out) const {
  std::string key = step_key(kTableRow, step, 1, in.key);
  if (side == 1) {  // the table: its row changes, nothing is emitted
    if (in.tombstone) {
      st.erase(key);
    } else {
      st.put(std::move(key), stored_row(in.ts, in.sources));
    }
    return;
  }
  if (in.tombstone) return;
  if (in.key_null) {
    if (outer(step, 0)) forward(st, step, joined(step, in, in.sources, {}, in.ts), out);
    return;
  }
  auto it = st.records_.find(key);
  if (it != st.records_.end()) {
    forward(st, step, joined(step, in, in.sources, std::string_view(it->second).substr(8), in.ts),
            out);
  } else if (outer(step, 0)) {
    forward(st, step, joined(step, in, in.sources, {}, in.ts), out);
  }
}

void JoinStep::table_table(JoinState& st, size_t step, int side, const Item& in, Chunk& out) const {
  std::string this_key = step_key(kTableRow, step, side, in.key);
  auto other_it = st.records_.find(step_key(kTableRow, step, 1 - side, in.key));
  std::string_view other =
      other_it == st.records_.end() ? std::string_view() : std::string_view(other_it->second);
  auto this_it = st.records_.find(this_key);
  std::string old_value = this_it == st.records_.end() ? std::string() : this_it->second;
  std::string new_value = in.tombstone ? std::string() : stored_row(in.ts, in.sources);
  auto present = [&](bool this_present) {
    bool l = side == 0 ? this_present : !other.empty();
    bool r = side == 0 ? !other.empty() : this_present;
    switch (join_.steps[step].type) {
      case JoinType::kInner:
        return l && r;
      case JoinType::kLeft:
        return l;
      case JoinType::kRight:
        return r;
      case JoinType::kFull:
        return l || r;
    }
    return false;
  };
  const int64_t other_ts = other.empty() ? INT64_MIN : load_i64(other);
  auto make = [&](std::string_view mine, int64_t ts) {
    std::string_view m = mine.empty() ? mine : mine.substr(8);
    std::string_view o = other.empty() ? other : other.substr(8);
    return joined(step, in, side == 0 ? m : o, side == 0 ? o : m, std::max(ts, other_ts));
  };
  const bool had = present(!old_value.empty());
  const bool has = present(!new_value.empty());
  const int64_t delete_time = std::max(in.ts, other_ts);
  if (step + 1 == join_.steps.size()) {
    // The last step: WHERE decides over the key's new and old rows (finish_changes()).
    JoinState::Change c;
    if (has) c.new_row = add_row(st, make(new_value, in.ts));
    if (had) c.old_row = add_row(st, make(old_value, load_i64(old_value)));
    c.delete_time = delete_time;
    if (c.new_row >= 0 || c.old_row >= 0) st.changes_.push_back(c);
  } else if (has) {
    forward(st, step, make(new_value, in.ts), out);
  } else if (had) {
    Item gone = make({}, delete_time);
    gone.tombstone = true;
    gone.ts = delete_time;
    forward(st, step, std::move(gone), out);
  }
  if (in.tombstone) {
    st.erase(this_key);
  } else {
    st.put(std::move(this_key), std::move(new_value));
  }
}

void JoinStep::stream_stream(JoinState& st, size_t step, int side, const Item& in,
                             Chunk& out) const {
  if (in.tombstone) return;
  const JoinStepPlan& p = join_.steps[step];
  JoinState::StepTimes& t = st.times(step);
  const int64_t ts = in.ts;
  if (t.stream < ts) {
    t.stream = ts;
    t.changed = true;
  }
  auto as_left = [&](std::string_view mine, std::string_view other) {
    return side == 0 ? std::pair{mine, other} : std::pair{other, mine};
  };
  if (in.key_null) {
    if (outer(step, side)) {
      auto [l, r] = as_left(in.sources, {});
      forward(st, step, joined(step, in, l, r, ts), out);
    }
    return;
  }
  // The record goes into its side's window store first (Kafka Streams' join window processor):
  // the store's time advances and what it no longer retains expires.
  const int64_t retention = p.before + p.after + p.grace;
  if (t.side[side] < ts) {
    t.side[side] = ts;
    t.changed = true;
    auto& by_time = t.by_time[side];
    while (!by_time.empty() && by_time.begin()->first <= t.side[side] - retention) {
      st.erase(*by_time.begin()->second);
    }
  }
  if (ts > t.side[side] - retention) {
    std::string k = step_key(kWindowed, step, side, in.key);
    append_ordered_int64(k, ts);
    append_seq(k, in.seq);
    st.put(std::move(k), stored_row(ts, in.sources));
  }
  if (p.grace_given && ts == t.stream) emit_closed(st, step, out);
  // This side's window over the other's records: [ts - before, ts + after] for the left,
  // the mirror for the right.
  const int64_t before = side == 0 ? p.before : p.after;
  const int64_t after = side == 0 ? p.after : p.before;
  const int64_t from = std::max<int64_t>(0, ts - before);
  const int64_t to = std::max<int64_t>(0, ts + after);
  const int o = 1 - side;
  std::string lo = step_key(kWindowed, step, o, in.key);
  std::string hi = lo;
  append_ordered_int64(lo, from);
  append_ordered_int64(hi, to);
  hi.append(8, '\xff');
  // The matches' values stay where they are while the joined rows go on: a later step only
  // adds and removes records of its own.
  std::vector<std::pair<int64_t, std::string_view>> matches;
  for (auto it = st.records_.lower_bound(lo); it != st.records_.end() && it->first <= hi; ++it) {
    int64_t other_ts =
        read_ordered_int64(std::string_view(it->first).substr(it->first.size() - 16));
    if (other_ts <= t.side[o] - retention) continue;  // expired
    matches.emplace_back(other_ts, it->second);
  }
  for (const auto& [other_ts, other_value] : matches) {
    auto [l, r] = as_left(in.sources, other_value.substr(8));
    forward(st, step, joined(step, in, l, r, std::max(ts, other_ts)), out);
    if (p.grace_given && outer(step, o)) {
      // The other record is joined now: it is no outer result when its window closes.
      std::string prefix{kOuter, static_cast<char>(step)};
      append_ordered_int64(prefix, other_ts);
      prefix.push_back(static_cast<char>(o));
      prefix.append(in.key);
      std::vector<std::string> gone;
      for (auto it = st.records_.lower_bound(prefix);
           it != st.records_.end() && it->first.compare(0, prefix.size(), prefix) == 0 &&
           it->first.size() == prefix.size() + 8;
           ++it) {
        gone.push_back(it->first);
      }
      for (const std::string& g : gone) st.erase(g);
    }
  }
  if (!matches.empty() || !outer(step, side)) return;
  if (!p.grace_given || to < t.stream) {
    auto [l, r] = as_left(in.sources, {});
    forward(st, step, joined(step, in, l, r, ts), out);
    return;
  }
  std::string k{kOuter, static_cast<char>(step)};
  append_ordered_int64(k, ts);
  k.push_back(static_cast<char>(side));
  k.append(in.key);
  append_seq(k, in.seq);
  st.put(std::move(k), stored_row(ts, in.sources));
}

namespace {

// A foreign-key join's left row in the state: [time][u32 length][foreign key][sources].
struct ForeignKeyRow {
  int64_t ts = 0;
  std::string_view foreign_key, sources;
};

std::string foreign_key_row(int64_t ts, std::string_view foreign_key, std::string_view sources) {
  std::string v(kStoredRowHeader + 4, '\0');
  std::memcpy(v.data(), &ts, 8);
  auto n = static_cast<uint32_t>(foreign_key.size());
  std::memcpy(v.data() + 8, &n, 4);
  v.append(foreign_key);
  v.append(sources);
  return v;
}

ForeignKeyRow read_foreign_key_row(std::string_view v) {
  ForeignKeyRow r;
  if (v.size() < kStoredRowHeader + 4) return r;
  r.ts = load_i64(v);
  uint32_t n = 0;
  std::memcpy(&n, v.data() + 8, 4);
  v.remove_prefix(kStoredRowHeader + 4);
  r.foreign_key = v.substr(0, n);
  r.sources = v.substr(std::min<size_t>(n, v.size()));
  return r;
}

std::string subscription_key(std::string_view foreign_key, std::string_view left_key) {
  std::string k{kSubscription, 0};
  k.append(foreign_key);
  k.append(left_key);
  return k;
}

}  // namespace

// Kafka Streams' foreign-key join (KIP-213) in one task: the task has the left table's rows of
// its keys with their foreign keys, which right keys each left row refers to (subscriptions),
// and the whole right table. What a change emits follows Kafka Streams' subscription
// instructions: a LEFT join emits every left change (the row with the right row or NULLs; a
// delete as a delete); an INNER join emits a left row when it joins, and a delete when the row
// had a foreign key and its new one joins nothing; a right change re-emits every left row that
// refers to it (a right delete: NULLs for a LEFT join, deletes for an INNER one).
void JoinStep::foreign_key_join(JoinState& st, const JoinState::Input& in, Chunk& out) const {
  const bool left_join = join_.steps[0].type == JoinType::kLeft;
  auto emit = [&](std::string_view foreign_key, std::string_view left, std::string_view right,
                  int64_t ts, bool tombstone) {
    // The row's key is the left table's (its columns); column 0, the foreign key, may be NULL.
    Item from;
    from.key = foreign_key;
    Item j = joined(0, from, left, right, ts);
    j.tombstone = tombstone;
    forward(st, 0, std::move(j), out);
  };
  auto right_row = [&](std::string_view foreign_key) -> std::string_view {
    if (foreign_key.empty()) return {};
    auto it = st.records_.find(step_key(kTableRow, 0, 1, foreign_key));
    return it == st.records_.end() ? std::string_view() : std::string_view(it->second);
  };

  if (in.side == 1) {
    std::string key = step_key(kTableRow, 0, 1, in.key);
    std::string sources;
    if (in.tombstone) {
      if (st.records_.find(key) == st.records_.end()) return;  // no row: nothing changes
      st.erase(key);
    } else {
      append_source(sources, stored_row(in.timestamp, in.payload));
      st.put(std::move(key), stored_row(in.timestamp, sources));
    }
    const std::string prefix = subscription_key(in.key, {});
    std::vector<std::string> lefts;
    for (auto it = st.records_.lower_bound(prefix);
         it != st.records_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      lefts.push_back(step_key(kTableRow, 0, 0, std::string_view(it->first).substr(prefix.size())));
    }
    for (const std::string& lk : lefts) {
      auto it = st.records_.find(lk);
      if (it == st.records_.end()) continue;
      ForeignKeyRow l = read_foreign_key_row(it->second);
      const int64_t ts = std::max(in.timestamp, l.ts);
      emit(in.key, l.sources, sources, ts, in.tombstone && !left_join);
    }
    return;
  }

  std::string key = step_key(kTableRow, 0, 0, in.key);
  auto it = st.records_.find(key);
  const bool had = it != st.records_.end();
  const std::string old = had ? it->second : std::string();
  const ForeignKeyRow before = read_foreign_key_row(old);
  if (in.tombstone) {
    if (!had) return;
    if (!before.foreign_key.empty()) st.erase(subscription_key(before.foreign_key, in.key));
    if (left_join || !before.foreign_key.empty()) {
      emit(before.foreign_key, before.sources, {}, in.timestamp, true);
    }
    st.erase(key);
    return;
  }
  const std::string_view fk = in.foreign_key;
  std::string sources;
  append_source(sources, stored_row(in.timestamp, in.payload));
  const bool moved = !had || before.foreign_key != fk;
  if (moved && !before.foreign_key.empty()) {
    st.erase(subscription_key(before.foreign_key, in.key));
  }
  if (moved && !fk.empty()) st.put(subscription_key(fk, in.key), std::string(1, '\1'));
  st.put(std::move(key), foreign_key_row(in.timestamp, fk, sources));
  const std::string_view right = right_row(fk);
  if (!right.empty()) {
    emit(fk, sources, right.substr(kStoredRowHeader), std::max(in.timestamp, load_i64(right)),
         false);
  } else if (left_join) {
    emit(fk, sources, {}, in.timestamp, false);
  } else if (had && !before.foreign_key.empty() && before.foreign_key != fk) {
    // The row joined through its old foreign key, perhaps: its result is deleted.
    emit(fk, sources, {}, in.timestamp, true);
  }
}

void JoinStep::emit_closed(JoinState& st, size_t step, Chunk& out) const {
  const JoinStepPlan& p = join_.steps[step];
  const int64_t stream = st.times(step).stream;
  bool open[2] = {false, false};
  std::vector<std::string> emitted;
  std::vector<Item> items;
  const std::string lo{kOuter, static_cast<char>(step)};
  for (auto it = st.records_.lower_bound(lo);
       it != st.records_.end() && it->first.compare(0, 2, lo) == 0 && !(open[0] && open[1]); ++it) {
    std::string_view k = it->first;  // 'O', step, time (8), side, key, sequence (8)
    int64_t ts = read_ordered_int64(k.substr(2));
    int side = static_cast<uint8_t>(k[10]);
    int64_t lookback = side == 0 ? p.after : p.before;
    if (ts + lookback + p.grace >= stream) {
      open[side] = true;
      continue;
    }
    Item from;
    from.key = k.substr(11, k.size() - 19);
    from.seq =
        static_cast<int64_t>(load_be64(reinterpret_cast<const uint8_t*>(k.data()) + k.size() - 8));
    std::string_view sources = std::string_view(it->second).substr(8);
    items.push_back(side == 0 ? joined(step, from, sources, {}, ts)
                              : joined(step, from, {}, sources, ts));
    emitted.push_back(it->first);
  }
  for (const std::string& k : emitted) st.erase(k);
  for (Item& j : items) forward(st, step, std::move(j), out);
}

}  // namespace sluice::sql
