// /transfers: transfer jobs made, checked, changed, run, paused and deleted through the API,
// their runs' counters, and the per-object report in pages and whole.
#include <gtest/gtest.h>

#include "ops/transfer.h"
#include "transfer/job.h"
#include "web/api_test_fixture.h"

namespace weir {
namespace {

class TransfersApiTest : public ApiTest {
 protected:
  Json Job(const std::string& name = "backup") {
    return {{"name", name},
            {"description", "raw to the backup folder"},
            {"transfer_spec",
             {{"source", "file://" + dir_.Join("raw") + "/"},
              {"sink", "file://" + dir_.Join("backup") + "/"},
              {"include_prefixes", {"2024/"}}}},
            {"schedule", {{"schedule_start_date", "2024-05-01"}, {"repeat_interval", "6h"}}}};
  }

  // What a finished try of the job's transfer task leaves: its state, its XCom and its report.
  void FinishTry(const std::string& run_id, int try_number, TaskState state,
                 const std::string& report, const Json& summary = nullptr) {
    TaskInstance ti = store_->GetTaskInstance("backup", run_id, "transfer").value();
    ti.state = state;
    ti.try_number = try_number;
    ASSERT_TRUE(store_->UpdateTaskInstance(ti).has_value());
    if (!summary.is_null()) {
      XComRow x;
      x.dag_id = "backup";
      x.run_id = run_id;
      x.task_id = "transfer";
      x.key = "return_value";
      x.value = summary;
      ASSERT_TRUE(store_->SetXCom(x).has_value());
    }
    std::string path =
        TransferReportPath(dir_.Join("logs"), "backup", run_id, "transfer", try_number);
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << report;
  }

  std::string MakeJobAndRun() {
    ApiResponse made = Call("POST", "/transfers", Job(), op_);
    EXPECT_EQ(made.status, 200) << made.body.dump();
    ApiResponse run = Call("POST", "/transfers/backup/run", Json::object(), op_);
    EXPECT_EQ(run.status, 200) << run.body.dump();
    return run.body.value("run_id", "");
  }
};

TEST_F(TransfersApiTest, CreateWritesTheJobAndItsDagAndAuditsIt) {
  ApiResponse made = Call("POST", "/transfers", Job(), op_);
  ASSERT_EQ(made.status, 200) << made.body.dump();
  EXPECT_EQ(made.body["name"], "backup");
  EXPECT_EQ(made.body["paused"], false);
  EXPECT_EQ(made.body["schedule_text"], "every 6h from 2024-05-01 00:00 UTC");
  EXPECT_TRUE(made.body["last_run"].is_null());
  EXPECT_TRUE(std::filesystem::exists(TransferJobDagPath(dir_.Join("dags"), "backup")));
  // Its DAG is listed at once, as any DAG.
  ApiResponse dag = Get("/dags/backup", {}, viewer_);
  ASSERT_EQ(dag.status, 200) << dag.body.dump();
  ApiResponse list = Get("/transfers", {}, viewer_);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["total_entries"], 1);
  EXPECT_EQ(list.body["transfers"][0]["transfer_spec"]["include_prefixes"], Json({"2024/"}));
  auto events = AuditEvents();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().action, "transfer_job_create");
  EXPECT_EQ(events.back().username, "otto");
  EXPECT_EQ(events.back().details["transfer_spec"]["include_prefixes"], Json({"2024/"}));
  // Once only: the name is taken now, by the job.
  EXPECT_EQ(Call("POST", "/transfers", Job(), op_).status, 409);
  // Created paused when asked.
  Json paused = Job("paused_one");
  paused["paused"] = true;
  ASSERT_EQ(Call("POST", "/transfers", paused, op_).status, 200);
  EXPECT_TRUE(store_->GetDag("paused_one").value().is_paused);
}

TEST_F(TransfersApiTest, ViewersReadButCannotChangeJobs) {
  ASSERT_EQ(Call("POST", "/transfers", Job(), op_).status, 200);
  EXPECT_EQ(Call("POST", "/transfers", Job("other"), viewer_).status, 403);
  EXPECT_EQ(Call("PATCH", "/transfers/backup", {{"paused", true}}, viewer_).status, 403);
  EXPECT_EQ(Call("DELETE", "/transfers/backup", nullptr, viewer_).status, 403);
  EXPECT_EQ(Call("POST", "/transfers/backup/run", Json::object(), viewer_).status, 403);
  EXPECT_EQ(Get("/transfers/backup", {}, viewer_).status, 200);
}

