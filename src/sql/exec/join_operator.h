// The operators of a join (QueryPlan::join; Kafka Streams' join processors, in one task):
//
//   JoinFeedSink  first stage, one per source: each record of the source becomes a record of
//                 the query's join topic, keyed by its join expression (memcomparable bytes:
//                 equal keys, one partition), valued with its source, whether it is a table's
//                 delete, its source partition, offset and columns (key_codec encoding).
//   JoinStep      second stage: the join topic's records in order, through the query's chain of
//                 joins (JoinPlan::steps: the first source is the first step's left input, source
//                 s the right input of step s - 1, a step's joined rows the next step's left
//                 input). Per input a step's state is updated and its joined rows come out (the
//                 joined batch: the key, then each source's columns), as ksqlDB's joins give
//                 them:
//     stream-stream  each side's records within the join window of the other's, kept until the
//                    side's stream time passes them by before + after + grace; a record joins the
//                    other side's records of its key in [ts - before, ts + after] (its own side's
//                    window is the mirror); an unmatched record of an outer side is emitted with
//                    NULLs at once (no GRACE PERIOD: ksqlDB's eager left/outer results), or, with
//                    a GRACE PERIOD, when the window closes and nothing has joined it (Kafka
//                    Streams' spurious-result fix), or at once when it arrives after its window
//                    closed.
//     stream-table   a stream record joins the table's current row of its key (LEFT: NULLs when
//                    there is none); a table record only updates the table.
//     table-table    a change on either side re-joins its key: the new joined row, or a delete
//                    when the key had a joined row and has none now.
//     foreign key    (table-table, the only step) see foreign_key_join().
//                 A joined row's time is the later of its records' (a stream-table join's, the
//                 stream record's).
//
// The state (JoinState) is a sorted map of records (table rows, window records, outer records
// waiting, stream times) whose changes are the checkpoint's changelog records, restored from
// the changelog or a RocksDB store.
//
// Thread-safety: operators are immutable and shared; a state belongs to one task.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/column_batch.h"
#include "sql/exec/expression_executor.h"
#include "sql/exec/pipeline.h"
#include "sql/planner/query_plan.h"
#include "sql/state/change_buffer.h"

namespace sluice::sql {

namespace state {
class StateStore;
}

class JoinFeedSink final : public PhysicalOperator {
 public:
  JoinFeedSink(const JoinPlan& join, int side) : join_(join), side_(side) {}
  std::string_view name() const override { return "JoinFeed"; }
  std::unique_ptr<OperatorState> make_state() const override;
  void execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const override;

 private:
  const JoinPlan& join_;
  const int side_;
};

class JoinState final : public OperatorState {
 public:
  // Records in memory and the memory they take (estimated).
  size_t entries() const { return records_.size(); }
  size_t memory_bytes() const { return memory_bytes_; }

  // The records changed since the last call, as changelog records (a deleted one with an empty
  // value), appended to `out`.
  void take_changes(state::ChangeBuffer& out);
  // Puts back a record from the changelog (an empty value deletes it).
  Status restore(std::string_view key, std::string_view value);
  // Backs the state with `store`: its contents are loaded, and each commit writes the records
  // committed since the last one to it.
  Status attach_store(state::StateStore* store);
  state::StateStore* store() const { return store_; }
  Status commit(int64_t changelog_end, bool flush);
  const Status& store_error() const { return store_error_; }

 private:
  friend class JoinStep;
  // `changed`: a change of this run, a changelog record at the next take_changes() (not one
  // restored from the changelog or the store).
  void put(std::string key, std::string value, bool changed = true);
  void erase(const std::string& key, bool changed = true);
  // Keeps a stream-stream step's window records indexed by time (`key`: a key of records_).
  void index(const std::string& key, bool add);

  // Every record, by key: [kind, step, ...] ('T' a table's row: side, join key; 'W' a stream's
  // record in its window store: side, join key, time, sequence; 'O' an outer record waiting for
  // its window to close: time, side, join key, sequence; 'S' a step's stream times); values are
  // the row's time, then its sources.
  std::map<std::string, std::string, std::less<>> records_;
  size_t memory_bytes_ = 0;
  // Changed since the last take_changes(); taken, not yet in the store (repeats allowed: both
  // are sorted and deduplicated when used).
  std::vector<std::string> dirty_;
  std::vector<std::string> unflushed_;
  state::StateStore* store_ = nullptr;
  Status store_error_ = Status::ok();
  // Per stream-stream step: the shared stream time (the largest timestamp read), each side's
  // window store time (the largest timestamp put into it), each side's window records by time.
  struct StepTimes {
    int64_t stream = INT64_MIN;
    int64_t side[2] = {INT64_MIN, INT64_MIN};
    std::set<std::pair<int64_t, const std::string*>> by_time[2];  // keys of records_
    bool changed = false;
  };
  std::vector<StepTimes> times_;
  StepTimes& times(size_t step);
  static std::string times_key(size_t step);

