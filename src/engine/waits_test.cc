// ExplainWaits over a real SQLite store and DAG files: what a run and its task instances wait
// for, as the scheduler would decide now; and the queued time of a cleared run.
#include "engine/waits.h"

#include <gtest/gtest.h>

#include <fstream>

#include "engine/actions.h"
#include "engine/scheduler.h"
#include "env/temp_dir.h"
#include "exec/fake_executor.h"
#include "ops/registry.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {
namespace {

class WaitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    std::filesystem::create_directories(dir_.Join("dags"));
    store_ = SqliteStore::Open(dir_.Join("weir.db")).value();
    ASSERT_TRUE(store_->Migrate().has_value());
    registry_ =
        std::make_unique<DagRegistry>(*store_, clock_, dir_.Join("dags"), OperatorSchemas());
    std::ofstream(dir_.Join("dags/w.yaml")) << R"(
dag_id: w
max_active_runs: 1
tasks:
  - task_id: extract
    operator: bash
    command: "true"
  - task_id: load
    operator: bash
    depends_on: [extract]
    command: "true"
)";
    ASSERT_TRUE(registry_->Reload().has_value());
    ASSERT_NE(registry_->Find("w"), nullptr);
    ASSERT_TRUE(store_->SetPaused("w", false).has_value());
  }

  DagRun Trigger(const std::string& run_id) {
    TriggerRequest req;
    req.run_id = run_id;
    req.logical_date = clock_.Now() + std::chrono::minutes(++triggered_);
    return TriggerRun(*store_, *registry_->Find("w"), clock_, req).value();
  }

  void SetRunning(const std::string& run_id, const std::string& task_id) {
    DagRun run = store_->GetRun("w", run_id).value();
    run.state = RunState::kRunning;
    run.start_date = clock_.Now();
    ASSERT_TRUE(store_->UpdateRun(run).has_value());
    TaskInstance ti = store_->GetTaskInstance("w", run_id, task_id).value();
    ti.state = TaskState::kRunning;
    ASSERT_TRUE(store_->UpdateTaskInstance(ti).has_value());
  }

  void SchedulerBeats() {
    SchedulerJob job;
    job.hostname = "here";
    job.pid = 1;
    job.started_at = clock_.Now();
    job.heartbeat_at = clock_.Now();
    ASSERT_TRUE(store_->AddSchedulerJob(job).has_value());
  }

  RunWaits Explain(const std::string& run_id, int parallelism = 0) {
    return ExplainWaits(*store_, registry_->dags(), "w", run_id,
                        WaitQuery{clock_.Now(), parallelism})
        .value();
  }

  static const TaskWait& Task(const RunWaits& w, const std::string& task_id) {
    for (const auto& t : w.tasks) {
      if (t.ti.task_id == task_id) return t;
    }
    throw std::runtime_error("no task " + task_id);
  }

  static std::vector<WaitCode> Codes(const WaitExplanation& w) {
    std::vector<WaitCode> out;
    out.reserve(w.reasons.size());
    for (const auto& r : w.reasons) out.push_back(r.code);
    return out;
  }

  int triggered_ = 0;
  TempDir dir_;
  FakeClock clock_{ParseDateTime("2021-03-01T12:00:00Z").value()};
  FakeExecutor executor_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<DagRegistry> registry_;
};

TEST_F(WaitsTest, AQueuedRunWaitsForMaxActiveRunsNamingTheRunningRun) {
  Trigger("first");
  SetRunning("first", "extract");
  Trigger("second");
  SchedulerBeats();
  RunWaits w = Explain("second");
  EXPECT_EQ(w.wait.status, WaitStatus::kWaiting);
  ASSERT_EQ(Codes(w.wait), std::vector<WaitCode>{WaitCode::kMaxActiveRuns});
  EXPECT_EQ(w.wait.Summary(),
            "Waiting for: max_active_runs: 1 of 1 runs of DAG 'w' are running (first)");
  EXPECT_EQ(Codes(Task(w, "extract").wait),
            (std::vector<WaitCode>{WaitCode::kRunNotStarted, WaitCode::kMaxActiveRuns}));

  RunWaits first = Explain("first");
  EXPECT_EQ(first.wait.status, WaitStatus::kRunning);
  EXPECT_EQ(Task(first, "extract").wait.status, WaitStatus::kRunning);
  EXPECT_EQ(Codes(Task(first, "load").wait), std::vector<WaitCode>{WaitCode::kUpstream});
}

