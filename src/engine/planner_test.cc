#include "engine/planner.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace weir {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

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

std::shared_ptr<DagSpec> Dag(const std::string& id, std::vector<TaskSpec> tasks,
                             const std::string& schedule = "", const char* start = nullptr,
                             bool catchup = true) {
  auto d = std::make_shared<DagSpec>();
  d->dag_id = id;
  d->tasks = std::move(tasks);
  d->schedule = schedule;
  d->catchup = catchup;
  if (start) d->start_date = At(start);
  d->timetable = MakeTimetable(schedule, "UTC", d->start_date).value();
  return d;
}

// A small world the tests drive: Plan(), then apply the decisions by hand, like the loop.
struct World {
  PlannerInput in;
  explicit World(Time now) {
    in.now = now;
    in.pool_slots["default_pool"] = 128;
    in.executor_free_slots = 32;
  }
  void AddDag(const std::shared_ptr<DagSpec>& spec) {
    PlannerDag pd;
    pd.spec = spec;
    pd.graph = TaskGraph::Build(*spec);
    in.dags[spec->dag_id] = pd;
  }
  PlannerRun& AddRun(const std::string& dag_id, const std::string& run_id,
                     RunState state = RunState::kRunning) {
    PlannerRun pr;
    pr.run.dag_id = dag_id;
    pr.run.run_id = run_id;
    pr.run.state = state;
    pr.run.start_date = in.now;
    pr.tis = InitialTaskInstances(*in.dags.at(dag_id).spec, run_id);
    in.runs.push_back(pr);
    return in.runs.back();
  }
  TaskInstance& Ti(const std::string& run_id, const std::string& task_id) {
    for (auto& pr : in.runs) {
      for (auto& ti : pr.tis) {
        if (pr.run.run_id == run_id && ti.task_id == task_id) return ti;
      }
    }
    throw std::runtime_error("no such ti");
  }
  // Applies state changes (not creations or queueing) to the snapshot.
  void Apply(const Decisions& d) {
    for (const auto& u : d.update_tis) Ti(u.run_id, u.task_id) = u;
    for (const auto& u : d.update_runs) {
      for (auto& pr : in.runs) {
        if (pr.run.run_id == u.run_id) pr.run = u;
      }
    }
    for (const auto& q : d.queue) Ti(q.run_id, q.task_id).state = TaskState::kQueued;
  }
};

std::vector<std::string> QueuedIds(const Decisions& d) {
  std::vector<std::string> out;
  out.reserve(d.queue.size());
  for (const auto& k : d.queue) out.push_back(k.task_id);
  return out;
}

TEST(Planner, CatchupCreatesOneRunPerMissedInterval) {
  World w(At("2021-01-11T00:30:00Z"));
  w.AddDag(Dag("daily", {Task("a")}, "@daily", "2021-01-01", true));
  Decisions d = Plan(w.in);
  ASSERT_EQ(d.create_runs.size(), 10u);
  EXPECT_EQ(d.create_runs[0].run.run_id, "scheduled__2021-01-01T00:00:00+00:00");
  EXPECT_EQ(d.create_runs[0].run.data_interval_start, At("2021-01-01"));
  EXPECT_EQ(d.create_runs[0].run.data_interval_end, At("2021-01-02"));
  EXPECT_EQ(d.create_runs[9].run.logical_date, At("2021-01-10"));
  EXPECT_EQ(d.create_runs[9].run.data_interval_end, At("2021-01-11"));
  for (const auto& nr : d.create_runs) {
    EXPECT_EQ(nr.run.state, RunState::kQueued);
    EXPECT_EQ(nr.run.run_type, RunType::kScheduled);
    ASSERT_EQ(nr.tis.size(), 1u);
  }
  // The next one is due when the 2021-01-11 interval ends.
  ASSERT_TRUE(d.wake_at.has_value());
  EXPECT_EQ(*d.wake_at, At("2021-01-12"));
}

TEST(Planner, WithoutCatchupOnlyTheLatestIntervalRuns) {
  World w(At("2021-01-11T00:30:00Z"));
  w.AddDag(Dag("daily", {Task("a")}, "@daily", "2021-01-01", false));
  Decisions d = Plan(w.in);
  ASSERT_EQ(d.create_runs.size(), 1u);
  EXPECT_EQ(d.create_runs[0].run.data_interval_start, At("2021-01-10"));
  EXPECT_EQ(d.create_runs[0].run.data_interval_end, At("2021-01-11"));
}

