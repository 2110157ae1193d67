// The browse endpoints: runs and task instances of every DAG (`~`) with filters and totals,
// the grid's filters, the calendar, pools with their slots in use, notes (audited, limited),
// and the DAG list's counts and health.
#include <gtest/gtest.h>

#include "web/api_test_fixture.h"

namespace weir {
namespace {

class BrowseTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    // etl: three runs over two years; params: one.
    TriggerRun("etl", "a", "2020-12-31T12:00:00Z");
    TriggerRun("etl", "b", "2021-01-01T12:00:00Z");
    TriggerRun("etl", "c", "2021-01-01T18:00:00Z");
    TriggerRun("params", "p", "2021-02-01T00:00:00Z");
    MarkRun("etl", "a", RunState::kFailed);
    MarkRun("etl", "b", RunState::kSuccess);
    SetTaskState("etl", "a", "extract", TaskState::kFailed);
    SetTaskState("etl", "c", "extract", TaskState::kFailed);
  }
  void MarkRun(const std::string& dag, const std::string& run, RunState state) {
    DagRun r = store_->GetRun(dag, run).value();
    r.state = state;
    ASSERT_TRUE(store_->UpdateRun(r).has_value());
  }
  static std::vector<std::string> Ids(const Json& list, const char* a, const char* b) {
    std::vector<std::string> out;
    for (const auto& x : list)
      out.push_back(x[a].get<std::string>() + "/" + x[b].get<std::string>());
    return out;
  }
};

TEST_F(BrowseTest, RunsOfEveryDagWithFiltersAndTotals) {
  ApiResponse all = Get("/dags/~/dagRuns");
  ASSERT_EQ(all.status, 200) << all.body.dump();
  EXPECT_EQ(all.body["total_entries"], 4);
  EXPECT_EQ(Ids(all.body["dag_runs"], "dag_id", "run_id"),
            (std::vector<std::string>{"params/p", "etl/c", "etl/b", "etl/a"}));

  ApiResponse page = Get("/dags/~/dagRuns", {{"limit", "1"}, {"offset", "1"}});
  EXPECT_EQ(page.body["total_entries"], 4);
  EXPECT_EQ(Ids(page.body["dag_runs"], "dag_id", "run_id"), (std::vector<std::string>{"etl/c"}));

  ApiResponse failed = Get("/dags/~/dagRuns", {{"state", "failed,success"}});
  EXPECT_EQ(Ids(failed.body["dag_runs"], "dag_id", "run_id"),
            (std::vector<std::string>{"etl/b", "etl/a"}));
  ApiResponse dated = Get("/dags/~/dagRuns", {{"logical_date_gte", "2021-01-01"},
                                              {"logical_date_lte", "2021-01-01T13:00:00Z"}});
  EXPECT_EQ(Ids(dated.body["dag_runs"], "dag_id", "run_id"), (std::vector<std::string>{"etl/b"}));
  ApiResponse one = Get("/dags/~/dagRuns", {{"dag_id", "params"}});
  EXPECT_EQ(one.body["total_entries"], 1);
  EXPECT_EQ(Get("/dags/~/dagRuns", {{"run_type", "backfill"}}).body["total_entries"], 0);
  EXPECT_EQ(Get("/dags/~/dagRuns", {{"run_type", "manual"}}).body["total_entries"], 4);

  EXPECT_EQ(Get("/dags/~/dagRuns", {{"state", "done"}}).status, 400);
  EXPECT_EQ(Get("/dags/~/dagRuns", {{"run_type", "cron"}}).status, 400);
  EXPECT_EQ(Get("/dags/~/dagRuns", {{"logical_date_gte", "soon"}}).status, 400);
  EXPECT_EQ(Get("/dags/~/dagRuns", {{"dag_id", "nope"}}).status, 404);
}

