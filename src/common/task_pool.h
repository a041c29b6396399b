// TaskPool: a fixed set of threads that run batches of independent tasks. run() hands a batch's
// tasks out one at a time (the calling thread takes some too) and returns when every task of the
// batch has finished, so a caller can treat a batch like a parallel for-loop: the SQL engine polls
// its persistent queries this way, each query on one thread at a time, the queries spread over
// the cores.
//
// Thread-safety: run() is called by one thread at a time; tasks must not call run().
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

namespace sluice {

class TaskPool {
 public:
  // `threads` threads in all, the caller's included (0 or 1: run() runs the tasks itself).
  explicit TaskPool(unsigned threads);
  ~TaskPool();
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  unsigned threads() const { return static_cast<unsigned>(threads_.size()) + 1; }
  // Runs every task once, concurrently on the pool's threads, and waits for all of them.
  void run(std::span<const std::function<void()>> tasks);

 private:
  // A worker: takes tasks of every batch after `seen`.
  void work(uint64_t seen);
  // Runs tasks of the current batch until none is left to take. Requires `lock` on mu_.
  void take_tasks(std::unique_lock<std::mutex>& lock);

  std::mutex mu_;
  std::condition_variable wake_;                  // a new batch, or stop
  std::condition_variable done_;                  // the batch's last task finished
  std::span<const std::function<void()>> tasks_;  // guarded by mu_
  size_t next_ = 0;                               // guarded by mu_: the next task to take
  size_t finished_ = 0;                           // guarded by mu_
  uint64_t batch_ = 0;                            // guarded by mu_: batches started
  bool stop_ = false;                             // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace sluice
