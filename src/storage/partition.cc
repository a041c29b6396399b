#include "storage/partition.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/crc32c.h"

namespace sluice {

namespace bl = batch_layout;

namespace {
constexpr int64_t kMaxSegmentSpan = INT32_MAX;  // relative offsets in the indexes are 32-bit
}  // namespace

Partition::Partition(FileSystem& fs, std::string dir, std::string topic, int32_t id,
                     LogConfig config)
    : fs_(fs), dir_(std::move(dir)), topic_(std::move(topic)), id_(id), config_(config) {}

Partition::~Partition() {
  close().ignore_error();
}

std::string Partition::name() const {
  return fmt::format("{}/{}", topic_, id_);
}

Result<std::unique_ptr<Partition>> Partition::open(FileSystem& fs, std::string dir,
                                                   std::string topic, int32_t id,
                                                   const LogConfig& config, int64_t now_ms) {
  std::unique_ptr<Partition> p(new Partition(fs, std::move(dir), std::move(topic), id, config));
  SLUICE_RETURN_IF_ERROR(p->load(now_ms));
  return p;
}

Status Partition::load(int64_t now_ms) {
  SLUICE_RETURN_IF_ERROR(fs_.mkdir(dir_));
  SLUICE_ASSIGN_OR_RETURN(auto names, fs_.list(dir_));
  std::vector<int64_t> bases;
  for (const auto& n : names) {
    int64_t base = parse_segment_file_name(n);
    if (base >= 0) {
      bases.push_back(base);
    } else if (n.size() > 8 && (n.ends_with(".cleaned") || n.ends_with(".tmp"))) {
      // Left over by a compaction or an atomic write that a crash interrupted.
      SLUICE_RETURN_IF_ERROR(fs_.unlink(path_join(dir_, n)));
    }
  }
  std::sort(bases.begin(), bases.end());
  // Trailing empty segments (a crash right after a roll) hide the real tail; drop them so the
  // last non-empty segment gets tail recovery.
  while (bases.size() > 1) {
    SLUICE_ASSIGN_OR_RETURN(
        auto f,
        fs_.open(path_join(dir_, segment_file_name(bases.back(), ".log")), OpenMode::kRead));
    SLUICE_ASSIGN_OR_RETURN(uint64_t sz, f->size());
    if (sz != 0) break;
    for (const char* suffix : {".log", ".index", ".timeindex"}) {
      std::string p = path_join(dir_, segment_file_name(bases.back(), suffix));
      SLUICE_ASSIGN_OR_RETURN(bool there, fs_.exists(p));
      if (there) SLUICE_RETURN_IF_ERROR(fs_.unlink(p));
    }
    bases.pop_back();
  }
  int64_t expected_next = -1;
  for (size_t i = 0; i < bases.size(); ++i) {
    Segment::OpenOptions o;
    o.is_last = i + 1 == bases.size();
    o.index_interval_bytes = config_.index_interval_bytes;
    o.now_ms = now_ms;
    o.log_name = name();
    auto seg = Segment::open(fs_, dir_, bases[i], o);
    if (!seg.is_ok()) return seg.status().with_context(fmt::format("partition {}", name()));
    if (expected_next >= 0 && bases[i] < expected_next) {
      return Status::corruption(
          fmt::format("partition {}: segment {} starts at offset {} but the previous one ends at "
                      "{}",
                      name(), (*seg)->log_path(), bases[i], expected_next));
    }
    expected_next = (*seg)->next_offset();
    segments_.push_back(std::move(seg).value());
  }
  if (segments_.empty()) {
    SLUICE_ASSIGN_OR_RETURN(auto seg, Segment::create(fs_, dir_, 0, now_ms));
    segments_.push_back(std::move(seg));
  }
  int64_t lso = segments_.front()->base_offset();
  std::string lso_path = path_join(dir_, kLogStartOffsetFile);
  SLUICE_ASSIGN_OR_RETURN(bool have_lso, fs_.exists(lso_path));
  if (have_lso) {
    SLUICE_ASSIGN_OR_RETURN(auto bytes, fs_.read_file(lso_path));
    std::string_view text = as_string_view(bytes);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || v < 0) {
      return Status::corruption(fmt::format("{}: not a decimal offset", lso_path));
    }
    lso = std::max(lso, v);
  }
  int64_t leo = segments_.back()->next_offset();
  lso = std::min(lso, leo);
  // Segments wholly below the log start offset (deleted records whose files a crash kept).
  while (segments_.size() > 1 && segments_.front()->next_offset() <= lso) {
    SLUICE_RETURN_IF_ERROR(segments_.front()->remove_files());
    segments_.erase(segments_.begin());
  }
  leo_.store(leo);
  lso_.store(lso);
  hw_.store(leo);  // everything that survived recovery is on disk
  durable_ = leo;
  last_flush_ms_ = now_ms;
  return Status::ok();
}

