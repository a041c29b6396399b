// The transaction coordinator of Kafka's exactly-once protocol (KIP-98, KIP-360, KIP-447), for the
// transactional ids of a single-node Sluice.
//
// Per transactional id it keeps the producer id and epoch, the transaction's state, the partitions
// and consumer groups added to it, the offsets committed in it (TxnOffsetCommit), and its timeout.
// Every change is made durable through TxnHost::persist() (the broker appends the whole metadata
// to the compacted internal topic __transaction_state) before it takes effect in memory or is
// acknowledged; on start the broker feeds the records back through load() and calls
// complete_load(), which finishes every transaction whose commit or abort was decided but not yet
// written.
//
// States (Kafka's TransactionState): Empty -> Ongoing (AddPartitionsToTxn/AddOffsetsToTxn) ->
// PrepareCommit | PrepareAbort (EndTxn; the decision, durable) -> CompleteCommit | CompleteAbort
// (after the control batches are in every partition and, on commit, the offsets are committed to
// their groups) -> Ongoing again with the next transaction. EndTxn answers once the decision and
// the markers are written; if writing the markers fails, the decision stands and tick() retries.
//
// Fencing: InitProducerId of a transactional id bumps its epoch (aborting a transaction left
// open, with the bumped epoch, so that partitions fence the older producer too); a transaction
// open longer than its timeout is aborted by tick() with a bumped epoch as well. Requests with an
// older epoch get PRODUCER_FENCED. A producer that re-initialises with the id and the epoch it
// held before such a bump (KIP-360/KIP-588) gets a new epoch instead of being fenced.
//
// Thread-safety: thread-safe. One mutex guards the in-memory state and is never held across
// TxnHost calls; an operation with I/O marks its transactional id busy meanwhile, and another
// operation on the same id is answered CONCURRENT_TRANSACTIONS (retriable), as Kafka does while a
// state transition is pending.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "kafka/protocol/errors.h"

namespace sluice::kafka::txn {

enum class TxnState : int8_t {
  kEmpty = 0,
  kOngoing = 1,
  kPrepareCommit = 2,
  kPrepareAbort = 3,
  kCompleteCommit = 4,
  kCompleteAbort = 5,
};
const char* state_name(TxnState s);

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  bool operator==(const TopicPartition&) const = default;
  bool operator<(const TopicPartition& o) const {
    return std::tie(topic, partition) < std::tie(o.topic, o.partition);
  }
};

struct PendingOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
  bool operator==(const PendingOffset&) const = default;
};
using GroupOffsets = std::map<TopicPartition, PendingOffset>;

struct TxnMetadata {
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t epoch = -1;
  int16_t last_epoch = -1;  // the epoch before the last fencing bump (KIP-588), or -1
  int32_t timeout_ms = 60000;
  TxnState state = TxnState::kEmpty;
  std::set<TopicPartition> partitions;          // of the open transaction
  std::map<std::string, GroupOffsets> offsets;  // groups added to it, with their pending offsets
  int64_t start_ms = -1;                        // when the open transaction began
  int64_t update_ms = 0;

  bool operator==(const TxnMetadata&) const = default;
  // The value stored in __transaction_state (key: the transactional id).
  std::vector<uint8_t> encode() const;
  static Result<TxnMetadata> decode(std::string transactional_id, ByteSpan value);
};

// What the coordinator needs from the broker. Calls come without the coordinator's mutex held and
// may run concurrently for different transactional ids.
class TxnHost {
 public:
  virtual ~TxnHost() = default;
  // Durably records `m` (or, with nullopt, removes the transactional id) before returning ok.
  virtual Status persist(const std::string& transactional_id,
                         const std::optional<TxnMetadata>& m) = 0;
  // Appends a commit or abort control batch of (producer_id, epoch) to every partition. A
  // partition that no longer exists is skipped.
  virtual Status write_markers(int64_t producer_id, int16_t epoch, bool commit,
                               const std::set<TopicPartition>& partitions) = 0;
  // Commits offsets to a consumer group (a transaction's TxnOffsetCommit, on commit).
  virtual Status commit_offsets(const std::string& group, const GroupOffsets& offsets) = 0;
  // A fresh producer id.
  virtual Result<int64_t> new_producer_id() = 0;
  virtual int64_t now_ms() = 0;
};

struct CoordinatorConfig {
  int32_t max_timeout_ms = 900000;                    // transaction.max.timeout.ms
  int64_t id_expiration_ms = 7LL * 24 * 3600 * 1000;  // transactional.id.expiration.ms
};

