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

// A join topic record's value: side, tombstone flag, source partition and offset, columns.
constexpr size_t kJoinFeedHeader = 2;
constexpr size_t kJoinPayloadHeader = 12;  // partition (4), offset (8)
// A stored row: its timestamp, then the payload.
constexpr size_t kStoredRowHeader = 8;

// State record kinds (the first byte of a state key).
constexpr char kTableRow = 'T';  // side, join key
constexpr char kWindowed = 'W';  // side, join key, time, sequence
constexpr char kOuter = 'O';     // time, side, join key, sequence
constexpr char kTimes = 'S';     // stream time, each side's window store time

// Time in a key: big-endian with the sign flipped, so keys sort by time.
void append_time(std::string& out, int64_t t) {
  uint8_t b[8];
  store_be64(b, static_cast<uint64_t>(t) ^ (uint64_t{1} << 63));
  out.append(reinterpret_cast<const char*>(b), 8);
}
int64_t read_time(std::string_view in) {
  return static_cast<int64_t>(load_be64(reinterpret_cast<const uint8_t*>(in.data())) ^
                              (uint64_t{1} << 63));
}

int64_t load_i64(std::string_view in) {
  int64_t v = 0;
  std::memcpy(&v, in.data(), 8);
  return v;
}

std::string row_bytes(int64_t ts, std::string_view payload) {
  std::string r(kStoredRowHeader, '\0');
  std::memcpy(r.data(), &ts, 8);
  r.append(payload);
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
  for (uint32_t r : rows) {
    bool key_null = keys.is_null(r);
    // A table row without a key is no row; a stream record without one joins nothing but is
    // still an outer join's result.
    if (key_null && side.is_table()) continue;
    st.key.clear();
    if (!key_null) state::encode_value(keys, r, st.key);
    st.value.assign(1, static_cast<char>(side_));
    st.value.push_back(static_cast<char>(in.value_null()[r] ? 1 : 0));
    int32_t partition = in.partition()[r];
    int64_t offset = in.offset()[r];
    st.value.append(reinterpret_cast<const char*>(&partition), 4);
    st.value.append(reinterpret_cast<const char*>(&offset), 8);
    for (uint32_t c = 0; c < side.source.schema.size(); ++c) {
      state::encode_value(in.column(c), r, st.value);
    }
    ctx.out.add(key_null ? std::nullopt : std::optional<std::string_view>(st.key), st.value,
                in.rowtime()[r]);
  }
  ctx.stats.records_out += ctx.out.size() - before;
}

// ---- JoinState ------------------------------------------------------------------------------

void JoinState::put(std::string key, std::string value) {
  auto it = records_.find(key);
  if (it != records_.end()) {
    memory_bytes_ -= it->second.size();
    memory_bytes_ += value.size();
    it->second = std::move(value);
  } else {
    memory_bytes_ += key.size() * 2 + value.size() + 64;
    index(key, true);
    dirty_.insert(key);
    records_.emplace(std::move(key), std::move(value));
    return;
  }
  dirty_.insert(it->first);
}

void JoinState::erase(const std::string& key) {
  auto it = records_.find(key);
  if (it == records_.end()) return;
  memory_bytes_ -= std::min(memory_bytes_, it->first.size() * 2 + it->second.size() + 64);
  index(key, false);
  dirty_.insert(key);
  records_.erase(it);
}

void JoinState::index(const std::string& key, bool add) {
  if (key.empty() || key[0] != kWindowed) return;
  // 'W', side, join key, time (8), sequence (8).
  const int side = key[1];
  int64_t t = read_time(std::string_view(key).substr(key.size() - 16));
  if (add) {
    by_time_[side].emplace(t, key);
  } else {
    by_time_[side].erase({t, key});
  }
}

void JoinState::take_changes(state::ChangeBuffer& out) {
  if (times_changed_) {
    std::string v(24, '\0');
    std::memcpy(v.data(), &stream_time_, 8);
    std::memcpy(v.data() + 8, &side_time_[0], 8);
    std::memcpy(v.data() + 16, &side_time_[1], 8);
    out.add(std::string_view(&kTimes, 1), v);
    unflushed_.insert(std::string(1, kTimes));
    records_[std::string(1, kTimes)] = v;
    times_changed_ = false;
  }
  for (const std::string& k : dirty_) {
    auto it = records_.find(k);
    out.add(k, it == records_.end() ? std::string_view() : std::string_view(it->second));
    unflushed_.insert(k);
  }
  dirty_.clear();
}

