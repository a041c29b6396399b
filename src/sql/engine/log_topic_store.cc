#include "sql/engine/log_topic_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "common/bytes.h"
#include "common/crc32c.h"
#include "format/format.h"
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

namespace {

// Writes uncompressed RecordBatch v2 bytes (layout in storage/record_batch.h) for records given
// as views, straight into one reused buffer: the engine's output path, where
// RecordBatchBuilder's per-record buffers would cost more than the records. Offsets are
// relative (the log assigns the base); no producer id, CreateTime timestamps.
class BatchWriter {
 public:
  explicit BatchWriter(std::vector<uint8_t>& out) : out_(out) {}

  // Starts a batch; records follow with add(), then finish().
  void begin(int64_t base_timestamp) {
    start_ = out_.size();
    out_.resize(start_ + batch_layout::kHeaderSize);
    base_ts_ = base_timestamp;
    max_ts_ = -1;
    count_ = 0;
  }
  size_t batch_bytes() const { return out_.size() - start_; }
  // At least what add() appends for `r`.
  static size_t max_record_size(const TopicRecordView& r) {
    size_t n = 48 + (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0);
    for (const auto& [k, v] : r.headers) n += 20 + k.size() + (v ? v->size() : 0);
    return n;
  }
  size_t count() const { return count_; }

  void add(int64_t timestamp, const std::optional<std::string_view>& key,
           const std::optional<std::string_view>& value, std::span<const RecordHeaderKV> headers) {
    uint8_t body[32];
    size_t n = 0;
    body[n++] = 0;  // attributes
    n += put_varint(body + n, timestamp - base_ts_);
    n += put_varint(body + n, static_cast<int64_t>(count_));
    size_t len = n + nullable_size(key) + nullable_size(value) +
                 varint_size(static_cast<int64_t>(headers.size()));
    for (const auto& [k, v] : headers) {
      len += varint_size(static_cast<int64_t>(k.size())) + k.size() +
             nullable_size(v ? std::optional<std::string_view>(*v) : std::nullopt);
    }
    size_t at = out_.size();
    out_.resize(at + varint_size(static_cast<int64_t>(len)) + len);
    uint8_t* p = out_.data() + at;
    p += put_varint(p, static_cast<int64_t>(len));
    std::memcpy(p, body, n);
    p += n;
    p = put_nullable(p, key);
    p = put_nullable(p, value);
    p += put_varint(p, static_cast<int64_t>(headers.size()));
    for (const auto& [k, v] : headers) {
      p += put_varint(p, static_cast<int64_t>(k.size()));
      std::memcpy(p, k.data(), k.size());
      p += k.size();
      p = put_nullable(p, v ? std::optional<std::string_view>(*v) : std::nullopt);
    }
    max_ts_ = std::max(max_ts_, timestamp);
    ++count_;
  }

  void finish() {
    namespace bl = batch_layout;
    uint8_t* h = out_.data() + start_;
    size_t size = out_.size() - start_;
    store_be64(h + bl::kBaseOffset, 0);
    store_be32(h + bl::kBatchLength, static_cast<uint32_t>(size - bl::kLogOverhead));
    store_be32(h + bl::kPartitionLeaderEpoch, static_cast<uint32_t>(-1));
    h[bl::kMagic] = static_cast<uint8_t>(bl::kMagicV2);
    store_be16(h + bl::kAttributes, 0);
    store_be32(h + bl::kLastOffsetDelta, static_cast<uint32_t>(count_ - 1));
    store_be64(h + bl::kBaseTimestamp, static_cast<uint64_t>(base_ts_));
    store_be64(h + bl::kMaxTimestamp, static_cast<uint64_t>(max_ts_));
    store_be64(h + bl::kProducerId, static_cast<uint64_t>(int64_t{-1}));
    store_be16(h + bl::kProducerEpoch, static_cast<uint16_t>(-1));
    store_be32(h + bl::kBaseSequence, static_cast<uint32_t>(-1));
    store_be32(h + bl::kRecordsCount, static_cast<uint32_t>(count_));
    store_be32(h + bl::kCrc, crc32c(h + bl::kAttributes, size - bl::kAttributes));
  }