TEST_F(TransfersApiTest, ValidateNamesTheFieldThatIsWrong) {
  auto check = [&](const Json& job, std::map<std::string, std::string> query = {}) {
    ApiResponse r = Call("POST", "/transfers/validate", job, op_, std::move(query));
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body;
  };
  Json ok = check(Job());
  EXPECT_EQ(ok["valid"], true) << ok.dump();
  EXPECT_EQ(ok["dag_schedule"]["schedule"], "every 21600s");
  EXPECT_EQ(ok["schedule_text"], "every 6h from 2024-05-01 00:00 UTC");

  Json bad_prefix = Job();
  bad_prefix["transfer_spec"]["include_prefixes"] = {"/2024/"};
  Json r = check(bad_prefix);
  EXPECT_EQ(r["valid"], false);
  EXPECT_EQ(r["field"], "include_prefixes") << r.dump();

  Json short_repeat = Job();
  short_repeat["schedule"]["repeat_interval"] = "30m";
  r = check(short_repeat);
  EXPECT_EQ(r["field"], "repeat_interval") << r.dump();
  EXPECT_NE(r["message"].get<std::string>().find("at least 1 hour"), std::string::npos);

  Json both_deletes = Job();
  both_deletes["transferSpec"] = both_deletes["transfer_spec"];  // camel case reads too
  both_deletes.erase("transfer_spec");
  both_deletes["transferSpec"]["transferOptions"] = {
      {"deleteObjectsUniqueInSink", true}, {"deleteObjectsFromSourceAfterTransfer", true}};
  r = check(both_deletes);
  EXPECT_EQ(r["valid"], false);
  EXPECT_EQ(r["field"], "delete_objects_unique_in_sink") << r.dump();

  r = check(Job("etl"));  // a DAG of another file has that id
  EXPECT_EQ(r["field"], "name");
  EXPECT_NE(r["message"].get<std::string>().find("taken by"), std::string::npos) << r.dump();
  r = check(Job("../etc"));
  EXPECT_EQ(r["valid"], false);
  EXPECT_EQ(r["field"], "name") << r.dump();

  ASSERT_EQ(Call("POST", "/transfers", Job(), op_).status, 200);
  EXPECT_EQ(check(Job())["field"], "name");  // exists already
  EXPECT_EQ(check(Job(), {{"create", "false"}})["valid"], true);
  EXPECT_EQ(check(Job("nope"), {{"create", "false"}})["valid"], false);
  // Validating changes nothing.
  EXPECT_EQ(Get("/transfers").body["total_entries"], 1);
}

TEST_F(TransfersApiTest, PatchMergesIntoTheStoredJob) {
  ASSERT_EQ(Call("POST", "/transfers", Job(), op_).status, 200);
  ApiResponse patched =
      Call("PATCH", "/transfers/backup",
           {{"transferSpec", {{"transferOptions", {{"overwriteWhen", "always"}}}}},
            {"schedule", nullptr}},
           op_);
  ASSERT_EQ(patched.status, 200) << patched.body.dump();
  EXPECT_EQ(patched.body["transfer_spec"]["overwrite_when"], "always");
  EXPECT_EQ(patched.body["transfer_spec"]["include_prefixes"], Json({"2024/"}));  // kept
  EXPECT_FALSE(patched.body.contains("schedule") && !patched.body["schedule"].is_null());
  EXPECT_EQ(patched.body["schedule_text"], "only when run");
  EXPECT_EQ(LoadTransferJob(dir_.Join("dags"), "backup").value().schedule, std::nullopt);
  EXPECT_EQ(AuditEvents().back().action, "transfer_job_update");

  // Pausing alone leaves the files as they are.
  ApiResponse paused = Call("PATCH", "/transfers/backup", {{"paused", true}}, op_);
  ASSERT_EQ(paused.status, 200) << paused.body.dump();
  EXPECT_EQ(paused.body["paused"], true);
  EXPECT_TRUE(store_->GetDag("backup").value().is_paused);

  // A change that does not validate changes nothing.
  ApiResponse bad =
      Call("PATCH", "/transfers/backup", {{"transfer_spec", {{"sink", "s3://b/no-slash"}}}}, op_);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(LoadTransferJob(dir_.Join("dags"), "backup").value().spec["overwrite_when"], "always");
  EXPECT_EQ(Call("PATCH", "/transfers/backup", {{"name", "renamed"}}, op_).status, 400);
  EXPECT_EQ(Call("PATCH", "/transfers/none", {{"paused", true}}, op_).status, 404);
}

