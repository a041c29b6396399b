#include "sql/exec/aggregate_operator.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <limits>
#include <map>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "common/bytes.h"
#include "sql/functions/vector_ops.h"
#include "sql/state/key_codec.h"
#include "sql/state/state_db.h"

namespace sluice::sql {

using format::Change;
using format::ColumnBatch;
using format::Vector;

namespace {

constexpr size_t kAlign = alignof(std::max_align_t);
static_assert(__STDCPP_DEFAULT_NEW_ALIGNMENT__ >= kAlign, "a group's block comes from new");

// What an allocation of `n` bytes takes from malloc (glibc: an 8-byte header, 16-byte steps).
size_t allocated_bytes(size_t n) {
  return std::max<size_t>((n + 8 + 15) / 16 * 16, 32);
}

size_t align_up(size_t n) {
  return (n + kAlign - 1) / kAlign * kAlign;
}

// A windowed group's key is the grouping values' encoding, then its window's start
// (state::append_ordered_int64).
using state::append_ordered_int64;

// The int64 append_ordered_int64() wrote at the end of `key`.
int64_t ordered_int64_at_end(std::string_view key) {
  assert(key.size() >= 8);
  return state::read_ordered_int64(key.substr(key.size() - 8));
}

// WINDOWSTART and WINDOWEND of result row `o` (the columns after the `groups` grouping values).
void set_window_bounds(ColumnBatch& out, size_t groups, uint32_t o, int64_t start, int64_t size) {
  out.column(groups).set<int64_t>(o, start);
  out.column(groups).set_valid(o);
  out.column(groups + 1).set<int64_t>(o, start + size);
  out.column(groups + 1).set_valid(o);
}

// Appends row `r`'s grouping values to `key`; false (part of them appended) when one is NULL:
// the row joins no group, as in ksqlDB.
bool append_group_key(const std::vector<const Vector*>& groups, uint32_t r, std::string& key) {
  for (const Vector* g : groups) {
    if (g->is_null(r)) return false;
    state::encode_value(*g, r, key);
  }
  return true;
}

// A group's window end: a session ends at its latest record, a time window after its size.
int64_t window_end(const WindowPlan& w, const AggregateGroup& g, int64_t start) {
  return w.session ? g.timestamp : start + w.size;
}

// Adds a row to `out` (growing it) and returns its index.
uint32_t add_row(ColumnBatch& out) {
  size_t o = out.size();
  if (o >= out.capacity()) out.reserve(std::max<size_t>(o * 2, 64));
  out.set_size(o + 1);
  return static_cast<uint32_t>(o);
}

// Appends a copy of physical row `row` of `in` to `out` (all columns, system columns too).
uint32_t append_row(const ColumnBatch& in, uint32_t row, ColumnBatch& out) {
  uint32_t o = add_row(out);
  out.rowtime()[o] = in.rowtime()[row];
  out.partition()[o] = in.partition()[row];
  out.offset()[o] = in.offset()[row];
  out.key_null()[o] = in.key_null()[row];
  out.value_null()[o] = in.value_null()[row];
  for (size_t c = 0; c < in.num_columns(); ++c) {
    copy_row(in.column(c), row, out.column(c), o, StringCopy::kOwned);
  }
  return o;
}

}  // namespace

// ---- TableChangesOperator ----------------------------------------------------------------

TableChangesOperator::TableChangesOperator(const SourcePlan& source) : source_(source) {}

std::unique_ptr<TableChangesState> TableChangesOperator::make_state() const {
  return std::make_unique<TableChangesState>();
}

const std::string* TableChangesState::find(const std::string& key) const {
  if (auto it = rows_.find(key); it != rows_.end()) return it->second ? &*it->second : nullptr;
  if (auto it = fetched_.find(key); it != fetched_.end()) return &it->second;
  return nullptr;
}

Status TableChangesState::attach_store(state::StateStore* store) {
  store_ = store;
  rows_.clear();
  pending_bytes_ = 0;
  return Status::ok();
}

Status TableChangesState::commit(int64_t source_offset, bool flush) {
  if (!store_) return Status::ok();
  auto now = std::chrono::steady_clock::now();
  if (!flush && pending_bytes_ <= kMaxPendingBytes && now - last_flush_ < kFlushInterval) {
    return Status::ok();
  }
  std::vector<state::StateChangeView> changes;
  changes.reserve(rows_.size());
  for (const auto& [key, row] : rows_) {
    changes.push_back({key, row ? std::optional<std::string_view>(*row) : std::nullopt});
  }
  SLUICE_RETURN_IF_ERROR(store_->restore(changes, source_offset));
  rows_.clear();
  pending_bytes_ = 0;
  last_flush_ = now;
  return Status::ok();
}

void TableChangesOperator::execute(const ColumnBatch& in, ColumnBatch& out,
                                   TableChangesState& state) const {
  out.reset();
  out.reserve(std::max<size_t>(in.active_rows() * 2, 1));
  std::string& key = state.key_;
  std::vector<std::string> keys;
  keys.reserve(in.active_rows());
  for (size_t i = 0; i < in.active_rows(); ++i) {
    uint32_t r = in.row(i);
    key.clear();
    for (uint32_t c : source_.key_columns) state::encode_value(in.column(c), r, key);
    if (source_.window_start_column >= 0) {
      // A windowed table's row is its key's in one window.
      auto w = static_cast<size_t>(source_.window_start_column);
      state::encode_value(in.column(w), r, key);
      state::encode_value(in.column(w + 1), r, key);
    }
    keys.push_back(key);
  }
  state.fetched_.clear();
  if (state.store_ && state.store_error_.is_ok()) {
    // The rows of the keys without a change in memory: one batched read.
    std::vector<std::string_view> missing;
    for (const std::string& k : keys) {
      if (!state.rows_.count(k)) missing.push_back(k);
    }
    std::sort(missing.begin(), missing.end());
    missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
    Status st = state.store_->multi_get(missing, [&](size_t i, const std::string_view* v) {
      if (v) state.fetched_.emplace(missing[i], *v);
      return Status::ok();
    });
    if (!st.is_ok()) state.store_error_ = st.with_context("state store " + state.store_->name());
  }
  for (size_t i = 0; i < in.active_rows(); ++i) {
    uint32_t r = in.row(i);
    const std::string& k = keys[i];
    const std::string* old = state.find(k);
    bool has_value = !in.value_null()[r];
    if (old) {
      // The old row, decoded back, stamped with this record's time and position.
      uint32_t o = add_row(out);
      out.rowtime()[o] = in.rowtime()[r];
      out.partition()[o] = in.partition()[r];
      out.offset()[o] = in.offset()[r];
      out.key_null()[o] = 0;
      out.value_null()[o] = 0;
      out.change()[o] = has_value ? Change::kUpdateBefore : Change::kDelete;
      std::string_view bytes = *old;
      for (size_t c = 0; c < out.num_columns(); ++c) {
        if (!state::decode_value(bytes, out.column(c), o).is_ok()) out.column(c).set_null(o);
      }
    }
    bool had_row = old != nullptr;
    if (has_value) {
      uint32_t o = append_row(in, r, out);
      out.change()[o] = had_row ? Change::kUpdateAfter : Change::kInsert;
      std::string row_bytes;
      for (size_t c = 0; c < in.num_columns(); ++c) {
        state::encode_value(in.column(c), r, row_bytes);
      }
      state.pending_bytes_ += k.size() + row_bytes.size();
      state.rows_[k] = std::move(row_bytes);
    } else if (had_row) {
      if (state.store_) {
        state.pending_bytes_ += k.size();
        state.rows_[k] = std::nullopt;  // deleted from the store at the next write
      } else {
        state.rows_.erase(k);
      }
    }
  }
}

// ---- AggregateOperator -------------------------------------------------------------------

AggregateOperator::AggregateOperator(const AggregatePlan& plan) : plan_(plan) {
  size_t at = align_up(sizeof(AggregateGroup));
  for (size_t i = 0; i < plan.calls.size(); ++i) {
    offsets_.push_back(at);
    at += align_up(plan.calls[i].function->state_size());
    if (plan.calls[i].function->has_heap()) heap_calls_.push_back(i);
  }
  block_size_ = at;
}

std::unique_ptr<AggregateState> AggregateOperator::make_state() const {
  return std::unique_ptr<AggregateState>(new AggregateState(*this));
}

AggregateState::~AggregateState() {
  for (AggregateGroup* group : groups_) destroy(*group);
  free_removed();
}

void AggregateState::unlink(std::span<AggregateGroup* const> gone) {
  if (gone.empty()) return;
  for (AggregateGroup* g : gone) g->removed = true;
  auto drop = [](std::vector<AggregateGroup*>& v) {
    v.erase(std::remove_if(v.begin(), v.end(), [](AggregateGroup* g) { return g->removed; }),
            v.end());
  };
  drop(dirty_);
  drop(unflushed_);
  drop(waiting_);
  for (AggregateGroup* g : gone) {
    groups_.erase(std::string_view(g->key));
    memory_bytes_ -= std::min(memory_bytes_, group_bytes(*g));
    removed_groups_.push_back(g);
  }
}

void AggregateState::free_removed() {
  for (AggregateGroup* g : removed_groups_) destroy(*g);
  removed_groups_.clear();
}

size_t AggregateState::group_bytes(const AggregateGroup& g) const {
  return allocated_bytes(op_.block_size_) + string_heap_bytes(g.key) + g.heap;
}

size_t AggregateOperator::new_groups_bytes(size_t rows) const {
  // A hopping window's row may open a group in each of its windows.
  const WindowPlan* w = plan_.window ? &*plan_.window : nullptr;
  size_t per_row = w ? static_cast<size_t>((w->size + w->advance - 1) / w->advance) : 1;
  return rows * per_row * allocated_bytes(block_size_);
}

void AggregateState::destroy(AggregateGroup& g) {
  auto* block = reinterpret_cast<std::byte*>(&g);
  for (size_t i = 0; i < op_.plan_.calls.size(); ++i) {
    op_.plan_.calls[i].function->destroy(block + op_.offsets_[i]);
  }
  g.~AggregateGroup();
  ::operator delete(block);
}

Status AggregateState::attach_store(state::StateStore* store, size_t cache_bytes) {
  store_ = store;
  cache_bytes_ = cache_bytes;
  if (op_.plan_.window) {
    SLUICE_ASSIGN_OR_RETURN(std::optional<std::string> t, store->get(kStreamTimeKey));
    if (t) SLUICE_RETURN_IF_ERROR(restore(kStreamTimeKey, *t));
  }
  if (op_.plan_.window && !op_.plan_.window->session) {
    // Every window's group, in memory or not, is deleted once closed; with EMIT FINAL, every
    // window not yet emitted waits for its close.
    const int64_t size = op_.plan_.window->size;
    const bool final = op_.plan_.window->emit_final;
    SLUICE_RETURN_IF_ERROR(store->scan("", "", [&](std::string_view key, std::string_view) {
      if (key.size() >= 8) {
        int64_t start = ordered_int64_at_end(key);
        windows_by_end_.emplace(start + size, std::string(key));
        max_start_ = std::max(max_start_, start);
        if (final && start + size > last_emit_close_) {
          pending_.emplace(start + size, std::string(key));
        }
      }
      return true;
    }));
  }
  if (op_.plan_.window && op_.plan_.window->session) {
    // Every session's bounds, in memory or not (a group's durable form starts with its
    // timestamp, the session's end).
    SLUICE_RETURN_IF_ERROR(store->scan("", "", [&](std::string_view key, std::string_view value) {
      if (key.size() >= 8 && value.size() >= 8) {
        int64_t end = 0;
        std::memcpy(&end, value.data(), 8);
        index_session(key, end);
      }
      return true;
    }));
  }
  // RocksDB's estimate says whether loading is worth trying; the scan stops at the budget.
  all_in_memory_ = store->approximate_bytes() <= cache_bytes;
  if (!all_in_memory_) return Status::ok();
  Status loaded = Status::ok();
  SLUICE_RETURN_IF_ERROR(store->scan("", "", [&](std::string_view key, std::string_view value) {
    if (memory_bytes() > cache_bytes_) {
      all_in_memory_ = false;
      return false;
    }
    loaded = restore(key, value);
    return loaded.is_ok();
  }));
  return loaded;
}

bool AggregateState::has_room(size_t records) const {
  if (!store_) return true;
  // The table doubles when it fills up.
  size_t growth = groups_.size() + records > groups_.max_load() ? table_bytes() : 0;
  return memory_bytes() + growth + op_.new_groups_bytes(records) <= cache_bytes_;
}

AggregateGroup* AggregateState::create(std::string_view key) {
  auto* block = static_cast<std::byte*>(::operator new(op_.block_size_));
  auto* group = new (block) AggregateGroup();
  for (size_t i = 0; i < op_.plan_.calls.size(); ++i) {
    op_.plan_.calls[i].function->init(block + op_.offsets_[i]);
  }
  group->key = key;
  groups_.insert(group);
  group->used = epoch_;
  memory_bytes_ += group_bytes(*group);
  return group;
}

AggregateGroup* AggregateState::find_or_create(std::string_view key) {
  auto it = groups_.find(key);
  if (it != groups_.end()) {
    (*it)->used = epoch_;
    return *it;
  }
  if (!store_ || all_in_memory_) return create(key);
  auto stored = store_->get(key);
  if (!stored) {
    if (store_error_.is_ok()) store_error_ = stored.status();
    return nullptr;
  }
  AggregateGroup* g = create(key);
  if (*stored) {
    if (Status st = load(*g, **stored); !st.is_ok()) {
      if (store_error_.is_ok()) store_error_ = st.with_context("state store " + store_->name());
      return nullptr;
    }
  }
  return g;
}

bool AggregateState::prefetch(std::span<const std::string_view> keys) {
  if (!store_ || all_in_memory_ || keys.empty()) return true;
  missing_.clear();
  for (std::string_view k : keys) {
    if (!groups_.count(k)) missing_.push_back(k);
  }
  std::sort(missing_.begin(), missing_.end());
  missing_.erase(std::unique(missing_.begin(), missing_.end()), missing_.end());
  Status st = store_->multi_get(missing_, [&](size_t i, const std::string_view* value) {
    AggregateGroup* g = create(missing_[i]);
    return value ? load(*g, *value) : Status::ok();
  });
  if (!st.is_ok() && store_error_.is_ok()) {
    store_error_ = st.with_context("state store " + store_->name());
  }
  return st.is_ok();
}

void AggregateState::append_durable(const AggregateGroup& g, std::string& value) const {
  char header[9];
  std::memcpy(header, &g.timestamp, 8);
  header[8] = g.visible ? 1 : 0;
  value.append(header, sizeof(header));
  const auto* block = reinterpret_cast<const std::byte*>(&g);
  for (size_t i = 0; i < op_.plan_.calls.size(); ++i) {
    op_.plan_.calls[i].function->serialize(block + op_.offsets_[i], value);
  }
}

void AggregateState::measure_heap(AggregateGroup& g) {
  if (op_.heap_calls_.empty()) return;
  const auto* block = reinterpret_cast<const std::byte*>(&g);
  size_t heap = 0;
  for (size_t i : op_.heap_calls_) {
    heap += op_.plan_.calls[i].function->heap_bytes(block + op_.offsets_[i]);
  }
  auto h = static_cast<uint32_t>(std::min<size_t>(heap, UINT32_MAX));
  memory_bytes_ = memory_bytes_ - g.heap + h;
  g.heap = h;
}

void AggregateState::take_changes(state::ChangeBuffer& out) {
  if (stream_time_changed_) {
    // The stream time goes with the groups it closed windows for (exact after a restart).
    out.add_with(kStreamTimeKey, [&](std::string& value) { append_times(value); });
    stream_time_changed_ = false;
    stream_time_unflushed_ = store_ != nullptr;
  }
  // Deleted groups first (a key deleted and made again has its new version after).
  for (std::string& key : removed_) {
    out.add(key, std::string_view());
    if (store_) removed_unflushed_.push_back(std::move(key));
  }
  removed_.clear();
  for (AggregateGroup* g : dirty_) {
    measure_heap(*g);
    out.add_with(g->key, [&](std::string& value) { append_durable(*g, value); });
    g->dirty = false;
    if (store_ && !g->unflushed) {
      g->unflushed = true;
      unflushed_.push_back(g);
    }
  }
  dirty_.clear();
}

Status AggregateState::commit(int64_t changelog_end, bool flush) {
  if (!store_) return Status::ok();
  ++epoch_;
  auto now = std::chrono::steady_clock::now();
  // Near the budget, every commit flushes: the next batches' eviction needs clean groups.
  if (!flush && memory_bytes() <= cache_bytes_ / 4 * 3 && now - last_flush_ < kFlushInterval) {
    return Status::ok();
  }
  // No group changed since the changes were taken (the caller commits between polls): what
  // each unflushed group holds is its committed version. Written in chunks (bounded memory); the
  // chunks before the last keep the store's old position, from which a replay after a crash
  // in between brings every group to its committed version again.
  constexpr size_t kChunk = 8192;
  state::ChangeBuffer records;
  std::vector<state::StateChangeView> chunk;
  for (size_t from = 0; from < unflushed_.size() || from == 0; from += kChunk) {
    size_t to = std::min(unflushed_.size(), from + kChunk);
    records.clear();
    for (size_t i = from; i < to; ++i) {
      records.add_with(unflushed_[i]->key,
                       [&](std::string& value) { append_durable(*unflushed_[i], value); });
    }
    if (from == 0 && stream_time_unflushed_) {
      records.add_with(kStreamTimeKey, [&](std::string& value) { append_times(value); });
      stream_time_unflushed_ = false;
    }
    chunk.clear();
    if (from == 0) {
      for (const std::string& key : removed_unflushed_) chunk.push_back({key, std::nullopt});
    }
    for (size_t i = 0; i < records.size(); ++i) {
      chunk.push_back({records.key(i), records.value(i)});
    }
    bool last = to == unflushed_.size();
    SLUICE_RETURN_IF_ERROR(
        store_->restore(chunk, last ? changelog_end : store_->changelog_offset()));
    if (last) break;
  }
  for (AggregateGroup* g : unflushed_) g->unflushed = false;
  unflushed_.clear();
  removed_unflushed_.clear();
  last_flush_ = now;
  evict();
  return Status::ok();
}

void AggregateState::evict(size_t room) {
  if (memory_bytes() + room <= cache_bytes_) return;
  // Down to 3/4 of the budget (or lower, for more room), so that eviction runs once per several
  // commits or batches, not at each.
  const size_t target = cache_bytes_ - std::min(cache_bytes_, std::max(room, cache_bytes_ / 4));
  const size_t need = memory_bytes() - std::min(memory_bytes(), target);
  auto evictable = [](const AggregateGroup* g) {
    return !g->dirty && !g->unflushed && !g->waiting;
  };
  // Least recently used first, without sorting the groups: the clean groups' bytes per epoch of
  // last use (one epoch per commit, so few of them) say below which epoch every clean group
  // goes, and how many bytes of the cutoff epoch's go too.
  std::map<uint32_t, size_t> bytes_by_epoch;
  for (const AggregateGroup* g : groups_) {
    if (evictable(g)) bytes_by_epoch[g->used] += group_bytes(*g);
  }
  uint32_t cutoff = std::numeric_limits<uint32_t>::max();
  size_t cutoff_bytes = 0;  // of the cutoff epoch's groups, to evict
  size_t older = 0;
  for (const auto& [epoch, bytes] : bytes_by_epoch) {
    if (older + bytes >= need) {
      cutoff = epoch;
      cutoff_bytes = need - older;
      break;
    }
    older += bytes;
  }
  boost::unordered::erase_if(groups_, [&](AggregateGroup* g) {
    size_t bytes = group_bytes(*g);
    bool go = evictable(g) && (g->used < cutoff || (g->used == cutoff && cutoff_bytes > 0));
    if (!go) return false;
    if (g->used == cutoff) cutoff_bytes -= std::min(cutoff_bytes, bytes);
    memory_bytes_ -= bytes;
    destroy(*g);
    all_in_memory_ = false;
    return true;
  });
  // The table's slots count too: one grown for a burst of new groups shrinks with them.
  if (groups_.size() < groups_.bucket_count() / 4) groups_.rehash(0);
#ifdef __GLIBC__
  // Long keys and the accumulators' heap back to the system: without, glibc keeps the pages and
  // the process stays at its peak however much was evicted.
  malloc_trim(0);
#endif
}

Status AggregateState::load(AggregateGroup& g, std::string_view value) {
  if (value.size() < 9) return Status::corruption("aggregate state: truncated group");
  auto* block = reinterpret_cast<std::byte*>(&g);
  // A group restored twice (the changelog holds every version) starts over each time.
  for (size_t i = 0; i < op_.plan_.calls.size(); ++i) {
    op_.plan_.calls[i].function->destroy(block + op_.offsets_[i]);
    op_.plan_.calls[i].function->init(block + op_.offsets_[i]);
  }
  std::memcpy(&g.timestamp, value.data(), 8);
  g.visible = value[8] != 0;
  value.remove_prefix(9);
  for (size_t i = 0; i < op_.plan_.calls.size(); ++i) {
    SLUICE_RETURN_IF_ERROR(
        op_.plan_.calls[i].function->deserialize(block + op_.offsets_[i], value));
  }
  if (!value.empty()) return Status::corruption("aggregate state: trailing bytes");
  measure_heap(g);
  return Status::ok();
}

void AggregateState::append_times(std::string& value) const {
  append_ordered_int64(value, stream_time_);
  if (op_.plan_.window && op_.plan_.window->emit_final) {
    append_ordered_int64(value, last_emit_close_);
  }
}

void AggregateState::add_pending(AggregateGroup& g) {
  if (g.pending) return;
  g.pending = true;
  const WindowPlan& w = *op_.plan_.window;
  int64_t start = ordered_int64_at_end(g.key);
  max_start_ = std::max(max_start_, start);
  if (start + w.size > last_emit_close_) pending_.emplace(start + w.size, g.key);
}

Status AggregateState::restore(std::string_view key, std::string_view value) {
  if (key == kStreamTimeKey) {
    if (value.size() != 8 && value.size() != 16) {
      return Status::corruption("aggregate state: bad stream time");
    }
    stream_time_ = ordered_int64_at_end(value.substr(0, 8));
    if (value.size() == 16) last_emit_close_ = ordered_int64_at_end(value);
    return Status::ok();
  }
  auto it = groups_.find(key);
  AggregateGroup& g = it != groups_.end() ? **it : *create(key);
  SLUICE_RETURN_IF_ERROR(load(g, value));
  if (op_.plan_.window && op_.plan_.window->emit_final && !op_.plan_.window->session) {
    add_pending(g);
  }
  if (op_.plan_.window && op_.plan_.window->session) index_session(g.key, g.timestamp);
  if (op_.plan_.window && !op_.plan_.window->session) track_window(g);
  return Status::ok();
}

void AggregateState::track_window(AggregateGroup& g) {
  if (g.tracked) return;
  g.tracked = true;
  windows_by_end_.emplace(ordered_int64_at_end(g.key) + op_.plan_.window->size, g.key);
}

void AggregateState::drop_closed_windows() {
  const WindowPlan& w = *op_.plan_.window;
  if (stream_time_ == std::numeric_limits<int64_t>::min()) return;
  const int64_t close = stream_time_ - w.grace;
  std::vector<AggregateGroup*> gone;
  for (auto it = windows_by_end_.begin(); it != windows_by_end_.end();) {
    const auto& [end, key] = *it;
    // EMIT FINAL: only once its final result is behind (emitted, or expired unemitted).
    if (end > close || (w.emit_final && end > last_emit_close_)) break;
    auto g = groups_.find(std::string_view(key));
    if (g != groups_.end() && (*g)->waiting) {  // its buffered result is not out yet
      ++it;
      continue;
    }
    if (g != groups_.end()) gone.push_back(*g);
    removed_.push_back(key);
    it = windows_by_end_.erase(it);
  }
  unlink(gone);
}

void AggregateState::index_session(std::string_view key, int64_t end) {
  if (key.size() < 8) return;
  auto& sessions = sessions_[std::string(key.substr(0, key.size() - 8))];
  auto [it, added] = sessions.try_emplace(ordered_int64_at_end(key), end);
  if (op_.plan_.window->emit_final) {
    if (!added) session_ends_.erase({it->second, std::string(key)});
    session_ends_.emplace(end, key);
  }
  it->second = end;
}

void AggregateState::remove(std::string_view key) {
  if (op_.plan_.window && op_.plan_.window->session && key.size() >= 8) {
    auto s = sessions_.find(std::string(key.substr(0, key.size() - 8)));
    if (s != sessions_.end()) {
      auto it = s->second.find(ordered_int64_at_end(key));
      if (it != s->second.end()) {
        session_ends_.erase({it->second, std::string(key)});
        s->second.erase(it);
      }
      if (s->second.empty()) sessions_.erase(s);
    }
  }
  auto it = groups_.find(key);
  if (it != groups_.end()) {
    AggregateGroup* g = *it;
    unlink(std::span<AggregateGroup* const>(&g, 1));
  }
  removed_.emplace_back(key);
}

void AggregateOperator::execute(const ColumnBatch& in, std::span<const uint32_t> rows,
                                ExpressionState& exprs, ColumnBatch& out,
                                AggregateState& state) const {
  out.reset();
  out.reserve(std::max<size_t>(rows.size(), 1));
  state.output_groups_.clear();
  // The groups deleted during the last batch (its output rows may have pointed at them).
  state.free_removed();
  // Windows closed since: their groups go (here, not at the end of a batch, whose output rows
  // still point at its groups).
  if (plan_.window && !plan_.window->session) state.drop_closed_windows();
  if (rows.empty()) return;
  // Room for this batch's groups, should they all be new: clean groups go now, not at the next
  // commit (only the groups changed since the last checkpoint may hold the cache over budget).
  if (state.store_) state.evict(new_groups_bytes(rows.size()));
  size_t groups = plan_.group_by.size();
  state.group_vectors_.resize(groups);
  for (size_t k = 0; k < groups; ++k) {
    state.group_vectors_[k] = &exprs.eval(*plan_.group_by[k], in, rows);
  }
  state.arg_vectors_.resize(plan_.calls.size());
  for (size_t i = 0; i < plan_.calls.size(); ++i) {
    auto& args = state.arg_vectors_[i];
    args.clear();
    for (const BoundExprPtr& a : plan_.calls[i].args) args.push_back(&exprs.eval(*a, in, rows));
  }
  state.deleted_groups_.clear();
  if (plan_.window && plan_.window->session) {
    execute_sessions(in, rows, out, state);
    return;
  }
  // Every row's group keys first (one batched lookup of those only in the store).
  std::string& keys = state.row_keys_;
  auto& entries = state.entries_;
  keys.clear();
  entries.clear();
  state.late_rows_.clear();
  const WindowPlan* window = plan_.window ? &*plan_.window : nullptr;
  const bool final = window && window->emit_final;
  // EMIT FINAL: the stream time after each row (windows close record by record).
  std::vector<std::pair<uint32_t, int64_t>>& row_times = state.row_times_;
  row_times.clear();
  for (uint32_t r : rows) {
    if (final) row_times.emplace_back(r, std::max(state.stream_time_, in.rowtime()[r]));
    size_t begin = keys.size();
    if (!append_group_key(state.group_vectors_, r, keys)) {
      keys.resize(begin);
      continue;
    }
    auto size = static_cast<uint32_t>(keys.size() - begin);
    if (!window) {
      entries.push_back({r, static_cast<uint32_t>(begin), size, 0});
      continue;
    }
    // Kafka Streams' windowed aggregation: stream time first, then each window of the row's
    // timestamp that has not closed (end > stream time - grace); a record too late for one is
    // dropped from it.
    int64_t ts = in.rowtime()[r];
    if (ts > state.stream_time_) {
      state.stream_time_ = ts;
      state.stream_time_changed_ = true;
    }
    state.windows_.clear();
    if (ts >= 0) window->windows_of(ts, state.windows_);
    const int64_t close = state.stream_time_ - window->grace;
    // A negative timestamp is in no window (reported with window end -1).
    std::optional<int64_t> late_end;
    if (ts < 0) late_end = -1;
    bool first = true;
    for (int64_t start : state.windows_) {
      if (start + window->size <= close) {
        if (!late_end) late_end = start + window->size;
        continue;
      }
      // The group key, then the window's start: the first window's key extends the encoded
      // grouping values in place, the others copy them.
      uint32_t key_begin = static_cast<uint32_t>(first ? begin : keys.size());
      if (!first) keys.append(keys, begin, size);
      append_ordered_int64(keys, start);
      entries.push_back({r, key_begin, static_cast<uint32_t>(keys.size() - key_begin), start});
      first = false;
    }
    if (first) keys.resize(begin);  // in no window
    if (late_end) {
      ++state.late_records_;
      state.late_rows_.push_back({r, *late_end});
    }
  }
  auto key_of = [&](const AggregateState::Entry& e) {
    return std::string_view(keys).substr(e.key_begin, e.key_size);
  };
  if (state.store_ && !state.all_in_memory_) {
    std::vector<std::string_view>& wanted = state.wanted_;
    wanted.clear();
    for (const auto& e : entries) wanted.push_back(key_of(e));
    if (!state.prefetch(wanted)) return;
  }
  const size_t first_call = plan_.first_call_column();
  size_t next_time = 0;  // EMIT FINAL: the next row whose stream time closes windows
  auto close_through = [&](uint32_t row) {
    // The rows up to `row` (in batch order) have been applied: their stream times close windows.
    while (next_time < row_times.size() && row_times[next_time].first <= row) {
      emit_closed(state, row_times[next_time].second, out);
      ++next_time;
    }
  };
  for (size_t i = 0; i < entries.size(); ++i) {
    const AggregateState::Entry& e = entries[i];
    uint32_t r = e.row;
    if (final && r > 0) close_through(r - 1);
    std::string_view key = key_of(e);
    // An update that stays in its group shows only its result, not the group without the
    // old row in between (a group change shows both groups).
    bool quiet = false;
    if (in.change()[r] == Change::kUpdateBefore && i + 1 < entries.size()) {
      uint32_t n = entries[i + 1].row;
      quiet = in.change()[n] == Change::kUpdateAfter && in.offset()[n] == in.offset()[r] &&
              in.partition()[n] == in.partition()[r] && key_of(entries[i + 1]) == key;
    }
    AggregateGroup* group = state.find_or_create(key);
    if (!group) return;  // the store failed: nothing more is right
    auto* block = reinterpret_cast<std::byte*>(group);
    bool retract = format::is_retraction(in.change()[r]);
    for (size_t c = 0; c < plan_.calls.size(); ++c) {
      const AggregateFunction& fn = *plan_.calls[c].function;
      if (retract) {
        fn.retract(block + offsets_[c], state.arg_vectors_[c], r);
      } else {
        fn.update(block + offsets_[c], state.arg_vectors_[c], r);
      }
    }
    group->timestamp = std::max(group->timestamp, in.rowtime()[r]);
    if (!group->dirty) {
      group->dirty = true;
      state.dirty_.push_back(group);
    }
    if (window) state.track_window(*group);
    if (final) {
      state.add_pending(*group);
      continue;
    }
    if (state.buffer_bytes_ > 0) {
      if (!group->waiting) {
        group->waiting = true;
        state.waiting_.push_back(group);
        state.waiting_bytes_ += state.group_bytes(*group);
      }
      continue;
    }
    if (quiet) continue;

    uint32_t o = add_row(out);
    out.rowtime()[o] = group->timestamp;
    out.partition()[o] = in.partition()[r];
    out.offset()[o] = in.offset()[r];
    out.key_null()[o] = 0;
    out.value_null()[o] = 0;
    out.change()[o] = Change::kUpdateAfter;
    for (size_t k = 0; k < groups; ++k) {
      copy_row(*state.group_vectors_[k], r, out.column(k), o, StringCopy::kOwned);
    }
    if (window) set_window_bounds(out, groups, o, e.window_start, window->size);
    for (size_t c = 0; c < plan_.calls.size(); ++c) {
      plan_.calls[c].function->finalize(block + offsets_[c], out.column(first_call + c), o);
    }
    state.output_groups_.push_back(group);
  }
  if (final) close_through(UINT32_MAX);
}

uint32_t AggregateOperator::result_row(const AggregateGroup& group, ColumnBatch& out) const {
  uint32_t o = add_row(out);
  out.rowtime()[o] = group.timestamp;
  out.partition()[o] = 0;
  out.offset()[o] = -1;
  out.key_null()[o] = 0;
  out.value_null()[o] = 0;
  out.change()[o] = Change::kUpdateAfter;
  // The grouping values are the group's key decoded (a window's start follows them).
  const size_t groups = plan_.group_by.size();
  std::string_view key = group.key;
  for (size_t k = 0; k < groups; ++k) {
    if (!state::decode_value(key, out.column(k), o).is_ok()) out.column(k).set_null(o);
  }
  if (plan_.window) {
    int64_t start = ordered_int64_at_end(group.key);
    set_window_bounds(out, groups, o, start, window_end(*plan_.window, group, start) - start);
  }
  const auto* block = reinterpret_cast<const std::byte*>(&group);
  const size_t first_call = plan_.first_call_column();
  for (size_t c = 0; c < plan_.calls.size(); ++c) {
    plan_.calls[c].function->finalize(block + offsets_[c], out.column(first_call + c), o);
  }
  return o;
}

void AggregateOperator::emit_closed(AggregateState& state, int64_t stream_time,
                                    ColumnBatch& out) const {
  const WindowPlan& w = *plan_.window;
  const int64_t close = stream_time - w.grace;
  // Kafka Streams emits when the close time moves on and some window can have ended by it.
  if (close <= state.last_emit_close_ || close - w.size < 0) return;
  // The oldest start still retained, counted from the latest window start put (the window
  // store's time in Kafka Streams).
  const int64_t oldest = state.max_start_ - w.retention;
  auto& pending = state.pending_;
  while (!pending.empty() && pending.begin()->first <= close) {
    auto node = pending.extract(pending.begin());
    const auto& [end, key] = node.value();
    AggregateGroup* group = state.find_or_create(key);
    if (!group) return;  // the store failed
    group->pending = false;
    if (end > state.last_emit_close_ && end - w.size >= oldest) {
      result_row(*group, out);
      state.output_groups_.push_back(group);
    }
  }
  state.last_emit_close_ = close;
  state.stream_time_changed_ = true;
}

void AggregateOperator::execute_sessions(const ColumnBatch& in, std::span<const uint32_t> rows,
                                         ColumnBatch& out, AggregateState& state) const {
  const WindowPlan& w = *plan_.window;
  state.late_rows_.clear();
  std::string key;
  std::vector<std::pair<int64_t, int64_t>> merged;  // (start, end) of the sessions merged
  const bool final = w.emit_final;
  for (uint32_t r : rows) {
    // EMIT FINAL: the sessions the previous row's stream time closed, before this row.
    if (final) emit_closed_sessions(state, out);
    key.clear();
    if (!append_group_key(state.group_vectors_, r, key)) continue;
    const int64_t ts = in.rowtime()[r];
    if (ts > state.stream_time_) {
      state.stream_time_ = ts;
      state.stream_time_changed_ = true;
    }
    if (ts < 0) {
      ++state.late_records_;
      state.late_rows_.push_back({r, -1});
      continue;
    }
    // A session that ended before this is closed: no record can extend it any more.
    const int64_t close = state.stream_time_ - w.size - w.grace;
    std::map<int64_t, int64_t>& sessions = state.sessions_[key];
    merged.clear();
    int64_t start = ts, end = ts;
    for (auto it = sessions.begin(); it != sessions.end() && it->first <= ts + w.size; ++it) {
      if (it->second >= ts - w.size && it->second >= close) {
        merged.emplace_back(it->first, it->second);
        start = std::min(start, it->first);
        end = std::max(end, it->second);
      }
    }
    if (end < close) {
      if (sessions.empty()) state.sessions_.erase(key);
      ++state.late_records_;
      state.late_rows_.push_back({r, end});
      continue;
    }
    auto session_key = [&](int64_t s) {
      std::string k = key;
      append_ordered_int64(k, s);
      return k;
    };
    // The merged sessions' results are deleted first (Kafka Streams forwards a tombstone for
    // each), then folded into the session that keeps the earliest start.
    AggregateGroup* target = nullptr;
    for (const auto& [s, e] : merged) {
      AggregateGroup* g = state.find_or_create(session_key(s));
      if (!g) return;  // the store failed
      if (!final) {
        uint32_t o = result_row(*g, out);
        out.value_null()[o] = 1;
        out.change()[o] = Change::kDelete;
        state.output_groups_.push_back(nullptr);
        state.deleted_groups_.push_back(g);
      }
      if (s == start) target = g;
    }
    if (!target) {
      target = state.find_or_create(session_key(start));
      if (!target) return;
    }
    auto* into = reinterpret_cast<std::byte*>(target);
    for (const auto& [s, e] : merged) {
      if (s == start) continue;
      std::string k = session_key(s);
      AggregateGroup* g = state.find_or_create(k);
      if (!g) return;
      const auto* from = reinterpret_cast<const std::byte*>(g);
      for (size_t c = 0; c < plan_.calls.size(); ++c) {
        plan_.calls[c].function->merge(into + offsets_[c], from + offsets_[c]);
      }
      target->timestamp = std::max(target->timestamp, g->timestamp);
      state.remove(k);
    }
    for (size_t c = 0; c < plan_.calls.size(); ++c) {
      plan_.calls[c].function->update(into + offsets_[c], state.arg_vectors_[c], r);
    }
    target->timestamp = std::max(target->timestamp, ts);
    std::map<int64_t, int64_t>& index = state.sessions_[key];
    for (const auto& [s, e] : merged) {
      index.erase(s);
      if (final) state.session_ends_.erase({e, session_key(s)});
    }
    state.index_session(session_key(start), end);
    if (!target->dirty) {
      target->dirty = true;
      state.dirty_.push_back(target);
    }
    if (final) continue;
    uint32_t o = result_row(*target, out);
    out.partition()[o] = in.partition()[r];
    out.offset()[o] = in.offset()[r];
    state.output_groups_.push_back(target);
  }
  if (final) emit_closed_sessions(state, out);
}

void AggregateOperator::emit_closed_sessions(AggregateState& state, ColumnBatch& out) const {
  const WindowPlan& w = *plan_.window;
  if (state.stream_time_ == std::numeric_limits<int64_t>::min()) return;
  const int64_t close = state.stream_time_ - w.size - w.grace;
  while (!state.session_ends_.empty() && state.session_ends_.begin()->first < close) {
    std::string key = state.session_ends_.begin()->second;
    AggregateGroup* g = state.find_or_create(key);
    if (!g) return;  // the store failed
    result_row(*g, out);
    state.output_groups_.push_back(g);
    // Emitted once: the session leaves the state (a changelog tombstone), so that no restart
    // emits it again.
    state.remove(key);
  }
}

void AggregateOperator::flush(AggregateState& state, size_t max_rows, ColumnBatch& out) const {
  out.reset();
  state.output_groups_.clear();
  size_t n = std::min(max_rows, state.waiting_.size() - state.waiting_from_);
  out.reserve(std::max<size_t>(n, 1));
  for (size_t i = 0; i < n; ++i) {
    AggregateGroup* group = state.waiting_[state.waiting_from_ + i];
    group->waiting = false;
    result_row(*group, out);
    state.output_groups_.push_back(group);
  }
  state.waiting_from_ += n;
  if (state.waiting_from_ == state.waiting_.size()) {
    state.waiting_.clear();
    state.waiting_from_ = 0;
    state.waiting_bytes_ = 0;
  }
}

}  // namespace sluice::sql
