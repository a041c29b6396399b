#include "storage/record_batch.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/crc32c.h"

namespace sluice {

namespace bl = batch_layout;

Result<BatchHeader> decode_batch_header(ByteSpan b) {
  if (b.size() < bl::kHeaderSize) {
    return Status::corruption(
        fmt::format("record batch header needs {} bytes, have {}", bl::kHeaderSize, b.size()));
  }
  const uint8_t* p = b.data();
  BatchHeader h;
  h.base_offset = static_cast<int64_t>(load_be64(p + bl::kBaseOffset));
  h.batch_length = static_cast<int32_t>(load_be32(p + bl::kBatchLength));
  h.partition_leader_epoch = static_cast<int32_t>(load_be32(p + bl::kPartitionLeaderEpoch));
  h.magic = static_cast<int8_t>(p[bl::kMagic]);
  h.crc = load_be32(p + bl::kCrc);
  h.attributes = load_be16(p + bl::kAttributes);
  h.last_offset_delta = static_cast<int32_t>(load_be32(p + bl::kLastOffsetDelta));
  h.base_timestamp = static_cast<int64_t>(load_be64(p + bl::kBaseTimestamp));
  h.max_timestamp = static_cast<int64_t>(load_be64(p + bl::kMaxTimestamp));
  h.producer_id = static_cast<int64_t>(load_be64(p + bl::kProducerId));
  h.producer_epoch = static_cast<int16_t>(load_be16(p + bl::kProducerEpoch));
  h.base_sequence = static_cast<int32_t>(load_be32(p + bl::kBaseSequence));
  h.records_count = static_cast<int32_t>(load_be32(p + bl::kRecordsCount));
  return h;
}

Result<RecordBatchView> RecordBatchView::parse_first(ByteSpan bytes) {
  SLUICE_ASSIGN_OR_RETURN(BatchHeader h, decode_batch_header(bytes));
  if (h.batch_length < static_cast<int32_t>(bl::kHeaderSize - bl::kLogOverhead)) {
    return Status::corruption(
        fmt::format("record batch length {} is smaller than its header", h.batch_length));
  }
  if (h.total_size() > bytes.size()) {
    return Status::corruption(fmt::format("record batch of {} bytes is truncated to {} bytes",
                                          h.total_size(), bytes.size()));
  }
  return RecordBatchView(bytes.first(h.total_size()), h);
}

bool RecordBatchView::crc_matches() const {
  return crc32c(bytes_.data() + bl::kAttributes, bytes_.size() - bl::kAttributes) == header_.crc;
}

Status RecordBatchView::validate(BatchValidation mode) const {
  const BatchHeader& h = header_;
  if (h.magic != bl::kMagicV2) {
    return Status::corruption(fmt::format("record batch magic is {}, expected 2", h.magic));
  }
  if (!crc_matches()) {
    return Status::corruption(fmt::format(
        "record batch at offset {} fails its CRC-32C check (stored {:08x}, computed {:08x})",
        h.base_offset, h.crc,
        crc32c(bytes_.data() + bl::kAttributes, bytes_.size() - bl::kAttributes)));
  }
  if ((h.attributes & bl::kCodecMask) > 4) {
    return Status::corruption(
        fmt::format("record batch uses unknown compression codec {}", h.attributes & 7));
  }
  if (h.last_offset_delta < 0 || h.records_count < 0) {
    return Status::corruption(fmt::format("record batch has lastOffsetDelta {} and {} records",
                                          h.last_offset_delta, h.records_count));
  }
  if (static_cast<int64_t>(h.records_count) > static_cast<int64_t>(h.last_offset_delta) + 1) {
    return Status::corruption(fmt::format("record batch has {} records but spans only {} offsets",
                                          h.records_count,
                                          static_cast<int64_t>(h.last_offset_delta) + 1));
  }
  if (mode == BatchValidation::kProduce) {
    if (h.records_count == 0) return Status::corruption("produced record batch has no records");
    if (h.records_count != h.last_offset_delta + 1) {
      return Status::corruption(
          fmt::format("produced record batch has {} records but lastOffsetDelta {}",
                      h.records_count, h.last_offset_delta));
    }
  }
  if (h.is_control() && h.records_count > 1) {
    return Status::corruption("control batch holds more than one record");
  }
  // An uncompressed record takes at least 7 bytes, so the count is bounded by the payload size.
  if (h.codec() == CompressionCodec::kNone &&
      static_cast<size_t>(h.records_count) * 7 > bytes_.size() - bl::kHeaderSize) {
    return Status::corruption(fmt::format("record batch claims {} records in {} bytes",
                                          h.records_count, bytes_.size() - bl::kHeaderSize));
  }
  return Status::ok();
}

Result<std::vector<RecordBatchView>> split_batches(ByteSpan bytes) {
  std::vector<RecordBatchView> out;
  size_t pos = 0;
  while (pos < bytes.size()) {
    auto v = RecordBatchView::parse_first(bytes.subspan(pos));
    if (!v.is_ok()) return v.status().with_context(fmt::format("batch at byte {}", pos));
    pos += v->size();
    out.push_back(*v);
  }
  return out;
}

void set_base_offset(std::span<uint8_t> batch, int64_t base_offset) {
  store_be64(batch.data() + bl::kBaseOffset, static_cast<uint64_t>(base_offset));
}

void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch) {
  store_be32(batch.data() + bl::kPartitionLeaderEpoch, static_cast<uint32_t>(epoch));
}

