#include "schedule/timetable.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace weir {
namespace {

using Strings = std::vector<std::string>;

Time At(std::string_view iso) { return ParseDateTime(iso).value(); }

std::shared_ptr<const Timetable> Make(std::string_view schedule, std::string_view zone = "UTC",
                                      std::optional<Time> start = std::nullopt) {
  auto tt = MakeTimetable(schedule, zone, start);
  EXPECT_TRUE(tt.has_value()) << schedule << ": " << tt.error().message;
  return *tt;
}

std::string Show(const DataInterval& i) {
  return "[" + FormatIso(i.start) + ", " + FormatIso(i.end) + ")";
}

// What a scheduler does: ask for the next interval, create its run once it is due, feed it
// back as `last`. Returns the runs created by `now`.
Strings DueRuns(const Timetable& tt, const TimeRestriction& restriction, Time now) {
  Strings out;
  std::optional<DataInterval> last;
  for (int i = 0; i < 10000; ++i) {
    auto next = tt.NextInterval(last, restriction, now);
    if (!next || tt.DueAt(*next) > now) break;
    out.push_back(Show(*next));
    last = next;
  }
  return out;
}

std::string MakeError(std::string_view schedule, std::string_view zone = "UTC",
                      std::optional<Time> start = std::nullopt) {
  auto tt = MakeTimetable(schedule, zone, start);
  EXPECT_FALSE(tt.has_value()) << schedule << " was accepted";
  if (tt.has_value()) return "";
  EXPECT_EQ(tt.error().code, ErrorCode::kInvalidArgument);
  return tt.error().message;
}

TEST(CronTimetable, CatchupCreatesOneRunPerMissedInterval) {
  auto tt = Make("@daily");
  Time now = At("2021-06-11T00:00:00Z");
  TimeRestriction r{.earliest = now - std::chrono::days{10}, .latest = {}, .catchup = true};
  Strings runs = DueRuns(*tt, r, now);
  ASSERT_EQ(runs.size(), 10u);
  EXPECT_EQ(runs[0], "[2021-06-01T00:00:00Z, 2021-06-02T00:00:00Z)");
  EXPECT_EQ(runs[1], "[2021-06-02T00:00:00Z, 2021-06-03T00:00:00Z)");
  EXPECT_EQ(runs[9], "[2021-06-10T00:00:00Z, 2021-06-11T00:00:00Z)");
  // The next one is already known but not due until its end.
  auto next = tt->NextInterval(DataInterval{At("2021-06-10"), At("2021-06-11")}, r, now);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(Show(*next), "[2021-06-11T00:00:00Z, 2021-06-12T00:00:00Z)");
  EXPECT_EQ(FormatIso(tt->DueAt(*next)), "2021-06-12T00:00:00Z");
}

TEST(CronTimetable, FirstIntervalStartsAtTheFirstTickAtOrAfterStartDate) {
  auto tt = Make("@daily");
  TimeRestriction r{.earliest = At("2021-06-01T09:30:00Z"), .latest = {}, .catchup = true};
  Strings runs = DueRuns(*tt, r, At("2021-06-04T12:00:00Z"));
  EXPECT_EQ(runs, (Strings{"[2021-06-02T00:00:00Z, 2021-06-03T00:00:00Z)",
                           "[2021-06-03T00:00:00Z, 2021-06-04T00:00:00Z)"}));
}

TEST(CronTimetable, WithoutCatchupOnlyTheLatestCompleteIntervalRuns) {
  auto tt = Make("@daily");
  Time now = At("2021-06-11T10:00:00Z");
  TimeRestriction r{.earliest = At("2021-06-01"), .latest = {}, .catchup = false};
  EXPECT_EQ(DueRuns(*tt, r, now), (Strings{"[2021-06-10T00:00:00Z, 2021-06-11T00:00:00Z)"}));
  // A scheduler that was down for days skips straight to the latest, never older ones.
  DataInterval stale{At("2021-06-02"), At("2021-06-03")};
  EXPECT_EQ(Show(*tt->NextInterval(stale, r, now)), "[2021-06-10T00:00:00Z, 2021-06-11T00:00:00Z)");
  // Before any interval after start_date has completed: the first upcoming one.
  TimeRestriction fresh{.earliest = At("2021-06-10T12:00:00Z"), .latest = {}, .catchup = false};
  EXPECT_EQ(Show(*tt->NextInterval(std::nullopt, fresh, now)),
            "[2021-06-11T00:00:00Z, 2021-06-12T00:00:00Z)");
}

TEST(CronTimetable, MonthlyOnTheSecondAtSix) {
  auto tt = Make("0 6 2 * *");
  TimeRestriction r{.earliest = At("2021-01-01"), .latest = {}, .catchup = true};
  EXPECT_EQ(DueRuns(*tt, r, At("2021-04-15")),
            (Strings{"[2021-01-02T06:00:00Z, 2021-02-02T06:00:00Z)",
                     "[2021-02-02T06:00:00Z, 2021-03-02T06:00:00Z)",
                     "[2021-03-02T06:00:00Z, 2021-04-02T06:00:00Z)"}));
  EXPECT_EQ(tt->Describe(), "At 06:00 on day 2 of every month (UTC)");
}

TEST(CronTimetable, EndDateStopsNewIntervals) {
  auto tt = Make("@daily");
  TimeRestriction r{.earliest = At("2021-06-01"), .latest = At("2021-06-05"), .catchup = true};
  Strings runs = DueRuns(*tt, r, At("2021-07-01"));
  ASSERT_EQ(runs.size(), 5u);
  EXPECT_EQ(runs.back(), "[2021-06-05T00:00:00Z, 2021-06-06T00:00:00Z)");
  EXPECT_FALSE(
      tt->NextInterval(DataInterval{At("2021-06-05"), At("2021-06-06")}, r, At("2021-07-01")));
}

TEST(CronTimetable, DailyIntervalsFollowTheWallClockAcrossDst) {
  auto tt = Make("@daily", "Europe/Berlin");
  auto intervals =
      tt->IntervalsBetween(At("2021-03-27T00:00:00+01:00"), At("2021-03-29T00:00:00+02:00"));
  ASSERT_EQ(intervals.size(), 3u);
  EXPECT_EQ(Show(intervals[1]), "[2021-03-27T23:00:00Z, 2021-03-28T22:00:00Z)");
  EXPECT_EQ(intervals[1].end - intervals[1].start, std::chrono::hours{23});
  EXPECT_EQ(tt->Describe(), "Every day at 00:00 (Europe/Berlin)");
}

TEST(CronTimetable, HourlyCatchupOverAFallBackDayCreatesTwentyFiveRuns) {
  auto tt = Make("@hourly", "America/New_York");
  Time midnight = At("2021-11-07T00:00:00-04:00");
  TimeRestriction r{.earliest = midnight, .latest = {}, .catchup = true};
  Strings runs = DueRuns(*tt, r, At("2021-11-08T00:00:00-05:00"));
  ASSERT_EQ(runs.size(), 25u);
  // The repeated 01:00 is two one-hour intervals: [05:00Z, 06:00Z) and [06:00Z, 07:00Z).
  EXPECT_EQ(runs[1], "[2021-11-07T05:00:00Z, 2021-11-07T06:00:00Z)");
  EXPECT_EQ(runs[2], "[2021-11-07T06:00:00Z, 2021-11-07T07:00:00Z)");
  EXPECT_EQ(runs[24], "[2021-11-08T04:00:00Z, 2021-11-08T05:00:00Z)");
}

// Airflow's TestCronIntervalDst.test_exiting_fold and test_entering_exact, as data intervals
// a catchup creates in Europe/Zurich.
TEST(CronTimetable, ZurichIntervalsAcrossBothDstChangesMatchAirflow) {
  auto tt = Make("0 2 * * *", "Europe/Zurich");
  TimeRestriction fold{.earliest = At("2023-10-27T00:00:00Z"), .latest = {}, .catchup = true};
  EXPECT_EQ(DueRuns(*tt, fold, At("2023-10-30T01:00:00Z")),
            (Strings{"[2023-10-27T00:00:00Z, 2023-10-28T00:00:00Z)",
                     "[2023-10-28T00:00:00Z, 2023-10-29T01:00:00Z)",
                     "[2023-10-29T01:00:00Z, 2023-10-30T01:00:00Z)"}));
  // Entering DST: 02:00 does not exist on 2023-03-26 and moves to 03:00+02:00 (01:00Z).
  TimeRestriction gap{.earliest = At("2023-03-24T00:00:00Z"), .latest = {}, .catchup = true};
  EXPECT_EQ(DueRuns(*tt, gap, At("2023-03-27T00:00:00Z")),
            (Strings{"[2023-03-24T01:00:00Z, 2023-03-25T01:00:00Z)",
                     "[2023-03-25T01:00:00Z, 2023-03-26T01:00:00Z)",
                     "[2023-03-26T01:00:00Z, 2023-03-27T00:00:00Z)"}));
}

TEST(CronTimetable, WithoutStartDateOnlyTheLatestIntervalRuns) {
  auto tt = Make("@daily");
  TimeRestriction r{.earliest = {}, .latest = {}, .catchup = true};
  EXPECT_EQ(DueRuns(*tt, r, At("2021-06-11T10:00:00Z")),
            (Strings{"[2021-06-10T00:00:00Z, 2021-06-11T00:00:00Z)"}));
}

TEST(CronTimetable, IntervalsBetweenListsEveryStartInTheClosedRange) {
  auto tt = Make("@daily");
  auto intervals = tt->IntervalsBetween(At("2021-06-01T12:00:00Z"), At("2021-06-04T00:00:00Z"));
  ASSERT_EQ(intervals.size(), 3u);
  EXPECT_EQ(Show(intervals[0]), "[2021-06-02T00:00:00Z, 2021-06-03T00:00:00Z)");
  EXPECT_EQ(Show(intervals[2]), "[2021-06-04T00:00:00Z, 2021-06-05T00:00:00Z)");
  EXPECT_TRUE(tt->IntervalsBetween(At("2021-06-01T01:00:00Z"), At("2021-06-01T23:00:00Z")).empty());
}

TEST(CronTimetable, ManualRunsHaveAPointInterval) {
  auto tt = Make("@hourly");
  EXPECT_EQ(tt->ManualInterval(At("2021-06-01T10:17:00Z")),
            (DataInterval{At("2021-06-01T10:17:00Z"), At("2021-06-01T10:17:00Z")}));
  EXPECT_TRUE(tt->periodic());
  EXPECT_EQ(tt->expression(), "@hourly");
}

TEST(OnceTimetable, RunsOnceAtStartDate) {
  Time start = At("2021-06-01T12:00:00Z");
  auto tt = Make("@once", "UTC", start);
  TimeRestriction r{.earliest = start, .latest = {}, .catchup = true};
  auto first = tt->NextInterval(std::nullopt, r, At("2021-06-01T00:00:00Z"));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, (DataInterval{start, start}));
  EXPECT_EQ(tt->DueAt(*first), start);
  EXPECT_FALSE(tt->NextInterval(first, r, At("2022-01-01")));
  EXPECT_EQ(DueRuns(*tt, r, At("2021-07-01")), (Strings{"[2021-06-01T12:00:00Z, "
                                                        "2021-06-01T12:00:00Z)"}));
  EXPECT_EQ(tt->IntervalsBetween(At("2021-01-01"), At("2022-01-01")).size(), 1u);
  EXPECT_TRUE(tt->IntervalsBetween(At("2021-06-02"), At("2022-01-01")).empty());
  EXPECT_EQ(tt->Describe(), "Once");
}

