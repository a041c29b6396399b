// A FileSystem wrapper for tests that injects faults and models a crash.
//
// Faults apply to paths containing `path_filter` (empty: every path):
//  - inject_write_error(err, after_bytes): writes go through until `after_bytes` more bytes have
//    been written; the write that crosses the budget writes only its allowed prefix (a short
//    write) and fails with `err`; later writes fail at once until clear_faults(). ENOSPC models a
//    full disk.
//  - inject_sync_error(err): fsync/fdatasync fail.
//  - inject_read_error(err): pread fails.
//  - deny(prefix): open/list/mkdir under the prefix fail with EACCES (tests run as root, where
//    chmod 000 has no effect).
//  - hold_renames(substring) / hold_syncs(substring): a rename whose source path, or a file sync
//    whose path, contains `substring` blocks its caller until release_holds() (a slow disk at a
//    chosen point, to show who waits for it); held() counts the callers waiting now. Holds
//    ignore path_filter.
// crash() models power loss: every file written through this wrapper is cut back to the size it
// had at its last sync (data appended after the last fsync is lost; we do not model reordering
// of unsynced writes, which the log's append-only files would not notice beyond truncation).
//
// Thread-safety: all members are thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "storage/file_system.h"

namespace sluice {

class FaultInjectionFileSystem final : public FileSystem {
 public:
  explicit FaultInjectionFileSystem(FileSystem& base) : base_(base) {}

  void set_path_filter(std::string filter);
  void inject_write_error(int err, uint64_t after_bytes = 0);
  void inject_sync_error(int err);
  void inject_read_error(int err);
  void deny(std::string prefix);
  void hold_renames(std::string substring);
  void hold_syncs(std::string substring);
  void release_holds();
  int held() const;
  void clear_faults();
  // Cuts every tracked file back to its last synced size.
  Status crash();
  uint64_t sync_count() const { return syncs_.load(); }
  uint64_t bytes_written() const { return written_.load(); }

  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status unlink(const std::string& path) override;
  Status mkdir(const std::string& path) override;
  Status rmdir(const std::string& path) override;
  Result<std::vector<std::string>> list(const std::string& dir) override;
  Status fsync_dir(const std::string& dir) override;
  Result<bool> exists(const std::string& path) override;
  Result<bool> is_directory(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> lock(const std::string& path) override;

 private:
  friend class FaultFile;
  bool applies(const std::string& path) const;  // requires mu_
  bool denied(const std::string& path) const;   // requires mu_
  // Returns how many of `n` bytes may be written and the errno to fail with after them (0: none).
  std::pair<size_t, int> write_budget(const std::string& path, size_t n);
  int sync_error(const std::string& path);
  int read_error(const std::string& path);
  enum class HoldKind { kRename, kSync };
  // Blocks while the hold of `kind` matches `path` (see hold_renames / hold_syncs).
  void wait_if_held(HoldKind kind, const std::string& path);
  void note_synced(const std::string& path, uint64_t size);
  void note_written(const std::string& path, uint64_t end);

  FileSystem& base_;
  mutable std::mutex mu_;
  std::string filter_;                           // guarded by mu_
  int write_errno_ = 0;                          // guarded by mu_
  uint64_t write_budget_ = 0;                    // guarded by mu_
  int sync_errno_ = 0;                           // guarded by mu_
  int read_errno_ = 0;                           // guarded by mu_
  std::vector<std::string> denied_;              // guarded by mu_
  std::string hold_;                             // guarded by mu_; renames; "" = no hold
  std::string hold_sync_;                        // guarded by mu_; syncs; "" = no hold
  int held_ = 0;                                 // guarded by mu_
  std::condition_variable released_;             // signalled with mu_ when hold_ is cleared
  std::map<std::string, uint64_t> synced_size_;  // guarded by mu_; files written through us
  std::atomic<uint64_t> syncs_{0};
  std::atomic<uint64_t> written_{0};
};

}  // namespace sluice
