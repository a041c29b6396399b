#include "server/config.h"

// Header-only and without exceptions: errors come back as values, like ours.
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <fmt/format.h>

#include <set>

namespace sluice {

Result<HostPort> parse_host_port(const std::string& s) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos)
    return Status::invalid_argument("expected HOST:PORT, got '" + s + "'");
  std::string host = s.substr(0, colon);
  std::string port_s = s.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  char* end = nullptr;
  long port = std::strtol(port_s.c_str(), &end, 10);
  if (port_s.empty() || *end != '\0' || port < 0 || port > 65535) {
    return Status::invalid_argument("bad port in '" + s + "'");
  }
  return HostPort{host, static_cast<uint16_t>(port)};
}

Status ServerConfig::validate() const {
  if (fsync != "always" && fsync != "interval" && fsync != "never") {
    return Status::invalid_argument("log.fsync must be always, interval or never, not '" + fsync +
                                    "'");
  }
  if (default_partitions < 1)
    return Status::invalid_argument("kafka.default_partitions must be >= 1");
  if (group_initial_rebalance_delay_ms < 0) {
    return Status::invalid_argument("kafka.group_initial_rebalance_delay_ms must be >= 0");
  }
  if (segment_bytes < 1024) return Status::invalid_argument("log.segment_bytes must be >= 1024");
  if (fsync_interval_ms < 1) return Status::invalid_argument("log.fsync_interval_ms must be >= 1");
  if (data_dir.empty()) return Status::invalid_argument("data_dir must not be empty");
  if (sql_error_topic.empty()) {
    return Status::invalid_argument("sql.error_topic must not be empty");
  }
  if (sql_threads < 0 || sql_threads > 1024) {
    return Status::invalid_argument("sql.threads must be between 0 and 1024");
  }
  if (sql_state_cache_bytes < 0) {
    return Status::invalid_argument("sql.state_cache_bytes must be >= 0");
  }
  if (sql_cache_max_bytes_buffering < 0) {
    return Status::invalid_argument("sql.cache_max_bytes_buffering must be >= 0");
  }
  if (sql_memory_limit_bytes < 0) {
    return Status::invalid_argument("sql.memory_limit_bytes must be >= 0");
  }
  if (sql_state_block_cache_bytes < 1 << 20) {
    return Status::invalid_argument("sql.state_block_cache_bytes must be >= 1048576");
  }
  if (sql_state_write_buffer_bytes < 1 << 20) {
    return Status::invalid_argument("sql.state_write_buffer_bytes must be >= 1048576");
  }
  return Status::ok();
}

namespace {

// Walks a TOML table, applying known keys and rejecting unknown ones.
class Applier {
 public:
  Applier(const std::string& path, ServerConfig& cfg) : path_(path), cfg_(cfg) {}

  Status apply(const toml::table& root) {
    for (const auto& [k, node] : root) {
      std::string key(k.str());
      if (key == "kafka" || key == "http" || key == "log" || key == "sql" ||
          key == "schema_registry") {
        const auto* t = node.as_table();
        if (!t) return error(node, key, "must be a table");
        for (const auto& [k2, n2] : *t)
          SLUICE_RETURN_IF_ERROR(set(key + "." + std::string(k2.str()), n2));
      } else {
        SLUICE_RETURN_IF_ERROR(set(key, node));
      }
    }
    return Status::ok();
  }

 private:
  Status set(const std::string& key, const toml::node& n) {
    if (key == "data_dir") return str(n, key, cfg_.data_dir);
    if (key == "log_level") return str(n, key, cfg_.log_level);
    if (key == "threads") {
      int64_t v = 0;
      SLUICE_RETURN_IF_ERROR(integer(n, key, v));
      cfg_.threads = static_cast<unsigned>(v);
      return Status::ok();
    }
    if (key == "kafka.listen" || key == "http.listen" || key == "schema_registry.listen") {
      std::string s;
      SLUICE_RETURN_IF_ERROR(str(n, key, s));
      auto hp = parse_host_port(s);
      if (!hp) return error(n, key, hp.status().message());
      (key == "kafka.listen"  ? cfg_.kafka_listen
       : key == "http.listen" ? cfg_.http_listen
                              : cfg_.schema_registry_listen) = *hp;
      return Status::ok();
    }
    if (key == "kafka.advertised") return str(n, key, cfg_.kafka_advertised);
    if (key == "kafka.auto_create_topics") {
      auto v = n.value<bool>();
      if (!v) return error(n, key, "must be a boolean");
      cfg_.auto_create_topics = *v;
      return Status::ok();
    }
    if (key == "kafka.default_partitions") {
      int64_t v = 0;
      SLUICE_RETURN_IF_ERROR(integer(n, key, v));
      cfg_.default_partitions = static_cast<int32_t>(v);
      return Status::ok();
    }
    if (key == "kafka.group_initial_rebalance_delay_ms")
      return integer(n, key, cfg_.group_initial_rebalance_delay_ms);
    if (key == "log.segment_bytes") return integer(n, key, cfg_.segment_bytes);
    if (key == "log.segment_ms") return integer(n, key, cfg_.segment_ms);
    if (key == "log.retention_ms") return integer(n, key, cfg_.retention_ms);
    if (key == "log.retention_bytes") return integer(n, key, cfg_.retention_bytes);
    if (key == "log.fsync") return str(n, key, cfg_.fsync);
    if (key == "log.fsync_interval_ms") return integer(n, key, cfg_.fsync_interval_ms);
    if (key == "sql.error_topic") return str(n, key, cfg_.sql_error_topic);
    if (key == "sql.threads") return integer(n, key, cfg_.sql_threads);
    if (key == "sql.state_cache_bytes") return integer(n, key, cfg_.sql_state_cache_bytes);
    if (key == "sql.cache_max_bytes_buffering") {
      return integer(n, key, cfg_.sql_cache_max_bytes_buffering);
    }
    if (key == "sql.state_block_cache_bytes") {
      return integer(n, key, cfg_.sql_state_block_cache_bytes);
    }
    if (key == "sql.memory_limit_bytes") return integer(n, key, cfg_.sql_memory_limit_bytes);
    if (key == "sql.state_write_buffer_bytes") {
      return integer(n, key, cfg_.sql_state_write_buffer_bytes);
    }
    return error(n, key, "unknown setting");
  }

  Status str(const toml::node& n, const std::string& key, std::string& out) {
    auto v = n.value<std::string>();
    if (!v) return error(n, key, "must be a string");
    out = *v;
    return Status::ok();
  }
  Status integer(const toml::node& n, const std::string& key, int64_t& out) {
    auto v = n.value<int64_t>();
    if (!v) return error(n, key, "must be an integer");
    out = *v;
    return Status::ok();
  }
  Status error(const toml::node& n, const std::string& key, const std::string& what) {
    return Status::invalid_argument(
        fmt::format("{}:{}: {}: {}", path_, n.source().begin.line, key, what));
  }

  const std::string& path_;
  ServerConfig& cfg_;
};

}  // namespace

Result<ServerConfig> load_config_file(const std::string& path, ServerConfig base) {
  toml::parse_result parsed = toml::parse_file(path);
  if (!parsed) {
    const auto& err = parsed.error();
    return Status::invalid_argument(fmt::format("{}:{}:{}: {}", path, err.source().begin.line,
                                                err.source().begin.column, err.description()));
  }
  Applier a(path, base);
  SLUICE_RETURN_IF_ERROR(a.apply(parsed.table()));
  SLUICE_RETURN_IF_ERROR(base.validate());
  return base;
}

}  // namespace sluice