TEST(FixedIntervalTimetable, IntervalsCountFromStartDate) {
  Time start = At("2021-06-01T03:00:00Z");
  auto tt = Make("every 6h", "UTC", start);
  TimeRestriction r{.earliest = start, .latest = {}, .catchup = true};
  Time now = At("2021-06-02T04:00:00Z");
  EXPECT_EQ(DueRuns(*tt, r, now), (Strings{"[2021-06-01T03:00:00Z, 2021-06-01T09:00:00Z)",
                                           "[2021-06-01T09:00:00Z, 2021-06-01T15:00:00Z)",
                                           "[2021-06-01T15:00:00Z, 2021-06-01T21:00:00Z)",
                                           "[2021-06-01T21:00:00Z, 2021-06-02T03:00:00Z)"}));
  r.catchup = false;
  EXPECT_EQ(DueRuns(*tt, r, now), (Strings{"[2021-06-01T21:00:00Z, 2021-06-02T03:00:00Z)"}));
  auto between = tt->IntervalsBetween(At("2021-06-01T04:00:00Z"), At("2021-06-01T15:00:00Z"));
  ASSERT_EQ(between.size(), 2u);
  EXPECT_EQ(Show(between[0]), "[2021-06-01T09:00:00Z, 2021-06-01T15:00:00Z)");
  EXPECT_EQ(tt->Describe(), "Every 6 hours");
}