Status JoinState::restore(std::string_view key, std::string_view value) {
  std::string k(key);
  if (k.size() == 1 && k[0] == kTimes) {
    if (value.size() != 24) return Status::corruption("join state: bad stream times");
    stream_time_ = load_i64(value);
    side_time_[0] = load_i64(value.substr(8));
    side_time_[1] = load_i64(value.substr(16));
    records_[k] = std::string(value);
    return Status::ok();
  }
  if (k.empty() || (k[0] == kWindowed && k.size() < 18)) {
    return Status::corruption("join state: bad key");
  }
  if (value.empty()) {
    erase(k);
  } else {
    put(k, std::string(value));
  }
  dirty_.erase(k);
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
    if (v.size() < kJoinFeedHeader + kJoinPayloadHeader || static_cast<uint8_t>(v[0]) > 1) {
      errors.push_back({"", rec.partition, rec.offset, "malformed join record"});
      bad.push_back(i);
      continue;
    }
    in.side = v[0];
    in.tombstone = v[1] != 0;
    in.key_null = rec.key.null;
    in.key = rec.key.null ? std::string_view() : rec.key.view();
    in.payload = v.substr(kJoinFeedHeader);
    in.timestamp = rec.timestamp;
    in.offset = rec.offset;
    batch.rowtime()[i] = rec.timestamp;
  }
  if (!bad.empty()) batch.exclude_rows(bad);
}