void update_crc(std::span<uint8_t> batch) {
  store_be32(batch.data() + bl::kCrc,
             crc32c(batch.data() + bl::kAttributes, batch.size() - bl::kAttributes));
}

void set_log_append_time(std::span<uint8_t> batch, int64_t ts) {
  uint16_t attrs = load_be16(batch.data() + bl::kAttributes);
  store_be16(batch.data() + bl::kAttributes, attrs | bl::kTimestampTypeBit);
  store_be64(batch.data() + bl::kMaxTimestamp, static_cast<uint64_t>(ts));
  update_crc(batch);
}

// ---- RecordReader ----------------------------------------------------------------------------

Result<RecordReader> RecordReader::open(const RecordBatchView& batch, size_t max_decompressed) {
  RecordReader r;
  r.header_ = batch.header();
  r.remaining_ = r.header_.records_count;
  ByteSpan payload = batch.records_payload();
  if (r.header_.codec() != CompressionCodec::kNone) {
    auto d = decompress(r.header_.codec(), payload, max_decompressed);
    if (!d.is_ok()) {
      return d.status().with_context(
          fmt::format("record batch at offset {}", r.header_.base_offset));
    }
    r.owned_ = std::move(d).value();
    payload = ByteSpan(r.owned_.data(), r.owned_.size());
  }
  r.reader_ = ByteReader(payload);
  return r;
}

