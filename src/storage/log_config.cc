#include "storage/log_config.h"

#include <charconv>
#include <set>

#include <fmt/format.h>

namespace sluice {
namespace {

// Kafka topic configs that are accepted and stored but have no effect on this single-node log.
const std::set<std::string, std::less<>> kPassThrough = {
    "compression.type",
    "min.insync.replicas",
    "unclean.leader.election.enable",
    "min.compaction.lag.ms",
    "max.compaction.lag.ms",
    "min.cleanable.dirty.ratio",
    "message.timestamp.difference.max.ms",
    "message.timestamp.before.max.ms",
    "message.timestamp.after.max.ms",
    "message.downconversion.enable",
    "message.format.version",
    "preallocate",
    "segment.index.bytes",
    "segment.jitter.ms",
    "file.delete.delay.ms",
    "flush.messages",
    "flush.ms",
    "follower.replication.throttled.replicas",
    "leader.replication.throttled.replicas",
    "local.retention.ms",
    "local.retention.bytes",
    "remote.storage.enable",
    "confluent.value.schema.validation",
    "confluent.key.schema.validation",
};

Result<int64_t> parse_i64(std::string_view key, std::string_view v, int64_t min, int64_t max) {
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size()) {
    return Status::invalid_argument(fmt::format("config {}: '{}' is not an integer", key, v));
  }
  if (out < min || out > max) {
    return Status::invalid_argument(
        fmt::format("config {}: {} is outside [{}, {}]", key, out, min, max));
  }
  return out;
}

Status apply_one(LogConfig& c, const std::string& key, const std::string& v) {
  if (v.find('\n') != std::string::npos || v.find('\r') != std::string::npos) {
    return Status::invalid_argument(fmt::format("config {}: value contains a newline", key));
  }
  constexpr int64_t kMax = INT64_MAX;
  if (key == "segment.bytes") {
    // Positions in the offset index are 32-bit; Kafka caps segment.bytes at an int as well.
    SLUICE_ASSIGN_OR_RETURN(c.segment_bytes, parse_i64(key, v, 14, INT32_MAX));
  } else if (key == "segment.ms") {
    SLUICE_ASSIGN_OR_RETURN(c.segment_ms, parse_i64(key, v, 1, kMax));
  } else if (key == "retention.ms") {
    SLUICE_ASSIGN_OR_RETURN(c.retention_ms, parse_i64(key, v, -1, kMax));
  } else if (key == "retention.bytes") {
    SLUICE_ASSIGN_OR_RETURN(c.retention_bytes, parse_i64(key, v, -1, kMax));
  } else if (key == "delete.retention.ms") {
    SLUICE_ASSIGN_OR_RETURN(c.delete_retention_ms, parse_i64(key, v, 0, kMax));
  } else if (key == "fsync.interval.ms") {
    SLUICE_ASSIGN_OR_RETURN(c.fsync_interval_ms, parse_i64(key, v, 0, kMax));
  } else if (key == "index.interval.bytes") {
    SLUICE_ASSIGN_OR_RETURN(int64_t n, parse_i64(key, v, 0, INT32_MAX));
    c.index_interval_bytes = static_cast<int32_t>(n);
  } else if (key == "max.message.bytes") {
    SLUICE_ASSIGN_OR_RETURN(int64_t n, parse_i64(key, v, 0, INT32_MAX));
    c.max_message_bytes = static_cast<int32_t>(n);
  } else if (key == "cleanup.policy") {
    if (v == "delete") {
      c.cleanup_policy = CleanupPolicy::kDelete;
    } else if (v == "compact") {
      c.cleanup_policy = CleanupPolicy::kCompact;
    } else if (v == "compact,delete" || v == "delete,compact") {
      c.cleanup_policy = CleanupPolicy::kCompactDelete;
    } else {
      return Status::invalid_argument(fmt::format("config cleanup.policy: unknown policy '{}'", v));
    }
  } else if (key == "fsync") {
    if (v == "always") {
      c.fsync = FsyncPolicy::kAlways;
    } else if (v == "interval") {
      c.fsync = FsyncPolicy::kInterval;
    } else if (v == "never") {
      c.fsync = FsyncPolicy::kNever;
    } else {
      return Status::invalid_argument(
          fmt::format("config fsync: '{}' is not always, interval or never", v));
    }
  } else if (key == "message.timestamp.type") {
    if (v == "CreateTime") {
      c.timestamp_type = TimestampType::kCreateTime;
    } else if (v == "LogAppendTime") {
      c.timestamp_type = TimestampType::kLogAppendTime;
    } else {
      return Status::invalid_argument(
          fmt::format("config message.timestamp.type: '{}' is not CreateTime or LogAppendTime", v));
    }
  } else if (kPassThrough.count(key) == 0) {
    return Status::invalid_argument(fmt::format("unknown topic config '{}'", key));
  }
  return Status::ok();
}

}  // namespace

