// The one interface through which storage touches files, so that tests can inject faults
// (ENOSPC, EIO, short writes, failing fsync, permission errors, a crash that loses unsynced data).
//
// Thread-safety: FileSystem implementations are thread-safe. A File may be used by several
// threads at once for pread/pwrite at distinct ranges (the log appends under its partition mutex
// while readers pread without it); sync() may run concurrently with pwrite.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace sluice {

class File {
 public:
  virtual ~File() = default;
  // Reads up to n bytes at `offset`; returns how many were read (fewer only at end of file).
  virtual Result<size_t> pread(uint64_t offset, void* buf, size_t n) = 0;
  // Writes all of `iov` at `offset` (looping over short writes). On failure some prefix may have
  // reached the file; the caller truncates it away.
  virtual Status pwritev(uint64_t offset, const struct iovec* iov, int iovcnt) = 0;
  Status pwrite(uint64_t offset, ByteSpan data) {
    struct iovec v {
      const_cast<uint8_t*>(data.data()), data.size()
    };
    return pwritev(offset, &v, 1);
  }
  virtual Status sync() = 0;  // fdatasync
  virtual Status truncate(uint64_t size) = 0;
  virtual Result<uint64_t> size() = 0;
  // The OS descriptor for zero-copy sends (sendfile), or -1 when there is none.
  virtual int fd() const = 0;
  virtual const std::string& path() const = 0;
};

enum class OpenMode {
  kRead,            // must exist
  kReadWrite,       // must exist
  kCreate,          // read-write; created if missing
  kCreateExclusive  // read-write; fails if it exists
};

// An exclusive advisory lock on a file (flock), released when destroyed or when the process
// dies.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) = 0;
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  virtual Status unlink(const std::string& path) = 0;
  // Creates the directory if missing (not its parents); an existing directory is fine.
  virtual Status mkdir(const std::string& path) = 0;
  virtual Status rmdir(const std::string& path) = 0;
  // Names of the entries of a directory (without "." and ".."), sorted.
  virtual Result<std::vector<std::string>> list(const std::string& dir) = 0;
  virtual Status fsync_dir(const std::string& dir) = 0;
  virtual Result<bool> exists(const std::string& path) = 0;
  virtual Result<bool> is_directory(const std::string& path) = 0;
  // Creates `path` if needed and locks it; fails with kAborted if another process holds it.
  virtual Result<std::unique_ptr<FileLock>> lock(const std::string& path) = 0;

  // Helpers built on the primitives above.
  Result<std::vector<uint8_t>> read_file(const std::string& path);
  // write temp + fsync + rename + fsync dir: the file is either old or new after a crash.
  Status write_file_atomic(const std::string& path, ByteSpan data);
  // Deletes a directory tree.
  Status remove_all(const std::string& path);
  Status mkdirs(const std::string& path);
};

// The real file system (POSIX calls; EINTR retried, short writes looped).
FileSystem& posix_file_system();

std::string path_join(const std::string& a, const std::string& b);
std::string path_dirname(const std::string& p);

}  // namespace sluice
