// Message descriptions: ApiVersions, Metadata, Produce, Fetch, ListOffsets, InitProducerId,
// OffsetForLeaderEpoch. See schema.h for how to read (and extend) them: a new version is one edit
// to the range in api.h plus one KF line per new field.
//
// Thread-safety: plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kafka/protocol/schema.h"

namespace sluice::kafka {

// ---- ApiVersions (key 18) ----------------------------------------------------------------------
struct ApiVersionsRequest {
  std::string client_software_name;
  std::string client_software_version;
  SLUICE_KAFKA_FIELDS(ApiVersionsRequest, KF(client_software_name, "3+"),
                      KF(client_software_version, "3+"))
};

struct ApiVersionsResponse {
  struct ApiVersion {
    int16_t api_key = 0;
    int16_t min_version = 0;
    int16_t max_version = 0;
    SLUICE_KAFKA_FIELDS(ApiVersion, KF(api_key, "0+"), KF(min_version, "0+"), KF(max_version, "0+"))
  };
  struct SupportedFeatureKey {
    std::string name;
    int16_t min_version = 0;
    int16_t max_version = 0;
    SLUICE_KAFKA_FIELDS(SupportedFeatureKey, KF(name, "3+"), KF(min_version, "3+"),
                        KF(max_version, "3+"))
  };
  struct FinalizedFeatureKey {
    std::string name;
    int16_t max_version_level = 0;
    int16_t min_version_level = 0;
    SLUICE_KAFKA_FIELDS(FinalizedFeatureKey, KF(name, "3+"), KF(max_version_level, "3+"),
                        KF(min_version_level, "3+"))
  };
  int16_t error_code = 0;
  std::vector<ApiVersion> api_keys;
  int32_t throttle_time_ms = 0;
  std::vector<SupportedFeatureKey> supported_features;
  int64_t finalized_features_epoch = -1;
  std::vector<FinalizedFeatureKey> finalized_features;
  bool zk_migration_ready = false;
  SLUICE_KAFKA_FIELDS(ApiVersionsResponse, KF(error_code, "0+"), KF(api_keys, "0+"),
                      KF(throttle_time_ms, "1+"), KF(supported_features, "3+").tagged(0, "3+"),
                      KF(finalized_features_epoch, "3+").tagged(1, "3+"),
                      KF(finalized_features, "3+").tagged(2, "3+"),
                      KF(zk_migration_ready, "3+").tagged(3, "3+"))
};

// ---- Metadata (key 3) --------------------------------------------------------------------------
struct MetadataRequest {
  struct Topic {
    Uuid topic_id;
    std::optional<std::string> name = std::string();
    SLUICE_KAFKA_FIELDS(Topic, KF(topic_id, "10+"), KF(name, "0+").nullable("10+"))
  };
  // v0: empty means all topics; v1+: null means all topics, empty means none.
  std::optional<std::vector<Topic>> topics = std::vector<Topic>();
  bool allow_auto_topic_creation = true;
  bool include_cluster_authorized_operations = false;
  bool include_topic_authorized_operations = false;
  SLUICE_KAFKA_FIELDS(MetadataRequest, KF(topics, "0+").nullable("1+"),
                      KF(allow_auto_topic_creation, "4+"),
                      KF(include_cluster_authorized_operations, "8-10"),
                      KF(include_topic_authorized_operations, "8+"))
};

struct MetadataResponse {
  struct Broker {
    int32_t node_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;
    SLUICE_KAFKA_FIELDS(Broker, KF(node_id, "0+"), KF(host, "0+"), KF(port, "0+"),
                        KF(rack, "1+").nullable("1+"))
  };
  struct Partition {
    int16_t error_code = 0;
    int32_t partition_index = 0;
    int32_t leader_id = 0;
    int32_t leader_epoch = -1;
    std::vector<int32_t> replica_nodes;
    std::vector<int32_t> isr_nodes;
    std::vector<int32_t> offline_replicas;
    SLUICE_KAFKA_FIELDS(Partition, KF(error_code, "0+"), KF(partition_index, "0+"),
                        KF(leader_id, "0+"), KF(leader_epoch, "7+"), KF(replica_nodes, "0+"),
                        KF(isr_nodes, "0+"), KF(offline_replicas, "5+"))
  };
  struct Topic {
    int16_t error_code = 0;
    std::optional<std::string> name = std::string();
    Uuid topic_id;
    bool is_internal = false;
    std::vector<Partition> partitions;
    int32_t topic_authorized_operations = INT32_MIN;
    SLUICE_KAFKA_FIELDS(Topic, KF(error_code, "0+"), KF(name, "0+").nullable("12+"),
                        KF(topic_id, "10+"), KF(is_internal, "1+"), KF(partitions, "0+"),
                        KF(topic_authorized_operations, "8+"))
  };
  int32_t throttle_time_ms = 0;
  std::vector<Broker> brokers;
  std::optional<std::string> cluster_id;
  int32_t controller_id = -1;
  std::vector<Topic> topics;
  int32_t cluster_authorized_operations = INT32_MIN;
  SLUICE_KAFKA_FIELDS(MetadataResponse, KF(throttle_time_ms, "3+"), KF(brokers, "0+"),
                      KF(cluster_id, "2+").nullable("2+"), KF(controller_id, "1+"),
                      KF(topics, "0+"), KF(cluster_authorized_operations, "8-10"))
};

// ---- Produce (key 0) ---------------------------------------------------------------------------
struct ProduceRequest {
  struct PartitionData {
    int32_t index = 0;
    // Borrowed from the request frame: valid while the frame buffer is.
    std::optional<Records> records;
    SLUICE_KAFKA_FIELDS(PartitionData, KF(index, "0+"), KF(records, "0+").nullable("0+"))
  };
  struct TopicData {
    std::string name;
    std::vector<PartitionData> partition_data;
    SLUICE_KAFKA_FIELDS(TopicData, KF(name, "0+"), KF(partition_data, "0+"))
  };
  std::optional<std::string> transactional_id;
  int16_t acks = 0;
  int32_t timeout_ms = 0;
  std::vector<TopicData> topic_data;
  SLUICE_KAFKA_FIELDS(ProduceRequest, KF(transactional_id, "3+").nullable("0+"), KF(acks, "0+"),
                      KF(timeout_ms, "0+"), KF(topic_data, "0+"))
};

struct ProduceResponse {
  struct BatchIndexAndErrorMessage {
    int32_t batch_index = 0;
    std::optional<std::string> batch_index_error_message;
    SLUICE_KAFKA_FIELDS(BatchIndexAndErrorMessage, KF(batch_index, "8+"),
                        KF(batch_index_error_message, "8+").nullable("8+"))
  };
  struct PartitionResponse {
    int32_t index = 0;
    int16_t error_code = 0;
    int64_t base_offset = 0;
    int64_t log_append_time_ms = -1;
    int64_t log_start_offset = -1;
    std::vector<BatchIndexAndErrorMessage> record_errors;
    std::optional<std::string> error_message;
    SLUICE_KAFKA_FIELDS(PartitionResponse, KF(index, "0+"), KF(error_code, "0+"),
                        KF(base_offset, "0+"), KF(log_append_time_ms, "2+"),
                        KF(log_start_offset, "5+"), KF(record_errors, "8+"),
                        KF(error_message, "8+").nullable("8+"))
  };
  struct TopicResponse {
    std::string name;
    std::vector<PartitionResponse> partition_responses;
    SLUICE_KAFKA_FIELDS(TopicResponse, KF(name, "0+"), KF(partition_responses, "0+"))
  };
  std::vector<TopicResponse> responses;
  int32_t throttle_time_ms = 0;
  SLUICE_KAFKA_FIELDS(ProduceResponse, KF(responses, "0+"), KF(throttle_time_ms, "1+"))
};

// ---- Fetch (key 1) -----------------------------------------------------------------------------
struct FetchRequest {
  struct FetchPartition {
    int32_t partition = 0;
    int32_t current_leader_epoch = -1;
    int64_t fetch_offset = 0;
    int32_t last_fetched_epoch = -1;
    int64_t log_start_offset = -1;
    int32_t partition_max_bytes = 0;
    SLUICE_KAFKA_FIELDS(FetchPartition, KF(partition, "0+"), KF(current_leader_epoch, "9+"),
                        KF(fetch_offset, "0+"), KF(last_fetched_epoch, "12+"),
                        KF(log_start_offset, "5+"), KF(partition_max_bytes, "0+"))
  };
  struct FetchTopic {
    std::string topic;
    Uuid topic_id;
    std::vector<FetchPartition> partitions;
    SLUICE_KAFKA_FIELDS(FetchTopic, KF(topic, "0-12"), KF(topic_id, "13+"), KF(partitions, "0+"))
  };
  struct ForgottenTopic {
    std::string topic;
    Uuid topic_id;
    std::vector<int32_t> partitions;
    SLUICE_KAFKA_FIELDS(ForgottenTopic, KF(topic, "7-12"), KF(topic_id, "13+"),
                        KF(partitions, "7+"))
  };
  std::optional<std::string> cluster_id;
  int32_t replica_id = -1;
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = 0x7fffffff;
  int8_t isolation_level = 0;
  int32_t session_id = 0;
  int32_t session_epoch = -1;
  std::vector<FetchTopic> topics;
  std::vector<ForgottenTopic> forgotten_topics_data;
  std::string rack_id;
  SLUICE_KAFKA_FIELDS(FetchRequest, KF(cluster_id, "12+").nullable("12+").tagged(0, "12+"),
                      KF(replica_id, "0-14"), KF(max_wait_ms, "0+"), KF(min_bytes, "0+"),
                      KF(max_bytes, "3+"), KF(isolation_level, "4+"), KF(session_id, "7+"),
                      KF(session_epoch, "7+"), KF(topics, "0+"), KF(forgotten_topics_data, "7+"),
                      KF(rack_id, "11+"))
};

struct FetchResponse {
  struct EpochEndOffset {
    int32_t epoch = -1;
    int64_t end_offset = -1;
    SLUICE_KAFKA_FIELDS(EpochEndOffset, KF(epoch, "12+"), KF(end_offset, "12+"))
  };
  struct LeaderIdAndEpoch {
    int32_t leader_id = -1;
    int32_t leader_epoch = -1;
    SLUICE_KAFKA_FIELDS(LeaderIdAndEpoch, KF(leader_id, "12+"), KF(leader_epoch, "12+"))
  };
  struct SnapshotId {
    int64_t end_offset = -1;
    int32_t epoch = -1;
    SLUICE_KAFKA_FIELDS(SnapshotId, KF(end_offset, "0+"), KF(epoch, "0+"))
  };
  struct AbortedTransaction {
    int64_t producer_id = 0;
    int64_t first_offset = 0;
    SLUICE_KAFKA_FIELDS(AbortedTransaction, KF(producer_id, "4+"), KF(first_offset, "4+"))
  };
  struct PartitionData {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    int64_t high_watermark = 0;
    int64_t last_stable_offset = -1;
    int64_t log_start_offset = -1;
    EpochEndOffset diverging_epoch;
    LeaderIdAndEpoch current_leader;
    SnapshotId snapshot_id;
    std::optional<std::vector<AbortedTransaction>> aborted_transactions;
    int32_t preferred_read_replica = -1;
    // Use Records::splice(...) to send file ranges without copying (see frame.h).
    std::optional<Records> records;
    SLUICE_KAFKA_FIELDS(PartitionData, KF(partition_index, "0+"), KF(error_code, "0+"),
                        KF(high_watermark, "0+"), KF(last_stable_offset, "4+"),
                        KF(log_start_offset, "5+"), KF(diverging_epoch, "12+").tagged(0, "12+"),
                        KF(current_leader, "12+").tagged(1, "12+"),
                        KF(snapshot_id, "12+").tagged(2, "12+"),
                        KF(aborted_transactions, "4+").nullable("4+"),
                        KF(preferred_read_replica, "11+"), KF(records, "0+").nullable("0+"))
  };
  struct FetchableTopicResponse {
    std::string topic;
    Uuid topic_id;
    std::vector<PartitionData> partitions;
    SLUICE_KAFKA_FIELDS(FetchableTopicResponse, KF(topic, "0-12"), KF(topic_id, "13+"),
                        KF(partitions, "0+"))
  };
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int32_t session_id = 0;
  std::vector<FetchableTopicResponse> responses;
  SLUICE_KAFKA_FIELDS(FetchResponse, KF(throttle_time_ms, "1+"), KF(error_code, "7+"),
                      KF(session_id, "7+"), KF(responses, "0+"))
};

// ---- ListOffsets (key 2) -----------------------------------------------------------------------
struct ListOffsetsRequest {
  struct Partition {
    int32_t partition_index = 0;
    int32_t current_leader_epoch = -1;
    int64_t timestamp = 0;
    int32_t max_num_offsets = 1;
    SLUICE_KAFKA_FIELDS(Partition, KF(partition_index, "0+"), KF(current_leader_epoch, "4+"),
                        KF(timestamp, "0+"), KF(max_num_offsets, "0"))
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    SLUICE_KAFKA_FIELDS(Topic, KF(name, "0+"), KF(partitions, "0+"))
  };
  int32_t replica_id = 0;
  int8_t isolation_level = 0;
  std::vector<Topic> topics;
  SLUICE_KAFKA_FIELDS(ListOffsetsRequest, KF(replica_id, "0+"), KF(isolation_level, "2+"),
                      KF(topics, "0+"))
};

struct ListOffsetsResponse {
  struct Partition {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    std::vector<int64_t> old_style_offsets;
    int64_t timestamp = -1;
    int64_t offset = -1;
    int32_t leader_epoch = -1;
    SLUICE_KAFKA_FIELDS(Partition, KF(partition_index, "0+"), KF(error_code, "0+"),
                        KF(old_style_offsets, "0"), KF(timestamp, "1+"), KF(offset, "1+"),
                        KF(leader_epoch, "4+"))
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    SLUICE_KAFKA_FIELDS(Topic, KF(name, "0+"), KF(partitions, "0+"))
  };
  int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;
  SLUICE_KAFKA_FIELDS(ListOffsetsResponse, KF(throttle_time_ms, "2+"), KF(topics, "0+"))
};

// ---- InitProducerId (key 22) -------------------------------------------------------------------
struct InitProducerIdRequest {
  std::optional<std::string> transactional_id;
  int32_t transaction_timeout_ms = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  SLUICE_KAFKA_FIELDS(InitProducerIdRequest, KF(transactional_id, "0+").nullable("0+"),
                      KF(transaction_timeout_ms, "0+"), KF(producer_id, "3+"),
                      KF(producer_epoch, "3+"))
};

struct InitProducerIdResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = 0;
  SLUICE_KAFKA_FIELDS(InitProducerIdResponse, KF(throttle_time_ms, "0+"), KF(error_code, "0+"),
                      KF(producer_id, "0+"), KF(producer_epoch, "0+"))
};

