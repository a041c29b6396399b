#include "storage/log_manager.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/clock.h"

namespace sluice {

namespace {
constexpr const char* kMetadataFile = "topic.properties";
}

Result<std::unique_ptr<LogManager>> LogManager::open(FileSystem& fs, std::string data_dir,
                                                     const LogDefaults& defaults) {
  std::unique_ptr<LogManager> m(new LogManager(fs, std::move(data_dir), defaults));
  Status st = m->load();
  if (!st.is_ok()) return st.with_context(fmt::format("opening data dir {}", m->data_dir_));
  return m;
}

LogManager::~LogManager() {
  close().ignore_error();
}

std::string LogManager::topic_dir(const std::string& name) const {
  return path_join(path_join(data_dir_, "topics"), name);
}

std::string LogManager::partition_dir(const std::string& name, int32_t id) const {
  return path_join(topic_dir(name), std::to_string(id));
}

Status LogManager::load() {
  SLUICE_RETURN_IF_ERROR(fs_.mkdirs(data_dir_));
  SLUICE_ASSIGN_OR_RETURN(lock_, fs_.lock(path_join(data_dir_, "LOCK")));
  SLUICE_RETURN_IF_ERROR(fs_.mkdir(path_join(data_dir_, "topics")));
  std::string trash = path_join(data_dir_, "trash");
  SLUICE_RETURN_IF_ERROR(fs_.remove_all(trash));
  SLUICE_RETURN_IF_ERROR(fs_.mkdir(trash));
  SLUICE_ASSIGN_OR_RETURN(auto names, fs_.list(path_join(data_dir_, "topics")));
  for (const auto& n : names) SLUICE_RETURN_IF_ERROR(load_topic(n));
  return Status::ok();
}

Status LogManager::load_topic(const std::string& name) {
  std::string dir = topic_dir(name);
  std::string meta_path = path_join(dir, kMetadataFile);
  SLUICE_ASSIGN_OR_RETURN(bool have_meta, fs_.exists(meta_path));
  if (!have_meta) {
    // create_topic writes the metadata last; a topic directory without it never existed.
    spdlog::warn("removing {}: no {} (an interrupted topic creation)", dir, kMetadataFile);
    return fs_.remove_all(dir);
  }
  SLUICE_ASSIGN_OR_RETURN(auto bytes, fs_.read_file(meta_path));
  SLUICE_ASSIGN_OR_RETURN(TopicMetadata meta,
                          decode_topic_metadata(as_string_view(bytes), meta_path));
  auto cfg = apply_overrides(defaults(), meta.overrides);
  if (!cfg.is_ok()) return cfg.status().with_context(meta_path);
  auto t = std::make_unique<Topic>();
  t->meta = meta;
  t->config = *cfg;
  int64_t now = wall_clock_ms();
  for (int32_t i = 0; i < meta.partitions; ++i) {
    SLUICE_ASSIGN_OR_RETURN(auto p,
                            Partition::open(fs_, partition_dir(name, i), name, i, *cfg, now));
    t->partitions.push_back(std::move(p));
  }
  std::unique_lock lock(mu_);
  topics_[name] = std::move(t);
  return Status::ok();
}

Status LogManager::write_metadata(const std::string& name, const TopicMetadata& meta) {
  std::string text = encode_topic_metadata(meta);
  return fs_.write_file_atomic(path_join(topic_dir(name), kMetadataFile), as_bytes(text));
}

Status LogManager::create_topic(const std::string& name, int32_t partitions,
                                const TopicConfig& overrides) {
  SLUICE_RETURN_IF_ERROR(validate_topic_name(name));
  if (partitions < 1 || partitions > (1 << 20)) {
    return Status::invalid_argument(
        fmt::format("topic {}: partition count {} is not in [1, 1048576]", name, partitions));
  }
  std::lock_guard<std::mutex> admin(admin_mu_);
  SLUICE_ASSIGN_OR_RETURN(LogConfig cfg, apply_overrides(defaults(), overrides));
  if (has_topic(name)) return Status::already_exists(fmt::format("topic {} already exists", name));
  std::string dir = topic_dir(name);
  SLUICE_RETURN_IF_ERROR(fs_.remove_all(dir));  // debris of an interrupted creation
  SLUICE_RETURN_IF_ERROR(fs_.mkdir(dir));
  auto t = std::make_unique<Topic>();
  t->meta.partitions = partitions;
  t->meta.overrides = overrides;
  t->config = cfg;
  int64_t now = wall_clock_ms();
  for (int32_t i = 0; i < partitions; ++i) {
    SLUICE_ASSIGN_OR_RETURN(auto p,
                            Partition::open(fs_, partition_dir(name, i), name, i, cfg, now));
    t->partitions.push_back(std::move(p));
  }
  SLUICE_RETURN_IF_ERROR(fs_.fsync_dir(dir));
  SLUICE_RETURN_IF_ERROR(write_metadata(name, t->meta));
  SLUICE_RETURN_IF_ERROR(fs_.fsync_dir(path_join(data_dir_, "topics")));
  std::unique_lock lock(mu_);
  topics_[name] = std::move(t);
  return Status::ok();
}

Status LogManager::ensure_topic(const std::string& name, int32_t partitions,
                                const TopicConfig& required) {
  if (!has_topic(name)) {
    Status st = create_topic(name, partitions, required);
    if (st.code() != StatusCode::kAlreadyExists) return st;  // else created meanwhile: check it
  }
  SLUICE_ASSIGN_OR_RETURN(TopicInfo info, topic_info(name));
  TopicConfig repaired = info.overrides;
  std::string changed;
  for (const auto& [k, v] : required) {
    auto it = info.overrides.find(k);
    if (it != info.overrides.end() && it->second == v) continue;
    repaired[k] = v;
    changed += fmt::format("{}{}={}", changed.empty() ? "" : ", ", k, v);
  }
  if (changed.empty()) return Status::ok();
  spdlog::warn("topic {}: setting the configs its role needs: {}", name, changed);
  return alter_config(name, repaired);
}

Status LogManager::delete_topic(const std::string& name) {
  std::lock_guard<std::mutex> admin(admin_mu_);
  std::unique_ptr<Topic> t;
  {
    std::unique_lock lock(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return Status::not_found(fmt::format("topic {} does not exist", name));
    t = std::move(it->second);
    topics_.erase(it);
  }
  for (auto& p : t->partitions) p->close().ignore_error();  // its data is going away anyway
  {
    std::unique_lock lock(mu_);
    for (auto& p : t->partitions) graveyard_.push_back(std::move(p));
  }
  std::string trash =
      path_join(path_join(data_dir_, "trash"), fmt::format("{}-{}", name, monotonic_ns()));
  SLUICE_RETURN_IF_ERROR(fs_.rename(topic_dir(name), trash));
  SLUICE_RETURN_IF_ERROR(fs_.fsync_dir(path_join(data_dir_, "topics")));
  return fs_.remove_all(trash);
}

Status LogManager::add_partitions(const std::string& name, int32_t total) {
  std::lock_guard<std::mutex> admin(admin_mu_);
  TopicMetadata meta;
  LogConfig cfg;
  {
    std::shared_lock lock(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return Status::not_found(fmt::format("topic {} does not exist", name));
    meta = it->second->meta;
    cfg = it->second->config;
  }
  if (total < meta.partitions) {
    return Status::invalid_argument(fmt::format("topic {} has {} partitions; cannot shrink to {}",
                                                name, meta.partitions, total));
  }
  if (total == meta.partitions) return Status::ok();
  std::vector<std::unique_ptr<Partition>> added;
  int64_t now = wall_clock_ms();
  for (int32_t i = meta.partitions; i < total; ++i) {
    SLUICE_ASSIGN_OR_RETURN(auto p,
                            Partition::open(fs_, partition_dir(name, i), name, i, cfg, now));
    added.push_back(std::move(p));
  }
  SLUICE_RETURN_IF_ERROR(fs_.fsync_dir(topic_dir(name)));
  meta.partitions = total;
  SLUICE_RETURN_IF_ERROR(write_metadata(name, meta));
  std::unique_lock lock(mu_);
  auto& t = *topics_[name];
  t.meta.partitions = total;
  for (auto& p : added) t.partitions.push_back(std::move(p));
  return Status::ok();
}

Status LogManager::alter_config(const std::string& name, const TopicConfig& overrides) {
  std::lock_guard<std::mutex> admin(admin_mu_);
  SLUICE_ASSIGN_OR_RETURN(LogConfig cfg, apply_overrides(defaults(), overrides));
  TopicMetadata meta;
  {
    std::shared_lock lock(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return Status::not_found(fmt::format("topic {} does not exist", name));
    meta = it->second->meta;
  }
  meta.overrides = overrides;
  SLUICE_RETURN_IF_ERROR(write_metadata(name, meta));
  std::unique_lock lock(mu_);
  auto& t = *topics_[name];
  t.meta = meta;
  t.config = cfg;
  for (auto& p : t.partitions) p->set_config(cfg);
  return Status::ok();
}

LogDefaults LogManager::defaults() const {
  std::shared_lock lock(mu_);
  return defaults_;
}

Status LogManager::set_defaults(const LogDefaults& defaults) {
  std::lock_guard<std::mutex> admin(admin_mu_);
  std::map<std::string, LogConfig> configs;
  {
    std::shared_lock lock(mu_);
    for (const auto& [name, t] : topics_) {
      auto cfg = apply_overrides(defaults, t->meta.overrides);
      if (!cfg.is_ok()) return cfg.status().with_context("topic " + name);
      configs[name] = *cfg;
    }
  }
  std::unique_lock lock(mu_);
  defaults_ = defaults;
  for (auto& [name, t] : topics_) {  // admin_mu_: the same topics as above
    t->config = configs.at(name);
    for (auto& p : t->partitions) p->set_config(t->config);
  }
  return Status::ok();
}

std::vector<TopicInfo> LogManager::topics() const {
  std::shared_lock lock(mu_);
  std::vector<TopicInfo> out;
  for (const auto& [name, t] : topics_) {
    out.push_back({name, t->meta.partitions, t->meta.overrides, t->config});
  }
  return out;
}

Result<TopicInfo> LogManager::topic_info(const std::string& name) const {
  std::shared_lock lock(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return Status::not_found(fmt::format("topic {} does not exist", name));
  return TopicInfo{name, it->second->meta.partitions, it->second->meta.overrides,
                   it->second->config};
}

bool LogManager::has_topic(const std::string& name) const {
  std::shared_lock lock(mu_);
  return topics_.count(name) != 0;
}

Partition* LogManager::partition(const std::string& topic, int32_t id) const {
  std::shared_lock lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end() || id < 0 || static_cast<size_t>(id) >= it->second->partitions.size()) {
    return nullptr;
  }
  return it->second->partitions[static_cast<size_t>(id)].get();
}

std::vector<Partition*> LogManager::all_partitions() const {
  std::shared_lock lock(mu_);
  std::vector<Partition*> out;
  for (const auto& [name, t] : topics_) {
    for (const auto& p : t->partitions) out.push_back(p.get());
  }
  return out;
}

Status LogManager::run_maintenance(int64_t now_ms) {
  Status first;
  for (Partition* p : all_partitions()) {
    Status st = p->run_maintenance(now_ms);
    if (!st.is_ok()) {
      spdlog::error("maintenance of partition {}/{} failed: {}", p->topic(), p->id(),
                    st.to_string());
      if (first.is_ok()) first = st;
    }
  }
  return first;
}

Status LogManager::flush_all() {
  Status first;
  for (Partition* p : all_partitions()) {
    Status st = p->flush();
    if (!st.is_ok() && first.is_ok()) first = st;
  }
  return first;
}

Status LogManager::close() {
  Status first;
  for (Partition* p : all_partitions()) {
    Status st = p->close();
    if (!st.is_ok() && first.is_ok()) first = st;
  }
  return first;
}

}  // namespace sluice
