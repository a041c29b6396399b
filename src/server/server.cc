#include "server/server.h"

#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <filesystem>

#include "common/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/process_memory.h"
#include "kafka/server/broker.h"
#include "kafka/server/local_producer.h"
#include "kafka/server/network.h"
#include "schema/registry.h"
#include "server/demo.h"
#include "server/ksql_rest.h"
#include "server/schema_registry_rest.h"
#include "sql/engine/sql_service.h"
#include "storage/log_manager.h"

namespace sluice {

Server::Server(ServerConfig config, bool demo) : config_(std::move(config)), demo_enabled_(demo) {}

Server::~Server() {
  stop();
}

namespace {

// The Schema Registry's records: the `_schemas` topic (one partition, compacted), keyed and valued
// as Confluent's registry writes it, so that its tools can read it too.
class SchemaTopic final : public schema::SchemaLog {
 public:
  static constexpr const char* kTopic = "_schemas";
  explicit SchemaTopic(LogManager& log) : log_(log), store_(log) {}
  Status open() { return log_.ensure_topic(kTopic, 1, compacted_state_topic_config()); }
  Status append(const std::string& key, const std::optional<std::string>& value) override {
    sql::TopicRecord r;
    r.timestamp = wall_clock_ms();
    r.key = key;
    r.value = value;
    return store_.append(kTopic, 0, {std::move(r)}).status();
  }
  Status replay(
      const std::function<void(std::string_view, std::optional<std::string_view>)>& f) override {
    int64_t from = 0;
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(std::vector<sql::TopicRecord> records,
                              store_.read(kTopic, 0, from, 1024));
      if (records.empty()) return Status::ok();
      for (const sql::TopicRecord& r : records) {
        if (r.key) f(*r.key, r.value ? std::optional<std::string_view>(*r.value) : std::nullopt);
      }
      from = records.back().offset + 1;
    }
  }

 private:
  LogManager& log_;
  sql::LogTopicStore store_;
};

// The transactional id the SQL engine's checkpoints commit with (one engine per data dir; a
// restart fences the crashed instance and aborts its open transaction).
constexpr const char* kSqlTransactionalId = "_sluice-sql-engine";

// The SQL engine's exactly-once hooks over the broker (sql/engine/topic_store.h).
class TransactionWriter final : public sql::TransactionalWriter {
 public:
  explicit TransactionWriter(std::unique_ptr<kafka::LocalTransactionalProducer> p)
      : producer_(std::move(p)) {}
  Result<int64_t> append(std::string_view topic, int32_t partition,
                         std::span<const sql::TopicRecordView> records) override {
    std::vector<kafka::LocalRecord> batch;
    batch.reserve(records.size());
    for (const sql::TopicRecordView& r : records) batch.push_back({r.timestamp, r.key, r.value});
    return producer_->append(std::string(topic), partition, batch);
  }
  Status commit() override { return producer_->commit(); }
  Status abort() override { return producer_->abort(); }

 private:
  std::unique_ptr<kafka::LocalTransactionalProducer> producer_;
};

class Isolation final : public sql::ReadIsolation {
 public:
  explicit Isolation(kafka::Broker& broker) : isolation_(broker) {}
  Result<int64_t> last_stable_offset(const std::string& topic, int32_t partition) override {
    return isolation_.last_stable_offset(topic, partition);
  }
  Result<std::vector<Aborted>> aborted(const std::string& topic, int32_t partition, int64_t from,
                                       int64_t to) override {
    SLUICE_ASSIGN_OR_RETURN(auto list, isolation_.aborted(topic, partition, from, to));
    std::vector<Aborted> out;
    out.reserve(list.size());
    for (const auto& a : list) out.push_back({a.producer_id, a.first_offset, a.last_offset});
    return out;
  }