 private:
  static size_t varint_size(int64_t v) {
    uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    size_t n = 1;
    while (z >= 0x80) {
      z >>= 7;
      ++n;
    }
    return n;
  }
  static size_t put_varint(uint8_t* p, int64_t v) {
    uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    size_t n = 0;
    while (z >= 0x80) {
      p[n++] = static_cast<uint8_t>(z | 0x80);
      z >>= 7;
    }
    p[n++] = static_cast<uint8_t>(z);
    return n;
  }
  static size_t nullable_size(const std::optional<std::string_view>& b) {
    if (!b) return 1;
    return varint_size(static_cast<int64_t>(b->size())) + b->size();
  }
  static uint8_t* put_nullable(uint8_t* p, const std::optional<std::string_view>& b) {
    if (!b) return p + put_varint(p, -1);
    p += put_varint(p, static_cast<int64_t>(b->size()));
    if (!b->empty()) std::memcpy(p, b->data(), b->size());
    return p + b->size();
  }

  std::vector<uint8_t>& out_;
  size_t start_ = 0;
  int64_t base_ts_ = 0;
  int64_t max_ts_ = -1;
  size_t count_ = 0;
};

}  // namespace

Result<int64_t> LogTopicStore::append(std::string_view topic, int32_t partition,
                                      std::vector<TopicRecord> records) {
  return append_views(topic, partition, as_views(records));
}

Result<int64_t> LogTopicStore::read_bound(Partition& p, const std::string& topic,
                                          int32_t partition) const {
  int64_t hw = p.high_watermark().value();
  if (!isolation_) return hw;
  SLUICE_ASSIGN_OR_RETURN(int64_t lso, isolation_->last_stable_offset(topic, partition));
  return std::min(hw, lso);
}

Result<bool> LogTopicStore::aborted_batch(
    const RecordBatchView& b, const std::string& topic, int32_t partition, int64_t from, int64_t to,
    std::optional<std::vector<ReadIsolation::Aborted>>& aborted) const {
  if (!isolation_ || !b.header().is_transactional()) return false;
  if (!aborted) {
    SLUICE_ASSIGN_OR_RETURN(aborted, isolation_->aborted(topic, partition, from, to));
  }
  int64_t base = b.header().base_offset;
  for (const ReadIsolation::Aborted& a : *aborted) {
    if (a.producer_id == b.header().producer_id && a.first_offset <= base &&
        base <= a.last_offset) {
      return true;
    }
  }
  return false;
}

Result<int64_t> LogTopicStore::append_views(std::string_view topic, int32_t partition,
                                            std::span<const TopicRecordView> records) {
  Partition* p = log_.partition(std::string(topic), partition);
  if (!p) {
    return Status::not_found(fmt::format("Topic {} has no partition {}", topic, partition));
  }
  if (records.empty()) return p->log_end_offset().value();
  // As few RecordBatches as max.message.bytes allows, concatenated into one append. The buffer
  // is the thread's, reused (no fresh pages per call).
  auto info = log_.topic_info(std::string(topic));
  size_t limit = info ? static_cast<size_t>(std::max(info->config.max_message_bytes, 1)) : 1 << 20;
  thread_local std::vector<uint8_t> buffer;
  buffer.clear();
  BatchWriter w(buffer);
  w.begin(records.front().timestamp);
  for (const TopicRecordView& r : records) {
    if (w.count() > 0 && w.batch_bytes() + BatchWriter::max_record_size(r) > limit) {
      w.finish();
      w.begin(r.timestamp);
    }
    w.add(r.timestamp, r.key, r.value, r.headers);
  }
  w.finish();
  // The CRCs were computed just now, by BatchWriter: no need to check them again.
  AppendOptions opts;
  opts.verify_crc = false;
  SLUICE_ASSIGN_OR_RETURN(AppendInfo appended,
                          p->append(ByteSpan(buffer.data(), buffer.size()), opts));
  return appended.base_offset.value();
}

