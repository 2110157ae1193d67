// Retention: `weir db clean` and the scheduler's `retention` setting.
#include "engine/retention.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "engine/scheduler.h"
#include "env/temp_dir.h"
#include "exec/local_executor.h"
#include "ops/registry.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = SqliteStore::Open(dir_.Join("weir.db")).value();
    ASSERT_TRUE(store_->Migrate().has_value());
    paths_ = AttemptPaths{dir_.Join("dags"), dir_.Join("logs"), dir_.Join("work"), "", "", ""};
    fs::create_directories(paths_.dags_folder);
  }

  // A run of DAG d that ended `ago` before now, with a log and a work folder.
  void AddRun(const std::string& run_id, RunState state, Duration ago,
              RunType type = RunType::kManual) {
    DagRun run;
    run.dag_id = "d";
    run.run_id = run_id;
    run.run_type = type;
    run.state = state;
    Time ended = clock_.Now() - ago;
    run.logical_date = ended;
    run.queued_at = ended;
    if (state == RunState::kSuccess || state == RunState::kFailed) run.end_date = ended;
    TaskInstance ti;
    ti.dag_id = "d";
    ti.run_id = run_id;
    ti.task_id = "t";
    ASSERT_TRUE(store_->CreateRun(run, {ti}).has_value());
    ASSERT_TRUE(
        store_->SetXCom(XComRow{"d", run_id, "t", "return_value", Json(1), ended}).has_value());
    for (const auto& folder : {paths_.logs_folder, paths_.work_folder}) {
      fs::create_directories(fs::path(folder) / "d" / run_id / "t");
      std::ofstream(fs::path(folder) / "d" / run_id / "t" / "f") << "x";
    }
  }

  std::vector<std::string> RunIds() {
    std::vector<DagRun> runs = store_->ListRuns(RunFilter{}).value();
    std::vector<std::string> out;
    out.reserve(runs.size());
    for (const auto& r : runs) out.push_back(r.run_id);
    std::sort(out.begin(), out.end());
    return out;
  }

  TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<SqliteStore> store_;
  AttemptPaths paths_;
};

TEST_F(RetentionTest, CleanRemovesOldFinishedRunsWithTheirFilesInBatches) {
  DagRow dag;
  dag.dag_id = "d";
  dag.fileloc = "d.yaml";
  ASSERT_TRUE(store_->UpsertDag(dag).has_value());
  using std::chrono::hours;
  AddRun("old-ok", RunState::kSuccess, hours(48));
  AddRun("old-failed", RunState::kFailed, hours(47));
  AddRun("old-running", RunState::kRunning, hours(46));
  AddRun("anchor", RunState::kSuccess, hours(45), RunType::kScheduled);
  AddRun("recent", RunState::kSuccess, hours(1));

  CleanOptions dry{.before = clock_.Now() - hours(24), .batch_size = 1, .dry_run = true};
  CleanReport would = CleanHistory(*store_, paths_, dry).value();
  ASSERT_EQ(would.runs.size(), 2u);
  EXPECT_EQ(would.runs[0].second, "old-ok");
  EXPECT_EQ(would.runs[1].second, "old-failed");
  EXPECT_EQ(RunIds().size(), 5u);
  EXPECT_TRUE(fs::exists(paths_.logs_folder + "/d/old-ok"));

  CleanOptions real = dry;
  real.dry_run = false;
  EXPECT_EQ(CleanHistory(*store_, paths_, real).value().runs, would.runs);
  EXPECT_EQ(RunIds(), (std::vector<std::string>{"anchor", "old-running", "recent"}));
  EXPECT_TRUE(store_->ListXComs("d", "old-ok").value().empty());
  for (const auto& folder : {paths_.logs_folder, paths_.work_folder}) {
    EXPECT_FALSE(fs::exists(folder + "/d/old-ok"));
    EXPECT_FALSE(fs::exists(folder + "/d/old-failed"));
    EXPECT_TRUE(fs::exists(folder + "/d/anchor"));
    EXPECT_TRUE(fs::exists(folder + "/d/recent"));
  }
}

