// The stateful operators of a GROUP BY query (DuckDB's split: an immutable operator built from
// the plan, a state object per task that holds the data):
//
//   TableChangesOperator  a table source's records (upserts and tombstones per key) -> changes:
//                         a new key's row is an insert, a replaced row an update-before (the old
//                         row) followed by an update-after, a tombstone a delete of the old row.
//                         Its state is the table's current rows.
//   AggregateOperator     changes in, per group the aggregate calls' accumulators updated
//                         (inserts, update-afters) or retracted (deletes, update-befores), and
//                         one result row per change of a group out: the grouping values, the
//                         calls' results, the group's timestamp (the largest of its inputs', as
//                         Kafka Streams' aggregations give).
//
// Groups are keyed by the memcomparable encoding of their grouping values (state/key_codec.h);
// a row with a NULL grouping value joins no group (ksqlDB drops it). A group is one allocation:
// its header (key included) and accumulators laid out per the calls' state sizes.
//
// Without a store every group stays in memory. With one (a RocksDB StateStore, attach_store())
// the memory is a cache of bounded size over it: the groups changed since the last checkpoint
// stay in memory (they are the checkpoint's changelog records), a committed checkpoint writes
// them to the store, and clean groups are then evicted, least recently used first, until the
// cache is within its budget; a group that is not in memory is read back from the store.
//
// Output buffering (ksqlDB's record cache, ksql.streams.cache.max.bytes.buffering): instead of a
// result row per change, a changed group waits, once, and flush() gives its current result: a
// group updated many times between two flushes (checkpoints) is emitted once, with its latest
// value, as ksqlDB's cache suppresses intermediate updates.
//
// Thread-safety: operators are immutable and shared; a state belongs to one task (one thread).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/unordered/unordered_flat_set.hpp>

#include "common/status.h"
#include "format/column_batch.h"
#include "sql/exec/expression_executor.h"
#include "sql/planner/query_plan.h"
#include "sql/state/change_buffer.h"

namespace sluice::sql {

namespace state {
class StateStore;
}

class TableChangesState;

class TableChangesOperator {
 public:
  explicit TableChangesOperator(const SourcePlan& source);
  std::unique_ptr<TableChangesState> make_state() const;
  // Turns the active rows of `in` (decoded records, tombstones with value_null) into changes in
  // `out` (reset first; the same schema), in record order.
  void execute(const format::ColumnBatch& in, format::ColumnBatch& out,
               TableChangesState& state) const;

 private:
  const SourcePlan& source_;
};

// The table's rows: in memory, or (attach_store()) in a RocksDB store whose source topic is its
// changelog (Kafka Streams' source-table optimization): the store holds the rows as of a source
// offset (its changelog_offset()), memory only the changes since it was last written.
class TableChangesState {
 public:
  Status attach_store(state::StateStore* store);
  state::StateStore* store() const { return store_; }
  // The records before `source_offset` are applied: the changes in memory are written to the
  // store (with that offset as its position) when `flush` says, when they take more than
  // kMaxPendingBytes, or every kFlushInterval.
  Status commit(int64_t source_offset, bool flush);
  static constexpr size_t kMaxPendingBytes = 16 << 20;
  static constexpr std::chrono::seconds kFlushInterval{10};
  // A failure to read the store (the query cannot go on: its changes would be wrong).
  const Status& store_error() const { return store_error_; }

 private:
  friend class TableChangesOperator;
  // The row of `key` (nullptr: none): the changes in memory, else the batch's store reads.
  const std::string* find(const std::string& key) const;

