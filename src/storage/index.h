// Sparse per-segment indexes, kept in memory and written to disk lazily (on flush, roll and
// close). They are hints: recovery checks them and rebuilds them from the log when they do not
// match, so they are never fsynced on the append path.
//
// `.index` (offset index), 8 bytes per entry, big-endian:
//   u32 relative offset   baseOffset of a batch minus the segment's base offset
//   u32 position          byte position of that batch in the `.log` file
// One entry about every index.interval.bytes (4 KiB) of log; entries strictly increase in both
// fields. Position 0 (the segment's first batch) is implied and not stored.
//
// `.timeindex` (time index), 12 bytes per entry, big-endian:
//   i64 timestamp         largest maxTimestamp of all batches up to and including batch B
//   u32 relative offset   lastOffset of batch B minus the segment's base offset
// Timestamps strictly increase. So all batches ending before B's predecessor's entry have
// smaller timestamps: to find the first batch whose maxTimestamp >= t, start scanning right after
// the last entry whose timestamp is < t.
//
// Thread-safety: not thread-safe; the owning partition's mutex guards them.
#pragma once

#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "storage/file_system.h"

namespace sluice {

struct OffsetIndexEntry {
  uint32_t relative_offset = 0;
  uint32_t position = 0;
};

struct TimeIndexEntry {
  int64_t timestamp = 0;
  uint32_t relative_offset = 0;
  bool operator==(const TimeIndexEntry&) const = default;
};

class OffsetIndex {
 public:
  static constexpr size_t kEntrySize = 8;

  void append(uint32_t relative_offset, uint32_t position);
  // The last entry whose relative offset <= `relative_offset`, or {0, 0}.
  OffsetIndexEntry lookup(uint32_t relative_offset) const;
  // Drops entries whose position >= `position`.
  void truncate_to_position(uint64_t position);
  const std::vector<OffsetIndexEntry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  void clear();

  // Parses a file's bytes; false if they are not a well-formed index for a log of `log_size`.
  bool load(ByteSpan bytes, uint64_t log_size);
  // Writes the entries not yet on disk (rewrites the whole file after a truncation).
  Status flush(FileSystem& fs, const std::string& path);

 private:
  std::vector<OffsetIndexEntry> entries_;
  size_t flushed_ = 0;   // entries already in the file
  bool rewrite_ = true;  // the file must be rewritten from scratch
};

class TimeIndex {
 public:
  static constexpr size_t kEntrySize = 12;

  // Appends if `timestamp` is larger than the last entry's.
  void maybe_append(int64_t timestamp, uint32_t relative_offset);
  // Relative offset to start scanning from for the first batch with maxTimestamp >= `ts`:
  // one past the last entry whose timestamp < ts, or 0.
  uint32_t scan_start(int64_t ts) const;
  int64_t last_timestamp() const { return entries_.empty() ? -1 : entries_.back().timestamp; }
  // Drops entries whose relative offset >= `relative_offset`.
  void truncate_from(uint32_t relative_offset);
  const std::vector<TimeIndexEntry>& entries() const { return entries_; }
  void clear();

  bool load(ByteSpan bytes);
  Status flush(FileSystem& fs, const std::string& path);

 private:
  std::vector<TimeIndexEntry> entries_;
  size_t flushed_ = 0;  // entries_[0, flushed_) are in the file
  bool rewrite_ = true;
  // Entries the file holds after the first flushed_ ones (dropped by truncate_from). Recovery
  // drops the entries past the last offset-index entry and derives them again from the log;
  // when they come back equal, they are already in the file and need no write.
  std::vector<TimeIndexEntry> file_tail_;
};

}  // namespace sluice
