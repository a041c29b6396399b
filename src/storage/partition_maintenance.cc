// Partition: retention, DeleteRecords and the maintenance entry point (compaction is in
// compaction.cc). Serialized by maintenance_mu_; the partition mutex is held only to edit the
// segment list, and files are removed after it is released (readers keep their descriptors).
#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "storage/partition.h"

namespace sluice {

Status Partition::persist_log_start_offset(int64_t lso) {
  std::string text = fmt::format("{}\n", lso);
  return fs_.write_file_atomic(path_join(dir_, kLogStartOffsetFile), as_bytes(text));
}

// NOLINTNEXTLINE(performance-unnecessary-value-param): a sink; the caller's references end here.
Status Partition::remove_segments(std::vector<std::shared_ptr<Segment>> dead) {
  Status first;
  for (auto& s : dead) {
    Status st = s->remove_files();
    if (!st.is_ok() && first.is_ok()) first = st;
  }
  if (!dead.empty()) {
    Status st = fs_.fsync_dir(dir_);
    if (!st.is_ok() && first.is_ok()) first = st;
  }
  return first;
}

Result<Offset> Partition::delete_records_before(Offset offset) {
  std::lock_guard<std::mutex> maint(maintenance_mu_);
  std::vector<std::shared_ptr<Segment>> dead;
  int64_t lso;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::aborted(fmt::format("partition {} is closed", name()));
    int64_t hw = hw_.load();
    if (offset.value() > hw || offset.value() < 0) {
      return Status::out_of_range(
          fmt::format("partition {}: cannot delete records before {}: the high watermark is {}",
                      name(), offset.value(), hw));
    }
    if (offset.value() <= lso_.load()) return Offset(lso_.load());
    lso = offset.value();
    if (segments_.back()->next_offset() <= lso && !segments_.back()->empty()) {
      SLUICE_RETURN_IF_ERROR(roll_locked(wall_clock_ms()));
    }
    while (segments_.size() > 1 && segments_.front()->next_offset() <= lso) {
      dead.push_back(segments_.front());
      segments_.erase(segments_.begin());
    }
    lso_.store(lso);
  }
  SLUICE_RETURN_IF_ERROR(persist_log_start_offset(lso));
  SLUICE_RETURN_IF_ERROR(remove_segments(std::move(dead)));
  return Offset(lso);
}

Status Partition::apply_retention(int64_t now_ms) {
  std::vector<std::shared_ptr<Segment>> dead;
  int64_t new_lso = -1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const LogConfig& cfg = config_;
    if (!cfg.deletes()) return Status::ok();
    uint64_t total = 0;
    for (const auto& s : segments_) total += s->size();
    int64_t hw = hw_.load();
    while (segments_.size() > 1) {
      const auto& s = segments_.front();
      if (s->next_offset() > hw) break;  // never drop what is not yet acknowledged
      int64_t ts = s->max_timestamp() >= 0 ? s->max_timestamp() : s->roll_time_ms();
      bool too_old = cfg.retention_ms >= 0 && ts < now_ms - cfg.retention_ms;
      bool too_big = cfg.retention_bytes >= 0 &&
                     total - s->size() >= static_cast<uint64_t>(cfg.retention_bytes);
      if (!too_old && !too_big) break;
      total -= s->size();
      dead.push_back(s);
      segments_.erase(segments_.begin());
    }
    if (dead.empty()) return Status::ok();
    new_lso = std::max(lso_.load(), segments_.front()->base_offset());
    lso_.store(new_lso);
  }
  spdlog::info("partition {}: retention deleted {} segment(s); log start offset is now {}", name(),
               dead.size(), new_lso);
  SLUICE_RETURN_IF_ERROR(persist_log_start_offset(new_lso));
  return remove_segments(std::move(dead));
}

Status Partition::run_maintenance(int64_t now_ms) {
  std::lock_guard<std::mutex> maint(maintenance_mu_);
  LogConfig cfg;
  bool flush_due = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::ok();
    cfg = config_;
    auto& active = *segments_.back();
    if (!active.empty() && now_ms - active.roll_time_ms() >= cfg.segment_ms && failed_.is_ok()) {
      SLUICE_RETURN_IF_ERROR(roll_locked(now_ms));
    }
    flush_due =
        cfg.fsync == FsyncPolicy::kInterval && now_ms - last_flush_ms_ >= cfg.fsync_interval_ms;
  }
  if (flush_due) {
    SLUICE_RETURN_IF_ERROR(flush());
    std::lock_guard<std::mutex> lock(mu_);
    last_flush_ms_ = now_ms;
  }
  SLUICE_RETURN_IF_ERROR(apply_retention(now_ms));
  if (cfg.compacts()) {
    bool dirty;
    {
      std::lock_guard<std::mutex> lock(mu_);
      dirty = compaction_dirty_ || now_ms >= compaction_due_ms_;
    }
    if (dirty) SLUICE_RETURN_IF_ERROR(compact_locked_maintenance(now_ms));
  }
  return Status::ok();
}

Status Partition::compact(int64_t now_ms) {
  std::lock_guard<std::mutex> maint(maintenance_mu_);
  return compact_locked_maintenance(now_ms);
}

}  // namespace sluice
