#include "common/process_memory.h"

#include <cstring>
#include <memory>

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(ProcessMemoryTest, CountsWhatTheProcessTouches) {
  ProcessMemory before = process_memory();
  ASSERT_GT(before.resident_bytes, 0u);
  EXPECT_LE(before.anonymous_bytes, before.resident_bytes);
  // 64 MB written (not just reserved) becomes resident anonymous memory.
  constexpr size_t kBytes = 64 << 20;
  std::unique_ptr<char[]> block(new char[kBytes]);
  std::memset(block.get(), 1, kBytes);
  ProcessMemory after = process_memory();
  EXPECT_GE(after.anonymous_bytes, before.anonymous_bytes + kBytes / 2);
  EXPECT_EQ(block[kBytes - 1], 1);
}

}  // namespace
}  // namespace sluice