TEST_F(BrowseTest, TaskInstancesOfEveryRunWithTheirRunsDates) {
  ApiResponse failed = Get("/dags/~/dagRuns/~/taskInstances", {{"state", "failed"}});
  ASSERT_EQ(failed.status, 200) << failed.body.dump();
  EXPECT_EQ(failed.body["total_entries"], 2);
  EXPECT_EQ(Ids(failed.body["task_instances"], "run_id", "task_id"),
            (std::vector<std::string>{"c/extract", "a/extract"}));
  EXPECT_EQ(failed.body["task_instances"][0]["logical_date"], "2021-01-01T18:00:00Z");
  EXPECT_EQ(failed.body["task_instances"][0]["run_type"], "manual");

  EXPECT_EQ(Get("/dags/~/dagRuns/~/taskInstances").body["total_entries"], 13);
  EXPECT_EQ(Get("/dags/etl/dagRuns/~/taskInstances", {{"task_id", "load"}}).body["total_entries"],
            3);
  EXPECT_EQ(Get("/dags/etl/dagRuns/b/taskInstances").body["total_entries"], 4);
  ApiResponse paged = Get("/dags/etl/dagRuns/~/taskInstances", {{"limit", "2"}, {"offset", "4"}});
  EXPECT_EQ(Ids(paged.body["task_instances"], "run_id", "task_id"),
            (std::vector<std::string>{"b/extract", "b/load"}));
  EXPECT_EQ(Get("/dags/~/dagRuns/b/taskInstances").status, 400);
  EXPECT_EQ(Get("/dags/etl/dagRuns/zz/taskInstances").status, 404);
  EXPECT_EQ(Get("/dags/~/dagRuns/~/taskInstances", {{"state", "green"}}).status, 400);
}

TEST_F(BrowseTest, TheGridFiltersByTypeStateAndBaseDateAndGivesTimes) {
  auto run_ids = [](const ApiResponse& r) {
    std::vector<std::string> ids;
    for (const auto& run : r.body["runs"]) ids.push_back(run["run_id"].get<std::string>());
    return ids;
  };
  EXPECT_EQ(run_ids(Get("/dags/etl/grid", {{"state", "failed"}})), (std::vector<std::string>{"a"}));
  EXPECT_EQ(run_ids(Get("/dags/etl/grid", {{"base_date", "2020-12-31"}})),
            (std::vector<std::string>{"a"}));
  EXPECT_EQ(run_ids(Get("/dags/etl/grid", {{"base_date", "2021-01-01T13:00:00Z"}})),
            (std::vector<std::string>{"b", "a"}));
  EXPECT_TRUE(run_ids(Get("/dags/etl/grid", {{"run_type", "scheduled"}})).empty());
  ApiResponse grid = Get("/dags/etl/grid", {{"limit_runs", "1"}});
  EXPECT_EQ(run_ids(grid), (std::vector<std::string>{"c"}));
  EXPECT_EQ(grid.body["cells"].size(), 1u) << grid.body.dump();
  EXPECT_TRUE(grid.body["cells"]["c"]["extract"].contains("start_date"));
  EXPECT_EQ(Get("/dags/etl/grid", {{"base_date", "later"}}).status, 400);
}

TEST_F(BrowseTest, TheCalendarCountsRunsPerDayAndState) {
  ApiResponse y2021 = Get("/dags/etl/calendar", {{"year", "2021"}});
  ASSERT_EQ(y2021.status, 200) << y2021.body.dump();
  EXPECT_EQ(y2021.body["days"],
            Json::parse(R"([{"date":"2021-01-01","states":{"queued":1,"success":1}}])"));
  EXPECT_EQ(y2021.body["first_year"], 2020);
  EXPECT_EQ(y2021.body["last_year"], 2021);
  ApiResponse newest = Get("/dags/etl/calendar");
  EXPECT_EQ(newest.body["year"], 2021);
  ApiResponse y2020 = Get("/dags/etl/calendar", {{"year", "2020"}});
  EXPECT_EQ(y2020.body["days"], Json::parse(R"([{"date":"2020-12-31","states":{"failed":1}}])"));
  EXPECT_EQ(Get("/dags/etl/calendar", {{"year", "20x"}}).status, 400);
  EXPECT_EQ(Get("/dags/nope/calendar").status, 404);
}

