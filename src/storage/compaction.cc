// Log compaction (cleanup.policy=compact): keeps the latest record per key.
//
// 1. Build key -> latest offset over every segment (the active one up to its current size
//    included, so older values of keys rewritten there go too).
// 2. Rewrite each inactive segment: a record survives if it has no key or is its key's latest.
//    A surviving tombstone (null value) is dropped once its timestamp is older than
//    delete.retention.ms. Batches whose records all survive are copied byte for byte; batches
//    with some survivors are rebuilt with the same codec, baseOffset, lastOffsetDelta,
//    baseTimestamp and producer fields, so every record keeps its offset and the batch still ends
//    where it did; batches with none are dropped. Control batches are kept as they are.
//    Transactions: a transactional batch counts only once its producer's commit marker follows
//    (at its own offsets: latest = the higher); the batches of an aborted transaction are
//    dropped; those of a transaction still open are kept untouched and do not supersede older
//    values, since they may yet be aborted.
// 3. Swap: the new file is written as `<base>.log.cleaned` and fsynced, the old segment's index
//    files are unlinked, the new file is renamed over `<base>.log` (atomic), the directory is
//    fsynced, and the in-memory segment is replaced under the partition mutex. A crash at any
//    point leaves either the old or the new log file; a leftover `.cleaned` file is deleted on
//    open and missing indexes are rebuilt.
// Appends go on meanwhile: only inactive segments are rewritten, and the partition mutex is held
// only for the snapshot and the swap. Readers holding the old file keep reading the old inode.
#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "storage/partition.h"

namespace sluice {

namespace {

Status for_each_batch(File& file, uint64_t size,
                      const std::function<Status(const BatchHeader&, ByteSpan)>& fn) {
  BatchScanner scan(file, 0, size, /*verify_crc=*/false);
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(auto step, scan.next());
    if (step == BatchScanner::Step::kEnd) return Status::ok();
    if (step == BatchScanner::Step::kInvalid) {
      return Status::corruption(
          fmt::format("{}: position {}: {}", file.path(), scan.position(), scan.reason()));
    }
    SLUICE_RETURN_IF_ERROR(fn(scan.header(), scan.bytes()));
  }
}

}  // namespace

