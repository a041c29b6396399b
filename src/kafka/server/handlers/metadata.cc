// ApiVersions, Metadata, DescribeCluster, FindCoordinator: what a client asks before anything else.
#include "common/crc32c.h"
#include "kafka/server/broker.h"

namespace sluice::kafka {

namespace {

// Topic ids (Metadata v10+) are derived from the name: stable across restarts without extra
// state. A deleted and re-created topic gets the same id, which only matters to clients that
// fetch by id (Fetch v13+), which we do not serve.
Uuid topic_id_for(const std::string& name) {
  Uuid id;
  uint32_t h1 = crc32c(name.data(), name.size());
  uint32_t h2 = crc32c_extend(h1 ^ 0x5bd1e995u, name.data(), name.size());
  uint32_t h3 = crc32c_extend(h2 ^ 0x1b873593u, name.data(), name.size());
  uint32_t h4 = crc32c_extend(h3 ^ 0xcc9e2d51u, name.data(), name.size());
  for (int i = 0; i < 4; ++i) {
    id.bytes[i] = static_cast<uint8_t>(h1 >> (8 * i));
    id.bytes[4 + i] = static_cast<uint8_t>(h2 >> (8 * i));
    id.bytes[8 + i] = static_cast<uint8_t>(h3 >> (8 * i));
    id.bytes[12 + i] = static_cast<uint8_t>(h4 >> (8 * i));
  }
  if (id.is_zero()) id.bytes[0] = 1;
  return id;
}

}  // namespace

void Broker::handle_api_versions(const RequestContextPtr& ctx, const ApiVersionsRequest&) {
  respond(ctx, make_api_versions_response());
}

void Broker::handle_metadata(const RequestContextPtr& ctx, const MetadataRequest& req) {
  MetadataResponse resp;
  resp.brokers.push_back(
      {config_.node_id, config_.advertised_host, config_.advertised_port, std::nullopt});
  resp.cluster_id = config_.cluster_id;
  resp.controller_id = config_.node_id;

  // v0: an empty list means all topics; v1+: null means all, empty means none.
  bool all = !req.topics || (ctx->version == 0 && req.topics->empty());
  std::vector<std::string> names;
  if (all) {
    for (const auto& t : log_.topics()) names.push_back(t.name);
  } else {
    for (const auto& t : *req.topics) names.push_back(t.name.value_or(""));
  }
  bool may_create = ctx->version < 4 || req.allow_auto_topic_creation;
  for (const auto& name : names) {
    MetadataResponse::Topic topic;
    topic.name = name;
    topic.topic_id = topic_id_for(name);
    topic.is_internal = name == kOffsetsTopic;
    if (!validate_topic_name(name).is_ok()) {
      topic.error_code = static_cast<int16_t>(ErrorCode::kInvalidTopicException);
      resp.topics.push_back(std::move(topic));
      continue;
    }
    if (!all && may_create) ensure_topic(name);
    auto info = log_.topic_info(name);
    if (!info.is_ok()) {
      topic.error_code = static_cast<int16_t>(ErrorCode::kUnknownTopicOrPartition);
      resp.topics.push_back(std::move(topic));
      continue;
    }
    for (int32_t i = 0; i < info->partitions; ++i) {
      MetadataResponse::Partition p;
      p.partition_index = i;
      p.leader_id = config_.node_id;
      p.leader_epoch = 0;
      p.replica_nodes = {config_.node_id};
      p.isr_nodes = {config_.node_id};
      topic.partitions.push_back(std::move(p));
    }
    resp.topics.push_back(std::move(topic));
  }
  respond(ctx, resp);
}

void Broker::handle_describe_cluster(const RequestContextPtr& ctx, const DescribeClusterRequest&) {
  DescribeClusterResponse resp;
  resp.cluster_id = config_.cluster_id;
  resp.controller_id = config_.node_id;
  resp.brokers.push_back(
      {config_.node_id, config_.advertised_host, config_.advertised_port, std::nullopt});
  respond(ctx, resp);
}

void Broker::handle_find_coordinator(const RequestContextPtr& ctx,
                                     const FindCoordinatorRequest& req) {
  // This broker coordinates groups and (key type 1) transactional ids.
  auto answer = [&](const std::string& key) {
    FindCoordinatorResponse::Coordinator c;
    c.key = key;
    c.node_id = config_.node_id;
    c.host = config_.advertised_host;
    c.port = config_.advertised_port;
    return c;
  };
  FindCoordinatorResponse resp;
  if (ctx->version >= 4) {
    for (const auto& key : req.coordinator_keys) resp.coordinators.push_back(answer(key));
  } else {
    auto c = answer(req.key);
    resp.error_code = c.error_code;
    resp.error_message = c.error_message;
    resp.node_id = c.node_id;
    resp.host = c.host;
    resp.port = c.port;
  }
  respond(ctx, resp);
}

}  // namespace sluice::kafka
