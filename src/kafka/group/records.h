// The records the coordinator writes to its OffsetStore (`__consumer_offsets`) and replays on load.
//
// Thread-safety: pure functions.
//
// Layout, byte by byte. Every integer is big-endian and signed unless marked u16. The shapes are
// those of Apache Kafka's own `__consumer_offsets` records (key versions 1 and 2, value version 3),
// so Kafka tooling that decodes that topic can read ours.
//
//   string          := i16 length (0..32767), then that many UTF-8 bytes
//   nullable string := i16 length, -1 for null, then that many bytes
//   bytes           := i32 length (0..2^31-1), then that many bytes
//
// Keys (compaction keeps the latest value per key, so each key names what it replaces):
//   offset commit key    u16 version = 1 (0 is read too, same layout)
//                        string group_id, string topic, i32 partition
//   group metadata key   u16 version = 2
//                        string group_id
//
// Values; a tombstone (no value) deletes the key's state:
//   offset commit value  u16 version = 3
//                        i64 offset, i32 leader_epoch (-1: none), string metadata,
//                        i64 commit_timestamp_ms (wall clock)
//   group metadata value u16 version = 3
//                        string protocol_type ("" for none), i32 generation_id,
//                        nullable string protocol_name, nullable string leader_id,
//                        i64 current_state_timestamp_ms (wall clock; -1: unknown),
//                        i32 member_count, then per member:
//                          string member_id, nullable string group_instance_id,
//                          string client_id, string client_host,
//                          i32 rebalance_timeout_ms, i32 session_timeout_ms,
//                          bytes subscription (the metadata for the selected protocol),
//                          bytes assignment
//
// A decoder rejects an unknown version, a short record and trailing bytes with kCorruption.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace sluice::kafka::group {

inline constexpr size_t kMaxRecordString = 32767;

struct OffsetKey {
  std::string group_id;
  std::string topic;
  int32_t partition = 0;
};

struct GroupKey {
  std::string group_id;
};

using RecordKey = std::variant<OffsetKey, GroupKey>;

struct OffsetValue {
  int64_t offset = 0;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp_ms = 0;
};

struct StoredMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;
  int32_t session_timeout_ms = 0;
  std::vector<uint8_t> subscription;
  std::vector<uint8_t> assignment;
};

struct GroupValue {
  std::string protocol_type;
  int32_t generation_id = 0;
  std::optional<std::string> protocol_name;
  std::optional<std::string> leader_id;
  int64_t current_state_timestamp_ms = -1;
  std::vector<StoredMember> members;
};

// Encoders require every string to be at most kMaxRecordString bytes (the coordinator validates
// ids before it writes; longer client ids and hosts are cut by the coordinator).
std::vector<uint8_t> encode_key(const OffsetKey& key);
std::vector<uint8_t> encode_key(const GroupKey& key);
std::vector<uint8_t> encode_value(const OffsetValue& value);
std::vector<uint8_t> encode_value(const GroupValue& value);

Result<RecordKey> decode_key(ByteSpan bytes);
Result<OffsetValue> decode_offset_value(ByteSpan bytes);
Result<GroupValue> decode_group_value(ByteSpan bytes);

}  // namespace sluice::kafka::group