TEST(Planner, CreationStopsAtMaxActiveRunsAndResumesFromTheLastInterval) {
  World w(At("2021-01-11T00:30:00Z"));
  auto spec = Dag("daily", {Task("a")}, "@daily", "2021-01-01", true);
  spec->max_active_runs = 3;
  w.AddDag(spec);
  Decisions d = Plan(w.in);
  ASSERT_EQ(d.create_runs.size(), 3u);
  // Those three finished; the next plan continues after the third interval.
  w.in.dags["daily"].last_scheduled = DataInterval{At("2021-01-03"), At("2021-01-04")};
  d = Plan(w.in);
  ASSERT_EQ(d.create_runs.size(), 3u);
  EXPECT_EQ(d.create_runs[0].run.logical_date, At("2021-01-04"));
}

TEST(Planner, PausedDagsGetNoRuns) {
  World w(At("2021-01-11T00:30:00Z"));
  w.AddDag(Dag("daily", {Task("a")}, "@daily", "2021-01-01", true));
  w.in.dags["daily"].paused = true;
  EXPECT_TRUE(Plan(w.in).create_runs.empty());
}

TEST(Planner, QueuedRunsStartWithinMaxActiveRunsOldestFirst) {
  World w(At("2021-02-01"));
  auto spec = Dag("m", {Task("a")});
  spec->max_active_runs = 1;
  w.AddDag(spec);
  w.AddRun("m", "r2", RunState::kQueued).run.logical_date = At("2021-01-02");
  w.AddRun("m", "r1", RunState::kQueued).run.logical_date = At("2021-01-01");
  Decisions d = Plan(w.in);
  ASSERT_EQ(d.update_runs.size(), 1u);
  EXPECT_EQ(d.update_runs[0].run_id, "r1");
  EXPECT_EQ(d.update_runs[0].state, RunState::kRunning);
}

TEST(Planner, ChainRunsInOrderAndFailurePropagates) {
  World w(At("2021-02-01"));
  w.AddDag(Dag("c", {Task("a"), Task("b", {"a"}), Task("c", {"b"})}));
  w.AddRun("c", "r");
  Decisions d = Plan(w.in);
  EXPECT_EQ(QueuedIds(d), std::vector<std::string>{"a"});
  w.Apply(d);
  w.Ti("r", "a").state = TaskState::kFailed;
  d = Plan(w.in);
  w.Apply(d);
  EXPECT_EQ(w.Ti("r", "b").state, TaskState::kUpstreamFailed);
  EXPECT_EQ(w.Ti("r", "c").state, TaskState::kUpstreamFailed);
  ASSERT_FALSE(d.update_runs.empty());
  EXPECT_EQ(d.update_runs.back().state, RunState::kFailed);
}

TEST(Planner, RunSucceedsWhenLeavesSucceedEvenIfAnInnerTaskFailed) {
  World w(At("2021-02-01"));
  w.AddDag(Dag("c", {Task("a"), Task("cleanup", {"a"}, TriggerRule::kAllDone)}));
  w.AddRun("c", "r");
  w.Ti("r", "a").state = TaskState::kFailed;
  Decisions d = Plan(w.in);
  w.Apply(d);
  EXPECT_EQ(QueuedIds(d), std::vector<std::string>{"cleanup"});
  w.Ti("r", "cleanup").state = TaskState::kSuccess;
  d = Plan(w.in);
  ASSERT_EQ(d.update_runs.size(), 1u);
  EXPECT_EQ(d.update_runs[0].state, RunState::kSuccess);
}

TEST(Planner, SkipPropagatesThroughAllSuccessButNotNoneFailed) {
  World w(At("2021-02-01"));
  w.AddDag(Dag("s", {Task("a"), Task("b", {"a"}), Task("join", {"b"}, TriggerRule::kNoneFailed)}));
  w.AddRun("s", "r");
  w.Ti("r", "a").state = TaskState::kSkipped;
  Decisions d = Plan(w.in);
  w.Apply(d);
  EXPECT_EQ(w.Ti("r", "b").state, TaskState::kSkipped);
  EXPECT_EQ(QueuedIds(d), std::vector<std::string>{"join"});
}

TEST(Planner, ExecutorSlotsAndMaxActiveTasksLimitStarts) {
  World w(At("2021-02-01"));
  auto spec = Dag("f", {Task("a"), Task("b"), Task("c"), Task("d")});
  spec->max_active_tasks = 3;
  w.AddDag(spec);
  w.AddRun("f", "r");
  w.in.executor_free_slots = 2;
  EXPECT_EQ(Plan(w.in).queue.size(), 2u);
  w.in.executor_free_slots = 10;
  EXPECT_EQ(Plan(w.in).queue.size(), 3u);
}

