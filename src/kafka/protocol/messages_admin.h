// Message descriptions of the admin APIs: CreateTopics, DeleteTopics, DeleteRecords,
// CreatePartitions, DescribeConfigs, AlterConfigs, IncrementalAlterConfigs, DescribeCluster. See
// schema.h for the notation.
//
// Thread-safety: plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kafka/protocol/schema.h"

namespace sluice::kafka {

// ---- CreateTopics (key 19) ---------------------------------------------------------------------
struct CreateTopicsRequest {
  struct Assignment {
    int32_t partition_index = 0;
    std::vector<int32_t> broker_ids;
    SLUICE_KAFKA_FIELDS(Assignment, KF(partition_index, "0+"), KF(broker_ids, "0+"))
  };
  struct Config {
    std::string name;
    std::optional<std::string> value;
    SLUICE_KAFKA_FIELDS(Config, KF(name, "0+"), KF(value, "0+").nullable("0+"))
  };
  struct Topic {
    std::string name;
    int32_t num_partitions = 0;  // -1: broker default (v4+)
    int16_t replication_factor = 0;
    std::vector<Assignment> assignments;
    std::vector<Config> configs;
    SLUICE_KAFKA_FIELDS(Topic, KF(name, "0+"), KF(num_partitions, "0+"),
                        KF(replication_factor, "0+"), KF(assignments, "0+"), KF(configs, "0+"))
  };
  std::vector<Topic> topics;
  int32_t timeout_ms = 60000;
  bool validate_only = false;
  SLUICE_KAFKA_FIELDS(CreateTopicsRequest, KF(topics, "0+"), KF(timeout_ms, "0+"),
                      KF(validate_only, "1+"))
};

struct CreateTopicsResponse {
  struct Config {
    std::string name;
    std::optional<std::string> value;
    bool read_only = false;
    int8_t config_source = -1;
    bool is_sensitive = false;
    SLUICE_KAFKA_FIELDS(Config, KF(name, "5+"), KF(value, "5+").nullable("5+"), KF(read_only, "5+"),
                        KF(config_source, "5+"), KF(is_sensitive, "5+"))
  };
  struct Topic {
    std::string name;
    Uuid topic_id;
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    int16_t topic_config_error_code = 0;
    int32_t num_partitions = -1;
    int16_t replication_factor = -1;
    std::optional<std::vector<Config>> configs = std::vector<Config>();
    SLUICE_KAFKA_FIELDS(Topic, KF(name, "0+"), KF(topic_id, "7+"), KF(error_code, "0+"),
                        KF(error_message, "1+").nullable("0+"),
                        KF(topic_config_error_code, "5+").tagged(0, "5+"), KF(num_partitions, "5+"),
                        KF(replication_factor, "5+"), KF(configs, "5+").nullable("5+"))
  };
  int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;
  SLUICE_KAFKA_FIELDS(CreateTopicsResponse, KF(throttle_time_ms, "2+"), KF(topics, "0+"))
};

// ---- DeleteTopics (key 20) ---------------------------------------------------------------------
struct DeleteTopicsRequest {
  struct TopicState {
    std::optional<std::string> name;
    Uuid topic_id;
    SLUICE_KAFKA_FIELDS(TopicState, KF(name, "6+").nullable("6+"), KF(topic_id, "6+"))
  };
  std::vector<TopicState> topics;        // v6+
  std::vector<std::string> topic_names;  // v0-5
  int32_t timeout_ms = 0;
  SLUICE_KAFKA_FIELDS(DeleteTopicsRequest, KF(topics, "6+"), KF(topic_names, "0-5"),
                      KF(timeout_ms, "0+"))
};

struct DeleteTopicsResponse {
  struct DeletableTopicResult {
    std::optional<std::string> name = std::string();
    Uuid topic_id;
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    SLUICE_KAFKA_FIELDS(DeletableTopicResult, KF(name, "0+").nullable("6+"), KF(topic_id, "6+"),
                        KF(error_code, "0+"), KF(error_message, "5+").nullable("5+"))
  };
  int32_t throttle_time_ms = 0;
  std::vector<DeletableTopicResult> responses;
  SLUICE_KAFKA_FIELDS(DeleteTopicsResponse, KF(throttle_time_ms, "1+"), KF(responses, "0+"))
};

// ---- CreatePartitions (key 37) -----------------------------------------------------------------
struct CreatePartitionsRequest {
  struct Assignment {
    std::vector<int32_t> broker_ids;
    SLUICE_KAFKA_FIELDS(Assignment, KF(broker_ids, "0+"))
  };
  struct Topic {
    std::string name;
    int32_t count = 0;
    std::optional<std::vector<Assignment>> assignments;
    SLUICE_KAFKA_FIELDS(Topic, KF(name, "0+"), KF(count, "0+"),
                        KF(assignments, "0+").nullable("0+"))
  };
  std::vector<Topic> topics;
  int32_t timeout_ms = 0;
  bool validate_only = false;
  SLUICE_KAFKA_FIELDS(CreatePartitionsRequest, KF(topics, "0+"), KF(timeout_ms, "0+"),
                      KF(validate_only, "0+"))
};

struct CreatePartitionsResponse {
  struct CreatePartitionsTopicResult {
    std::string name;
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    SLUICE_KAFKA_FIELDS(CreatePartitionsTopicResult, KF(name, "0+"), KF(error_code, "0+"),
                        KF(error_message, "0+").nullable("0+"))
  };
  int32_t throttle_time_ms = 0;
  std::vector<CreatePartitionsTopicResult> results;
  SLUICE_KAFKA_FIELDS(CreatePartitionsResponse, KF(throttle_time_ms, "0+"), KF(results, "0+"))
};

// ---- DescribeConfigs (key 32) ------------------------------------------------------------------
struct DescribeConfigsRequest {
  struct Resource {
    int8_t resource_type = 0;  // 2 topic, 4 broker, 8 broker logger
    std::string resource_name;
    std::optional<std::vector<std::string>> configuration_keys;  // null: all
    SLUICE_KAFKA_FIELDS(Resource, KF(resource_type, "0+"), KF(resource_name, "0+"),
                        KF(configuration_keys, "0+").nullable("0+"))
  };
  std::vector<Resource> resources;
  bool include_synonyms = false;
  bool include_documentation = false;
  SLUICE_KAFKA_FIELDS(DescribeConfigsRequest, KF(resources, "0+"), KF(include_synonyms, "1+"),
                      KF(include_documentation, "3+"))
};

struct DescribeConfigsResponse {
  struct Synonym {
    std::string name;
    std::optional<std::string> value;
    int8_t source = 0;
    SLUICE_KAFKA_FIELDS(Synonym, KF(name, "1+"), KF(value, "1+").nullable("0+"), KF(source, "1+"))
  };
  struct Config {
    std::string name;
    std::optional<std::string> value;
    bool read_only = false;
    bool is_default = false;
    int8_t config_source = -1;
    bool is_sensitive = false;
    std::vector<Synonym> synonyms;
    int8_t config_type = 0;
    std::optional<std::string> documentation;
    SLUICE_KAFKA_FIELDS(Config, KF(name, "0+"), KF(value, "0+").nullable("0+"), KF(read_only, "0+"),
                        KF(is_default, "0"), KF(config_source, "1+"), KF(is_sensitive, "0+"),
                        KF(synonyms, "1+"), KF(config_type, "3+"),
                        KF(documentation, "3+").nullable("0+"))
  };
  struct DescribeConfigsResult {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    int8_t resource_type = 0;
    std::string resource_name;
    std::vector<Config> configs;
    SLUICE_KAFKA_FIELDS(DescribeConfigsResult, KF(error_code, "0+"),
                        KF(error_message, "0+").nullable("0+"), KF(resource_type, "0+"),
                        KF(resource_name, "0+"), KF(configs, "0+"))
  };
  int32_t throttle_time_ms = 0;
  std::vector<DescribeConfigsResult> results;
  SLUICE_KAFKA_FIELDS(DescribeConfigsResponse, KF(throttle_time_ms, "0+"), KF(results, "0+"))
};

// ---- AlterConfigs (key 33) ---------------------------------------------------------------------
struct AlterConfigsRequest {
  struct Config {
    std::string name;
    std::optional<std::string> value;
    SLUICE_KAFKA_FIELDS(Config, KF(name, "0+"), KF(value, "0+").nullable("0+"))
  };
  struct Resource {
    int8_t resource_type = 0;
    std::string resource_name;
    std::vector<Config> configs;
    SLUICE_KAFKA_FIELDS(Resource, KF(resource_type, "0+"), KF(resource_name, "0+"),
                        KF(configs, "0+"))
  };
  std::vector<Resource> resources;
  bool validate_only = false;
  SLUICE_KAFKA_FIELDS(AlterConfigsRequest, KF(resources, "0+"), KF(validate_only, "0+"))
};

struct AlterConfigsResourceResponse {
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int8_t resource_type = 0;
  std::string resource_name;
  SLUICE_KAFKA_FIELDS(AlterConfigsResourceResponse, KF(error_code, "0+"),
                      KF(error_message, "0+").nullable("0+"), KF(resource_type, "0+"),
                      KF(resource_name, "0+"))
};

struct AlterConfigsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<AlterConfigsResourceResponse> responses;
  SLUICE_KAFKA_FIELDS(AlterConfigsResponse, KF(throttle_time_ms, "0+"), KF(responses, "0+"))
};