bool RecordReader::next(Record& out) {
  if (remaining_ <= 0 || !status_.is_ok()) return false;
  auto fail = [&](std::string_view what) {
    status_ = Status::corruption(
        fmt::format("record batch at offset {}: {} (record {} of {})", header_.base_offset, what,
                    header_.records_count - remaining_, header_.records_count));
    return false;
  };
  int64_t len = reader_.get_varint();
  if (!reader_.ok() || len < 0 || static_cast<uint64_t>(len) > reader_.remaining()) {
    return fail("bad record length");
  }
  ByteReader rec(reader_.get_bytes(static_cast<size_t>(len)));
  rec.get_i8();  // record attributes: unused in v2
  int64_t ts_delta = rec.get_varint();
  int64_t off_delta = rec.get_varint();
  auto get_nullable = [&](std::optional<ByteSpan>& dst) {
    int64_t n = rec.get_varint();
    if (n < 0) {
      dst.reset();
      return n == -1;
    }
    if (static_cast<uint64_t>(n) > rec.remaining()) {
      rec.fail();
      return false;
    }
    dst = rec.get_bytes(static_cast<size_t>(n));
    return true;
  };
  if (!get_nullable(out.key) || !get_nullable(out.value)) return fail("bad key or value length");
  int64_t nheaders = rec.get_varint();
  if (!rec.ok() || nheaders < 0 || static_cast<uint64_t>(nheaders) > rec.remaining()) {
    return fail("bad header count");
  }
  out.headers.clear();
  for (int64_t i = 0; i < nheaders; ++i) {
    int64_t klen = rec.get_varint();
    if (klen < 0 || static_cast<uint64_t>(klen) > rec.remaining()) return fail("bad header key");
    RecordHeader h;
    h.key = as_string_view(rec.get_bytes(static_cast<size_t>(klen)));
    if (!get_nullable(h.value)) return fail("bad header value");
    out.headers.push_back(h);
  }
  if (!rec.ok()) return fail("record shorter than its fields");
  if (rec.remaining() != 0) return fail("record longer than its fields");
  // Deltas come from the wire: add them as Java does, wrapping (a corrupt batch may carry any
  // values; signed overflow would be undefined behaviour).
  auto wrapping_add = [](int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  };
  out.offset = wrapping_add(header_.base_offset, off_delta);
  out.timestamp = header_.timestamp_type() == TimestampType::kLogAppendTime
                      ? header_.max_timestamp
                      : wrapping_add(header_.base_timestamp, ts_delta);
  --remaining_;
  return true;
}

// ---- RecordBatchBuilder ----------------------------------------------------------------------

namespace {
void put_nullable(ByteWriter& w, const std::optional<ByteSpan>& b) {
  if (!b) {
    w.put_varint(-1);
    return;
  }
  w.put_varint(static_cast<int64_t>(b->size()));
  w.put_bytes(*b);
}
}  // namespace

RecordBatchBuilder& RecordBatchBuilder::add(int64_t offset, int64_t timestamp,
                                            std::optional<ByteSpan> key,
                                            std::optional<ByteSpan> value,
                                            const std::vector<RecordHeader>& headers) {
  ByteWriter w;
  put_nullable(w, key);
  put_nullable(w, value);
  w.put_varint(static_cast<int64_t>(headers.size()));
  for (const auto& h : headers) {
    w.put_varint(static_cast<int64_t>(h.key.size()));
    w.put_bytes(h.key);
    put_nullable(w, h.value);
  }
  size_t begin = payload_.size();
  payload_.insert(payload_.end(), w.data(), w.data() + w.size());
  records_.push_back({offset, timestamp, begin, payload_.size()});
  return *this;
}

RecordBatchBuilder& RecordBatchBuilder::add(int64_t timestamp, std::optional<ByteSpan> key,
                                            std::optional<ByteSpan> value,
                                            const std::vector<RecordHeader>& headers) {
  int64_t offset = records_.empty() ? base_offset_.value_or(0) : records_.back().offset + 1;
  return add(offset, timestamp, key, value, headers);
}

