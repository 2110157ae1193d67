// The cron syntax Airflow accepts through croniter: wrap-around ranges, Sunday as 7 at the
// end of a range and as the start of a step, @quarterly, L, W and #. Expected firings come
// from croniter's and Airflow's behaviour, and from a calendar.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "schedule/cron.h"

namespace weir {
namespace {

using Strings = std::vector<std::string>;

CronExpression Cron(std::string_view text) {
  auto cron = CronExpression::Parse(text);
  EXPECT_TRUE(cron.has_value()) << text << ": " << cron.error().message;
  return cron.value_or(CronExpression::Parse("* * * * *").value());
}

// The next `n` firing dates (UTC, "2024-01-31") after `after`.
Strings Dates(std::string_view cron, std::string_view after, int n) {
  CronExpression c = Cron(cron);
  Strings out;
  Time t = ParseDateTime(after).value();
  for (int i = 0; i < n; ++i) {
    auto next = c.Next(t);
    if (!next) break;
    out.push_back(FormatIso(*next).substr(0, 10));
    t = *next;
  }
  return out;
}

std::string ParseError(std::string_view text) {
  auto cron = CronExpression::Parse(text);
  EXPECT_FALSE(cron.has_value()) << text << " parsed";
  return cron.has_value() ? "" : cron.error().message;
}

TEST(CronSyntax, WeekdayRangesThroughSundayMeanWhatTheySay) {
  // 2024-06-03 is a Monday.
  EXPECT_EQ(Dates("0 0 * * Sat-Sun", "2024-06-03", 4),
            (Strings{"2024-06-08", "2024-06-09", "2024-06-15", "2024-06-16"}));
  EXPECT_EQ(Dates("0 0 * * Mon-Sun", "2024-06-03", 3),
            (Strings{"2024-06-04", "2024-06-05", "2024-06-06"}));
  EXPECT_EQ(Dates("0 0 * * Thu-Sun", "2024-06-03", 5),
            (Strings{"2024-06-06", "2024-06-07", "2024-06-08", "2024-06-09", "2024-06-13"}));
  EXPECT_EQ(Dates("0 0 * * 5-7", "2024-06-03", 3),
            (Strings{"2024-06-07", "2024-06-08", "2024-06-09"}));
}

TEST(CronSyntax, RangesThatStartAfterTheyEndWrapAroundAsCroniterReadsThem) {
  EXPECT_EQ(Dates("0 0 * * Thu-Tue", "2024-06-03", 6),
            (Strings{"2024-06-04", "2024-06-06", "2024-06-07", "2024-06-08", "2024-06-09",
                     "2024-06-10"}));
  EXPECT_EQ(Dates("0 0 1 Nov-Mar *", "2024-06-03", 6),
            (Strings{"2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01", "2025-03-01",
                     "2025-11-01"}));
  // Hours 22 to 2: 22, 23, 0, 1, 2.
  CronExpression night = Cron("0 22-2 * * *");
  Time t = ParseDateTime("2024-06-03T12:00:00Z").value();
  Strings hours;
  for (int i = 0; i < 5; ++i) {
    t = *night.Next(t);
    hours.push_back(FormatIso(t).substr(11, 2));
  }
  EXPECT_EQ(hours, (Strings{"22", "23", "00", "01", "02"}));
  // Stepped evenly across the wrap: 22, then 3 hours later 01 (croniter gives 02).
  EXPECT_EQ(Cron("0 22-3/3 * * *").Describe(), "Every day at 01:00 and 22:00");
  // A step carries on across the wrap: APR-JAN/3 is April, July, October, January.
  EXPECT_EQ(Dates("0 0 1 APR-JAN/3 *", "2024-03-03", 4),
            (Strings{"2024-04-01", "2024-07-01", "2024-10-01", "2025-01-01"}));
}

TEST(CronSyntax, AStepFromSevenStartsAtSunday) {
  // "0 0 * * 7/2" is Sunday, Tuesday, Thursday, Saturday; it used to never fire.
  EXPECT_EQ(Dates("0 0 * * 7/2", "2024-06-03", 4),
            (Strings{"2024-06-04", "2024-06-06", "2024-06-08", "2024-06-09"}));
  EXPECT_EQ(Dates("0 0 * * 7/1", "2024-06-03", 2), (Strings{"2024-06-04", "2024-06-05"}));
  EXPECT_EQ(Cron("0 0 * * 7/2").Describe(), "At 00:00 on Tuesday, Thursday, Saturday and Sunday");
  EXPECT_EQ(Dates("0 0 * * 7-7", "2024-06-03", 2), (Strings{"2024-06-09", "2024-06-16"}));
}

TEST(CronSyntax, QuarterlyIsThe1stOfEveryThirdMonth) {
  EXPECT_EQ(Dates("@quarterly", "2024-02-15", 4),
            (Strings{"2024-04-01", "2024-07-01", "2024-10-01", "2025-01-01"}));
  EXPECT_EQ(Cron("@quarterly").Describe(), "At 00:00 on day 1 of January, April, July and October");
}

TEST(CronSyntax, LIsTheLastDayOfTheMonthAlsoInLeapYears) {
  EXPECT_EQ(Dates("0 0 L * *", "2024-01-15", 4),
            (Strings{"2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"}));
  EXPECT_EQ(Dates("0 0 L 2 *", "2023-01-01", 2), (Strings{"2023-02-28", "2024-02-29"}));
  // 29-L: the 29th to the month's end (none in a 28-day February).
  EXPECT_EQ(Dates("0 0 29-L * *", "2023-01-30", 5),
            (Strings{"2023-01-31", "2023-03-29", "2023-03-30", "2023-03-31", "2023-04-29"}));
  EXPECT_EQ(Dates("0 0 1-L/8 * *", "2024-01-01", 4),
            (Strings{"2024-01-09", "2024-01-17", "2024-01-25", "2024-02-01"}));
  EXPECT_EQ(Dates("0 0 15,L * *", "2024-02-01", 3),
            (Strings{"2024-02-15", "2024-02-29", "2024-03-15"}));
  EXPECT_EQ(Cron("0 0 L * *").Describe(), "At 00:00 on the last day of every month");
}

TEST(CronSyntax, WIsTheNearestWeekdayWithinTheMonth) {
  // 2024-06-15 is a Saturday: 15W is Friday the 14th. 2024-09-15 is a Sunday: Monday the 16th.
  EXPECT_EQ(Dates("0 0 15W 6 *", "2024-01-01", 1), (Strings{"2024-06-14"}));
  EXPECT_EQ(Dates("0 0 15W 9 *", "2024-01-01", 1), (Strings{"2024-09-16"}));
  EXPECT_EQ(Dates("0 0 W15 7 *", "2024-01-01", 1), (Strings{"2024-07-15"}));
  // 2024-06-01 is a Saturday: 1W does not go back into May, it is Monday the 3rd.
  EXPECT_EQ(Dates("0 0 1W 6 *", "2024-01-01", 1), (Strings{"2024-06-03"}));
  // 2024-03-31 is a Sunday: 31W does not go into April, it is Friday the 29th.
  EXPECT_EQ(Dates("0 0 31W 3 *", "2024-01-01", 1), (Strings{"2024-03-29"}));
  // A day past the month's end is the last day: 31W in June 2024 (30th, a Sunday) is the 28th.
  EXPECT_EQ(Dates("0 0 31W 6 *", "2024-01-01", 1), (Strings{"2024-06-28"}));
  // LW: the last weekday. 2024-08-31 is a Saturday.
  EXPECT_EQ(Dates("0 0 LW 8 *", "2024-01-01", 1), (Strings{"2024-08-30"}));
  EXPECT_EQ(Cron("0 0 15W * *").Describe(),
            "At 00:00 on the weekday nearest day 15 of every month");
  EXPECT_NE(ParseError("0 0 15W,20 * *").find("W takes one day"), std::string::npos);
  EXPECT_NE(ParseError("0 0 32W * *").find("must be 1-31"), std::string::npos);
}

TEST(CronSyntax, HashIsTheNthWeekdayAndLTheLastOne) {
  EXPECT_EQ(Dates("0 0 * * sat#1", "2010-02-25", 2), (Strings{"2010-03-06", "2010-04-03"}));
  // croniter's test_nth_weekday: the fifth Wednesday exists in March, June, September 2010.
  EXPECT_EQ(Dates("0 0 * * wed#5", "2010-01-25", 3),
            (Strings{"2010-03-31", "2010-06-30", "2010-09-29"}));
  // The first of each weekday, Monday to Friday: June 2024 starts on a Saturday.
  EXPECT_EQ(Dates("0 0 * 6 MON-FRI#1", "2024-01-01", 5),
            (Strings{"2024-06-03", "2024-06-04", "2024-06-05", "2024-06-06", "2024-06-07"}));
  // The last Friday, in the three spellings.
  for (const char* last_friday : {"0 0 * * 5L", "0 0 * * FRIL", "0 0 * * L5"}) {
    EXPECT_EQ(Dates(last_friday, "2024-01-01", 3),
              (Strings{"2024-01-26", "2024-02-23", "2024-03-29"}))
        << last_friday;
  }
  EXPECT_EQ(Dates("0 0 * * sat#1,sun#2", "2024-06-01", 3),
            (Strings{"2024-06-09", "2024-07-06", "2024-07-14"}));
  EXPECT_EQ(Cron("0 0 * * SAT#1").Describe(), "At 00:00 on the first Saturday of the month");
  EXPECT_EQ(Cron("0 18 * * 5L").Describe(), "At 18:00 on the last Friday of the month");
  EXPECT_NE(ParseError("0 0 * * 1#6").find("the number after # must be 1-5"), std::string::npos);
  EXPECT_NE(ParseError("0 0 * * 1#0").find("the number after # must be 1-5"), std::string::npos);
  EXPECT_NE(ParseError("0 0 * * L").find("5L (or FRIL, L5) is the last Friday"), std::string::npos);
}

TEST(CronSyntax, QuestionMarkStandsAloneInADayField) {
  EXPECT_EQ(Dates("0 0 ? * MON", "2024-06-03", 1), (Strings{"2024-06-10"}));
  EXPECT_EQ(Dates("0 0 1 * ?", "2024-06-03", 1), (Strings{"2024-07-01"}));
  EXPECT_NE(ParseError("* * ?,* * *").find("may only stand alone in a day field"),
            std::string::npos);
  EXPECT_NE(ParseError("? * * * *").find("field 1 (minute)"), std::string::npos);
}

TEST(CronSyntax, AnExpressionThatCanNeverFireIsRefused) {
  std::string e = ParseError("0 0 31 4 *");
  EXPECT_NE(e.find("never run"), std::string::npos) << e;
  // The fifth Monday of February needs a leap year starting on a Monday: 2016, 2044.
  EXPECT_EQ(Dates("0 0 * 2 MON#5", "2000-01-01", 2), (Strings{"2016-02-29", "2044-02-29"}));
  // L in a month with W elsewhere is fine; a day that never occurs with a # is not refused
  // since either day field may match.
  EXPECT_TRUE(CronExpression::Parse("0 0 30 2 MON#1").has_value());
}

}  // namespace
}  // namespace weir
