// Clear and mark, Airflow's way: which task instances upstream, downstream, past and future
// select; a dry run changes nothing; a mark never cascades unless asked and says who made it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/actions.h"
#include "env/temp_dir.h"
#include "exec/fake_executor.h"
#include "ops/registry.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {
namespace {

// extract -> transform -> load, and transform -> report; three daily runs.
class ClearMarkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.Join("dags"));
    std::ofstream(dir_.Join("dags/etl.yaml")) << R"(dag_id: etl
tasks:
  - {task_id: extract, operator: empty}
  - {task_id: transform, operator: empty, depends_on: [extract]}
  - {task_id: load, operator: empty, depends_on: [transform]}
  - {task_id: report, operator: empty, depends_on: [transform]}
)";
    store_ = SqliteStore::Open(dir_.Join("weir.db")).value();
    ASSERT_TRUE(store_->Migrate().has_value());
    registry_ =
        std::make_unique<DagRegistry>(*store_, clock_, dir_.Join("dags"), OperatorSchemas());
    ASSERT_TRUE(registry_->Reload().has_value());
    for (const char* day : {"2024-01-01", "2024-01-02", "2024-01-03"}) {
      TriggerRequest req;
      req.logical_date = ParseDateTime(day).value();
      req.run_id = std::string("r") + day;
      ASSERT_TRUE(TriggerRun(*store_, dag(), clock_, req).has_value());
    }
  }

  const LoadedDag& dag() { return *registry_->Find("etl"); }
  const DagSpec& spec() { return *dag().spec; }

  void SetState(const std::string& run, const std::string& task, TaskState state) {
    TaskInstance ti = store_->GetTaskInstance("etl", run, task).value();
    ti.state = state;
    ASSERT_TRUE(store_->UpdateTaskInstance(ti).has_value());
  }
  // The task instance runs its try 1 as process `pid`, started at `proc_start`.
  void SetRunningTry(const std::string& run, const std::string& task, int pid, int64_t proc_start) {
    TaskInstance ti = store_->GetTaskInstance("etl", run, task).value();
    ti.state = TaskState::kRunning;
    ti.try_number = 1;
    ASSERT_TRUE(store_->UpdateTaskInstance(ti).has_value());
    TaskTry t;
    t.dag_id = "etl";
    t.run_id = run;
    t.task_id = task;
    t.try_number = 1;
    t.state = TaskState::kRunning;
    t.pid = pid;
    t.proc_start = proc_start;
    ASSERT_TRUE(store_->InsertTry(t).has_value());
  }
  // "run/task#try pid:start reason" for each Kill the executor was asked for.
  std::vector<std::string> Kills() {
    std::vector<std::string> out;
    for (const auto& k : executor_.kills()) {
      out.push_back(fmt::format("{}/{}#{} {}:{} {}", k.key.run_id.substr(9), k.key.task_id,
                                k.key.try_number, k.process.pid, k.process.proc_start, k.reason));
    }
    return out;
  }
  TaskState StateOf(const std::string& run, const std::string& task) {
    return store_->GetTaskInstance("etl", run, task).value().state;
  }

  static ClearRequest Ask(const std::string& task) {
    ClearRequest req;
    req.run_id = "r2024-01-02";
    req.task_ids = {task};
    return req;
  }

  // "run/task" for each selected task instance, in the order given.
  std::vector<std::string> Keys(const Result<std::vector<TaskInstance>>& tis) {
    EXPECT_TRUE(tis.has_value()) << tis.error().message;
    std::vector<std::string> out;
    if (!tis) return out;
    for (const auto& ti : *tis) out.push_back(ti.run_id.substr(9) + "/" + ti.task_id);
    return out;
  }
  using Ids = std::vector<std::string>;

  TempDir dir_;
  FakeClock clock_{ParseDateTime("2024-05-01T10:00:00Z").value()};
  FakeExecutor executor_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<DagRegistry> registry_;
};

TEST_F(ClearMarkTest, UpstreamAndDownstreamWidenFromTheTasksAsked) {
  ClearRequest req = Ask("transform");
  EXPECT_EQ(Keys(SelectTaskInstances(*store_, spec(), req)), (Ids{"02/transform"}));
  req.downstream = true;
  EXPECT_EQ(Keys(SelectTaskInstances(*store_, spec(), req)),
            (Ids{"02/transform", "02/load", "02/report"}));
  req.downstream = false;
  req.upstream = true;
  EXPECT_EQ(Keys(SelectTaskInstances(*store_, spec(), req)), (Ids{"02/extract", "02/transform"}));
  // Upstream of load is extract and transform, not report (a sibling).
  ClearRequest load = Ask("load");
  load.upstream = true;
  load.downstream = true;
  EXPECT_EQ(Keys(SelectTaskInstances(*store_, spec(), load)),
            (Ids{"02/extract", "02/transform", "02/load"}));
}

