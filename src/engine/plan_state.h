#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/time.h"
#include "engine/task_graph.h"
#include "engine/trigger_rules.h"
#include "model/dag.h"
#include "model/run.h"

namespace weir {

inline constexpr int kTaskStateCount = static_cast<int>(TaskState::kRemoved) + 1;

// What the planner knows of one DAG.
struct PlanDag {
  std::shared_ptr<const DagSpec> spec;
  std::shared_ptr<const TaskGraph> graph;  // of `spec` (TaskGraph::Build)
  bool paused = false;
  int64_t version_id = 0;  // the latest version: new runs record it
  // Interval of the latest scheduled run (any state), the anchor of the next one.
  std::optional<DataInterval> last_scheduled;
};

// The same task's instance in the run before, for a depends_on_past task.
struct PreviousTask {
  std::string run_id;
  TaskState state = TaskState::kNone;
};

// One queued or running run with its task instances, laid out on its DAG's task graph:
// slot s is tis[s]; task number t (TaskGraph) has slot[t].
struct ActiveRun {
  DagRun run;
  std::vector<TaskInstance> tis;           // in the order they were loaded or added
  uint64_t ordinal = 0;                    // when it joined the state: breaks ties between runs
  std::shared_ptr<const TaskGraph> graph;  // null while its DAG is not loaded
  std::vector<int> slot;                   // task number -> slot (every task has one)
  std::vector<int> task;                   // slot -> task number, -1: not in the DAG
  std::vector<UpstreamCounts> upstream;    // task number -> how its upstreams stand
  // depends_on_past tasks (by id): the same task in the run before, when there is one.
  std::map<std::string, PreviousTask> previous;
  std::array<int, kTaskStateCount> count{};  // task instances by state
  int active = 0;                            // task instances queued or running
  // What the next plan of this run must look at.
  std::vector<int> unsaved;    // slots the layout added (tasks new in the DAG): to record
  bool reconcile = false;      // tasks left the DAG: their task instances become removed
  bool all_dirty = false;      // evaluate every task
  std::vector<int> dirty;      // task numbers to evaluate, a min-heap by rank
  std::vector<char> is_dirty;  // task number -> in `dirty`

  RunKey key() const { return RunKey{run.dag_id, run.run_id}; }
  int Unfinished() const;
  // Task instances that are neither none nor finished (scheduled, queued, running, retrying).
  int InFlight() const;
};

// What the planner plans over: the DAGs, every queued or running run with its task
// instances, the pools and the executor's free slots, with what changed since the last plan.
// The scheduler keeps one between plans and applies every change to it (its decisions,
// attempt events, other processes' writes); Plan() then looks only at what those changes
// touched and at what became due. Not thread-safe.
//
// Every change goes through PutRun / SetRun / PutTask / SetTask, which keep the derived
// data in step: counts by state, each task's upstream counts, active task instances per DAG,
// run and pool, the scheduled task instances in priority order, and the timers.
class PlanState {
 public:
  // A scheduled task instance waiting to be queued, in the order the planner starts them:
  // higher priority first, then the older run, then the run and slot that came first.
  struct Ready {
    int neg_priority = 0;
    Time logical_date{};
    uint64_t ordinal = 0;
    int slot = 0;
    auto operator<=>(const Ready&) const = default;
  };
  // Scheduled task instances of one run with the same pool and pool_slots: when the first
  // does not fit, none does.
  struct ReadyGroup {
    RunKey run;
    std::string pool;
    int slots = 1;
    auto operator<=>(const ReadyGroup&) const = default;
  };

  Time now{};
  std::map<std::string, int> pool_slots;  // pool name -> total slots
  // Slots of each pool held by task instances this state does not hold (those of the DAGs
  // other schedulers own): PoolUsed counts them.
  std::map<std::string, int> pool_used_elsewhere;
  int executor_free_slots = 0;
  // Only plan this run (`weir dags test`); create no runs.
  std::optional<RunKey> only_run;
  // At most about this many task instances created or changed by one plan (0: no limit), as
  // Airflow's max_tis_per_query: what is left stays marked, and the next plan (at once, since
  // this one decided something) goes on. It bounds the memory a plan's decisions take, for
  // example when ten runs of 10,000 tasks are due together. A plan that explains waits
  // (Plan's `waits`) looks at everything.
  size_t plan_budget = 4096;

