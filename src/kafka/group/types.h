// Plain domain types of the group coordinator: what the broker's JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup, OffsetCommit, OffsetFetch, ListGroups, DescribeGroups and DeleteGroups handlers map
// the protocol structs to and from. They carry every field of every supported version; the handler
// fills defaults for fields an older version lacks (e.g. rebalance_timeout_ms = session_timeout_ms
// for JoinGroup v0, require_known_member_id = version >= 4).
//
// Thread-safety: value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/group/errors.h"

namespace sluice::kafka::group {

using Bytes = std::vector<uint8_t>;

// The classic protocol's group states; the names are what ListGroups/DescribeGroups report.
enum class GroupState : uint8_t {
  kEmpty,
  kPreparingRebalance,
  kCompletingRebalance,
  kStable,
  kDead,
};

std::string_view group_state_name(GroupState s);
// Parses a state name as ListGroups v4 filters send it (case-insensitive); nullopt if unknown.
std::optional<GroupState> parse_group_state(std::string_view name);

struct Protocol {
  std::string name;
  Bytes metadata;
};

// ---- JoinGroup ----
struct JoinRequest {
  std::string group_id;
  std::string member_id;                         // empty for a member that does not have one yet
  std::optional<std::string> group_instance_id;  // static membership (KIP-345), v5+
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<Protocol> protocols;
  bool require_known_member_id = false;  // true for JoinGroup v4+ (KIP-394)
};

struct JoinMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  Bytes metadata;  // the member's metadata for the selected protocol
};

struct JoinResult {
  ErrorCode error = ErrorCode::kNone;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader_id;
  bool skip_assignment = false;  // v9+: a static leader rejoined a stable group (KIP-814)
  std::string member_id;
  std::vector<JoinMember> members;  // filled for the leader only
};

// ---- SyncGroup ----
struct MemberAssignment {
  std::string member_id;
  Bytes assignment;
};

struct SyncRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> protocol_type;   // v5+
  std::optional<std::string> protocol_name;   // v5+
  std::vector<MemberAssignment> assignments;  // sent by the leader only
};

struct SyncResult {
  ErrorCode error = ErrorCode::kNone;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  Bytes assignment;
};

// ---- Heartbeat ----
struct HeartbeatRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

// ---- LeaveGroup ----
// v0-2 send one member id: the handler passes one LeavingMember and answers with its error.
struct LeavingMember {
  std::string member_id;  // may be empty when group_instance_id names the member (admin removal)
  std::optional<std::string> group_instance_id;
};

struct LeaveRequest {
  std::string group_id;
  std::vector<LeavingMember> members;
};

struct LeaveMemberResult {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  ErrorCode error = ErrorCode::kNone;
};

struct LeaveResult {
  ErrorCode error = ErrorCode::kNone;  // group-level
  std::vector<LeaveMemberResult> members;
};

// ---- OffsetCommit / OffsetFetch ----
struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  // NOLINTNEXTLINE(modernize-use-nullptr): false positive on the 0 in the rewritten `a <=> b < 0`.
  auto operator<=>(const TopicPartition&) const = default;
};

struct CommitPartition {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
};

struct OffsetCommitRequest {
  std::string group_id;
  int32_t generation_id = -1;  // -1: a standalone consumer that uses the group only for offsets
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<CommitPartition> partitions;
};

struct CommitPartitionResult {
  std::string topic;
  int32_t partition = 0;
  ErrorCode error = ErrorCode::kNone;
};

struct FetchedOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;  // -1: nothing committed
  int32_t leader_epoch = -1;
  std::string metadata;
  ErrorCode error = ErrorCode::kNone;
};

struct OffsetFetchRequest {
  std::string group_id;
  std::optional<std::vector<TopicPartition>> partitions;  // nullopt: every committed partition
};

struct OffsetFetchResult {
  ErrorCode error = ErrorCode::kNone;  // group-level
  std::vector<FetchedOffset> partitions;
};

// ---- ListGroups / DescribeGroups / DeleteGroups ----
struct GroupListing {
  std::string group_id;
  std::string protocol_type;
  GroupState state = GroupState::kEmpty;
};

struct DescribedMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  Bytes metadata;    // empty unless the group is Stable
  Bytes assignment;  // empty unless the group is Stable
};

struct GroupDescription {
  ErrorCode error = ErrorCode::kNone;
  std::string group_id;
  GroupState state = GroupState::kDead;  // an unknown group is described as Dead, as Kafka does
  std::string protocol_type;
  std::string protocol_name;  // empty unless the group is Stable
  std::vector<DescribedMember> members;
};

struct DeleteGroupResult {
  std::string group_id;
  ErrorCode error = ErrorCode::kNone;
};

// OffsetDelete: a group-level error, else one result per partition asked for.
struct DeleteOffsetsResult {
  ErrorCode error = ErrorCode::kNone;
  std::vector<CommitPartitionResult> partitions;
};

// ---- Observability ----
struct CommittedOffset {
  std::string group_id;
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

struct GroupStats {
  std::string group_id;
  GroupState state = GroupState::kEmpty;
  int32_t generation_id = 0;
  size_t members = 0;
  uint64_t rebalances = 0;  // completed join phases since this process loaded the group
};

}  // namespace sluice::kafka::group