Status Partition::compact_locked_maintenance(int64_t now_ms) {
  std::vector<std::pair<std::shared_ptr<Segment>, uint64_t>> segs;
  LogConfig cfg;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cfg = config_;
    if (!cfg.compacts() || closed_) return Status::ok();
    for (const auto& s : segments_) segs.emplace_back(s, s->size());
    compaction_dirty_ = false;
    compaction_due_ms_ = INT64_MAX;
  }
  if (segs.size() < 2) return Status::ok();

  std::unordered_map<std::string, int64_t> latest;
  auto supersede = [&](std::string key, int64_t offset) {
    auto [it, fresh] = latest.emplace(std::move(key), offset);
    if (!fresh) it->second = std::max(it->second, offset);
  };
  // Transactions: the keys of each producer's open transaction, and the fate of every
  // transactional batch (by base offset) once its marker is seen.
  enum class Fate { kOpen, kCommitted, kAborted };
  struct OpenTxn {
    std::vector<std::pair<std::string, int64_t>> keys;
    std::vector<int64_t> batches;
  };
  std::unordered_map<int64_t, OpenTxn> open_txns;
  std::unordered_map<int64_t, Fate> fate;
  for (const auto& [seg, size] : segs) {
    SLUICE_RETURN_IF_ERROR(
        for_each_batch(*seg->file(), size, [&](const BatchHeader& h, ByteSpan bytes) -> Status {
          SLUICE_ASSIGN_OR_RETURN(auto view, RecordBatchView::parse_first(bytes));
          if (h.is_control()) {
            SLUICE_ASSIGN_OR_RETURN(int16_t type, control_type(view));
            auto it = open_txns.find(h.producer_id);
            if (type < 0 || it == open_txns.end()) return Status::ok();
            bool commit = type == static_cast<int16_t>(ControlType::kCommit);
            for (int64_t b : it->second.batches)
              fate[b] = commit ? Fate::kCommitted : Fate::kAborted;
            if (commit) {
              for (auto& [key, offset] : it->second.keys) supersede(std::move(key), offset);
            }
            open_txns.erase(it);
            return Status::ok();
          }
          bool txn = h.is_transactional() && h.producer_id >= 0;
          OpenTxn* open = nullptr;
          if (txn) {
            open = &open_txns[h.producer_id];
            open->batches.push_back(h.base_offset);
            fate[h.base_offset] = Fate::kOpen;
          }
          SLUICE_ASSIGN_OR_RETURN(auto reader, RecordReader::open(view));
          Record r;
          while (reader.next(r)) {
            if (!r.key) continue;
            std::string key(as_string_view(*r.key));
            if (open) {
              open->keys.emplace_back(std::move(key), r.offset);
            } else {
              supersede(std::move(key), r.offset);
            }
          }
          return reader.status();
        }));
  }

  int64_t due = INT64_MAX;
  size_t rewritten = 0;
  uint64_t saved = 0;
  segs.pop_back();  // the active segment is never rewritten
  for (const auto& [seg, size] : segs) {
    std::vector<uint8_t> out;
    out.reserve(size);
    bool changed = false;
    SLUICE_RETURN_IF_ERROR(
        for_each_batch(*seg->file(), size, [&](const BatchHeader& h, ByteSpan bytes) -> Status {
          if (h.is_control()) {
            out.insert(out.end(), bytes.begin(), bytes.end());
            return Status::ok();
          }
          if (h.is_transactional() && h.producer_id >= 0) {
            auto f = fate.find(h.base_offset);
            if (f != fate.end() && f->second == Fate::kAborted) {
              changed = true;  // an aborted transaction's records: no reader may see them
              return Status::ok();
            }
            if (f == fate.end() || f->second == Fate::kOpen) {
              out.insert(out.end(), bytes.begin(), bytes.end());
              return Status::ok();
            }
          }
          SLUICE_ASSIGN_OR_RETURN(auto view, RecordBatchView::parse_first(bytes));
          SLUICE_ASSIGN_OR_RETURN(auto reader, RecordReader::open(view));
          RecordBatchBuilder builder(h.codec());
          builder.set_base_offset(h.base_offset)
              .set_last_offset_delta(h.last_offset_delta)
              .set_base_timestamp(h.base_timestamp)
              .set_producer(h.producer_id, h.producer_epoch, h.base_sequence)
              .set_partition_leader_epoch(h.partition_leader_epoch)
              .set_transactional(h.is_transactional())
              .set_timestamp_type(h.timestamp_type());
          int32_t total = 0;
          Record r;
          while (reader.next(r)) {
            ++total;
            if (r.key) {
              auto it = latest.find(std::string(as_string_view(*r.key)));
              if (it != latest.end() && it->second != r.offset) continue;  // superseded
              if (!r.value) {
                int64_t expires = r.timestamp + cfg.delete_retention_ms;
                if (expires <= now_ms) continue;  // tombstone past delete.retention.ms
                due = std::min(due, expires);
              }
            }
            builder.add(r.offset, r.timestamp, r.key, r.value, r.headers);
          }
          SLUICE_RETURN_IF_ERROR(reader.status());
          if (builder.record_count() == static_cast<size_t>(total)) {
            out.insert(out.end(), bytes.begin(), bytes.end());
            return Status::ok();
          }
          changed = true;
          if (builder.empty()) return Status::ok();
          SLUICE_ASSIGN_OR_RETURN(auto rebuilt, builder.build());
          out.insert(out.end(), rebuilt.begin(), rebuilt.end());
          return Status::ok();
        }));
    if (!changed) continue;

    if (out.empty()) {
      // Nothing left: drop the segment (offsets are gaps, which reads skip), except the first,
      // whose base offset is the log start offset.
      bool removed = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (segments_.front() != seg && segments_.back() != seg) {
          segments_.erase(std::find(segments_.begin(), segments_.end(), seg));
          removed = true;
        }
      }
      if (removed) {
        SLUICE_RETURN_IF_ERROR(seg->remove_files());
        SLUICE_RETURN_IF_ERROR(fs_.fsync_dir(dir_));
        ++rewritten;
        saved += size;
        continue;
      }
    }

    std::string cleaned = seg->log_path() + ".cleaned";
    {
      SLUICE_ASSIGN_OR_RETURN(auto f, fs_.open(cleaned, OpenMode::kCreate));
      SLUICE_RETURN_IF_ERROR(f->truncate(0));
      SLUICE_RETURN_IF_ERROR(f->pwrite(0, out));
      SLUICE_RETURN_IF_ERROR(f->sync());
    }
    SLUICE_RETURN_IF_ERROR(seg->remove_index_files());
    SLUICE_RETURN_IF_ERROR(fs_.rename(cleaned, seg->log_path()));
    SLUICE_RETURN_IF_ERROR(fs_.fsync_dir(dir_));
    Segment::OpenOptions o;
    o.is_last = false;
    o.index_interval_bytes = cfg.index_interval_bytes;
    o.now_ms = now_ms;
    o.log_name = name();
    SLUICE_ASSIGN_OR_RETURN(auto fresh, Segment::open(fs_, dir_, seg->base_offset(), o));
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& s : segments_) {
        if (s == seg) {
          s = fresh;
          break;
        }
      }
    }
    ++rewritten;
    saved += size - out.size();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    compaction_due_ms_ = std::min(compaction_due_ms_, due);
  }
  if (rewritten > 0) {
    spdlog::info("partition {}: compaction rewrote {} segment(s), {} bytes smaller", name(),
                 rewritten, saved);
  }
  return Status::ok();
}

}  // namespace sluice
