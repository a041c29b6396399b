#include "sql/state/state_db.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/write_batch_with_index.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>

#include "common/bytes.h"

namespace sluice::sql::state {

namespace {

constexpr const char* kMetaFamily = "__sluice_meta";

Status from_rocksdb(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::ok();
  std::string m = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::corruption(m);
  if (s.IsNoSpace()) return Status::no_space(m);
  if (s.IsNotFound()) return Status::not_found(m);
  return Status::io_error(m);
}

rocksdb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}

std::string encode_offset(int64_t offset) {
  std::string out(8, '\0');
  store_be64(reinterpret_cast<uint8_t*>(out.data()), static_cast<uint64_t>(offset));
  return out;
}

}  // namespace

// ---- StateStore ----------------------------------------------------------------------------

StateStore::StateStore(StateDb& db, std::string name, rocksdb::ColumnFamilyHandle* cf,
                       int64_t offset)
    : db_(db),
      name_(std::move(name)),
      cf_(cf),
      batch_(std::make_unique<rocksdb::WriteBatchWithIndex>(rocksdb::BytewiseComparator(), 0,
                                                            /*overwrite_key=*/true)),
      changelog_offset_(offset) {}

StateStore::~StateStore() = default;

Result<std::optional<std::string>> StateStore::get(std::string_view key) const {
  std::string value;
  rocksdb::Status s =
      batch_->GetFromBatchAndDB(db_.db_.get(), rocksdb::ReadOptions(), cf_, slice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  SLUICE_RETURN_IF_ERROR(from_rocksdb(s, "state store " + name_ + ": get"));
  return std::optional<std::string>(std::move(value));
}

Status StateStore::multi_get(
    std::span<const std::string_view> keys,
    const std::function<Status(size_t, const std::string_view*)>& fn) const {
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (std::string_view k : keys) slices.push_back(slice(k));
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  batch_->MultiGetFromBatchAndDB(db_.db_.get(), rocksdb::ReadOptions(), cf_, keys.size(),
                                 slices.data(), values.data(), statuses.data(), false);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) {
      SLUICE_RETURN_IF_ERROR(fn(i, nullptr));
      continue;
    }
    SLUICE_RETURN_IF_ERROR(from_rocksdb(statuses[i], "state store " + name_ + ": get"));
    std::string_view v(values[i].data(), values[i].size());
    SLUICE_RETURN_IF_ERROR(fn(i, &v));
  }
  return Status::ok();
}

void StateStore::put(std::string_view key, std::string_view value) {
  batch_->Put(cf_, slice(key), slice(value));
  pending_.push_back({std::string(key), std::string(value)});
}

void StateStore::remove(std::string_view key) {
  batch_->Delete(cf_, slice(key));
  pending_.push_back({std::string(key), std::nullopt});
}

Status StateStore::scan(std::string_view from, std::string_view to,
                        const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(
      batch_->NewIteratorWithBase(cf_, db_.db_->NewIterator(rocksdb::ReadOptions(), cf_)));
  for (it->Seek(slice(from)); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (!to.empty() && key >= to) break;
    if (!fn(key, std::string_view(it->value().data(), it->value().size()))) break;
  }
  return from_rocksdb(it->status(), "state store " + name_ + ": scan");
}

Status StateStore::write_batch(rocksdb::WriteBatch& batch, int64_t changelog_end) {
  std::string offset = encode_offset(changelog_end);
  batch.Put(db_.meta_, slice(name_), slice(offset));
  // No WAL: a crash loses the commits since the last (atomic) flush, never part of one, and the
  // changelog position lost with them makes restore() replay exactly those.
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  SLUICE_RETURN_IF_ERROR(
      from_rocksdb(db_.db_->Write(wo, &batch), "state store " + name_ + ": write"));
  changelog_offset_ = changelog_end;
  return Status::ok();
}

