#include "sql/engine/log_topic_store.h"

#include <fmt/format.h>

#include "storage/record_batch.h"

namespace sluice::sql {

bool LogTopicStore::exists(std::string_view topic) const {
  return log_.has_topic(std::string(topic));
}

int32_t LogTopicStore::partitions(std::string_view topic) const {
  auto info = log_.topic_info(std::string(topic));
  return info ? info->partitions : 0;
}

Status LogTopicStore::create(std::string_view topic, int32_t partitions) {
  return log_.create_topic(std::string(topic), partitions, {});
}

Status LogTopicStore::remove(std::string_view topic) {
  return log_.delete_topic(std::string(topic));
}

Result<int64_t> LogTopicStore::append(std::string_view topic, int32_t partition,
                                      std::vector<TopicRecord> records) {
  Partition* p = log_.partition(std::string(topic), partition);
  if (!p) {
    return Status::not_found(fmt::format("Topic {} has no partition {}", topic, partition));
  }
  if (records.empty()) return p->log_end_offset().value();
  RecordBatchBuilder builder;
  std::vector<RecordHeader> headers;
  for (const TopicRecord& r : records) {
    std::optional<ByteSpan> key, value;
    if (r.key) key = as_bytes(*r.key);
    if (r.value) value = as_bytes(*r.value);
    headers.clear();
    for (const auto& [k, v] : r.headers) {
      headers.push_back({k, v ? std::optional<ByteSpan>(as_bytes(*v)) : std::nullopt});
    }
    builder.add(r.timestamp, key, value, headers);
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<uint8_t> batch, builder.build());
  SLUICE_ASSIGN_OR_RETURN(AppendInfo info, p->append(ByteSpan(batch.data(), batch.size())));
  return info.base_offset.value();
}

Result<std::vector<TopicRecord>> LogTopicStore::read(std::string_view topic, int32_t partition,
                                                     int64_t from, size_t max) const {
  Partition* p = log_.partition(std::string(topic), partition);
  if (!p) {
    return Status::not_found(fmt::format("Topic {} has no partition {}", topic, partition));
  }
  std::vector<TopicRecord> out;
  Offset hw = p->high_watermark();
  from = std::max(from, p->log_start_offset().value());
  while (out.size() < max && from < hw.value()) {
    SLUICE_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                            p->read_bytes(Offset(from), size_t{1} << 20, hw));
    if (bytes.empty()) break;
    SLUICE_ASSIGN_OR_RETURN(std::vector<RecordBatchView> batches,
                            split_batches(ByteSpan(bytes.data(), bytes.size())));
    int64_t next = from;
    for (const RecordBatchView& b : batches) {
      next = std::max(next, b.last_offset() + 1);
      if (b.header().is_control()) continue;
      SLUICE_ASSIGN_OR_RETURN(RecordReader reader, RecordReader::open(b));
      Record rec;
      while (reader.next(rec)) {
        if (rec.offset < from || out.size() >= max) continue;
        TopicRecord t;
        t.offset = rec.offset;
        t.timestamp = rec.timestamp;
        if (rec.key) t.key = std::string(as_string_view(*rec.key));
        if (rec.value) t.value = std::string(as_string_view(*rec.value));
        for (const RecordHeader& h : rec.headers) {
          t.headers.emplace_back(
              std::string(h.key),
              h.value ? std::optional<std::string>(as_string_view(*h.value)) : std::nullopt);
        }
        out.push_back(std::move(t));
      }
      SLUICE_RETURN_IF_ERROR(reader.status());
    }
    if (next <= from) break;
    from = next;
  }
  return out;
}

std::vector<std::string> LogTopicStore::topics() const {
  std::vector<std::string> out;
  for (const TopicInfo& t : log_.topics()) out.push_back(t.name);
  return out;
}

Result<int64_t> LogTopicStore::end_offset(std::string_view topic, int32_t partition) const {
  Partition* p = log_.partition(std::string(topic), partition);
  if (!p) {
    return Status::not_found(fmt::format("Topic {} has no partition {}", topic, partition));
  }
  return p->high_watermark().value();
}

}  // namespace sluice::sql