TEST_F(ClearMarkTest, PastAndFutureAddTheSameTasksInEarlierAndLaterRuns) {
  ClearRequest req = Ask("load");
  req.past = true;
  EXPECT_EQ(Keys(SelectTaskInstances(*store_, spec(), req)), (Ids{"01/load", "02/load"}));
  req.past = false;
  req.future = true;
  EXPECT_EQ(Keys(SelectTaskInstances(*store_, spec(), req)), (Ids{"02/load", "03/load"}));
  req.past = true;
  req.downstream = true;
  req.task_ids = {"transform"};
  EXPECT_EQ(Keys(SelectTaskInstances(*store_, spec(), req)),
            (Ids{"01/transform", "01/load", "01/report", "02/transform", "02/load", "02/report",
                 "03/transform", "03/load", "03/report"}));
}

TEST_F(ClearMarkTest, UnknownTasksAndRunsAreNotFound) {
  EXPECT_EQ(SelectTaskInstances(*store_, spec(), Ask("nope")).error().code, ErrorCode::kNotFound);
  ClearRequest req = Ask("load");
  req.run_id = "nope";
  EXPECT_EQ(SelectTaskInstances(*store_, spec(), req).error().code, ErrorCode::kNotFound);
}

TEST_F(ClearMarkTest, ADryRunListsWhatWouldChangeAndChangesNothing) {
  for (const char* t : {"extract", "transform", "load", "report"}) {
    SetState("r2024-01-02", t, TaskState::kSuccess);
  }
  SetState("r2024-01-02", "transform", TaskState::kFailed);
  ClearRequest req = Ask("transform");
  req.downstream = true;
  req.dry_run = true;
  EXPECT_EQ(Keys(ClearTasks(*store_, spec(), req, clock_, executor_)),
            (Ids{"02/transform", "02/load", "02/report"}));
  EXPECT_EQ(Keys(MarkTasks(*store_, spec(), req, TaskState::kSuccess, clock_, executor_)),
            (Ids{"02/transform"}));  // load and report are success already
  EXPECT_EQ(StateOf("r2024-01-02", "transform"), TaskState::kFailed);
  EXPECT_EQ(StateOf("r2024-01-02", "load"), TaskState::kSuccess);
  EXPECT_FALSE(store_->GetTaskInstance("etl", "r2024-01-02", "transform").value().marked);

  req.dry_run = false;
  EXPECT_EQ(Keys(ClearTasks(*store_, spec(), req, clock_, executor_)),
            (Ids{"02/transform", "02/load", "02/report"}));
  EXPECT_EQ(StateOf("r2024-01-02", "load"), TaskState::kNone);
  EXPECT_EQ(StateOf("r2024-01-02", "extract"), TaskState::kSuccess);
}

TEST_F(ClearMarkTest, AMarkChangesOnlyTheTaskAskedForUnlessAskedToCascade) {
  SetState("r2024-01-02", "extract", TaskState::kSuccess);
  SetState("r2024-01-02", "transform", TaskState::kFailed);
  SetState("r2024-01-02", "load", TaskState::kUpstreamFailed);
  SetState("r2024-01-02", "report", TaskState::kUpstreamFailed);
  ClearRequest req = Ask("transform");  // the defaults: no upstream, downstream, past, future
  req.by = "ada";
  EXPECT_EQ(Keys(MarkTasks(*store_, spec(), req, TaskState::kSuccess, clock_, executor_)),
            (Ids{"02/transform"}));
  EXPECT_EQ(StateOf("r2024-01-02", "transform"), TaskState::kSuccess);
  EXPECT_EQ(StateOf("r2024-01-02", "load"), TaskState::kUpstreamFailed);
  EXPECT_EQ(StateOf("r2024-01-02", "report"), TaskState::kUpstreamFailed);
  EXPECT_EQ(StateOf("r2024-01-01", "transform"), TaskState::kNone);

  req.task_ids = {"load"};
  req.downstream = true;
  EXPECT_EQ(Keys(MarkTasks(*store_, spec(), req, TaskState::kFailed, clock_, executor_)),
            (Ids{"02/load"}));
}

