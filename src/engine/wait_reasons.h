#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/time.h"
#include "model/run.h"
#include "model/state.h"

namespace weir {

// Why a run has not started or a task instance has not run yet: one of the rules the planner
// applies (planner.h records them while it plans), or no scheduler at all.
enum class WaitCode {
  kDagPaused,       // a paused DAG starts nothing
  kDagNotLoaded,    // the DAGs folder has no loadable version of the DAG
  kTestRun,         // only the `weir dags test` that created the run runs it
  kMaxActiveRuns,   // the DAG has max_active_runs runs running
  kRunNotStarted,   // a task instance of a run that has not started (the run's reasons follow)
  kRunFinished,     // the run is over: the task instance runs only when cleared
  kUpstream,        // upstream tasks are not done (the trigger rule cannot decide yet)
  kTriggerRule,     // the trigger rule can no longer be met: skipped or upstream_failed next
  kDependsOnPast,   // the same task in the previous run did not succeed (yet)
  kRetryDelay,      // up_for_retry until next_retry_at
  kDagrunTimeout,   // the run's dagrun_timeout was reached: skipped next
  kExecutorFull,    // parallelism: every executor slot is taken
  kMaxActiveTasks,  // the DAG has max_active_tasks task instances queued or running
  kPoolMissing,     // the task's pool does not exist
  kPoolFull,        // the pool has fewer open slots than the task needs
  kNoScheduler,     // no scheduler heartbeat is recent: nothing plans at all
  kNotPlanned,      // the scheduler does not consider it (a task no longer in the DAG)
};

// "max_active_runs", the code the API and the CLI print.
std::string_view WaitCodeName(WaitCode code);
// "Max Active Runs": Airflow's dependency name where it has one ("Pool Slots Available").
std::string_view WaitCodeTitle(WaitCode code);

// One reason: a code, a sentence for people that names the numbers and the runs or task
// instances involved, and the same facts as JSON (keys documented in docs/api.md).
// The details are shared and never change: one reason (a DAG's max_active_tasks, a full pool)
// is often that of thousands of waiting task instances, and their copies share one value.
struct WaitReason {
  WaitReason(WaitCode code, std::string text, Json details = Json::object())
      : code(code),
        text(std::move(text)),
        details(std::make_shared<const Json>(std::move(details))) {}

  WaitCode code;
  std::string text;
  std::shared_ptr<const Json> details;  // never null
};

// A task instance, as a reason names it: {"dag_id", "run_id", "task_id", "state"} and, for
// pools, "slots".
struct WaitingOn {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  TaskState state = TaskState::kNone;
  int slots = 0;
};

// The reasons' builders, one per code; the planner calls them where it decides.
WaitReason DagPausedReason(const std::string& dag_id);
WaitReason DagNotLoadedReason(const std::string& dag_id);
WaitReason TestRunReason();
// `running`: the run ids of the DAG's runs that are running (including those this step starts).
WaitReason MaxActiveRunsReason(const std::string& dag_id, int max_active_runs,
                               const std::vector<std::string>& running);
WaitReason RunNotStartedReason(const DagRun& run);
WaitReason RunFinishedReason(const DagRun& run);
// `pending`: the upstream task instances that are not done.
WaitReason UpstreamReason(TriggerRule rule, const std::vector<WaitingOn>& pending);
WaitReason TriggerRuleReason(TriggerRule rule, TaskState next_state);
// `previous`: the same task in the previous run (its run id and state).
WaitReason DependsOnPastReason(const std::string& previous_run_id, TaskState previous_state);
WaitReason RetryDelayReason(Time until, int try_number, int max_tries);
WaitReason DagrunTimeoutReason();
WaitReason ExecutorFullReason(int free_slots);
// `scope`: what the limit counts ("DAG 'd'", or "test run r" for `weir dags test`, whose run
// counts only its own); `active`: its task instances that are queued or running.
WaitReason MaxActiveTasksReason(const std::string& scope, int max_active_tasks,
                                const std::vector<WaitingOn>& active);
WaitReason PoolMissingReason(const std::string& pool);
// `holders`: the task instances that hold the pool's slots.
WaitReason PoolFullReason(const std::string& pool, int used, int total, int needs,
                          const std::vector<WaitingOn>& holders);
// `latest_heartbeat`: the newest scheduler job's (nullopt: no scheduler ever ran on this
// database).
WaitReason NoSchedulerReason(std::optional<Time> latest_heartbeat);
WaitReason NotPlannedReason();

}  // namespace weir
