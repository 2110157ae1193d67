#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/time.h"
#include "engine/plan_state.h"
#include "engine/task_graph.h"
#include "engine/wait_reasons.h"
#include "model/dag.h"
#include "model/run.h"

namespace weir {

// A snapshot of everything at once, as tests and the explanation of waits (waits.h) build it;
// the scheduler keeps a PlanState between plans instead.
using PlannerDag = PlanDag;

// A queued or running run with its task instances.
struct PlannerRun {
  DagRun run;
  std::vector<TaskInstance> tis;
};

struct PlannerInput {
  Time now{};
  std::map<std::string, PlannerDag> dags;  // active DAGs by dag_id, each with its graph
  std::vector<PlannerRun> runs;            // every queued or running run
  std::map<std::string, int> pool_slots;   // pool name -> total slots
  int executor_free_slots = 0;
  // For depends_on_past: the state of the same task in the previous run, and that run's id.
  // A missing key means there is no previous run.
  std::map<TaskKey, TaskState> previous_states;
  std::map<TaskKey, std::string> previous_run_ids;
  // Only plan this run (for `dags test`); create no runs. That run ignores the DAG's
  // max_active_runs, and its max_active_tasks counts only its own tasks: it waits on no other
  // run. Pools and the executor still apply.
  std::optional<std::pair<std::string, std::string>> only_run;
};

// The PlanState of a snapshot, with everything marked to be looked at.
PlanState MakePlanState(PlannerInput input);

struct NewRun {
  DagRun run;
  std::vector<TaskInstance> tis;
};

// What the loop must do. Task instance changes carry the whole updated row.
struct Decisions {
  std::vector<NewRun> create_runs;
  std::vector<DagRun> update_runs;       // state changes (queued->running, finished)
  std::vector<TaskInstance> update_tis;  // none->scheduled/skipped/upstream_failed/removed...
  std::vector<TaskKey> queue;            // scheduled -> queued, in the order to start them
  std::vector<TaskKey> kill;             // running attempts to stop (dagrun timeout)
  std::optional<Time> wake_at;           // the earliest time something becomes due
  bool empty() const {
    return create_runs.empty() && update_runs.empty() && update_tis.empty() && queue.empty() &&
           kill.empty();
  }
};

// Why runs and task instances wait, as Plan() decided: filled on request by the same code
// that decides, so an explanation can never disagree with the scheduler.
struct WaitReport {
  // Every queued run this step does not start (key: dag_id, run_id) with what blocks it; a run
  // it starts has an entry with no reasons.
  std::map<std::pair<std::string, std::string>, std::vector<WaitReason>> runs;
  // Every task instance in state none, scheduled or up_for_retry with what blocks it (a task
  // instance of a queued run that does not start: run_not_started, then the run's reasons);
  // one this step queues has an entry with no reasons. Task instances the planner leaves
  // alone (a task no longer in the DAG) have no entry.
  std::map<TaskKey, std::vector<WaitReason>> tasks;
};

// The key of PlannerInput::previous_states: the task instance that depends on the past.
TaskKey PreviousStateKey(const std::string& dag_id, const std::string& run_id,
                         const std::string& task_id);

// Airflow's run id for an automated run: "scheduled__2021-01-01T00:00:00+00:00".
std::string MakeRunId(RunType type, Time logical_date);

// A fresh task instance (state none) of task `t` in run `run_id`.
TaskInstance MakeTaskInstance(const DagSpec& spec, const TaskSpec& t, const std::string& run_id);

// The task instances a new run of `spec` starts with (state none).
std::vector<TaskInstance> InitialTaskInstances(const DagSpec& spec, const std::string& run_id);

// Decides which runs to create, which runs start or finish, which task instances become
// scheduled, skipped or upstream_failed, and which to start now within executor, DAG
// (max_active_tasks) and pool limits, by priority. Deterministic and free of I/O.
//
// Plan() looks only at what changed in `state` since the last plan (and at what became due),
// in named steps (planner_steps.h): CreateDueRuns, StartQueuedRuns, PlanRun for each run a
// change touched, QueueByPriority. It moves `state` to what it decided, so the next plan
// starts from there, and returns the same changes for the store; new runs are the
// exception: the caller adds them once they are recorded. When the store refuses the
// decisions, the caller must load the state again.
//
// With `waits`, plans everything (as if all had changed) and also says why each run and task
// instance that does not start waits.
Decisions Plan(PlanState& state, WaitReport* waits = nullptr);
// Plans a snapshot: Plan(MakePlanState(input), waits).
Decisions Plan(const PlannerInput& input, WaitReport* waits = nullptr);

}  // namespace weir
