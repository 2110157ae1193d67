// Cron across DST transitions. Expected firings are written as wall time with the zone's
// offset at that instant, so "03:30:00-04:00" reads as "03:30 EDT".

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "schedule/cron.h"

namespace weir {
namespace {

using Strings = std::vector<std::string>;

const date::time_zone* Zone(std::string_view name) { return FindZone(name).value(); }

// Every firing in [from, to), as wall time with offset in `zone`. `from`/`to` are wall dates
// in the zone ("2021-03-14").
Strings Firings(std::string_view cron_text, std::string_view zone_name, std::string_view from,
                std::string_view to) {
  const date::time_zone* zone = Zone(zone_name);
  CronExpression cron = CronExpression::Parse(cron_text).value();
  Time t = ParseDateTime(from, zone).value() - Micros{1};
  Time end = ParseDateTime(to, zone).value();
  Strings out;
  while (auto next = cron.Next(t, zone)) {
    if (*next >= end) break;
    out.push_back(FormatIsoOffset(*next, zone));
    t = *next;
  }
  return out;
}

// The same window walked backwards with Prev, then put in forward order.
Strings FiringsBackwards(std::string_view cron_text, std::string_view zone_name,
                         std::string_view from, std::string_view to) {
  const date::time_zone* zone = Zone(zone_name);
  CronExpression cron = CronExpression::Parse(cron_text).value();
  Time start = ParseDateTime(from, zone).value();
  Time t = ParseDateTime(to, zone).value();
  Strings out;
  while (auto prev = cron.Prev(t, zone)) {
    if (*prev < start) break;
    out.push_back(FormatIsoOffset(*prev, zone));
    t = *prev;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

TEST(CronDst, NewYorkSpringForwardShiftsTheMissingTimeByTheGap) {
  // 2021-03-14 02:00 EST jumps to 03:00 EDT: 02:30 does not exist and runs at 03:30 EDT.
  EXPECT_EQ(Firings("30 2 * * *", "America/New_York", "2021-03-13", "2021-03-16"),
            (Strings{"2021-03-13T02:30:00-05:00", "2021-03-14T03:30:00-04:00",
                     "2021-03-15T02:30:00-04:00"}));
  auto ny = Zone("America/New_York");
  auto next = CronExpression::Parse("30 2 * * *")->Next(ParseDateTime("2021-03-14").value(), ny);
  EXPECT_EQ(FormatIso(*next), "2021-03-14T07:30:00Z");
  EXPECT_EQ(Firings("30 1 * * *", "America/New_York", "2021-03-13", "2021-03-16"),
            (Strings{"2021-03-13T01:30:00-05:00", "2021-03-14T01:30:00-05:00",
                     "2021-03-15T01:30:00-04:00"}));
}

TEST(CronDst, NewYorkSpringForwardHourlyRunsTwentyThreeTimes) {
  Strings hourly = Firings("0 * * * *", "America/New_York", "2021-03-14", "2021-03-15");
  ASSERT_EQ(hourly.size(), 23u);
  EXPECT_EQ(hourly[0], "2021-03-14T00:00:00-05:00");
  EXPECT_EQ(hourly[1], "2021-03-14T01:00:00-05:00");
  EXPECT_EQ(hourly[2], "2021-03-14T03:00:00-04:00");
  EXPECT_EQ(hourly[22], "2021-03-14T23:00:00-04:00");
}

TEST(CronDst, TimesShiftedOutOfTheGapNeverFireTwice) {
  // 02:00 and 02:30 shift onto 03:00 and 03:30, which match too: each instant fires once.
  EXPECT_EQ(Firings("0,30 2,3 * * *", "America/New_York", "2021-03-14", "2021-03-15"),
            (Strings{"2021-03-14T03:00:00-04:00", "2021-03-14T03:30:00-04:00"}));
}

TEST(CronDst, NewYorkFallBackFixedHourFiresOnceAtTheSecondOccurrence) {
  // 2021-11-07 02:00 EDT falls back to 01:00 EST: 01:00-01:59 happens twice. As Airflow
  // (make_aware with fold=1), a fixed hour fires at the second, standard-time, occurrence.
  EXPECT_EQ(Firings("30 1 * * *", "America/New_York", "2021-11-06", "2021-11-09"),
            (Strings{"2021-11-06T01:30:00-04:00", "2021-11-07T01:30:00-05:00",
                     "2021-11-08T01:30:00-05:00"}));
  EXPECT_EQ(Firings("30 2 * * *", "America/New_York", "2021-11-06", "2021-11-09"),
            (Strings{"2021-11-06T02:30:00-04:00", "2021-11-07T02:30:00-05:00",
                     "2021-11-08T02:30:00-05:00"}));
  EXPECT_EQ(Firings("*/30 1 * * *", "America/New_York", "2021-11-07", "2021-11-08"),
            (Strings{"2021-11-07T01:00:00-05:00", "2021-11-07T01:30:00-05:00"}));
}

TEST(CronDst, NewYorkFallBackHourlyRunsTwentyFiveTimes) {
  Strings hourly = Firings("0 * * * *", "America/New_York", "2021-11-07", "2021-11-08");
  ASSERT_EQ(hourly.size(), 25u);
  EXPECT_EQ(hourly[1], "2021-11-07T01:00:00-04:00");
  EXPECT_EQ(hourly[2], "2021-11-07T01:00:00-05:00");
  EXPECT_EQ(hourly[3], "2021-11-07T02:00:00-05:00");
  // Only an hour field that covers every hour fires twice: a step does not (Airflow's
  // _covers_every_hour), so "1-3/2" fires at the second 01:30.
  EXPECT_EQ(Firings("30 1-3/2 * * *", "America/New_York", "2021-11-07", "2021-11-08"),
            (Strings{"2021-11-07T01:30:00-05:00", "2021-11-07T03:30:00-05:00"}));
  EXPECT_EQ(Firings("0 */2 * * *", "America/New_York", "2021-11-07", "2021-11-07T04:00").size(),
            2u);
  EXPECT_EQ(Firings("0 0-23 * * *", "America/New_York", "2021-11-07", "2021-11-08").size(), 25u);
}

TEST(CronDst, BerlinSpringForward) {
  // 2021-03-28 02:00 CET jumps to 03:00 CEST.
  EXPECT_EQ(Firings("30 2 * * *", "Europe/Berlin", "2021-03-27", "2021-03-30"),
            (Strings{"2021-03-27T02:30:00+01:00", "2021-03-28T03:30:00+02:00",
                     "2021-03-29T02:30:00+02:00"}));
  EXPECT_EQ(Firings("30 1 * * *", "Europe/Berlin", "2021-03-28", "2021-03-29"),
            (Strings{"2021-03-28T01:30:00+01:00"}));
  Strings hourly = Firings("0 * * * *", "Europe/Berlin", "2021-03-28", "2021-03-29");
  ASSERT_EQ(hourly.size(), 23u);
  EXPECT_EQ(hourly[1], "2021-03-28T01:00:00+01:00");
  EXPECT_EQ(hourly[2], "2021-03-28T03:00:00+02:00");
}

TEST(CronDst, BerlinFallBack) {
  // 2021-10-31 03:00 CEST falls back to 02:00 CET: 02:00-02:59 happens twice.
  EXPECT_EQ(Firings("30 2 * * *", "Europe/Berlin", "2021-10-30", "2021-11-02"),
            (Strings{"2021-10-30T02:30:00+02:00", "2021-10-31T02:30:00+01:00",
                     "2021-11-01T02:30:00+01:00"}));
  EXPECT_EQ(Firings("30 1 * * *", "Europe/Berlin", "2021-10-31", "2021-11-01"),
            (Strings{"2021-10-31T01:30:00+02:00"}));
  Strings hourly = Firings("0 * * * *", "Europe/Berlin", "2021-10-31", "2021-11-01");
  ASSERT_EQ(hourly.size(), 25u);
  EXPECT_EQ(hourly[2], "2021-10-31T02:00:00+02:00");
  EXPECT_EQ(hourly[3], "2021-10-31T02:00:00+01:00");
  EXPECT_EQ(hourly[4], "2021-10-31T03:00:00+01:00");
}

TEST(CronDst, TransitionsAtMidnightAreHandled) {
  // Santiago falls back from 24:00 to 23:00 on 2021-04-03 and springs forward from 00:00 to
  // 01:00 on 2021-09-05, so that day has no midnight at all.
  EXPECT_EQ(Firings("0 * * * *", "America/Santiago", "2021-04-03", "2021-04-04").size(), 25u);
  EXPECT_EQ(Firings("0 0 * * *", "America/Santiago", "2021-09-04", "2021-09-07"),
            (Strings{"2021-09-04T00:00:00-04:00", "2021-09-05T01:00:00-03:00",
                     "2021-09-06T00:00:00-03:00"}));
}

TEST(CronDst, AnOverlapAcrossMidnightInterleavesTwoWallDays) {
  // Goose Bay fell back from 00:01 ADT to 23:01 AST on 2010-11-07: 23:01-00:00 happened
  // twice, so the 7th's first midnight comes before the 6th's second 23:30.
  Strings expected = {"2010-11-06T23:00:00-03:00", "2010-11-06T23:30:00-03:00",
                      "2010-11-07T00:00:00-03:00", "2010-11-06T23:30:00-04:00",
                      "2010-11-07T00:00:00-04:00", "2010-11-07T00:30:00-04:00"};
  EXPECT_EQ(Firings("0,30 * * * *", "America/Goose_Bay", "2010-11-06T23:00", "2010-11-07T00:31"),
            expected);
  EXPECT_EQ(
      FiringsBackwards("0,30 * * * *", "America/Goose_Bay", "2010-11-06T23:00", "2010-11-07T00:31"),
      expected);
}

TEST(CronDst, PrevWalksTheSameFiringsBackwards) {
  struct Case {
    const char* cron;
    const char* zone;
    const char* from;
    const char* to;
  };
  const Case cases[] = {
      {"0 * * * *", "America/New_York", "2021-03-13", "2021-03-16"},
      {"0 * * * *", "America/New_York", "2021-11-06", "2021-11-09"},
      {"30 2 * * *", "America/New_York", "2021-03-13", "2021-03-16"},
      {"30 1 * * *", "America/New_York", "2021-11-06", "2021-11-09"},
      {"*/20 * * * *", "Europe/Berlin", "2021-10-30", "2021-11-01"},
      {"0,30 2,3 * * *", "Europe/Berlin", "2021-03-27", "2021-03-30"},
      {"30 1-3/2 * * *", "America/New_York", "2021-11-06", "2021-11-09"},
      {"0 * * * *", "America/Santiago", "2021-04-02", "2021-04-05"},
      {"0 0 * * *", "America/Santiago", "2021-09-03", "2021-09-07"},
  };
  for (const Case& c : cases) {
    Strings forward = Firings(c.cron, c.zone, c.from, c.to);
    EXPECT_FALSE(forward.empty());
    EXPECT_EQ(FiringsBackwards(c.cron, c.zone, c.from, c.to), forward) << c.cron << " " << c.zone;
  }
}

// Airflow's tests/timetables/test_interval_timetable.py, TestCronIntervalDst: the interval
// boundaries of "0 2 * * *" and "0 3 * * *" in Europe/Zurich across the 2023-10-29 fall-back
// (03:00+02:00 -> 02:00+01:00), and "*/30 * * * *" through the fold (test_fold_scheduling).
TEST(CronDst, ZurichExitingFoldEndsOnTheSecondTwoOClockAsAirflow) {
  EXPECT_EQ(Firings("0 2 * * *", "Europe/Zurich", "2023-10-27", "2023-10-31"),
            (Strings{"2023-10-27T02:00:00+02:00", "2023-10-28T02:00:00+02:00",
                     "2023-10-29T02:00:00+01:00", "2023-10-30T02:00:00+01:00"}));
  auto zurich = Zone("Europe/Zurich");
  auto cron = CronExpression::Parse("0 2 * * *").value();
  // One run a day: after the 28th's run the next is 2023-10-29T01:00Z, then 2023-10-30T01:00Z.
  Time next = *cron.Next(ParseDateTime("2023-10-28T00:00:00Z").value(), zurich);
  EXPECT_EQ(FormatIso(next), "2023-10-29T01:00:00Z");
  EXPECT_EQ(FormatIso(*cron.Next(next, zurich)), "2023-10-30T01:00:00Z");
  EXPECT_EQ(FormatIso(*cron.Prev(ParseDateTime("2023-10-30T01:00:00Z").value(), zurich)),
            "2023-10-29T01:00:00Z");
  // test_exiting_exact: 03:00 exists once.
  EXPECT_EQ(Firings("0 3 * * *", "Europe/Zurich", "2023-10-28", "2023-10-30"),
            (Strings{"2023-10-28T03:00:00+02:00", "2023-10-29T03:00:00+01:00"}));
  // test_fold_scheduling: every half hour runs through both 02:00-02:59.
  EXPECT_EQ(Firings("*/30 * * * *", "Europe/Zurich", "2023-10-29T01:30", "2023-10-29T03:01"),
            (Strings{"2023-10-29T01:30:00+02:00", "2023-10-29T02:00:00+02:00",
                     "2023-10-29T02:30:00+02:00", "2023-10-29T02:00:00+01:00",
                     "2023-10-29T02:30:00+01:00", "2023-10-29T03:00:00+01:00"}));
}

// dagster's cron tests agree with Airflow: the repeated wall time is the later one for
// daily, weekly and monthly forms in Europe/Berlin, US/Central, US/Pacific and
// Australia/Sydney.
TEST(CronDst, RepeatedWallTimesFireOnceAtTheLaterOccurrenceInEveryZone) {
  EXPECT_EQ(Firings("30 2 * * *", "Europe/Berlin", "2023-10-29", "2023-10-30"),
            (Strings{"2023-10-29T02:30:00+01:00"}));
  EXPECT_EQ(Firings("0 2 * * 0", "Europe/Berlin", "2023-10-29", "2023-10-30"),
            (Strings{"2023-10-29T02:00:00+01:00"}));
  EXPECT_EQ(Firings("0 2 29 10 *", "Europe/Berlin", "2023-10-29", "2023-10-30"),
            (Strings{"2023-10-29T02:00:00+01:00"}));
  // US/Central falls back at 02:00 CDT on 2023-11-05, the 5th: "0 1 5 * *" fires at 01:00 CST.
  EXPECT_EQ(Firings("0 1 5 * *", "US/Central", "2023-11-01", "2023-12-01"),
            (Strings{"2023-11-05T01:00:00-06:00"}));
  EXPECT_EQ(Firings("30 1 * * *", "US/Pacific", "2023-11-05", "2023-11-06"),
            (Strings{"2023-11-05T01:30:00-08:00"}));
  // Sydney falls back at 03:00 AEDT on 2023-04-02 to 02:00 AEST.
  EXPECT_EQ(Firings("30 2 * * *", "Australia/Sydney", "2023-04-01", "2023-04-03"),
            (Strings{"2023-04-01T02:30:00+11:00", "2023-04-02T02:30:00+10:00"}));
}

TEST(CronDst, LastDayAndNthWeekdayKeepTheDstRules) {
  // The last Sunday of October is Europe's fall-back day: "0 2 * 10 0L" fires at the second
  // 02:00, and "30 2 L 3 *" on 2024-03-31 (spring-forward, Berlin) shifts to 03:30.
  EXPECT_EQ(Firings("0 2 * 10 0L", "Europe/Berlin", "2023-10-01", "2023-11-01"),
            (Strings{"2023-10-29T02:00:00+01:00"}));
  EXPECT_EQ(Firings("30 2 L 3 *", "Europe/Berlin", "2024-03-01", "2024-04-01"),
            (Strings{"2024-03-31T03:30:00+02:00"}));
  // The second Sunday of March is New York's spring-forward day.
  EXPECT_EQ(Firings("30 2 * 3 SUN#2", "America/New_York", "2021-03-01", "2021-04-01"),
            (Strings{"2021-03-14T03:30:00-04:00"}));
}

TEST(CronDst, HourlyFiresEveryHourOfTheYearInAWholeHourZone) {
  // Every UTC hour is some wall hour's :00 in New York, so across both transitions the
  // firings are exactly the 8760 hours of 2021, none missing and none repeated.
  auto ny = Zone("America/New_York");
  CronExpression hourly = CronExpression::Parse("0 * * * *").value();
  Time t = ParseDateTime("2021-01-01T00:00:00Z").value();
  Time end = ParseDateTime("2022-01-01T00:00:00Z").value();
  int count = 0;
  for (Time at = t; at < end; at += std::chrono::hours{1}) {
    auto next = hourly.Next(at - Micros{1}, ny);
    ASSERT_TRUE(next.has_value());
    ASSERT_EQ(*next, at) << FormatIso(at);
    ++count;
  }
  EXPECT_EQ(count, 8760);
}

}  // namespace
}  // namespace weir
