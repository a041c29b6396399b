#include "sql/engine/topic_store.h"

#include <fmt/format.h>

namespace sluice::sql {

bool MemoryTopicStore::exists(std::string_view topic) const {
  return topics_.find(topic) != topics_.end();
}

int32_t MemoryTopicStore::partitions(std::string_view topic) const {
  auto it = topics_.find(topic);
  return it == topics_.end() ? 0 : static_cast<int32_t>(it->second.size());
}

Status MemoryTopicStore::create(std::string_view topic, int32_t partitions) {
  if (partitions < 1) return Status::invalid_argument("partitions must be >= 1");
  if (exists(topic)) return Status::already_exists(fmt::format("Topic {} exists", topic));
  topics_.emplace(std::string(topic),
                  std::vector<std::vector<TopicRecord>>(static_cast<size_t>(partitions)));
  return Status::ok();
}

Status MemoryTopicStore::remove(std::string_view topic) {
  auto it = topics_.find(topic);
  if (it == topics_.end()) return Status::not_found(fmt::format("Topic {} not found", topic));
  topics_.erase(it);
  if (auto order = appended_.find(topic); order != appended_.end()) appended_.erase(order);
  return Status::ok();
}

Result<int64_t> MemoryTopicStore::append(std::string_view topic, int32_t partition,
                                         std::vector<TopicRecord> records) {
  auto it = topics_.find(topic);
  if (it == topics_.end()) return Status::not_found(fmt::format("Topic {} not found", topic));
  if (partition < 0 || static_cast<size_t>(partition) >= it->second.size()) {
    return Status::out_of_range(fmt::format("Topic {} has no partition {}", topic, partition));
  }
  auto& log = it->second[static_cast<size_t>(partition)];
  int64_t first = static_cast<int64_t>(log.size());
  auto& order = appended_[it->first];
  for (auto& r : records) {
    r.offset = static_cast<int64_t>(log.size());
    order.emplace_back(partition, r.offset);
    log.push_back(std::move(r));
  }
  return first;
}

Result<std::vector<TopicRecord>> MemoryTopicStore::read(std::string_view topic, int32_t partition,
                                                        int64_t from, size_t max) const {
  auto it = topics_.find(topic);
  if (it == topics_.end()) return Status::not_found(fmt::format("Topic {} not found", topic));
  if (partition < 0 || static_cast<size_t>(partition) >= it->second.size()) {
    return Status::out_of_range(fmt::format("Topic {} has no partition {}", topic, partition));
  }
  const auto& log = it->second[static_cast<size_t>(partition)];
  std::vector<TopicRecord> out;
  for (size_t i = static_cast<size_t>(std::max<int64_t>(from, 0));
       i < log.size() && out.size() < max; ++i) {
    out.push_back(log[i]);
  }
  return out;
}

Result<int64_t> TopicStore::append_views(std::string_view topic, int32_t partition,
                                         std::span<const TopicRecordView> records) {
  std::vector<TopicRecord> copies;
  copies.reserve(records.size());
  for (const TopicRecordView& v : records) {
    TopicRecord& r = copies.emplace_back();
    r.timestamp = v.timestamp;
    if (v.key) r.key = std::string(*v.key);
    if (v.value) r.value = std::string(*v.value);
    r.headers.assign(v.headers.begin(), v.headers.end());
  }
  return append(topic, partition, std::move(copies));
}

Status TopicStore::read_views(std::string_view topic, int32_t partition, int64_t from, size_t max,
                              TopicReadBuffer& buf) const {
  buf.clear();
  SLUICE_ASSIGN_OR_RETURN(buf.owned, read(topic, partition, from, max));
  buf.records = as_views(buf.owned);
  return Status::ok();
}

std::vector<std::string> MemoryTopicStore::topics() const {
  std::vector<std::string> out;
  for (const auto& [name, p] : topics_) out.push_back(name);
  return out;
}

std::vector<std::pair<int32_t, TopicRecord>> MemoryTopicStore::all(std::string_view topic) const {
  std::vector<std::pair<int32_t, TopicRecord>> out;
  auto it = topics_.find(topic);
  auto order = appended_.find(topic);
  if (it == topics_.end() || order == appended_.end()) return out;
  for (auto [p, offset] : order->second) {
    out.emplace_back(p, it->second[static_cast<size_t>(p)][static_cast<size_t>(offset)]);
  }
  return out;
}

int32_t kafka_partition_for_key(std::string_view key, int32_t partitions) {
  // Kafka's Utils.murmur2.
  const uint32_t seed = 0x9747b28c;
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  const auto* data = reinterpret_cast<const uint8_t*>(key.data());
  uint32_t length = static_cast<uint32_t>(key.size());
  uint32_t h = seed ^ length;
  uint32_t length4 = length / 4;
  for (uint32_t i = 0; i < length4; i++) {
    uint32_t i4 = i * 4;
    uint32_t k = data[i4 + 0] | (uint32_t{data[i4 + 1]} << 8) | (uint32_t{data[i4 + 2]} << 16) |
                 (uint32_t{data[i4 + 3]} << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (length % 4) {
    case 3:
      h ^= uint32_t{data[(length & ~3u) + 2]} << 16;
      [[fallthrough]];
    case 2:
      h ^= uint32_t{data[(length & ~3u) + 1]} << 8;
      [[fallthrough]];
    case 1:
      h ^= data[length & ~3u];
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>((h & 0x7fffffff) % static_cast<uint32_t>(partitions));
}

Result<int64_t> TopicStore::end_offset(std::string_view topic, int32_t partition) const {
  int64_t next = 0;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(std::vector<TopicRecord> chunk, read(topic, partition, next, 4096));
    if (chunk.empty()) return next;
    next = chunk.back().offset + 1;
  }
}

TopicRecordView as_view(const TopicRecord& r) {
  TopicRecordView v;
  v.offset = r.offset;
  v.timestamp = r.timestamp;
  if (r.key) v.key = std::string_view(*r.key);
  if (r.value) v.value = std::string_view(*r.value);
  v.headers = r.headers;
  return v;
}

std::vector<TopicRecordView> as_views(const std::vector<TopicRecord>& records) {
  std::vector<TopicRecordView> views;
  views.reserve(records.size());
  for (const TopicRecord& r : records) views.push_back(as_view(r));
  return views;
}

std::vector<TopicRecordView> as_views(const state::ChangeBuffer& records, int64_t timestamp,
                                      size_t from, size_t to) {
  to = std::min(to, records.size());
  std::vector<TopicRecordView> views(to - std::min(from, to));
  for (size_t i = 0; i < views.size(); ++i) {
    views[i].timestamp = timestamp;
    views[i].key = records.key(from + i);
    // An empty value is a deleted state record: a tombstone, which compaction removes.
    std::string_view value = records.value(from + i);
    if (!value.empty()) views[i].value = value;
  }
  return views;
}

Result<int64_t> TransactionalTopicStore::append(std::string_view topic, int32_t partition,
                                                std::vector<TopicRecord> records) {
  std::lock_guard<std::mutex> lock(mu_);
  return writer_.append(topic, partition, as_views(records));
}

}  // namespace sluice::sql
