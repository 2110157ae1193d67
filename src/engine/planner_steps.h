#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/planner.h"

namespace weir {

// The steps of one Plan(), in the order it takes them; each reads and moves `state` and adds
// to `d` (and, when asked, to `waits`). Declared here so that tests can drive one step.
struct PlanSteps {
  PlanState& state;
  Decisions& d;
  WaitReport* waits;   // null unless asked
  size_t created = 0;  // task instances of the runs this plan created

  // Whether this plan has created or changed state.plan_budget task instances (`more`
  // counted too): the steps then stop and leave the rest marked for the next plan.
  bool OverBudget(size_t more = 0) const;

  // New scheduled runs for every interval that has ended, of the DAGs the state marks due,
  // within max_active_runs. Not with only_run.
  void CreateDueRuns();
  // Queued runs of the DAGs the state marks, oldest first, within max_active_runs.
  void StartQueuedRuns();
  // Plans every running run a change touched (PlanRun).
  void PlanTouchedRuns();
  // One running run: its dagrun_timeout, its tasks that left or joined the DAG, the trigger
  // rules of the tasks a change touched (with depends_on_past and retry delays), and whether
  // the run is over.
  void PlanRun(ActiveRun& r);
  // Scheduled task instances by priority within the executor's free slots, each DAG's
  // max_active_tasks and the pools.
  void QueueByPriority();

  // Whether the planner may move run `r` now; when it may not and `waits` is asked, records
  // why for the run and its waiting task instances.
  bool MayPlan(const ActiveRun& r);
  // With `waits`: run `r` does not go on because of `reason`, and so do its task instances.
  void Blocked(const ActiveRun& r, const WaitReason& reason);
  void WakeAt(Time t);
};

}  // namespace weir
