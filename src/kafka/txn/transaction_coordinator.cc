#include "kafka/txn/transaction_coordinator.h"

#include <spdlog/spdlog.h>

#include <limits>

namespace sluice::kafka::txn {

namespace {

constexpr uint8_t kValueVersion = 0;

void put_string(ByteWriter& w, std::string_view s) {
  w.put_uvarint(s.size());
  w.put_bytes(s);
}

std::string get_string(ByteReader& r) {
  uint64_t n = r.get_uvarint();
  if (n > r.remaining()) {
    r.fail();
    return {};
  }
  ByteSpan b = r.get_bytes(n);
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

bool is_prepare(TxnState s) {
  return s == TxnState::kPrepareCommit || s == TxnState::kPrepareAbort;
}

}  // namespace

const char* state_name(TxnState s) {
  switch (s) {
    case TxnState::kEmpty:
      return "Empty";
    case TxnState::kOngoing:
      return "Ongoing";
    case TxnState::kPrepareCommit:
      return "PrepareCommit";
    case TxnState::kPrepareAbort:
      return "PrepareAbort";
    case TxnState::kCompleteCommit:
      return "CompleteCommit";
    case TxnState::kCompleteAbort:
      return "CompleteAbort";
  }
  return "Unknown";
}

std::vector<uint8_t> TxnMetadata::encode() const {
  ByteWriter w;
  w.put_u8(kValueVersion);
  w.put_i64(producer_id);
  w.put_i16(epoch);
  w.put_i16(last_epoch);
  w.put_i32(timeout_ms);
  w.put_i8(static_cast<int8_t>(state));
  w.put_i64(start_ms);
  w.put_i64(update_ms);
  w.put_uvarint(partitions.size());
  for (const auto& tp : partitions) {
    put_string(w, tp.topic);
    w.put_i32(tp.partition);
  }
  w.put_uvarint(offsets.size());
  for (const auto& [group, offs] : offsets) {
    put_string(w, group);
    w.put_uvarint(offs.size());
    for (const auto& [tp, o] : offs) {
      put_string(w, tp.topic);
      w.put_i32(tp.partition);
      w.put_i64(o.offset);
      w.put_i32(o.leader_epoch);
      w.put_u8(o.metadata ? 1 : 0);
      if (o.metadata) put_string(w, *o.metadata);
    }
  }
  return w.take();
}

Result<TxnMetadata> TxnMetadata::decode(std::string transactional_id, ByteSpan value) {
  ByteReader r(value);
  TxnMetadata m;
  m.transactional_id = std::move(transactional_id);
  uint8_t version = r.get_u8();
  if (r.ok() && version != kValueVersion) {
    return Status::corruption("transaction metadata of unknown version " + std::to_string(version));
  }
  m.producer_id = r.get_i64();
  m.epoch = r.get_i16();
  m.last_epoch = r.get_i16();
  m.timeout_ms = r.get_i32();
  int8_t state = r.get_i8();
  if (state < 0 || state > static_cast<int8_t>(TxnState::kCompleteAbort)) r.fail();
  m.state = static_cast<TxnState>(state);
  m.start_ms = r.get_i64();
  m.update_ms = r.get_i64();
  uint64_t n = r.get_uvarint();
  for (uint64_t i = 0; r.ok() && i < n; ++i) {
    TopicPartition tp;
    tp.topic = get_string(r);
    tp.partition = r.get_i32();
    m.partitions.insert(std::move(tp));
  }
  n = r.get_uvarint();
  for (uint64_t i = 0; r.ok() && i < n; ++i) {
    std::string group = get_string(r);
    GroupOffsets& offs = m.offsets[group];
    uint64_t k = r.get_uvarint();
    for (uint64_t j = 0; r.ok() && j < k; ++j) {
      TopicPartition tp;
      tp.topic = get_string(r);
      tp.partition = r.get_i32();
      PendingOffset o;
      o.offset = r.get_i64();
      o.leader_epoch = r.get_i32();
      if (r.get_u8() != 0) o.metadata = get_string(r);
      offs[std::move(tp)] = std::move(o);
    }
  }
  if (!r.ok() || r.remaining() != 0) {
    return Status::corruption("malformed transaction metadata of '" + m.transactional_id + "'");
  }
  return m;
}

Status TransactionCoordinator::load(const std::string& transactional_id,
                                    std::optional<ByteSpan> value) {
  std::lock_guard lock(mu_);
  auto it = txns_.find(transactional_id);
  if (it != txns_.end()) {
    by_producer_id_.erase(it->second.meta.producer_id);
    txns_.erase(it);
  }
  if (!value) return Status::ok();
  SLUICE_ASSIGN_OR_RETURN(auto m, TxnMetadata::decode(transactional_id, *value));
  by_producer_id_[m.producer_id] = transactional_id;
  txns_[transactional_id].meta = std::move(m);
  return Status::ok();
}

Status TransactionCoordinator::complete_load() {
  std::vector<std::pair<std::string, TxnMetadata>> decided;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, e] : txns_) {
      if (is_prepare(e.meta.state)) {
        e.busy = true;
        decided.emplace_back(id, e.meta);
      }
    }
  }
  Status first;
  for (auto& [id, m] : decided) {
    Status st = complete(id, std::move(m));
    release(id);
    if (!st.is_ok() && first.is_ok())
      first = st.with_context("completing transaction '" + id + "'");
  }
  return first;
}