TEST(FixedIntervalTimetable, AcceptsTheCommonSpellings) {
  Time start = At("2021-06-01");
  EXPECT_EQ(Make("every 30m", "UTC", start)->Describe(), "Every 30 minutes");
  EXPECT_EQ(Make("1d", "UTC", start)->Describe(), "Every day");
  EXPECT_EQ(Make("every 1 day", "UTC", start)->Describe(), "Every day");
  EXPECT_EQ(Make("Every 2 weeks", "UTC", start)->Describe(), "Every 2 weeks");
  EXPECT_EQ(Make("every 90m", "UTC", start)->Describe(), "Every 90 minutes");
  auto day = Make("every 1 day", "UTC", start)->IntervalsBetween(start, start);
  ASSERT_EQ(day.size(), 1u);
  EXPECT_EQ(Show(day[0]), "[2021-06-01T00:00:00Z, 2021-06-02T00:00:00Z)");
}

TEST(ManualTimetable, NeverSchedulesRuns) {
  for (const char* schedule : {"", "none", "null", "@none", "None"}) {
    auto tt = Make(schedule);
    EXPECT_FALSE(tt->periodic()) << schedule;
    TimeRestriction r{.earliest = At("2021-01-01"), .latest = {}, .catchup = true};
    EXPECT_FALSE(tt->NextInterval(std::nullopt, r, At("2022-01-01"))) << schedule;
    EXPECT_TRUE(tt->IntervalsBetween(At("2021-01-01"), At("2022-01-01")).empty());
    EXPECT_EQ(tt->Describe(), "Manual only");
  }
}

