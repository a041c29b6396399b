// Message descriptions of the consumer-group APIs: FindCoordinator, JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, ListGroups, DescribeGroups, DeleteGroups,
// OffsetDelete.
// See schema.h for the notation.
//
// Thread-safety: plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kafka/protocol/schema.h"

namespace sluice::kafka {

// ---- FindCoordinator (key 10) ------------------------------------------------------------------
struct FindCoordinatorRequest {
  std::string key;
  int8_t key_type = 0;  // 0 group, 1 transaction
  std::vector<std::string> coordinator_keys;
  SLUICE_KAFKA_FIELDS(FindCoordinatorRequest, KF(key, "0-3"), KF(key_type, "1+"),
                      KF(coordinator_keys, "4+"))
};

struct FindCoordinatorResponse {
  struct Coordinator {
    std::string key;
    int32_t node_id = 0;
    std::string host;
    int32_t port = 0;
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    SLUICE_KAFKA_FIELDS(Coordinator, KF(key, "4+"), KF(node_id, "4+"), KF(host, "4+"),
                        KF(port, "4+"), KF(error_code, "4+"),
                        KF(error_message, "4+").nullable("4+"))
  };
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
  std::vector<Coordinator> coordinators;
  SLUICE_KAFKA_FIELDS(FindCoordinatorResponse, KF(throttle_time_ms, "1+"), KF(error_code, "0-3"),
                      KF(error_message, "1-3").nullable("1-3"), KF(node_id, "0-3"), KF(host, "0-3"),
                      KF(port, "0-3"), KF(coordinators, "4+"))
};

// ---- JoinGroup (key 11) ------------------------------------------------------------------------
struct JoinGroupRequest {
  struct Protocol {
    std::string name;
    Bytes metadata;
    SLUICE_KAFKA_FIELDS(Protocol, KF(name, "0+"), KF(metadata, "0+"))
  };
  std::string group_id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string protocol_type;
  std::vector<Protocol> protocols;
  SLUICE_KAFKA_FIELDS(JoinGroupRequest, KF(group_id, "0+"), KF(session_timeout_ms, "0+"),
                      KF(rebalance_timeout_ms, "1+"), KF(member_id, "0+"),
                      KF(group_instance_id, "5+").nullable("5+"), KF(protocol_type, "0+"),
                      KF(protocols, "0+"))
};

struct JoinGroupResponse {
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    Bytes metadata;
    SLUICE_KAFKA_FIELDS(Member, KF(member_id, "0+"), KF(group_instance_id, "5+").nullable("5+"),
                        KF(metadata, "0+"))
  };
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name = std::string();
  std::string leader;
  std::string member_id;
  std::vector<Member> members;
  SLUICE_KAFKA_FIELDS(JoinGroupResponse, KF(throttle_time_ms, "2+"), KF(error_code, "0+"),
                      KF(generation_id, "0+"), KF(protocol_type, "7+").nullable("7+"),
                      KF(protocol_name, "0+").nullable("7+"), KF(leader, "0+"), KF(member_id, "0+"),
                      KF(members, "0+"))
};

// ---- SyncGroup (key 14) ------------------------------------------------------------------------
struct SyncGroupRequest {
  struct Assignment {
    std::string member_id;
    Bytes assignment;
    SLUICE_KAFKA_FIELDS(Assignment, KF(member_id, "0+"), KF(assignment, "0+"))
  };
  std::string group_id;
  int32_t generation_id = 0;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::vector<Assignment> assignments;
  SLUICE_KAFKA_FIELDS(SyncGroupRequest, KF(group_id, "0+"), KF(generation_id, "0+"),
                      KF(member_id, "0+"), KF(group_instance_id, "3+").nullable("3+"),
                      KF(protocol_type, "5+").nullable("5+"),
                      KF(protocol_name, "5+").nullable("5+"), KF(assignments, "0+"))
};

struct SyncGroupResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  Bytes assignment;
  SLUICE_KAFKA_FIELDS(SyncGroupResponse, KF(throttle_time_ms, "1+"), KF(error_code, "0+"),
                      KF(protocol_type, "5+").nullable("5+"),
                      KF(protocol_name, "5+").nullable("5+"), KF(assignment, "0+"))
};

// ---- Heartbeat (key 12) ------------------------------------------------------------------------
struct HeartbeatRequest {
  std::string group_id;
  int32_t generation_id = 0;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  SLUICE_KAFKA_FIELDS(HeartbeatRequest, KF(group_id, "0+"), KF(generation_id, "0+"),
                      KF(member_id, "0+"), KF(group_instance_id, "3+").nullable("3+"))
};

struct HeartbeatResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  SLUICE_KAFKA_FIELDS(HeartbeatResponse, KF(throttle_time_ms, "1+"), KF(error_code, "0+"))
};