TEST_F(ClearMarkTest, AMarkSaysWhoWhenAndFromWhatUntilTheTaskIsCleared) {
  SetState("r2024-01-02", "transform", TaskState::kFailed);
  clock_.Set(ParseDateTime("2024-05-02T08:30:00Z").value());
  ClearRequest req = Ask("transform");
  req.by = "ada";
  ASSERT_TRUE(MarkTasks(*store_, spec(), req, TaskState::kSuccess, clock_, executor_).has_value());
  TaskInstance ti = store_->GetTaskInstance("etl", "r2024-01-02", "transform").value();
  ASSERT_TRUE(ti.marked.has_value());
  EXPECT_EQ(ti.marked->by, "ada");
  EXPECT_EQ(ti.marked->at, ParseDateTime("2024-05-02T08:30:00Z").value());
  EXPECT_EQ(ti.marked->from, TaskState::kFailed);
  EXPECT_EQ(ti.try_number, 0);

  ASSERT_TRUE(ClearTasks(*store_, spec(), req, clock_, executor_).has_value());
  ti = store_->GetTaskInstance("etl", "r2024-01-02", "transform").value();
  EXPECT_EQ(ti.state, TaskState::kNone);
  EXPECT_FALSE(ti.marked.has_value());
}

TEST_F(ClearMarkTest, MarkingARunMarksItsUnfinishedTasksAsThePreviewSaid) {
  SetState("r2024-01-03", "extract", TaskState::kSuccess);
  SetState("r2024-01-03", "transform", TaskState::kFailed);
  EXPECT_EQ(Keys(RunMarkPreview(*store_, "etl", "r2024-01-03")), (Ids{"03/load", "03/report"}));
  ASSERT_TRUE(MarkRun(*store_, "etl", "r2024-01-03", RunState::kSuccess, clock_, executor_, "grace")
                  .has_value());
  TaskInstance load = store_->GetTaskInstance("etl", "r2024-01-03", "load").value();
  EXPECT_EQ(load.state, TaskState::kSuccess);
  ASSERT_TRUE(load.marked.has_value());
  EXPECT_EQ(load.marked->by, "grace");
  EXPECT_EQ(load.marked->from, TaskState::kNone);
  EXPECT_FALSE(store_->GetTaskInstance("etl", "r2024-01-03", "extract").value().marked);
  EXPECT_EQ(StateOf("r2024-01-03", "transform"), TaskState::kFailed);
}

TEST_F(ClearMarkTest, ClearAndMarkEndRunningAttemptsThroughTheExecutorByTheirRecordedProcess) {
  SetRunningTry("r2024-01-02", "transform", 4242, 777);
  SetState("r2024-01-02", "extract", TaskState::kSuccess);
  ClearRequest req = Ask("transform");
  req.upstream = true;
  req.by = "ada";
  // A dry run kills nothing; a mark kills only the running one of what it marks.
  req.dry_run = true;
  ASSERT_TRUE(MarkTasks(*store_, spec(), req, TaskState::kFailed, clock_, executor_).has_value());
  ASSERT_TRUE(ClearTasks(*store_, spec(), req, clock_, executor_).has_value());
  EXPECT_TRUE(Kills().empty());
  req.dry_run = false;
  ASSERT_TRUE(MarkTasks(*store_, spec(), req, TaskState::kFailed, clock_, executor_).has_value());
  EXPECT_EQ(Kills(), (Ids{"02/transform#1 4242:777 marked failed by ada"}));
  EXPECT_EQ(StateOf("r2024-01-02", "transform"), TaskState::kFailed);
  // Not running any more: clearing it again kills nothing.
  ASSERT_TRUE(ClearTasks(*store_, spec(), req, clock_, executor_).has_value());
  EXPECT_EQ(Kills().size(), 1u);

  SetRunningTry("r2024-01-03", "load", 5151, 888);
  ClearRequest clear = Ask("load");
  clear.run_id = "r2024-01-03";
  ASSERT_TRUE(ClearTasks(*store_, spec(), clear, clock_, executor_).has_value());
  EXPECT_EQ(Kills().back(), "03/load#1 5151:888 cleared");
  EXPECT_EQ(StateOf("r2024-01-03", "load"), TaskState::kNone);
}

TEST_F(ClearMarkTest, MarkingARunFailedEndsItsRunningAttempts) {
  SetRunningTry("r2024-01-01", "extract", 999, 1);
  ASSERT_TRUE(
      MarkRun(*store_, "etl", "r2024-01-01", RunState::kFailed, clock_, executor_, "grace"));
  EXPECT_EQ(Kills(), (Ids{"01/extract#1 999:1 the run was marked failed by grace"}));
  EXPECT_EQ(StateOf("r2024-01-01", "extract"), TaskState::kFailed);
  EXPECT_EQ(StateOf("r2024-01-01", "load"), TaskState::kSkipped);
}

}  // namespace
}  // namespace weir