Status StateStore::commit(int64_t changelog_end) {
  Status st = write_batch(*batch_->GetWriteBatch(), changelog_end);
  if (!st.is_ok()) return st;
  batch_->Clear();
  pending_.clear();
  return Status::ok();
}

void StateStore::rollback() {
  batch_->Clear();
  pending_.clear();
}

Status StateStore::restore(std::span<const StateChange> records, int64_t next_offset) {
  std::vector<StateChangeView> views;
  views.reserve(records.size());
  for (const StateChange& c : records) {
    StateChangeView& v = views.emplace_back();
    v.key = c.key;
    if (c.value) v.value = *c.value;
  }
  return restore(views, next_offset);
}

Status StateStore::restore(std::span<const StateChangeView> records, int64_t next_offset) {
  if (!pending_.empty()) {
    return Status::invalid_argument("state store " + name_ + ": restore with pending writes");
  }
  // In key order (stable: a key's later change still comes after its earlier ones, and wins):
  // memtable inserts of ascending keys are several times cheaper than of random ones.
  std::vector<const StateChangeView*> sorted;
  sorted.reserve(records.size());
  for (const StateChangeView& c : records) sorted.push_back(&c);
  std::stable_sort(
      sorted.begin(), sorted.end(),
      [](const StateChangeView* a, const StateChangeView* b) { return a->key < b->key; });
  rocksdb::WriteBatch batch;
  for (const StateChangeView* change : sorted) {
    const StateChangeView& c = *change;
    if (c.value) {
      batch.Put(cf_, slice(c.key), slice(*c.value));
    } else {
      batch.Delete(cf_, slice(c.key));
    }
  }
  return write_batch(batch, next_offset);
}

uint64_t StateStore::approximate_bytes() const {
  uint64_t v = 0;
  db_.db_->GetIntProperty(cf_, "rocksdb.estimate-live-data-size", &v);
  uint64_t mem = 0;
  db_.db_->GetIntProperty(cf_, "rocksdb.cur-size-all-mem-tables", &mem);
  return v + mem;
}

uint64_t StateStore::approximate_keys() const {
  uint64_t v = 0;
  db_.db_->GetIntProperty(cf_, "rocksdb.estimate-num-keys", &v);
  return v;
}

// ---- StateDb -------------------------------------------------------------------------------

StateDb::Memory StateDb::memory() const {
  Memory m;
  m.block_cache = cache_->GetUsage();
  db_->GetAggregatedIntProperty("rocksdb.cur-size-all-mem-tables", &m.memtables);
  db_->GetAggregatedIntProperty("rocksdb.estimate-table-readers-mem", &m.table_readers);
  return m;
}

namespace {

rocksdb::ColumnFamilyOptions family_options(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.cache_index_and_filter_blocks = true;  // index and filter memory counts in the budget too
  t.cache_index_and_filter_blocks_with_high_priority = true;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Filters and indexes in small partitions under a pinned top level: a lookup (every key an
  // aggregation has not cached, most of them new) loads a few KB of filter, not a whole file's,
  // which a small block cache would otherwise evict and read back over and over.
  t.partition_filters = true;
  t.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  t.metadata_block_size = 4096;
  t.pin_top_level_index_and_filter = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  o.compression = rocksdb::kLZ4Compression;
  return o;
}

}  // namespace

Result<std::unique_ptr<StateDb>> StateDb::open(const std::string& dir,
                                               const StateDbOptions& options) {
  std::unique_ptr<StateDb> sdb(new StateDb());
  sdb->dir_ = dir;
  sdb->cache_ = rocksdb::NewLRUCache(options.block_cache_bytes);
  sdb->write_buffers_ =
      std::make_shared<rocksdb::WriteBufferManager>(options.write_buffer_bytes, sdb->cache_);
  rocksdb::DBOptions dbo;
  dbo.create_if_missing = true;
  dbo.create_missing_column_families = true;
  dbo.max_open_files = static_cast<int>(options.max_open_files);
  dbo.write_buffer_manager = sdb->write_buffers_;
  dbo.info_log_level = rocksdb::WARN_LEVEL;
  dbo.keep_log_file_num = 2;
  dbo.atomic_flush =
      true;  // without a WAL, every store's memtable and the positions flush together

  std::vector<std::string> names;
  rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(dbo, dir, &names);
  if (!listed.ok()) names = {rocksdb::kDefaultColumnFamilyName};  // a new database
  if (std::find(names.begin(), names.end(), kMetaFamily) == names.end()) {
    names.emplace_back(kMetaFamily);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(names.size());
  for (const auto& n : names) descriptors.emplace_back(n, family_options(sdb->cache_));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  SLUICE_RETURN_IF_ERROR(from_rocksdb(rocksdb::DB::Open(dbo, dir, descriptors, &handles, &raw),
                                      "opening state in " + dir));
  sdb->db_.reset(raw);
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == kMetaFamily) {
      sdb->meta_ = handles[i];
    } else if (names[i] != rocksdb::kDefaultColumnFamilyName) {
      sdb->families_[names[i]] = handles[i];
    } else {
      sdb->db_->DestroyColumnFamilyHandle(handles[i]);  // the default family stays unused
    }
  }
  return sdb;
}

