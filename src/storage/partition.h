// One partition of a topic: an ordered list of segments in `<data_dir>/topics/<topic>/<id>/`,
// plus `log-start-offset` (decimal text, written atomically) when records were deleted.
//
// Offsets: the log assigns them. Every batch passed to append() gets baseOffset = the current
// log end offset (LEO); the LEO then moves past its lastOffsetDelta. Batch bytes are stored as
// produced otherwise (only baseOffset, and partitionLeaderEpoch when given, are rewritten; both
// lie outside the CRC). With message.timestamp.type=LogAppendTime the batch is marked so and its
// CRC recomputed, as Kafka does.
//
// Durability (`fsync` topic config):
//   always    append() returns only after its bytes are fsynced. Concurrent appenders share
//             fsyncs (group commit: one thread syncs up to the current end while the others
//             wait for it). The high watermark (HW) moves only after the fsync, so no reader can
//             see bytes a crash could lose.
//   interval  run_maintenance() fsyncs when fsync.interval.ms has passed; HW = LEO.
//   never     only close() and segment rolls flush; HW = LEO.
// A failed fsync leaves the partition read-only (appends fail with the fsync error; reads below
// the HW go on), since after a failed fsync the kernel may have dropped the dirty pages. A failed
// write (ENOSPC, EIO) is cut back off the file and the append fails; the partition keeps
// serving, and later appends succeed once space is back.
//
// Thread-safety: every public member function is thread-safe. A mutex per partition guards the
// segment list and offsets; appends write under it (one pwritev per call), fsyncs and reads run
// outside it. Maintenance (retention, compaction, delete_records_before) is serialized by a
// second mutex and holds the partition mutex only briefly, so it never blocks appends for long.
// Listener callbacks run on the appending thread, outside the partition mutex; they must be
// quick and must not call subscribe/unsubscribe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/strong_types.h"
#include "storage/file_system.h"
#include "storage/log_config.h"
#include "storage/segment.h"

namespace sluice {

struct AppendOptions {
  int32_t leader_epoch = -1;  // written into partitionLeaderEpoch when >= 0
  int64_t now_ms = -1;        // wall clock for LogAppendTime and segment.ms; -1: now
  bool verify_crc = true;     // the broker may skip this if it already checked the CRC
};

struct AppendInfo {
  Offset base_offset{-1};
  Offset last_offset{-1};
  int64_t log_append_time = -1;  // -1 unless the topic uses LogAppendTime
  uint64_t bytes = 0;
};

// A byte range of a segment file holding whole batches. The shared_ptr keeps the descriptor
// open even if retention or compaction removes the file meanwhile.
struct FileRange {
  std::shared_ptr<File> file;
  uint64_t position = 0;
  uint64_t length = 0;
  int fd() const { return file->fd(); }
};

struct ReadResult {
  std::vector<FileRange> ranges;  // in log order, whole batches only
  uint64_t bytes = 0;
  Offset first_offset{-1};  // baseOffset of the first batch, -1 if empty
  Offset next_offset{-1};   // lastOffset + 1 of the last batch (where the next fetch starts)
  Offset high_watermark{0};
  Offset log_start_offset{0};
  bool empty() const { return bytes == 0; }
  // Appends the ranges' bytes to `out` (pread).
  Status copy_to(std::vector<uint8_t>& out) const;
};

struct TimestampOffset {
  Offset offset{-1};  // -1: no record with such a timestamp
  int64_t timestamp = -1;
};

struct PartitionStats {
  size_t segments = 0;
  uint64_t size_bytes = 0;
};

class Partition {
 public:
  using Listener = std::function<void(Offset high_watermark)>;
  static constexpr int64_t kLatestTimestamp = -1;
  static constexpr int64_t kEarliestTimestamp = -2;
  static constexpr int64_t kMaxTimestamp = -3;  // KIP-734

  // Opens (recovering) or creates the partition directory `dir`.
  static Result<std::unique_ptr<Partition>> open(FileSystem& fs, std::string dir, std::string topic,
                                                 int32_t id, const LogConfig& config,
                                                 int64_t now_ms);
  ~Partition();

  const std::string& topic() const { return topic_; }
  int32_t id() const { return id_; }

  // Appends one or more concatenated RecordBatch v2 (each already validated by the caller;
  // the log re-checks headers and, unless told not to, CRCs).
  Result<AppendInfo> append(ByteSpan batches, const AppendOptions& opts = {});

  // Whole batches starting with the one that contains `from` (or the first after it, if `from`
  // was compacted away), stopping before a batch that starts at or after `max_offset` (pass the
  // HW, or the LSO for read_committed) or that would exceed `max_bytes` - but, when
  // `at_least_one_batch`, one batch even if it is larger, like Kafka (KIP-74: the first batch of
  // a fetch always comes back, so that a consumer progresses). Reads from at most a few segments
  // per call. `from` below the log start offset or above the LEO fails with kOutOfRange.
  Result<ReadResult> read(Offset from, size_t max_bytes, Offset max_offset,
                          bool at_least_one_batch = true) const;
  // The same batches, copied into a buffer (one pread for the bulk).
  Result<ReadBuffer> read_bytes(Offset from, size_t max_bytes, Offset max_offset) const;
  // read_bytes into a caller-kept buffer (replacing its contents), so that a consumer loop
  // reuses one allocation instead of faulting in fresh pages for every fetch.
  Status read_into(Offset from, size_t max_bytes, Offset max_offset, ReadBuffer& out) const;

