#include "kafka/server/broker.h"

#include <boost/asio/post.hpp>

#include <fstream>
#include <random>
#include <sstream>

#include "common/clock.h"
#include "common/log.h"
#include "storage/record_batch.h"

namespace sluice::kafka {

namespace asio = boost::asio;

// Committed offsets and group metadata live in the compacted internal topic __consumer_offsets
// (one partition, fsync=always so that an acknowledged commit survives a crash). Each append()
// writes one RecordBatch holding all records of one coordinator operation, which makes the
// operation atomic: recovery never serves part of a batch.
class Broker::OffsetsTopicStore final : public group::OffsetStore {
 public:
  explicit OffsetsTopicStore(Partition& p) : partition_(p) {}
  Status append(std::vector<group::KeyValue> records) override {
    if (records.empty()) return Status::ok();
    RecordBatchBuilder b;
    int64_t now = wall_clock_ms();
    for (const auto& r : records) {
      std::optional<ByteSpan> value;
      if (r.value) value = ByteSpan(r.value->data(), r.value->size());
      b.add(now, ByteSpan(r.key.data(), r.key.size()), value);
    }
    SLUICE_ASSIGN_OR_RETURN(auto bytes, b.build());
    auto info = partition_.append(ByteSpan(bytes.data(), bytes.size()));
    return info.status();
  }

 private:
  Partition& partition_;
};

// The producer-id block counter: `<data_dir>/producer-ids`, one decimal number, replaced
// atomically (temp file, fsync, rename, fsync dir).
class Broker::ProducerIdFile final : public producer::ProducerIdStore {
 public:
  explicit ProducerIdFile(std::string dir) : dir_(std::move(dir)) {}
  Result<std::optional<int64_t>> read() override {
    std::ifstream in(path());
    if (!in) return std::optional<int64_t>();
    int64_t v = -1;
    in >> v;
    if (!in || v < 0) return Status::corruption("bad producer id counter in " + path());
    return std::optional<int64_t>(v);
  }
  Status write(int64_t next) override {
    std::string tmp = path() + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return Status::from_errno(errno, "open " + tmp);
    std::string text = std::to_string(next) + "\n";
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
              ::fsync(fd) == 0;
    int err = errno;
    ::close(fd);
    if (!ok) return Status::from_errno(err, "write " + tmp);
    if (::rename(tmp.c_str(), path().c_str()) != 0)
      return Status::from_errno(errno, "rename " + tmp);
    int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
    return Status::ok();
  }

 private:
  std::string path() const { return dir_ + "/producer-ids"; }
  std::string dir_;
};

// The transaction coordinator's host: its state in the compacted internal topic
// __transaction_state (one record per change, key = transactional id, fsync always), markers
// written through the partitions' producer state, offsets committed to the group coordinator.
class Broker::TxnHostImpl final : public txn::TxnHost {
 public:
  TxnHostImpl(Broker& broker, Partition& state) : broker_(broker), state_(state) {}

  Status persist(const std::string& id, const std::optional<txn::TxnMetadata>& m) override {
    std::vector<uint8_t> value;
    if (m) value = m->encode();
    RecordBatchBuilder b;
    std::optional<ByteSpan> v;
    if (m) v = ByteSpan(value.data(), value.size());
    b.add(wall_clock_ms(), as_bytes(id), v);
    SLUICE_ASSIGN_OR_RETURN(auto bytes, b.build());
    return state_.append(ByteSpan(bytes.data(), bytes.size())).status();
  }

  Status write_markers(int64_t producer_id, int16_t epoch, bool commit,
                       const std::set<txn::TopicPartition>& partitions) override {
    for (const auto& tp : partitions) {
      Partition* p = broker_.log().partition(tp.topic, tp.partition);
      if (!p) continue;  // deleted since
      SLUICE_RETURN_IF_ERROR(broker_.append_marker(*p, producer_id, epoch, commit));
    }
    return Status::ok();
  }

  Status commit_offsets(const std::string& group, const txn::GroupOffsets& offsets) override {
    std::vector<group::CommitPartition> parts;
    for (const auto& [tp, o] : offsets) {
      parts.push_back({tp.topic, tp.partition, o.offset, o.leader_epoch, o.metadata});
    }
    for (const auto& r : broker_.coordinator().commit_txn_offsets(group, parts)) {
      if (r.error != group::ErrorCode::kNone) {
        return Status::io_error(fmt::format("committing transactional offsets of group {}: {}",
                                            group, group::to_wire(r.error)));
      }
    }
    return Status::ok();
  }