Result<std::vector<TopicRecord>> LogTopicStore::read(std::string_view topic, int32_t partition,
                                                     int64_t from, size_t max) const {
  Partition* p = log_.partition(std::string(topic), partition);
  if (!p) {
    return Status::not_found(fmt::format("Topic {} has no partition {}", topic, partition));
  }
  std::vector<TopicRecord> out;
  std::string topic_name(topic);
  SLUICE_ASSIGN_OR_RETURN(int64_t bound, read_bound(*p, topic_name, partition));
  Offset hw(bound);
  from = std::max(from, p->log_start_offset().value());
  std::optional<std::vector<ReadIsolation::Aborted>> aborted;
  while (out.size() < max && from < hw.value()) {
    SLUICE_ASSIGN_OR_RETURN(ReadBuffer bytes, p->read_bytes(Offset(from), size_t{1} << 20, hw));
    if (bytes.empty()) break;
    bytes_read_.fetch_add(bytes.size(), std::memory_order_relaxed);
    SLUICE_ASSIGN_OR_RETURN(std::vector<RecordBatchView> batches,
                            split_batches(ByteSpan(bytes.data(), bytes.size())));
    int64_t next = from;
    for (const RecordBatchView& b : batches) {
      next = std::max(next, b.last_offset() + 1);
      if (b.header().is_control()) continue;
      SLUICE_ASSIGN_OR_RETURN(bool skip,
                              aborted_batch(b, topic_name, partition, from, bound, aborted));
      if (skip) continue;
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
  Partition* p = log_.partition(std::string(topic), partition);
  if (p && max > 0 && buf.pending_source == p && buf.pending_pos < buf.pending.size() &&
      buf.pending[buf.pending_pos].offset == from && buf.pending_partition == partition &&
      buf.pending_topic == topic && from >= p->log_start_offset().value()) {
    // The rest of the batches read last time: their bytes are still in `buf`.
    size_t n = std::min(max, buf.pending.size() - buf.pending_pos);
    auto first = buf.pending.begin() + static_cast<std::ptrdiff_t>(buf.pending_pos);
    buf.records.assign(first, first + static_cast<std::ptrdiff_t>(n));
    buf.pending_pos += n;
    return Status::ok();
  }
  buf.clear();
  if (!p) {
    return Status::not_found(fmt::format("Topic {} has no partition {}", topic, partition));
  }
  std::string topic_name(topic);
  SLUICE_ASSIGN_OR_RETURN(int64_t bound, read_bound(*p, topic_name, partition));
  Offset hw(bound);
  from = std::max(from, p->log_start_offset().value());
  if (max == 0) return Status::ok();
  std::optional<std::vector<ReadIsolation::Aborted>> aborted;
  // Whole batches from `from`, sized for about `max` records of a few hundred bytes (at least
  // one batch comes back whatever its size). Reads again only when the batches held nothing at
  // or after `from` (compacted away, or control batches only).
  size_t max_bytes = std::clamp<size_t>(max * 256, size_t{64} << 10, size_t{16} << 20);
  auto view = [](ByteSpan b) { return as_string_view(b); };
  Record rec;
  while (buf.records.empty() && from < hw.value()) {
    SLUICE_RETURN_IF_ERROR(p->read_into(Offset(from), max_bytes, hw, buf.bytes));
    if (buf.bytes.empty()) break;
    size_t size = buf.bytes.size();
    bytes_read_.fetch_add(size, std::memory_order_relaxed);
    // Zeroed padding after the batches: every key and value read in place is followed by at
    // least kRecordPadding readable bytes, so decoders parse them without copying.
    buf.bytes.resize(size + format::kRecordPadding);
    std::memset(buf.bytes.data() + size, 0, format::kRecordPadding);
    SLUICE_ASSIGN_OR_RETURN(std::vector<RecordBatchView> batches,
                            split_batches(ByteSpan(buf.bytes.data(), size)));
    int64_t next = from;
    for (const RecordBatchView& b : batches) {
      if (buf.records.size() >= max) break;
      next = std::max(next, b.last_offset() + 1);
      if (b.header().is_control()) continue;
      SLUICE_ASSIGN_OR_RETURN(bool skip,
                              aborted_batch(b, topic_name, partition, from, bound, aborted));
      if (skip) continue;
      bool compressed = b.header().codec() != CompressionCodec::kNone;
      SLUICE_ASSIGN_OR_RETURN(RecordReader reader, RecordReader::open(b));
      // Every record of the batch from `from` on: those past `max` wait in buf.pending.
      while (reader.next(rec)) {
        if (rec.offset < from) continue;
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
          v.padded = true;
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
  if (buf.records.size() > max) {
    buf.pending.assign(buf.records.begin() + static_cast<std::ptrdiff_t>(max), buf.records.end());
    buf.records.resize(max);
    buf.pending_source = p;
    buf.pending_topic = topic;
    buf.pending_partition = partition;
  }
  return Status::ok();
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

Result<int64_t> LogTopicStore::readable_end(std::string_view topic, int32_t partition) const {
  Partition* p = log_.partition(std::string(topic), partition);
  if (!p) {
    return Status::not_found(fmt::format("Topic {} has no partition {}", topic, partition));
  }
  return read_bound(*p, std::string(topic), partition);
}

Status LogTopicStore::delete_before(std::string_view topic, int32_t partition, int64_t offset) {
  Partition* p = log_.partition(std::string(topic), partition);
  if (!p) return Status::not_found(fmt::format("Topic {} has no partition {}", topic, partition));
  return p->delete_records_before(Offset(offset)).status();
}

}  // namespace sluice::sql
