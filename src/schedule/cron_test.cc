#include "schedule/cron.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace weir {
namespace {

Time At(std::string_view iso) { return ParseDateTime(iso).value(); }

CronExpression Cron(std::string_view text) {
  auto cron = CronExpression::Parse(text);
  EXPECT_TRUE(cron.has_value()) << text << ": " << cron.error().message;
  return *cron;
}

std::string NextIso(std::string_view cron, std::string_view after) {
  auto next = Cron(cron).Next(At(after));
  return next ? FormatIso(*next) : "none";
}

std::string PrevIso(std::string_view cron, std::string_view before) {
  auto prev = Cron(cron).Prev(At(before));
  return prev ? FormatIso(*prev) : "none";
}

// The next `n` firings after `after`, in UTC.
std::vector<std::string> Firings(std::string_view cron, std::string_view after, int n) {
  CronExpression c = Cron(cron);
  std::vector<std::string> out;
  Time t = At(after);
  for (int i = 0; i < n; ++i) {
    auto next = c.Next(t);
    if (!next) break;
    out.push_back(FormatIso(*next));
    t = *next;
  }
  return out;
}

std::string ParseError(std::string_view text) {
  auto cron = CronExpression::Parse(text);
  EXPECT_FALSE(cron.has_value()) << text << " parsed";
  if (cron.has_value()) return "";
  EXPECT_EQ(cron.error().code, ErrorCode::kInvalidArgument);
  return cron.error().message;
}

TEST(CronNext, NextIsStrictlyAfterAndSkipsToTheMatchingMinute) {
  EXPECT_EQ(NextIso("0 6 * * *", "2021-06-01T05:59:59Z"), "2021-06-01T06:00:00Z");
  EXPECT_EQ(NextIso("0 6 * * *", "2021-06-01T06:00:00Z"), "2021-06-02T06:00:00Z");
  EXPECT_EQ(NextIso("* * * * *", "2021-06-01T06:00:30Z"), "2021-06-01T06:01:00Z");
  EXPECT_EQ(NextIso("59 23 31 12 *", "2021-06-01T00:00:00Z"), "2021-12-31T23:59:00Z");
}

TEST(CronNext, ListsRangesAndSteps) {
  EXPECT_EQ(Firings("*/15 * * * *", "2021-06-01T00:00:00Z", 4),
            (std::vector<std::string>{"2021-06-01T00:15:00Z", "2021-06-01T00:30:00Z",
                                      "2021-06-01T00:45:00Z", "2021-06-01T01:00:00Z"}));
  EXPECT_EQ(Firings("0 1-5/2 * * *", "2021-06-01T00:00:00Z", 4),
            (std::vector<std::string>{"2021-06-01T01:00:00Z", "2021-06-01T03:00:00Z",
                                      "2021-06-01T05:00:00Z", "2021-06-02T01:00:00Z"}));
  EXPECT_EQ(Firings("5,10 9,17 * * *", "2021-06-01T00:00:00Z", 4),
            (std::vector<std::string>{"2021-06-01T09:05:00Z", "2021-06-01T09:10:00Z",
                                      "2021-06-01T17:05:00Z", "2021-06-01T17:10:00Z"}));
  // "10/20" means from 10 to the end of the range, every 20.
  EXPECT_EQ(Firings("10/20 0 * * *", "2021-06-01T00:00:00Z", 3),
            (std::vector<std::string>{"2021-06-01T00:10:00Z", "2021-06-01T00:30:00Z",
                                      "2021-06-01T00:50:00Z"}));
}

TEST(CronNext, MonthAndWeekdayNamesAndSevenIsSunday) {
  // 2021-06-01 is a Tuesday.
  EXPECT_EQ(NextIso("0 0 * * SUN", "2021-06-01T00:00:00Z"), "2021-06-06T00:00:00Z");
  EXPECT_EQ(NextIso("0 0 * * 7", "2021-06-01T00:00:00Z"), "2021-06-06T00:00:00Z");
  EXPECT_EQ(NextIso("0 0 * * 0", "2021-06-01T00:00:00Z"), "2021-06-06T00:00:00Z");
  EXPECT_EQ(NextIso("0 0 * * fri-sat", "2021-06-01T00:00:00Z"), "2021-06-04T00:00:00Z");
  EXPECT_EQ(NextIso("0 0 * * 5-7", "2021-06-05T12:00:00Z"), "2021-06-06T00:00:00Z");
  EXPECT_EQ(NextIso("0 0 1 Mar,SEP *", "2021-06-01T00:00:00Z"), "2021-09-01T00:00:00Z");
  EXPECT_EQ(NextIso("0 9 * * MON-FRI", "2021-06-04T10:00:00Z"), "2021-06-07T09:00:00Z");
}

TEST(CronNext, DayOfMonthOrDayOfWeekWhenBothAreRestricted) {
  // Vixie: the 13th OR any Friday.
  EXPECT_EQ(Firings("0 0 13 * 5", "2021-06-01T00:00:00Z", 4),
            (std::vector<std::string>{"2021-06-04T00:00:00Z", "2021-06-11T00:00:00Z",
                                      "2021-06-13T00:00:00Z", "2021-06-18T00:00:00Z"}));
  // With day-of-month `*`, only the weekday restricts.
  EXPECT_EQ(NextIso("0 0 * * 5", "2021-06-01T00:00:00Z"), "2021-06-04T00:00:00Z");
  // With day-of-week `*`, only the day of month restricts.
  EXPECT_EQ(NextIso("0 0 13 * *", "2021-06-01T00:00:00Z"), "2021-06-13T00:00:00Z");
}

TEST(CronNext, PresetsMeanTheirExpressions) {
  EXPECT_EQ(NextIso("@hourly", "2021-06-01T10:20:00Z"), "2021-06-01T11:00:00Z");
  EXPECT_EQ(NextIso("@daily", "2021-06-01T10:20:00Z"), "2021-06-02T00:00:00Z");
  EXPECT_EQ(NextIso("@midnight", "2021-06-01T10:20:00Z"), "2021-06-02T00:00:00Z");
  EXPECT_EQ(NextIso("@weekly", "2021-06-01T10:20:00Z"), "2021-06-06T00:00:00Z");
  EXPECT_EQ(NextIso("@monthly", "2021-06-01T10:20:00Z"), "2021-07-01T00:00:00Z");
  EXPECT_EQ(NextIso("@yearly", "2021-06-01T10:20:00Z"), "2022-01-01T00:00:00Z");
  EXPECT_EQ(NextIso("@ANNUALLY", "2021-06-01T10:20:00Z"), "2022-01-01T00:00:00Z");
  EXPECT_EQ(Cron("@daily").expression(), "@daily");
}

TEST(CronNext, PrevIsStrictlyBefore) {
  EXPECT_EQ(PrevIso("0 6 * * *", "2021-06-01T06:00:00Z"), "2021-05-31T06:00:00Z");
  EXPECT_EQ(PrevIso("0 6 * * *", "2021-06-01T06:00:00.000001Z"), "2021-06-01T06:00:00Z");
  EXPECT_EQ(PrevIso("*/15 * * * *", "2021-06-01T00:00:00Z"), "2021-05-31T23:45:00Z");
  EXPECT_EQ(PrevIso("0 0 13 * 5", "2021-06-13T00:00:00Z"), "2021-06-11T00:00:00Z");
  EXPECT_EQ(PrevIso("0 6 2 * *", "2021-01-01T00:00:00Z"), "2020-12-02T06:00:00Z");
}

TEST(CronNext, RareSchedulesAreFoundQuickly) {
  // Leap days: 2024, then 2028. The search walks days, not minutes.
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(NextIso("0 0 29 2 *", "2021-06-01T00:00:00Z"), "2024-02-29T00:00:00Z");
  EXPECT_EQ(NextIso("0 0 29 2 *", "2024-02-29T00:00:00Z"), "2028-02-29T00:00:00Z");
  EXPECT_EQ(PrevIso("0 0 29 2 *", "2024-02-29T00:00:00Z"), "2020-02-29T00:00:00Z");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
}

TEST(CronParse, ErrorsNameTheFieldTheValueAndTheValidForm) {
  std::string e = ParseError("0 25 * * *");
  EXPECT_NE(e.find("'0 25 * * *'"), std::string::npos) << e;
  EXPECT_NE(e.find("field 2 (hour) value 25 is out of range 0-23"), std::string::npos) << e;
  EXPECT_NE(e.find("minute hour day-of-month month day-of-week"), std::string::npos) << e;

  e = ParseError("60 * * * *");
  EXPECT_NE(e.find("field 1 (minute) value 60 is out of range 0-59"), std::string::npos) << e;
  e = ParseError("0 0 0 * *");
  EXPECT_NE(e.find("field 3 (day-of-month) value 0 is out of range 1-31"), std::string::npos);
  e = ParseError("0 0 * FOO *");
  EXPECT_NE(e.find("field 4 (month) value 'FOO' is not valid; use 1-12 or JAN-DEC"),
            std::string::npos)
      << e;
  e = ParseError("0 0 * * 8");
  EXPECT_NE(e.find("field 5 (day-of-week) value 8 is out of range 0-7"), std::string::npos);
  e = ParseError("*/0 * * * *");
  EXPECT_NE(e.find("field 1 (minute) step '0'"), std::string::npos) << e;
  e = ParseError("0 1,,2 * * *");
  EXPECT_NE(e.find("empty list item"), std::string::npos) << e;
}

TEST(CronParse, RejectsWrongFieldCountsUnknownPresetsAndImpossibleDays) {
  std::string e = ParseError("0 6 * *");
  EXPECT_NE(e.find("it has 4 fields"), std::string::npos) << e;
  e = ParseError("0 6 * * * *");
  EXPECT_NE(e.find("it has 6 fields, and a sixth field would be seconds"), std::string::npos) << e;
  EXPECT_NE(e.find("weir schedules to the minute"), std::string::npos) << e;
  e = ParseError("0 6 * * * * *");
  EXPECT_NE(e.find("it has 7 fields"), std::string::npos) << e;
  e = ParseError("");
  EXPECT_NE(e.find("it has 0 fields"), std::string::npos) << e;
  e = ParseError("@daly");
  EXPECT_NE(e.find("did you mean '@daily'"), std::string::npos) << e;
  e = ParseError("0 0 30 2 *");
  EXPECT_NE(e.find("field 3 (day-of-month) '30' never occurs in field 4 (month) '2'"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("never run"), std::string::npos) << e;
  // Feb 29 exists, and with a weekday as well either may match.
  EXPECT_TRUE(CronExpression::Parse("0 0 29 2 *").has_value());
  EXPECT_TRUE(CronExpression::Parse("0 0 30 2 MON").has_value());
}

TEST(CronDescribe, CommonShapesReadAsSentences) {
  EXPECT_EQ(Cron("0 6 2 * *").Describe(), "At 06:00 on day 2 of every month");
  EXPECT_EQ(Cron("@daily").Describe(), "Every day at 00:00");
  EXPECT_EQ(Cron("30 1 * * *").Describe(), "Every day at 01:30");
  EXPECT_EQ(Cron("@hourly").Describe(), "Every hour");
  EXPECT_EQ(Cron("15 * * * *").Describe(), "Every hour at minute 15");
  EXPECT_EQ(Cron("*/15 * * * *").Describe(), "Every 15 minutes");
  EXPECT_EQ(Cron("* * * * *").Describe(), "Every minute");
  EXPECT_EQ(Cron("0 */2 * * *").Describe(), "Every 2 hours");
  EXPECT_EQ(Cron("@weekly").Describe(), "At 00:00 on Sunday");
  EXPECT_EQ(Cron("0 9 * * 1-5").Describe(), "At 09:00 on Monday through Friday");
  EXPECT_EQ(Cron("0 9,17 * * MON,WED").Describe(), "At 09:00 and 17:00 on Monday and Wednesday");
  EXPECT_EQ(Cron("@yearly").Describe(), "At 00:00 on day 1 of January");
  EXPECT_EQ(Cron("0 0 1,15 * *").Describe(), "At 00:00 on days 1 and 15 of every month");
  EXPECT_EQ(Cron("0 0 13 * 5").Describe(), "At 00:00 on day 13 or on Friday");
  EXPECT_EQ(Cron("*/10 9-17 * * *").Describe(), "Every 10 minutes during hours 9-17");
  EXPECT_EQ(Cron("0 12 * 6-8 *").Describe(), "At 12:00 every day in June through August");
}

}  // namespace
}  // namespace weir