TEST_F(RetentionTest, TheSchedulerAppliesTheRetentionSetting) {
  AddRun("old", RunState::kSuccess, std::chrono::hours(48));
  AddRun("new", RunState::kSuccess, std::chrono::minutes(5));
  DagRegistry registry(*store_, clock_, paths_.dags_folder, OperatorSchemas());
  ASSERT_TRUE(registry.Reload().has_value());
  EventQueue queue(clock_);
  LocalExecutor executor(2, queue.AttemptPoster());
  SchedulerOptions options;
  options.paths = paths_;
  options.watch_dags = false;
  options.heartbeat_interval = std::chrono::milliseconds(20);
  options.retention = std::chrono::hours(24);
  Scheduler scheduler(*store_, executor, queue, clock_, registry, options);
  std::future<Status> ran = std::async(std::launch::async, [&] { return scheduler.Run(); });
  auto reader = SqliteStore::Open(dir_.Join("weir.db")).value();
  bool cleaned = false;
  for (int i = 0; i < 500 && !cleaned; ++i) {
    cleaned = reader->ListRuns(RunFilter{}).value().size() == 1;
    if (!cleaned) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  scheduler.Stop();
  EXPECT_TRUE(ran.get().has_value());
  executor.Shutdown();
  ASSERT_TRUE(cleaned);
  EXPECT_EQ(reader->ListRuns(RunFilter{}).value().at(0).run_id, "new");
  EXPECT_FALSE(fs::exists(paths_.logs_folder + "/d/old"));
}

TEST_F(RetentionTest, TheSchedulerAppliesAuditRetentionAndRetentionLeavesTheAuditLog) {
  AddRun("old", RunState::kSuccess, std::chrono::hours(48));
  for (int days : {40, 2}) {
    AuditEvent e;
    e.action = "pause";
    e.when = clock_.Now() - std::chrono::hours(24 * days);
    ASSERT_TRUE(store_->AddAuditEvent(e).has_value());
  }
  DagRegistry registry(*store_, clock_, paths_.dags_folder, OperatorSchemas());
  ASSERT_TRUE(registry.Reload().has_value());
  EventQueue queue(clock_);
  LocalExecutor executor(2, queue.AttemptPoster());
  SchedulerOptions options;
  options.paths = paths_;
  options.watch_dags = false;
  options.heartbeat_interval = std::chrono::milliseconds(20);
  options.retention = std::chrono::hours(24);  // older than every event: they stay for it
  options.audit_retention = std::chrono::hours(24 * 30);
  Scheduler scheduler(*store_, executor, queue, clock_, registry, options);
  std::future<Status> ran = std::async(std::launch::async, [&] { return scheduler.Run(); });
  auto reader = SqliteStore::Open(dir_.Join("weir.db")).value();
  bool cleaned = false;
  for (int i = 0; i < 500 && !cleaned; ++i) {
    cleaned =
        reader->ListRuns(RunFilter{}).value().empty() && reader->CountAuditEvents({}).value() == 1;
    if (!cleaned) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  scheduler.Stop();
  EXPECT_TRUE(ran.get().has_value());
  executor.Shutdown();
  ASSERT_TRUE(cleaned);
  // The 2-day-old event stays: runs' retention does not touch the audit log.
  EXPECT_GT(reader->ListAuditEvents({}).value().at(0).when,
            clock_.Now() - std::chrono::hours(24 * 30));
}

TEST_F(RetentionTest, WorkFoldersAreKeptAsConfigured) {
  AddRun("ok", RunState::kSuccess, std::chrono::hours(1));
  AddRun("bad", RunState::kFailed, std::chrono::hours(1));
  DagRun ok = store_->GetRun("d", "ok").value();
  DagRun bad = store_->GetRun("d", "bad").value();
  RemoveRunWorkFolder(paths_, ok, "always");
  EXPECT_TRUE(fs::exists(paths_.work_folder + "/d/ok"));
  RemoveRunWorkFolder(paths_, ok, "failed");
  RemoveRunWorkFolder(paths_, bad, "failed");
  EXPECT_FALSE(fs::exists(paths_.work_folder + "/d/ok"));
  EXPECT_TRUE(fs::exists(paths_.work_folder + "/d/bad"));
  RemoveRunWorkFolder(paths_, bad, "never");
  EXPECT_FALSE(fs::exists(paths_.work_folder + "/d/bad"));
  EXPECT_TRUE(fs::exists(paths_.logs_folder + "/d/bad")) << "logs are not work folders";
}

TEST_F(RetentionTest, AuditEventsHaveTheirOwnRuleAndGoOnlyWhenAsked) {
  using std::chrono::hours;
  for (int days : {30, 10, 1}) {
    AuditEvent e;
    e.action = "pause";
    e.when = clock_.Now() - hours(24 * days);
    ASSERT_TRUE(store_->AddAuditEvent(e).has_value());
  }
  CleanOptions runs_only;
  runs_only.before = clock_.Now() - hours(24 * 5);
  EXPECT_EQ(CleanHistory(*store_, paths_, runs_only).value().audit_events, 0);
  EXPECT_EQ(store_->CountAuditEvents({}).value(), 3);

  CleanOptions dry = runs_only;
  dry.audit_events = true;
  dry.dry_run = true;
  EXPECT_EQ(CleanHistory(*store_, paths_, dry).value().audit_events, 2);
  EXPECT_EQ(store_->CountAuditEvents({}).value(), 3);

  CleanOptions with_audit = runs_only;
  with_audit.audit_events = true;
  EXPECT_EQ(CleanHistory(*store_, paths_, with_audit).value().audit_events, 2);
  EXPECT_EQ(store_->CountAuditEvents({}).value(), 1);
}

}  // namespace
}  // namespace weir
