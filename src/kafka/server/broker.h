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
#include "kafka/txn/transaction_coordinator.h"
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

// The fields of a stored batch's header that idempotent/transactional producer state needs.
producer::BatchHeader producer_header(const sluice::BatchHeader& h);

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

  // A partition's producer state. `mu` serializes check-then-append of batches with a producer
  // id, and of transaction markers, so that a transactional batch is checked against its
  // transaction's state and appended before any marker that ends it. Fetches read what they
  // need without `mu` (which an append holds across its fsync).
  struct ProducerSlot {
    std::mutex mu;
    bool loaded = false;                     // guarded by mu: state rebuilt from the log
    producer::PartitionProducerState state;  // guarded by mu
    std::atomic<bool> ready{false};          // loaded, for readers without mu
    // The first offset of the earliest open transaction; INT64_MAX when none is open.
    std::atomic<int64_t> first_unstable{INT64_MAX};
    std::mutex index_mu;
    producer::AbortedTxnIndex aborted;  // guarded by index_mu
  };
  // Shared: a topic deletion drops the map's reference while a request may still hold one.
  std::shared_ptr<ProducerSlot> producer_slot(const std::string& topic, int32_t partition);
  // The slot with its state rebuilt from the log (scanned once per process).
  Result<std::shared_ptr<ProducerSlot>> loaded_producer_slot(Partition& p);
  // Rebuilds the slot's state from the log; slot.mu held.
  Status load_producer_slot(ProducerSlot& slot, Partition& p);
  // Publishes the state's open transactions to slot.first_unstable; slot.mu held.
  static void publish_unstable(ProducerSlot& slot);
  // The last stable offset: the high watermark, or the first offset of an open transaction below
  // it (what read_committed consumers may read up to).
  Result<Offset> last_stable_offset(Partition& p);
  // Appends client-built batches to a partition through the produce path (validation,
  // idempotent and transactional producer checks), as a Produce request does for one partition
  // (the in-process transactional producer, local_producer.h).
  Result<int64_t> produce_local(const std::string& topic, int32_t partition, ByteSpan batches);
  // Appends a commit or abort marker of (producer_id, epoch) to `p` (a TxnHost write).
  Status append_marker(Partition& p, int64_t producer_id, int16_t epoch, bool commit);
  txn::TransactionCoordinator& transactions() { return *transactions_; }

  group::GroupCoordinator& coordinator() { return *coordinator_; }
  producer::ProducerIdManager& producer_ids() { return *producer_ids_; }
  boost::asio::thread_pool& blocking_pool() { return blocking_pool_; }
  IoRuntime& runtime() { return runtime_; }

  static constexpr const char* kOffsetsTopic = "__consumer_offsets";
  static constexpr const char* kTransactionStateTopic = "__transaction_state";
  static constexpr const char* kDynamicConfigsFile = "dynamic-broker-configs.properties";

 private:
  Broker(BrokerConfig config, LogManager& log, IoRuntime& runtime);
  Status open_internal_state();
  void dispatch(const RequestContextPtr& ctx, RequestBody& body);
  void finish(const RequestContextPtr& ctx, std::optional<WireFrame> frame, bool error);
  void schedule_tick();
  void schedule_maintenance();
  void collect_metrics(MetricsWriter& out);
  // Forgets aborted transactions whose records retention has removed.
  void prune_aborted_indexes();

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
  // Transactions (handlers/txn.cc).
  void handle_add_partitions_to_txn(const RequestContextPtr& ctx,
                                    const AddPartitionsToTxnRequest& req);
  void handle_add_offsets_to_txn(const RequestContextPtr& ctx, const AddOffsetsToTxnRequest& req);
  void handle_end_txn(const RequestContextPtr& ctx, const EndTxnRequest& req);
  void handle_txn_offset_commit(const RequestContextPtr& ctx, const TxnOffsetCommitRequest& req);
  Status open_transactions();

  // Fetch helpers (handlers/fetch.cc).
  struct FetchState;
  void run_fetch(const std::shared_ptr<FetchState>& st, bool final_attempt);
  void wake_fetch(const std::shared_ptr<FetchState>& st);

  class OffsetsTopicStore;
  class ProducerIdFile;
  class TxnHostImpl;

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
  std::unique_ptr<TxnHostImpl> txn_host_;
  std::unique_ptr<txn::TransactionCoordinator> transactions_;
  std::atomic<bool> txn_tick_running_{false};
  // The dynamic values of config_.auto_create_topics and config_.default_partitions.
  std::atomic<bool> auto_create_topics_{true};
  std::atomic<int32_t> default_partitions_{1};

  std::mutex producers_mu_;
  std::map<std::pair<std::string, int32_t>, std::shared_ptr<ProducerSlot>> producers_;  // guarded

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