// ---- IncrementalAlterConfigs (key 44) ----------------------------------------------------------
struct IncrementalAlterConfigsRequest {
  struct Config {
    std::string name;
    int8_t config_operation = 0;  // 0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT
    std::optional<std::string> value;
    SLUICE_KAFKA_FIELDS(Config, KF(name, "0+"), KF(config_operation, "0+"),
                        KF(value, "0+").nullable("0+"))
  };
  struct Resource {
    int8_t resource_type = 0;
    std::string resource_name;
    std::vector<Config> configs;
    SLUICE_KAFKA_FIELDS(Resource, KF(resource_type, "0+"), KF(resource_name, "0+"),
                        KF(configs, "0+"))
  };
  std::vector<Resource> resources;
  bool validate_only = false;
  SLUICE_KAFKA_FIELDS(IncrementalAlterConfigsRequest, KF(resources, "0+"), KF(validate_only, "0+"))
};

struct IncrementalAlterConfigsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<AlterConfigsResourceResponse> responses;
  SLUICE_KAFKA_FIELDS(IncrementalAlterConfigsResponse, KF(throttle_time_ms, "0+"),
                      KF(responses, "0+"))
};

// ---- DeleteRecords (key 21) --------------------------------------------------------------------
struct DeleteRecordsRequest {
  struct Partition {
    int32_t partition_index = 0;
    int64_t offset = 0;  // -1: the high watermark
    SLUICE_KAFKA_FIELDS(Partition, KF(partition_index, "0+"), KF(offset, "0+"))
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    SLUICE_KAFKA_FIELDS(Topic, KF(name, "0+"), KF(partitions, "0+"))
  };
  std::vector<Topic> topics;
  int32_t timeout_ms = 0;
  SLUICE_KAFKA_FIELDS(DeleteRecordsRequest, KF(topics, "0+"), KF(timeout_ms, "0+"))
};