void TransactionCoordinator::release(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = txns_.find(id);
  if (it != txns_.end()) it->second.busy = false;
}

Status TransactionCoordinator::persist_busy(const std::string& id, const TxnMetadata& next) {
  SLUICE_RETURN_IF_ERROR(host_.persist(id, next));
  std::lock_guard lock(mu_);
  Entry& e = txns_[id];
  if (e.meta.producer_id != next.producer_id) by_producer_id_.erase(e.meta.producer_id);
  by_producer_id_[next.producer_id] = id;
  e.meta = next;
  return Status::ok();
}

Status TransactionCoordinator::complete(const std::string& id, TxnMetadata prepared) {
  bool commit = prepared.state == TxnState::kPrepareCommit;
  Status st =
      host_.write_markers(prepared.producer_id, prepared.epoch, commit, prepared.partitions);
  if (st.is_ok() && commit) {
    for (const auto& [group, offs] : prepared.offsets) {
      if (offs.empty()) continue;
      st = host_.commit_offsets(group, offs);
      if (!st.is_ok()) break;
    }
  }
  if (st.is_ok()) {
    TxnMetadata done = std::move(prepared);
    done.state = commit ? TxnState::kCompleteCommit : TxnState::kCompleteAbort;
    done.partitions.clear();
    done.offsets.clear();
    done.start_ms = -1;
    done.update_ms = host_.now_ms();
    st = persist_busy(id, done);
  }
  if (!st.is_ok()) {
    spdlog::warn("transaction '{}': completing the {} failed (retried): {}", id,
                 commit ? "commit" : "abort", st.to_string());
  } else {
    std::lock_guard lock(mu_);
    ++(commit ? committed_ : aborted_);
  }
  return st;
}

Status TransactionCoordinator::fence_and_abort(const std::string& id, TxnMetadata m) {
  if (m.epoch >= std::numeric_limits<int16_t>::max() - 1) {
    // No epoch left to fence with: Kafka aborts with the current epoch then; the producer's next
    // InitProducerId gets a new producer id.
  } else {
    m.last_epoch = m.epoch;
    ++m.epoch;
  }
  m.state = TxnState::kPrepareAbort;
  m.update_ms = host_.now_ms();
  SLUICE_RETURN_IF_ERROR(persist_busy(id, m));
  return complete(id, std::move(m));
}

ErrorCode TransactionCoordinator::check_producer(const Entry* e, int64_t producer_id,
                                                 int16_t epoch) const {
  if (!e || e->meta.producer_id != producer_id) return ErrorCode::kInvalidProducerIdMapping;
  if (epoch != e->meta.epoch) return ErrorCode::kProducerFenced;
  if (e->busy || is_prepare(e->meta.state)) return ErrorCode::kConcurrentTransactions;
  return ErrorCode::kNone;
}

