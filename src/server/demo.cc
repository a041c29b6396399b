#include "server/demo.h"

#include <fmt/format.h>

#include <random>

#include "common/clock.h"
#include "common/log.h"
#include "storage/log_manager.h"
#include "storage/record_batch.h"

namespace sluice {

Status Demo::start() {
  if (!log_.has_topic(kTopic)) SLUICE_RETURN_IF_ERROR(log_.create_topic(kTopic, 3, {}));
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void Demo::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Demo::run() {
  static constexpr const char* kPages[] = {"/",     "/pricing", "/docs",
                                           "/blog", "/signup",  "/checkout"};
  static constexpr const char* kRegions[] = {"eu-west", "us-east", "us-west", "ap-south"};
  std::mt19937 rng(42);
  for (int64_t n = 0;; ++n) {
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stopping_; })) return;
    }
    int user = static_cast<int>(rng() % 50);
    std::string key = fmt::format("User_{}", user);
    std::string value =
        fmt::format(R"({{"viewtime":{},"userid":"User_{}","pageid":"{}","region":"{}"}})",
                    wall_clock_ms(), user, kPages[rng() % 6], kRegions[rng() % 4]);
    RecordBatchBuilder b;
    b.add(wall_clock_ms(), as_bytes(key), as_bytes(value));
    auto bytes = b.build();
    // Keyed like Kafka's default partitioner would not matter for a demo; spread by user.
    Partition* p = log_.partition(kTopic, user % 3);
    if (!bytes.is_ok() || !p) continue;
    auto r = p->append(ByteSpan(bytes->data(), bytes->size()));
    if (!r.is_ok()) spdlog::warn("demo: append failed: {}", r.status().to_string());
  }
}

}  // namespace sluice