// ---- OffsetForLeaderEpoch (key 23) -------------------------------------------------------------
struct OffsetForLeaderEpochRequest {
  struct Partition {
    int32_t partition = 0;
    int32_t current_leader_epoch = -1;
    int32_t leader_epoch = 0;
    SLUICE_KAFKA_FIELDS(Partition, KF(partition, "0+"), KF(current_leader_epoch, "2+"),
                        KF(leader_epoch, "0+"))
  };
  struct Topic {
    std::string topic;
    std::vector<Partition> partitions;
    SLUICE_KAFKA_FIELDS(Topic, KF(topic, "0+"), KF(partitions, "0+"))
  };
  int32_t replica_id = -2;
  std::vector<Topic> topics;
  SLUICE_KAFKA_FIELDS(OffsetForLeaderEpochRequest, KF(replica_id, "3+"), KF(topics, "0+"))
};

struct OffsetForLeaderEpochResponse {
  struct EpochEndOffset {
    int16_t error_code = 0;
    int32_t partition = 0;
    int32_t leader_epoch = -1;
    int64_t end_offset = -1;
    SLUICE_KAFKA_FIELDS(EpochEndOffset, KF(error_code, "0+"), KF(partition, "0+"),
                        KF(leader_epoch, "1+"), KF(end_offset, "0+"))
  };
  struct Topic {
    std::string topic;
    std::vector<EpochEndOffset> partitions;
    SLUICE_KAFKA_FIELDS(Topic, KF(topic, "0+"), KF(partitions, "0+"))
  };
  int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;
  SLUICE_KAFKA_FIELDS(OffsetForLeaderEpochResponse, KF(throttle_time_ms, "2+"), KF(topics, "0+"))
};

}  // namespace sluice::kafka
