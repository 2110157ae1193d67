#include "engine/next_runs.h"

#include <gtest/gtest.h>

#include "engine/planner.h"
#include "env/temp_dir.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {
namespace {

Time At(const char* iso) { return ParseDateTime(iso).value(); }

DagSpec Dag(const std::string& schedule, const char* start, bool catchup,
            const char* end = nullptr) {
  DagSpec d;
  d.dag_id = "etl";
  d.schedule = schedule;
  d.catchup = catchup;
  if (start) d.start_date = At(start);
  if (end) d.end_date = At(end);
  d.timetable = MakeTimetable(schedule, "UTC", d.start_date).value();
  return d;
}

TEST(NextRuns, DailyWithoutCatchupStartsAtTheLatestCompleteDay) {
  DagSpec dag = Dag("@daily", "2024-01-01", false);
  auto next = NextIntervalsAfter(dag, std::nullopt, At("2024-03-10T12:00:00Z"), 2);
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0].interval, (DataInterval{At("2024-03-09"), At("2024-03-10")}));
  EXPECT_EQ(next[0].runs_at, At("2024-03-10"));  // already due: the scheduler creates it now
  EXPECT_EQ(next[1].interval, (DataInterval{At("2024-03-10"), At("2024-03-11")}));
  EXPECT_EQ(next[1].runs_at, At("2024-03-11"));
}

TEST(NextRuns, CatchupStartsAtStartDate) {
  DagSpec dag = Dag("@daily", "2024-01-01", true);
  auto next = NextIntervalsAfter(dag, std::nullopt, At("2024-03-10T12:00:00Z"), 1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].interval, (DataInterval{At("2024-01-01"), At("2024-01-02")}));
}

TEST(NextRuns, ManualAndEndedDagsHaveNone) {
  EXPECT_TRUE(
      NextIntervalsAfter(Dag("", nullptr, true), std::nullopt, At("2024-03-10"), 3).empty());
  DagSpec ended = Dag("@daily", "2024-01-01", true, "2024-01-31");
  EXPECT_TRUE(NextIntervalsAfter(ended, DataInterval{At("2024-01-31"), At("2024-02-01")},
                                 At("2024-03-10"), 3)
                  .empty());
}

TEST(NextRuns, FollowsTheLatestScheduledRunInTheStore) {
  TempDir dir;
  auto store = SqliteStore::Open(dir.Join("weir.db")).value();
  ASSERT_TRUE(store->Migrate().has_value());
  DagSpec dag = Dag("@daily", "2024-01-01", false);
  Time now = At("2024-03-10T12:00:00Z");
  // A manual run is no anchor; a scheduled one is.
  DagRun manual;
  manual.dag_id = "etl";
  manual.run_id = MakeRunId(RunType::kManual, At("2024-03-10T06:00:00Z"));
  manual.run_type = RunType::kManual;
  manual.logical_date = manual.data_interval_start = manual.data_interval_end =
      At("2024-03-10T06:00:00Z");
  ASSERT_TRUE(store->CreateRun(manual, {}).has_value());
  DagRun scheduled;
  scheduled.dag_id = "etl";
  scheduled.run_id = MakeRunId(RunType::kScheduled, At("2024-03-09"));
  scheduled.run_type = RunType::kScheduled;
  scheduled.logical_date = scheduled.data_interval_start = At("2024-03-09");
  scheduled.data_interval_end = At("2024-03-10");
  ASSERT_TRUE(store->CreateRun(scheduled, {}).has_value());

  auto next = NextIntervals(dag, *store, now, 1);
  ASSERT_TRUE(next.has_value());
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].interval, (DataInterval{At("2024-03-10"), At("2024-03-11")}));
  EXPECT_EQ((*next)[0].runs_at, At("2024-03-11"));
}

}  // namespace
}  // namespace weir