TEST_F(TransfersApiTest, RunsShowTheirCountersAndReportsInPages) {
  std::string run_id = MakeJobAndRun();
  ASSERT_FALSE(run_id.empty());
  std::string report = R"({"key":"2024/a.csv","action":"copied","reason":"new","bytes":10})"
                       "\n"
                       R"({"key":"2024/b.csv","action":"skipped","reason":"same","bytes":20})"
                       "\n"
                       R"({"key":"2024/c.csv","action":"copied","reason":"new","bytes":30})"
                       "\n"
                       R"({"key":"2024/d.csv","action":"failed","reason":"new","error":"HTTP 500"})"
                       "\n";
  Json summary = {{"counters", {{"objects_copied_to_sink", 2}, {"bytes_copied_to_sink", 40}}},
                  {"failures", 1}};
  FinishTry(run_id, 1, TaskState::kSuccess, report, summary);

  ApiResponse job = Get("/transfers/backup", {}, viewer_);
  ASSERT_EQ(job.status, 200) << job.body.dump();
  ASSERT_EQ(job.body["runs"].size(), 1u);
  EXPECT_EQ(job.body["runs"][0]["run"]["run_id"], run_id);
  EXPECT_EQ(job.body["runs"][0]["task"]["try_number"], 1);
  EXPECT_EQ(job.body["runs"][0]["summary"]["counters"]["objects_copied_to_sink"], 2);
  EXPECT_EQ(job.body["last_run_summary"]["failures"], 1);

  std::string path = "/transfers/backup/runs/" + run_id + "/report";
  ApiResponse page = Get(path, {{"limit", "2"}}, viewer_);
  ASSERT_EQ(page.status, 200) << page.body.dump();
  EXPECT_EQ(page.body["total_entries"], 4);
  ASSERT_EQ(page.body["entries"].size(), 2u);
  EXPECT_EQ(page.body["entries"][1]["key"], "2024/b.csv");
  EXPECT_EQ(page.body["counts"], Json({{"copied", 2}, {"failed", 1}, {"skipped", 1}}));
  EXPECT_EQ(page.body["finished"], true);
  ApiResponse copied = Get(path, {{"action", "copied"}, {"offset", "1"}}, viewer_);
  ASSERT_EQ(copied.status, 200);
  EXPECT_EQ(copied.body["total_entries"], 2);
  ASSERT_EQ(copied.body["entries"].size(), 1u);
  EXPECT_EQ(copied.body["entries"][0]["key"], "2024/c.csv");

  ApiResponse file = Get(path + ".jsonl", {}, viewer_);
  ASSERT_EQ(file.status, 200) << file.body.dump();
  EXPECT_EQ(file.text, report);
  EXPECT_TRUE(file.download_name.starts_with("backup_manual__")) << file.download_name;
  EXPECT_TRUE(file.download_name.ends_with("_try1.transfer.jsonl")) << file.download_name;
  EXPECT_EQ(file.download_name.find_first_of(":+/ "), std::string::npos) << file.download_name;

  // Tries that are not there, and runs of other DAGs, are refused.
  EXPECT_EQ(Get(path, {{"try_number", "2"}}).status, 400);
  EXPECT_EQ(Get("/transfers/etl/runs/" + run_id + "/report").status, 404);
  EXPECT_EQ(Get("/transfers/backup/runs/..%2F..%2Fx/report").status, 404);
}

TEST_F(TransfersApiTest, ARunningTrysReportLeavesOutTheLineBeingWrittenAndMasksSecrets) {
  std::string run_id = MakeJobAndRun();
  ASSERT_EQ(Call("POST", "/variables",
                 {{"key", "api_secret"}, {"value", "hunter2-secret"}, {"is_secret", true}})
                .status,
            200);
  FinishTry(run_id, 1, TaskState::kRunning,
            R"({"key":"a","action":"failed","error":"token hunter2-secret refused"})"
            "\n"
            R"({"key":"b","action":"cop)");
  std::string path = "/transfers/backup/runs/" + run_id + "/report";
  ApiResponse page = Get(path);
  ASSERT_EQ(page.status, 200) << page.body.dump();
  EXPECT_EQ(page.body["total_entries"], 1);
  EXPECT_EQ(page.body["finished"], false);
  EXPECT_EQ(page.body.dump().find("hunter2"), std::string::npos) << page.body.dump();
  ApiResponse file = Get(path + ".jsonl");
  ASSERT_EQ(file.status, 200);
  ASSERT_TRUE(file.text.has_value());
  EXPECT_EQ(file.text->find("hunter2"), std::string::npos) << *file.text;
  EXPECT_EQ(file.text->find("\"b\""), std::string::npos) << *file.text;
  EXPECT_NE(file.text->find("***"), std::string::npos) << *file.text;
}

TEST_F(TransfersApiTest, DeleteRemovesTheFilesAndKeepsTheRuns) {
  std::string run_id = MakeJobAndRun();
  ApiResponse deleted = Call("DELETE", "/transfers/backup", nullptr, op_);
  ASSERT_EQ(deleted.status, 200) << deleted.body.dump();
  EXPECT_FALSE(std::filesystem::exists(TransferJobDagPath(dir_.Join("dags"), "backup")));
  EXPECT_EQ(Get("/transfers/backup").status, 404);
  EXPECT_EQ(Call("DELETE", "/transfers/backup", nullptr, op_).status, 404);
  EXPECT_TRUE(store_->GetRun("backup", run_id).has_value());
  EXPECT_EQ(AuditEvents().back().action, "transfer_job_delete");
}

}  // namespace
}  // namespace weir
