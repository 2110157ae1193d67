#include "engine/planner.h"

#include "engine/planner_steps.h"

namespace weir {

namespace {

// The states in which a task instance waits for the planner (WaitReport's tasks).
bool IsWaiting(TaskState s) {
  return s == TaskState::kNone || s == TaskState::kScheduled || s == TaskState::kUpForRetry;
}

}  // namespace

TaskKey PreviousStateKey(const std::string& dag_id, const std::string& run_id,
                         const std::string& task_id) {
  return TaskKey{dag_id, run_id, task_id};
}

std::string MakeRunId(RunType type, Time logical_date) {
  return std::string(RunTypeName(type)) + "__" + FormatIsoOffset(logical_date, nullptr);
}

TaskInstance MakeTaskInstance(const DagSpec& spec, const TaskSpec& t, const std::string& run_id) {
  TaskInstance ti;
  ti.dag_id = spec.dag_id;
  ti.run_id = run_id;
  ti.task_id = t.task_id;
  ti.state = TaskState::kNone;
  ti.max_tries = t.retries + 1;
  ti.operator_name = t.operator_name;
  ti.pool = t.pool;
  ti.pool_slots = t.pool_slots;
  ti.priority_weight = t.priority_weight;
  return ti;
}

std::vector<TaskInstance> InitialTaskInstances(const DagSpec& spec, const std::string& run_id) {
  std::vector<TaskInstance> out;
  out.reserve(spec.tasks.size());
  for (const auto& t : spec.tasks) out.push_back(MakeTaskInstance(spec, t, run_id));
  return out;
}

PlanState MakePlanState(PlannerInput input) {
  PlanState state;
  state.now = input.now;
  state.pool_slots = input.pool_slots;
  state.executor_free_slots = input.executor_free_slots;
  if (input.only_run) state.only_run = RunKey{input.only_run->first, input.only_run->second};
  for (const auto& [dag_id, dag] : input.dags) state.SetDag(dag_id, dag);
  for (auto& pr : input.runs) {
    std::map<std::string, PreviousTask> previous;
    for (auto it = input.previous_states.lower_bound(TaskKey{pr.run.dag_id, pr.run.run_id, ""});
         it != input.previous_states.end() && it->first.dag_id == pr.run.dag_id &&
         it->first.run_id == pr.run.run_id;
         ++it) {
      auto id = input.previous_run_ids.find(it->first);
      previous[it->first.task_id] =
          PreviousTask{id != input.previous_run_ids.end() ? id->second : "", it->second};
    }
    state.PutRun(std::move(pr.run), std::move(pr.tis), previous);
  }
  state.MarkAllDirty();
  return state;
}

Decisions Plan(const PlannerInput& input, WaitReport* waits) {
  PlanState state = MakePlanState(input);
  return Plan(state, waits);
}

Decisions Plan(PlanState& state, WaitReport* waits) {
  if (waits != nullptr) state.MarkAllDirty();
  state.FireTimers();
  Decisions d;
  PlanSteps steps{state, d, waits};
  if (!state.only_run) steps.CreateDueRuns();
  steps.StartQueuedRuns();
  steps.PlanTouchedRuns();
  steps.QueueByPriority();
  if (auto next = state.NextTimer()) steps.WakeAt(*next);
  return d;
}

bool PlanSteps::OverBudget(size_t more) const {
  return waits == nullptr && state.plan_budget > 0 &&
         created + d.update_tis.size() + more >= state.plan_budget;
}

void PlanSteps::WakeAt(Time t) {
  if (!d.wake_at || t < *d.wake_at) d.wake_at = t;
}

void PlanSteps::CreateDueRuns() {
  for (const std::string& dag_id : state.TakeDueDags()) {
    if (OverBudget()) {
      state.MarkDue(dag_id);  // the next plan creates its runs
      continue;
    }
    const PlanDag* dag = state.FindDag(dag_id);
    if (dag == nullptr) continue;
    const DagSpec& spec = *dag->spec;
    // Unpausing marks the DAG due again.
    if (dag->paused || !spec.timetable || !spec.timetable->periodic()) continue;
    TimeRestriction restriction{spec.start_date, spec.end_date, spec.catchup};
    std::optional<DataInterval> last = dag->last_scheduled;
    // At max_active_runs, a run that ends marks the DAG due again.
    for (int active = state.ActiveRunsOf(dag_id); active < spec.max_active_runs; ++active) {
      auto next = spec.timetable->NextInterval(last, restriction, state.now);
      if (!next) break;
      Time due = spec.timetable->DueAt(*next);
      if (due > state.now) {
        state.AddDagTimer(due, dag_id);
        WakeAt(due);
        break;
      }
      if (OverBudget()) {
        state.MarkDue(dag_id);
        break;
      }
      NewRun nr;
      nr.run.dag_id = dag_id;
      nr.run.run_id = MakeRunId(RunType::kScheduled, next->start);
      nr.run.run_type = RunType::kScheduled;
      nr.run.state = RunState::kQueued;
      nr.run.logical_date = next->start;
      nr.run.data_interval_start = next->start;
      nr.run.data_interval_end = next->end;
      nr.run.queued_at = state.now;
      nr.run.version_id = dag->version_id;
      nr.tis = InitialTaskInstances(spec, nr.run.run_id);
      created += nr.tis.size();
      d.create_runs.push_back(std::move(nr));
      last = next;
    }
    if (last != dag->last_scheduled) state.SetLastScheduled(dag_id, last);
  }
}

void PlanSteps::Blocked(const ActiveRun& r, const WaitReason& reason) {
  const bool queued = r.run.state == RunState::kQueued;
  if (queued) waits->runs[{r.run.dag_id, r.run.run_id}] = {reason};
  for (const auto& ti : r.tis) {
    if (!IsWaiting(ti.state)) continue;
    auto& reasons = waits->tasks[KeyOf(ti)];
    reasons.clear();
    if (queued) reasons.push_back(RunNotStartedReason(r.run));
    reasons.push_back(reason);
  }
}

bool PlanSteps::MayPlan(const ActiveRun& r) {
  const DagRun& run = r.run;
  if (state.only_run && r.key() != *state.only_run) return false;
  const PlanDag* dag = state.FindDag(run.dag_id);
  std::optional<WaitReason> reason;
  if (!state.only_run && run.run_type == RunType::kTest) {
    reason = TestRunReason();
  } else if (dag == nullptr) {
    reason = DagNotLoadedReason(run.dag_id);
  } else if (dag->paused && !state.only_run) {
    // A paused DAG starts nothing new, except the run `dags test` asked for.
    reason = DagPausedReason(run.dag_id);
  }
  if (!reason) return true;
  if (waits != nullptr) Blocked(r, *reason);
  return false;
}

void PlanSteps::StartQueuedRuns() {
  for (const std::string& dag_id : state.TakeStartDags()) {
    const PlanDag* dag = state.FindDag(dag_id);
    // With `waits`: the runs the DAG's max_active_runs counts, including those started here (a
    // run this plan finishes still counts: the run it holds back starts at the next plan).
    std::vector<std::string> running;
    if (waits != nullptr) {
      for (const auto& [key, r] : state.runs()) {
        if (key.dag_id == dag_id && r.run.state == RunState::kRunning) {
          running.push_back(key.run_id);
        }
      }
    }
    for (const RunKey& key : state.QueuedRuns(dag_id)) {
      ActiveRun& r = *state.FindRun(key);
      if (!MayPlan(r)) continue;
      // `dags test` runs its run now, whatever else runs (as Airflow's does).
      if (!state.only_run && state.RunningRunsOf(dag_id) >= dag->spec->max_active_runs) {
        if (waits == nullptr) break;  // no later run of this DAG starts either
        Blocked(r, MaxActiveRunsReason(dag_id, dag->spec->max_active_runs, running));
        continue;
      }
      DagRun started = r.run;
      started.state = RunState::kRunning;
      started.start_date = state.now;
      state.SetRun(started);
      d.update_runs.push_back(started);
      if (waits != nullptr) {
        waits->runs[{dag_id, key.run_id}] = {};
        running.push_back(key.run_id);
      }
    }
  }
}

void PlanSteps::PlanTouchedRuns() {
  for (ActiveRun* r : state.TakeDirtyRuns()) {
    if (r->run.state != RunState::kRunning) continue;
    if (OverBudget()) {
      state.MarkRunDirty(*r);  // the next plan goes on from here
      continue;
    }
    if (!MayPlan(*r)) continue;
    PlanRun(*r);
  }
}

}  // namespace weir
