// Producer id allocation for InitProducerId without a transactional id (idempotent producers).
//
// Ids are handed out from blocks reserved in a durable store: before the first id of a block is
// returned, the end of the block is persisted, so after a restart allocation resumes past every id
// that may have been handed out, and no id is ever reused (a restart skips the rest of a block).
//
// Epochs: a new id starts at epoch 0. A producer that re-initialises with the id and epoch it
// holds (KIP-360, e.g. after an OUT_OF_ORDER_SEQUENCE_NUMBER) gets the same id with epoch + 1,
// which fences its older incarnation on every partition. Epochs of ids are remembered in memory
// only: after a restart, or for an id/epoch pair that does not match, a fresh id is returned,
// which is always safe. When the epoch would reach INT16_MAX a fresh id is returned too.
//
// Thread-safety: thread-safe (one internal mutex). ProducerIdStore::write() is called under it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "common/status.h"

namespace sluice::kafka::producer {

// The durable counter: the first id not yet reserved. The broker keeps it in its metadata
// directory (a small file written with fsync and rename).
class ProducerIdStore {
 public:
  virtual ~ProducerIdStore() = default;
  // The last value written, or nullopt if nothing was ever written.
  virtual Result<std::optional<int64_t>> read() = 0;
  // Durably replaces the value; must be on disk when it returns ok.
  virtual Status write(int64_t next_unreserved_id) = 0;
};

struct ProducerIdAndEpoch {
  int64_t producer_id = -1;
  int16_t epoch = -1;
};

class ProducerIdManager {
 public:
  // Kafka reserves producer ids in blocks of 1000.
  static constexpr int64_t kDefaultBlockSize = 1000;

  // Reads the store; fails if it cannot be read or holds a negative value.
  static Result<std::unique_ptr<ProducerIdManager>> open(ProducerIdStore& store,
                                                         int64_t block_size = kDefaultBlockSize);

  // InitProducerId without a transactional id. `existing` is the request's producer id and epoch
  // when both are set (not -1). Fails only when the store cannot be written; the handler answers
  // COORDINATOR_NOT_AVAILABLE then.
  Result<ProducerIdAndEpoch> init_producer_id(std::optional<ProducerIdAndEpoch> existing = {});

  // Ids handed out by this process (for metrics).
  uint64_t allocated() const;

 private:
  ProducerIdManager(ProducerIdStore& store, int64_t block_size, int64_t next)
      : store_(store), block_size_(block_size), next_(next), block_end_(next) {}
  Result<int64_t> next_id();  // mu_ held

  ProducerIdStore& store_;
  const int64_t block_size_;
  mutable std::mutex mu_;
  int64_t next_;            // guarded by mu_: the next id to hand out
  int64_t block_end_;       // guarded by mu_: ids below this are reserved in the store
  uint64_t allocated_ = 0;  // guarded by mu_
  std::unordered_map<int64_t, int16_t> epochs_;  // guarded by mu_: current epoch per issued id
};

}  // namespace sluice::kafka::producer