TEST_F(BrowseTest, PoolsCountTheSlotsTheirTasksHold) {
  SetTaskState("etl", "c", "transform", TaskState::kRunning);
  SetTaskState("etl", "c", "load", TaskState::kQueued);
  ApiResponse pools = Get("/pools");
  ASSERT_EQ(pools.status, 200) << pools.body.dump();
  Json pool;
  for (const auto& p : pools.body["pools"]) {
    if (p["name"] == "default_pool") pool = p;
  }
  ASSERT_FALSE(pool.is_null()) << pools.body.dump();
  EXPECT_EQ(pool["running_slots"], 1);
  EXPECT_EQ(pool["queued_slots"], 1);
  EXPECT_EQ(pool["open_slots"], pool["slots"].get<int>() - 2);
}

TEST_F(BrowseTest, NotesOnRunsAndTaskInstancesAreAuditedAndShown) {
  ApiResponse set =
      Call("PATCH", "/dags/etl/dagRuns/a/setNote", {{"note", "bad upstream file"}}, op_);
  ASSERT_EQ(set.status, 200) << set.body.dump();
  EXPECT_EQ(set.body["note"], "bad upstream file");
  EXPECT_EQ(set.body["note_updated_by"], "otto");
  ApiResponse ti = Call("PATCH", "/dags/etl/dagRuns/a/taskInstances/extract/setNote",
                        {{"note", "re-run after the fix"}}, op_);
  ASSERT_EQ(ti.status, 200) << ti.body.dump();
  EXPECT_EQ(ti.body["note"], "re-run after the fix");

  // Shown wherever the run or task instance is.
  EXPECT_EQ(Get("/dags/etl/dagRuns/a").body["note"], "bad upstream file");
  EXPECT_EQ(Get("/dags/etl/dagRuns/b").body["note"], "");
  EXPECT_EQ(Get("/dags/etl/dagRuns/a/taskInstances/extract").body["note"], "re-run after the fix");
  Json runs = Get("/dags/~/dagRuns").body["dag_runs"];
  EXPECT_EQ(runs[3]["note"], "bad upstream file");
  Json tis = Get("/dags/etl/dagRuns/a/taskInstances").body["task_instances"];
  EXPECT_EQ(tis[0]["task_id"], "extract");
  EXPECT_EQ(tis[0]["note"], "re-run after the fix");
  EXPECT_EQ(tis[1]["note"], "");

  // The scheduler rewriting the run keeps the note.
  MarkRun("etl", "a", RunState::kSuccess);
  EXPECT_EQ(Get("/dags/etl/dagRuns/a").body["note"], "bad upstream file");

  auto events = AuditEvents();
  ASSERT_GE(events.size(), 2u);
  const AuditEvent& last = events.back();
  EXPECT_EQ(last.action, "note_set");
  EXPECT_EQ(last.task_id, "extract");
  EXPECT_EQ(last.username, "otto");
  EXPECT_EQ(last.details["note"], "re-run after the fix");

  // Empty removes it; the previous text is in the audit log.
  ASSERT_EQ(Call("PATCH", "/dags/etl/dagRuns/a/setNote", {{"note", ""}}, op_).status, 200);
  EXPECT_EQ(Get("/dags/etl/dagRuns/a").body["note"], "");
  EXPECT_EQ(AuditEvents().back().details["was"], "bad upstream file");
}

