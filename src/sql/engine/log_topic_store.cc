#include "sql/engine/log_topic_store.h"

#include <fmt/format.h>

#include <algorithm>

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
  // Records go in as few RecordBatches as max.message.bytes allows, concatenated into one
  // append.
  auto info = log_.topic_info(std::string(topic));
  size_t limit = info ? static_cast<size_t>(std::max(info->config.max_message_bytes, 1)) : 1 << 20;
  limit = limit > 512 ? limit - 256 : limit;  // batch header and record framing
  RecordBatchBuilder builder;
  std::vector<uint8_t> batches;
  std::vector<RecordHeader> headers;
  size_t pending = 0;  // bytes of the batch being built, records' framing included (over)
  auto flush = [&]() -> Status {
    if (builder.empty()) return Status::ok();
    SLUICE_ASSIGN_OR_RETURN(std::vector<uint8_t> batch, builder.build());
    batches.insert(batches.end(), batch.begin(), batch.end());
    builder = RecordBatchBuilder();
    pending = 0;
    return Status::ok();
  };
  for (const TopicRecord& r : records) {
    std::optional<ByteSpan> key, value;
    size_t size = 32;
    if (r.key) {
      key = as_bytes(*r.key);
      size += r.key->size();
    }
    if (r.value) {
      value = as_bytes(*r.value);
      size += r.value->size();
    }
    headers.clear();
    for (const auto& [k, v] : r.headers) {
      headers.push_back({k, v ? std::optional<ByteSpan>(as_bytes(*v)) : std::nullopt});
      size += k.size() + (v ? v->size() : 0) + 8;
    }
    if (!builder.empty() && pending + size > limit) SLUICE_RETURN_IF_ERROR(flush());
    builder.add(r.timestamp, key, value, headers);
    pending += size;
  }
  SLUICE_RETURN_IF_ERROR(flush());
  SLUICE_ASSIGN_OR_RETURN(AppendInfo appended, p->append(ByteSpan(batches.data(), batches.size())));
  return appended.base_offset.value();
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

Status LogTopicStore::read_views(std::string_view topic, int32_t partition, int64_t from,
                                 size_t max, TopicReadBuffer& buf) const {
  buf.clear();
  Partition* p = log_.partition(std::string(topic), partition);
  if (!p) {
    return Status::not_found(fmt::format("Topic {} has no partition {}", topic, partition));
  }
  Offset hw = p->high_watermark();
  from = std::max(from, p->log_start_offset().value());
  if (max == 0) return Status::ok();
  // Whole batches from `from`, sized for about `max` records of a few hundred bytes (at least
  // one batch comes back whatever its size). Reads again only when the batches held nothing at
  // or after `from` (compacted away, or control batches only).
  size_t max_bytes = std::clamp<size_t>(max * 256, size_t{64} << 10, size_t{16} << 20);
  auto view = [](ByteSpan b) { return as_string_view(b); };
  Record rec;
  while (buf.records.empty() && from < hw.value()) {
    SLUICE_RETURN_IF_ERROR(p->read_into(Offset(from), max_bytes, hw, buf.bytes));
    if (buf.bytes.empty()) break;
    SLUICE_ASSIGN_OR_RETURN(std::vector<RecordBatchView> batches,
                            split_batches(ByteSpan(buf.bytes.data(), buf.bytes.size())));
    int64_t next = from;
    for (const RecordBatchView& b : batches) {
      if (buf.records.size() >= max) break;
      next = std::max(next, b.last_offset() + 1);
      if (b.header().is_control()) continue;
      bool compressed = b.header().codec() != CompressionCodec::kNone;
      SLUICE_ASSIGN_OR_RETURN(RecordReader reader, RecordReader::open(b));
      while (reader.next(rec)) {
        if (rec.offset < from || buf.records.size() >= max) continue;
        TopicRecordView v;
        v.offset = rec.offset;
        v.timestamp = rec.timestamp;
        if (compressed) {
          // The reader's decompression buffer dies with it.
          if (rec.key) v.key = buf.copies.emplace_back(view(*rec.key));
          if (rec.value) v.value = buf.copies.emplace_back(view(*rec.value));
        } else {
          if (rec.key) v.key = view(*rec.key);
          if (rec.value) v.value = view(*rec.value);
        }
        if (!rec.headers.empty()) {
          auto& hs = buf.headers.emplace_back();
          for (const RecordHeader& h : rec.headers) {
            hs.emplace_back(std::string(h.key),
                            h.value ? std::optional<std::string>(view(*h.value)) : std::nullopt);
          }
          v.headers = hs;
        }
        buf.records.push_back(v);
      }
      SLUICE_RETURN_IF_ERROR(reader.status());
    }
    if (next <= from) break;
    from = next;
  }
  return Status::ok();
}

std::vector<std::string> LogTopicStore::topics() const {
  std::vector<std::string> out;
  for (const TopicInfo& t : log_.topics()) out.push_back(t.name);
  return out;
}

}  // namespace sluice::sql
