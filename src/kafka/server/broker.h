// Broker: the Kafka request handler of a single-node Sluice. Decodes each request frame, runs the
// API's handler against the log (storage), the group coordinator and the idempotent-producer
// state, and encodes the response.
//
// One file per group of APIs under handlers/: metadata.cc (ApiVersions, Metadata,
// DescribeCluster, FindCoordinator), produce.cc, fetch.cc, offsets.cc (ListOffsets,
// OffsetForLeaderEpoch, InitProducerId), admin.cc (topics and configs), group.cc (consumer groups
// and committed offsets).
//
// Thread-safety: handle() is called concurrently from every I/O loop. The log, the coordinator
// and the producer-id manager are thread-safe; idempotent-producer state is kept per partition
// under that partition's ProducerSlot mutex, which also serializes check-then-append for
// batches that carry a producer id. Produce requests that must wait for an fsync, offset commits
// and topic deletes run on a small blocking pool so that I/O loops never wait on the disk.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/io_runtime.h"
#include "common/log.h"
#include "common/metrics.h"
#include "kafka/group/group_coordinator.h"
#include "kafka/producer/producer_id_manager.h"
#include "kafka/producer/producer_state.h"
#include "kafka/protocol/protocol.h"
#include "kafka/server/broker_configs.h"
#include "kafka/server/network.h"
#include "storage/log_manager.h"

namespace sluice::kafka {

struct BrokerConfig {
  int32_t node_id = 0;
  std::string advertised_host = "localhost";
  int32_t advertised_port = 9092;
  std::string cluster_id;  // read from / written to the data dir when empty
  // Static values: dynamic broker configs (AlterConfigs, kept in the data dir) override them.
  bool auto_create_topics = true;
  int32_t default_partitions = 1;
  // Group coordinator settings (group.initial.rebalance.delay.ms etc.).
  group::GroupConfig group;
};

// What a handler needs about the request it answers. Owns the frame, which Records in the
// decoded request borrow from.
struct RequestContext {
  ConnectionInfo conn;
  RequestHeader header;
  ApiKey api{};
  int16_t version = 0;
  FrameBuffer frame;
  RequestHandler::Done done;
  int64_t start_ns = 0;
};
using RequestContextPtr = std::shared_ptr<RequestContext>;

class Broker final : public RequestHandler {
 public:
  // Opens the internal state kept in the log (committed offsets, producer ids); `runtime` must
  // outlive the broker and be started before requests arrive.
  static Result<std::unique_ptr<Broker>> open(BrokerConfig config, LogManager& log,
                                              IoRuntime& runtime);
  // shutdown() throws only if asio cannot allocate or join its threads; terminating then is right.
  // NOLINTNEXTLINE(bugprone-exception-escape): only on allocation or thread-join failure.
  ~Broker() override;

  Status handle(const ConnectionInfo& conn, FrameBuffer frame, Done done) override;

  // Starts the periodic work: coordinator ticks and log maintenance.
  void start_timers();
  // Stops timers and the blocking pool; call before stopping the runtime.
  void shutdown();

  const BrokerConfig& config() const { return config_; }
  // Called once, before requests arrive, when the listener knows its bound port.
  void set_advertised(std::string host, int32_t port) {
    config_.advertised_host = std::move(host);
    config_.advertised_port = port;
  }
  LogManager& log() { return log_; }

  // ---- used by the handlers (handlers/*.cc) ----
  // Encodes `response` for the context's version and completes the request.
  template <typename R>
  void respond(const RequestContextPtr& ctx, const R& response);
  // Completes a request that has a response frame already (records spliced from files).
  // `splices[id]` are the file ranges (in order) of the Records::splice(id, ...) in the response.
  void respond_frame(const RequestContextPtr& ctx, ResponseFrame frame,
                     std::vector<std::vector<FileRange>> splices);
  void respond_none(const RequestContextPtr& ctx);

  // The partition, creating the topic first when auto-creation allows it.
  Partition* partition_for_produce(const std::string& topic, int32_t partition, ErrorCode& error);
  // Creates `topic` with the default partition count if auto-creation is on; true if it exists.
  bool ensure_topic(const std::string& topic);

  struct ProducerSlot {
    std::mutex mu;
    bool loaded = false;                     // guarded by mu: state rebuilt from the log
    producer::PartitionProducerState state;  // guarded by mu
  };
  ProducerSlot& producer_slot(const std::string& topic, int32_t partition);

  group::GroupCoordinator& coordinator() { return *coordinator_; }
  producer::ProducerIdManager& producer_ids() { return *producer_ids_; }
  boost::asio::thread_pool& blocking_pool() { return blocking_pool_; }
  IoRuntime& runtime() { return runtime_; }

  static constexpr const char* kOffsetsTopic = "__consumer_offsets";
  static constexpr const char* kDynamicConfigsFile = "dynamic-broker-configs.properties";

 private:
  Broker(BrokerConfig config, LogManager& log, IoRuntime& runtime);
  Status open_internal_state();
  void dispatch(const RequestContextPtr& ctx, RequestBody& body);
  void finish(const RequestContextPtr& ctx, std::optional<WireFrame> frame, bool error);
  void schedule_tick();
  void schedule_maintenance();
  void collect_metrics(MetricsWriter& out);

