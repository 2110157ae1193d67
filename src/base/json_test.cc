#include "base/json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace weir {
namespace {

using ::testing::HasSubstr;

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(ParseJson, ReadsDocumentsUpToTheDepthLimit) {
  auto ok = ParseJson(Nested(64), "conf");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  auto obj = ParseJson(R"({"a": {"b": [1, "x]]]]]]]]", {"c": null}]}})", "conf");
  ASSERT_TRUE(obj.has_value()) << obj.error().message;
  EXPECT_EQ((*obj)["a"]["b"][1], "x]]]]]]]]");
}

TEST(ParseJson, RefusesDeepNestingBeforeBuildingAnything) {
  // 60,000 levels crashed the whole process (scheduler, API and UI) before the limit.
  auto deep = ParseJson(Nested(60000), "the request body");
  ASSERT_FALSE(deep.has_value());
  EXPECT_EQ(deep.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(deep.error().message,
              HasSubstr("the request body nests arrays and objects deeper than 64 levels"));
  auto objects = ParseJson(std::string(65, '{'), "--conf");
  EXPECT_FALSE(objects.has_value());
}

TEST(ParseJson, BracketsInsideStringsDoNotCount) {
  std::string text = "[\"" + std::string(100, '[') + "\\\"" + std::string(100, '{') + "\"]";
  auto parsed = ParseJson(text, "conf");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ((*parsed)[0].get<std::string>().size(), 201u);
}

TEST(ParseJson, NumbersOutOfRangeAreErrorsNotExceptions) {
  auto big = ParseJson(R"({"slots": 1e400})", "the request body");
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(big.error().message, HasSubstr("the request body"));
  EXPECT_THAT(big.error().message, HasSubstr("1e400"));
}

TEST(ParseJson, SyntaxErrorsNameTheInput) {
  auto bad = ParseJson("{\"a\": ", "--conf");
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error().message, HasSubstr("--conf is not valid JSON"));
}

}  // namespace
}  // namespace weir
