#include "engine/plan_state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>
#include <set>

#include "engine/planner.h"
#include "engine/planner_steps.h"

namespace weir {
namespace {

using std::chrono::minutes;

Time At(const char* iso) { return ParseDateTime(iso).value(); }

std::shared_ptr<DagSpec> FanOut(int n) {
  auto d = std::make_shared<DagSpec>();
  d->dag_id = "fan";
  d->max_active_tasks = 4;
  TaskSpec start;
  start.task_id = "start";
  start.operator_name = "empty";
  d->tasks.push_back(start);
  TaskSpec join;
  join.task_id = "join";
  join.operator_name = "empty";
  for (int i = 0; i < n; ++i) {
    TaskSpec t;
    t.task_id = "t" + std::to_string(i);
    t.operator_name = "empty";
    t.upstream = {"start"};
    join.upstream.push_back(t.task_id);
    d->tasks.push_back(t);
  }
  d->tasks.push_back(join);
  d->timetable = MakeTimetable("", "UTC", std::nullopt).value();
  return d;
}

PlanState StateWithRun(const std::shared_ptr<DagSpec>& spec, Time now) {
  PlanState state;
  state.now = now;
  state.pool_slots["default_pool"] = 128;
  state.executor_free_slots = 32;
  state.SetDag(spec->dag_id, PlanDag{spec, TaskGraph::Build(*spec), false, 1, std::nullopt});
  DagRun run;
  run.dag_id = spec->dag_id;
  run.run_id = "r";
  run.state = RunState::kRunning;
  run.start_date = now;
  state.PutRun(run, InitialTaskInstances(*spec, run.run_id));
  return state;
}

// Finishes task `task_id` of run `run_id` as the executor reports it.
void Finish(PlanState& state, const std::string& run_id, const std::string& task_id, TaskState to,
            Time now) {
  ActiveRun* r = nullptr;
  for (const auto& [key, run] : state.runs()) {
    if (key.run_id == run_id) r = state.FindRun(key);
  }
  ASSERT_NE(r, nullptr);
  TaskInstance ti = *state.FindTask(TaskKey{r->run.dag_id, run_id, task_id});
  ti.state = to;
  ti.end_date = now;
  if (to == TaskState::kUpForRetry) ti.next_retry_at = now + minutes(1);
  state.PutTask(ti);
}

TEST(PlanState, AFinishedTaskTouchesOnlyItsDownstreamTasks) {
  Time now = At("2021-01-01");
  PlanState state = StateWithRun(FanOut(1000), now);
  Decisions first = Plan(state);
  ASSERT_EQ(first.queue.size(), 1u);  // start
  Finish(state, "r", "start", TaskState::kSuccess, now);
  const ActiveRun& r = state.runs().begin()->second;
  EXPECT_EQ(r.dirty.size(), 1000u);  // t0..t999: start's downstream
  Decisions second = Plan(state);
  EXPECT_EQ(second.queue.size(), 4u);  // max_active_tasks
  EXPECT_TRUE(r.dirty.empty());

  // One of the fan finishing touches the join, and nothing else.
  Finish(state, "r", "t0", TaskState::kSuccess, now);
  ASSERT_EQ(r.dirty.size(), 1u);
  EXPECT_EQ(r.graph->order[r.dirty.front()], r.graph->Find("join"));
  EXPECT_EQ(r.upstream[r.graph->Find("join")].success, 1);
  Decisions third = Plan(state);
  EXPECT_EQ(third.queue.size(), 1u);  // the slot t0 left
  EXPECT_TRUE(third.update_tis.empty());
}

TEST(PlanState, ScheduledTasksWaitInPriorityOrderAcrossPlans) {
  Time now = At("2021-01-01");
  auto spec = FanOut(10);
  spec->tasks[3].priority_weight = 50;  // t2
  spec->tasks[7].priority_weight = 20;  // t6
  PlanState state = StateWithRun(spec, now);
  Plan(state);
  Finish(state, "r", "start", TaskState::kSuccess, now);
  state.executor_free_slots = 1;
  Decisions d = Plan(state);
  ASSERT_EQ(d.queue.size(), 1u);
  EXPECT_EQ(d.queue[0].task_id, "t2");
  Decisions next = Plan(state);
  ASSERT_EQ(next.queue.size(), 1u);
  EXPECT_EQ(next.queue[0].task_id, "t6");
  EXPECT_EQ(state.ActiveTasksOf("fan"), 2);
  EXPECT_EQ(state.PoolUsed("default_pool"), 2);
}

TEST(PlanSteps, CreateDueRunsLooksOnlyAtDagsMarkedDueAndSetsATimer) {
  auto spec = std::make_shared<DagSpec>();
  spec->dag_id = "hourly";
  spec->schedule = "@hourly";
  spec->start_date = At("2021-01-01");
  spec->catchup = false;
  spec->timetable = MakeTimetable("@hourly", "UTC", spec->start_date).value();
  TaskSpec t;
  t.task_id = "a";
  t.operator_name = "empty";
  spec->tasks.push_back(t);
  PlanState state;
  state.now = At("2021-01-01T03:30:00Z");
  state.SetDag("hourly", PlanDag{spec, TaskGraph::Build(*spec), false, 1, std::nullopt});
  Decisions d;
  PlanSteps steps{state, d, nullptr};
  steps.CreateDueRuns();
  ASSERT_EQ(d.create_runs.size(), 1u);
  EXPECT_EQ(d.create_runs[0].run.logical_date, At("2021-01-01T02:00:00Z"));
  EXPECT_EQ(d.wake_at, At("2021-01-01T04:00:00Z"));

  // Looked at again, it has nothing due until its timer fires.
  Decisions again;
  PlanSteps{state, again, nullptr}.CreateDueRuns();
  EXPECT_TRUE(again.create_runs.empty());
  state.now = At("2021-01-01T04:00:00Z");
  state.FireTimers();
  PlanSteps{state, again, nullptr}.CreateDueRuns();
  ASSERT_EQ(again.create_runs.size(), 1u);
  EXPECT_EQ(again.create_runs[0].run.logical_date, At("2021-01-01T03:00:00Z"));
}

TEST(PlanState, APlanOverItsBudgetLeavesTheRestToTheNextPlans) {
  Time now = At("2021-01-01");
  PlanState state = StateWithRun(FanOut(10), now);
  state.executor_free_slots = 0;  // only trigger rules: nothing is queued
  state.plan_budget = 3;
  Plan(state);  // start becomes scheduled
  TaskInstance start = *state.FindTask(TaskKey{"fan", "r", "start"});
  start.state = TaskState::kSuccess;
  state.PutTask(start);
  std::set<std::string> scheduled;
  std::vector<size_t> sizes;
  for (Decisions d = Plan(state); !d.empty(); d = Plan(state)) {
    sizes.push_back(d.update_tis.size());
    for (const auto& ti : d.update_tis) {
      EXPECT_EQ(ti.state, TaskState::kScheduled) << ti.task_id;
      EXPECT_TRUE(scheduled.insert(ti.task_id).second) << ti.task_id << " twice";
    }
    ASSERT_LT(sizes.size(), 10u) << "plans go on forever";
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 3, 3, 1}));
  EXPECT_EQ(scheduled.size(), 10u);  // t0..t9, each once