  Result<int64_t> new_producer_id() override {
    SLUICE_ASSIGN_OR_RETURN(auto id, broker_.producer_ids().init_producer_id());
    return id.producer_id;
  }

  int64_t now_ms() override { return wall_clock_ms(); }

 private:
  Broker& broker_;
  Partition& state_;
};

namespace {

// A cluster id looks like Kafka's: 22 characters of URL-safe base64 of 16 random bytes.
std::string new_cluster_id() {
  constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device rd;
  std::string id;
  for (int i = 0; i < 22; ++i) id += kAlphabet[rd() % 64];
  return id;
}

// `<data_dir>/cluster-id` holds the id chosen on first start.
std::string load_or_create_cluster_id(const std::string& dir) {
  std::string path = dir + "/cluster-id";
  std::ifstream in(path);
  std::string id;
  if (in >> id && !id.empty()) return id;
  id = new_cluster_id();
  std::ofstream(path) << id << "\n";
  return id;
}

// The single partition of a compacted internal state topic (fsync always), created if missing.
Result<Partition*> ensure_internal_topic(LogManager& log, const std::string& name) {
  TopicConfig config = compacted_state_topic_config();
  config["segment.bytes"] = "104857600";
  SLUICE_RETURN_IF_ERROR(log.ensure_topic(name, 1, config));
  Partition* p = log.partition(name, 0);
  if (!p) return Status::internal(name + " partition 0 missing");
  return p;
}

// Feeds every keyed record of an internal state topic to `load`, in offset order; a record it
// refuses is logged and skipped. Returns how many records were read.
Result<size_t> replay_internal_topic(Partition& p,
                                     const std::function<Status(const Record&)>& load) {
  Offset at = p.log_start_offset();
  size_t loaded = 0;
  while (at < p.high_watermark()) {
    SLUICE_ASSIGN_OR_RETURN(auto bytes, p.read_bytes(at, 1 << 20, p.high_watermark()));
    if (bytes.empty()) break;
    SLUICE_ASSIGN_OR_RETURN(auto batches, split_batches(ByteSpan(bytes.data(), bytes.size())));
    for (const auto& batch : batches) {
      at = Offset(batch.last_offset() + 1);
      if (batch.header().is_control()) continue;
      SLUICE_ASSIGN_OR_RETURN(auto reader, RecordReader::open(batch));
      Record rec;
      while (reader.next(rec)) {
        if (!rec.key) continue;
        Status st = load(rec);
        if (!st.is_ok()) {
          spdlog::warn("{} offset {}: skipping record: {}", p.topic(), rec.offset, st.to_string());
        }
        ++loaded;
      }
      SLUICE_RETURN_IF_ERROR(reader.status());
    }
  }
  return loaded;
}

}  // namespace

Broker::Broker(BrokerConfig config, LogManager& log, IoRuntime& runtime)
    : config_(std::move(config)), log_(log), runtime_(runtime) {
  auto& reg = MetricsRegistry::global();
  for (const ApiInfo& api : supported_apis()) {
    Labels l{{"api", std::string(api.name)}};
    api_metrics_[static_cast<int16_t>(api.key)] = ApiMetrics{
        &reg.counter("sluice_kafka_requests_total", "Kafka requests by API", l),
        &reg.counter("sluice_kafka_request_errors_total",
                     "Kafka requests answered with an error or dropped", l),
        &reg.histogram("sluice_kafka_request_duration_seconds", "Kafka request latency by API", l)};
  }
}

Result<std::unique_ptr<Broker>> Broker::open(BrokerConfig config, LogManager& log,
                                             IoRuntime& runtime) {
  std::unique_ptr<Broker> b(new Broker(std::move(config), log, runtime));
  if (b->config_.cluster_id.empty())
    b->config_.cluster_id = load_or_create_cluster_id(log.data_dir());
  BrokerSettings static_settings{log.defaults(), b->config_.auto_create_topics,
                                 b->config_.default_partitions};
  auto dynamic = BrokerConfigs::open(
      log.file_system(), path_join(log.data_dir(), kDynamicConfigsFile), static_settings);
  if (!dynamic.is_ok()) return dynamic.status().with_context("dynamic broker configs");
  b->broker_configs_ = std::move(dynamic).value();
  SLUICE_RETURN_IF_ERROR(b->apply_broker_settings(b->broker_configs_->effective()));
  SLUICE_RETURN_IF_ERROR(b->open_internal_state());
  b->collector_id_ = MetricsRegistry::global().add_collector(
      [raw = b.get()](MetricsWriter& w) { raw->collect_metrics(w); });
  return b;
}

Status Broker::apply_broker_settings(const BrokerSettings& s) {
  SLUICE_RETURN_IF_ERROR(log_.set_defaults(s.log));
  auto_create_topics_ = s.auto_create_topics;
  default_partitions_ = s.default_partitions;
  return Status::ok();
}

Status Broker::open_internal_state() {
  SLUICE_ASSIGN_OR_RETURN(Partition * p, ensure_internal_topic(log_, kOffsetsTopic));
  offsets_store_ = std::make_unique<OffsetsTopicStore>(*p);
  coordinator_ = std::make_unique<group::GroupCoordinator>(config_.group, *offsets_store_, clock_);

  // Replay committed offsets and group metadata.
  SLUICE_ASSIGN_OR_RETURN(size_t loaded, replay_internal_topic(*p, [&](const Record& rec) {
                            return coordinator_->load(*rec.key, rec.value);
                          }));
  coordinator_->complete_load();
  spdlog::info("group coordinator loaded {} records from {}", loaded, kOffsetsTopic);

  producer_id_file_ = std::make_unique<ProducerIdFile>(log_.data_dir());
  SLUICE_ASSIGN_OR_RETURN(producer_ids_, producer::ProducerIdManager::open(*producer_id_file_));
  return open_transactions();
}

Status Broker::open_transactions() {
  SLUICE_ASSIGN_OR_RETURN(Partition * p, ensure_internal_topic(log_, kTransactionStateTopic));
  txn_host_ = std::make_unique<TxnHostImpl>(*this, *p);
  transactions_ = std::make_unique<txn::TransactionCoordinator>(*txn_host_);

  SLUICE_ASSIGN_OR_RETURN(size_t loaded, replay_internal_topic(*p, [&](const Record& rec) {
                            return transactions_->load(std::string(as_string_view(*rec.key)),
                                                       rec.value);
                          }));
  // Transactions decided before a crash get their markers now, before any client reads.
  Status st = transactions_->complete_load();
  if (!st.is_ok()) spdlog::warn("transaction coordinator: {} (retried)", st.to_string());
  spdlog::info("transaction coordinator loaded {} records from {}", loaded, kTransactionStateTopic);
  return Status::ok();
}

// shutdown() throws only if asio cannot allocate or join its threads; terminating then is right.
// NOLINTNEXTLINE(bugprone-exception-escape): only on allocation or thread-join failure.
Broker::~Broker() {
  shutdown();
  if (collector_id_) MetricsRegistry::global().remove_collector(collector_id_);
}

void Broker::shutdown() {
  if (stopping_.exchange(true)) return;
  if (tick_timer_)
    asio::post(tick_timer_->get_executor(), [t = tick_timer_.get()] { t->cancel(); });
  if (maintenance_timer_) {
    asio::post(maintenance_timer_->get_executor(), [t = maintenance_timer_.get()] { t->cancel(); });
  }
  blocking_pool_.join();
}

void Broker::start_timers() {
  tick_timer_ = std::make_unique<asio::steady_timer>(runtime_.context(0));
  maintenance_timer_ = std::make_unique<asio::steady_timer>(runtime_.context(0));
  schedule_tick();
  schedule_maintenance();
}

void Broker::schedule_tick() {
  tick_timer_->expires_after(std::chrono::milliseconds(100));
  tick_timer_->async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    coordinator_->tick();
    // Transaction timeouts write markers (fsyncs): off the I/O loop, one pass at a time.
    if (!txn_tick_running_.exchange(true)) {
      asio::post(blocking_pool_, [this] {
        transactions_->tick();
        txn_tick_running_ = false;
      });
    }
    schedule_tick();
  });
}