  // Handlers (handlers/*.cc).
  void handle_api_versions(const RequestContextPtr& ctx, const ApiVersionsRequest& req);
  void handle_metadata(const RequestContextPtr& ctx, const MetadataRequest& req);
  void handle_describe_cluster(const RequestContextPtr& ctx, const DescribeClusterRequest& req);
  void handle_find_coordinator(const RequestContextPtr& ctx, const FindCoordinatorRequest& req);
  void handle_produce(const RequestContextPtr& ctx, ProduceRequest& req);
  void handle_fetch(const RequestContextPtr& ctx, FetchRequest& req);
  void handle_list_offsets(const RequestContextPtr& ctx, const ListOffsetsRequest& req);
  void handle_offset_for_leader_epoch(const RequestContextPtr& ctx,
                                      const OffsetForLeaderEpochRequest& req);
  void handle_init_producer_id(const RequestContextPtr& ctx, const InitProducerIdRequest& req);
  void handle_create_topics(const RequestContextPtr& ctx, const CreateTopicsRequest& req);
  void handle_delete_topics(const RequestContextPtr& ctx, const DeleteTopicsRequest& req);
  // Runs on the blocking pool: may wait for the disk and for a maintenance pass.
  DeleteTopicsResponse::DeletableTopicResult delete_topic(const std::string& name);
  void handle_create_partitions(const RequestContextPtr& ctx, const CreatePartitionsRequest& req);
  void handle_describe_configs(const RequestContextPtr& ctx, const DescribeConfigsRequest& req);
  void handle_alter_configs(const RequestContextPtr& ctx, const AlterConfigsRequest& req);
  void handle_incremental_alter_configs(const RequestContextPtr& ctx,
                                        const IncrementalAlterConfigsRequest& req);
  void handle_join_group(const RequestContextPtr& ctx, JoinGroupRequest& req);
  void handle_sync_group(const RequestContextPtr& ctx, SyncGroupRequest& req);
  void handle_heartbeat(const RequestContextPtr& ctx, const HeartbeatRequest& req);
  void handle_leave_group(const RequestContextPtr& ctx, const LeaveGroupRequest& req);
  void handle_offset_commit(const RequestContextPtr& ctx, const OffsetCommitRequest& req);
  void handle_offset_fetch(const RequestContextPtr& ctx, const OffsetFetchRequest& req);
  void handle_list_groups(const RequestContextPtr& ctx, const ListGroupsRequest& req);
  void handle_describe_groups(const RequestContextPtr& ctx, const DescribeGroupsRequest& req);
  void handle_delete_groups(const RequestContextPtr& ctx, const DeleteGroupsRequest& req);
  // Config resources (handlers/admin.cc): the level a broker resource name designates ("" the
  // cluster default, our id this broker), and one resource's alteration through `edit`.
  std::optional<BrokerConfigs::Level> broker_config_level(const std::string& name) const;
  AlterConfigsResourceResponse alter_config_resource(
      int8_t type, const std::string& name, const std::function<Status(TopicConfig&)>& edit,
      bool validate_only);
  // Puts dynamic broker settings in effect (log defaults, auto-creation, partition count).
  Status apply_broker_settings(const BrokerSettings& s);
  void handle_offset_delete(const RequestContextPtr& ctx, const OffsetDeleteRequest& req);
  void handle_delete_records(const RequestContextPtr& ctx, const DeleteRecordsRequest& req);

  // Fetch helpers (handlers/fetch.cc).
  struct FetchState;
  void run_fetch(const std::shared_ptr<FetchState>& st, bool final_attempt);
  void wake_fetch(const std::shared_ptr<FetchState>& st);

  class OffsetsTopicStore;
  class ProducerIdFile;

  BrokerConfig config_;
  LogManager& log_;
  IoRuntime& runtime_;
  boost::asio::thread_pool blocking_pool_{4};
  group::SystemClock clock_;
  std::unique_ptr<OffsetsTopicStore> offsets_store_;
  std::unique_ptr<ProducerIdFile> producer_id_file_;
  std::unique_ptr<group::GroupCoordinator> coordinator_;
  std::unique_ptr<producer::ProducerIdManager> producer_ids_;
  std::unique_ptr<BrokerConfigs> broker_configs_;
  // The dynamic values of config_.auto_create_topics and config_.default_partitions.
  std::atomic<bool> auto_create_topics_{true};
  std::atomic<int32_t> default_partitions_{1};

  std::mutex producers_mu_;
  std::map<std::pair<std::string, int32_t>, std::unique_ptr<ProducerSlot>> producers_;  // guarded

  std::unique_ptr<boost::asio::steady_timer> tick_timer_;
  std::unique_ptr<boost::asio::steady_timer> maintenance_timer_;
  std::atomic<bool> maintenance_running_{false};
  std::atomic<bool> stopping_{false};
  uint64_t collector_id_ = 0;

  struct ApiMetrics {
    Counter* requests = nullptr;
    Counter* errors = nullptr;
    Histogram* latency = nullptr;
  };
  std::map<int16_t, ApiMetrics> api_metrics_;  // filled in the constructor, read-only after
};

template <typename R>
void Broker::respond(const RequestContextPtr& ctx, const R& response) {
  auto frame = encode_response(ctx->header.correlation_id, ctx->version, response);
  if (!frame.is_ok()) {
    spdlog::error("kafka: cannot encode {} v{} response: {}", api_name(ctx->api), ctx->version,
                  frame.status().to_string());
    finish(ctx, std::nullopt, true);
    return;
  }
  respond_frame(ctx, std::move(frame).value(), {});
}

}  // namespace sluice::kafka