 private:
  kafka::LocalReadIsolation isolation_;
};

LogDefaults log_defaults(const ServerConfig& c) {
  LogDefaults d;
  d.segment_bytes = c.segment_bytes;
  d.segment_ms = c.segment_ms;
  d.retention_ms = c.retention_ms;
  d.retention_bytes = c.retention_bytes;
  d.fsync = c.fsync == "always"  ? FsyncPolicy::kAlways
            : c.fsync == "never" ? FsyncPolicy::kNever
                                 : FsyncPolicy::kInterval;
  d.fsync_interval_ms = c.fsync_interval_ms;
  return d;
}

// What clients are told to connect to: the configured advertised listener, else the listen
// address, with a wildcard address replaced by "localhost" (the single-machine default).
Result<HostPort> advertised(const ServerConfig& c, uint16_t bound_port) {
  if (!c.kafka_advertised.empty()) return parse_host_port(c.kafka_advertised);
  HostPort hp = c.kafka_listen;
  if (hp.host == "0.0.0.0" || hp.host == "::") hp.host = "localhost";
  hp.port = bound_port;
  return hp;
}

}  // namespace

Status Server::start() {
  SLUICE_RETURN_IF_ERROR(config_.validate());
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec) {
    return Status::io_error("cannot create data directory '" + config_.data_dir +
                            "': " + ec.message());
  }

  int64_t t0 = monotonic_ms();
  auto log = LogManager::open(posix_file_system(), config_.data_dir, log_defaults(config_));
  if (!log.is_ok()) {
    return log.status().with_context("cannot open the log in '" + config_.data_dir + "'");
  }
  log_ = std::move(log).value();
  spdlog::info("log opened in {} ms: {} topic(s) in {}", monotonic_ms() - t0, log_->topics().size(),
               config_.data_dir);

  runtime_ = std::make_unique<IoRuntime>(config_.threads);
  kafka::BrokerConfig bc;
  bc.auto_create_topics = config_.auto_create_topics;
  bc.default_partitions = config_.default_partitions;
  bc.group.initial_rebalance_delay_ms = config_.group_initial_rebalance_delay_ms;
  auto broker = kafka::Broker::open(bc, *log_, *runtime_);
  if (!broker.is_ok()) {
    stop_partial();
    return broker.status().with_context("cannot start the Kafka broker");
  }
  broker_ = std::move(broker).value();

  // The SQL engine replays its catalog and resumes its persistent queries before clients can
  // reach it; it commits its checkpoints as Kafka transactions through the broker's coordinator
  // and reads read_committed (after the broker completed the transactions decided before a
  // crash).
  sql::SqlServiceOptions sql_options;
  sql_options.error_topic = config_.sql_error_topic;
  sql_options.state_dir = (std::filesystem::path(config_.data_dir) / "state").string();
  sql_options.state_cache_bytes = static_cast<size_t>(config_.sql_state_cache_bytes);
  sql_options.memory_limit_bytes = static_cast<size_t>(config_.sql_memory_limit_bytes);
  sql_options.poll_threads = static_cast<unsigned>(config_.sql_threads);
  sql_options.cache_max_bytes_buffering =
      static_cast<size_t>(config_.sql_cache_max_bytes_buffering);
  sql_options.state_db.block_cache_bytes = static_cast<size_t>(config_.sql_state_block_cache_bytes);
  sql_options.state_db.write_buffer_bytes =
      static_cast<size_t>(config_.sql_state_write_buffer_bytes);
  kafka::Broker* b = broker_.get();
  sql_options.open_transactions = [b]() -> Result<std::unique_ptr<sql::TransactionalWriter>> {
    SLUICE_ASSIGN_OR_RETURN(auto producer,
                            kafka::LocalTransactionalProducer::open(*b, kSqlTransactionalId));
    return std::unique_ptr<sql::TransactionalWriter>(
        std::make_unique<TransactionWriter>(std::move(producer)));
  };
  sql_options.isolation = std::make_shared<Isolation>(*broker_);
  // The registry first: replaying the SQL statements re-creates AVRO sources, which read it.
  if (Status opened = open_schema_registry(); !opened.is_ok()) {
    stop_partial();
    return opened;
  }
  sql_options.registry = registry_.get();
  auto sql = sql::SqlService::start(*log_, sql_options);
  if (!sql.is_ok()) {
    stop_partial();
    return sql.status().with_context("cannot start the SQL engine");
  }
  sql_ = std::move(sql).value();

  kafka_ = std::make_unique<kafka::KafkaListener>(
      *runtime_, *broker_,
      kafka::ListenerOptions{config_.kafka_listen.host, config_.kafka_listen.port});
  Status st = kafka_->start();
  if (st.is_ok()) {
    auto adv = advertised(config_, kafka_->port());
    if (!adv.is_ok()) {
      st = adv.status().with_context("advertised listener");
    } else {
      broker_->set_advertised(adv->host, adv->port);
    }
  }
  if (st.is_ok()) {
    http_ = std::make_unique<HttpServer>(
        *runtime_, HttpServerOptions{config_.http_listen.host, config_.http_listen.port});
    add_admin_routes();
    add_ksql_routes(*http_, *sql_, KsqlRestInfo{kSluiceVersion, broker_->config().cluster_id});
    st = http_->start();
  }
  if (st.is_ok()) st = start_schema_registry();
  if (!st.is_ok()) {
    stop_partial();
    return st;
  }
  runtime_->start();
  broker_->start_timers();
  add_sql_metrics();
  started_ = true;
  if (demo_enabled_) {
    demo_ = std::make_unique<Demo>(*log_);
    if (Status d = demo_->start(); !d.is_ok()) spdlog::warn("demo: {}", d.to_string());
  }
  spdlog::info(
      "sluice serving: kafka on {}:{} (advertised {}:{}), http on {}:{}, schema registry on "
      "{}:{}, data in {}",
      config_.kafka_listen.host, kafka_->port(), broker_->config().advertised_host,
      broker_->config().advertised_port, config_.http_listen.host, http_->port(),
      config_.schema_registry_listen.host, registry_http_->port(), config_.data_dir);
  return Status::ok();
}