// ---- LeaveGroup (key 13) -----------------------------------------------------------------------
struct LeaveGroupRequest {
  struct MemberIdentity {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    SLUICE_KAFKA_FIELDS(MemberIdentity, KF(member_id, "3+"),
                        KF(group_instance_id, "3+").nullable("3+"))
  };
  std::string group_id;
  std::string member_id;                // v0-2
  std::vector<MemberIdentity> members;  // v3+ (batched leave)
  SLUICE_KAFKA_FIELDS(LeaveGroupRequest, KF(group_id, "0+"), KF(member_id, "0-2"),
                      KF(members, "3+"))
};

struct LeaveGroupResponse {
  struct MemberResponse {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    int16_t error_code = 0;
    SLUICE_KAFKA_FIELDS(MemberResponse, KF(member_id, "3+"),
                        KF(group_instance_id, "3+").nullable("3+"), KF(error_code, "3+"))
  };
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::vector<MemberResponse> members;
  SLUICE_KAFKA_FIELDS(LeaveGroupResponse, KF(throttle_time_ms, "1+"), KF(error_code, "0+"),
                      KF(members, "3+"))
};

// ---- OffsetCommit (key 8) ----------------------------------------------------------------------
struct OffsetCommitRequest {
  struct Partition {
    int32_t partition_index = 0;
    int64_t committed_offset = 0;
    int32_t committed_leader_epoch = -1;
    int64_t commit_timestamp = -1;
    std::optional<std::string> committed_metadata = std::string();
    SLUICE_KAFKA_FIELDS(Partition, KF(partition_index, "0+"), KF(committed_offset, "0+"),
                        KF(committed_leader_epoch, "6+"), KF(commit_timestamp, "1"),
                        KF(committed_metadata, "0+").nullable("0+"))
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    SLUICE_KAFKA_FIELDS(Topic, KF(name, "0+"), KF(partitions, "0+"))
  };
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int64_t retention_time_ms = -1;
  std::vector<Topic> topics;
  SLUICE_KAFKA_FIELDS(OffsetCommitRequest, KF(group_id, "0+"), KF(generation_id, "1+"),
                      KF(member_id, "1+"), KF(group_instance_id, "7+").nullable("7+"),
                      KF(retention_time_ms, "2-4"), KF(topics, "0+"))
};

struct OffsetCommitResponse {
  struct Partition {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    SLUICE_KAFKA_FIELDS(Partition, KF(partition_index, "0+"), KF(error_code, "0+"))
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    SLUICE_KAFKA_FIELDS(Topic, KF(name, "0+"), KF(partitions, "0+"))
  };
  int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;
  SLUICE_KAFKA_FIELDS(OffsetCommitResponse, KF(throttle_time_ms, "3+"), KF(topics, "0+"))
};

// ---- OffsetFetch (key 9) -----------------------------------------------------------------------
struct OffsetFetchRequest {
  struct Topic {
    std::string name;
    std::vector<int32_t> partition_indexes;
    SLUICE_KAFKA_FIELDS(Topic, KF(name, "0+"), KF(partition_indexes, "0+"))
  };
  struct Group {
    std::string group_id;
    std::optional<std::vector<Topic>> topics;  // null: all committed offsets of the group
    SLUICE_KAFKA_FIELDS(Group, KF(group_id, "8+"), KF(topics, "8+").nullable("8+"))
  };
  std::string group_id;                                             // v0-7
  std::optional<std::vector<Topic>> topics = std::vector<Topic>();  // v0-7, null from v2
  std::vector<Group> groups;                                        // v8+
  bool require_stable = false;
  SLUICE_KAFKA_FIELDS(OffsetFetchRequest, KF(group_id, "0-7"), KF(topics, "0-7").nullable("2-7"),
                      KF(groups, "8+"), KF(require_stable, "7+"))
};

struct OffsetFetchResponse {
  struct Partition {
    int32_t partition_index = 0;
    int64_t committed_offset = 0;
    int32_t committed_leader_epoch = -1;
    std::optional<std::string> metadata = std::string();
    int16_t error_code = 0;
    SLUICE_KAFKA_FIELDS(Partition, KF(partition_index, "0+"), KF(committed_offset, "0+"),
                        KF(committed_leader_epoch, "5+"), KF(metadata, "0+").nullable("0+"),
                        KF(error_code, "0+"))
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    SLUICE_KAFKA_FIELDS(Topic, KF(name, "0+"), KF(partitions, "0+"))
  };
  struct Group {
    std::string group_id;
    std::vector<Topic> topics;
    int16_t error_code = 0;
    SLUICE_KAFKA_FIELDS(Group, KF(group_id, "8+"), KF(topics, "8+"), KF(error_code, "8+"))
  };
  int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;  // v0-7
  int16_t error_code = 0;     // v2-7
  std::vector<Group> groups;  // v8+
  SLUICE_KAFKA_FIELDS(OffsetFetchResponse, KF(throttle_time_ms, "3+"), KF(topics, "0-7"),
                      KF(error_code, "2-7"), KF(groups, "8+"))
};

