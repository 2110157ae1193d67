#include "base/status.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return Err(ErrorCode::kInvalidArgument, "{} is odd", v);
  return v / 2;
}

Result<int> Quarter(int v) {
  int h = TRY(Half(v));
  return TRY(Half(h));
}

Status Check(int v) {
  TRY_CONTEXT(Half(v), "checking");
  return {};
}

TEST(Status, TryPropagatesTheFirstError) {
  EXPECT_EQ(Quarter(8).value(), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "3 is odd");
}

TEST(Status, TryContextPrefixesTheMessage) {
  EXPECT_TRUE(Check(2).has_value());
  auto s = Check(3);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().message, "checking: 3 is odd");
}

}  // namespace
}  // namespace weir
