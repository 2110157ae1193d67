// PlanSteps::PlanRun: one running run, as far as a change touched it.

#include <algorithm>
#include <functional>
#include <unordered_set>

#include "engine/planner_steps.h"

namespace weir {

namespace {

bool IsLeafFailure(TaskState s) {
  return s == TaskState::kFailed || s == TaskState::kUpstreamFailed;
}

// Moves the task instances of one run and remembers which it moved, to record them once.
class RunChanges {
 public:
  RunChanges(PlanState& state, ActiveRun& r) : state_(state), r_(r) {}

  void Set(int s, TaskState to, const std::string& error = "") {
    TaskInstance ti = r_.tis[s];
    ti.state = to;
    if (IsFinished(to)) ti.end_date = state_.now;
    if (!error.empty()) ti.error = error;
    state_.SetTask(r_, s, ti);
    Touch(s);
  }
  void Touch(int s) {
    if (seen_.insert(s).second) slots_.push_back(s);
  }
  size_t size() const { return slots_.size(); }
  void Record(Decisions& d) const {
    d.update_tis.reserve(d.update_tis.size() + slots_.size());
    for (int s : slots_) d.update_tis.push_back(r_.tis[s]);
  }

 private:
  PlanState& state_;
  ActiveRun& r_;
  std::vector<int> slots_;
  std::unordered_set<int> seen_;
};

}  // namespace

void PlanSteps::PlanRun(ActiveRun& r) {
  const PlanDag& dag = *state.FindDag(r.run.dag_id);
  const DagSpec& spec = *dag.spec;
  const TaskGraph& graph = *r.graph;
  RunChanges changes(state, r);
  auto wait = [&](const TaskInstance& ti, WaitReason reason) {
    if (waits != nullptr) waits->tasks[KeyOf(ti)] = {std::move(reason)};
  };

  // Task instances the layout added for tasks new in the DAG are recorded with this plan.
  for (int s : r.unsaved) changes.Touch(s);
  r.unsaved.clear();

  // dagrun_timeout: the run fails and whatever has not finished is skipped, as in Airflow.
  if (spec.dagrun_timeout && r.run.start_date) {
    Time deadline = *r.run.start_date + *spec.dagrun_timeout;
    if (state.now >= deadline) {
      for (int s = 0; s < static_cast<int>(r.tis.size()); ++s) {
        const TaskInstance& ti = r.tis[s];
        if (IsFinished(ti.state)) continue;
        if (IsActive(ti.state)) {
          d.kill.push_back(KeyOf(ti));
        } else {
          wait(ti, DagrunTimeoutReason());
        }
        changes.Set(s, TaskState::kSkipped, "dagrun_timeout reached");
      }
      changes.Record(d);
      DagRun run = r.run;
      run.state = RunState::kFailed;
      run.end_date = state.now;
      run.reason = "dagrun_timeout of " + FormatDuration(*spec.dagrun_timeout) + " reached";
      d.update_runs.push_back(run);
      state.SetRun(run);  // `r` is gone from here on
      return;
    }
    WakeAt(deadline);
  }

  // Task instances of tasks that left the DAG.
  if (r.reconcile) {
    r.reconcile = false;
    for (int s = 0; s < static_cast<int>(r.tis.size()); ++s) {
      TaskState st = r.tis[s].state;
      if (r.task[s] < 0 && !IsFinished(st) && !IsActive(st)) changes.Set(s, TaskState::kRemoved);
    }
  }

  // The trigger rules of the tasks a change touched, every task after its upstreams (a task
  // that becomes skipped or upstream_failed touches its downstream tasks in this same pass).
  bool blocked_by_past = false;
  auto evaluate = [&](int t) {
    const int s = r.slot[t];
    const TaskInstance& ti = r.tis[s];
    const TaskSpec& task = spec.tasks[t];
    if (ti.state == TaskState::kUpForRetry) {
      if (!ti.next_retry_at || *ti.next_retry_at <= state.now) {
        changes.Set(s, TaskState::kScheduled);
      } else {
        WakeAt(*ti.next_retry_at);
        wait(ti, RetryDelayReason(*ti.next_retry_at, ti.try_number, ti.max_tries));
      }
      return;
    }
    if (ti.state != TaskState::kNone) return;
    switch (EvaluateTriggerRule(task.trigger_rule, r.upstream[t])) {
      case TriggerDecision::kWait:
        if (waits != nullptr) {
          std::vector<WaitingOn> pending;
          for (int u : graph.upstream[t]) {
            const TaskInstance& up = r.tis[r.slot[u]];
            if (!IsFinished(up.state)) {
              pending.push_back({up.dag_id, up.run_id, up.task_id, up.state, up.pool_slots});
            }
          }
          wait(ti, UpstreamReason(task.trigger_rule, pending));
        }
        return;
      case TriggerDecision::kSkip:
        wait(ti, TriggerRuleReason(task.trigger_rule, TaskState::kSkipped));
        changes.Set(s, TaskState::kSkipped);
        return;
      case TriggerDecision::kUpstreamFailed:
        wait(ti, TriggerRuleReason(task.trigger_rule, TaskState::kUpstreamFailed));
        changes.Set(s, TaskState::kUpstreamFailed);
        return;
      case TriggerDecision::kRun:
        break;
    }
    if (task.depends_on_past) {
      auto prev = r.previous.find(task.task_id);
      if (prev != r.previous.end() && prev->second.state != TaskState::kSuccess &&
          prev->second.state != TaskState::kSkipped) {
        blocked_by_past = blocked_by_past || IsFinished(prev->second.state);
        wait(ti, DependsOnPastReason(prev->second.run_id, prev->second.state));
        return;
      }
    }
    changes.Set(s, TaskState::kScheduled);
  };
  // Over the plan's budget, the run stays marked (what is left of `dirty`, or all of it) and
  // the next plan goes on; the tasks evaluated so far are recorded.
  bool stopped = false;
  auto over_budget = [&] {
    stopped = stopped || OverBudget(changes.size());
    return stopped;
  };
  auto evaluate_all = [&] {
    // Changes made while passing over every task need no marks: their downstream tasks come
    // later in `order`. A pass cut short starts again from the first task next time (tasks
    // it moved are no longer none, so they cost a look).
    r.all_dirty = true;
    for (int t : graph.order) {
      if (over_budget()) return;
      evaluate(t);
    }
    r.all_dirty = false;
    r.dirty.clear();
    std::fill(r.is_dirty.begin(), r.is_dirty.end(), 0);
  };
  bool evaluated_all = r.all_dirty;
  if (r.all_dirty) {
    evaluate_all();
  } else {
    while (!r.dirty.empty() && !over_budget()) {
      std::pop_heap(r.dirty.begin(), r.dirty.end(), std::greater<>());
      int t = graph.order[r.dirty.back()];
      r.dirty.pop_back();
      r.is_dirty[t] = 0;
      evaluate(t);
    }
  }
  // Nothing runs or can start: whether what waits depends on a previous run that failed is
  // known only from every task.
  if (!stopped && !evaluated_all && r.Unfinished() > 0 && r.InFlight() == 0) evaluate_all();
  changes.Record(d);
  if (stopped) {
    state.MarkRunDirty(r);
    return;
  }

  if (r.Unfinished() > 0) {
    // Nothing runs, nothing can start, and what waits depends on a previous run that
    // failed: Airflow calls this a deadlock and fails the run.
    if (r.InFlight() == 0 && blocked_by_past) {
      DagRun run = r.run;
      run.state = RunState::kFailed;
      run.end_date = state.now;
      run.reason = "deadlock: a depends_on_past task waits on a previous run that did not succeed";
      d.update_runs.push_back(run);
      state.SetRun(run);
    }
    return;
  }
  // Airflow's rule: the run failed when a leaf task failed or could not run.
  bool failed = false;
  for (int t = 0; t < graph.size(); ++t) {
    if (graph.leaf[t] && IsLeafFailure(r.tis[r.slot[t]].state)) failed = true;
  }
  DagRun run = r.run;
  run.state = failed ? RunState::kFailed : RunState::kSuccess;
  run.end_date = state.now;
  d.update_runs.push_back(run);
  state.SetRun(run);
}

}  // namespace weir