Result<std::vector<uint8_t>> RecordBatchBuilder::build() const {
  int64_t base = base_offset_.value_or(records_.empty() ? 0 : records_.front().offset);
  int64_t base_ts = base_timestamp_.value_or(records_.empty() ? -1 : records_.front().timestamp);
  int64_t max_ts = -1;
  ByteWriter recs(payload_.size() + records_.size() * 16);
  for (const auto& r : records_) {
    if (r.offset < base || r.offset - base > INT32_MAX) {
      return Status::invalid_argument(
          fmt::format("record offset {} does not fit a batch based at {}", r.offset, base));
    }
    max_ts = std::max(max_ts, r.timestamp);
    ByteWriter body(16);
    body.put_i8(0);
    body.put_varint(r.timestamp - base_ts);
    body.put_varint(r.offset - base);
    recs.put_varint(static_cast<int64_t>(body.size() + (r.end - r.begin)));
    recs.put_bytes(body.span());
    recs.put_bytes(ByteSpan(payload_.data() + r.begin, r.end - r.begin));
  }
  int32_t last_delta = last_offset_delta_.value_or(
      records_.empty() ? 0 : static_cast<int32_t>(records_.back().offset - base));
  if (!records_.empty() && records_.back().offset - base > last_delta) {
    return Status::invalid_argument("lastOffsetDelta is before the last record");
  }
  std::vector<uint8_t> payload;
  if (codec_ != CompressionCodec::kNone) {
    SLUICE_ASSIGN_OR_RETURN(payload, compress(codec_, recs.span()));
  } else {
    payload = recs.take();
  }
  uint16_t attrs = static_cast<uint16_t>(codec_);
  if (timestamp_type_ == TimestampType::kLogAppendTime) attrs |= bl::kTimestampTypeBit;
  if (transactional_) attrs |= bl::kTransactionalBit;
  if (control_) attrs |= bl::kControlBit;
  std::vector<uint8_t> out(bl::kHeaderSize + payload.size());
  uint8_t* p = out.data();
  store_be64(p + bl::kBaseOffset, static_cast<uint64_t>(base));
  store_be32(p + bl::kBatchLength, static_cast<uint32_t>(out.size() - bl::kLogOverhead));
  store_be32(p + bl::kPartitionLeaderEpoch, static_cast<uint32_t>(leader_epoch_));
  p[bl::kMagic] = static_cast<uint8_t>(bl::kMagicV2);
  store_be16(p + bl::kAttributes, attrs);
  store_be32(p + bl::kLastOffsetDelta, static_cast<uint32_t>(last_delta));
  store_be64(p + bl::kBaseTimestamp, static_cast<uint64_t>(base_ts));
  store_be64(p + bl::kMaxTimestamp, static_cast<uint64_t>(max_ts));
  store_be64(p + bl::kProducerId, static_cast<uint64_t>(producer_id_));
  store_be16(p + bl::kProducerEpoch, static_cast<uint16_t>(producer_epoch_));
  store_be32(p + bl::kBaseSequence, static_cast<uint32_t>(base_sequence_));
  store_be32(p + bl::kRecordsCount, static_cast<uint32_t>(records_.size()));
  std::copy(payload.begin(), payload.end(), out.begin() + bl::kHeaderSize);
  update_crc(out);
  return out;
}

Result<std::vector<uint8_t>> build_control_batch(int64_t producer_id, int16_t producer_epoch,
                                                 ControlType type, int32_t coordinator_epoch,
                                                 int64_t timestamp_ms) {
  ByteWriter key;
  key.put_i16(0);
  key.put_i16(static_cast<int16_t>(type));
  ByteWriter value;
  value.put_i16(0);
  value.put_i32(coordinator_epoch);
  RecordBatchBuilder b;
  b.set_producer(producer_id, producer_epoch, -1).set_transactional(true).set_control(true);
  b.add(0, timestamp_ms, key.span(), value.span());
  return b.build();
}

Result<int16_t> control_type(const RecordBatchView& batch) {
  SLUICE_ASSIGN_OR_RETURN(auto reader, RecordReader::open(batch));
  Record r;
  if (!reader.next(r)) {
    SLUICE_RETURN_IF_ERROR(reader.status());
    return Status::corruption("control batch without a record");
  }
  if (!r.key || r.key->size() < 4) return Status::corruption("control record key too short");
  ByteReader k(*r.key);
  int16_t version = k.get_i16();
  int16_t type = k.get_i16();
  if (version != 0) return static_cast<int16_t>(-1);
  return type == 0 || type == 1 ? type : static_cast<int16_t>(-1);
}

}  // namespace sluice