Status Partition::check_writable_locked() const {
  if (closed_) return Status::aborted(fmt::format("partition {} is closed", name()));
  if (!failed_.is_ok()) {
    return Status(failed_.code(),
                  fmt::format("partition {} is read-only after an earlier error: {}", name(),
                              failed_.message()));
  }
  return Status::ok();
}

Status Partition::roll_locked(int64_t now_ms) {
  std::shared_ptr<Segment> old = segments_.back();
  old->seal();
  SLUICE_RETURN_IF_ERROR(old->flush_indexes());
  if (config_.fsync != FsyncPolicy::kNever && old->has_unsynced_data()) {
    // Group commit only syncs the active segment; whatever the old one holds must be durable
    // before the new one takes over.
    Status st = old->sync();
    if (!st.is_ok()) {
      failed_ = st;
      return st;
    }
    old->note_synced(old->size());
  }
  SLUICE_ASSIGN_OR_RETURN(auto seg, Segment::create(fs_, dir_, leo_.load(), now_ms));
  segments_.push_back(std::move(seg));
  compaction_dirty_ = true;
  return Status::ok();
}

Result<AppendInfo> Partition::append(ByteSpan batches, const AppendOptions& opts) {
  const int64_t now = opts.now_ms >= 0 ? opts.now_ms : wall_clock_ms();
  // Header checks without the lock: sizes, magic, offsets delta, CRC.
  struct Parsed {
    size_t at;
    uint32_t size;
    int32_t last_delta;
    int64_t max_ts;
  };
  std::vector<Parsed> parsed;
  size_t pos = 0;
  while (pos < batches.size()) {
    auto v = RecordBatchView::parse_first(batches.subspan(pos));
    if (!v.is_ok()) {
      return v.status().with_context(fmt::format("append to {}: batch at byte {}", name(), pos));
    }
    const BatchHeader& h = v->header();
    if (h.magic != bl::kMagicV2) {
      return Status::invalid_argument(
          fmt::format("append to {}: batch magic {} is not 2", name(), h.magic));
    }
    if (h.last_offset_delta < 0 || h.records_count < 0 ||
        static_cast<int64_t>(h.records_count) > static_cast<int64_t>(h.last_offset_delta) + 1) {
      return Status::invalid_argument(
          fmt::format("append to {}: batch has lastOffsetDelta {} and {} records", name(),
                      h.last_offset_delta, h.records_count));
    }
    if (opts.verify_crc && !v->crc_matches()) {
      return Status::corruption(
          fmt::format("append to {}: batch at byte {} fails its CRC-32C check", name(), pos));
    }
    parsed.push_back({pos, static_cast<uint32_t>(v->size()), h.last_offset_delta, h.max_timestamp});
    pos += v->size();
  }
  if (parsed.empty())
    return Status::invalid_argument(fmt::format("append to {}: no batch", name()));

  std::vector<uint8_t> owned;  // LogAppendTime batches are rewritten in a copy
  std::vector<std::array<uint8_t, 16>> prefixes(parsed.size());
  std::vector<struct iovec> iov;
  iov.reserve(parsed.size() * 2);
  std::vector<BatchMeta> metas;
  metas.reserve(parsed.size());
  AppendInfo info;
  int64_t end_offset;
  FsyncPolicy fsync_policy;
  {
    std::lock_guard<std::mutex> lock(mu_);
    SLUICE_RETURN_IF_ERROR(check_writable_locked());
    const LogConfig& cfg = config_;
    fsync_policy = cfg.fsync;
    const uint8_t* base_ptr = batches.data();
    if (cfg.timestamp_type == TimestampType::kLogAppendTime) {
      owned.assign(batches.begin(), batches.end());
      for (auto& p : parsed) {
        set_log_append_time(std::span<uint8_t>(owned.data() + p.at, p.size), now);
        p.max_ts = now;
      }
      base_ptr = owned.data();
      info.log_append_time = now;
    }
    for (const auto& p : parsed) {
      if (p.size > static_cast<uint32_t>(cfg.max_message_bytes) + bl::kLogOverhead) {
        return Status::invalid_argument(
            fmt::format("append to {}: batch of {} bytes exceeds max.message.bytes {}", name(),
                        p.size, cfg.max_message_bytes));
      }
    }
    int64_t next = leo_.load();
    info.base_offset = Offset(next);
    uint64_t pending_bytes = 0;
    auto write_pending = [&]() -> Status {
      if (metas.empty()) return Status::ok();
      Status st = segments_.back()->append(iov.data(), static_cast<int>(iov.size()), metas.data(),
                                           metas.size(), cfg.index_interval_bytes, now);
      if (!st.is_ok()) {
        if (st.message().find("truncating the partial write failed") != std::string::npos) {
          failed_ = st;  // a partial batch may be on disk: stop writing until restart recovers
        }
        return st.with_context(fmt::format("append to {}", name()));
      }
      leo_.store(metas.back().last_offset + 1, std::memory_order_release);
      info.bytes += pending_bytes;
      iov.clear();
      metas.clear();
      pending_bytes = 0;
      return Status::ok();
    };
    for (size_t i = 0; i < parsed.size(); ++i) {
      const Parsed& p = parsed[i];
      const uint8_t* b = base_ptr + p.at;
      int64_t last = next + p.last_delta;
      Segment& active = *segments_.back();
      bool nonempty = active.size() + pending_bytes > 0;
      bool full = active.size() + pending_bytes + p.size > static_cast<uint64_t>(cfg.segment_bytes);
      bool old = now - active.roll_time_ms() >= cfg.segment_ms;
      bool span = last - active.base_offset() > kMaxSegmentSpan;
      if (nonempty && (full || old || span)) {
        Status st = write_pending();
        if (st.is_ok()) st = roll_locked(now);
        // Batches written before a failed roll stay in the log; the caller sees the error and
        // retries (idempotent producers deduplicate).
        if (!st.is_ok()) return st;
      }
      auto& pre = prefixes[i];
      store_be64(pre.data(), static_cast<uint64_t>(next));
      std::memcpy(pre.data() + 8, b + 8, 8);  // batchLength, partitionLeaderEpoch
      if (opts.leader_epoch >= 0)
        store_be32(pre.data() + 12, static_cast<uint32_t>(opts.leader_epoch));
      iov.push_back({pre.data(), 16});
      iov.push_back({const_cast<uint8_t*>(b + 16), p.size - 16});
      metas.push_back({next, last, p.max_ts, p.size});
      pending_bytes += p.size;
      next = last + 1;
    }
    SLUICE_RETURN_IF_ERROR(write_pending());
    end_offset = leo_.load();
    info.last_offset = Offset(end_offset - 1);
    if (cfg.fsync != FsyncPolicy::kAlways) hw_.store(end_offset, std::memory_order_release);
  }
  if (fsync_policy == FsyncPolicy::kAlways) {
    SLUICE_RETURN_IF_ERROR(wait_durable(end_offset));
  } else {
    publish_hw(end_offset);
  }
  return info;
}