TEST(MakeTimetable, ErrorsSayWhatIsWrongAndHowToFixIt) {
  std::string e = MakeError("0 25 * * *");
  EXPECT_NE(e.find("field 2 (hour) value 25 is out of range 0-23"), std::string::npos) << e;
  e = MakeError("@daily", "Mars/Olympus");
  EXPECT_NE(e.find("unknown time zone 'Mars/Olympus'"), std::string::npos) << e;
  e = MakeError("every 6 parsecs", "UTC", At("2021-01-01"));
  EXPECT_NE(e.find("bad schedule 'every 6 parsecs'"), std::string::npos) << e;
  EXPECT_NE(e.find("bad duration"), std::string::npos) << e;
  e = MakeError("every 0m", "UTC", At("2021-01-01"));
  EXPECT_NE(e.find("longer than zero"), std::string::npos) << e;
  e = MakeError("@once");
  EXPECT_NE(e.find("needs a start_date"), std::string::npos) << e;
  e = MakeError("every 6h");
  EXPECT_NE(e.find("needs a start_date"), std::string::npos) << e;
  e = MakeError("0 6 * *");
  EXPECT_NE(e.find("it has 4 fields"), std::string::npos) << e;
  e = MakeError("sometimes");
  EXPECT_NE(e.find("unknown schedule 'sometimes'"), std::string::npos) << e;
  EXPECT_NE(e.find("every 6h"), std::string::npos) << e;
  e = MakeError("30");
  EXPECT_NE(e.find("unknown schedule '30'"), std::string::npos) << e;
}

}  // namespace
}  // namespace weir