  // Source key (encoded key columns) -> the row's columns, each encoded (key_codec); with a store,
  // the changes since it was last written (nullopt: a deleted row).
  std::unordered_map<std::string, std::optional<std::string>> rows_;
  size_t pending_bytes_ = 0;
  state::StateStore* store_ = nullptr;
  // With a store: the rows of the current batch's keys not in rows_, read from it at once.
  std::unordered_map<std::string, std::string> fetched_;
  Status store_error_ = Status::ok();
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
  std::string key_;
};

class AggregateState;
struct AggregateGroup;

class AggregateOperator {
 public:
  explicit AggregateOperator(const AggregatePlan& plan);
  std::unique_ptr<AggregateState> make_state() const;
  // Applies the changes in rows `rows` of `in` in order (`exprs` evaluates the grouping values
  // and arguments, sized for plan.num_source_slots); appends one row to `out` (schema
  // plan.schema; reset first) per change applied, and the group it changed to `state`'s
  // output_groups().
  // With output buffering (AggregateState::set_buffering), `out` gets no rows: the groups changed
  // wait for flush().
  void execute(const format::ColumnBatch& in, std::span<const uint32_t> rows,
               ExpressionState& exprs, format::ColumnBatch& out, AggregateState& state) const;
  // EMIT FINAL: appends to `out` the final result of each window that the stream time
  // `stream_time` closes (AggregateState::pending_), marking its group in output_groups().
  void emit_closed(AggregateState& state, int64_t stream_time, format::ColumnBatch& out) const;
  // Appends the current result row of `group` to `out`.
  uint32_t result_row(const AggregateGroup& group, format::ColumnBatch& out) const;
  // SESSION windows (Kafka Streams' session aggregation), row by row: a row merges the sessions
  // of its key within the gap of its timestamp that have not closed into one (their results
  // deleted, then the merged session's emitted); a row whose merged session would end before
  // stream time - gap - grace is late.
  void execute_sessions(const format::ColumnBatch& in, std::span<const uint32_t> rows,
                        format::ColumnBatch& out, AggregateState& state) const;
  // SESSION windows with EMIT FINAL (no result per change): each session that stream time has
  // closed (it ended before stream time - gap - grace) gets its result, in order of end, and
  // leaves the state.
  void emit_closed_sessions(AggregateState& state, format::ColumnBatch& out) const;
  // Output buffering: the current result rows (as execute() makes them) of at most `max_rows` of
  // the groups waiting, in the order they first changed, into `out` (reset first), and those
  // groups to `state`'s output_groups(); they wait no longer.
  void flush(AggregateState& state, size_t max_rows, format::ColumnBatch& out) const;

 private:
  friend class AggregateState;
  // The memory the new groups of `rows` rows may take (their blocks; keys and accumulators' heap
  // aside).
  size_t new_groups_bytes(size_t rows) const;

  const AggregatePlan& plan_;
  std::vector<size_t> offsets_;  // of each call's accumulator in a group's block
  size_t block_size_ = 0;
  std::vector<size_t> heap_calls_;  // the calls whose accumulators hold heap memory
};

// One group's header; the accumulators follow at the operator's offsets.
struct AggregateGroup {
  int64_t timestamp = 0;
  bool visible = false;    // its last result passed HAVING (so a failing one must delete it)
  bool dirty = false;      // changed since the last take_changes()
  bool unflushed = false;  // its committed version is not in the store yet
  bool waiting = false;    // output buffering: changed since its result was last emitted
  bool pending = false;    // EMIT FINAL: in the state's windows waiting to close
  bool tracked = false;    // a time window's group: in the state's windows by end
  bool removed = false;    // deleted, its memory freed at the next batch
  uint32_t used = 0;       // the state's epoch when it was last used (eviction order)
  uint32_t heap = 0;       // its accumulators' heap as last measured (memory_bytes())
  std::string key;         // the group's key (in the block: no allocation for a short one)
};

class AggregateState {
 public:
  ~AggregateState();
  AggregateState(const AggregateState&) = delete;
  AggregateState& operator=(const AggregateState&) = delete;

  // Groups in memory (with a store, the cached ones) and the memory they take (estimated: the
  // groups' blocks, long keys, the accumulators' own heap — COLLECT_LIST's values for one, as
  // measured when the group was last loaded or checkpointed — and the hash table). The cache's
  // budget bounds this.
  size_t groups() const { return groups_.size(); }
  size_t memory_bytes() const { return memory_bytes_ + table_bytes(); }
  // Whether `records` more, each a new group, fit the cache's budget (always without a store).
  bool has_room(size_t records) const;

  // Backs the groups with `store` (its committed contents are the state; the memory keeps about
  // `cache_bytes` of it after each commit). Call before the first execute(). A store whose groups
  // fit in the cache is loaded whole: then a group not in memory is new, and RocksDB is not asked
  // for it (until a group is evicted).
  Status attach_store(state::StateStore* store, size_t cache_bytes);
  // A new budget for the cache (the memory governor's): groups beyond it are evicted at the next
  // batch or commit, as soon as they are clean.
  void set_cache_bytes(size_t cache_bytes) { cache_bytes_ = cache_bytes; }
  const state::StateStore* store() const { return store_; }
  // The first failure to read the store (the query cannot go on: its results would be wrong).
  const Status& store_error() const { return store_error_; }

