#include "sql/engine/sql_service.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "common/log.h"

namespace sluice::sql {

namespace {

Status ensure_topic(TopicStore& store, const std::string& topic) {
  if (store.exists(topic)) return Status::ok();
  return store.create(topic, 1);
}

Status append_one(TopicStore& store, const std::string& topic, std::optional<std::string> key,
                  std::string value) {
  TopicRecord r;
  r.timestamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  r.key = std::move(key);
  r.value = std::move(value);
  std::vector<TopicRecord> one;
  one.push_back(std::move(r));
  return store.append(topic, 0, std::move(one)).status();
}

// Every record of partition 0 of a topic.
Result<std::vector<TopicRecord>> read_all(const TopicStore& store, const std::string& topic) {
  std::vector<TopicRecord> all;
  int64_t from = 0;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(std::vector<TopicRecord> chunk, store.read(topic, 0, from, 4096));
    if (chunk.empty()) return all;
    from = chunk.back().offset + 1;
    for (auto& r : chunk) all.push_back(std::move(r));
  }
}

}  // namespace

SqlService::SqlService(LogManager& log, SqlServiceOptions options)
    : options_(std::move(options)), store_(log), engine_(store_) {}

Result<std::unique_ptr<SqlService>> SqlService::start(LogManager& log, SqlServiceOptions options) {
  std::unique_ptr<SqlService> s(new SqlService(log, std::move(options)));
  for (const std::string* t :
       {&s->options_.command_topic, &s->options_.offsets_topic, &s->options_.error_topic}) {
    SLUICE_RETURN_IF_ERROR(ensure_topic(s->store_, *t));
  }
  SLUICE_RETURN_IF_ERROR(s->replay());
  SqlService* raw = s.get();
  s->engine_.set_error_handler([raw](const RecordError& e) {
    nlohmann::json j = {
        {"topic", e.topic}, {"partition", e.partition}, {"offset", e.offset}, {"error", e.message}};
    // Runs on the worker with mu_ held; the error topic is not an input of any query.
    Status st = append_one(raw->store_, raw->options_.error_topic, std::nullopt, j.dump());
    if (!st.is_ok()) spdlog::warn("sql: cannot record a bad record: {}", st.to_string());
  });
  s->worker_ = std::thread([raw] { raw->run(); });
  return s;
}

SqlService::~SqlService() {
  stop();
}

Status SqlService::replay() {
  SLUICE_ASSIGN_OR_RETURN(std::vector<TopicRecord> commands,
                          read_all(store_, options_.command_topic));
  size_t replayed = 0;
  for (const TopicRecord& c : commands) {
    if (!c.value) continue;
    auto r = engine_.execute_text(*c.value);
    if (!r) {
      spdlog::warn("sql: replaying '{}' failed: {}", *c.value, r.status().to_string());
      continue;
    }
    ++replayed;
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<TopicRecord> offsets,
                          read_all(store_, options_.offsets_topic));
  for (const TopicRecord& o : offsets) {
    if (!o.key || !o.value) continue;
    auto j = nlohmann::json::parse(*o.value, nullptr, false);
    if (j.is_discarded() || !j.is_array()) continue;
    committed_[*o.key] = j.get<std::vector<int64_t>>();
  }
  for (const auto& [id, offs] : committed_) engine_.restore_offsets(id, offs).ignore_error();
  if (replayed) spdlog::info("sql: replayed {} statements", replayed);
  return Status::ok();
}

Result<std::vector<StatementResult>> SqlService::execute(std::string_view sql) {
  std::vector<StatementResult> results;
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& text : split_statements(sql)) {
    SLUICE_ASSIGN_OR_RETURN(StatementResult r, engine_.execute_text(text));
    if (r.durable) {
      SLUICE_RETURN_IF_ERROR(
          append_one(store_, options_.command_topic, std::nullopt, r.statement_text));
    }
    results.push_back(std::move(r));
  }
  cv_.notify_all();
  return results;
}

std::vector<QueryInfo> SqlService::queries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return engine_.queries();
}

uint64_t SqlService::record_errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return engine_.record_errors();
}

Status SqlService::checkpoint_locked() {
  for (const auto& [id, offs] : engine_.query_offsets()) {
    auto it = committed_.find(id);
    if (it != committed_.end() && it->second == offs) continue;
    SLUICE_RETURN_IF_ERROR(
        append_one(store_, options_.offsets_topic, id, nlohmann::json(offs).dump()));
    committed_[id] = offs;
  }
  return Status::ok();
}

Status SqlService::poll_now() {
  std::lock_guard<std::mutex> lock(mu_);
  SLUICE_RETURN_IF_ERROR(engine_.poll().status());
  return checkpoint_locked();
}

void SqlService::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    auto polled = engine_.poll();
    if (!polled) spdlog::warn("sql: poll failed: {}", polled.status().to_string());
    Status st = checkpoint_locked();
    if (!st.is_ok()) spdlog::warn("sql: checkpoint failed: {}", st.to_string());
    cv_.wait_for(lock, options_.poll_interval);
  }
}

void SqlService::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  std::lock_guard<std::mutex> lock(mu_);
  checkpoint_locked().ignore_error();
}

}  // namespace sluice::sql
