#include "common/task_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

namespace sluice {
namespace {

TEST(TaskPool, RunsEveryTaskOnceAndWaitsForAll) {
  TaskPool pool(4);
  for (int batch = 0; batch < 200; ++batch) {
    std::vector<std::atomic<int>> ran(37);
    std::vector<std::function<void()>> tasks;
    for (size_t i = 0; i < ran.size(); ++i) tasks.emplace_back([&ran, i] { ++ran[i]; });
    pool.run(tasks);
    for (const auto& r : ran) ASSERT_EQ(r.load(), 1);
  }
}

TEST(TaskPool, TasksRunConcurrently) {
  // Run at once after the pool is made (before its threads may have started: the first batch
  // must still reach them), three tasks that each wait for the other two see all three arrive
  // only if they run at the same time.
  TaskPool pool(3);
  std::atomic<int> arrived{0}, met{0};
  std::vector<std::function<void()>> tasks(3, [&] {
    ++arrived;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (arrived.load() < 3 && std::chrono::steady_clock::now() < until) {
      std::this_thread::yield();
    }
    if (arrived.load() == 3) ++met;
  });
  pool.run(tasks);
  EXPECT_EQ(met.load(), 3) << "the tasks ran one after another";
}

TEST(TaskPool, OneThreadRunsTasksOnTheCaller) {
  TaskPool pool(1);
  std::set<std::thread::id> ids;
  std::vector<std::function<void()>> tasks(5, [&] { ids.insert(std::this_thread::get_id()); });
  pool.run(tasks);
  EXPECT_EQ(ids, std::set<std::thread::id>{std::this_thread::get_id()});
}

}  // namespace
}  // namespace sluice