Status Partition::wait_durable(int64_t offset) {
  std::unique_lock<std::mutex> lk(sync_mu_);
  while (durable_ < offset) {
    if (!sync_error_.is_ok()) return sync_error_;
    if (syncing_) {
      sync_cv_.wait(lk);
      continue;
    }
    // Leader: sync up to whatever has been written by now, for everyone waiting.
    syncing_ = true;
    lk.unlock();
    std::shared_ptr<Segment> seg;
    int64_t upto = 0;
    uint64_t size = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!segments_.empty()) {
        seg = segments_.back();
        upto = leo_.load();
        size = seg->size();
      }
    }
    Status st = seg ? seg->sync() : Status::aborted(fmt::format("partition {} is closed", name()));
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (st.is_ok()) {
        seg->note_synced(size);
      } else if (failed_.is_ok()) {
        failed_ = st;
      }
    }
    lk.lock();
    syncing_ = false;
    if (st.is_ok()) {
      durable_ = std::max(durable_, upto);
      advance_hw(durable_);  // before waking the followers: their appends are acknowledged now
    } else {
      sync_error_ = st.with_context(fmt::format("fsync of partition {}", name()));
    }
    sync_cv_.notify_all();
    if (st.is_ok()) {
      int64_t hw = durable_;
      lk.unlock();
      publish_hw(hw);
      lk.lock();
    }
  }
  return Status::ok();
}

