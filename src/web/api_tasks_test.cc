// The API's task instance endpoints: list, detail, clear and mark (upstream, downstream, dry
// runs, the kill of a running attempt), Airflow's bulk forms, what a task waits for, and logs.
#include <gtest/gtest.h>

#include "engine/attempts.h"
#include "env/files.h"
#include "web/api_test_fixture.h"

namespace weir {
namespace {

class TasksTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    TriggerRun("etl", "r1", "2024-01-01T00:00:00Z");
  }

  // The task ids of an answer's task instances, in its order.
  static std::vector<std::string> TaskIds(const Json& body) {
    std::vector<std::string> ids;
    for (const auto& ti : body["task_instances"]) ids.push_back(ti["task_id"].get<std::string>());
    return ids;
  }

  // extract is running its try 1 as process 4242.
  void RunExtract() {
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
    t.pid = 4242;
    t.proc_start = 99;
    ASSERT_TRUE(store_->InsertTry(t).has_value());
  }

  // Writes try `n` of extract's log.
  void WriteLog(int n, const std::string& text) {
    std::string path = AttemptLogPath(dir_.Join("logs"), AttemptKey{"etl", "r1", "extract", n});
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << text;
  }

  using Ids = std::vector<std::string>;
};

TEST_F(TasksTest, ListPagesAndDetailHasTriesAndXCom) {
  ApiResponse all = Get("/dags/etl/dagRuns/r1/taskInstances");
  ASSERT_EQ(all.status, 200) << all.body.dump();
  EXPECT_EQ(all.body["total_entries"], 4);
  ApiResponse page = Get("/dags/etl/dagRuns/r1/taskInstances", {{"limit", "2"}, {"offset", "3"}});
  EXPECT_EQ(page.body["task_instances"].size(), 1u);
  EXPECT_EQ(Get("/dags/etl/dagRuns/nope/taskInstances").status, 404);

  RunExtract();
  ASSERT_TRUE(store_->SetXCom({"etl", "r1", "extract", "return_value", 7, clock_.Now()}));
  ApiResponse ti = Get("/dags/etl/dagRuns/r1/taskInstances/extract");
  ASSERT_EQ(ti.status, 200) << ti.body.dump();
  EXPECT_EQ(ti.body["state"], "running");
  ASSERT_EQ(ti.body["tries"].size(), 1u);
  EXPECT_EQ(ti.body["tries"][0]["try_number"], 1);
  EXPECT_EQ(ti.body["xcom"]["return_value"], 7);
  ApiResponse missing = Get("/dags/etl/dagRuns/r1/taskInstances/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorCodeOf(missing), "not_found");
}

TEST_F(TasksTest, ClearWithDownstreamClearsTheTaskAndWhatDependsOnIt) {
  for (const char* t : {"extract", "transform", "load", "report"}) {
    SetTaskState("etl", "r1", t, TaskState::kSuccess);
  }
  ApiResponse dry = Call("POST", "/dags/etl/dagRuns/r1/taskInstances/transform/clear",
                         {{"include_downstream", true}, {"dry_run", true}});
  ASSERT_EQ(dry.status, 200) << dry.body.dump();
  EXPECT_EQ(TaskIds(dry.body), (Ids{"transform", "load", "report"}));
  EXPECT_EQ(TaskStateOf("etl", "r1", "load"), TaskState::kSuccess);

  ApiResponse r = Call("POST", "/dags/etl/dagRuns/r1/taskInstances/transform/clear",
                       {{"include_downstream", true}}, op_);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(TaskIds(r.body), (Ids{"transform", "load", "report"}));
  EXPECT_EQ(TaskStateOf("etl", "r1", "extract"), TaskState::kSuccess);
  EXPECT_EQ(TaskStateOf("etl", "r1", "load"), TaskState::kNone);
  auto events = AuditEvents();
  ASSERT_EQ(events.back().action, "clear");
  EXPECT_EQ(events.back().task_id, "transform");
  EXPECT_EQ(events.back().username, "otto");
  EXPECT_EQ(events.back().details["downstream"], true);
  EXPECT_EQ(events.back().details["cleared"][1]["was"], "success");
  EXPECT_TRUE(executor_.kills().empty());  // nothing was running
}

TEST_F(TasksTest, MarkWithUpstreamMarksTheTaskAndWhatItDependsOn) {
  ApiResponse r = Call("PATCH", "/dags/etl/dagRuns/r1/taskInstances/transform",
                       {{"state", "success"}, {"include_upstream", true}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(TaskIds(r.body), (Ids{"extract", "transform"}));
  EXPECT_EQ(TaskStateOf("etl", "r1", "extract"), TaskState::kSuccess);
  EXPECT_EQ(TaskStateOf("etl", "r1", "load"), TaskState::kNone);
  TaskInstance ti = store_->GetTaskInstance("etl", "r1", "transform").value();
  ASSERT_TRUE(ti.marked.has_value());
  EXPECT_EQ(ti.marked->by, "ada");
  EXPECT_EQ(ti.marked->at, clock_.Now());
  EXPECT_EQ(AuditEvents().back().action, "mark_task");
}

TEST_F(TasksTest, MarkAndClearRefuseBadStatesFlagsAndUnknownTasks) {
  auto path = "/dags/etl/dagRuns/r1/taskInstances/load";
  ApiResponse running = Call("PATCH", path, {{"state", "running"}});
  EXPECT_EQ(running.status, 400);
  EXPECT_NE(MessageOf(running).find("success, failed or skipped"), std::string::npos);
  EXPECT_EQ(Call("PATCH", path, {{"state", "failed"}, {"include_upstream", "yes"}}).status, 400);
  EXPECT_EQ(Call("PATCH", "/dags/etl/dagRuns/r1/taskInstances/nope", {{"state", "failed"}}).status,
            404);
  EXPECT_EQ(Call("POST", "/dags/etl/dagRuns/r1/taskInstances/nope/clear", Json::object()).status,
            404);
  EXPECT_EQ(Call("POST", "/dags/etl/dagRuns/nope/taskInstances/load/clear", Json::object()).status,
            404);
  EXPECT_EQ(TaskStateOf("etl", "r1", "load"), TaskState::kNone);
  EXPECT_EQ(AuditEvents().size(), 1u);  // the trigger only
}

TEST_F(TasksTest, MarkingARunningTaskFailedKillsItsAttemptThroughTheExecutor) {
  RunExtract();
  ApiResponse dry = Call("PATCH", "/dags/etl/dagRuns/r1/taskInstances/extract",
                         {{"state", "failed"}, {"dry_run", true}});
  ASSERT_EQ(dry.status, 200);
  EXPECT_TRUE(executor_.kills().empty());
  EXPECT_EQ(TaskStateOf("etl", "r1", "extract"), TaskState::kRunning);

  ApiResponse r =
      Call("PATCH", "/dags/etl/dagRuns/r1/taskInstances/extract", {{"state", "failed"}}, op_);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  auto kills = executor_.kills();
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(kills[0].key, (AttemptKey{"etl", "r1", "extract", 1}));
  EXPECT_EQ(kills[0].process.pid, 4242);
  EXPECT_EQ(kills[0].process.proc_start, 99);
  EXPECT_EQ(kills[0].reason, "marked failed by otto");
  EXPECT_EQ(TaskStateOf("etl", "r1", "extract"), TaskState::kFailed);
}

TEST_F(TasksTest, ClearingARunningTaskKillsItsAttemptThroughTheExecutor) {
  RunExtract();
  ApiResponse r =
      Call("POST", "/dags/etl/dagRuns/r1/taskInstances/extract/clear", Json::object(), op_);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  auto kills = executor_.kills();
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(kills[0].process.pid, 4242);
  EXPECT_EQ(kills[0].reason, "cleared by otto");
  TaskInstance ti = store_->GetTaskInstance("etl", "r1", "extract").value();
  EXPECT_EQ(ti.state, TaskState::kNone);
  EXPECT_EQ(ti.max_tries, 2);  // try 1 was used: one more is allowed
}

TEST_F(TasksTest, AirflowsBulkFormsAreDryRunsOfFailedTasksUnlessToldOtherwise) {
  SetTaskState("etl", "r1", "extract", TaskState::kSuccess);
  SetTaskState("etl", "r1", "transform", TaskState::kFailed);
  SetTaskState("etl", "r1", "load", TaskState::kUpstreamFailed);
  ApiResponse dry = Call("POST", "/dags/etl/clearTaskInstances", {{"dag_run_id", "r1"}});
  ASSERT_EQ(dry.status, 200) << dry.body.dump();
  EXPECT_EQ(TaskIds(dry.body), (Ids{"transform", "load"}));
  EXPECT_EQ(TaskStateOf("etl", "r1", "transform"), TaskState::kFailed);

  ApiResponse cleared = Call("POST", "/dags/etl/clearTaskInstances",
                             {{"dag_run_id", "r1"}, {"dry_run", false}, {"task_ids", {"load"}}});
  ASSERT_EQ(cleared.status, 200) << cleared.body.dump();
  EXPECT_EQ(TaskIds(cleared.body), Ids{"load"});
  EXPECT_EQ(TaskStateOf("etl", "r1", "load"), TaskState::kNone);
  EXPECT_EQ(TaskStateOf("etl", "r1", "transform"), TaskState::kFailed);
  EXPECT_EQ(Call("POST", "/dags/etl/clearTaskInstances", Json::object()).status, 400);
  EXPECT_EQ(Call("POST", "/dags/etl/clearTaskInstances", {{"dag_run_id", "r1"}, {"task_ids", "x"}})
                .status,
            400);

  Json mark{{"dag_run_id", "r1"}, {"task_id", "transform"}, {"new_state", "success"}};
  ApiResponse preview = Call("POST", "/dags/etl/updateTaskInstancesState", mark);
  ASSERT_EQ(preview.status, 200) << preview.body.dump();
  EXPECT_EQ(TaskIds(preview.body), Ids{"transform"});
  EXPECT_EQ(TaskStateOf("etl", "r1", "transform"), TaskState::kFailed);
  mark["dry_run"] = false;
  ASSERT_EQ(Call("POST", "/dags/etl/updateTaskInstancesState", mark).status, 200);
  EXPECT_EQ(TaskStateOf("etl", "r1", "transform"), TaskState::kSuccess);
  mark["new_state"] = "queued";
  EXPECT_EQ(Call("POST", "/dags/etl/updateTaskInstancesState", mark).status, 400);
}

TEST_F(TasksTest, DependenciesSayWhatATaskAndARunWaitFor) {
  ApiResponse task = Get("/dags/etl/dagRuns/r1/taskInstances/load/dependencies");
  ASSERT_EQ(task.status, 200) << task.body.dump();
  EXPECT_EQ(task.body["task_id"], "load");
  EXPECT_EQ(task.body["status"], "waiting");
  bool upstream = false;
  for (const auto& d : task.body["dependencies"]) upstream |= d["code"] == "upstream";
  EXPECT_TRUE(upstream) << task.body.dump();

  ApiResponse run = Get("/dags/etl/dagRuns/r1/dependencies");
  ASSERT_EQ(run.status, 200) << run.body.dump();
  EXPECT_EQ(run.body["dag_run_id"], "r1");
  EXPECT_EQ(run.body["state"], "queued");
  EXPECT_EQ(run.body["task_instances"].size(), 4u);
  EXPECT_EQ(Get("/dags/etl/dagRuns/r1/taskInstances/nope/dependencies").status, 404);
  EXPECT_EQ(Get("/dags/etl/dagRuns/nope/dependencies").status, 404);
}

TEST_F(TasksTest, LogsArePiecesFromAnOffsetAndAMissingTryIs404) {
  RunExtract();
  WriteLog(1, "line one\nline two\n");
  ApiResponse whole = Get("/dags/etl/dagRuns/r1/taskInstances/extract/logs/1");
  ASSERT_EQ(whole.status, 200) << whole.body.dump();
  EXPECT_EQ(whole.body["content"], "line one\nline two\n");
  EXPECT_EQ(whole.body["offset"], 0);
  EXPECT_EQ(whole.body["next_offset"], 18);
  EXPECT_EQ(whole.body["size"], 18);
  EXPECT_EQ(whole.body["finished"], false);  // the try is running

  ApiResponse tail = Get("/dags/etl/dagRuns/r1/taskInstances/extract/logs/1", {{"offset", "9"}});
  EXPECT_EQ(tail.body["content"], "line two\n");
  EXPECT_EQ(tail.body["next_offset"], 18);
  ApiResponse end = Get("/dags/etl/dagRuns/r1/taskInstances/extract/logs/1", {{"offset", "18"}});
  EXPECT_EQ(end.body["content"], "");
  EXPECT_EQ(end.body["next_offset"], 18);

  SetTaskState("etl", "r1", "extract", TaskState::kSuccess);
  EXPECT_EQ(Get("/dags/etl/dagRuns/r1/taskInstances/extract/logs/1").body["finished"], true);

  ApiResponse missing = Get("/dags/etl/dagRuns/r1/taskInstances/extract/logs/2");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(MessageOf(missing).find("has 1 tries, not 2"), std::string::npos) << MessageOf(missing);
  EXPECT_EQ(Get("/dags/etl/dagRuns/r1/taskInstances/extract/logs/0").status, 400);
  EXPECT_EQ(Get("/dags/etl/dagRuns/r1/taskInstances/extract/logs/x").status, 400);
  EXPECT_EQ(Get("/dags/etl/dagRuns/r1/taskInstances/extract/logs/1", {{"offset", "-5"}}).status,
            400);
}

// An `empty` task's try ran no process and has no log file: its log is a note saying so.
TEST_F(TasksTest, ATryThatRanNoProcessHasANoteForALog) {
  RunExtract();  // try 1 recorded with no log_path, as for an `empty` task
  TaskTry t = store_->ListTries("etl", "r1", "extract").value().at(0);
  t.state = TaskState::kSuccess;
  t.start_date = t.end_date = clock_.Now();
  ASSERT_TRUE(store_->UpdateTry(t).has_value());
  SetTaskState("etl", "r1", "extract", TaskState::kSuccess);
  const std::string note = NoLogNote(1);
  ApiResponse whole = Get("/dags/etl/dagRuns/r1/taskInstances/extract/logs/1");
  ASSERT_EQ(whole.status, 200) << whole.body.dump();
  EXPECT_EQ(whole.body["content"], note);
  EXPECT_EQ(whole.body["size"], note.size());
  EXPECT_EQ(whole.body["next_offset"], note.size());
  EXPECT_EQ(whole.body["finished"], true);
  ApiResponse end = Get("/dags/etl/dagRuns/r1/taskInstances/extract/logs/1",
                        {{"offset", std::to_string(note.size())}});
  EXPECT_EQ(end.body["content"], "");
  EXPECT_EQ(end.body["finished"], true);
}

TEST_F(TasksTest, ASecretValueIsMaskedInLogsAndEveryAnswer) {
  ASSERT_EQ(Call("POST", "/variables",
                 {{"key", "token"}, {"value", "hunter2-secret"}, {"is_secret", true}})
                .status,
            200);
  RunExtract();
  WriteLog(1, "using hunter2-secret now\n");
  ApiResponse log = Get("/dags/etl/dagRuns/r1/taskInstances/extract/logs/1");
  ASSERT_EQ(log.status, 200);
  EXPECT_EQ(log.body["content"], "using *** now\n");
  TaskInstance ti = store_->GetTaskInstance("etl", "r1", "extract").value();
  ti.error = "failed with hunter2-secret";
  ASSERT_TRUE(store_->UpdateTaskInstance(ti).has_value());
  ApiResponse detail = Get("/dags/etl/dagRuns/r1/taskInstances/extract");
  EXPECT_EQ(detail.body["error"], "failed with ***");
  EXPECT_EQ(detail.body.dump().find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace weir