TEST_F(BrowseTest, NotesRefuseViewersBadBodiesLongTextAndMissingTargets) {
  EXPECT_EQ(Call("PATCH", "/dags/etl/dagRuns/a/setNote", {{"note", "x"}}, viewer_).status, 403);
  EXPECT_EQ(Call("PATCH", "/dags/etl/dagRuns/a/setNote", {{"note", 7}}, op_).status, 400);
  EXPECT_EQ(Call("PATCH", "/dags/etl/dagRuns/a/setNote", Json::object(), op_).status, 400);
  ApiResponse long_note =
      Call("PATCH", "/dags/etl/dagRuns/a/setNote", {{"note", std::string(1001, 'x')}}, op_);
  EXPECT_EQ(long_note.status, 400);
  EXPECT_NE(MessageOf(long_note).find("at most 1000 bytes"), std::string::npos);
  EXPECT_EQ(Call("PATCH", "/dags/etl/dagRuns/zz/setNote", {{"note", "x"}}, op_).status, 404);
  EXPECT_EQ(
      Call("PATCH", "/dags/etl/dagRuns/a/taskInstances/nope/setNote", {{"note", "x"}}, op_).status,
      404);
  EXPECT_TRUE(store_->ListNotes("", "").value().empty());
  // A run deleted takes its notes with it.
  ASSERT_EQ(Call("PATCH", "/dags/etl/dagRuns/a/setNote", {{"note", "x"}}, op_).status, 200);
  ASSERT_TRUE(store_->DeleteRun("etl", "a").has_value());
  EXPECT_TRUE(store_->ListNotes("", "").value().empty());
}

TEST_F(BrowseTest, TheDagListCountsRunsAndTasksAndSumsUpHealth) {
  ApiResponse list = Get("/dags");
  ASSERT_EQ(list.status, 200) << list.body.dump();
  Json etl;
  for (const auto& d : list.body["dags"]) {
    if (d["dag_id"] == "etl") etl = d;
  }
  EXPECT_EQ(etl["run_counts"], Json::parse(R"({"queued":1,"running":0,"success":1,"failed":1})"));
  // The newest run, c: extract failed, the other three not started.
  EXPECT_EQ(etl["recent_task_counts"], Json::parse(R"({"failed":1,"none":3})"));
  EXPECT_EQ(list.body["health"]["dags"], 2);
  EXPECT_EQ(list.body["health"]["running"], 2);  // etl's c and params' p are queued
  EXPECT_EQ(list.body["health"]["failing"], 0);
  MarkRun("etl", "c", RunState::kFailed);
  EXPECT_EQ(Get("/dags").body["health"]["failing"], 1);
}

TEST_F(BrowseTest, DeletingADagTakesItsRunsAndIsRefusedWhileOneIsActive) {
  EXPECT_EQ(Call("DELETE", "/dags/etl", nullptr, viewer_).status, 403);
  ApiResponse busy = Call("DELETE", "/dags/etl", nullptr, op_);
  EXPECT_EQ(busy.status, 409);  // run c is queued
  EXPECT_NE(MessageOf(busy).find("1 queued or running run(s)"), std::string::npos)
      << MessageOf(busy);
  MarkRun("etl", "c", RunState::kFailed);
  ApiResponse deleted = Call("DELETE", "/dags/etl", nullptr, op_);
  ASSERT_EQ(deleted.status, 200) << deleted.body.dump();
  EXPECT_EQ(deleted.body["runs"], 3);
  EXPECT_EQ(Get("/dags/~/dagRuns").body["total_entries"], 1);  // params' run stays
  EXPECT_EQ(Get("/dags/~/dagRuns/~/taskInstances", {{"dag_id", "params"}}).body["total_entries"],
            1);
  EXPECT_EQ(store_->CountTaskInstances(TaskInstanceFilter{}).value(), 1);
  EXPECT_EQ(AuditEvents().back().action, "dag_delete");
  EXPECT_EQ(AuditEvents().back().details["runs"], 3);
  EXPECT_EQ(Call("DELETE", "/dags/etl", nullptr, op_).status, 404);
}

}  // namespace
}  // namespace weir