  // DAGs. SetDag replaces one; runs of a DAG whose graph changed are laid out again.
  const std::map<std::string, PlanDag>& dags() const { return dags_; }
  const PlanDag* FindDag(const std::string& dag_id) const;
  void SetDag(const std::string& dag_id, PlanDag dag);
  void RemoveDag(const std::string& dag_id);
  // The anchor of the DAG's next interval; a new one marks the DAG due.
  void SetLastScheduled(const std::string& dag_id, std::optional<DataInterval> interval);

  // Runs. A run that is not queued or running leaves the state. `previous`: for each
  // depends_on_past task (by id), the run before's task instance.
  void PutRun(DagRun run, std::vector<TaskInstance> tis,
              const std::map<std::string, PreviousTask>& previous = {});
  void SetRun(const DagRun& run);  // the run's own fields; its task instances stay
  void RemoveRun(const RunKey& key);
  ActiveRun* FindRun(const RunKey& key);
  const TaskInstance* FindTask(const TaskKey& key);
  const std::map<RunKey, ActiveRun>& runs() const { return runs_; }
  // Task instances. PutTask ignores one whose run is not here; SetTask changes slot `s`.
  void PutTask(const TaskInstance& ti);
  void SetTask(ActiveRun& r, int s, const TaskInstance& next);

  // Marks every DAG, run and task to be looked at (a full plan).
  void MarkAllDirty();
  void MarkDirty(ActiveRun& r, int task);
  // The next plan looks at the run again (what it left marked) / checks the DAG for due runs.
  void MarkRunDirty(const ActiveRun& r);
  void MarkDue(const std::string& dag_id);

  // Counters.
  int ActiveRunsOf(const std::string& dag_id) const;   // queued or running
  int RunningRunsOf(const std::string& dag_id) const;  // running
  int ActiveTasksOf(const std::string& dag_id) const;  // queued or running task instances
  int PoolUsed(const std::string& pool) const;

  // What changed, for the planner: taken (and cleared) by each plan.
  std::set<std::string> TakeDueDags();      // DAGs to check for new scheduled runs
  std::set<std::string> TakeStartDags();    // DAGs whose queued runs may start
  std::vector<ActiveRun*> TakeDirtyRuns();  // in logical date order
  // Queued runs of a DAG, oldest first.
  std::vector<RunKey> QueuedRuns(const std::string& dag_id) const;
  std::map<ReadyGroup, std::set<Ready>>& ready() { return ready_; }

  // Timers: when `at` comes, the DAG is checked for due runs / the run or its task planned.
  void AddDagTimer(Time at, const std::string& dag_id);
  void AddRunTimer(Time at, const RunKey& run, const std::string& task_id = "");
  // Marks what is due at `now` and drops those timers; returns the earliest one left.
  std::optional<Time> FireTimers();
  std::optional<Time> NextTimer() const;

 private:
  // Adds (sign 1) or removes (sign -1) what slot `s` contributes to the counters, the
  // ready set and its downstream tasks' upstream counts.
  void Count(ActiveRun& r, int s, int sign);
  void Layout(ActiveRun& r);
  void Attach(ActiveRun& r);                 // lays out and counts every slot
  void Detach(ActiveRun& r);                 // uncounts every slot
  void Track(const ActiveRun& r, int sign);  // per-DAG run counters and the queued index
  void TimersOf(ActiveRun& r, int s);
  void AddTimeoutTimer(const ActiveRun& r);  // when it runs and its DAG has a dagrun_timeout
  void PreviousChanged(const ActiveRun& r, int task);
  int PriorityOf(const ActiveRun& r, int s) const;

  std::map<std::string, PlanDag> dags_;
  std::map<RunKey, ActiveRun> runs_;
  std::map<std::string, std::set<RunKey>> runs_of_dag_;
  std::map<std::string, std::set<std::pair<Time, uint64_t>>> queued_;  // per DAG
  std::map<std::pair<std::string, uint64_t>, RunKey> queued_keys_;     // (dag, ordinal)
  std::map<std::string, int> active_runs_;
  std::map<std::string, int> running_runs_;
  std::map<std::string, int> dag_active_tasks_;
  std::map<std::string, int> pool_used_;
  std::map<ReadyGroup, std::set<Ready>> ready_;
  struct Timer {
    std::string dag_id;
    std::string run_id;   // empty: the DAG's next due run
    std::string task_id;  // empty: the run (its dagrun_timeout)
  };
  std::multimap<Time, Timer> timers_;
  std::map<std::string, Time> dag_timer_;  // the DAG timer in timers_, one per DAG
  std::set<std::string> due_dags_;
  std::set<std::string> start_dags_;
  std::set<RunKey> dirty_runs_;
  uint64_t next_ordinal_ = 0;
};

}  // namespace weir