struct InitResult {
  ErrorCode error = ErrorCode::kNone;
  int64_t producer_id = -1;
  int16_t epoch = -1;
};

struct TxnStats {
  size_t ids = 0;
  size_t ongoing = 0;
  uint64_t committed = 0;
  uint64_t aborted = 0;
  uint64_t timed_out = 0;
};

class TransactionCoordinator {
 public:
  TransactionCoordinator(TxnHost& host, CoordinatorConfig config = {})
      : host_(host), config_(config) {}

  // Start-up: every record of __transaction_state in order (nullopt value: a tombstone), then
  // complete_load(), which completes decided transactions (markers, offsets, Complete state).
  Status load(const std::string& transactional_id, std::optional<ByteSpan> value);
  Status complete_load();

  // InitProducerId with a transactional id. `expected` is the request's producer id and epoch
  // (v3+, -1 when unset).
  InitResult init_producer_id(const std::string& transactional_id, int32_t timeout_ms,
                              int64_t expected_producer_id, int16_t expected_epoch);
  // AddPartitionsToTxn: one error for all partitions (the handler reports it per partition).
  ErrorCode add_partitions(const std::string& transactional_id, int64_t producer_id, int16_t epoch,
                           const std::vector<TopicPartition>& partitions);
  // AddOffsetsToTxn.
  ErrorCode add_offsets(const std::string& transactional_id, int64_t producer_id, int16_t epoch,
                        const std::string& group);
  // TxnOffsetCommit: stages offsets for `group`; they are committed with the transaction.
  ErrorCode txn_offset_commit(const std::string& transactional_id, int64_t producer_id,
                              int16_t epoch, const std::string& group, const GroupOffsets& offsets);
  // EndTxn.
  ErrorCode end_txn(const std::string& transactional_id, int64_t producer_id, int16_t epoch,
                    bool commit);

  // Produce of a transactional batch: the producer's current epoch must be `epoch` and the
  // partition must have been added to its open transaction (INVALID_TXN_STATE otherwise, as
  // Kafka's KIP-890 verification answers). A producer id that no transactional id holds gives
  // INVALID_PRODUCER_ID_MAPPING, an older epoch INVALID_PRODUCER_EPOCH.
  ErrorCode verify_produce(int64_t producer_id, int16_t epoch, const TopicPartition& tp) const;
  // Whether an open transaction holds offsets of `group` for `tp` (OffsetFetch requireStable).
  bool has_pending_offsets(const std::string& group, const TopicPartition& tp) const;

  // Aborts timed-out transactions, retries completing decided ones, expires idle ids.
  void tick();

  std::optional<TxnMetadata> describe(const std::string& transactional_id) const;
  TxnStats stats() const;

 private:
  struct Entry {
    TxnMetadata meta;
    bool busy = false;  // an operation is writing; guarded by mu_ like meta
  };
  // AddPartitionsToTxn, AddOffsetsToTxn and TxnOffsetCommit: validates the producer; when
  // `answer_now` gives an answer (nothing to write, or a refusal) returns it, else persists the
  // metadata after `change` with the id busy meanwhile.
  ErrorCode update_transaction(
      const std::string& transactional_id, int64_t producer_id, int16_t epoch,
      const std::function<std::optional<ErrorCode>(const TxnMetadata&)>& answer_now,
      const std::function<void(TxnMetadata&)>& change);
  // Makes `m` an open transaction starting now, unless it is one already.
  void begin_if_needed(TxnMetadata& m);
  // Validation shared by AddPartitions/AddOffsets/TxnOffsetCommit/EndTxn; mu_ held.
  ErrorCode check_producer(const Entry* e, int64_t producer_id, int16_t epoch) const;
  // Persists `next` for a busy entry and installs it on success; the entry stays busy.
  Status persist_busy(const std::string& id, const TxnMetadata& next);
  // Writes markers and offsets for a Prepare* state, then persists Complete*. The entry must be
  // busy and stays so; the caller releases it.
  Status complete(const std::string& id, TxnMetadata prepared);
  // Fences (epoch bump) and aborts an open transaction of a busy entry, which stays busy.
  Status fence_and_abort(const std::string& id, TxnMetadata m);
  void release(const std::string& id);

  TxnHost& host_;
  const CoordinatorConfig config_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> txns_;                     // guarded by mu_
  std::map<int64_t, std::string> by_producer_id_;         // guarded by mu_
  uint64_t committed_ = 0, aborted_ = 0, timed_out_ = 0;  // guarded by mu_
};

}  // namespace sluice::kafka::txn
