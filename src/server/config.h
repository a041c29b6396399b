// ServerConfig: every setting of `sluice serve`, read from a TOML file and overridden by flags.
//
// File format (TOML; every key optional, shown with its default):
//   data_dir = "./sluice-data"
//   log_level = "info"
//   threads = 0                      # I/O threads, 0 = one per core
//   [kafka]
//   listen = "0.0.0.0:9092"
//   advertised = ""                  # host:port clients should connect to; default: listen, with
//                                    # a wildcard address (0.0.0.0) replaced by "localhost"
//   auto_create_topics = true
//   default_partitions = 1
//   group_initial_rebalance_delay_ms = 3000  # group.initial.rebalance.delay.ms: how long the
//                                    # first join of an empty consumer group waits for more members
//   [http]
//   listen = "0.0.0.0:8080"
//   [schema_registry]                # the Confluent-compatible Schema Registry's REST API
//   listen = "0.0.0.0:8081"
//   [log]                            # defaults for new topics (each overridable per topic)
//   segment_bytes = 1073741824
//   segment_ms = 604800000
//   retention_ms = 604800000         # -1 = forever
//   retention_bytes = -1
//   fsync = "interval"               # always | interval | never
//   fsync_interval_ms = 1000
//   [sql]
//   error_topic = "_sluice_errors"   # where records SQL queries cannot process are written
//   threads = 0                      # threads polling the persistent queries, 0 = one per core
//   state_cache_bytes = 67108864     # per stateful query: its groups kept in memory over RocksDB
//   state_block_cache_bytes = 67108864   # RocksDB (<data_dir>/state): block cache, all stores
//   state_write_buffer_bytes = 67108864  # RocksDB: memtables of all stores together
//   memory_limit_bytes = 0           # the process's anonymous memory to stay within (0: none)
//
// Thread-safety: a plain value, built once at start-up.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace sluice {

struct HostPort {
  std::string host;
  uint16_t port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
};

// Parses "host:port", ":port" (all interfaces) or "[v6]:port".
Result<HostPort> parse_host_port(const std::string& s);

struct ServerConfig {
  std::string data_dir = "./sluice-data";
  std::string log_level = "info";
  unsigned threads = 0;

  HostPort kafka_listen{"0.0.0.0", 9092};
  std::string kafka_advertised;
  bool auto_create_topics = true;
  int32_t default_partitions = 1;
  int64_t group_initial_rebalance_delay_ms = 3000;

  HostPort http_listen{"0.0.0.0", 8080};
  HostPort schema_registry_listen{"0.0.0.0", 8081};

  int64_t segment_bytes = 1LL << 30;
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;
  int64_t retention_bytes = -1;
  std::string fsync = "interval";
  int64_t fsync_interval_ms = 1000;

  std::string sql_error_topic = "_sluice_errors";
  int64_t sql_threads = 0;
  int64_t sql_state_cache_bytes = 64LL << 20;
  int64_t sql_cache_max_bytes_buffering = 0;
  int64_t sql_state_block_cache_bytes = 64LL << 20;
  int64_t sql_state_write_buffer_bytes = 64LL << 20;
  int64_t sql_memory_limit_bytes = 0;

  // Checks values (ports, fsync policy names, positive sizes); the message names the key.
  Status validate() const;
};

// Reads a TOML config file over `base`. Unknown keys are errors (a typo should not be silently
// ignored); the message names the file, line and key.
Result<ServerConfig> load_config_file(const std::string& path, ServerConfig base = {});

}  // namespace sluice