// ---- ListGroups (key 16) -----------------------------------------------------------------------
struct ListGroupsRequest {
  std::vector<std::string> states_filter;
  SLUICE_KAFKA_FIELDS(ListGroupsRequest, KF(states_filter, "4+"))
};

struct ListGroupsResponse {
  struct ListedGroup {
    std::string group_id;
    std::string protocol_type;
    std::string group_state;
    SLUICE_KAFKA_FIELDS(ListedGroup, KF(group_id, "0+"), KF(protocol_type, "0+"),
                        KF(group_state, "4+"))
  };
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::vector<ListedGroup> groups;
  SLUICE_KAFKA_FIELDS(ListGroupsResponse, KF(throttle_time_ms, "1+"), KF(error_code, "0+"),
                      KF(groups, "0+"))
};

// ---- DescribeGroups (key 15) -------------------------------------------------------------------
struct DescribeGroupsRequest {
  std::vector<std::string> groups;
  bool include_authorized_operations = false;
  SLUICE_KAFKA_FIELDS(DescribeGroupsRequest, KF(groups, "0+"),
                      KF(include_authorized_operations, "3+"))
};

struct DescribeGroupsResponse {
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    Bytes member_metadata;
    Bytes member_assignment;
    SLUICE_KAFKA_FIELDS(Member, KF(member_id, "0+"), KF(group_instance_id, "4+").nullable("4+"),
                        KF(client_id, "0+"), KF(client_host, "0+"), KF(member_metadata, "0+"),
                        KF(member_assignment, "0+"))
  };
  struct Group {
    int16_t error_code = 0;
    std::string group_id;
    std::string group_state;
    std::string protocol_type;
    std::string protocol_data;
    std::vector<Member> members;
    int32_t authorized_operations = INT32_MIN;
    SLUICE_KAFKA_FIELDS(Group, KF(error_code, "0+"), KF(group_id, "0+"), KF(group_state, "0+"),
                        KF(protocol_type, "0+"), KF(protocol_data, "0+"), KF(members, "0+"),
                        KF(authorized_operations, "3+"))
  };
  int32_t throttle_time_ms = 0;
  std::vector<Group> groups;
  SLUICE_KAFKA_FIELDS(DescribeGroupsResponse, KF(throttle_time_ms, "1+"), KF(groups, "0+"))
};

// ---- DeleteGroups (key 42) ---------------------------------------------------------------------
struct DeleteGroupsRequest {
  std::vector<std::string> groups_names;
  SLUICE_KAFKA_FIELDS(DeleteGroupsRequest, KF(groups_names, "0+"))
};

struct DeleteGroupsResponse {
  struct DeletableGroupResult {
    std::string group_id;
    int16_t error_code = 0;
    SLUICE_KAFKA_FIELDS(DeletableGroupResult, KF(group_id, "0+"), KF(error_code, "0+"))
  };
  int32_t throttle_time_ms = 0;
  std::vector<DeletableGroupResult> results;
  SLUICE_KAFKA_FIELDS(DeleteGroupsResponse, KF(throttle_time_ms, "0+"), KF(results, "0+"))
};

// ---- OffsetDelete (key 47) ---------------------------------------------------------------------
struct OffsetDeleteRequest {
  struct Partition {
    int32_t partition_index = 0;
    SLUICE_KAFKA_FIELDS(Partition, KF(partition_index, "0+"))
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    SLUICE_KAFKA_FIELDS(Topic, KF(name, "0+"), KF(partitions, "0+"))
  };
  std::string group_id;
  std::vector<Topic> topics;
  SLUICE_KAFKA_FIELDS(OffsetDeleteRequest, KF(group_id, "0+"), KF(topics, "0+"))
};

struct OffsetDeleteResponse {
  struct Partition {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    SLUICE_KAFKA_FIELDS(Partition, KF(partition_index, "0+"), KF(error_code, "0+"))
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    SLUICE_KAFKA_FIELDS(Topic, KF(name, "0+"), KF(partitions, "0+"))
  };
  int16_t error_code = 0;
  int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;
  SLUICE_KAFKA_FIELDS(OffsetDeleteResponse, KF(error_code, "0+"), KF(throttle_time_ms, "0+"),
                      KF(topics, "0+"))
};

}  // namespace sluice::kafka
