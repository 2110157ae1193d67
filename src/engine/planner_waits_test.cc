// Plan() with a WaitReport: each rule that keeps a run or a task instance waiting says so,
// with the numbers and the runs or task instances involved, from the same decision.
#include <gtest/gtest.h>

#include "engine/planner.h"

namespace weir {
namespace {

Time At(const char* iso) { return ParseDateTime(iso).value(); }

TaskSpec Task(const std::string& id, std::vector<std::string> upstream = {},
              TriggerRule rule = TriggerRule::kAllSuccess) {
  TaskSpec t;
  t.task_id = id;
  t.operator_name = "bash";
  t.upstream = std::move(upstream);
  t.trigger_rule = rule;
  return t;
}

std::shared_ptr<DagSpec> Dag(const std::string& id, std::vector<TaskSpec> tasks) {
  auto d = std::make_shared<DagSpec>();
  d->dag_id = id;
  d->tasks = std::move(tasks);
  return d;
}

// A snapshot the tests build, planned with a WaitReport.
struct World {
  PlannerInput in;
  WaitReport report;
  Decisions decisions;

  World() {
    in.now = At("2021-03-01T12:00:00Z");
    in.pool_slots["default_pool"] = 128;
    in.executor_free_slots = 32;
  }
  void AddDag(std::shared_ptr<DagSpec> spec) {
    in.dags[spec->dag_id].graph = TaskGraph::Build(*spec);
    in.dags[spec->dag_id].spec = std::move(spec);
  }
  PlannerRun& AddRun(const std::string& dag_id, const std::string& run_id, RunState state,
                     const char* logical_date) {
    PlannerRun pr;
    pr.run.dag_id = dag_id;
    pr.run.run_id = run_id;
    pr.run.state = state;
    pr.run.logical_date = At(logical_date);
    if (state == RunState::kRunning) pr.run.start_date = in.now;
    pr.tis = InitialTaskInstances(*in.dags.at(dag_id).spec, run_id);
    in.runs.push_back(std::move(pr));
    return in.runs.back();
  }
  TaskInstance& Ti(const std::string& run_id, const std::string& task_id) {
    for (auto& pr : in.runs) {
      for (auto& ti : pr.tis) {
        if (pr.run.run_id == run_id && ti.task_id == task_id) return ti;
      }
    }
    throw std::runtime_error("no such task instance");
  }
  void Plan() {
    report = WaitReport{};
    decisions = weir::Plan(in, &report);
  }
  const std::vector<WaitReason>& RunWaits(const std::string& dag_id, const std::string& run_id) {
    auto it = report.runs.find({dag_id, run_id});
    if (it == report.runs.end()) throw std::runtime_error("no report of run " + run_id);
    return it->second;
  }
  const std::vector<WaitReason>& TaskWaits(const std::string& dag_id, const std::string& run_id,
                                           const std::string& task_id) {
    auto it = report.tasks.find(TaskKey{dag_id, run_id, task_id});
    if (it == report.tasks.end()) throw std::runtime_error("no report of task " + task_id);
    return it->second;
  }
};

std::vector<WaitCode> Codes(const std::vector<WaitReason>& reasons) {
  std::vector<WaitCode> out;
  out.reserve(reasons.size());
  for (const auto& r : reasons) out.push_back(r.code);
  return out;
}

TEST(PlannerWaits, AQueuedRunBeyondMaxActiveRunsNamesTheRunningRuns) {
  World w;
  auto spec = Dag("d", {Task("a")});
  spec->max_active_runs = 1;
  w.AddDag(spec);
  w.AddRun("d", "first", RunState::kRunning, "2021-01-01");
  w.Ti("first", "a").state = TaskState::kRunning;
  w.AddRun("d", "second", RunState::kQueued, "2021-02-01");
  w.Plan();
  EXPECT_TRUE(w.decisions.update_runs.empty());  // the same decision: "second" does not start
  const auto& run = w.RunWaits("d", "second");
  ASSERT_EQ(Codes(run), std::vector<WaitCode>{WaitCode::kMaxActiveRuns});
  EXPECT_EQ(run[0].text, "max_active_runs: 1 of 1 runs of DAG 'd' are running (first)");
  EXPECT_EQ(run[0].details->at("runs"), Json::array({"first"}));
  EXPECT_EQ(run[0].details->at("max_active_runs"), 1);
  // Its task instances wait for the run, and say why the run waits.
  EXPECT_EQ(Codes(w.TaskWaits("d", "second", "a")),
            (std::vector<WaitCode>{WaitCode::kRunNotStarted, WaitCode::kMaxActiveRuns}));
}

TEST(PlannerWaits, ARunThisStepFinishesStillHoldsItsSlotUntilTheNextStep) {
  World w;
  auto spec = Dag("d", {Task("a")});
  spec->max_active_runs = 1;
  w.AddDag(spec);
  w.AddRun("d", "first", RunState::kRunning, "2021-01-01");
  w.Ti("first", "a").state = TaskState::kFailed;
  w.AddRun("d", "second", RunState::kQueued, "2021-02-01");
  w.Plan();
  ASSERT_EQ(w.decisions.update_runs.size(), 1u);  // "first" fails; "second" starts next step
  EXPECT_EQ(w.decisions.update_runs[0].run_id, "first");
  EXPECT_EQ(w.RunWaits("d", "second")[0].details->at("runs"), Json::array({"first"}));
}

TEST(PlannerWaits, AQueuedRunWithinMaxActiveRunsIsReady) {
  World w;
  w.AddDag(Dag("d", {Task("a"), Task("b", {"a"})}));
  w.AddRun("d", "r", RunState::kQueued, "2021-01-01");
  w.Plan();
  EXPECT_TRUE(w.RunWaits("d", "r").empty());
  EXPECT_TRUE(w.TaskWaits("d", "r", "a").empty());  // queued by this step
  EXPECT_EQ(Codes(w.TaskWaits("d", "r", "b")), std::vector<WaitCode>{WaitCode::kUpstream});
}

TEST(PlannerWaits, MaxActiveTasksNamesTheTasksThatHoldIt) {
  World w;
  auto spec = Dag("d", {Task("a"), Task("b"), Task("c")});
  spec->max_active_tasks = 2;
  w.AddDag(spec);
  w.AddRun("d", "r", RunState::kRunning, "2021-01-01");
  w.Ti("r", "a").state = TaskState::kRunning;
  w.Plan();
  // b starts (priority order by task is stable: b before c), c waits for a and b.
  ASSERT_EQ(w.decisions.queue.size(), 1u);
  EXPECT_EQ(w.decisions.queue[0].task_id, "b");
  EXPECT_TRUE(w.TaskWaits("d", "r", "b").empty());
  const auto& c = w.TaskWaits("d", "r", "c");
  ASSERT_EQ(Codes(c), std::vector<WaitCode>{WaitCode::kMaxActiveTasks});
  EXPECT_EQ(c[0].text,
            "max_active_tasks: 2 of 2 task instances of DAG 'd' are queued or running (d.a of run "
            "r (running), d.b of run r (queued))");
  EXPECT_EQ(c[0].details->at("active"), 2);
}

TEST(PlannerWaits, AFullPoolSaysUsedAndTotalSlotsAndWhoHoldsThem) {
  World w;
  w.in.pool_slots["api"] = 2;
  auto spec = Dag("d", {Task("a"), Task("b")});
  for (auto& t : spec->tasks) t.pool = "api";
  spec->tasks[1].pool_slots = 2;
  w.AddDag(spec);
  w.AddRun("d", "r", RunState::kRunning, "2021-01-01");
  w.Ti("r", "a").state = TaskState::kQueued;
  w.Ti("r", "b").pool_slots = 2;
  w.Plan();
  EXPECT_TRUE(w.decisions.queue.empty());
  const auto& b = w.TaskWaits("d", "r", "b");
  ASSERT_EQ(Codes(b), std::vector<WaitCode>{WaitCode::kPoolFull});
  EXPECT_EQ(b[0].text,
            "pool 'api' has 1 of 2 slots free and the task needs 2 (held by d.a of run r "
            "(queued))");
  EXPECT_EQ(b[0].details->at("pool"), "api");
  EXPECT_EQ(b[0].details->at("used_slots"), 1);
  EXPECT_EQ(b[0].details->at("total_slots"), 2);
  EXPECT_EQ(b[0].details->at("holders")[0]["task_id"], "a");
}

TEST(PlannerWaits, AMissingPoolIsNamed) {
  World w;
  auto spec = Dag("d", {Task("a")});
  spec->tasks[0].pool = "nowhere";
  w.AddDag(spec);
  w.AddRun("d", "r", RunState::kRunning, "2021-01-01");
  w.Ti("r", "a").pool = "nowhere";
  w.Plan();
  const auto& a = w.TaskWaits("d", "r", "a");
  ASSERT_EQ(Codes(a), std::vector<WaitCode>{WaitCode::kPoolMissing});
  EXPECT_EQ(a[0].details->at("pool"), "nowhere");
}

TEST(PlannerWaits, UpstreamNamesTheTasksNotDoneAndTheTriggerRule) {
  World w;
  w.AddDag(Dag("d", {Task("a"), Task("b"), Task("c", {"a", "b"}, TriggerRule::kAllDone)}));
  w.AddRun("d", "r", RunState::kRunning, "2021-01-01");
  w.Ti("r", "a").state = TaskState::kFailed;
  w.Ti("r", "b").state = TaskState::kRunning;
  w.Plan();
  const auto& c = w.TaskWaits("d", "r", "c");
  ASSERT_EQ(Codes(c), std::vector<WaitCode>{WaitCode::kUpstream});
  EXPECT_EQ(c[0].text, "upstream tasks not done: b (running) (trigger rule all_done)");
  EXPECT_EQ(c[0].details->at("trigger_rule"), "all_done");
  EXPECT_EQ(c[0].details->at("upstream"), Json::parse(R"([{"task_id":"b","state":"running"}])"));
}

TEST(PlannerWaits, ATriggerRuleThatCanNoLongerBeMetSaysWhatComesNext) {
  World w;
  w.AddDag(Dag("d", {Task("a"), Task("b", {"a"})}));
  w.AddRun("d", "r", RunState::kRunning, "2021-01-01");
  w.Ti("r", "a").state = TaskState::kFailed;
  w.Plan();
  const auto& b = w.TaskWaits("d", "r", "b");
  ASSERT_EQ(Codes(b), std::vector<WaitCode>{WaitCode::kTriggerRule});
  EXPECT_EQ(b[0].details->at("next_state"), "upstream_failed");
}

TEST(PlannerWaits, DependsOnPastNamesThePreviousTaskInstance) {
  World w;
  auto spec = Dag("d", {Task("a")});
  spec->tasks[0].depends_on_past = true;
  w.AddDag(spec);
  w.AddRun("d", "r2", RunState::kRunning, "2021-02-01");
  TaskKey key = PreviousStateKey("d", "r2", "a");
  w.in.previous_states[key] = TaskState::kRunning;
  w.in.previous_run_ids[key] = "r1";
  w.Plan();
  EXPECT_TRUE(w.decisions.queue.empty());
  const auto& a = w.TaskWaits("d", "r2", "a");
  ASSERT_EQ(Codes(a), std::vector<WaitCode>{WaitCode::kDependsOnPast});
  EXPECT_EQ(a[0].text,
            "depends_on_past: the same task in the previous run r1 is running; it runs once that "
            "one succeeds");
  EXPECT_EQ(a[0].details->at("previous_run_id"), "r1");
  EXPECT_EQ(a[0].details->at("previous_state"), "running");
}

TEST(PlannerWaits, RetryDelaySaysUntilWhen) {
  World w;
  w.AddDag(Dag("d", {Task("a")}));
  w.AddRun("d", "r", RunState::kRunning, "2021-01-01");
  auto& ti = w.Ti("r", "a");
  ti.state = TaskState::kUpForRetry;
  ti.try_number = 1;
  ti.max_tries = 3;
  ti.next_retry_at = At("2021-03-01T12:05:00Z");
  w.Plan();
  const auto& a = w.TaskWaits("d", "r", "a");
  ASSERT_EQ(Codes(a), std::vector<WaitCode>{WaitCode::kRetryDelay});
  EXPECT_EQ(a[0].text,
            "retry delay: try 1 of 3 failed; the next try starts at 2021-03-01T12:05:00Z");
  EXPECT_EQ(a[0].details->at("next_retry_at"), "2021-03-01T12:05:00Z");
  // Once due, it is ready.
  w.in.now = At("2021-03-01T12:05:00Z");
  w.Plan();
  EXPECT_TRUE(w.TaskWaits("d", "r", "a").empty());
}

TEST(PlannerWaits, APausedDagHoldsItsQueuedRunsAndTheTasksOfItsRunningOnes) {
  World w;
  w.AddDag(Dag("d", {Task("a")}));
  w.in.dags["d"].paused = true;
  w.AddRun("d", "running", RunState::kRunning, "2021-01-01");
  w.AddRun("d", "queued", RunState::kQueued, "2021-02-01");
  w.Plan();
  EXPECT_TRUE(w.decisions.empty());
  EXPECT_EQ(Codes(w.RunWaits("d", "queued")), std::vector<WaitCode>{WaitCode::kDagPaused});
  EXPECT_EQ(w.RunWaits("d", "queued")[0].text,
            "DAG 'd' is paused: it starts no run and no task until it is unpaused");
  EXPECT_EQ(Codes(w.TaskWaits("d", "running", "a")), std::vector<WaitCode>{WaitCode::kDagPaused});
}

TEST(PlannerWaits, AFullExecutorHoldsEveryTaskThatWouldStartNext) {
  World w;
  w.in.executor_free_slots = 1;
  w.AddDag(Dag("d", {Task("a"), Task("b"), Task("c")}));
  w.AddRun("d", "r", RunState::kRunning, "2021-01-01");
  w.Plan();
  ASSERT_EQ(w.decisions.queue.size(), 1u);  // the same decision as without a report
  EXPECT_TRUE(w.TaskWaits("d", "r", "a").empty());
  EXPECT_EQ(Codes(w.TaskWaits("d", "r", "b")), std::vector<WaitCode>{WaitCode::kExecutorFull});
  EXPECT_EQ(Codes(w.TaskWaits("d", "r", "c")), std::vector<WaitCode>{WaitCode::kExecutorFull});
}

TEST(PlannerWaits, TheReportDoesNotChangeTheDecisions) {
  World w;
  w.in.executor_free_slots = 2;
  w.in.pool_slots["api"] = 1;
  auto spec = Dag("d", {Task("a"), Task("b"), Task("c"), Task("d", {"a"})});
  spec->tasks[1].pool = "api";
  spec->tasks[2].pool = "api";
  spec->max_active_runs = 1;
  w.AddDag(spec);
  w.AddRun("d", "r1", RunState::kRunning, "2021-01-01");
  w.Ti("r1", "b").pool = "api";
  w.Ti("r1", "c").pool = "api";
  w.AddRun("d", "r2", RunState::kQueued, "2021-02-01");
  Decisions plain = weir::Plan(w.in);
  w.Plan();
  ASSERT_EQ(plain.queue.size(), w.decisions.queue.size());
  for (size_t i = 0; i < plain.queue.size(); ++i) {
    EXPECT_EQ(plain.queue[i], w.decisions.queue[i]);
  }
  EXPECT_EQ(plain.update_runs.size(), w.decisions.update_runs.size());
  EXPECT_EQ(plain.update_tis.size(), w.decisions.update_tis.size());
}

}  // namespace
}  // namespace weir
