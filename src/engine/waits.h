#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/dag_registry.h"
#include "engine/wait_reasons.h"
#include "store/metadata_store.h"

namespace weir {

// Where a run or a task instance stands on its way to running.
enum class WaitStatus {
  kWaiting,   // something blocks it: the reasons say what
  kReady,     // nothing blocks it: the next scheduler step starts it
  kStarting,  // a queued task instance: handed to the executor, its process is starting
  kRunning,
  kFinished,
};

// "waiting", "ready", "starting", "running", "finished".
std::string_view WaitStatusName(WaitStatus status);

struct WaitExplanation {
  WaitStatus status = WaitStatus::kWaiting;
  std::vector<WaitReason> reasons;  // what blocks it; not empty exactly when kWaiting

  // One line for people: "Waiting for: <reason>; <reason>", "Ready: will start at the next
  // scheduler step", "Starting: ...", "Running", "Finished".
  std::string Summary() const;
};

// {"status", "summary", "dependencies": [{"name", "reason", "code", "details"}]}: the API's and
// `weir tasks failed-deps -o json`'s shape. `dependencies` lists what blocks (Airflow's: empty
// when every dependency is met); `status` and `summary` say what happens next.
Json WaitExplanationJson(const WaitExplanation& wait);

struct TaskWait {
  TaskInstance ti;
  WaitExplanation wait;
};

struct RunWaits {
  DagRun run;
  WaitExplanation wait;
  std::vector<TaskWait> tasks;  // every task instance of the run, by task_id
};

struct WaitQuery {
  Time now{};
  // The executor's slots (weir.yaml parallelism); those queued or running task instances do
  // not take are free. 0: the executor's slots are not considered.
  int parallelism = 0;
};

// What the run `run_id` of `dag_id` and each of its task instances wait for, at query.now
// with the store as it is: the planner's own decisions (Plan() with a WaitReport, over
// ReadPlannerInput with `dags`, the DAGs the scheduler loads), so the explanation is what the
// scheduler does; and no_scheduler first when no scheduler's heartbeat is recent (as GET
// /health decides; test runs excepted, their `weir dags test` plans them). kNotFound when
// the run does not exist.
Result<RunWaits> ExplainWaits(MetadataStore& store, const std::map<std::string, LoadedDag>& dags,
                              const std::string& dag_id, const std::string& run_id,
                              const WaitQuery& query);

}  // namespace weir
