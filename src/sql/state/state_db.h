// Operator state of the stateful SQL runtime: one RocksDB instance per data directory, one column
// family per state store (an aggregation's accumulators, a table's rows, a join side), with
// bounded memory (one block cache and one write-buffer budget shared by every store).
//
// Exactly-once, with the store's changelog topic as the durable copy (Kafka Streams' model, made
// restart-cheap): a task's writes since its last checkpoint stay pending (reads see them; RocksDB
// does not) and pending() lists them for the changelog. At a checkpoint the task commits one Kafka
// transaction with its outputs, the changelog records and its input offsets; only then does it
// call commit(changelog_end), which applies the pending writes and the changelog position in one
// atomic RocksDB write. If the transaction aborts, rollback() drops them. A crash between the two
// leaves the store at an older changelog position: restart replays the changelog (read_committed)
// from changelog_offset() through restore(). A lost or deleted state directory restores from
// offset 0. RocksDB writes no WAL at all: the changelog, not RocksDB, is what must survive a
// crash. Its memtables are flushed atomically across stores (atomic_flush), and on close, so what
// a crash leaves is an older committed point, each store with the position it was written with.
//
// Thread-safety: a StateStore belongs to one task (one thread at a time). StateDb::store() and
// drop() are thread-safe; different stores may be used from different threads concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class WriteBatch;
class WriteBatchWithIndex;
class Cache;
class WriteBufferManager;
}  // namespace rocksdb

namespace sluice::sql::state {

struct StateDbOptions {
  size_t block_cache_bytes = 64 << 20;   // reads: shared LRU block cache
  size_t write_buffer_bytes = 64 << 20;  // all memtables of all stores together
  size_t max_open_files = 512;
};

// One change of a store: a put (value set) or a delete (nullopt).
struct StateChange {
  std::string key;
  std::optional<std::string> value;
};
// The same, viewing bytes the caller keeps (a changelog read buffer).
struct StateChangeView {
  std::string_view key;
  std::optional<std::string_view> value;
};

class StateDb;

class StateStore {
 public:
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  const std::string& name() const { return name_; }

  // The value of `key`, pending writes included.
  Result<std::optional<std::string>> get(std::string_view key) const;
  // The values of `keys` (pending writes included) in order, with one batched RocksDB lookup;
  // calls fn(i, value or nullptr) for each.
  Status multi_get(std::span<const std::string_view> keys,
                   const std::function<Status(size_t, const std::string_view*)>& fn) const;
  void put(std::string_view key, std::string_view value);
  void remove(std::string_view key);

  // The writes since the last commit or rollback, in order (for the changelog topic).
  const std::vector<StateChange>& pending() const { return pending_; }
  bool has_pending() const { return !pending_.empty(); }

  // Calls fn(key, value) for the live entries with from <= key < to (`to` empty: no upper
  // bound), pending writes included, in key order, until fn returns false.
  Status scan(std::string_view from, std::string_view to,
              const std::function<bool(std::string_view, std::string_view)>& fn) const;

  // The changelog offset the committed contents correspond to: restore from here. 0 for a new
  // store.
  int64_t changelog_offset() const { return changelog_offset_; }
  // Applies the pending writes and records `changelog_end` (the changelog offset after this
  // checkpoint's records), atomically.
  Status commit(int64_t changelog_end);
  // Drops the pending writes (the checkpoint's transaction aborted).
  void rollback();
  // Applies changelog records read back from the topic (their offsets ending before
  // `next_offset`) and moves the position to `next_offset`, atomically. Pending writes must be
  // empty. (Also how a cache of committed versions writes them through, without a pending
  // index.)
  Status restore(std::span<const StateChange> records, int64_t next_offset);
  Status restore(std::span<const StateChangeView> records, int64_t next_offset);

  // RocksDB's estimates (for /metrics).
  uint64_t approximate_bytes() const;
  uint64_t approximate_keys() const;

 private:
  friend class StateDb;
  StateStore(StateDb& db, std::string name, rocksdb::ColumnFamilyHandle* cf, int64_t offset);
  Status write_batch(rocksdb::WriteBatch& batch, int64_t changelog_end);

  StateDb& db_;
  const std::string name_;
  rocksdb::ColumnFamilyHandle* cf_;  // owned by the StateDb
  std::unique_ptr<rocksdb::WriteBatchWithIndex> batch_;
  std::vector<StateChange> pending_;
  int64_t changelog_offset_ = 0;
};

class StateDb {
 public:
  // Opens (creating) the RocksDB instance in `dir` with every store it holds.
  static Result<std::unique_ptr<StateDb>> open(const std::string& dir,
                                               const StateDbOptions& options = {});
  ~StateDb();
  StateDb(const StateDb&) = delete;
  StateDb& operator=(const StateDb&) = delete;

  // The store named `name`, created empty if it does not exist. Stable until drop() or the
  // StateDb is destroyed.
  Result<StateStore*> store(const std::string& name);
  // Deletes a store and its data (a dropped query's state).
  Status drop(const std::string& name);
  // Names of the stores, sorted.
  std::vector<std::string> stores() const;
  // RocksDB's memory: the block cache's contents (with the memtables charged to it, so within
  // its capacity), the memtables, and what table readers hold outside the cache.
  struct Memory {
    uint64_t block_cache = 0;
    uint64_t memtables = 0;
    uint64_t table_readers = 0;
  };
  Memory memory() const;
  const std::string& dir() const { return dir_; }

 private:
  friend class StateStore;
  StateDb() = default;
  Result<rocksdb::ColumnFamilyHandle*> create_family(const std::string& name);

  std::string dir_;
  std::shared_ptr<rocksdb::Cache> cache_;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;  // store name -> changelog offset
  mutable std::mutex mu_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> families_;  // guarded by mu_
  std::map<std::string, std::unique_ptr<StateStore>> stores_;     // guarded by mu_
};

}  // namespace sluice::sql::state
