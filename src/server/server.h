// Server: one Sluice process. Owns the I/O runtime, the log, the SQL service, the Kafka listener,
// the HTTP listener (admin routes and the ksqlDB REST API) and the Schema Registry's listener, and
// starts and stops them in order.
//
// Thread-safety: start(), wait_for_shutdown_signal() and stop() are called from the main thread.
#pragma once

#include <memory>

#include "common/io_runtime.h"
#include "common/status.h"
#include "server/config.h"
#include "server/http_server.h"

namespace sluice {
class LogManager;
class Demo;
namespace schema {
class SchemaLog;
class SchemaRegistry;
}  // namespace schema
namespace kafka {
class Broker;
class KafkaListener;
}  // namespace kafka
namespace sql {
class SqlService;
}  // namespace sql
}  // namespace sluice

namespace sluice {

// The version Sluice reports (`sluice version`, the REST API's /info).
inline constexpr const char* kSluiceVersion = "0.1.0";

class Server {
 public:
  // `demo`: also feed the demo topic (see server/demo.h).
  explicit Server(ServerConfig config, bool demo = false);
  ~Server();

  // Opens the data directory (recovering the log) and starts listening. On error nothing is left
  // running.
  Status start();
  // Blocks until SIGINT or SIGTERM.
  void wait_for_shutdown_signal();
  // Stops listeners, flushes and closes the log.
  void stop();

  const ServerConfig& config() const { return config_; }
  uint16_t http_port() const { return http_ ? http_->port() : 0; }
  uint16_t schema_registry_port() const { return registry_http_ ? registry_http_->port() : 0; }
  LogManager* log() { return log_.get(); }
  // The SQL engine (statements, persistent and transient queries); null when not started.
  sql::SqlService* sql() { return sql_.get(); }
  schema::SchemaRegistry* schema_registry() { return registry_.get(); }

 private:
  void add_admin_routes();
  Status open_schema_registry();
  Status start_schema_registry();
  void add_sql_metrics();
  // Releases whatever a failed start() had set up.
  void stop_partial();

  ServerConfig config_;
  std::unique_ptr<IoRuntime> runtime_;
  std::unique_ptr<LogManager> log_;
  std::unique_ptr<sql::SqlService> sql_;
  std::unique_ptr<kafka::Broker> broker_;
  std::unique_ptr<kafka::KafkaListener> kafka_;
  std::unique_ptr<HttpServer> http_;
  // The Schema Registry: its `_schemas` log, its state and its own listener.
  std::unique_ptr<schema::SchemaLog> schema_log_;
  std::unique_ptr<schema::SchemaRegistry> registry_;
  std::unique_ptr<HttpServer> registry_http_;
  std::unique_ptr<Demo> demo_;
  uint64_t sql_metrics_ = 0;  // the metrics collector id
  bool demo_enabled_ = false;
  bool started_ = false;
};

}  // namespace sluice
