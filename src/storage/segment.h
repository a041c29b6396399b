// One segment of a partition's log: `<base offset, 20 digits>.log` holding RecordBatch v2 bytes
// exactly as produced (with the offsets the log assigned), plus its `.index` and `.timeindex`
// (formats in storage/index.h).
//
// Thread-safety: not thread-safe; the partition mutex guards every member function except
// file(), base_offset() and log_path(), which are immutable. Readers pread the file without the
// mutex, below a size they read under it: bytes below size() never change (append-only; a
// compacted segment is a new Segment object and file, and a reader keeps the old one alive
// through its shared_ptr<File>).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/file_system.h"
#include "storage/index.h"
#include "storage/record_batch.h"

namespace sluice {

std::string segment_file_name(int64_t base_offset, std::string_view suffix);
// Parses "<20 digits>.log" into a base offset; -1 if the name is not a segment file.
int64_t parse_segment_file_name(std::string_view name);

// Reads the batch header at `pos`. Fails with kCorruption (naming the file and position) on a
// short read or a header whose magic or length is wrong.
Result<BatchHeader> read_batch_header(File& file, uint64_t pos, uint64_t limit);

// Walks the batches of [start, end) of a file through a read buffer.
class BatchScanner {
 public:
  enum class Step { kBatch, kEnd, kInvalid };
  BatchScanner(File& file, uint64_t start, uint64_t end, bool verify_crc)
      : file_(file), pos_(start), end_(end), verify_crc_(verify_crc) {}
  // kBatch: position(), header() and bytes() describe the batch; kInvalid: reason() says why the
  // bytes at position() are not a whole valid batch. I/O errors come back as a Status.
  Result<Step> next();
  uint64_t position() const { return batch_pos_; }
  const BatchHeader& header() const { return header_; }
  ByteSpan bytes() const { return bytes_; }
  const std::string& reason() const { return reason_; }

 private:
  Status fill(size_t need);
  File& file_;
  uint64_t pos_;  // next batch
  uint64_t end_;
  bool verify_crc_;
  std::vector<uint8_t> buf_;
  uint64_t buf_pos_ = 0;  // file position of buf_[0]
  size_t buf_len_ = 0;
  uint64_t batch_pos_ = 0;
  BatchHeader header_;
  ByteSpan bytes_;
  std::string reason_;
};

struct BatchMeta {
  int64_t base_offset;
  int64_t last_offset;
  int64_t max_timestamp;
  uint32_t size;
};

class Segment {
 public:
  struct OpenOptions {
    bool is_last = false;  // torn tail is truncated instead of reported as corruption
    int32_t index_interval_bytes = 4096;
    int64_t now_ms = 0;
    std::string log_name;  // "topic/partition" for log lines
  };

  static Result<std::shared_ptr<Segment>> create(FileSystem& fs, const std::string& dir,
                                                 int64_t base_offset, int64_t now_ms);
  // Opens and recovers: validates the indexes (rebuilding them if needed) and scans the tail
  // from the last index entry. A torn or corrupt tail of the last segment is truncated and
  // logged; in any other segment it is a kCorruption error naming the file and position.
  static Result<std::shared_ptr<Segment>> open(FileSystem& fs, const std::string& dir,
                                               int64_t base_offset, const OpenOptions& opts);

  int64_t base_offset() const { return base_offset_; }
  int64_t next_offset() const { return next_offset_; }
  uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t max_timestamp() const { return max_timestamp_; }
  // When the segment started, for segment.ms: first append's wall clock, or on reopen the first
  // batch's maxTimestamp (as Kafka does).
  int64_t roll_time_ms() const { return roll_time_ms_; }
  const std::shared_ptr<File>& file() const { return log_; }
  const std::string& log_path() const { return log_path_; }
  bool has_unsynced_data() const { return synced_size_ < size_; }

  // Writes the batches laid out in `iov` at the end of the file with one pwritev and indexes
  // them. On a failed write the file is truncated back, so no partial batch stays behind.
  Status append(const struct iovec* iov, int iovcnt, const BatchMeta* metas, size_t n,
                int32_t index_interval_bytes, int64_t now_ms);
  // fdatasync of the log file. Safe without the partition mutex (File is thread-safe); the
  // caller records what became durable with note_synced() under the mutex.
  Status sync() { return log_->sync(); }
  void note_synced(uint64_t size) { synced_size_ = std::max(synced_size_, size); }
  Status flush_indexes();
  // Position of the last indexed batch whose base offset <= `offset`.
  uint64_t index_floor_position(int64_t offset) const;
  // First offset worth scanning for a timestamp >= ts (see TimeIndex::scan_start).
  int64_t time_scan_start(int64_t ts) const;
  // Deletes the log and index files (open descriptors stay readable).
  Status remove_files();
  // Unlinks the index files (before a compacted log replaces this one).
  Status remove_index_files();
  // Adds a final time index entry for the whole segment (when it stops being the active one).
  void seal();

 private:
  Segment(FileSystem& fs, std::string dir, int64_t base_offset);
  Status recover(const OpenOptions& opts);
  void index_batch(const BatchMeta& m, uint64_t position, int32_t interval);

  FileSystem& fs_;
  std::string dir_;
  int64_t base_offset_;
  std::string log_path_, index_path_, time_index_path_;
  std::shared_ptr<File> log_;
  uint64_t size_ = 0;
  uint64_t synced_size_ = 0;
  int64_t next_offset_;
  int64_t max_timestamp_ = -1;
  int64_t roll_time_ms_ = 0;
  uint64_t bytes_since_index_ = 0;
  OffsetIndex index_;
  TimeIndex time_index_;
};

}  // namespace sluice