bool JoinStep::outer(int side) const {
  switch (join_.type) {
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

void JoinStep::emit(JoinState& st, Chunk& out, bool key_null, std::string_view key,
                    std::string_view left, std::string_view right, int64_t timestamp) const {
  out.rows.push_back(add_row(st, key_null, key, left, right, timestamp));
}

uint32_t JoinStep::add_row(JoinState& st, bool key_null, std::string_view key,
                           std::string_view left, std::string_view right, int64_t timestamp) const {
  ColumnBatch& b = *st.out_;
  auto row = static_cast<uint32_t>(b.size());
  if (row + 1 > b.capacity()) b.reserve(std::max<size_t>(64, b.capacity() * 2));
  b.set_size(row + 1);
  std::string_view k = key;
  if (key_null || !state::decode_value(k, b.column(0), row).is_ok()) b.column(0).set_null(row);
  put_side(b, row, join_.left, left);
  put_side(b, row, join_.right, right);
  b.rowtime()[row] = timestamp;
  b.partition()[row] = 0;
  b.offset()[row] = 0;
  b.key_null()[row] = key_null ? 1 : 0;
  b.value_null()[row] = 0;
  b.change()[row] = format::Change::kInsert;
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
    if (join_.stream_stream()) {
      stream_stream(st, in, out);
    } else if (!join_.left.is_table()) {
      stream_table(st, in, out);
    } else {
      table_table(st, in, out);
    }
  }
  finish_changes(st, out);
  chunk = std::move(out);
}

void JoinStep::stream_table(JoinState& st, const JoinState::Input& in, Chunk& out) const {
  std::string& key = st.scratch_;
  if (in.side == 1) {  // the table: its row changes, nothing is emitted
    key.assign(1, kTableRow);
    key.push_back(1);
    key.append(in.key);
    if (in.tombstone) {
      st.erase(key);
    } else {
      st.put(key, row_bytes(in.timestamp, in.payload));
    }
    return;
  }
  if (in.tombstone) return;
  std::string row = row_bytes(in.timestamp, in.payload);
  if (in.key_null) {
    if (outer(0)) emit(st, out, true, {}, row, {}, in.timestamp);
    return;
  }
  key.assign(1, kTableRow);
  key.push_back(1);
  key.append(in.key);
  auto it = st.records_.find(key);
  if (it != st.records_.end()) {
    emit(st, out, false, in.key, row, it->second, in.timestamp);
  } else if (outer(0)) {
    emit(st, out, false, in.key, row, {}, in.timestamp);
  }
}

void JoinStep::table_table(JoinState& st, const JoinState::Input& in, Chunk& /*out*/) const {
  const int s = in.side;
  auto table_key = [&](int side) {
    std::string k(1, kTableRow);
    k.push_back(static_cast<char>(side));
    k.append(in.key);
    return k;
  };
  std::string this_key = table_key(s);
  auto other_it = st.records_.find(table_key(1 - s));
  std::string_view other =
      other_it == st.records_.end() ? std::string_view() : std::string_view(other_it->second);
  auto this_it = st.records_.find(this_key);
  std::string old_row = this_it == st.records_.end() ? std::string() : this_it->second;
  std::string new_row = in.tombstone ? std::string() : row_bytes(in.timestamp, in.payload);
  auto joined = [&](std::string_view mine) {
    bool l = !(s == 0 ? mine : other).empty();
    bool r = !(s == 0 ? other : mine).empty();
    switch (join_.type) {
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
  auto add = [&](std::string_view mine, int64_t ts) {
    return static_cast<int64_t>(add_row(st, false, in.key, s == 0 ? mine : other,
                                        s == 0 ? other : mine, std::max(ts, other_ts)));
  };
  JoinState::Change c;
  if (joined(new_row)) c.new_row = add(new_row, in.timestamp);
  if (joined(old_row)) c.old_row = add(old_row, load_i64(old_row));
  c.delete_time = std::max(in.timestamp, other_ts);
  if (c.new_row >= 0 || c.old_row >= 0) st.changes_.push_back(c);
  if (in.tombstone) {
    st.erase(this_key);
  } else {
    st.put(std::move(this_key), std::move(new_row));
  }
}

void JoinStep::stream_stream(JoinState& st, const JoinState::Input& in, Chunk& out) const {
  if (in.tombstone) return;
  const int s = in.side;
  const int64_t ts = in.timestamp;
  if (st.stream_time_ < ts) {
    st.stream_time_ = ts;
    st.times_changed_ = true;
  }
  std::string row = row_bytes(ts, in.payload);
  auto as_left = [&](std::string_view mine, std::string_view other) {
    return s == 0 ? std::pair{mine, other} : std::pair{other, mine};
  };
  if (in.key_null) {
    if (outer(s)) {
      auto [l, r] = as_left(row, {});
      emit(st, out, true, {}, l, r, ts);
    }
    return;
  }
  // The record goes into its side's window store first (Kafka Streams' join window processor):
  // the store's time advances and what it no longer retains expires.
  const int64_t retention = join_.before + join_.after + join_.grace;
  if (st.side_time_[s] < ts) {
    st.side_time_[s] = ts;
    st.times_changed_ = true;
    auto& by_time = st.by_time_[s];
    while (!by_time.empty() && by_time.begin()->first <= st.side_time_[s] - retention) {
      std::string k = by_time.begin()->second;
      st.erase(k);
    }
  }
  auto seq = [&](std::string& k) {
    uint8_t b[8];
    store_be64(b, static_cast<uint64_t>(in.offset));
    k.append(reinterpret_cast<const char*>(b), 8);
  };
  if (ts > st.side_time_[s] - retention) {
    std::string k(1, kWindowed);
    k.push_back(static_cast<char>(s));
    k.append(in.key);
    append_time(k, ts);
    seq(k);
    st.put(std::move(k), row);
  }
  if (join_.grace_given && ts == st.stream_time_) emit_closed(st, out);
  // This side's window over the other's records: [ts - before, ts + after] for the left,
  // the mirror for the right.
  const int64_t before = s == 0 ? join_.before : join_.after;
  const int64_t after = s == 0 ? join_.after : join_.before;
  const int64_t from = std::max<int64_t>(0, ts - before);
  const int64_t to = std::max<int64_t>(0, ts + after);
  const int o = 1 - s;
  std::string lo(1, kWindowed);
  lo.push_back(static_cast<char>(o));
  lo.append(in.key);
  std::string hi = lo;
  append_time(lo, from);
  append_time(hi, to);
  hi.append(8, '\xff');
  bool matched = false;
  std::vector<std::pair<int64_t, std::string>> joined;
  for (auto it = st.records_.lower_bound(lo); it != st.records_.end() && it->first <= hi; ++it) {
    int64_t other_ts = read_time(std::string_view(it->first).substr(it->first.size() - 16));
    if (other_ts <= st.side_time_[o] - retention) continue;  // expired
    matched = true;
    joined.emplace_back(other_ts, it->second);
  }
  for (const auto& [other_ts, other_row] : joined) {
    auto [l, r] = as_left(row, other_row);
    emit(st, out, false, in.key, l, r, std::max(ts, other_ts));
    if (join_.grace_given && outer(o)) {
      // The other record is joined now: it is no outer result when its window closes.
      std::string prefix(1, kOuter);
      append_time(prefix, other_ts);
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
  if (matched || !outer(s)) return;
  if (!join_.grace_given || to < st.stream_time_) {
    auto [l, r] = as_left(row, {});
    emit(st, out, false, in.key, l, r, ts);
    return;
  }
  std::string k(1, kOuter);
  append_time(k, ts);
  k.push_back(static_cast<char>(s));
  k.append(in.key);
  seq(k);
  st.put(std::move(k), std::move(row));
}

void JoinStep::emit_closed(JoinState& st, Chunk& out) const {
  bool open[2] = {false, false};
  std::vector<std::string> emitted;
  const std::string lo(1, kOuter);
  for (auto it = st.records_.lower_bound(lo);
       it != st.records_.end() && it->first[0] == kOuter && !(open[0] && open[1]); ++it) {
    std::string_view k = it->first;
    int64_t ts = read_time(k.substr(1));
    int side = k[9];
    int64_t lookback = side == 0 ? join_.after : join_.before;
    if (ts + lookback + join_.grace >= st.stream_time_) {
      open[side] = true;
      continue;
    }
    std::string_view key = k.substr(10, k.size() - 18);
    if (side == 0) {
      emit(st, out, false, key, it->second, {}, ts);
    } else {
      emit(st, out, false, key, {}, it->second, ts);
    }
    emitted.push_back(it->first);
  }
  for (const std::string& k : emitted) st.erase(k);
}

}  // namespace sluice::sql