  // The current batch: per record its source, whether it deletes (a table's tombstone), its key
  // bytes (null key: empty with key_null) and its payload (source partition, offset, columns).
  struct Input {
    int side = 0;
    bool tombstone = false;
    bool key_null = false;
    std::string_view key;
    std::string_view payload;
    std::string_view foreign_key;  // a foreign-key join's left row: its encoding (empty: NULL)
    int64_t timestamp = 0;
    int64_t offset = 0;  // in the join topic: unique within the task
  };
  std::vector<Input> inputs_;
  int64_t seq_ = 0;  // rows a record made so far (their sequence numbers in later steps)
  std::unique_ptr<format::ColumnBatch> out_;
  // The last step, table-table: per change, its key's new joined row and old one (rows of out_,
  // -1: none); the WHERE clause decides over both which is emitted (Kafka Streams' filter over
  // a table's old and new values: a key whose old row did not pass gets no delete).
  struct Change {
    int64_t new_row = -1, old_row = -1;
    int64_t delete_time = 0;
  };
  std::vector<Change> changes_;
  std::unique_ptr<ExpressionState> exprs_;
};

class JoinStep final : public PhysicalOperator {
 public:
  // A primary-key table-table join applies the query's WHERE itself (the others leave it to a
  // Filter).
  explicit JoinStep(const QueryPlan& plan)
      : plan_(plan), join_(*plan.join), where_(filters(plan) ? plan.where.get() : nullptr) {}
  // Whether the join applies the query's WHERE clause (so no Filter follows it).
  static bool filters(const QueryPlan& plan) {
    return plan.where && plan.join->is_table() && !plan.join->foreign_key;
  }
  std::string_view name() const override { return "Join"; }
  std::unique_ptr<OperatorState> make_state() const override;
  // Reads the join topic's records' headers into the state (`batch` gets a row per record;
  // malformed records are reported and excluded).
  void decode(std::span<const InputRecord> records, format::ColumnBatch& batch,
              OperatorState& state, std::vector<RecordError>& errors) const;
  void execute(ExecContext& ctx, Chunk& chunk, OperatorState& state) const override;
  static JoinState& join_state(OperatorState& state) { return static_cast<JoinState&>(state); }

 private:
  // A row on its way through the steps: its key, time, sources (JoinState's value layout
  // without the time) and sequence number (unique per task: the join topic offset, and the
  // row's number among those its record made).
  struct Item {
    bool key_null = false;
    std::string key;
    int64_t ts = 0;
    bool tombstone = false;
    int64_t seq = 0;
    std::string sources;
  };
  // Runs `item` through step `step` as its left (0) or right (1) input.
  void push(JoinState& st, size_t step, int side, const Item& item, Chunk& out) const;
  // A step's joined row goes on to the next step, or, after the last, out.
  void forward(JoinState& st, size_t step, Item item, Chunk& out) const;
  // The joined row of a step (an empty side: NULLs).
  Item joined(size_t step, const Item& from, std::string_view left, std::string_view right,
              int64_t ts) const;
  void stream_stream(JoinState& st, size_t step, int side, const Item& in, Chunk& out) const;
  void stream_table(JoinState& st, size_t step, int side, const Item& in, Chunk& out) const;
  void table_table(JoinState& st, size_t step, int side, const Item& in, Chunk& out) const;
  // A foreign-key join's input (the query's only step).
  void foreign_key_join(JoinState& st, const JoinState::Input& in, Chunk& out) const;
  // Emits a step's outer records whose windows have closed (grace given).
  void emit_closed(JoinState& st, size_t step, Chunk& out) const;
  // Appends a joined row to the state's output batch; returns its row.
  uint32_t add_row(JoinState& st, const Item& item) const;
  // Table-table: the changes' rows that pass WHERE into `out`.
  void finish_changes(JoinState& st, Chunk& out) const;
  bool outer(size_t step, int side) const;

  const QueryPlan& plan_;
  const JoinPlan& join_;
  const BoundExpr* where_;
};

}  // namespace sluice::sql
