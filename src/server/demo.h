// The `make run` demo: a `pageviews` topic fed with a generated JSON pageview every 500 ms, so that
// a fresh `sluice serve --demo` has live data to consume with any Kafka client.
//
// Thread-safety: start() and stop() from the controlling thread; the feeder runs on its own thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/status.h"

namespace sluice {

class LogManager;

class Demo {
 public:
  explicit Demo(LogManager& log) : log_(log) {}
  ~Demo() { stop(); }

  static constexpr const char* kTopic = "pageviews";

  Status start();
  void stop();

 private:
  void run();

  LogManager& log_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace sluice