// Retention, compaction, rolling by age and interval fsyncs run on the blocking pool, one pass
// at a time, so that an I/O loop never waits for them.
void Broker::schedule_maintenance() {
  maintenance_timer_->expires_after(std::chrono::milliseconds(250));
  maintenance_timer_->async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    if (!maintenance_running_.exchange(true)) {
      asio::post(blocking_pool_, [this] {
        Status st = log_.run_maintenance(wall_clock_ms());
        if (!st.is_ok()) spdlog::warn("log maintenance: {}", st.to_string());
        prune_aborted_indexes();
        maintenance_running_ = false;
      });
    }
    schedule_maintenance();
  });
}

Status Broker::handle(const ConnectionInfo& conn, FrameBuffer frame, Done done) {
  auto ctx = std::make_shared<RequestContext>();
  ctx->conn = conn;
  ctx->frame = std::move(frame);
  ctx->done = std::move(done);
  ctx->start_ns = monotonic_ns();
  auto parsed = parse_request_frame(ByteSpan(ctx->frame.data(), ctx->frame.size()));
  if (!parsed.is_ok()) return parsed.status();  // no readable header: close the connection
  ParsedRequest& req = *parsed;
  ctx->header = req.header;
  ctx->api = req.api_key();
  ctx->version = req.version();
  if (req.error == ErrorCode::kUnsupportedVersion) {
    if (req.header.api_key == static_cast<int16_t>(ApiKey::kApiVersions)) {
      auto f = encode_api_versions_unsupported(req.header.correlation_id);
      if (!f.is_ok()) return f.status();
      respond_frame(ctx, std::move(f).value(), {});
      return Status::ok();
    }
    // Kafka closes the connection: the client cannot parse an answer in a version it did not ask
    // for.
    return Status::unsupported(fmt::format("api key {} version {} is not supported",
                                           req.header.api_key, req.header.api_version));
  }
  if (!req.ok()) {
    // The header was fine but the body is not a valid request of that version.
    spdlog::warn("kafka: connection {} from {}: {} v{}: {}", conn.id, conn.peer, api_name(ctx->api),
                 ctx->version, req.status.to_string());
    return Status::invalid_argument(req.status.message());
  }
  dispatch(ctx, req.body);
  return Status::ok();
}

