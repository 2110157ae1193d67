// The API's run endpoints: list (filters, pages), trigger (conf, logical date, params), detail,
// clear and mark (dry runs too), each change in the audit log.
#include <gtest/gtest.h>

#include "web/api_test_fixture.h"

namespace weir {
namespace {

using RunsTest = ApiTest;

std::vector<std::string> RunIds(const Json& body) {
  std::vector<std::string> ids;
  for (const auto& r : body["dag_runs"]) ids.push_back(r["run_id"].get<std::string>());
  return ids;
}

TEST_F(RunsTest, TriggerCreatesAQueuedRunWithItsConfAndLogicalDate) {
  Json run = TriggerRun("etl", "r1", "2024-01-02T03:04:05Z", {{"note", "hi"}});
  EXPECT_EQ(run["run_id"], "r1");
  EXPECT_EQ(run["state"], "queued");
  EXPECT_EQ(run["logical_date"], "2024-01-02T03:04:05Z");
  EXPECT_EQ(run["conf"]["note"], "hi");
  DagRun stored = store_->GetRun("etl", "r1").value();
  EXPECT_EQ(stored.run_type, RunType::kManual);
  EXPECT_EQ(stored.queued_at, clock_.Now());
  EXPECT_EQ(store_->ListTaskInstances("etl", "r1").value().size(), 4u);

  // Without an id or a date: now, by the API's clock.
  ApiResponse now = Call("POST", "/dags/etl/dagRuns", Json::object());
  ASSERT_EQ(now.status, 200) << now.body.dump();
  EXPECT_EQ(now.body["logical_date"], FormatIso(clock_.Now()));
  EXPECT_EQ(now.body["run_id"].get<std::string>().rfind("manual__2024-05-01T10:00:00", 0), 0u)
      << now.body.dump();

  auto events = AuditEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action, "trigger");
  EXPECT_EQ(events[0].run_id, "r1");
  EXPECT_EQ(events[0].username, "ada");
}

TEST_F(RunsTest, TriggerRefusesBadConfDatesAndParamsAndTakenIds) {
  auto refused = [&](const std::string& dag, const Json& body) {
    ApiResponse r = Call("POST", "/dags/" + dag + "/dagRuns", body);
    EXPECT_EQ(ErrorCodeOf(r), r.status == 409 ? "already_exists" : "invalid_argument");
    return std::pair{r.status, MessageOf(r)};
  };
  EXPECT_EQ(refused("etl", {{"conf", Json::array()}}).first, 400);
  EXPECT_EQ(refused("etl", {{"logical_date", "yesterday"}}).first, 400);
  EXPECT_EQ(refused("etl", {{"dag_run_id", 7}}).first, 400);
  auto strict = refused("params", {{"conf", {{"cmd", "$(id)"}}}});
  EXPECT_EQ(strict.first, 400);
  EXPECT_NE(strict.second.find("conf key \"cmd\" is not a param"), std::string::npos)
      << strict.second;
  auto out_of_enum = refused("params", {{"conf", {{"color", "red"}}}});
  EXPECT_EQ(out_of_enum.first, 400);
  EXPECT_NE(out_of_enum.second.find("color"), std::string::npos) << out_of_enum.second;
  EXPECT_EQ(refused("params", {{"conf", {{"count", 11}}}}).first, 400);
  EXPECT_EQ(refused("params", {{"conf", {{"count", "two"}}}}).first, 400);

  TriggerRun("etl", "r1", "2024-01-01T00:00:00Z");
  auto taken = refused("etl", {{"dag_run_id", "r1"}});
  EXPECT_EQ(taken.first, 409);
  EXPECT_NE(taken.second.find("already has a run 'r1'"), std::string::npos) << taken.second;
  EXPECT_EQ(Call("POST", "/dags/nope/dagRuns", Json::object()).status, 404);

  // Nothing was created but r1, and only r1 was recorded.
  EXPECT_EQ(store_->ListRuns(RunFilter{}).value().size(), 1u);
  EXPECT_EQ(AuditEvents().size(), 1u);
  // Params within their rules pass.
  TriggerRun("params", "ok", "2024-01-01T00:00:00Z", {{"color", "green"}, {"count", 3}});
}

TEST_F(RunsTest, ListFiltersByStateAndPagesNewestFirst) {
  TriggerRun("etl", "r1", "2024-01-01T00:00:00Z");
  TriggerRun("etl", "r2", "2024-01-02T00:00:00Z");
  TriggerRun("etl", "r3", "2024-01-03T00:00:00Z");
  DagRun r2 = store_->GetRun("etl", "r2").value();
  r2.state = RunState::kFailed;
  ASSERT_TRUE(store_->UpdateRun(r2).has_value());

  ApiResponse all = Get("/dags/etl/dagRuns");
  ASSERT_EQ(all.status, 200) << all.body.dump();
  EXPECT_EQ(RunIds(all.body), (std::vector<std::string>{"r3", "r2", "r1"}));
  EXPECT_EQ(all.body["total_entries"], 3);
  ApiResponse page = Get("/dags/etl/dagRuns", {{"limit", "1"}, {"offset", "1"}});
  EXPECT_EQ(RunIds(page.body), std::vector<std::string>{"r2"});
  EXPECT_EQ(page.body["total_entries"], 3);
  EXPECT_EQ(RunIds(Get("/dags/etl/dagRuns", {{"state", "failed"}}).body),
            std::vector<std::string>{"r2"});
  EXPECT_EQ(RunIds(Get("/dags/etl/dagRuns", {{"state", "queued,failed"}}).body).size(), 3u);

  ApiResponse bad = Get("/dags/etl/dagRuns", {{"state", "sleepy"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(MessageOf(bad).find("'sleepy'"), std::string::npos);
  EXPECT_EQ(Get("/dags/etl/dagRuns", {{"limit", "1001"}}).status, 400);
}

TEST_F(RunsTest, DetailAnswersTheRunOr404) {
  TriggerRun("etl", "r1", "2024-01-01T00:00:00Z", {{"k", 1}});
  ApiResponse r = Get("/dags/etl/dagRuns/r1");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["dag_id"], "etl");
  EXPECT_EQ(r.body["conf"]["k"], 1);
  ApiResponse missing = Get("/dags/etl/dagRuns/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorCodeOf(missing), "not_found");
}

TEST_F(RunsTest, MarkRunDryRunListsWhatWouldChangeAndChangesNothing) {
  TriggerRun("etl", "r1", "2024-01-01T00:00:00Z");
  SetTaskState("etl", "r1", "extract", TaskState::kSuccess);
  ApiResponse dry =
      Call("PATCH", "/dags/etl/dagRuns/r1", {{"state", "success"}, {"dry_run", true}});
  ASSERT_EQ(dry.status, 200) << dry.body.dump();
  EXPECT_EQ(dry.body["total_entries"], 3);  // transform, load, report: the unfinished ones
  EXPECT_EQ(store_->GetRun("etl", "r1").value().state, RunState::kQueued);
  EXPECT_EQ(TaskStateOf("etl", "r1", "load"), TaskState::kNone);
  EXPECT_EQ(AuditEvents().size(), 1u);  // the trigger only

  ApiResponse marked = Call("PATCH", "/dags/etl/dagRuns/r1", {{"state", "success"}}, op_);
  ASSERT_EQ(marked.status, 200) << marked.body.dump();
  EXPECT_EQ(marked.body["state"], "success");
  EXPECT_EQ(TaskStateOf("etl", "r1", "load"), TaskState::kSuccess);
  EXPECT_EQ(store_->GetTaskInstance("etl", "r1", "load").value().marked->by, "otto");
  auto events = AuditEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].action, "mark_run");
  EXPECT_EQ(events[1].details["state"], "success");
  EXPECT_EQ(events[1].details["was"], "queued");
  EXPECT_EQ(events[1].details["marked"].size(), 3u);
}

TEST_F(RunsTest, MarkRunRefusesOtherStatesAndUnknownRuns) {
  TriggerRun("etl", "r1", "2024-01-01T00:00:00Z");
  ApiResponse running = Call("PATCH", "/dags/etl/dagRuns/r1", {{"state", "running"}});
  EXPECT_EQ(running.status, 400);
  EXPECT_NE(MessageOf(running).find("success or failed"), std::string::npos);
  EXPECT_EQ(Call("PATCH", "/dags/etl/dagRuns/r1", Json::object()).status, 400);
  EXPECT_EQ(Call("PATCH", "/dags/etl/dagRuns/nope", {{"state", "failed"}}).status, 404);
  EXPECT_EQ(store_->GetRun("etl", "r1").value().state, RunState::kQueued);
}

TEST_F(RunsTest, MarkingARunFailedKillsItsRunningAttemptThroughTheExecutor) {
  TriggerRun("etl", "r1", "2024-01-01T00:00:00Z");
  TaskInstance ti = store_->GetTaskInstance("etl", "r1", "extract").value();
  ti.state = TaskState::kRunning;
  ti.try_number = 1;
  ASSERT_TRUE(store_->UpdateTaskInstance(ti).has_value());
  TaskTry t;
  t.dag_id = "etl";
  t.run_id = "r1";
  t.task_id = "extract";
  t.try_number = 1;
  t.state = TaskState::kRunning;
  t.pid = 31337;
  t.proc_start = 42;
  ASSERT_TRUE(store_->InsertTry(t).has_value());

  ASSERT_EQ(Call("PATCH", "/dags/etl/dagRuns/r1", {{"state", "failed"}}).status, 200);
  auto kills = executor_.kills();
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(kills[0].key, (AttemptKey{"etl", "r1", "extract", 1}));
  EXPECT_EQ(kills[0].process.pid, 31337);
  EXPECT_EQ(kills[0].process.proc_start, 42);
  EXPECT_EQ(kills[0].reason, "the run was marked failed by ada");
  EXPECT_EQ(TaskStateOf("etl", "r1", "extract"), TaskState::kFailed);
  EXPECT_EQ(TaskStateOf("etl", "r1", "load"), TaskState::kSkipped);
}

TEST_F(RunsTest, ClearingARunRunsEveryTaskAgainAndQueuesIt) {
  TriggerRun("etl", "r1", "2024-01-01T00:00:00Z");
  ASSERT_EQ(Call("PATCH", "/dags/etl/dagRuns/r1", {{"state", "failed"}}).status, 200);
  clock_.Advance(std::chrono::hours(1));

  ApiResponse dry = Call("POST", "/dags/etl/dagRuns/r1/clear", {{"dry_run", true}});
  ASSERT_EQ(dry.status, 200) << dry.body.dump();
  EXPECT_EQ(dry.body["total_entries"], 4);
  EXPECT_EQ(store_->GetRun("etl", "r1").value().state, RunState::kFailed);

  ApiResponse cleared = Call("POST", "/dags/etl/dagRuns/r1/clear", Json::object());
  ASSERT_EQ(cleared.status, 200) << cleared.body.dump();
  EXPECT_EQ(cleared.body["total_entries"], 4);
  DagRun run = store_->GetRun("etl", "r1").value();
  EXPECT_EQ(run.state, RunState::kQueued);
  EXPECT_EQ(run.queued_at, clock_.Now());
  EXPECT_EQ(TaskStateOf("etl", "r1", "load"), TaskState::kNone);
  auto events = AuditEvents();
  ASSERT_EQ(events.size(), 3u);  // trigger, mark_run, clear: the dry run is not recorded
  EXPECT_EQ(events[2].action, "clear");
  EXPECT_EQ(events[2].run_id, "r1");
  EXPECT_EQ(events[2].details["cleared"].size(), 4u);
  EXPECT_EQ(Call("POST", "/dags/etl/dagRuns/nope/clear", Json::object()).status, 404);
}

}  // namespace
}  // namespace weir
