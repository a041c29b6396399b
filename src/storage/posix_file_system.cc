#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <vector>

#include <fmt/format.h>

#include "storage/file_system.h"

namespace sluice {
namespace {

Status errno_status(std::string_view op, const std::string& path) {
  int err = errno;
  return Status::from_errno(err, fmt::format("{} {}", op, path));
}

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override { ::close(fd_); }

  Result<size_t> pread(uint64_t offset, void* buf, size_t n) override {
    size_t done = 0;
    auto* p = static_cast<uint8_t*>(buf);
    while (done < n) {
      ssize_t r = ::pread(fd_, p + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return errno_status("read", path_);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }

  Status pwritev(uint64_t offset, const struct iovec* iov, int iovcnt) override {
    // Fast path: one syscall writes everything (the usual case for a regular file).
    size_t total = 0;
    for (int k = 0; k < iovcnt; ++k) total += iov[k].iov_len;
    if (total == 0) return Status::ok();
    if (iovcnt <= IOV_MAX) {
      ssize_t r = ::pwritev(fd_, iov, iovcnt, static_cast<off_t>(offset));
      if (r >= 0 && static_cast<size_t>(r) == total) return Status::ok();
      if (r < 0 && errno != EINTR) return errno_status("write", path_);
      if (r > 0) return pwritev_rest(offset, iov, iovcnt, static_cast<size_t>(r));
    }
    return pwritev_rest(offset, iov, iovcnt, 0);
  }

  // Writes what is left of `iov` after its first `done` bytes.
  Status pwritev_rest(uint64_t offset, const struct iovec* iov, int iovcnt, size_t done) {
    offset += done;
    std::vector<struct iovec> v;
    v.reserve(static_cast<size_t>(iovcnt));
    for (int k = 0; k < iovcnt; ++k) {
      size_t skip = std::min(done, iov[k].iov_len);
      done -= skip;
      if (iov[k].iov_len > skip) {
        v.push_back({static_cast<uint8_t*>(iov[k].iov_base) + skip, iov[k].iov_len - skip});
      }
    }
    size_t i = 0;
    while (i < v.size()) {
      int cnt = static_cast<int>(std::min<size_t>(v.size() - i, IOV_MAX));
      ssize_t r = ::pwritev(fd_, v.data() + i, cnt, static_cast<off_t>(offset));
      if (r < 0) {
        if (errno == EINTR) continue;
        return errno_status("write", path_);
      }
      if (r == 0) return Status::io_error(fmt::format("write {}: wrote nothing", path_));
      offset += static_cast<uint64_t>(r);
      auto left = static_cast<size_t>(r);
      while (i < v.size() && left >= v[i].iov_len) {
        left -= v[i].iov_len;
        ++i;
      }
      if (i < v.size() && left > 0) {
        v[i].iov_base = static_cast<uint8_t*>(v[i].iov_base) + left;
        v[i].iov_len -= left;
      }
    }
    return Status::ok();
  }

  Status sync() override {
    if (::fdatasync(fd_) != 0) return errno_status("fdatasync", path_);
    return Status::ok();
  }

  Status truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return errno_status("truncate", path_);
    return Status::ok();
  }

  Result<uint64_t> size() override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return errno_status("stat", path_);
    return static_cast<uint64_t>(st.st_size);
  }

  int fd() const override { return fd_; }
  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override { ::close(fd_); }  // closing the descriptor drops the flock

 private:
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<FileLock>> lock(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return errno_status("open lock file", path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return Status::aborted(
            fmt::format("{} is locked: another process uses this data dir", path));
      }
      return Status::from_errno(err, fmt::format("lock {}", path));
    }
    return std::unique_ptr<FileLock>(new PosixFileLock(fd));
  }

  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case OpenMode::kRead:
        flags |= O_RDONLY;
        break;
      case OpenMode::kReadWrite:
        flags |= O_RDWR;
        break;
      case OpenMode::kCreate:
        flags |= O_RDWR | O_CREAT;
        break;
      case OpenMode::kCreateExclusive:
        flags |= O_RDWR | O_CREAT | O_EXCL;
        break;
    }
    int fd;
    do {
      fd = ::open(path.c_str(), flags, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return errno_status("open", path);
    return std::unique_ptr<File>(new PosixFile(fd, path));
  }

  Status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      int err = errno;
      return Status::from_errno(err, fmt::format("rename {} to {}", from, to));
    }
    return Status::ok();
  }

  Status unlink(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return errno_status("unlink", path);
    return Status::ok();
  }

  Status mkdir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return errno_status("mkdir", path);
    return Status::ok();
  }

  Status rmdir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return errno_status("rmdir", path);
    return Status::ok();
  }

  Result<std::vector<std::string>> list(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return errno_status("list directory", dir);
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(std::move(n));
    }
    int err = errno;
    ::closedir(d);
    if (err != 0) return Status::from_errno(err, fmt::format("list directory {}", dir));
    std::sort(names.begin(), names.end());
    return names;
  }

  Status fsync_dir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno_status("open directory", dir);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return Status::from_errno(err, fmt::format("fsync directory {}", dir));
    return Status::ok();
  }

  Result<bool> exists(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return true;
    if (errno == ENOENT) return false;
    return errno_status("stat", path);
  }

  Result<bool> is_directory(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return errno_status("stat", path);
    return S_ISDIR(st.st_mode);
  }
};

}  // namespace

FileSystem& posix_file_system() {
  static PosixFileSystem fs;
  return fs;
}

std::string path_join(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

std::string path_dirname(const std::string& p) {
  auto slash = p.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

Result<std::vector<uint8_t>> FileSystem::read_file(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(auto f, open(path, OpenMode::kRead));
  SLUICE_ASSIGN_OR_RETURN(uint64_t n, f->size());
  std::vector<uint8_t> buf(n);
  SLUICE_ASSIGN_OR_RETURN(size_t got, f->pread(0, buf.data(), buf.size()));
  buf.resize(got);
  return buf;
}

Status FileSystem::write_file_atomic(const std::string& path, ByteSpan data) {
  std::string tmp = path + ".tmp";
  {
    SLUICE_ASSIGN_OR_RETURN(auto f, open(tmp, OpenMode::kCreate));
    SLUICE_RETURN_IF_ERROR(f->truncate(0));
    SLUICE_RETURN_IF_ERROR(f->pwrite(0, data));
    SLUICE_RETURN_IF_ERROR(f->sync());
  }
  SLUICE_RETURN_IF_ERROR(rename(tmp, path));
  return fsync_dir(path_dirname(path));
}

Status FileSystem::remove_all(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(bool there, exists(path));
  if (!there) return Status::ok();
  SLUICE_ASSIGN_OR_RETURN(bool dir, is_directory(path));
  if (!dir) return unlink(path);
  SLUICE_ASSIGN_OR_RETURN(auto names, list(path));
  for (const auto& n : names) SLUICE_RETURN_IF_ERROR(remove_all(path_join(path, n)));
  return rmdir(path);
}

Status FileSystem::mkdirs(const std::string& path) {
  if (path.empty() || path == "/" || path == ".") return Status::ok();
  SLUICE_ASSIGN_OR_RETURN(bool there, exists(path));
  if (there) return Status::ok();
  SLUICE_RETURN_IF_ERROR(mkdirs(path_dirname(path)));
  return mkdir(path);
}

}  // namespace sluice