void Broker::dispatch(const RequestContextPtr& ctx, RequestBody& body) {
  std::visit(
      [&](auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          finish(ctx, std::nullopt, true);
        } else if constexpr (std::is_same_v<T, ApiVersionsRequest>) {
          handle_api_versions(ctx, r);
        } else if constexpr (std::is_same_v<T, MetadataRequest>) {
          handle_metadata(ctx, r);
        } else if constexpr (std::is_same_v<T, DescribeClusterRequest>) {
          handle_describe_cluster(ctx, r);
        } else if constexpr (std::is_same_v<T, FindCoordinatorRequest>) {
          handle_find_coordinator(ctx, r);
        } else if constexpr (std::is_same_v<T, ProduceRequest>) {
          handle_produce(ctx, r);
        } else if constexpr (std::is_same_v<T, FetchRequest>) {
          handle_fetch(ctx, r);
        } else if constexpr (std::is_same_v<T, ListOffsetsRequest>) {
          handle_list_offsets(ctx, r);
        } else if constexpr (std::is_same_v<T, OffsetForLeaderEpochRequest>) {
          handle_offset_for_leader_epoch(ctx, r);
        } else if constexpr (std::is_same_v<T, InitProducerIdRequest>) {
          handle_init_producer_id(ctx, r);
        } else if constexpr (std::is_same_v<T, CreateTopicsRequest>) {
          handle_create_topics(ctx, r);
        } else if constexpr (std::is_same_v<T, DeleteTopicsRequest>) {
          handle_delete_topics(ctx, r);
        } else if constexpr (std::is_same_v<T, CreatePartitionsRequest>) {
          handle_create_partitions(ctx, r);
        } else if constexpr (std::is_same_v<T, DescribeConfigsRequest>) {
          handle_describe_configs(ctx, r);
        } else if constexpr (std::is_same_v<T, AlterConfigsRequest>) {
          handle_alter_configs(ctx, r);
        } else if constexpr (std::is_same_v<T, IncrementalAlterConfigsRequest>) {
          handle_incremental_alter_configs(ctx, r);
        } else if constexpr (std::is_same_v<T, JoinGroupRequest>) {
          handle_join_group(ctx, r);
        } else if constexpr (std::is_same_v<T, SyncGroupRequest>) {
          handle_sync_group(ctx, r);
        } else if constexpr (std::is_same_v<T, HeartbeatRequest>) {
          handle_heartbeat(ctx, r);
        } else if constexpr (std::is_same_v<T, LeaveGroupRequest>) {
          handle_leave_group(ctx, r);
        } else if constexpr (std::is_same_v<T, OffsetCommitRequest>) {
          handle_offset_commit(ctx, r);
        } else if constexpr (std::is_same_v<T, OffsetFetchRequest>) {
          handle_offset_fetch(ctx, r);
        } else if constexpr (std::is_same_v<T, ListGroupsRequest>) {
          handle_list_groups(ctx, r);
        } else if constexpr (std::is_same_v<T, DescribeGroupsRequest>) {
          handle_describe_groups(ctx, r);
        } else if constexpr (std::is_same_v<T, DeleteGroupsRequest>) {
          handle_delete_groups(ctx, r);
        } else if constexpr (std::is_same_v<T, OffsetDeleteRequest>) {
          handle_offset_delete(ctx, r);
        } else if constexpr (std::is_same_v<T, DeleteRecordsRequest>) {
          handle_delete_records(ctx, r);
        } else if constexpr (std::is_same_v<T, AddPartitionsToTxnRequest>) {
          handle_add_partitions_to_txn(ctx, r);
        } else if constexpr (std::is_same_v<T, AddOffsetsToTxnRequest>) {
          handle_add_offsets_to_txn(ctx, r);
        } else if constexpr (std::is_same_v<T, EndTxnRequest>) {
          handle_end_txn(ctx, r);
        } else if constexpr (std::is_same_v<T, TxnOffsetCommitRequest>) {
          handle_txn_offset_commit(ctx, r);
        } else {
          static_assert(sizeof(T) == 0, "request type without a handler");
        }
      },
      body);
}

