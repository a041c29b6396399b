#include "sql/state/change_buffer.h"

#include <gtest/gtest.h>

namespace sluice::sql::state {
namespace {

TEST(ChangeBuffer, RecordsBackToBackKeepTheirBoundsWhenTakenOver) {
  ChangeBuffer a;
  EXPECT_TRUE(a.empty());
  a.add("k1", "v1");
  a.add("", "");  // empty key and value are records too
  a.add_with("k3", [](std::string& out) { out += "written"; });
  ChangeBuffer b;
  b.add("k4", std::string(100, 'x'));
  a.take_all(b);
  EXPECT_TRUE(b.empty());
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a.key(0), "k1");
  EXPECT_EQ(a.value(0), "v1");
  EXPECT_EQ(a.key(1), "");
  EXPECT_EQ(a.value(1), "");
  EXPECT_EQ(a.key(2), "k3");
  EXPECT_EQ(a.value(2), "written");
  EXPECT_EQ(a.key(3), "k4");
  EXPECT_EQ(a.value(3), std::string(100, 'x'));
  ChangeBuffer empty;
  empty.take_all(a);  // into an empty buffer: the records move whole
  EXPECT_EQ(empty.size(), 4u);
  EXPECT_EQ(empty.value(2), "written");
  empty.release();
  EXPECT_TRUE(empty.empty());
}

}  // namespace
}  // namespace sluice::sql::state