struct DeleteRecordsResponse {
  struct Partition {
    int32_t partition_index = 0;
    int64_t low_watermark = -1;
    int16_t error_code = 0;
    SLUICE_KAFKA_FIELDS(Partition, KF(partition_index, "0+"), KF(low_watermark, "0+"),
                        KF(error_code, "0+"))
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    SLUICE_KAFKA_FIELDS(Topic, KF(name, "0+"), KF(partitions, "0+"))
  };
  int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;
  SLUICE_KAFKA_FIELDS(DeleteRecordsResponse, KF(throttle_time_ms, "0+"), KF(topics, "0+"))
};

// ---- DescribeCluster (key 60) ------------------------------------------------------------------
struct DescribeClusterRequest {
  bool include_cluster_authorized_operations = false;
  SLUICE_KAFKA_FIELDS(DescribeClusterRequest, KF(include_cluster_authorized_operations, "0+"))
};

struct DescribeClusterResponse {
  struct Broker {
    int32_t broker_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;
    SLUICE_KAFKA_FIELDS(Broker, KF(broker_id, "0+"), KF(host, "0+"), KF(port, "0+"),
                        KF(rack, "0+").nullable("0+"))
  };
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::string cluster_id;
  int32_t controller_id = -1;
  std::vector<Broker> brokers;
  int32_t cluster_authorized_operations = INT32_MIN;
  SLUICE_KAFKA_FIELDS(DescribeClusterResponse, KF(throttle_time_ms, "0+"), KF(error_code, "0+"),
                      KF(error_message, "0+").nullable("0+"), KF(cluster_id, "0+"),
                      KF(controller_id, "0+"), KF(brokers, "0+"),
                      KF(cluster_authorized_operations, "0+"))
};

}  // namespace sluice::kafka
