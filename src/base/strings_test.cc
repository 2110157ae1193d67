#include "base/strings.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

TEST(Strings, SplitKeepsEmptyFields) {
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
}

TEST(Strings, ClosestMatchSuggestsATypoButNotAStranger) {
  std::vector<std::string> keys = {"schedule", "start_date", "retries", "retry_delay"};
  EXPECT_EQ(ClosestMatch("schedul", keys), "schedule");
  EXPECT_EQ(ClosestMatch("retires", keys), "retries");
  EXPECT_EQ(ClosestMatch("xyzzy", keys), "");
  EXPECT_EQ(DidYouMean("strat_date", keys), " (did you mean 'start_date'?)");
}

TEST(Strings, ShellQuoteQuotesOnlyWhenNeeded) {
  EXPECT_EQ(ShellQuote("abc/def"), "abc/def");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
}

TEST(Strings, FormatBytesPicksAReadableUnit) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(999), "999 B");
  EXPECT_EQ(FormatBytes(4200), "4.2 KB");
  EXPECT_EQ(FormatBytes(118'300'000), "118.3 MB");
  EXPECT_EQ(FormatBytes(999'990'000), "1.0 GB");
}

}  // namespace
}  // namespace weir