InitResult TransactionCoordinator::init_producer_id(const std::string& transactional_id,
                                                    int32_t timeout_ms,
                                                    int64_t expected_producer_id,
                                                    int16_t expected_epoch) {
  InitResult out;
  if (timeout_ms <= 0 || timeout_ms > config_.max_timeout_ms) {
    out.error = ErrorCode::kInvalidTransactionTimeout;
    return out;
  }
  TxnMetadata m;
  {
    std::lock_guard lock(mu_);
    auto it = txns_.find(transactional_id);
    if (it != txns_.end()) {
      Entry& e = it->second;
      if (e.busy) {
        out.error = ErrorCode::kConcurrentTransactions;
        return out;
      }
      if (expected_producer_id >= 0 &&
          (expected_producer_id != e.meta.producer_id ||
           (expected_epoch != e.meta.epoch && expected_epoch != e.meta.last_epoch))) {
        out.error = ErrorCode::kProducerFenced;
        return out;
      }
      e.busy = true;
      m = e.meta;
    } else {
      txns_[transactional_id].busy = true;
    }
  }
  bool fresh = m.producer_id < 0;
  bool fenced = false;  // the epoch was bumped already, by aborting an open transaction
  if (!fresh && (m.state == TxnState::kOngoing || is_prepare(m.state))) {
    // A transaction left open by an earlier incarnation: abort it with a bumped epoch (which
    // fences the old producer on every partition), then hand that epoch to the new one. A
    // decided transaction whose markers could not be written yet is completed first.
    fenced = m.state == TxnState::kOngoing;
    Status st = fenced ? fence_and_abort(transactional_id, m) : complete(transactional_id, m);
    if (!st.is_ok()) {
      release(transactional_id);
      out.error = ErrorCode::kConcurrentTransactions;  // retriable; tick() completes it
      return out;
    }
    std::lock_guard lock(mu_);
    m = txns_[transactional_id].meta;
  }
  if (fresh || m.epoch >= std::numeric_limits<int16_t>::max() - 1) {
    auto id = host_.new_producer_id();
    if (!id.is_ok()) {
      if (fresh) {
        std::lock_guard lock(mu_);
        txns_.erase(transactional_id);
      } else {
        release(transactional_id);
      }
      out.error = ErrorCode::kCoordinatorNotAvailable;
      return out;
    }
    m.transactional_id = transactional_id;
    m.producer_id = *id;
    m.epoch = 0;
    m.last_epoch = -1;
  } else if (!fenced) {
    m.last_epoch = m.epoch;
    ++m.epoch;
  }
  m.timeout_ms = timeout_ms;
  m.state = TxnState::kEmpty;
  m.partitions.clear();
  m.offsets.clear();
  m.start_ms = -1;
  m.update_ms = host_.now_ms();
  Status st = persist_busy(transactional_id, m);
  if (!st.is_ok()) {
    spdlog::warn("transaction '{}': InitProducerId not persisted: {}", transactional_id,
                 st.to_string());
    std::lock_guard lock(mu_);
    auto it = txns_.find(transactional_id);
    if (it != txns_.end() && it->second.meta.producer_id < 0) {
      txns_.erase(it);
    } else if (it != txns_.end()) {
      it->second.busy = false;
    }
    out.error = ErrorCode::kCoordinatorNotAvailable;
    return out;
  }
  release(transactional_id);
  out.producer_id = m.producer_id;
  out.epoch = m.epoch;
  return out;
}

ErrorCode TransactionCoordinator::update_transaction(
    const std::string& transactional_id, int64_t producer_id, int16_t epoch,
    const std::function<std::optional<ErrorCode>(const TxnMetadata&)>& answer_now,
    const std::function<void(TxnMetadata&)>& change) {
  TxnMetadata next;
  {
    std::lock_guard lock(mu_);
    auto it = txns_.find(transactional_id);
    Entry* e = it == txns_.end() ? nullptr : &it->second;
    if (ErrorCode err = check_producer(e, producer_id, epoch); err != ErrorCode::kNone) return err;
    if (auto answer = answer_now(e->meta)) return *answer;
    next = e->meta;
    e->busy = true;
  }
  change(next);
  next.update_ms = host_.now_ms();
  Status st = persist_busy(transactional_id, next);
  release(transactional_id);
  return st.is_ok() ? ErrorCode::kNone : ErrorCode::kCoordinatorNotAvailable;
}

