#pragma once

#include <optional>
#include <string_view>

namespace weir {

// Task instance states, with Airflow's names and meanings.
enum class TaskState {
  kNone,       // created with its run, not yet considered
  kScheduled,  // dependencies met, waiting for an executor slot or pool slot
  kQueued,     // handed to the executor
  kRunning,    // its process is running
  kSuccess,
  kFailed,
  kUpForRetry,  // failed, will run again after retry_delay
  kSkipped,
  kUpstreamFailed,  // never ran: its trigger rule can no longer be met
  kRemoved,         // the task no longer exists in the DAG
};

enum class RunState { kQueued, kRunning, kSuccess, kFailed };

// kTest: a run of `weir dags test`, executed by that command; schedulers leave it alone.
enum class RunType { kScheduled, kManual, kBackfill, kTest };

enum class TriggerRule {
  kAllSuccess,
  kAllFailed,
  kAllDone,
  kOneSuccess,
  kOneFailed,
  kNoneFailed,
  kNoneFailedMinOneSuccess,
  kNoneSkipped,
  kAlways,
};

std::string_view TaskStateName(TaskState s);  // "up_for_retry"
std::optional<TaskState> ParseTaskState(std::string_view s);
std::string_view RunStateName(RunState s);
std::optional<RunState> ParseRunState(std::string_view s);
std::string_view RunTypeName(RunType t);  // "scheduled", "manual", "backfill", "test"
std::optional<RunType> ParseRunType(std::string_view s);
std::string_view TriggerRuleName(TriggerRule r);
std::optional<TriggerRule> ParseTriggerRule(std::string_view s);

// success, failed, skipped, upstream_failed, removed: the attempt chain is over.
bool IsFinished(TaskState s);
// queued or running: an executor holds it.
bool IsActive(TaskState s);

}  // namespace weir