Status Server::open_schema_registry() {
  auto topic = std::make_unique<SchemaTopic>(*log_);
  SLUICE_RETURN_IF_ERROR(topic->open().with_context("schema registry"));
  SLUICE_ASSIGN_OR_RETURN(registry_, schema::SchemaRegistry::open(*topic));
  schema_log_ = std::move(topic);
  return Status::ok();
}

Status Server::start_schema_registry() {
  registry_http_ = std::make_unique<HttpServer>(
      *runtime_,
      HttpServerOptions{config_.schema_registry_listen.host, config_.schema_registry_listen.port});
  schema::add_schema_registry_routes(*registry_http_, *registry_);
  return registry_http_->start().with_context("schema registry listener");
}

void Server::stop_partial() {
  if (registry_http_) registry_http_->stop();
  if (kafka_) kafka_->stop();
  if (sql_) sql_->stop();
  http_.reset();
  registry_http_.reset();
  kafka_.reset();
  sql_.reset();       // its transactional writer uses the broker
  registry_.reset();  // after the SQL engine, whose AVRO codecs use it
  schema_log_.reset();
  broker_.reset();
  runtime_.reset();
  if (log_) log_->close().ignore_error();
  log_.reset();
}

void Server::add_sql_metrics() {
  sql::SqlService* service = sql_.get();
  sql_metrics_ = MetricsRegistry::global().add_collector([service](MetricsWriter& w) {
    sql::SqlServiceStats s = service->stats();
    ProcessMemory pm = process_memory();
    w.gauge("process_resident_memory_bytes", "Resident memory of the process", {},
            static_cast<double>(pm.resident_bytes));
    w.gauge("sluice_process_anonymous_memory_bytes",
            "Anonymous resident memory of the process (what sql.memory_limit_bytes bounds)", {},
            static_cast<double>(pm.anonymous_bytes));
    w.counter("sluice_sql_statements_total", "SQL statements run, by outcome", {{"result", "ok"}},
              static_cast<double>(s.statements_executed));
    w.counter("sluice_sql_statements_total", "SQL statements run, by outcome",
              {{"result", "failed"}}, static_cast<double>(s.statements_failed));
    w.counter("sluice_sql_records_processed_total", "Input records read by SQL queries", {},
              static_cast<double>(s.records_processed));
    w.counter("sluice_sql_record_errors_total",
              "Records SQL queries could not process (sent to the error topic)", {},
              static_cast<double>(s.record_errors));
    w.gauge("sluice_sql_queries_running", "Running SQL queries, by type", {{"type", "persistent"}},
            static_cast<double>(s.persistent_queries));
    w.gauge("sluice_sql_queries_running", "Running SQL queries, by type", {{"type", "push"}},
            static_cast<double>(s.transient_queries));
    for (const sql::StateStoreStats& st : service->state_stats()) {
      w.gauge("sluice_sql_state_cached_groups", "Groups of a stateful query held in memory",
              {{"query", st.query_id}}, static_cast<double>(st.cached_groups));
      w.gauge("sluice_sql_state_memory_bytes", "Memory of a stateful query's cached groups",
              {{"query", st.query_id}}, static_cast<double>(st.memory_bytes));
      w.gauge("sluice_sql_state_store_bytes",
              "Size of a stateful query's RocksDB store (estimate, memtables included)",
              {{"query", st.query_id}}, static_cast<double>(st.store_bytes));
      w.gauge("sluice_sql_state_store_keys", "Keys in a stateful query's RocksDB store (estimate)",
              {{"query", st.query_id}}, static_cast<double>(st.store_keys));
      w.counter("sluice_sql_late_records_total",
                "Records a windowed aggregation dropped because their windows had closed",
                {{"query", st.query_id}}, static_cast<double>(st.late_records));
    }
    w.gauge("sluice_sql_state_cache_fraction",
            "The state caches' size as a fraction of state_cache_bytes (below 1 while the "
            "memory governor keeps the process within sql.memory_limit_bytes)",
            {}, service->state_cache_fraction());
    sql::state::StateDb::Memory m = service->state_db_memory();
    const char* help =
        "Memory of the SQL state's RocksDB (block cache with the memtables charged "
        "to it, memtables, table readers outside the cache)";
    w.gauge("sluice_sql_state_rocksdb_bytes", help, {{"kind", "block_cache"}},
            static_cast<double>(m.block_cache));
    w.gauge("sluice_sql_state_rocksdb_bytes", help, {{"kind", "memtables"}},
            static_cast<double>(m.memtables));
    w.gauge("sluice_sql_state_rocksdb_bytes", help, {{"kind", "table_readers"}},
            static_cast<double>(m.table_readers));
  });
}