  // A plan that explains waits looks at everything.
  PlanState explained = StateWithRun(FanOut(10), now);
  explained.executor_free_slots = 0;
  explained.plan_budget = 3;
  Plan(explained);
  start = *explained.FindTask(TaskKey{"fan", "r", "start"});
  start.state = TaskState::kSuccess;
  explained.PutTask(start);
  WaitReport waits;
  EXPECT_EQ(Plan(explained, &waits).update_tis.size(), 10u);
}

TEST(PlanSteps, RunsDueTogetherAreCreatedAcrossPlansWithinTheBudget) {
  PlanState state;
  state.now = At("2021-01-01T03:30:00Z");
  state.plan_budget = 4;
  for (const char* id : {"a", "b", "c"}) {
    auto spec = FanOut(3);  // 5 tasks: one run is over the budget on its own
    spec->dag_id = id;
    spec->schedule = "@hourly";
    spec->start_date = At("2021-01-01");
    spec->catchup = false;
    spec->timetable = MakeTimetable("@hourly", "UTC", spec->start_date).value();
    state.SetDag(id, PlanDag{spec, TaskGraph::Build(*spec), false, 1, std::nullopt});
  }
  std::vector<std::string> created;
  for (int plan = 0; plan < 5; ++plan) {
    Decisions d;
    PlanSteps steps{state, d, nullptr};
    steps.CreateDueRuns();
    if (d.create_runs.empty()) break;
    EXPECT_EQ(d.create_runs.size(), 1u) << "plan " << plan;
    for (const auto& nr : d.create_runs) created.push_back(nr.run.dag_id);
  }
  EXPECT_EQ(created, (std::vector<std::string>{"a", "b", "c"}));
}

