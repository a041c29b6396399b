#include <sys/resource.h>

#include <cstdio>
#include <optional>

#include "cli/commands.h"
#include "common/log.h"
#include "server/server.h"

namespace sluice {

std::string version_string() {
  return std::string("sluice ") + kSluiceVersion;
}

namespace cli {

namespace {
int g_exit_code = 0;

// Storage keeps one descriptor open per segment and the listener one per client: lift the soft
// limit to the hard one (often 1024 -> 1M).
void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) spdlog::warn("cannot raise the open-file limit");
  }
}

void print_demo_banner(const ServerConfig& cfg, uint16_t http_port) {
  std::string kafka = "localhost:" + std::to_string(cfg.kafka_listen.port);
  std::printf(
      "\n"
      "  Sluice is running (Ctrl-C stops it).\n"
      "    Kafka      %s   e.g.  kcat -b %s -C -t pageviews\n"
      "    HTTP       http://localhost:%u/health  and  /metrics\n"
      "    data       %s\n"
      "  The demo writes a JSON pageview to topic 'pageviews' every 500 ms.\n\n",
      kafka.c_str(), kafka.c_str(), http_port, cfg.data_dir.c_str());
  std::fflush(stdout);
}

// Registers a flag that overrides a config-file value only when it is given on the command line.
template <typename T>
void override_flag(CLI::App* cmd, std::vector<std::function<void(ServerConfig&)>>& overrides,
                   const std::string& name, T ServerConfig::*member, const std::string& help) {
  auto value = std::make_shared<T>();
  CLI::Option* opt = cmd->add_option(name, *value, help);
  overrides.push_back([opt, value, member](ServerConfig& c) {
    if (opt->count() > 0) c.*member = *value;
  });
}
}  // namespace

int exit_code() {
  return g_exit_code;
}
void set_exit_code(int code) {
  g_exit_code = code;
}

void add_server_flags(CLI::App* cmd, ServeOptions& opts) {
  cmd->add_option("-c,--config", opts.config_file, "TOML config file (flags override it)")
      ->check(CLI::ExistingFile);
  auto& overrides = opts.overrides;
  override_flag(cmd, overrides, "--data-dir", &ServerConfig::data_dir,
                "Data directory [./sluice-data]");
  cmd->add_option("--kafka-listen", opts.kafka_listen, "Kafka listener HOST:PORT [0.0.0.0:9092]");
  cmd->add_option("--http-listen", opts.http_listen, "HTTP listener HOST:PORT [0.0.0.0:8080]");
  cmd->add_option("--schema-registry-listen", opts.schema_registry_listen,
                  "Schema Registry listener HOST:PORT [0.0.0.0:8081]");
  override_flag(cmd, overrides, "--advertised-listener", &ServerConfig::kafka_advertised,
                "HOST:PORT Kafka clients are told to connect to");
  override_flag(cmd, overrides, "--log-level", &ServerConfig::log_level,
                "trace|debug|info|warn|error [info]");
  override_flag(cmd, overrides, "--threads", &ServerConfig::threads,
                "I/O threads, 0 = one per core [0]");
  override_flag(cmd, overrides, "--auto-create-topics", &ServerConfig::auto_create_topics,
                "Create topics on first use [true]");
  override_flag(cmd, overrides, "--default-partitions", &ServerConfig::default_partitions,
                "Partitions of auto-created topics [1]");
  override_flag(cmd, overrides, "--group-initial-rebalance-delay-ms",
                &ServerConfig::group_initial_rebalance_delay_ms,
                "How long the first join of an empty consumer group waits for more members [3000]");
  override_flag(cmd, overrides, "--segment-bytes", &ServerConfig::segment_bytes,
                "Default segment.bytes [1 GiB]");
  override_flag(cmd, overrides, "--segment-ms", &ServerConfig::segment_ms,
                "Default segment.ms [7 days]");
  override_flag(cmd, overrides, "--retention-ms", &ServerConfig::retention_ms,
                "Default retention.ms, -1 = forever [7 days]");
  override_flag(cmd, overrides, "--retention-bytes", &ServerConfig::retention_bytes,
                "Default retention.bytes, -1 = unlimited [-1]");
  override_flag(cmd, overrides, "--fsync", &ServerConfig::fsync,
                "Default fsync policy: always|interval|never [interval]");
  override_flag(cmd, overrides, "--sql-error-topic", &ServerConfig::sql_error_topic,
                "Topic receiving records SQL queries cannot process [_sluice_errors]");
  override_flag(cmd, overrides, "--fsync-interval-ms", &ServerConfig::fsync_interval_ms,
                "fsync interval for 'interval' [1000]");
}

std::optional<ServerConfig> prepare_server(const ServeOptions& opts) {
  ServerConfig cfg;
  if (!opts.config_file.empty()) {
    auto loaded = load_config_file(opts.config_file);
    if (!loaded) {
      std::fprintf(stderr, "sluice: %s\n", loaded.status().message().c_str());
      return std::nullopt;
    }
    cfg = *loaded;
  }
  for (auto& o : opts.overrides) o(cfg);
  for (auto [flag, target] :
       {std::pair{&opts.kafka_listen, &cfg.kafka_listen},
        std::pair{&opts.http_listen, &cfg.http_listen},
        std::pair{&opts.schema_registry_listen, &cfg.schema_registry_listen}}) {
    if (flag->empty()) continue;
    auto hp = parse_host_port(*flag);
    if (!hp) {
      std::fprintf(stderr, "sluice: %s\n", hp.status().message().c_str());
      return std::nullopt;
    }
    *target = *hp;
  }
  if (!init_logging(cfg.log_level)) {
    std::fprintf(stderr, "sluice: unknown log level '%s'\n", cfg.log_level.c_str());
    return std::nullopt;
  }
  raise_fd_limit();
  return cfg;
}

void add_serve_command(CLI::App& app, ServeOptions& opts) {
  CLI::App* cmd = app.add_subcommand("serve", "Run the Sluice server (Kafka listener, HTTP, SQL)");
  add_server_flags(cmd, opts);
  cmd->add_flag("--demo", opts.demo, "Also start the demo pipeline (used by `make run`)");

  cmd->callback([&opts] {
    std::optional<ServerConfig> cfg = prepare_server(opts);
    if (!cfg) {
      set_exit_code(2);
      return;
    }
    Server server(*cfg, opts.demo);
    Status st = server.start();
    if (!st.is_ok()) {
      spdlog::critical("cannot start: {}", st.to_string());
      set_exit_code(1);
      return;
    }
    if (opts.demo) print_demo_banner(*cfg, server.http_port());
    server.wait_for_shutdown_signal();
    server.stop();
  });
}

}  // namespace cli
}  // namespace sluice