TEST_F(WaitsTest, WithoutASchedulerHeartbeatNothingGoesOn) {
  Trigger("only");
  RunWaits w = Explain("only");
  ASSERT_EQ(Codes(w.wait), std::vector<WaitCode>{WaitCode::kNoScheduler});
  EXPECT_NE(w.wait.reasons[0].text.find("none ever ran on this database"), std::string::npos);
  EXPECT_EQ(Codes(Task(w, "extract").wait), std::vector<WaitCode>{WaitCode::kNoScheduler});
  // A heartbeat older than the rule /health applies is no scheduler either.
  SchedulerBeats();
  clock_.Advance(kSchedulerAliveWithin + std::chrono::seconds(1));
  EXPECT_EQ(Codes(Explain("only").wait), std::vector<WaitCode>{WaitCode::kNoScheduler});
}

TEST_F(WaitsTest, ARunNothingBlocksIsReadyAndItsFirstTaskToo) {
  Trigger("only");
  SchedulerBeats();
  RunWaits w = Explain("only");
  EXPECT_EQ(w.wait.status, WaitStatus::kReady);
  EXPECT_EQ(w.wait.Summary(), "Ready: will start at the next scheduler step");
  EXPECT_EQ(Task(w, "extract").wait.status, WaitStatus::kReady);
  const auto& load = Task(w, "load").wait;
  ASSERT_EQ(Codes(load), std::vector<WaitCode>{WaitCode::kUpstream});
  EXPECT_EQ(load.reasons[0].text,
            "upstream tasks not done: extract (scheduled) (trigger rule all_success)");
}

TEST_F(WaitsTest, ExecutorSlotsTakenByRunningTasksHoldTheNextTask) {
  Trigger("first");
  SetRunning("first", "extract");
  SchedulerBeats();
  TaskInstance extract = store_->GetTaskInstance("w", "first", "extract").value();
  extract.state = TaskState::kSuccess;
  ASSERT_TRUE(store_->UpdateTaskInstance(extract).has_value());
  // With parallelism 1 and nothing running, `load` is ready...
  EXPECT_EQ(Task(Explain("first", 1), "load").wait.status, WaitStatus::kReady);
  // ...and once a task of another run holds the one slot, it waits for it.
  Trigger("second");
  SetRunning("second", "extract");
  EXPECT_EQ(Codes(Task(Explain("first", 1), "load").wait),
            std::vector<WaitCode>{WaitCode::kExecutorFull});
  EXPECT_EQ(Task(Explain("first", 2), "load").wait.status, WaitStatus::kReady);
}

TEST_F(WaitsTest, AClearedRunIsQueuedAgainAtTheTimeOfTheClear) {
  DagRun run = Trigger("r");
  Time first_queued = run.queued_at;
  ASSERT_TRUE(MarkRun(*store_, "w", "r", RunState::kFailed, clock_, executor_).has_value());
  clock_.Advance(std::chrono::hours(2));
  ClearRequest clear;
  clear.run_id = "r";
  ASSERT_TRUE(
      ClearTasks(*store_, *registry_->Find("w")->spec, clear, clock_, executor_).has_value());
  DagRun cleared = store_->GetRun("w", "r").value();
  EXPECT_EQ(cleared.state, RunState::kQueued);
  EXPECT_EQ(cleared.queued_at, clock_.Now());
  EXPECT_NE(cleared.queued_at, first_queued);
  EXPECT_FALSE(cleared.start_date.has_value());
  // A cleared task instance is not queued until the scheduler queues it again.
  EXPECT_FALSE(store_->GetTaskInstance("w", "r", "extract").value().queued_at.has_value());
}

TEST_F(WaitsTest, ATaskOfAFinishedRunWaitsForAClear) {
  Trigger("r");
  ASSERT_TRUE(MarkRun(*store_, "w", "r", RunState::kFailed, clock_, executor_).has_value());
  TaskInstance load = store_->GetTaskInstance("w", "r", "load").value();
  load.state = TaskState::kNone;  // a deadlocked run leaves its waiting tasks in state none
  ASSERT_TRUE(store_->UpdateTaskInstance(load).has_value());
  RunWaits w = Explain("r");
  EXPECT_EQ(w.wait.status, WaitStatus::kFinished);
  EXPECT_EQ(Codes(Task(w, "load").wait), std::vector<WaitCode>{WaitCode::kRunFinished});
  EXPECT_EQ(Task(w, "extract").wait.status, WaitStatus::kFinished);
}

}  // namespace
}  // namespace weir
