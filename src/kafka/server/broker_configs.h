// Kafka's dynamic broker configs, for the broker-wide settings Sluice has: the log defaults of
// every topic without its own overrides (log.retention.ms, log.segment.bytes, ...), the partition
// count of auto-created topics (num.partitions) and auto-creation itself
// (auto.create.topics.enable). As in Kafka there are two dynamic levels, the cluster-wide default
// (resource name "") and this broker's own (its id); a value comes from the broker's own level,
// else the cluster default, else the static config (file and flags), else the built-in default.
//
// Persisted in <data_dir>/dynamic-broker-configs.properties, written atomically, one line each:
//   default.<kafka config name>=<value>     the cluster-wide default level
//   broker.<kafka config name>=<value>      this broker's level
//
// Thread-safety: every member function is thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/file_system.h"
#include "storage/log_config.h"

namespace sluice::kafka {

struct BrokerSettings {
  LogDefaults log;
  bool auto_create_topics = true;
  int32_t default_partitions = 1;
};

// Kafka's DescribeConfigs config_source values.
enum class ConfigSource : int8_t {
  kTopic = 1,
  kDynamicBroker = 2,
  kDynamicDefaultBroker = 3,
  kStaticBroker = 4,
  kDefault = 5,
};

class BrokerConfigs {
 public:
  enum class Level { kClusterDefault, kBroker };
  using Values = std::map<std::string, std::string>;  // Kafka config name -> value

  struct Synonym {
    std::string value;
    ConfigSource source;
  };
  struct Entry {
    std::string name;
    std::string value;
    ConfigSource source;
    // Every level that sets it, the winning one first (DescribeConfigs synonyms).
    std::vector<Synonym> synonyms;
  };

  // `static_settings`: what the process was started with.
  static Result<std::unique_ptr<BrokerConfigs>> open(FileSystem& fs, std::string path,
                                                     BrokerSettings static_settings);

  BrokerSettings effective() const;
  // Every config with its effective value (Level::kBroker), or only what the cluster-default
  // level sets (Level::kClusterDefault), as DescribeConfigs lists them.
  std::vector<Entry> describe(Level level) const;
  // The values a level sets now.
  Values level_values(Level level) const;
  // Replaces a level's values with `values` after checking them (unknown names: kUnsupported;
  // bad values: kInvalidArgument), persists them unless `validate_only`, and returns the
  // settings now in effect.
  Result<BrokerSettings> replace(Level level, Values values, bool validate_only);

  // Whether `name` is a broker config that can be changed dynamically here.
  static bool is_dynamic(const std::string& name);

 private:
  BrokerConfigs(FileSystem& fs, std::string path, BrokerSettings static_settings)
      : fs_(fs), path_(std::move(path)), static_(static_settings) {}
  // The settings the given levels give over the static ones; fails on a bad value.
  Result<BrokerSettings> resolve(const Values& cluster, const Values& broker) const;
  Status persist(const Values& cluster, const Values& broker);

  FileSystem& fs_;
  const std::string path_;
  const BrokerSettings static_;
  mutable std::mutex mu_;
  Values cluster_;  // guarded by mu_
  Values broker_;   // guarded by mu_
};

}  // namespace sluice::kafka
