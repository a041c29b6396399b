#include "storage/fault_injection_fs.h"

#include <cerrno>

#include <fmt/format.h>

namespace sluice {

class FaultFile final : public File {
 public:
  FaultFile(FaultInjectionFileSystem& fs, std::unique_ptr<File> base)
      : fs_(fs), base_(std::move(base)) {}

  Result<size_t> pread(uint64_t offset, void* buf, size_t n) override {
    if (int err = fs_.read_error(path()); err != 0) {
      return Status::from_errno(err, fmt::format("read {}", path()));
    }
    return base_->pread(offset, buf, n);
  }

  Status pwritev(uint64_t offset, const struct iovec* iov, int iovcnt) override {
    size_t total = 0;
    for (int i = 0; i < iovcnt; ++i) total += iov[i].iov_len;
    auto [allowed, err] = fs_.write_budget(path(), total);
    if (err == 0) {
      SLUICE_RETURN_IF_ERROR(base_->pwritev(offset, iov, iovcnt));
      fs_.note_written(path(), offset + total);
      return Status::ok();
    }
    // Short write: the allowed prefix reaches the file, then the error.
    std::vector<struct iovec> part;
    size_t left = allowed;
    for (int i = 0; i < iovcnt && left > 0; ++i) {
      size_t n = std::min(left, iov[i].iov_len);
      part.push_back({iov[i].iov_base, n});
      left -= n;
    }
    if (!part.empty()) {
      SLUICE_RETURN_IF_ERROR(base_->pwritev(offset, part.data(), static_cast<int>(part.size())));
      fs_.note_written(path(), offset + allowed);
    }
    return Status::from_errno(err, fmt::format("write {}", path()));
  }

  Status sync() override {
    fs_.wait_if_held(FaultInjectionFileSystem::HoldKind::kSync, path());
    if (int err = fs_.sync_error(path()); err != 0) {
      return Status::from_errno(err, fmt::format("fdatasync {}", path()));
    }
    SLUICE_RETURN_IF_ERROR(base_->sync());
    fs_.syncs_.fetch_add(1);
    SLUICE_ASSIGN_OR_RETURN(uint64_t n, base_->size());
    fs_.note_synced(path(), n);
    return Status::ok();
  }

  Status truncate(uint64_t size) override {
    SLUICE_RETURN_IF_ERROR(base_->truncate(size));
    std::lock_guard<std::mutex> lock(fs_.mu_);
    auto it = fs_.synced_size_.find(path());
    if (it != fs_.synced_size_.end() && it->second > size) it->second = size;
    return Status::ok();
  }

  Result<uint64_t> size() override { return base_->size(); }
  int fd() const override { return base_->fd(); }
  const std::string& path() const override { return base_->path(); }

 private:
  FaultInjectionFileSystem& fs_;
  std::unique_ptr<File> base_;
};

void FaultInjectionFileSystem::set_path_filter(std::string filter) {
  std::lock_guard<std::mutex> lock(mu_);
  filter_ = std::move(filter);
}

void FaultInjectionFileSystem::inject_write_error(int err, uint64_t after_bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  write_errno_ = err;
  write_budget_ = after_bytes;
}

void FaultInjectionFileSystem::inject_sync_error(int err) {
  std::lock_guard<std::mutex> lock(mu_);
  sync_errno_ = err;
}

void FaultInjectionFileSystem::inject_read_error(int err) {
  std::lock_guard<std::mutex> lock(mu_);
  read_errno_ = err;
}

void FaultInjectionFileSystem::deny(std::string prefix) {
  std::lock_guard<std::mutex> lock(mu_);
  denied_.push_back(std::move(prefix));
}

void FaultInjectionFileSystem::clear_faults() {
  std::lock_guard<std::mutex> lock(mu_);
  write_errno_ = sync_errno_ = read_errno_ = 0;
  write_budget_ = 0;
  denied_.clear();
  filter_.clear();
}

bool FaultInjectionFileSystem::applies(const std::string& path) const {
  return filter_.empty() || path.find(filter_) != std::string::npos;
}

bool FaultInjectionFileSystem::denied(const std::string& path) const {
  for (const auto& p : denied_) {
    if (path.compare(0, p.size(), p) == 0) return true;
  }
  return false;
}

std::pair<size_t, int> FaultInjectionFileSystem::write_budget(const std::string& path, size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  if (write_errno_ == 0 || !applies(path)) return {n, 0};
  if (n <= write_budget_) {
    write_budget_ -= n;
    return {n, 0};
  }
  size_t allowed = write_budget_;
  write_budget_ = 0;
  return {allowed, write_errno_};
}

int FaultInjectionFileSystem::sync_error(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  return applies(path) ? sync_errno_ : 0;
}

int FaultInjectionFileSystem::read_error(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  return applies(path) ? read_errno_ : 0;
}

void FaultInjectionFileSystem::note_synced(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  synced_size_[path] = size;
}

void FaultInjectionFileSystem::note_written(const std::string& path, uint64_t end) {
  (void)end;
  written_.fetch_add(1);
  std::lock_guard<std::mutex> lock(mu_);
  synced_size_.try_emplace(path, 0);
}

Status FaultInjectionFileSystem::crash() {
  std::map<std::string, uint64_t> files;
  {
    std::lock_guard<std::mutex> lock(mu_);
    files = synced_size_;
  }
  for (const auto& [path, synced] : files) {
    auto there = base_.exists(path);
    if (!there.is_ok() || !*there) continue;
    SLUICE_ASSIGN_OR_RETURN(auto f, base_.open(path, OpenMode::kReadWrite));
    SLUICE_ASSIGN_OR_RETURN(uint64_t n, f->size());
    if (n > synced) SLUICE_RETURN_IF_ERROR(f->truncate(synced));
  }
  return Status::ok();
}

Result<std::unique_ptr<File>> FaultInjectionFileSystem::open(const std::string& path,
                                                             OpenMode mode) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (denied(path)) return Status::from_errno(EACCES, fmt::format("open {}", path));
  }
  SLUICE_ASSIGN_OR_RETURN(auto f, base_.open(path, mode));
  if (mode != OpenMode::kRead) {
    SLUICE_ASSIGN_OR_RETURN(uint64_t n, f->size());
    std::lock_guard<std::mutex> lock(mu_);
    synced_size_.try_emplace(path, mode == OpenMode::kCreateExclusive ? 0 : n);
  }
  return std::unique_ptr<File>(new FaultFile(*this, std::move(f)));
}

