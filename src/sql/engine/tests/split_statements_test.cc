// split_statements with start offsets: where each statement begins in the script, past leading
// blanks and comments, so errors can name the file's line and column.
#include <gtest/gtest.h>

#include "sql/engine/engine.h"

namespace sluice::sql {
namespace {

TEST(SplitStatements, RecordsWhereEachStatementStarts) {
  std::string sql = "-- intro\nCREATE A;\n  /* c; */ SELECT ';' FROM B;  DROP C";
  std::vector<size_t> starts;
  auto parts = split_statements(sql, &starts);
  ASSERT_EQ(parts.size(), 3u);
  ASSERT_EQ(starts.size(), 3u);
  EXPECT_EQ(parts[0], "CREATE A;");
  EXPECT_EQ(sql.substr(starts[0], 6), "CREATE");
  EXPECT_EQ(parts[1], "SELECT ';' FROM B;");
  EXPECT_EQ(sql.substr(starts[1], 6), "SELECT");
  EXPECT_EQ(parts[2], "DROP C");
  EXPECT_EQ(sql.substr(starts[2], 4), "DROP");
  EXPECT_EQ(split_statements(sql), parts);  // the same split without offsets
}

}  // namespace
}  // namespace sluice::sql