void Partition::advance_hw(int64_t hw) {
  int64_t cur = hw_.load();
  while (cur < hw && !hw_.compare_exchange_weak(cur, hw)) {
  }
}

void Partition::publish_hw(int64_t hw) {
  advance_hw(hw);
  std::lock_guard<std::mutex> lock(listeners_mu_);
  for (auto& [id, fn] : listeners_) fn(Offset(hw_.load()));
  data_cv_.notify_all();
}

void Partition::notify_listeners() {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  for (auto& [id, fn] : listeners_) fn(Offset(hw_.load()));
  data_cv_.notify_all();
}

uint64_t Partition::subscribe(Listener listener) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  uint64_t id = next_listener_id_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void Partition::unsubscribe(uint64_t id) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  listeners_.erase(id);
}

bool Partition::wait_for_data(Offset after, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(listeners_mu_);
  data_cv_.wait_for(lock, timeout, [&] { return hw_.load() > after.value() || closing_.load(); });
  return hw_.load() > after.value();
}

Status Partition::flush() {
  std::vector<std::pair<std::shared_ptr<Segment>, uint64_t>> dirty;
  int64_t leo;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (segments_.empty()) return Status::ok();  // open() failed half-way
    // After a failed fsync a later one may "succeed" although the kernel dropped the dirty
    // pages; never treat anything as durable (or raise the HW) after that.
    if (!failed_.is_ok()) return check_writable_locked();
    for (const auto& s : segments_) {
      if (s->has_unsynced_data()) dirty.emplace_back(s, s->size());
    }
    SLUICE_RETURN_IF_ERROR(segments_.back()->flush_indexes());
    leo = leo_.load();
  }
  for (auto& [seg, size] : dirty) {
    Status st = seg->sync();
    std::lock_guard<std::mutex> lock(mu_);
    if (!st.is_ok()) {
      if (failed_.is_ok()) failed_ = st;
      return st.with_context(fmt::format("flush of partition {}", name()));
    }
    seg->note_synced(size);
  }
  {
    std::lock_guard<std::mutex> lk(sync_mu_);
    durable_ = std::max(durable_, leo);
  }
  publish_hw(leo);  // under fsync=always this may be the first time these offsets are durable
  return Status::ok();
}

Status Partition::close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::ok();
  }
  Status st = flush();
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  closing_.store(true);
  {
    std::lock_guard<std::mutex> lock(listeners_mu_);
    data_cv_.notify_all();
  }
  // Let go of the segment files, so that a deleted topic's disk space and page cache come back
  // now rather than at the next restart (LogManager keeps closed partitions alive for stale
  // pointers). Reads in flight hold their own references; maintenance, which works on segments
  // outside mu_, is kept out by maintenance_mu_.
  std::vector<std::shared_ptr<Segment>> released;
  {
    std::lock_guard<std::mutex> maint(maintenance_mu_);
    std::lock_guard<std::mutex> lock(mu_);
    released.swap(segments_);
  }
  return st;
}

LogConfig Partition::config() const {
  std::lock_guard<std::mutex> lock(mu_);
  return config_;
}

void Partition::set_config(const LogConfig& config) {
  std::lock_guard<std::mutex> lock(mu_);
  config_ = config;
  compaction_dirty_ = true;
}

PartitionStats Partition::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  PartitionStats st;
  st.segments = segments_.size();
  for (const auto& s : segments_) st.size_bytes += s->size();
  return st;
}

Status Partition::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return check_writable_locked();
}

}  // namespace sluice