StateDb::~StateDb() {
  stores_.clear();
  if (!db_) return;
  for (auto& [name, cf] : families_) db_->DestroyColumnFamilyHandle(cf);
  if (meta_) db_->DestroyColumnFamilyHandle(meta_);
  db_->Close().PermitUncheckedError();
}

Result<rocksdb::ColumnFamilyHandle*> StateDb::create_family(const std::string& name) {
  rocksdb::ColumnFamilyHandle* cf = nullptr;
  SLUICE_RETURN_IF_ERROR(from_rocksdb(db_->CreateColumnFamily(family_options(cache_), name, &cf),
                                      "creating state store " + name));
  return cf;
}

Result<StateStore*> StateDb::store(const std::string& name) {
  if (name.empty() || name == kMetaFamily || name == rocksdb::kDefaultColumnFamilyName) {
    return Status::invalid_argument("invalid state store name '" + name + "'");
  }
  std::lock_guard lock(mu_);
  if (auto it = stores_.find(name); it != stores_.end()) return it->second.get();
  rocksdb::ColumnFamilyHandle* cf = nullptr;
  if (auto it = families_.find(name); it != families_.end()) {
    cf = it->second;
  } else {
    SLUICE_ASSIGN_OR_RETURN(cf, create_family(name));
    families_[name] = cf;
  }
  int64_t offset = 0;
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_, slice(name), &value);
  if (s.ok() && value.size() == 8) {
    offset = static_cast<int64_t>(load_be64(reinterpret_cast<const uint8_t*>(value.data())));
  } else if (!s.ok() && !s.IsNotFound()) {
    return from_rocksdb(s, "reading the changelog offset of " + name);
  }
  auto store = std::unique_ptr<StateStore>(new StateStore(*this, name, cf, offset));
  StateStore* raw = store.get();
  stores_[name] = std::move(store);
  return raw;
}

Status StateDb::drop(const std::string& name) {
  std::lock_guard lock(mu_);
  stores_.erase(name);
  auto it = families_.find(name);
  if (it == families_.end()) return Status::ok();
  SLUICE_RETURN_IF_ERROR(
      from_rocksdb(db_->DropColumnFamily(it->second), "dropping state store " + name));
  db_->DestroyColumnFamilyHandle(it->second);
  families_.erase(it);
  return from_rocksdb(db_->Delete(rocksdb::WriteOptions(), meta_, slice(name)),
                      "dropping the changelog offset of " + name);
}

std::vector<std::string> StateDb::stores() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  out.reserve(families_.size());
  for (const auto& [name, cf] : families_) out.push_back(name);
  return out;
}

}  // namespace sluice::sql::state