  // The groups changed since the last call, each as (group key, durable form of the group: its
  // timestamp, HAVING visibility and accumulators), appended to `out` (the changelog records;
  // commit() writes them to the store later); they count as clean after.
  void take_changes(state::ChangeBuffer& out);
  // The changes taken so far are committed in the changelog, which ends at `changelog_end`. The
  // committed versions not yet in the store are written to it (with that position) when `flush`
  // says, when the cache is over its budget, or every kFlushInterval; until then the store keeps
  // an older position, from which a restart replays the changelog. A hot group is so written
  // once per flush, not at every commit. Then clean groups beyond the budget are evicted.
  Status commit(int64_t changelog_end, bool flush);
  static constexpr std::chrono::seconds kFlushInterval{10};
  // Puts back a group from its durable form (a changelog record), replacing it if present.
  Status restore(std::string_view key, std::string_view value);
  // Deletes a group (a changelog tombstone: a session merged into another).
  void remove(std::string_view key);
  // SESSION windows: the group of each deletion row of the last execute() (output_groups() holds
  // nullptr for it), in order; its result is deleted if it was emitted (passed HAVING) before,
  // in an earlier batch or earlier in this one. Valid until the next execute().
  std::span<AggregateGroup* const> deleted_groups() const { return deleted_groups_; }
  // A windowed aggregation's stream time (the largest timestamp it has read; INT64_MIN: none
  // yet), checkpointed with the state so that a restart closes the same windows.
  int64_t stream_time() const { return stream_time_; }
  // Records that came too late for a window they belong to (dropped from it, as ksqlDB does).
  uint64_t late_records() const { return late_records_; }
  // The last execute()'s late rows: each row and the end of a window it was too late for.
  struct LateRow {
    uint32_t row;
    int64_t window_end;
  };
  std::span<const LateRow> late_rows() const { return late_rows_; }
  // The group each output row of the last execute() or flush() changed.
  std::span<AggregateGroup* const> output_groups() const { return output_groups_; }

  // Output buffering: results wait for flush() (AggregateOperator), by themselves until the
  // groups waiting take more than `max_bytes` (then buffer_full()). 0: a result row per change.
  // A session or EMIT FINAL aggregation emits every result (deletes of merged sessions, final
  // results): it does not buffer.
  void set_buffering(size_t max_bytes) {
    const auto& w = op_.plan_.window;
    buffer_bytes_ = w && (w->session || w->emit_final) ? 0 : max_bytes;
  }
  bool buffering() const { return buffer_bytes_ > 0; }
  bool buffer_full() const { return waiting_bytes_ > buffer_bytes_; }
  size_t waiting() const { return waiting_.size(); }

 private:
  friend class AggregateOperator;
  explicit AggregateState(const AggregateOperator& op) : op_(op) {}
  // The group of `key`: in memory, else read from the store, else new. nullptr when the store
  // cannot be read (store_error() says why).
  AggregateGroup* find_or_create(std::string_view key);
  AggregateGroup* create(std::string_view key);
  // Brings the groups of `keys` that are only in the store into memory (one batched lookup), so
  // that find_or_create() finds them. false when the store failed (store_error()).
  bool prefetch(std::span<const std::string_view> keys);
  // Sets a group's contents from its durable form.
  Status load(AggregateGroup& g, std::string_view value);
  // Measures a group's accumulators' heap again (AggregateFunction::heap_bytes).
  void measure_heap(AggregateGroup& g);
  // A group's memory (memory_bytes()): its block, a long key's bytes, accumulators' heap.
  size_t group_bytes(const AggregateGroup& g) const;
  // The hash table's slots (a pointer and a byte of metadata each).
  size_t table_bytes() const { return groups_.bucket_count() * (sizeof(void*) + 1); }
  // Destroys a group's accumulators and header, and frees its block.
  void destroy(AggregateGroup& g);
  // Appends a group's durable form: its timestamp, HAVING visibility and accumulators.
  void append_durable(const AggregateGroup& g, std::string& value) const;
  // Frees clean groups, least recently used first, until the memory and `room` more are within
  // the budget.
  void evict(size_t room = 0);