// A random DAG of up to 25 tasks with random dependencies, trigger rules, priorities, pools
// and retries.
std::shared_ptr<DagSpec> RandomDag(std::mt19937& rng, const std::string& dag_id) {
  static const TriggerRule kRules[] = {TriggerRule::kAllSuccess, TriggerRule::kAllSuccess,
                                       TriggerRule::kAllDone,    TriggerRule::kOneFailed,
                                       TriggerRule::kOneSuccess, TriggerRule::kNoneFailed,
                                       TriggerRule::kAllFailed};
  auto d = std::make_shared<DagSpec>();
  d->dag_id = dag_id;
  d->max_active_tasks = 1 + static_cast<int>(rng() % 6);
  d->timetable = MakeTimetable("", "UTC", std::nullopt).value();
  int n = 3 + static_cast<int>(rng() % 23);
  for (int i = 0; i < n; ++i) {
    TaskSpec t;
    t.task_id = "t" + std::to_string(i);
    t.operator_name = "empty";
    t.priority_weight = 1 + static_cast<int>(rng() % 4);
    t.trigger_rule = kRules[rng() % std::size(kRules)];
    t.retries = static_cast<int>(rng() % 2);
    if (rng() % 3 == 0) t.pool = "small";
    for (int u = 0; u < i; ++u) {
      if (rng() % 5 == 0) t.upstream.push_back("t" + std::to_string(u));
    }
    d->tasks.push_back(t);
  }
  return d;
}

// `dags` random DAGs with `runs` running runs each (r0, r1, ...: logical dates a minute apart
// from `now`), the pools default_pool (128 slots) and small (2). `ended`, when given, may
// change each new task instance (to start a run part-way through).
PlanState RandomState(std::mt19937& rng, Time now, int dags, int runs, int executor_free_slots,
                      const std::function<void(TaskInstance&)>& ended = nullptr) {
  PlanState state;
  state.now = now;
  state.pool_slots["default_pool"] = 128;
  state.pool_slots["small"] = 2;
  state.executor_free_slots = executor_free_slots;
  for (int k = 0; k < dags; ++k) {
    auto spec = RandomDag(rng, "d" + std::to_string(k));
    state.SetDag(spec->dag_id, PlanDag{spec, TaskGraph::Build(*spec), false, 1, std::nullopt});
    for (int r = 0; r < runs; ++r) {
      DagRun run;
      run.dag_id = spec->dag_id;
      run.run_id = "r" + std::to_string(r);
      run.logical_date = now + minutes(r);
      run.state = RunState::kRunning;
      run.start_date = now;
      std::vector<TaskInstance> tis = InitialTaskInstances(*spec, run.run_id);
      if (ended) std::for_each(tis.begin(), tis.end(), ended);
      state.PutRun(run, std::move(tis));
    }
  }
  return state;
}

