#include <gtest/gtest.h>

#include "format/column_batch.h"
#include "format/value.h"

namespace sluice::format {
namespace {

TEST(VectorTest, FixedWidthValuesAndNulls) {
  Vector v(Type::bigint(), 100);
  for (size_t i = 0; i < 100; ++i) v.set<int64_t>(i, static_cast<int64_t>(i * 3));
  v.set_null(7);
  v.set_null(64);
  EXPECT_EQ(v.get<int64_t>(10), 30);
  EXPECT_TRUE(v.is_null(7));
  EXPECT_TRUE(v.is_null(64));
  EXPECT_FALSE(v.is_null(63));
  EXPECT_FALSE(v.validity().all_valid(100));
  EXPECT_TRUE(v.validity().all_valid(7));
  v.reset();
  EXPECT_TRUE(v.validity().all_valid(100));
}

TEST(VectorTest, StringsLiveInTheHeapAndSurviveGrowth) {
  Vector v(Type::string(), 4);
  std::string big(100000, 'x');
  v.set_string(0, "hello");
  v.set_string(1, big);
  v.set_string(2, "");
  v.reserve(1000);  // moves the views, not the bytes
  EXPECT_EQ(v.get_string(0), "hello");
  EXPECT_EQ(v.get_string(1), big);
  EXPECT_EQ(v.get_string(2), "");
  size_t reserved = v.heap().bytes_reserved();
  v.reset();
  v.set_string(0, "again");
  EXPECT_EQ(v.get_string(0), "again");
  EXPECT_LE(v.heap().bytes_reserved(), reserved);  // reused, not reallocated
}

TEST(VectorTest, ConstantVectorAnswersForEveryRow) {
  Vector v(Type::integer(), 8);
  v.set<int32_t>(0, 42);
  v.set_constant();
  EXPECT_EQ(v.get<int32_t>(5), 42);
  EXPECT_EQ(read_value(v, 7), Value::integer(42));
  v.set_null(0);
  EXPECT_TRUE(v.is_null(3));
}

TEST(VectorTest, ArraysUseOffsetsIntoOneChild) {
  Vector v(Type::array(Type::integer()), 4);
  for (uint32_t row = 0; row < 4; ++row) {
    uint32_t start = v.append_list_slots(row);  // row i has i elements
    for (uint32_t k = 0; k < row; ++k)
      v.child(0).set<int32_t>(start + k, static_cast<int32_t>(row * 10 + k));
    v.set_list_entry(row, {start, row});
  }
  EXPECT_EQ(v.list_size(), 6u);
  ListEntry e = v.list_entry(3);
  EXPECT_EQ(e.length, 3u);
  EXPECT_EQ(v.child(0).get<int32_t>(e.offset + 2), 32);
  EXPECT_EQ(read_value(v, 2).to_string(), "[20, 21]");
  v.reset();
  EXPECT_EQ(v.list_size(), 0u);
}

TEST(VectorTest, ListChildrenGrowPastTheParentCapacity) {
  Vector v(Type::array(Type::string()), 2);
  uint32_t start = v.append_list_slots(5000);
  for (uint32_t k = 0; k < 5000; ++k) v.child(0).set_string(start + k, std::to_string(k));
  v.set_list_entry(0, {start, 5000});
  EXPECT_EQ(v.child(0).get_string(4999), "4999");
  EXPECT_GE(v.child(0).capacity(), 5000u);
}

ColumnBatch make_batch() {
  return ColumnBatch({{"ID", Type::bigint()}, {"NAME", Type::string()}}, 16);
}

TEST(ColumnBatchTest, SchemaAndSystemColumns) {
  ColumnBatch b = make_batch();
  EXPECT_EQ(b.num_columns(), 2u);
  EXPECT_EQ(b.column_index("NAME"), 1);
  EXPECT_EQ(b.column_index("name"), -1);
  EXPECT_EQ(b.capacity(), 16u);
  for (size_t i = 0; i < 10; ++i) {
    b.column(0).set<int64_t>(i, static_cast<int64_t>(i));
    b.column(1).set_string(i, "n" + std::to_string(i));
    b.rowtime()[i] = 1000 + static_cast<int64_t>(i);
    b.partition()[i] = 2;
    b.offset()[i] = 500 + static_cast<int64_t>(i);
  }
  b.set_size(10);
  EXPECT_EQ(b.active_rows(), 10u);
  EXPECT_EQ(b.rowtime()[3], 1003);
  EXPECT_EQ(b.offset()[9], 509);
}

TEST(ColumnBatchTest, SelectionSlicesWithoutCopying) {
  ColumnBatch b = make_batch();
  for (size_t i = 0; i < 10; ++i) b.column(0).set<int64_t>(i, static_cast<int64_t>(i));
  b.set_size(10);
  // A filter keeps even ids.
  std::vector<uint32_t> sel;
  for (uint32_t i = 0; i < b.size(); ++i) {
    if (b.column(0).get<int64_t>(i) % 2 == 0) sel.push_back(i);
  }
  b.set_selection(std::move(sel));
  ASSERT_EQ(b.active_rows(), 5u);
  EXPECT_EQ(b.row(2), 4u);
  // Decoding errors on rows 4 and 5 drop row 4 from the selection; 5 was not selected.
  std::vector<uint32_t> bad = {4, 5};
  b.exclude_rows(bad);
  ASSERT_EQ(b.active_rows(), 4u);
  std::vector<int64_t> ids;
  for (size_t i = 0; i < b.active_rows(); ++i) ids.push_back(b.column(0).get<int64_t>(b.row(i)));
  EXPECT_EQ(ids, (std::vector<int64_t>{0, 2, 6, 8}));
  b.reset();
  EXPECT_FALSE(b.has_selection());
  EXPECT_EQ(b.size(), 0u);
}

TEST(ColumnBatchTest, RetainKeepsUnownedStringsAlive) {
  ColumnBatch b = make_batch();
  auto pool = std::make_shared<std::string>("abcdefghij");
  b.column(1).set_string_unowned(0, std::string_view(*pool).substr(2, 3));
  b.retain(pool);
  std::weak_ptr<std::string> weak = pool;
  pool.reset();
  EXPECT_EQ(b.column(1).get_string(0), "cde");
  b.reset();
  EXPECT_TRUE(weak.expired());
}

}  // namespace
}  // namespace sluice::format