  // The groups, by key (open addressing: a slot is a pointer to the group's block, which holds
  // the key; looked up by std::string_view).
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view k) const { return std::hash<std::string_view>{}(k); }
    size_t operator()(const AggregateGroup* g) const { return (*this)(std::string_view(g->key)); }
  };
  struct KeyEqual {
    using is_transparent = void;
    static std::string_view key(std::string_view k) { return k; }
    static std::string_view key(const AggregateGroup* g) { return g->key; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return key(a) == key(b);
    }
  };
  const AggregateOperator& op_;
  boost::unordered_flat_set<AggregateGroup*, KeyHash, KeyEqual> groups_;
  size_t memory_bytes_ = 0;
  state::StateStore* store_ = nullptr;
  size_t cache_bytes_ = 0;
  uint32_t epoch_ = 1;         // advanced at each commit
  bool all_in_memory_ = true;  // no group is only in the store
  Status store_error_ = Status::ok();
  std::vector<AggregateGroup*> output_groups_;
  std::vector<AggregateGroup*> dirty_;
  std::vector<AggregateGroup*> unflushed_;
  size_t buffer_bytes_ = 0;
  std::vector<AggregateGroup*> waiting_;  // output buffering: in the order they first changed
  size_t waiting_from_ = 0;               // waiting_[0, waiting_from_) were flushed already
  size_t waiting_bytes_ = 0;
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
  // A windowed aggregation's stream time: the largest timestamp read (INT64_MIN: none yet).
  int64_t stream_time_ = std::numeric_limits<int64_t>::min();
  bool stream_time_changed_ = false;  // since the last take_changes()
  // EMIT FINAL: the windows not yet emitted, by (end, key), and the window close time of the last
  // emission (INT64_MIN: none yet; windows ending at or before it are done), kept with the
  // stream time.
  std::set<std::pair<int64_t, std::string>> pending_;
  int64_t last_emit_close_ = std::numeric_limits<int64_t>::min();
  // The latest window start put into the state (the window store's time, which retention counts
  // from); derived from the groups on a restore.
  int64_t max_start_ = std::numeric_limits<int64_t>::min();
  // Queues a group's window for its final result.
  void add_pending(AggregateGroup& g);
  // SESSION windows: per grouping key (a group key without its start), its sessions' start ->
  // end (the session's latest timestamp), in memory or not; and the groups deleted since the
  // last take_changes() (changelog tombstones), and since the last store write.
  std::unordered_map<std::string, std::map<int64_t, int64_t>> sessions_;
  // EMIT FINAL: every session's group key by its end.
  std::set<std::pair<int64_t, std::string>> session_ends_;
  std::vector<std::string> removed_, removed_unflushed_;
  std::vector<AggregateGroup*> deleted_groups_;
  // Indexes a restored session group.
  void index_session(std::string_view key, int64_t end);
  // Time windows: every window's group by (end, key), in memory or not; a window's group is
  // deleted (with a changelog tombstone) once the window has closed (and, EMIT FINAL, been
  // dealt with): no record can change it any more, so the state holds open windows only.
  std::set<std::pair<int64_t, std::string>> windows_by_end_;
  void track_window(AggregateGroup& g);
  void drop_closed_windows();
  // Takes deleted groups out of the state (the table, the dirty, unflushed and waiting lists,
  // one pass each); their memory is freed by free_removed() at the next batch, as the current
  // batch's output rows may still point at them.
  void unlink(std::span<AggregateGroup* const> gone);
  void free_removed();
  std::vector<AggregateGroup*> removed_groups_;
  // The stream time record's value (the stream time, and for EMIT FINAL the last emission).
  void append_times(std::string& value) const;
  bool stream_time_unflushed_ = false;  // taken, not yet in the store
  // The state's record of the stream time (no group key is empty).
  static constexpr std::string_view kStreamTimeKey = "";
  uint64_t late_records_ = 0;
  std::vector<LateRow> late_rows_;
  // The groups a batch's rows go to, in execute(): per entry its row, window start (windowed)
  // and key (a span of row_keys_, back to back); a row with a NULL grouping value has none, a
  // windowed row one per window it is in.
  struct Entry {
    uint32_t row;
    uint32_t key_begin, key_size;
    int64_t window_start;
  };
  std::string row_keys_;
  std::vector<Entry> entries_;
  std::vector<int64_t> windows_;
  std::vector<std::pair<uint32_t, int64_t>> row_times_;  // EMIT FINAL: (row, stream time after)
  std::vector<std::string_view> wanted_, missing_;
  std::vector<const format::Vector*> group_vectors_;
  std::vector<std::vector<const format::Vector*>> arg_vectors_;
};

}  // namespace sluice::sql
