#include "base/sql_parameters.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

std::string Error(const Json& parameters, std::string_view name) {
  auto v = SqlParameterValue(parameters, name);
  return v ? "" : v.error().message;
}

TEST(SqlParameters, AListGivesPositionsFromOneAndAMapGivesNames) {
  Json list = {"a", 2};
  EXPECT_EQ(*SqlParameterValue(list, "1").value(), "a");
  EXPECT_EQ(*SqlParameterValue(list, "2").value(), 2);
  Json map = {{"day", "2021-03-05"}};
  EXPECT_EQ(*SqlParameterValue(map, "day").value(), "2021-03-05");
}

TEST(SqlParameters, AMissingValueNamesThePlaceholderAndHowToGiveIt) {
  EXPECT_EQ(Error(Json{"a"}, "2"),
            "placeholder number 2 (? or $2) has no value: parameters holds 1 value(s)");
  EXPECT_EQ(Error(Json{"a"}, "0"),
            "placeholder number 0 (? or $0) has no value: parameters holds 1 value(s)");
  EXPECT_EQ(Error(Json{"a"}, "day"),
            "placeholder $day has a name: give parameters as a map (day: value)");
  EXPECT_EQ(Error(Json{{"x", 1}}, "day"),
            "placeholder $day has no value: parameters has no key 'day'");
  EXPECT_EQ(Error(Json{{"x", 1}}, "1"),
            "placeholder number 1 (? or $1) is positional: give parameters as a list, or name it "
            "($name)");
  EXPECT_EQ(Error(Json(), "day"),
            "placeholder $day has no value: give values with parameters (a list for ?, a map for "
            "$name)");
  EXPECT_NE(Error(Json{"a"}, "99999999999999999999999"), "");
}

}  // namespace
}  // namespace weir
