#include "base/ids.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace weir {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(Ids, AcceptsAirflowRunIdsAndOrdinaryNames) {
  for (const char* id :
       {"scheduled__2026-11-20T00:00:00+00:00", "manual__2026-12-05T01:02:03.123456+00:00",
        "yellow_taxi.v2", "a", "default_pool", "x~1", "...a"}) {
    EXPECT_TRUE(IsValidId(id)) << id;
    EXPECT_TRUE(CheckId(IdKind::kRun, id).has_value()) << id;
  }
  EXPECT_TRUE(IsValidId(std::string(250, 'a')));
}

TEST(Ids, RefusesWhatCouldLeaveAFolderOrForgeALine) {
  for (const char* id : {"", ".", "..", "...", "../etc", "/abs", "a/b", "a\\b", "a\nb", "a b",
                         "-rf", "a\tb", "é", "a;b", "$(x)", "a'b", "a\"b"}) {
    EXPECT_FALSE(IsValidId(id)) << id;
  }
  EXPECT_FALSE(IsValidId(std::string("a\0b", 3)));
  EXPECT_FALSE(IsValidId(std::string(251, 'a')));
}

TEST(Ids, OneMessageNamesTheKindAndEscapesTheValue) {
  auto s = CheckId(IdKind::kRun, "x\n[weir] forged");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.error().message, StartsWith("bad run_id \"x\\n[weir] forged\": use 1 to 250"));
  EXPECT_EQ(s.error().message.find('\n'), std::string::npos);
  auto v = CheckId(IdKind::kVariable, "a/b");
  EXPECT_THAT(v.error().message, StartsWith("bad variable key \"a/b\""));
  auto long_id = CheckId(IdKind::kPool, std::string(1000, '/'));
  EXPECT_THAT(long_id.error().message,
              StartsWith("bad pool \"" + std::string(100, '/') + "\"...: use"));
}

}  // namespace
}  // namespace weir
