// The durable partitioned log: topics, their partitions and configs, in one data directory.
//
// Layout:
//   <data_dir>/topics/<topic>/topic.properties   partition count + config overrides
//                                                 (format in storage/log_config.h)
//   <data_dir>/topics/<topic>/<partition>/        segments (storage/segment.h, partition.h)
//   <data_dir>/trash/                             topics being deleted (removed on open)
//   <data_dir>/LOCK                               flock'ed while a LogManager has the dir open
// A topic is deleted by renaming its directory into trash/ (atomic, then fsync) and removing it.
//
// open() recovers every partition (storage/segment.h says how); a corrupt segment that is not
// a partition's tail, or an unreadable directory, makes open() fail with a Status naming the path.
//
// Thread-safety: every member function is thread-safe. Partition pointers stay valid until the
// LogManager is destroyed: a deleted topic's partitions are closed (appends fail with kAborted,
// reads find nothing, their files are closed) but kept alive, so a concurrent user never holds a
// dangling pointer.
#pragma once

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/file_system.h"
#include "storage/log_config.h"
#include "storage/partition.h"

namespace sluice {

struct TopicInfo {
  std::string name;
  int32_t partitions = 0;
  TopicConfig overrides;  // explicitly set configs
  LogConfig config;       // effective
};

class LogManager {
 public:
  static Result<std::unique_ptr<LogManager>> open(FileSystem& fs, std::string data_dir,
                                                  const LogDefaults& defaults);
  ~LogManager();

  Status create_topic(const std::string& name, int32_t partitions, const TopicConfig& overrides);
  // Creates `name` with `partitions` partitions and the `required` overrides or, when it exists,
  // sets those of `required` that its overrides lack or contradict, keeping its others: how an
  // internal topic gets the configs its role needs, in data dirs written before too.
  Status ensure_topic(const std::string& name, int32_t partitions, const TopicConfig& required);
  Status delete_topic(const std::string& name);
  // Grows the topic to `total` partitions (Kafka's CreatePartitions); shrinking is an error.
  Status add_partitions(const std::string& name, int32_t total);
  // Replaces the topic's overrides (Kafka's AlterConfigs; compute incremental changes from
  // topic_info().overrides).
  Status alter_config(const std::string& name, const TopicConfig& overrides);
  std::vector<TopicInfo> topics() const;
  Result<TopicInfo> topic_info(const std::string& name) const;
  bool has_topic(const std::string& name) const;
  // nullptr if the topic or partition does not exist.
  Partition* partition(const std::string& topic, int32_t id) const;

  // The configs of topics without overrides.
  LogDefaults defaults() const;
  // Replaces them (Kafka's dynamic broker configs): every topic's effective config is recomputed
  // from the new defaults and its own overrides. Fails, changing nothing, when some topic's
  // overrides do not apply over them.
  Status set_defaults(const LogDefaults& defaults);
  const std::string& data_dir() const { return data_dir_; }
  // The file system the log writes through (for other state kept in the data dir).
  FileSystem& file_system() const { return fs_; }

  // Runs every partition's maintenance; returns the first error (and goes on with the others).
  Status run_maintenance(int64_t now_ms);
  // Flushes every partition (e.g. before a clean shutdown).
  Status flush_all();
  Status close();

 private:
  struct Topic {
    TopicMetadata meta;
    LogConfig config;
    std::vector<std::unique_ptr<Partition>> partitions;
  };

  LogManager(FileSystem& fs, std::string data_dir, const LogDefaults& defaults)
      : fs_(fs), data_dir_(std::move(data_dir)), defaults_(defaults) {}
  Status load();
  Status load_topic(const std::string& name);
  Status write_metadata(const std::string& name, const TopicMetadata& meta);
  std::string topic_dir(const std::string& name) const;
  std::string partition_dir(const std::string& name, int32_t id) const;
  std::vector<Partition*> all_partitions() const;

  FileSystem& fs_;
  const std::string data_dir_;
  std::unique_ptr<FileLock> lock_;  // held for the manager's lifetime
  mutable std::shared_mutex mu_;
  LogDefaults defaults_;  // guarded by mu_ (written under admin_mu_ too)
  std::map<std::string, std::unique_ptr<Topic>> topics_;  // guarded by mu_
  std::vector<std::unique_ptr<Partition>> graveyard_;     // guarded by mu_: deleted, kept alive
  std::mutex admin_mu_;  // serializes create/delete/alter so file updates never interleave
};

}  // namespace sluice