void TransactionCoordinator::begin_if_needed(TxnMetadata& m) {
  if (m.state == TxnState::kOngoing) return;
  m.state = TxnState::kOngoing;
  m.start_ms = host_.now_ms();
  m.partitions.clear();
  m.offsets.clear();
}

ErrorCode TransactionCoordinator::add_partitions(const std::string& transactional_id,
                                                 int64_t producer_id, int16_t epoch,
                                                 const std::vector<TopicPartition>& partitions) {
  return update_transaction(
      transactional_id, producer_id, epoch,
      [&](const TxnMetadata& m) -> std::optional<ErrorCode> {
        bool all_in = m.state == TxnState::kOngoing;
        for (const auto& tp : partitions) all_in = all_in && m.partitions.count(tp) > 0;
        if (all_in) return ErrorCode::kNone;  // nothing to write
        return std::nullopt;
      },
      [&](TxnMetadata& m) {
        begin_if_needed(m);
        m.partitions.insert(partitions.begin(), partitions.end());
      });
}

ErrorCode TransactionCoordinator::add_offsets(const std::string& transactional_id,
                                              int64_t producer_id, int16_t epoch,
                                              const std::string& group) {
  return update_transaction(
      transactional_id, producer_id, epoch,
      [&](const TxnMetadata& m) -> std::optional<ErrorCode> {
        if (m.state == TxnState::kOngoing && m.offsets.count(group) > 0) return ErrorCode::kNone;
        return std::nullopt;
      },
      [&](TxnMetadata& m) {
        begin_if_needed(m);
        m.offsets[group];
      });
}

ErrorCode TransactionCoordinator::txn_offset_commit(const std::string& transactional_id,
                                                    int64_t producer_id, int16_t epoch,
                                                    const std::string& group,
                                                    const GroupOffsets& offsets) {
  return update_transaction(
      transactional_id, producer_id, epoch,
      [&](const TxnMetadata& m) -> std::optional<ErrorCode> {
        if (m.state != TxnState::kOngoing || m.offsets.count(group) == 0) {
          return ErrorCode::kInvalidTxnState;  // AddOffsetsToTxn first
        }
        return std::nullopt;
      },
      [&](TxnMetadata& m) {
        for (const auto& [tp, o] : offsets) m.offsets[group][tp] = o;
      });
}

ErrorCode TransactionCoordinator::end_txn(const std::string& transactional_id, int64_t producer_id,
                                          int16_t epoch, bool commit) {
  TxnMetadata next;
  {
    std::lock_guard lock(mu_);
    auto it = txns_.find(transactional_id);
    Entry* e = it == txns_.end() ? nullptr : &it->second;
    if (!e || e->meta.producer_id != producer_id) return ErrorCode::kInvalidProducerIdMapping;
    if (epoch != e->meta.epoch) return ErrorCode::kProducerFenced;
    if (e->busy) return ErrorCode::kConcurrentTransactions;
    switch (e->meta.state) {
      case TxnState::kOngoing:
        break;
      case TxnState::kCompleteCommit:  // a retry of the EndTxn that completed
        return commit ? ErrorCode::kNone : ErrorCode::kInvalidTxnState;
      case TxnState::kCompleteAbort:
        return commit ? ErrorCode::kInvalidTxnState : ErrorCode::kNone;
      case TxnState::kPrepareCommit:
        return commit ? ErrorCode::kConcurrentTransactions : ErrorCode::kInvalidTxnState;
      case TxnState::kPrepareAbort:
        return commit ? ErrorCode::kInvalidTxnState : ErrorCode::kConcurrentTransactions;
      case TxnState::kEmpty:
        return ErrorCode::kInvalidTxnState;
    }
    next = e->meta;
    e->busy = true;
  }
  next.state = commit ? TxnState::kPrepareCommit : TxnState::kPrepareAbort;
  next.update_ms = host_.now_ms();
  Status st = persist_busy(transactional_id, next);
  if (!st.is_ok()) {
    release(transactional_id);
    return ErrorCode::kCoordinatorNotAvailable;
  }
  // The decision is durable: the transaction commits (or aborts) even if writing its markers
  // fails now, in which case tick() retries and the client is told it succeeded.
  (void)complete(transactional_id, std::move(next));
  release(transactional_id);
  return ErrorCode::kNone;
}