void FaultInjectionFileSystem::hold_renames(std::string substring) {
  std::lock_guard<std::mutex> lock(mu_);
  hold_ = std::move(substring);
}

void FaultInjectionFileSystem::hold_syncs(std::string substring) {
  std::lock_guard<std::mutex> lock(mu_);
  hold_sync_ = std::move(substring);
}

void FaultInjectionFileSystem::release_holds() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    hold_.clear();
    hold_sync_.clear();
  }
  released_.notify_all();
}

void FaultInjectionFileSystem::wait_if_held(HoldKind kind, const std::string& path) {
  std::unique_lock<std::mutex> lock(mu_);
  const std::string& hold = kind == HoldKind::kRename ? hold_ : hold_sync_;
  if (hold.empty() || path.find(hold) == std::string::npos) return;
  ++held_;
  released_.wait(lock, [&] { return hold.empty(); });
  --held_;
}

int FaultInjectionFileSystem::held() const {
  std::lock_guard<std::mutex> lock(mu_);
  return held_;
}

Status FaultInjectionFileSystem::rename(const std::string& from, const std::string& to) {
  wait_if_held(HoldKind::kRename, from);
  SLUICE_RETURN_IF_ERROR(base_.rename(from, to));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = synced_size_.find(from);
  if (it != synced_size_.end()) {
    synced_size_[to] = it->second;
    synced_size_.erase(from);
  } else {
    synced_size_.erase(to);
  }
  return Status::ok();
}

Status FaultInjectionFileSystem::unlink(const std::string& path) {
  SLUICE_RETURN_IF_ERROR(base_.unlink(path));
  std::lock_guard<std::mutex> lock(mu_);
  synced_size_.erase(path);
  return Status::ok();
}

Status FaultInjectionFileSystem::mkdir(const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (denied(path)) return Status::from_errno(EACCES, fmt::format("mkdir {}", path));
  }
  return base_.mkdir(path);
}

Status FaultInjectionFileSystem::rmdir(const std::string& path) {
  return base_.rmdir(path);
}

Result<std::vector<std::string>> FaultInjectionFileSystem::list(const std::string& dir) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (denied(dir)) return Status::from_errno(EACCES, fmt::format("list directory {}", dir));
  }
  return base_.list(dir);
}

Status FaultInjectionFileSystem::fsync_dir(const std::string& dir) {
  if (int err = sync_error(dir); err != 0) {
    return Status::from_errno(err, fmt::format("fsync directory {}", dir));
  }
  return base_.fsync_dir(dir);
}

Result<bool> FaultInjectionFileSystem::exists(const std::string& path) {
  return base_.exists(path);
}

Result<bool> FaultInjectionFileSystem::is_directory(const std::string& path) {
  return base_.is_directory(path);
}

Result<std::unique_ptr<FileLock>> FaultInjectionFileSystem::lock(const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (denied(path)) return Status::from_errno(EACCES, fmt::format("lock {}", path));
  }
  return base_.lock(path);
}

}  // namespace sluice
