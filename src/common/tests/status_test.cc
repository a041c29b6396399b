#include "common/status.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace sluice {

Result<int> parse_positive(int v) {
  if (v <= 0) return Status::invalid_argument("not positive");
  return v;
}

Result<int> twice(int v) {
  SLUICE_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return 2 * x;
}

TEST(Status, ErrnoMapping) {
  EXPECT_EQ(Status::from_errno(ENOSPC, "write").code(), StatusCode::kNoSpace);
  EXPECT_EQ(Status::from_errno(EACCES, "open").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Status::from_errno(EIO, "read").code(), StatusCode::kIoError);
  EXPECT_NE(Status::from_errno(ENOSPC, "write /x").message().find("write /x"), std::string::npos);
}

TEST(Status, ResultPropagates) {
  EXPECT_EQ(*twice(4), 8);
  auto r = twice(-1);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().with_context("ctx").message(), "ctx: not positive");
}

}  // namespace sluice
