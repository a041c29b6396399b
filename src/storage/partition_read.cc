// Partition: the read side (fetch, ListOffsets, header scans). Reads take the partition mutex
// only to snapshot the segments, then pread without it (see partition.h).
#include <algorithm>

#include <fmt/format.h>

#include "storage/partition.h"

namespace sluice {

namespace bl = batch_layout;

namespace {
constexpr size_t kMaxReadSegments = 4;  // non-empty segments one read may span
}  // namespace
Status ReadResult::copy_to(std::vector<uint8_t>& out) const {
  size_t at = out.size();
  out.resize(at + bytes);
  for (const auto& r : ranges) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, r.file->pread(r.position, out.data() + at, r.length));
    if (n != r.length) {
      return Status::corruption(fmt::format("{}: short read at {}", r.file->path(), r.position));
    }
    at += n;
  }
  return Status::ok();
}

Status Partition::snapshot_for_read(Offset from, size_t max_segments,
                                    std::vector<SegmentSnapshot>& out, int64_t& lso,
                                    int64_t& leo) const {
  std::lock_guard<std::mutex> lock(mu_);
  lso = lso_.load();
  leo = leo_.load();
  if (from.value() < lso || from.value() > leo) {
    return Status::out_of_range(fmt::format("partition {}: offset {} is outside the log [{}, {}]",
                                            name(), from.value(), lso, leo));
  }
  auto it = std::upper_bound(
      segments_.begin(), segments_.end(), from.value(),
      [](int64_t v, const std::shared_ptr<Segment>& s) { return v < s->base_offset(); });
  if (it != segments_.begin()) --it;
  for (bool first = true; it != segments_.end() && out.size() < max_segments; ++it, first = false) {
    const auto& s = *it;
    // Compaction can empty whole segments; they must not use up the read's segment budget.
    if (s->empty()) continue;
    out.push_back({s, s->size(), first ? s->index_floor_position(from.value()) : 0});
  }
  return Status::ok();
}

Result<ReadResult> Partition::read(Offset from, size_t max_bytes, Offset max_offset,
                                   bool at_least_one_batch) const {
  std::vector<SegmentSnapshot> segs;
  int64_t lso, leo;
  SLUICE_RETURN_IF_ERROR(snapshot_for_read(from, kMaxReadSegments, segs, lso, leo));
  ReadResult r;
  r.high_watermark = high_watermark();
  r.log_start_offset = Offset(lso);
  const int64_t bound = std::min(max_offset.value(), leo);
  for (const auto& s : segs) {
    uint64_t pos = s.start_position;
    File& file = *s.segment->file();
    while (pos < s.size) {
      SLUICE_ASSIGN_OR_RETURN(BatchHeader h, read_batch_header(file, pos, s.size));
      if (h.last_offset() < from.value()) {
        pos += h.total_size();
        continue;
      }
      if (h.base_offset >= bound) return r;
      if ((r.bytes > 0 || !at_least_one_batch) && r.bytes + h.total_size() > max_bytes) return r;
      if (!r.ranges.empty() && r.ranges.back().file == s.segment->file() &&
          r.ranges.back().position + r.ranges.back().length == pos) {
        r.ranges.back().length += h.total_size();
      } else {
        r.ranges.push_back({s.segment->file(), pos, h.total_size()});
      }
      if (r.first_offset.value() < 0) r.first_offset = Offset(h.base_offset);
      r.next_offset = Offset(h.last_offset() + 1);
      r.bytes += h.total_size();
      pos += h.total_size();
    }
  }
  return r;
}

Result<ReadBuffer> Partition::read_bytes(Offset from, size_t max_bytes, Offset max_offset) const {
  ReadBuffer out;
  SLUICE_RETURN_IF_ERROR(read_into(from, max_bytes, max_offset, out));
  return out;
}

Status Partition::read_into(Offset from, size_t max_bytes, Offset max_offset,
                            ReadBuffer& out) const {
  out.clear();
  std::vector<SegmentSnapshot> segs;
  int64_t lso, leo;
  SLUICE_RETURN_IF_ERROR(snapshot_for_read(from, kMaxReadSegments, segs, lso, leo));
  const int64_t bound = std::min(max_offset.value(), leo);
  for (const auto& s : segs) {
    File& file = *s.segment->file();
    uint64_t pos = s.start_position;
    // Skip to the batch holding `from` (at most one index interval of headers).
    while (pos < s.size) {
      SLUICE_ASSIGN_OR_RETURN(BatchHeader h, read_batch_header(file, pos, s.size));
      if (h.last_offset() >= from.value()) break;
      pos += h.total_size();
    }
    if (pos >= s.size) continue;
    // One pread for everything that may fit, then cut at the last whole batch.
    size_t room = out.empty() ? max_bytes : max_bytes - std::min(max_bytes, out.size());
    size_t chunk = static_cast<size_t>(
        std::min<uint64_t>(std::max<size_t>(room, bl::kHeaderSize), s.size - pos));
    size_t at = out.size();
    out.resize(at + chunk);
    SLUICE_ASSIGN_OR_RETURN(size_t got, file.pread(pos, out.data() + at, chunk));
    out.resize(at + got);
    size_t cut = at;
    bool stop = false;
    while (cut + bl::kLogOverhead <= out.size()) {
      int64_t base = static_cast<int64_t>(load_be64(out.data() + cut));
      uint64_t total = load_be32(out.data() + cut + bl::kBatchLength) + bl::kLogOverhead;
      if (base >= bound) {
        stop = true;
        break;
      }
      if (cut + total > out.size()) {
        if (cut == 0) {
          // The first batch is larger than max_bytes: return it whole anyway.
          if (pos + total > s.size) {
            return Status::corruption(
                fmt::format("{}: batch at {} runs past the end", file.path(), pos));
          }
          out.resize(total);
          SLUICE_ASSIGN_OR_RETURN(size_t n2, file.pread(pos + got, out.data() + got, total - got));
          if (n2 != total - got)
            return Status::corruption(fmt::format("{}: short read", file.path()));
          cut = total;
        }
        stop = true;
        break;
      }
      cut += total;
    }
    out.resize(cut);
    if (stop || out.size() >= max_bytes) break;
  }
  return Status::ok();
}

