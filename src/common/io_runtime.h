// IoRuntime: a fixed set of worker threads, each running its own Asio event loop (io_context).
// Connections and partitions are pinned to one loop; cross-thread hand-off is by posting to the
// owning loop, never by sharing locks on the hot path.
//
// Thread-safety: start/stop/join are called from one controlling thread; next() and context(i)
// may be called from any thread once started.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace sluice {

class IoRuntime {
 public:
  // `threads` == 0 means one per core.
  explicit IoRuntime(unsigned threads = 0);
  ~IoRuntime();
  IoRuntime(const IoRuntime&) = delete;
  IoRuntime& operator=(const IoRuntime&) = delete;

  void start();
  // Asks every loop to stop; pending handlers are abandoned.
  void stop();
  void join();

  size_t size() const { return contexts_.size(); }
  // True between start() and stop(): only then do posted handlers run.
  bool running() const { return running_.load(); }
  boost::asio::io_context& context(size_t i) { return *contexts_[i]; }
  // Round-robin choice of a loop, for spreading new connections.
  boost::asio::io_context& next() { return *contexts_[next_.fetch_add(1) % contexts_.size()]; }

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<WorkGuard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> running_{false};
};

}  // namespace sluice