void Server::add_admin_routes() {
  http_->route("GET", "/metrics", [](const HttpRequest&) {
    HttpResponse r = HttpResponse::text(200, MetricsRegistry::global().render_prometheus());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  });
  http_->route("GET", "/health",
               [](const HttpRequest&) { return HttpResponse::json(200, R"({"status":"UP"})"); });
}

void Server::wait_for_shutdown_signal() {
  boost::asio::io_context ctx;
  boost::asio::signal_set signals(ctx, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code&, int sig) {
    spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  });
  ctx.run();
}

void Server::stop() {
  if (!started_) return;
  started_ = false;
  demo_.reset();
  kafka_->stop();
  http_->stop();
  registry_http_->stop();
  // Ends the transient queries (their clients get the end of their streams) and checkpoints
  // the persistent ones, while the log is still open.
  sql_->stop();
  MetricsRegistry::global().remove_collector(sql_metrics_);
  broker_->shutdown();
  runtime_->stop();
  runtime_->join();
  http_.reset();
  registry_http_.reset();
  kafka_.reset();
  sql_.reset();       // its transactional writer uses the broker
  registry_.reset();  // after the SQL engine, whose AVRO codecs use it
  schema_log_.reset();
  broker_.reset();
  runtime_.reset();
  Status st = log_->close();
  if (!st.is_ok()) spdlog::error("closing the log: {}", st.to_string());
  log_.reset();
  spdlog::info("sluice stopped cleanly");
  spdlog::default_logger()->flush();
}

}  // namespace sluice