TEST(Planner, PoolSlotsLimitStartsAcrossDags) {
  World w(At("2021-02-01"));
  auto one = Dag("one", {Task("a"), Task("b")});
  auto two = Dag("two", {Task("a")});
  for (auto* s : {&one, &two}) {
    for (auto& t : (*s)->tasks) t.pool = "db";
  }
  w.AddDag(one);
  w.AddDag(two);
  w.in.pool_slots["db"] = 2;
  w.AddRun("one", "r1");
  w.AddRun("two", "r2");
  w.Ti("r1", "a").state = TaskState::kRunning;  // holds one slot
  Decisions d = Plan(w.in);
  EXPECT_EQ(d.queue.size(), 1u);
}

TEST(Planner, UnknownPoolKeepsTheTaskScheduled) {
  World w(At("2021-02-01"));
  auto spec = Dag("p", {Task("a")});
  spec->tasks[0].pool = "nope";
  w.AddDag(spec);
  w.AddRun("p", "r");
  Decisions d = Plan(w.in);
  EXPECT_TRUE(d.queue.empty());
  w.Apply(d);
  EXPECT_EQ(w.Ti("r", "a").state, TaskState::kScheduled);
}

TEST(Planner, HigherEffectivePriorityStartsFirst) {
  World w(At("2021-02-01"));
  // "head" has two downstream tasks, so its effective weight (3) beats "lone" (1) and
  // "heavy" with its own weight 5 beats both.
  auto spec = Dag(
      "p", {Task("lone"), Task("head"), Task("x", {"head"}), Task("y", {"head"}), Task("heavy")});
  spec->tasks[4].priority_weight = 5;
  w.AddDag(spec);
  w.AddRun("p", "r");
  w.in.executor_free_slots = 3;
  EXPECT_EQ(QueuedIds(Plan(w.in)), (std::vector<std::string>{"heavy", "head", "lone"}));
}

TEST(Planner, RetryWaitsForItsDelayThenIsScheduled) {
  World w(At("2021-02-01T00:00:00Z"));
  w.AddDag(Dag("r", {Task("a")}));
  w.AddRun("r", "run");
  auto& ti = w.Ti("run", "a");
  ti.state = TaskState::kUpForRetry;
  ti.next_retry_at = At("2021-02-01T00:05:00Z");
  Decisions d = Plan(w.in);
  EXPECT_TRUE(d.queue.empty());
  ASSERT_TRUE(d.wake_at.has_value());
  EXPECT_EQ(*d.wake_at, At("2021-02-01T00:05:00Z"));
  w.in.now = At("2021-02-01T00:05:00Z");
  EXPECT_EQ(QueuedIds(Plan(w.in)), std::vector<std::string>{"a"});
}

TEST(Planner, DependsOnPastWaitsForThePreviousRun) {
  World w(At("2021-02-01"));
  auto spec = Dag("d", {Task("a")});
  spec->tasks[0].depends_on_past = true;
  w.AddDag(spec);
  w.AddRun("d", "r2");
  w.in.previous_states[PreviousStateKey("d", "r2", "a")] = TaskState::kRunning;
  EXPECT_TRUE(Plan(w.in).queue.empty());
  w.in.previous_states[PreviousStateKey("d", "r2", "a")] = TaskState::kSuccess;
  EXPECT_EQ(QueuedIds(Plan(w.in)), std::vector<std::string>{"a"});
  // A previous failure blocks for good: the run is failed as a deadlock.
  w.in.previous_states[PreviousStateKey("d", "r2", "a")] = TaskState::kFailed;
  Decisions d = Plan(w.in);
  ASSERT_EQ(d.update_runs.size(), 1u);
  EXPECT_EQ(d.update_runs[0].state, RunState::kFailed);
}

TEST(Planner, DagrunTimeoutFailsTheRunAndKillsWhatRuns) {
  World w(At("2021-02-01T01:00:00Z"));
  auto spec = Dag("t", {Task("a"), Task("b", {"a"})});
  spec->dagrun_timeout = minutes{30};
  w.AddDag(spec);
  auto& pr = w.AddRun("t", "r");
  pr.run.start_date = At("2021-02-01T00:00:00Z");
  w.Ti("r", "a").state = TaskState::kRunning;
  Decisions d = Plan(w.in);
  ASSERT_EQ(d.kill.size(), 1u);
  EXPECT_EQ(d.kill[0].task_id, "a");
  ASSERT_EQ(d.update_runs.size(), 1u);
  EXPECT_EQ(d.update_runs[0].state, RunState::kFailed);
  w.Apply(d);
  EXPECT_EQ(w.Ti("r", "b").state, TaskState::kSkipped);
}