std::string_view fsync_policy_name(FsyncPolicy p) {
  switch (p) {
    case FsyncPolicy::kAlways:
      return "always";
    case FsyncPolicy::kInterval:
      return "interval";
    case FsyncPolicy::kNever:
      return "never";
  }
  return "interval";
}

std::string_view cleanup_policy_name(CleanupPolicy p) {
  switch (p) {
    case CleanupPolicy::kDelete:
      return "delete";
    case CleanupPolicy::kCompact:
      return "compact";
    case CleanupPolicy::kCompactDelete:
      return "compact,delete";
  }
  return "delete";
}

Result<LogConfig> apply_overrides(const LogConfig& defaults, const TopicConfig& overrides) {
  LogConfig c = defaults;
  for (const auto& [k, v] : overrides) SLUICE_RETURN_IF_ERROR(apply_one(c, k, v));
  return c;
}

std::map<std::string, std::string> describe_config(const LogConfig& c) {
  return {
      {"segment.bytes", std::to_string(c.segment_bytes)},
      {"segment.ms", std::to_string(c.segment_ms)},
      {"retention.ms", std::to_string(c.retention_ms)},
      {"retention.bytes", std::to_string(c.retention_bytes)},
      {"cleanup.policy", std::string(cleanup_policy_name(c.cleanup_policy))},
      {"delete.retention.ms", std::to_string(c.delete_retention_ms)},
      {"fsync", std::string(fsync_policy_name(c.fsync))},
      {"fsync.interval.ms", std::to_string(c.fsync_interval_ms)},
      {"index.interval.bytes", std::to_string(c.index_interval_bytes)},
      {"max.message.bytes", std::to_string(c.max_message_bytes)},
      {"message.timestamp.type",
       c.timestamp_type == TimestampType::kLogAppendTime ? "LogAppendTime" : "CreateTime"},
  };
}

std::string encode_topic_metadata(const TopicMetadata& m) {
  std::string out = "# Sluice topic metadata; see storage/log_config.h\nversion=1\n";
  out += fmt::format("partitions={}\n", m.partitions);
  for (const auto& [k, v] : m.overrides) out += fmt::format("config.{}={}\n", k, v);
  return out;
}

Result<TopicMetadata> decode_topic_metadata(std::string_view text, std::string_view origin) {
  TopicMetadata m;
  bool have_version = false, have_partitions = false;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return Status::corruption(fmt::format("{}:{}: expected key=value", origin, line_no));
    }
    std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "version") {
      if (value != "1") {
        return Status::unsupported(fmt::format("{}: metadata version {} unknown", origin, value));
      }
      have_version = true;
    } else if (key == "partitions") {
      auto n = parse_i64(key, value, 1, 1 << 20);
      if (!n.is_ok()) return n.status().with_context(origin);
      m.partitions = static_cast<int32_t>(*n);
      have_partitions = true;
    } else if (key.substr(0, 7) == "config.") {
      m.overrides[std::string(key.substr(7))] = std::string(value);
    } else {
      return Status::corruption(fmt::format("{}:{}: unknown key '{}'", origin, line_no, key));
    }
  }
  if (!have_version || !have_partitions) {
    return Status::corruption(fmt::format("{}: missing version or partitions", origin));
  }
  return m;
}

const TopicConfig& command_log_topic_config() {
  static const TopicConfig kConfig = {{"cleanup.policy", "delete"},
                                      {"retention.ms", "-1"},
                                      {"retention.bytes", "-1"},
                                      {"fsync", "always"}};
  return kConfig;
}

const TopicConfig& compacted_state_topic_config() {
  static const TopicConfig kConfig = {{"cleanup.policy", "compact"}, {"fsync", "always"}};
  return kConfig;
}

Status validate_topic_name(std::string_view name) {
  if (name.empty() || name.size() > 249) {
    return Status::invalid_argument(
        fmt::format("topic name must have 1 to 249 characters, has {}", name.size()));
  }
  if (name == "." || name == "..") {
    return Status::invalid_argument(fmt::format("topic name '{}' is not allowed", name));
  }
  for (char ch : name) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-';
    if (!ok) {
      return Status::invalid_argument(
          fmt::format("topic name '{}' has a character outside [a-zA-Z0-9._-]", name));
    }
  }
  return Status::ok();
}

}  // namespace sluice