  Offset high_watermark() const { return Offset(hw_.load(std::memory_order_acquire)); }
  Offset log_start_offset() const { return Offset(lso_.load(std::memory_order_acquire)); }
  Offset log_end_offset() const { return Offset(leo_.load(std::memory_order_acquire)); }

  // ListOffsets: the first offset whose record timestamp >= ts (below the HW), or
  // kLatestTimestamp (-1) -> HW, kEarliestTimestamp (-2) -> log start offset,
  // kMaxTimestamp (-3) -> the first record with the largest timestamp.
  Result<TimestampOffset> offset_for_timestamp(int64_t ts) const;

  // DeleteRecords: moves the log start offset up to `offset` (<= HW) and drops whole segments
  // below it. Returns the new log start offset (Kafka's low watermark).
  Result<Offset> delete_records_before(Offset offset);

  // Called with the new HW whenever it advances. Returns an id for unsubscribe().
  uint64_t subscribe(Listener listener);
  void unsubscribe(uint64_t id);
  // Runs the listeners with the current HW, for state above the log that readers wait on (a
  // transaction's marker moving the last stable offset after the append that moved the HW).
  void notify_listeners();
  // Blocks until HW > `after`, the timeout passes, or the partition closes; true if HW > after.
  bool wait_for_data(Offset after, std::chrono::milliseconds timeout) const;

  // Calls `fn` with every batch header from the batch containing `from` to the end, in order,
  // until it returns false (e.g. to rebuild idempotent-producer state from the tail).
  Status scan_batch_headers(Offset from, const std::function<bool(const BatchHeader&)>& fn) const;
  // scan_batch_headers that also reads each control batch's marker type (ControlType, or -1 for
  // a data batch or an unknown control type): what rebuilding transaction state needs.
  Status scan_batch_markers(Offset from,
                            const std::function<bool(const BatchHeader&, int16_t)>& fn) const;

  // Roll by age, retention (delete policy), compaction (compact policy), interval fsync.
  Status run_maintenance(int64_t now_ms);
  // Compacts now (the compaction part of run_maintenance), regardless of dirtiness.
  Status compact(int64_t now_ms);
  // fsyncs everything written so far and writes the indexes.
  Status flush();
  // Flushes, stops accepting appends and closes the segment files (reads in flight keep theirs;
  // later reads find no data).
  Status close();

  LogConfig config() const;
  void set_config(const LogConfig& config);
  PartitionStats stats() const;
  // Not OK once an fsync failed or the partition was closed.
  Status health() const;

 private:
  static constexpr const char* kLogStartOffsetFile = "log-start-offset";

  struct SegmentSnapshot {
    std::shared_ptr<Segment> segment;
    uint64_t size;
    uint64_t start_position;  // where to start walking headers
  };

  Partition(FileSystem& fs, std::string dir, std::string topic, int32_t id, LogConfig config);
  Status load(int64_t now_ms);
  Status roll_locked(int64_t now_ms);    // requires mu_
  Status check_writable_locked() const;  // requires mu_
  Status wait_durable(int64_t offset);
  void advance_hw(int64_t hw);
  // advance_hw, then runs the listeners and wakes the waiters.
  void publish_hw(int64_t hw);
  Status snapshot_for_read(Offset from, size_t max_segments, std::vector<SegmentSnapshot>& out,
                           int64_t& lso, int64_t& leo) const;
  Status persist_log_start_offset(int64_t lso);
  Status apply_retention(int64_t now_ms);
  Status remove_segments(std::vector<std::shared_ptr<Segment>> dead);
  Status compact_locked_maintenance(int64_t now_ms);  // requires maintenance_mu_
  std::string name() const;

  FileSystem& fs_;
  const std::string dir_;
  const std::string topic_;
  const int32_t id_;

  mutable std::mutex mu_;
  LogConfig config_;                                // guarded by mu_
  std::vector<std::shared_ptr<Segment>> segments_;  // guarded by mu_; never empty while open
                                                    // (close() empties it)
  Status failed_;                                   // guarded by mu_; sticky
  bool closed_ = false;                             // guarded by mu_
  int64_t last_flush_ms_ = 0;                       // guarded by mu_
  bool compaction_dirty_ = true;                    // guarded by mu_: a segment rolled since
  int64_t compaction_due_ms_ = INT64_MAX;           // guarded by mu_: a kept tombstone expires

  std::atomic<int64_t> leo_{0};  // written under mu_
  std::atomic<int64_t> hw_{0};
  std::atomic<int64_t> lso_{0};  // written under mu_

  // Group commit.
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool syncing_ = false;  // guarded by sync_mu_
  int64_t durable_ = 0;   // guarded by sync_mu_: offsets below are fsynced
  Status sync_error_;     // guarded by sync_mu_

  // HW listeners and waiters.
  mutable std::mutex listeners_mu_;
  mutable std::condition_variable data_cv_;
  std::map<uint64_t, Listener> listeners_;  // guarded by listeners_mu_
  uint64_t next_listener_id_ = 1;           // guarded by listeners_mu_
  std::atomic<bool> closing_{false};

  std::mutex maintenance_mu_;
};

}  // namespace sluice