void Broker::respond_frame(const RequestContextPtr& ctx, ResponseFrame frame,
                           std::vector<std::vector<FileRange>> splices) {
  WireFrame wire;
  size_t pos = 0;
  for (size_t i = 0; i < frame.splices.size(); ++i) {
    const Splice& s = frame.splices[i];
    if (s.at > pos)
      wire.chunks.emplace_back(
          std::vector<uint8_t>(frame.bytes.begin() + pos, frame.bytes.begin() + s.at));
    pos = s.at;
    for (const FileRange& r : splices.at(s.id)) {
      wire.chunks.emplace_back(
          FileSlice{r.fd(), static_cast<int64_t>(r.position), r.length, r.file});
    }
  }
  if (pos == 0) {
    wire.chunks.emplace_back(std::move(frame.bytes));
  } else if (pos < frame.bytes.size()) {
    wire.chunks.emplace_back(std::vector<uint8_t>(frame.bytes.begin() + pos, frame.bytes.end()));
  }
  finish(ctx, std::move(wire), false);
}

void Broker::respond_none(const RequestContextPtr& ctx) {
  finish(ctx, std::nullopt, false);
}

void Broker::finish(const RequestContextPtr& ctx, std::optional<WireFrame> frame, bool error) {
  auto it = api_metrics_.find(static_cast<int16_t>(ctx->api));
  if (it != api_metrics_.end()) {
    it->second.requests->inc();
    if (error) it->second.errors->inc();
    it->second.latency->observe(static_cast<double>(monotonic_ns() - ctx->start_ns) / 1e9);
  }
  ctx->done(std::move(frame));
}

bool Broker::ensure_topic(const std::string& topic) {
  if (log_.has_topic(topic)) return true;
  int32_t partitions = default_partitions_.load();
  if (!auto_create_topics_.load() || !validate_topic_name(topic).is_ok()) return false;
  Status st = log_.create_topic(topic, partitions, {});
  if (st.is_ok()) {
    spdlog::info("auto-created topic {} with {} partition(s)", topic, partitions);
  } else if (st.code() != StatusCode::kAlreadyExists) {
    spdlog::warn("cannot auto-create topic {}: {}", topic, st.to_string());
    return false;
  }
  return true;
}