// The snapshot a full plan would read from the store, taken from `state`.
PlannerInput Snapshot(const PlanState& state) {
  PlannerInput in;
  in.now = state.now;
  in.dags = state.dags();
  in.pool_slots = state.pool_slots;
  in.executor_free_slots = state.executor_free_slots;
  for (const auto& [key, r] : state.runs()) in.runs.push_back(PlannerRun{r.run, r.tis});
  // Runs keep their order: ordinals follow the map's order in both.
  std::sort(in.runs.begin(), in.runs.end(), [&](const PlannerRun& a, const PlannerRun& b) {
    return state.runs().at(KeyOf(a.run)).ordinal < state.runs().at(KeyOf(b.run)).ordinal;
  });
  return in;
}

std::map<TaskKey, TaskState> Updates(const Decisions& d) {
  std::map<TaskKey, TaskState> out;
  for (const auto& ti : d.update_tis) out[KeyOf(ti)] = ti.state;
  return out;
}

std::map<RunKey, RunState> RunUpdates(const Decisions& d) {
  std::map<RunKey, RunState> out;
  for (const auto& run : d.update_runs) out[KeyOf(run)] = run.state;
  return out;
}

// The property the scheduler relies on: planning only what changed decides exactly what
// planning everything from a fresh snapshot decides, step after step.
TEST(PlanState, IncrementalPlansDecideWhatFullPlansDecide) {
  for (unsigned seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    Time now = At("2021-01-01");
    PlanState state = RandomState(rng, now, 2, 2, 8);
    for (int step = 0; step < 200 && !state.runs().empty(); ++step) {
      PlannerInput snapshot = Snapshot(state);
      Decisions full = Plan(snapshot);
      Decisions incremental = Plan(state);
      ASSERT_EQ(Updates(incremental), Updates(full)) << "step " << step;
      ASSERT_EQ(RunUpdates(incremental), RunUpdates(full)) << "step " << step;
      ASSERT_EQ(incremental.queue, full.queue) << "step " << step;
      // The executor finishes what was queued: success, failure or a retry.
      now += minutes(1);
      state.now = now;
      for (const auto& key : incremental.queue) {
        TaskInstance ti = *state.FindTask(key);
        ti.try_number += 1;
        switch (rng() % 4) {
          case 0:
            ti.state = ti.try_number < ti.max_tries ? TaskState::kUpForRetry : TaskState::kFailed;
            ti.next_retry_at = now;
            break;
          case 1:
            ti.state = TaskState::kFailed;
            break;
          default:
            ti.state = TaskState::kSuccess;
        }
        ti.end_date = now;
        state.PutTask(ti);
      }
    }
    EXPECT_TRUE(state.runs().empty()) << "every run finishes";
  }
}

// Plans cut short by the budget end where one unlimited plan ends: the same task instances
// in the same states.
TEST(PlanState, BudgetedPlansEndWhereOneUnlimitedPlanEnds) {
  for (unsigned seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    // Trigger rules only (no executor slots), and some tasks have ended already: what follows
    // from that is the plans' to find.
    PlanState state = RandomState(rng, At("2021-01-01"), 3, 1, 0, [&](TaskInstance& ti) {
      switch (rng() % 4) {
        case 0:
          ti.state = TaskState::kSuccess;
          break;
        case 1:
          ti.state = TaskState::kFailed;
          break;
        default:
          break;
      }
    });
    PlannerInput snapshot = Snapshot(state);
    Decisions one = Plan(snapshot);
    state.plan_budget = 1 + rng() % 3;
    std::map<TaskKey, TaskState> budgeted;
    std::map<RunKey, RunState> budgeted_runs;
    int plans = 0;
    for (Decisions d = Plan(state); !d.empty(); d = Plan(state)) {
      for (const auto& [key, to] : Updates(d)) budgeted[key] = to;
      for (const auto& [key, to] : RunUpdates(d)) budgeted_runs[key] = to;
      ASSERT_LT(++plans, 200) << "plans go on forever";
    }
    EXPECT_EQ(budgeted, Updates(one));
    EXPECT_EQ(budgeted_runs, RunUpdates(one));
  }
}

}  // namespace
}  // namespace weir
