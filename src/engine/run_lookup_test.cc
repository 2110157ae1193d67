// ClosestRunIds: the run ids suggested when a command names a run that does not exist.

#include "engine/run_lookup.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

std::vector<DagRun> MonthlyRuns() {
  std::vector<DagRun> runs;
  for (const char* day : {"2021-01-01", "2021-02-01", "2021-04-01"}) {
    DagRun r;
    r.logical_date = *ParseDateTime(day);
    r.run_id = "scheduled__" + FormatIsoOffset(r.logical_date, nullptr);
    runs.push_back(r);
  }
  DagRun manual;
  manual.logical_date = *ParseDateTime("2020-06-01");
  manual.run_id = "nightly_fix";
  runs.push_back(manual);
  return runs;
}

TEST(ClosestRunIds, ADateSuggestsTheRunsJustBeforeAndAfterIt) {
  EXPECT_EQ(ClosestRunIds(MonthlyRuns(), "2021-03-01", *ParseDateTime("2021-03-01")),
            (std::vector<std::string>{"scheduled__2021-02-01T00:00:00+00:00",
                                      "scheduled__2021-04-01T00:00:00+00:00"}));
}

TEST(ClosestRunIds, ATypoSuggestsTheRunIdItMisspells) {
  EXPECT_EQ(ClosestRunIds(MonthlyRuns(), "nightly_fx", std::nullopt),
            (std::vector<std::string>{"nightly_fix"}));
}

TEST(ClosestRunIds, APartOfARunIdSuggestsTheRunsThatContainIt) {
  EXPECT_EQ(ClosestRunIds(MonthlyRuns(), "2021-02-01", std::nullopt),
            (std::vector<std::string>{"scheduled__2021-02-01T00:00:00+00:00"}));
}

TEST(ClosestRunIds, NothingAlikeSuggestsNothing) {
  EXPECT_TRUE(ClosestRunIds(MonthlyRuns(), "zzzzzzzzzz", std::nullopt).empty());
}

}  // namespace
}  // namespace weir