Partition* Broker::partition_for_produce(const std::string& topic, int32_t partition,
                                         ErrorCode& error) {
  if (!validate_topic_name(topic).is_ok()) {
    error = ErrorCode::kInvalidTopicException;
    return nullptr;
  }
  if (!ensure_topic(topic)) {
    error = ErrorCode::kUnknownTopicOrPartition;
    return nullptr;
  }
  Partition* p = log_.partition(topic, partition);
  error = p ? ErrorCode::kNone : ErrorCode::kUnknownTopicOrPartition;
  return p;
}

std::shared_ptr<Broker::ProducerSlot> Broker::producer_slot(const std::string& topic,
                                                            int32_t partition) {
  std::lock_guard lock(producers_mu_);
  auto& slot = producers_[{topic, partition}];
  if (!slot) slot = std::make_shared<ProducerSlot>();
  return slot;
}

void Broker::prune_aborted_indexes() {
  std::vector<std::pair<std::pair<std::string, int32_t>, std::shared_ptr<ProducerSlot>>> slots;
  {
    std::lock_guard lock(producers_mu_);
    slots.assign(producers_.begin(), producers_.end());
  }
  for (auto& [tp, slot] : slots) {
    Partition* p = log_.partition(tp.first, tp.second);
    if (!p || !slot->ready) continue;
    std::lock_guard lock(slot->index_mu);
    slot->aborted.drop_before(p->log_start_offset().value());
  }
}

void Broker::collect_metrics(MetricsWriter& out) {
  // One pass over the partitions; each gauge family is then emitted contiguously, as the
  // Prometheus text format wants one HELP/TYPE block per family.
  struct PartitionOffsets {
    int64_t high_watermark;
    int64_t log_start_offset;
  };
  std::map<std::pair<std::string, int32_t>, PartitionOffsets> offsets;
  for (const auto& t : log_.topics()) {
    for (int32_t i = 0; i < t.partitions; ++i) {
      if (Partition* p = log_.partition(t.name, i)) {
        offsets[{t.name, i}] = {p->high_watermark().value(), p->log_start_offset().value()};
      }
    }
  }
  auto labels = [](const std::pair<std::string, int32_t>& tp) {
    return Labels{{"topic", tp.first}, {"partition", std::to_string(tp.second)}};
  };
  for (const auto& [tp, o] : offsets) {
    out.gauge("sluice_partition_high_watermark", "High watermark per partition", labels(tp),
              static_cast<double>(o.high_watermark));
  }
  for (const auto& [tp, o] : offsets) {
    out.gauge("sluice_partition_log_start_offset", "Log start offset per partition", labels(tp),
              static_cast<double>(o.log_start_offset));
  }
  for (const auto& c : coordinator_->committed_offsets()) {
    auto it = offsets.find({c.topic, c.partition});
    if (it == offsets.end()) continue;
    Labels l{{"group", c.group_id}, {"topic", c.topic}, {"partition", std::to_string(c.partition)}};
    out.gauge("sluice_group_lag", "Consumer group lag: high watermark minus committed offset", l,
              static_cast<double>(std::max<int64_t>(0, it->second.high_watermark - c.offset)));
  }
  coordinator_->collect_metrics(out);
  txn::TxnStats ts = transactions_->stats();
  out.gauge("sluice_kafka_transactional_ids", "Transactional ids known to the coordinator", {},
            static_cast<double>(ts.ids));
  out.gauge("sluice_kafka_transactions_open", "Transactions open now", {},
            static_cast<double>(ts.ongoing));
  out.counter("sluice_kafka_transactions_committed_total", "Transactions committed", {},
              static_cast<double>(ts.committed));
  out.counter("sluice_kafka_transactions_aborted_total",
              "Transactions aborted (by their producer, a new incarnation or a timeout)", {},
              static_cast<double>(ts.aborted));
  out.counter("sluice_kafka_transactions_timed_out_total",
              "Transactions aborted by the coordinator after transaction.timeout.ms", {},
              static_cast<double>(ts.timed_out));
}

}  // namespace sluice::kafka