ErrorCode TransactionCoordinator::verify_produce(int64_t producer_id, int16_t epoch,
                                                 const TopicPartition& tp) const {
  std::lock_guard lock(mu_);
  auto pit = by_producer_id_.find(producer_id);
  if (pit == by_producer_id_.end()) return ErrorCode::kInvalidProducerIdMapping;
  const TxnMetadata& m = txns_.at(pit->second).meta;
  if (m.producer_id != producer_id) return ErrorCode::kInvalidProducerIdMapping;
  if (epoch != m.epoch) return ErrorCode::kInvalidProducerEpoch;
  if (m.state != TxnState::kOngoing || m.partitions.count(tp) == 0) {
    return ErrorCode::kInvalidTxnState;
  }
  return ErrorCode::kNone;
}

bool TransactionCoordinator::has_pending_offsets(const std::string& group,
                                                 const TopicPartition& tp) const {
  std::lock_guard lock(mu_);
  for (const auto& [id, e] : txns_) {
    if (e.meta.state != TxnState::kOngoing && !is_prepare(e.meta.state)) continue;
    auto g = e.meta.offsets.find(group);
    if (g != e.meta.offsets.end() && g->second.count(tp) > 0) return true;
  }
  return false;
}

void TransactionCoordinator::tick() {
  int64_t now = host_.now_ms();
  std::vector<std::pair<std::string, TxnMetadata>> timed_out, decided, expired;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, e] : txns_) {
      if (e.busy) continue;
      const TxnMetadata& m = e.meta;
      if (m.state == TxnState::kOngoing && m.start_ms >= 0 && now - m.start_ms > m.timeout_ms) {
        e.busy = true;
        timed_out.emplace_back(id, m);
      } else if (is_prepare(m.state)) {
        e.busy = true;
        decided.emplace_back(id, m);
      } else if (m.state != TxnState::kOngoing && now - m.update_ms > config_.id_expiration_ms) {
        e.busy = true;
        expired.emplace_back(id, m);
      }
    }
  }
  for (auto& [id, m] : timed_out) {
    spdlog::info("transaction '{}' (producer {} epoch {}) timed out after {} ms: aborting", id,
                 m.producer_id, m.epoch, m.timeout_ms);
    bool ok = fence_and_abort(id, std::move(m)).is_ok();
    release(id);
    if (ok) {
      std::lock_guard lock(mu_);
      ++timed_out_;
    }
  }
  for (auto& [id, m] : decided) {
    (void)complete(id, std::move(m));
    release(id);
  }
  for (auto& [id, m] : expired) {
    Status st = host_.persist(id, std::nullopt);
    std::lock_guard lock(mu_);
    if (st.is_ok()) {
      by_producer_id_.erase(m.producer_id);
      txns_.erase(id);
    } else {
      txns_[id].busy = false;
    }
  }
}

std::optional<TxnMetadata> TransactionCoordinator::describe(
    const std::string& transactional_id) const {
  std::lock_guard lock(mu_);
  auto it = txns_.find(transactional_id);
  if (it == txns_.end() || it->second.meta.producer_id < 0) return std::nullopt;
  return it->second.meta;
}

TxnStats TransactionCoordinator::stats() const {
  std::lock_guard lock(mu_);
  TxnStats s;
  s.ids = txns_.size();
  for (const auto& [id, e] : txns_) s.ongoing += e.meta.state == TxnState::kOngoing ? 1 : 0;
  s.committed = committed_;
  s.aborted = aborted_;
  s.timed_out = timed_out_;
  return s;
}

}  // namespace sluice::kafka::txn
