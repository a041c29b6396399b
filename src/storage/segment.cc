#include "storage/segment.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/crc32c.h"

namespace sluice {

namespace bl = batch_layout;

std::string segment_file_name(int64_t base_offset, std::string_view suffix) {
  return fmt::format("{:020d}{}", base_offset, suffix);
}

int64_t parse_segment_file_name(std::string_view name) {
  if (name.size() != 24 || name.substr(20) != ".log") return -1;
  int64_t v = 0;
  for (size_t i = 0; i < 20; ++i) {
    char c = name[i];
    if (c < '0' || c > '9') return -1;
    if (v > (INT64_MAX - (c - '0')) / 10) return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

Result<BatchHeader> read_batch_header(File& file, uint64_t pos, uint64_t limit) {
  uint8_t buf[bl::kHeaderSize];
  if (limit < pos + bl::kHeaderSize) {
    return Status::corruption(fmt::format("{}: position {}: {} bytes left, a batch header needs {}",
                                          file.path(), pos, limit - std::min(limit, pos),
                                          bl::kHeaderSize));
  }
  SLUICE_ASSIGN_OR_RETURN(size_t n, file.pread(pos, buf, sizeof(buf)));
  if (n < sizeof(buf)) {
    return Status::corruption(
        fmt::format("{}: position {}: short read of a batch header", file.path(), pos));
  }
  BatchHeader h = *decode_batch_header(ByteSpan(buf, sizeof(buf)));
  if (h.magic != bl::kMagicV2 ||
      h.batch_length < static_cast<int32_t>(bl::kHeaderSize - bl::kLogOverhead) ||
      pos + h.total_size() > limit) {
    return Status::corruption(fmt::format(
        "{}: position {}: not a valid record batch (magic {}, batchLength {}, {} bytes left)",
        file.path(), pos, h.magic, h.batch_length, limit - pos));
  }
  return h;
}

// ---- BatchScanner ----------------------------------------------------------------------------

Status BatchScanner::fill(size_t need) {
  if (pos_ >= buf_pos_ && pos_ + need <= buf_pos_ + buf_len_) return Status::ok();
  size_t want =
      static_cast<size_t>(std::min<uint64_t>(std::max<size_t>(need, 1 << 20), end_ - pos_));
  if (buf_.size() < want) buf_.resize(want);
  SLUICE_ASSIGN_OR_RETURN(size_t got, file_.pread(pos_, buf_.data(), want));
  buf_pos_ = pos_;
  buf_len_ = got;
  return Status::ok();
}

Result<BatchScanner::Step> BatchScanner::next() {
  batch_pos_ = pos_;
  if (pos_ >= end_) return Step::kEnd;
  uint64_t left = end_ - pos_;
  if (left < bl::kHeaderSize) {
    reason_ = fmt::format("{} trailing bytes, too few for a batch header", left);
    return Step::kInvalid;
  }
  SLUICE_RETURN_IF_ERROR(fill(bl::kHeaderSize));
  if (buf_len_ - (pos_ - buf_pos_) < bl::kHeaderSize) {
    reason_ = "short read of a batch header";
    return Step::kInvalid;
  }
  const uint8_t* p = buf_.data() + (pos_ - buf_pos_);
  header_ = *decode_batch_header(ByteSpan(p, bl::kHeaderSize));
  if (header_.magic != bl::kMagicV2) {
    reason_ = fmt::format("magic byte is {}, not 2", header_.magic);
    return Step::kInvalid;
  }
  if (header_.batch_length < static_cast<int32_t>(bl::kHeaderSize - bl::kLogOverhead)) {
    reason_ = fmt::format("batchLength {} is too small", header_.batch_length);
    return Step::kInvalid;
  }
  if (header_.total_size() > left) {
    reason_ = fmt::format("batch of {} bytes is cut off after {} bytes (torn write)",
                          header_.total_size(), left);
    return Step::kInvalid;
  }
  if (header_.last_offset_delta < 0 || header_.records_count < 0) {
    reason_ = fmt::format("lastOffsetDelta {} / recordsCount {} are negative",
                          header_.last_offset_delta, header_.records_count);
    return Step::kInvalid;
  }
  SLUICE_RETURN_IF_ERROR(fill(header_.total_size()));
  if (buf_len_ - (pos_ - buf_pos_) < header_.total_size()) {
    reason_ = "short read of a batch";
    return Step::kInvalid;
  }
  p = buf_.data() + (pos_ - buf_pos_);
  bytes_ = ByteSpan(p, header_.total_size());
  if (verify_crc_ &&
      crc32c(p + bl::kAttributes, header_.total_size() - bl::kAttributes) != header_.crc) {
    reason_ = "CRC-32C mismatch";
    return Step::kInvalid;
  }
  pos_ += header_.total_size();
  return Step::kBatch;
}

// ---- Segment ---------------------------------------------------------------------------------

Segment::Segment(FileSystem& fs, std::string dir, int64_t base_offset)
    : fs_(fs),
      dir_(std::move(dir)),
      base_offset_(base_offset),
      log_path_(path_join(dir_, segment_file_name(base_offset, ".log"))),
      index_path_(path_join(dir_, segment_file_name(base_offset, ".index"))),
      time_index_path_(path_join(dir_, segment_file_name(base_offset, ".timeindex"))),
      next_offset_(base_offset) {}

Result<std::shared_ptr<Segment>> Segment::create(FileSystem& fs, const std::string& dir,
                                                 int64_t base_offset, int64_t now_ms) {
  std::shared_ptr<Segment> s(new Segment(fs, dir, base_offset));
  SLUICE_ASSIGN_OR_RETURN(auto f, fs.open(s->log_path_, OpenMode::kCreate));
  SLUICE_ASSIGN_OR_RETURN(uint64_t n, f->size());
  if (n != 0) SLUICE_RETURN_IF_ERROR(f->truncate(0));
  s->log_ = std::move(f);
  s->roll_time_ms_ = now_ms;
  // Stale indexes of an earlier segment with the same base would confuse recovery.
  for (const auto& p : {s->index_path_, s->time_index_path_}) {
    auto there = fs.exists(p);
    if (there.is_ok() && *there) SLUICE_RETURN_IF_ERROR(fs.unlink(p));
  }
  SLUICE_RETURN_IF_ERROR(fs.fsync_dir(dir));
  return s;
}

Result<std::shared_ptr<Segment>> Segment::open(FileSystem& fs, const std::string& dir,
                                               int64_t base_offset, const OpenOptions& opts) {
  std::shared_ptr<Segment> s(new Segment(fs, dir, base_offset));
  SLUICE_ASSIGN_OR_RETURN(auto f, fs.open(s->log_path_, OpenMode::kReadWrite));
  s->log_ = std::move(f);
  SLUICE_RETURN_IF_ERROR(s->recover(opts));
  return s;
}

Status Segment::recover(const OpenOptions& opts) {
  SLUICE_ASSIGN_OR_RETURN(uint64_t file_size, log_->size());
  bool index_ok = false, time_ok = false;
  SLUICE_ASSIGN_OR_RETURN(bool have_index, fs_.exists(index_path_));
  if (have_index) {
    auto bytes = fs_.read_file(index_path_);
    if (bytes.is_ok() && index_.load(*bytes, file_size)) {
      index_ok = true;
      if (!index_.empty()) {
        // The last entry must point at a batch with the offset it claims.
        const auto& last = index_.entries().back();
        auto h = read_batch_header(*log_, last.position, file_size);
        index_ok = h.is_ok() && h->base_offset == base_offset_ + last.relative_offset;
      }
    }
  }
  SLUICE_ASSIGN_OR_RETURN(bool have_time, fs_.exists(time_index_path_));
  if (have_time) {
    auto bytes = fs_.read_file(time_index_path_);
    time_ok = bytes.is_ok() && time_index_.load(*bytes);
  }
  uint64_t start = 0;
  if (index_ok && time_ok && !index_.empty()) {
    start = index_.entries().back().position;
    next_offset_ = base_offset_ + index_.entries().back().relative_offset;
    time_index_.truncate_from(index_.entries().back().relative_offset);
    max_timestamp_ = time_index_.last_timestamp();
  } else {
    if (have_index && !index_ok) {
      spdlog::warn("{}: rebuilding index {} (it does not match the log)", opts.log_name,
                   index_path_);
    }
    index_.clear();
    time_index_.clear();
  }

  BatchScanner scan(*log_, start, file_size, /*verify_crc=*/true);
  bool first = true;
  uint64_t valid_end = start;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(auto step, scan.next());
    if (step == BatchScanner::Step::kEnd) break;
    std::string reason;
    if (step == BatchScanner::Step::kBatch && scan.header().base_offset < next_offset_) {
      reason = fmt::format("batch base offset {} is below the expected {}",
                           scan.header().base_offset, next_offset_);
    } else if (step == BatchScanner::Step::kBatch &&
               scan.header().last_offset() - base_offset_ > UINT32_MAX) {
      reason = "batch offset is too far from the segment base";
    } else if (step == BatchScanner::Step::kInvalid) {
      reason = scan.reason();
    }
    if (!reason.empty()) {
      if (!opts.is_last) {
        return Status::corruption(fmt::format("{}: corrupt segment {} at position {} of {}: {}",
                                              opts.log_name, log_path_, scan.position(), file_size,
                                              reason));
      }
      spdlog::warn("{}: truncating {} from position {} to drop {} bytes of invalid tail: {}",
                   opts.log_name, log_path_, scan.position(), file_size - scan.position(), reason);
      SLUICE_RETURN_IF_ERROR(log_->truncate(scan.position()));
      SLUICE_RETURN_IF_ERROR(log_->sync());
      break;
    }
    const BatchHeader& h = scan.header();
    BatchMeta m{h.base_offset, h.last_offset(), h.max_timestamp,
                static_cast<uint32_t>(h.total_size())};
    if (first && start > 0) {
      // Already indexed: re-add only its time index entry (dropped above).
      max_timestamp_ = std::max(max_timestamp_, m.max_timestamp);
      time_index_.maybe_append(max_timestamp_, static_cast<uint32_t>(m.last_offset - base_offset_));
      bytes_since_index_ = m.size;
      next_offset_ = m.last_offset + 1;
    } else {
      index_batch(m, scan.position(), opts.index_interval_bytes);
    }
    first = false;
    valid_end = scan.position() + m.size;
  }
  size_ = valid_end;
  synced_size_ = size_;
  index_.truncate_to_position(size_);
  if (!opts.is_last) seal();
  if (size_ > 0) {
    auto h = read_batch_header(*log_, 0, size_);
    roll_time_ms_ = h.is_ok() && h->max_timestamp >= 0 ? h->max_timestamp : opts.now_ms;
  } else {
    roll_time_ms_ = opts.now_ms;
  }
  return flush_indexes();
}

void Segment::index_batch(const BatchMeta& m, uint64_t position, int32_t interval) {
  max_timestamp_ = std::max(max_timestamp_, m.max_timestamp);
  if (position > 0 && bytes_since_index_ >= static_cast<uint64_t>(interval)) {
    index_.append(static_cast<uint32_t>(m.base_offset - base_offset_),
                  static_cast<uint32_t>(position));
    time_index_.maybe_append(max_timestamp_, static_cast<uint32_t>(m.last_offset - base_offset_));
    bytes_since_index_ = 0;
  }
  bytes_since_index_ += m.size;
  next_offset_ = m.last_offset + 1;
}

void Segment::seal() {
  if (size_ > 0 && max_timestamp_ >= 0) {
    time_index_.maybe_append(max_timestamp_,
                             static_cast<uint32_t>(next_offset_ - 1 - base_offset_));
  }
}

Status Segment::append(const struct iovec* iov, int iovcnt, const BatchMeta* metas, size_t n,
                       int32_t index_interval_bytes, int64_t now_ms) {
  uint64_t total = 0;
  for (int i = 0; i < iovcnt; ++i) total += iov[i].iov_len;
  Status st = log_->pwritev(size_, iov, iovcnt);
  if (!st.is_ok()) {
    // A short write may have left part of a batch: cut it off so it can never be served.
    Status t = log_->truncate(size_);
    if (!t.is_ok()) {
      return Status(st.code(), fmt::format("{} (and truncating the partial write failed: {})",
                                           st.message(), t.message()));
    }
    return st;
  }
  if (size_ == 0) roll_time_ms_ = now_ms;
  uint64_t pos = size_;
  for (size_t i = 0; i < n; ++i) {
    index_batch(metas[i], pos, index_interval_bytes);
    pos += metas[i].size;
  }
  size_ += total;
  return Status::ok();
}

Status Segment::flush_indexes() {
  SLUICE_RETURN_IF_ERROR(index_.flush(fs_, index_path_));
  return time_index_.flush(fs_, time_index_path_);
}

uint64_t Segment::index_floor_position(int64_t offset) const {
  if (offset <= base_offset_) return 0;
  int64_t rel = offset - base_offset_;
  return index_.lookup(static_cast<uint32_t>(std::min<int64_t>(rel, UINT32_MAX))).position;
}

int64_t Segment::time_scan_start(int64_t ts) const {
  return base_offset_ + time_index_.scan_start(ts);
}

Status Segment::remove_files() {
  SLUICE_RETURN_IF_ERROR(remove_index_files());
  auto there = fs_.exists(log_path_);
  if (there.is_ok() && *there) SLUICE_RETURN_IF_ERROR(fs_.unlink(log_path_));
  return Status::ok();
}

Status Segment::remove_index_files() {
  for (const auto& p : {index_path_, time_index_path_}) {
    auto there = fs_.exists(p);
    if (there.is_ok() && *there) SLUICE_RETURN_IF_ERROR(fs_.unlink(p));
  }
  return Status::ok();
}

}  // namespace sluice
