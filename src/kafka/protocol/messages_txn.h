// Message descriptions of the transaction APIs a producer sends to its transaction coordinator
// (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn) and to the group coordinator (TxnOffsetCommit).
// Field and version lists follow apache/kafka clients/src/main/resources/common/message; versions
// above 3 of AddPartitionsToTxn are broker-to-broker and not served.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kafka/protocol/schema.h"

namespace sluice::kafka {

// ---- AddPartitionsToTxn (key 24) ---------------------------------------------------------------
struct AddPartitionsToTxnRequest {
  struct Topic {
    std::string name;
    std::vector<int32_t> partitions;
    SLUICE_KAFKA_FIELDS(Topic, KF(name, "0+"), KF(partitions, "0+"))
  };
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  std::vector<Topic> topics;
  SLUICE_KAFKA_FIELDS(AddPartitionsToTxnRequest, KF(transactional_id, "0+"), KF(producer_id, "0+"),
                      KF(producer_epoch, "0+"), KF(topics, "0+"))
};

struct AddPartitionsToTxnResponse {
  struct PartitionResult {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    SLUICE_KAFKA_FIELDS(PartitionResult, KF(partition_index, "0+"), KF(error_code, "0+"))
  };
  struct TopicResult {
    std::string name;
    std::vector<PartitionResult> results;
    SLUICE_KAFKA_FIELDS(TopicResult, KF(name, "0+"), KF(results, "0+"))
  };
  int32_t throttle_time_ms = 0;
  std::vector<TopicResult> results;
  SLUICE_KAFKA_FIELDS(AddPartitionsToTxnResponse, KF(throttle_time_ms, "0+"), KF(results, "0+"))
};

// ---- AddOffsetsToTxn (key 25) ------------------------------------------------------------------
struct AddOffsetsToTxnRequest {
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  std::string group_id;
  SLUICE_KAFKA_FIELDS(AddOffsetsToTxnRequest, KF(transactional_id, "0+"), KF(producer_id, "0+"),
                      KF(producer_epoch, "0+"), KF(group_id, "0+"))
};

struct AddOffsetsToTxnResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  SLUICE_KAFKA_FIELDS(AddOffsetsToTxnResponse, KF(throttle_time_ms, "0+"), KF(error_code, "0+"))
};

// ---- EndTxn (key 26) ---------------------------------------------------------------------------
struct EndTxnRequest {
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  bool committed = false;
  SLUICE_KAFKA_FIELDS(EndTxnRequest, KF(transactional_id, "0+"), KF(producer_id, "0+"),
                      KF(producer_epoch, "0+"), KF(committed, "0+"))
};

struct EndTxnResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  SLUICE_KAFKA_FIELDS(EndTxnResponse, KF(throttle_time_ms, "0+"), KF(error_code, "0+"))
};

// ---- TxnOffsetCommit (key 28) ------------------------------------------------------------------
struct TxnOffsetCommitRequest {
  struct Partition {
    int32_t partition_index = 0;
    int64_t committed_offset = -1;
    int32_t committed_leader_epoch = -1;
    std::optional<std::string> committed_metadata;
    SLUICE_KAFKA_FIELDS(Partition, KF(partition_index, "0+"), KF(committed_offset, "0+"),
                        KF(committed_leader_epoch, "2+"),
                        KF(committed_metadata, "0+").nullable("0+"))
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
    SLUICE_KAFKA_FIELDS(Topic, KF(name, "0+"), KF(partitions, "0+"))
  };
  std::string transactional_id;
  std::string group_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<Topic> topics;
  SLUICE_KAFKA_FIELDS(TxnOffsetCommitRequest, KF(transactional_id, "0+"), KF(group_id, "0+"),
                      KF(producer_id, "0+"), KF(producer_epoch, "0+"), KF(generation_id, "3+"),
                      KF(member_id, "3+"), KF(group_instance_id, "3+").nullable("3+"),
                      KF(topics, "0+"))
};

struct TxnOffsetCommitResponse {
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
  SLUICE_KAFKA_FIELDS(TxnOffsetCommitResponse, KF(throttle_time_ms, "0+"), KF(topics, "0+"))
};

}  // namespace sluice::kafka
