#include "common/task_pool.h"

namespace sluice {

TaskPool::TaskPool(unsigned threads) {
  // Each worker starts having seen batch 0 (none): a run() that begins before the thread does
  // is still one it joins.
  for (unsigned i = 1; i < threads; ++i) threads_.emplace_back([this] { work(0); });
}

TaskPool::~TaskPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void TaskPool::take_tasks(std::unique_lock<std::mutex>& lock) {
  while (next_ < tasks_.size()) {
    const std::function<void()>& task = tasks_[next_++];
    lock.unlock();
    task();
    lock.lock();
    if (++finished_ == tasks_.size()) done_.notify_all();
  }
}

void TaskPool::run(std::span<const std::function<void()>> tasks) {
  if (tasks.empty()) return;
  std::unique_lock<std::mutex> lock(mu_);
  tasks_ = tasks;
  next_ = 0;
  finished_ = 0;
  ++batch_;
  if (!threads_.empty() && tasks.size() > 1) wake_.notify_all();
  take_tasks(lock);
  done_.wait(lock, [&] { return finished_ == tasks_.size(); });
  tasks_ = {};
}

void TaskPool::work(uint64_t seen) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || batch_ != seen; });
    if (stop_) return;
    seen = batch_;
    take_tasks(lock);
  }
}

}  // namespace sluice
