#include "kafka/server/broker_configs.h"

#include <fmt/format.h>

#include <charconv>

#include "common/bytes.h"
#include "common/log.h"

namespace sluice::kafka {

namespace {

// The dynamic broker configs: Kafka's name, and the topic config it is the default of (none for
// the broker's own settings).
struct Spec {
  const char* name;
  const char* topic_key;
};
constexpr Spec kSpecs[] = {
    {"log.retention.ms", "retention.ms"},
    {"log.retention.bytes", "retention.bytes"},
    {"log.segment.bytes", "segment.bytes"},
    {"log.roll.ms", "segment.ms"},
    {"log.cleanup.policy", "cleanup.policy"},
    {"log.cleaner.delete.retention.ms", "delete.retention.ms"},
    {"log.index.interval.bytes", "index.interval.bytes"},
    {"log.message.timestamp.type", "message.timestamp.type"},
    {"message.max.bytes", "max.message.bytes"},
    {"log.fsync", "fsync"},  // Sluice's own, as the topic config
    {"log.fsync.interval.ms", "fsync.interval.ms"},
    {"num.partitions", nullptr},
    {"auto.create.topics.enable", nullptr},
};

const Spec* find_spec(const std::string& name) {
  for (const Spec& s : kSpecs) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

std::string setting_value(const BrokerSettings& s, const Spec& spec) {
  if (spec.topic_key) return describe_config(s.log).at(spec.topic_key);
  if (std::string_view(spec.name) == "num.partitions") return std::to_string(s.default_partitions);
  return s.auto_create_topics ? "true" : "false";
}

Status invalid(const std::string& name, const std::string& value, std::string_view why) {
  return Status::invalid_argument(
      fmt::format("Invalid value {} for configuration {}: {}", value, name, why));
}

Status apply_setting(BrokerSettings& s, const std::string& name, const std::string& value) {
  if (name == "num.partitions") {
    int32_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || n < 1) {
      return invalid(name, value, "must be an integer of at least 1");
    }
    s.default_partitions = n;
    return Status::ok();
  }
  if (value == "true" || value == "false") {
    s.auto_create_topics = value == "true";
    return Status::ok();
  }
  return invalid(name, value, "must be true or false");
}

}  // namespace

bool BrokerConfigs::is_dynamic(const std::string& name) {
  return find_spec(name) != nullptr;
}

Result<std::unique_ptr<BrokerConfigs>> BrokerConfigs::open(FileSystem& fs, std::string path,
                                                           BrokerSettings static_settings) {
  std::unique_ptr<BrokerConfigs> c(new BrokerConfigs(fs, std::move(path), static_settings));
  SLUICE_ASSIGN_OR_RETURN(bool exists, fs.exists(c->path_));
  if (!exists) return c;
  SLUICE_ASSIGN_OR_RETURN(auto bytes, fs.read_file(c->path_));
  std::string_view text = as_string_view(ByteSpan(bytes.data(), bytes.size()));
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    size_t dot = line.find('.');
    if (eq == std::string_view::npos || dot == std::string_view::npos || dot > eq) {
      return Status::corruption(fmt::format("{}: malformed line '{}'", c->path_, line));
    }
    std::string level(line.substr(0, dot)), name(line.substr(dot + 1, eq - dot - 1));
    std::string value(line.substr(eq + 1));
    if (!is_dynamic(name)) {
      spdlog::warn("{}: ignoring unknown config {}", c->path_, name);
      continue;
    }
    if (level == "default") {
      c->cluster_[name] = value;
    } else if (level == "broker") {
      c->broker_[name] = value;
    } else {
      return Status::corruption(fmt::format("{}: unknown level '{}'", c->path_, level));
    }
  }
  auto checked = c->resolve(c->cluster_, c->broker_);
  if (!checked.is_ok()) return checked.status().with_context(c->path_);
  return c;
}

Result<BrokerSettings> BrokerConfigs::resolve(const Values& cluster, const Values& broker) const {
  BrokerSettings s = static_;
  TopicConfig log_overrides;
  for (const Values* level : {&cluster, &broker}) {  // the broker's own level wins
    for (const auto& [name, value] : *level) {
      const Spec* spec = find_spec(name);
      if (!spec) return Status::unsupported(fmt::format("Unknown dynamic config {}", name));
      if (value.find_first_of("\r\n") != std::string::npos) {
        return invalid(name, value, "line breaks are not allowed");
      }
      if (spec->topic_key) {
        log_overrides[spec->topic_key] = value;
      } else {
        SLUICE_RETURN_IF_ERROR(apply_setting(s, name, value));
      }
    }
  }
  auto log = apply_overrides(static_.log, log_overrides);
  if (!log.is_ok()) return Status::invalid_argument(log.status().message());
  s.log = *log;
  return s;
}

BrokerSettings BrokerConfigs::effective() const {
  std::lock_guard<std::mutex> lock(mu_);
  // Every stored level was checked when it was set or loaded.
  return resolve(cluster_, broker_).value();
}

BrokerConfigs::Values BrokerConfigs::level_values(Level level) const {
  std::lock_guard<std::mutex> lock(mu_);
  return level == Level::kBroker ? broker_ : cluster_;
}

std::vector<BrokerConfigs::Entry> BrokerConfigs::describe(Level level) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Entry> out;
  if (level == Level::kClusterDefault) {
    for (const auto& [name, value] : cluster_) {
      out.push_back({name,
                     value,
                     ConfigSource::kDynamicDefaultBroker,
                     {{value, ConfigSource::kDynamicDefaultBroker}}});
    }
    return out;
  }
  BrokerSettings effective = resolve(cluster_, broker_).value();
  const BrokerSettings builtin;
  for (const Spec& spec : kSpecs) {
    Entry e;
    e.name = spec.name;
    e.value = setting_value(effective, spec);
    if (auto it = broker_.find(spec.name); it != broker_.end()) {
      e.synonyms.push_back({it->second, ConfigSource::kDynamicBroker});
    }
    if (auto it = cluster_.find(spec.name); it != cluster_.end()) {
      e.synonyms.push_back({it->second, ConfigSource::kDynamicDefaultBroker});
    }
    std::string static_value = setting_value(static_, spec);
    std::string builtin_value = setting_value(builtin, spec);
    if (static_value != builtin_value) {
      e.synonyms.push_back({static_value, ConfigSource::kStaticBroker});
    }
    e.synonyms.push_back({builtin_value, ConfigSource::kDefault});
    e.source = e.synonyms.front().source;
    out.push_back(std::move(e));
  }
  return out;
}

Result<BrokerSettings> BrokerConfigs::replace(Level level, Values values, bool validate_only) {
  std::lock_guard<std::mutex> lock(mu_);
  Values cluster = cluster_, broker = broker_;
  (level == Level::kBroker ? broker : cluster) = std::move(values);
  SLUICE_ASSIGN_OR_RETURN(BrokerSettings s, resolve(cluster, broker));
  if (validate_only) return s;
  SLUICE_RETURN_IF_ERROR(persist(cluster, broker));
  cluster_ = std::move(cluster);
  broker_ = std::move(broker);
  return s;
}

Status BrokerConfigs::persist(const Values& cluster, const Values& broker) {
  std::string text = "# Dynamic broker configs (AlterConfigs); written by sluice.\n";
  for (const auto& [name, value] : cluster) text += fmt::format("default.{}={}\n", name, value);
  for (const auto& [name, value] : broker) text += fmt::format("broker.{}={}\n", name, value);
  return fs_.write_file_atomic(path_, as_bytes(text));
}

}  // namespace sluice::kafka