Result<TimestampOffset> Partition::offset_for_timestamp(int64_t ts) const {
  if (ts == kEarliestTimestamp) return TimestampOffset{log_start_offset(), -1};
  if (ts == kLatestTimestamp) return TimestampOffset{high_watermark(), -1};
  if (ts == kMaxTimestamp) {
    // The first record whose timestamp >= the largest timestamp is the one holding it.
    int64_t max_ts = -1;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& s : segments_) {
        if (s->next_offset() > lso_.load()) max_ts = std::max(max_ts, s->max_timestamp());
      }
    }
    if (max_ts < 0) return TimestampOffset{};
    ts = max_ts;
  }
  if (ts < 0) return Status::invalid_argument(fmt::format("bad timestamp {}", ts));
  struct Candidate {
    std::shared_ptr<Segment> segment;
    uint64_t size;
    uint64_t start;
  };
  std::vector<Candidate> cands;
  int64_t lso, hw = high_watermark().value();
  {
    std::lock_guard<std::mutex> lock(mu_);
    lso = lso_.load();
    for (const auto& s : segments_) {
      if (s->max_timestamp() < ts || s->next_offset() <= lso) continue;
      cands.push_back({s, s->size(), s->index_floor_position(s->time_scan_start(ts))});
    }
  }
  for (const auto& c : cands) {
    File& file = *c.segment->file();
    BatchScanner scan(file, c.start, c.size, /*verify_crc=*/false);
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(auto step, scan.next());
      if (step == BatchScanner::Step::kEnd) break;
      if (step == BatchScanner::Step::kInvalid) {
        return Status::corruption(
            fmt::format("{}: position {}: {}", file.path(), scan.position(), scan.reason()));
      }
      const BatchHeader& h = scan.header();
      if (h.base_offset >= hw) return TimestampOffset{};
      if (h.max_timestamp < ts || h.last_offset() < lso || h.is_control()) continue;
      SLUICE_ASSIGN_OR_RETURN(auto view, RecordBatchView::parse_first(scan.bytes()));
      SLUICE_ASSIGN_OR_RETURN(auto reader, RecordReader::open(view));
      Record rec;
      while (reader.next(rec)) {
        if (rec.timestamp >= ts && rec.offset >= lso)
          return TimestampOffset{Offset(rec.offset), rec.timestamp};
      }
      SLUICE_RETURN_IF_ERROR(reader.status());
    }
  }
  return TimestampOffset{};
}

Status Partition::scan_batch_headers(Offset from,
                                     const std::function<bool(const BatchHeader&)>& fn) const {
  return scan_batch_markers(from, [&](const BatchHeader& h, int16_t) { return fn(h); });
}

Status Partition::scan_batch_markers(
    Offset from, const std::function<bool(const BatchHeader&, int16_t)>& fn) const {
  std::vector<SegmentSnapshot> segs;
  int64_t lso, leo;
  Offset start = Offset(std::max(from.value(), log_start_offset().value()));
  SLUICE_RETURN_IF_ERROR(snapshot_for_read(start, SIZE_MAX, segs, lso, leo));
  std::vector<uint8_t> control;
  for (const auto& s : segs) {
    uint64_t pos = s.start_position;
    while (pos < s.size) {
      SLUICE_ASSIGN_OR_RETURN(BatchHeader h, read_batch_header(*s.segment->file(), pos, s.size));
      uint64_t at = pos;
      pos += h.total_size();
      if (h.last_offset() < start.value()) continue;
      int16_t type = -1;
      if (h.is_control()) {
        control.resize(h.total_size());
        SLUICE_ASSIGN_OR_RETURN(size_t n,
                                s.segment->file()->pread(at, control.data(), control.size()));
        if (n != control.size()) return Status::corruption(name() + ": short control batch");
        SLUICE_ASSIGN_OR_RETURN(auto view,
                                RecordBatchView::parse_first(ByteSpan(control.data(), n)));
        SLUICE_ASSIGN_OR_RETURN(type, control_type(view));
      }
      if (!fn(h, type)) return Status::ok();
    }
  }
  return Status::ok();
}

}  // namespace sluice
