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
  TaskPool pool(3);
  // Three tasks that each wait for the other two: they finish only if they run at once.
  std::atomic<int> arrived{0};
  std::vector<std::function<void()>> tasks(3, [&] {
    ++arrived;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (arrived.load() < 3 && std::chrono::steady_clock::now() < until) {
      std::this_thread::yield();
    }
  });
  pool.run(tasks);
  EXPECT_EQ(arrived.load(), 3);
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
