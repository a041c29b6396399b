// Per-topic log settings: Kafka's topic config names, parsed from string overrides on top of the
// broker-wide defaults, plus the topic metadata file that persists them.
//
// Topic metadata file `<data_dir>/topics/<topic>/topic.properties` (text, one `key=value` a line,
// `#` starts a comment; written atomically: temp file + fsync + rename + fsync dir):
//   version=1
//   partitions=<count>
//   config.<kafka config name>=<value>     one line per explicitly set override
// Values may not contain newlines; keys and values are otherwise stored verbatim.
//
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/record_batch.h"

namespace sluice {

enum class CleanupPolicy { kDelete, kCompact, kCompactDelete };
// always: an append completes only after its bytes are fsynced (group commit);
// interval: run_maintenance fsyncs every fsync.interval.ms; never: the OS decides.
enum class FsyncPolicy { kAlways, kInterval, kNever };

struct LogConfig {
  int64_t segment_bytes = 1LL << 30;                          // segment.bytes
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;                // segment.ms
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;              // retention.ms (-1: forever)
  int64_t retention_bytes = -1;                               // retention.bytes (-1: unlimited)
  CleanupPolicy cleanup_policy = CleanupPolicy::kDelete;      // cleanup.policy
  int64_t delete_retention_ms = 24LL * 3600 * 1000;           // delete.retention.ms
  FsyncPolicy fsync = FsyncPolicy::kInterval;                 // fsync
  int64_t fsync_interval_ms = 1000;                           // fsync.interval.ms
  int32_t index_interval_bytes = 4096;                        // index.interval.bytes
  int32_t max_message_bytes = 1048588;                        // max.message.bytes
  TimestampType timestamp_type = TimestampType::kCreateTime;  // message.timestamp.type

  bool deletes() const { return cleanup_policy != CleanupPolicy::kCompact; }
  bool compacts() const { return cleanup_policy != CleanupPolicy::kDelete; }
};

// Broker-wide defaults for every topic.
using LogDefaults = LogConfig;
// Explicit per-topic overrides, by Kafka config name ("retention.ms" -> "60000").
using TopicConfig = std::map<std::string, std::string>;

// Applies `overrides` to `defaults`. Unknown names and bad values fail with kInvalidArgument
// naming the key. Kafka topic configs that the log accepts but does not act on (replication,
// compression.type, ...) are allowed and kept.
Result<LogConfig> apply_overrides(const LogConfig& defaults, const TopicConfig& overrides);
// Every config name the log understands with its effective value, for DescribeConfigs.
std::map<std::string, std::string> describe_config(const LogConfig& config);

std::string_view fsync_policy_name(FsyncPolicy p);
std::string_view cleanup_policy_name(CleanupPolicy p);

struct TopicMetadata {
  int32_t partitions = 0;
  TopicConfig overrides;
};
std::string encode_topic_metadata(const TopicMetadata& m);
// `origin` names the file in error messages.
Result<TopicMetadata> decode_topic_metadata(std::string_view text, std::string_view origin);

// The configs of Sluice's internal topics, by role; a user's broker defaults never apply to them.
// A command log replayed at start-up (the SQL catalog): never deleted, every append durable.
const TopicConfig& command_log_topic_config();
// Latest value per key (committed offsets, query offsets, state changelogs): compacted, never
// deleted by time or size, every append durable.
const TopicConfig& compacted_state_topic_config();

// Kafka's topic name rules: 1-249 characters from [a-zA-Z0-9._-], not "." or "..".
Status validate_topic_name(std::string_view name);

}  // namespace sluice
