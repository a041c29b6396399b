// Block-reserved producer id allocation; see producer_id_manager.h.
#include "kafka/producer/producer_id_manager.h"

#include <limits>

namespace sluice::kafka::producer {
namespace {
constexpr size_t kMaxTrackedProducers = 1 << 20;
}  // namespace

Result<std::unique_ptr<ProducerIdManager>> ProducerIdManager::open(ProducerIdStore& store,
                                                                   int64_t block_size) {
  if (block_size <= 0) return Status::invalid_argument("producer id block size must be positive");
  auto stored = store.read();
  if (!stored.is_ok()) return stored.status().with_context("reading the producer id block");
  int64_t next = stored->value_or(0);
  if (next < 0) return Status::corruption("negative producer id block start");
  return std::unique_ptr<ProducerIdManager>(new ProducerIdManager(store, block_size, next));
}

Result<int64_t> ProducerIdManager::next_id() {
  if (next_ == block_end_) {
    if (block_end_ > std::numeric_limits<int64_t>::max() - block_size_) {
      return Status::out_of_range("producer ids exhausted");
    }
    int64_t end = block_end_ + block_size_;
    SLUICE_RETURN_IF_ERROR(store_.write(end).with_context("reserving producer ids"));
    block_end_ = end;
  }
  ++allocated_;
  return next_++;
}

Result<ProducerIdAndEpoch> ProducerIdManager::init_producer_id(
    std::optional<ProducerIdAndEpoch> existing) {
  std::lock_guard<std::mutex> lock(mu_);
  if (existing && existing->producer_id >= 0 && existing->epoch >= 0) {
    auto it = epochs_.find(existing->producer_id);
    if (it != epochs_.end() && it->second == existing->epoch &&
        existing->epoch < std::numeric_limits<int16_t>::max() - 1) {
      ++it->second;
      return ProducerIdAndEpoch{existing->producer_id, it->second};
    }
  }
  auto id = next_id();
  if (!id.is_ok()) return id.status();
  // Bound the memory: forgetting epochs only means a later re-init gets a fresh id.
  if (epochs_.size() >= kMaxTrackedProducers) epochs_.clear();
  epochs_[*id] = 0;
  return ProducerIdAndEpoch{*id, 0};
}

uint64_t ProducerIdManager::allocated() const {
  std::lock_guard<std::mutex> lock(mu_);
  return allocated_;
}

}  // namespace sluice::kafka::producer
