#include "storage/index.h"

#include <algorithm>

namespace sluice {

// ---- OffsetIndex -----------------------------------------------------------------------------

void OffsetIndex::append(uint32_t relative_offset, uint32_t position) {
  if (!entries_.empty() && (relative_offset <= entries_.back().relative_offset ||
                            position <= entries_.back().position)) {
    return;  // never break monotonicity; a missing hint only costs a longer scan
  }
  entries_.push_back({relative_offset, position});
}

OffsetIndexEntry OffsetIndex::lookup(uint32_t relative_offset) const {
  auto it =
      std::upper_bound(entries_.begin(), entries_.end(), relative_offset,
                       [](uint32_t v, const OffsetIndexEntry& e) { return v < e.relative_offset; });
  if (it == entries_.begin()) return {0, 0};
  return *(it - 1);
}

void OffsetIndex::truncate_to_position(uint64_t position) {
  size_t keep = entries_.size();
  while (keep > 0 && entries_[keep - 1].position >= position) --keep;
  if (keep < entries_.size()) {
    entries_.resize(keep);
    if (flushed_ > keep) rewrite_ = true;
  }
}

void OffsetIndex::clear() {
  entries_.clear();
  flushed_ = 0;
  rewrite_ = true;
}

bool OffsetIndex::load(ByteSpan bytes, uint64_t log_size) {
  clear();
  size_t n = bytes.size() / kEntrySize;  // a torn trailing entry is ignored
  for (size_t i = 0; i < n; ++i) {
    OffsetIndexEntry e{load_be32(bytes.data() + i * kEntrySize),
                       load_be32(bytes.data() + i * kEntrySize + 4)};
    bool monotonic = entries_.empty() || (e.relative_offset > entries_.back().relative_offset &&
                                          e.position > entries_.back().position);
    if (!monotonic || e.position >= log_size) {
      clear();
      return false;
    }
    entries_.push_back(e);
  }
  flushed_ = entries_.size();
  rewrite_ = bytes.size() != n * kEntrySize;
  return true;
}

Status OffsetIndex::flush(FileSystem& fs, const std::string& path) {
  if (!rewrite_ && flushed_ == entries_.size()) return Status::ok();
  size_t from = rewrite_ ? 0 : flushed_;
  std::vector<uint8_t> buf((entries_.size() - from) * kEntrySize);
  for (size_t i = from; i < entries_.size(); ++i) {
    store_be32(buf.data() + (i - from) * kEntrySize, entries_[i].relative_offset);
    store_be32(buf.data() + (i - from) * kEntrySize + 4, entries_[i].position);
  }
  SLUICE_ASSIGN_OR_RETURN(auto f, fs.open(path, OpenMode::kCreate));
  if (rewrite_) SLUICE_RETURN_IF_ERROR(f->truncate(0));
  SLUICE_RETURN_IF_ERROR(f->pwrite(from * kEntrySize, buf));
  flushed_ = entries_.size();
  rewrite_ = false;
  return Status::ok();
}

// ---- TimeIndex -------------------------------------------------------------------------------

void TimeIndex::maybe_append(int64_t timestamp, uint32_t relative_offset) {
  if (!entries_.empty() && (timestamp <= entries_.back().timestamp ||
                            relative_offset < entries_.back().relative_offset)) {
    return;
  }
  entries_.push_back({timestamp, relative_offset});
  if (!rewrite_ && flushed_ + 1 == entries_.size() && !file_tail_.empty() &&
      file_tail_.front() == entries_.back()) {
    ++flushed_;  // the file holds this very entry already
    file_tail_.erase(file_tail_.begin());
  }
}

uint32_t TimeIndex::scan_start(int64_t ts) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), ts,
                             [](const TimeIndexEntry& e, int64_t v) { return e.timestamp < v; });
  if (it == entries_.begin()) return 0;
  return (it - 1)->relative_offset + 1;
}

void TimeIndex::truncate_from(uint32_t relative_offset) {
  size_t keep = entries_.size();
  while (keep > 0 && entries_[keep - 1].relative_offset >= relative_offset) --keep;
  if (keep < entries_.size()) {
    if (flushed_ > keep) {
      file_tail_.insert(file_tail_.begin(), entries_.begin() + static_cast<ptrdiff_t>(keep),
                        entries_.begin() + static_cast<ptrdiff_t>(flushed_));
      flushed_ = keep;
    }
    entries_.resize(keep);
  }
}

void TimeIndex::clear() {
  entries_.clear();
  flushed_ = 0;
  rewrite_ = true;
  file_tail_.clear();
}

bool TimeIndex::load(ByteSpan bytes) {
  clear();
  size_t n = bytes.size() / kEntrySize;
  for (size_t i = 0; i < n; ++i) {
    TimeIndexEntry e{static_cast<int64_t>(load_be64(bytes.data() + i * kEntrySize)),
                     load_be32(bytes.data() + i * kEntrySize + 8)};
    if (!entries_.empty() && (e.timestamp <= entries_.back().timestamp ||
                              e.relative_offset < entries_.back().relative_offset)) {
      clear();
      return false;
    }
    entries_.push_back(e);
  }
  flushed_ = entries_.size();
  rewrite_ = bytes.size() != n * kEntrySize;
  return true;
}

Status TimeIndex::flush(FileSystem& fs, const std::string& path) {
  if (!rewrite_ && flushed_ == entries_.size() && file_tail_.empty()) return Status::ok();
  size_t from = rewrite_ ? 0 : flushed_;
  std::vector<uint8_t> buf((entries_.size() - from) * kEntrySize);
  for (size_t i = from; i < entries_.size(); ++i) {
    store_be64(buf.data() + (i - from) * kEntrySize, static_cast<uint64_t>(entries_[i].timestamp));
    store_be32(buf.data() + (i - from) * kEntrySize + 8, entries_[i].relative_offset);
  }
  SLUICE_ASSIGN_OR_RETURN(auto f, fs.open(path, OpenMode::kCreate));
  // Entries the file holds past `from` differ from ours (or are gone): cut them off first.
  if (rewrite_ || !file_tail_.empty()) SLUICE_RETURN_IF_ERROR(f->truncate(from * kEntrySize));
  if (!buf.empty()) SLUICE_RETURN_IF_ERROR(f->pwrite(from * kEntrySize, buf));
  flushed_ = entries_.size();
  rewrite_ = false;
  file_tail_.clear();
  return Status::ok();
}

}  // namespace sluice