TEST(Planner, OnlyRunPlansThatRunAndCreatesNothing) {
  World w(At("2021-01-11T00:30:00Z"));
  w.AddDag(Dag("daily", {Task("a")}, "@daily", "2021-01-01", true));
  w.AddRun("daily", "other");
  w.AddRun("daily", "mine");
  w.in.only_run = std::make_pair(std::string("daily"), std::string("mine"));
  Decisions d = Plan(w.in);
  EXPECT_TRUE(d.create_runs.empty());
  ASSERT_EQ(d.queue.size(), 1u);
  EXPECT_EQ(d.queue[0].run_id, "mine");
}

TEST(Planner, OnlyRunIgnoresMaxActiveRunsAndOtherRunsTasks) {
  World w(At("2021-02-01"));
  auto spec = Dag("d", {Task("a")});
  spec->max_active_runs = 1;
  spec->max_active_tasks = 1;
  w.AddDag(spec);
  w.AddRun("d", "other");
  w.Ti("other", "a").state = TaskState::kRunning;  // fills both limits
  w.AddRun("d", "test", RunState::kQueued);
  WaitReport blocked;
  Plan(w.in, &blocked);
  const auto& run_waits = blocked.runs.at({"d", "test"});
  ASSERT_EQ(run_waits.size(), 1u);
  EXPECT_EQ(run_waits[0].text, "max_active_runs: 1 of 1 runs of DAG 'd' are running (other)");
  w.in.only_run = std::make_pair(std::string("d"), std::string("test"));
  WaitReport waits;
  Decisions d = Plan(w.in, &waits);
  ASSERT_EQ(d.update_runs.size(), 1u);
  EXPECT_EQ(d.update_runs[0].state, RunState::kRunning);
  ASSERT_EQ(d.queue.size(), 1u);
  EXPECT_EQ(d.queue[0].run_id, "test");
  EXPECT_TRUE(waits.runs.at({"d", "test"}).empty());  // started: nothing blocks it
  EXPECT_TRUE(waits.tasks.at(TaskKey{"d", "test", "a"}).empty());
}

TEST(Planner, ATaskHeldByAFullPoolSaysWhoHoldsIt) {
  World w(At("2021-02-01"));
  auto spec = Dag("d", {Task("a"), Task("b")});
  for (auto& t : spec->tasks) t.pool = "api";
  w.AddDag(spec);
  w.in.pool_slots["api"] = 1;
  w.AddRun("d", "r1");
  w.Ti("r1", "a").state = TaskState::kRunning;
  WaitReport waits;
  Decisions d = Plan(w.in, &waits);
  EXPECT_TRUE(d.queue.empty());
  const auto& b = waits.tasks.at(TaskKey{"d", "r1", "b"});
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].code, WaitCode::kPoolFull);
  EXPECT_EQ(b[0].text,
            "pool 'api' has 0 of 1 slots free and the task needs 1 (held by d.a of run r1 "
            "(running))");
}

TEST(Planner, TasksAddedToTheDagJoinRunningRunsAndRemovedOnesAreRemoved) {
  World w(At("2021-02-01"));
  w.AddDag(Dag("g", {Task("a"), Task("old")}));
  w.AddRun("g", "r");
  w.in.dags["g"].spec = Dag("g", {Task("a"), Task("new")});
  w.in.dags["g"].graph = TaskGraph::Build(*w.in.dags["g"].spec);
  Decisions d = Plan(w.in);
  std::map<std::string, TaskState> updated;
  for (const auto& u : d.update_tis) updated[u.task_id] = u.state;
  ASSERT_TRUE(updated.count("new"));
  EXPECT_EQ(updated["new"], TaskState::kScheduled);  // no upstream: ready at once
  EXPECT_EQ(updated["old"], TaskState::kRemoved);
  EXPECT_EQ(QueuedIds(d), (std::vector<std::string>{"a", "new"}));
}

TEST(Planner, EffectivePrioritiesCountADiamondOnce) {
  auto spec = Dag("d", {Task("a"), Task("b", {"a"}), Task("c", {"a"}), Task("d", {"b", "c"})});
  auto p = EffectivePriorities(*spec);
  EXPECT_EQ(p["a"], 4);
  EXPECT_EQ(p["b"], 2);
  EXPECT_EQ(p["d"], 1);
}

}  // namespace
}  // namespace weir
