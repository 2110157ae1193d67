#include "engine/wait_reasons.h"

#include <fmt/format.h>

#include <algorithm>

namespace weir {

namespace {

// A sentence names at most this many runs or task instances; details list at most
// kMaxListed (a DAG with thousands of running tasks must not make every answer huge).
constexpr size_t kMaxNamed = 5;
constexpr size_t kMaxListed = 100;

std::string Named(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < kMaxNamed; ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  if (items.size() > kMaxNamed) out += fmt::format(" and {} more", items.size() - kMaxNamed);
  return out;
}

std::string TaskNamed(const WaitingOn& w) {
  return fmt::format("{}.{} of run {} ({})", w.dag_id, w.task_id, w.run_id, TaskStateName(w.state));
}

Json TasksJson(const std::vector<WaitingOn>& tasks, bool with_slots) {
  Json list = Json::array();
  for (size_t i = 0; i < tasks.size() && i < kMaxListed; ++i) {
    const WaitingOn& w = tasks[i];
    Json j{{"dag_id", w.dag_id},
           {"run_id", w.run_id},
           {"task_id", w.task_id},
           {"state", TaskStateName(w.state)}};
    if (with_slots) j["slots"] = w.slots;
    list.push_back(std::move(j));
  }
  return list;
}

// The first kMaxNamed of `tasks` for a sentence, with "and N more".
std::string NamedTasks(const std::vector<WaitingOn>& tasks) {
  std::string out;
  for (size_t i = 0; i < tasks.size() && i < kMaxNamed; ++i) {
    if (i > 0) out += ", ";
    out += TaskNamed(tasks[i]);
  }
  if (tasks.size() > kMaxNamed) out += fmt::format(" and {} more", tasks.size() - kMaxNamed);
  return out;
}

}  // namespace

std::string_view WaitCodeName(WaitCode code) {
  switch (code) {
    case WaitCode::kDagPaused:
      return "dag_paused";
    case WaitCode::kDagNotLoaded:
      return "dag_not_loaded";
    case WaitCode::kTestRun:
      return "test_run";
    case WaitCode::kMaxActiveRuns:
      return "max_active_runs";
    case WaitCode::kRunNotStarted:
      return "run_not_started";
    case WaitCode::kRunFinished:
      return "run_finished";
    case WaitCode::kUpstream:
      return "upstream";
    case WaitCode::kTriggerRule:
      return "trigger_rule";
    case WaitCode::kDependsOnPast:
      return "depends_on_past";
    case WaitCode::kRetryDelay:
      return "retry_delay";
    case WaitCode::kDagrunTimeout:
      return "dagrun_timeout";
    case WaitCode::kExecutorFull:
      return "executor_slots";
    case WaitCode::kMaxActiveTasks:
      return "max_active_tasks";
    case WaitCode::kPoolMissing:
      return "pool_missing";
    case WaitCode::kPoolFull:
      return "pool_slots";
    case WaitCode::kNoScheduler:
      return "no_scheduler";
    case WaitCode::kNotPlanned:
      return "not_planned";
  }
  return "unknown";
}

std::string_view WaitCodeTitle(WaitCode code) {
  switch (code) {
    case WaitCode::kDagPaused:
      return "Dag Not Paused";
    case WaitCode::kDagNotLoaded:
      return "Dag Loaded";
    case WaitCode::kTestRun:
      return "Test Run";
    case WaitCode::kMaxActiveRuns:
      return "Max Active Runs";
    case WaitCode::kRunNotStarted:
    case WaitCode::kRunFinished:
      return "Dagrun Running State";
    case WaitCode::kUpstream:
    case WaitCode::kTriggerRule:
      return "Trigger Rule";
    case WaitCode::kDependsOnPast:
      return "Previous Dagrun State";
    case WaitCode::kRetryDelay:
      return "Not In Retry Period";
    case WaitCode::kDagrunTimeout:
      return "Dagrun Timeout";
    case WaitCode::kExecutorFull:
      return "Executor Slots Available";
    case WaitCode::kMaxActiveTasks:
      return "Task Instance Slots Available";
    case WaitCode::kPoolMissing:
    case WaitCode::kPoolFull:
      return "Pool Slots Available";
    case WaitCode::kNoScheduler:
      return "Scheduler Running";
    case WaitCode::kNotPlanned:
      return "Task In Dag";
  }
  return "Unknown";
}

WaitReason DagPausedReason(const std::string& dag_id) {
  return {
      WaitCode::kDagPaused,
      fmt::format("DAG '{}' is paused: it starts no run and no task until it is unpaused", dag_id),
      Json{{"dag_id", dag_id}}};
}

WaitReason DagNotLoadedReason(const std::string& dag_id) {
  return {WaitCode::kDagNotLoaded,
          fmt::format("DAG '{}' has no loadable version in the DAGs folder (its file is gone or "
                      "has an import error)",
                      dag_id),
          Json{{"dag_id", dag_id}}};
}

WaitReason TestRunReason() {
  return {WaitCode::kTestRun,
          "a test run: only the `weir dags test` that created it runs it, never the scheduler",
          Json::object()};
}

WaitReason MaxActiveRunsReason(const std::string& dag_id, int max_active_runs,
                               const std::vector<std::string>& running) {
  std::vector<std::string> listed(running.begin(),
                                  running.begin() + std::min(running.size(), kMaxListed));
  return {WaitCode::kMaxActiveRuns,
          fmt::format("max_active_runs: {} of {} runs of DAG '{}' are running ({})", running.size(),
                      max_active_runs, dag_id, Named(running)),
          Json{{"max_active_runs", max_active_runs},
               {"running", running.size()},
               {"runs", std::move(listed)}}};
}

WaitReason RunNotStartedReason(const DagRun& run) {
  return {WaitCode::kRunNotStarted, fmt::format("its run {} has not started (queued)", run.run_id),
          Json{{"run_id", run.run_id}, {"run_state", RunStateName(run.state)}}};
}

WaitReason RunFinishedReason(const DagRun& run) {
  return {WaitCode::kRunFinished,
          fmt::format("its run {} is over ({}): the task runs only when it is cleared", run.run_id,
                      RunStateName(run.state)),
          Json{{"run_id", run.run_id}, {"run_state", RunStateName(run.state)}}};
}

WaitReason UpstreamReason(TriggerRule rule, const std::vector<WaitingOn>& pending) {
  std::string names;
  Json list = Json::array();
  for (const auto& w : pending) {
    if (!names.empty()) names += ", ";
    names += fmt::format("{} ({})", w.task_id, TaskStateName(w.state));
    list.push_back(Json{{"task_id", w.task_id}, {"state", TaskStateName(w.state)}});
  }
  return {
      WaitCode::kUpstream,
      fmt::format("upstream tasks not done: {} (trigger rule {})", names, TriggerRuleName(rule)),
      Json{{"trigger_rule", TriggerRuleName(rule)}, {"upstream", std::move(list)}}};
}

WaitReason TriggerRuleReason(TriggerRule rule, TaskState next_state) {
  return {WaitCode::kTriggerRule,
          fmt::format("trigger rule {} can no longer be met: it becomes {} at the next scheduler "
                      "step",
                      TriggerRuleName(rule), TaskStateName(next_state)),
          Json{{"trigger_rule", TriggerRuleName(rule)}, {"next_state", TaskStateName(next_state)}}};
}

WaitReason DependsOnPastReason(const std::string& previous_run_id, TaskState previous_state) {
  bool finished = IsFinished(previous_state);
  return {WaitCode::kDependsOnPast,
          fmt::format("depends_on_past: the same task in the previous run {} is {}{}",
                      previous_run_id, TaskStateName(previous_state),
                      finished ? ", not success or skipped: clear or mark it to go on"
                               : "; it runs once that one succeeds"),
          Json{{"previous_run_id", previous_run_id},
               {"previous_state", TaskStateName(previous_state)}}};
}

WaitReason RetryDelayReason(Time until, int try_number, int max_tries) {
  return {WaitCode::kRetryDelay,
          fmt::format("retry delay: try {} of {} failed; the next try starts at {}", try_number,
                      max_tries, FormatIso(until)),
          Json{{"next_retry_at", FormatIso(until)},
               {"try_number", try_number},
               {"max_tries", max_tries}}};
}

WaitReason DagrunTimeoutReason() {
  return {WaitCode::kDagrunTimeout,
          "the run's dagrun_timeout was reached: the task is skipped at the next scheduler step",
          Json::object()};
}

WaitReason ExecutorFullReason(int free_slots) {
  return {WaitCode::kExecutorFull,
          "executor slots: every slot is taken (parallelism in weir.yaml); it starts when a "
          "running task ends",
          Json{{"free_slots", free_slots}}};
}

WaitReason MaxActiveTasksReason(const std::string& scope, int max_active_tasks,
                                const std::vector<WaitingOn>& active) {
  return {WaitCode::kMaxActiveTasks,
          fmt::format("max_active_tasks: {} of {} task instances of {} are queued or running "
                      "({})",
                      active.size(), max_active_tasks, scope, NamedTasks(active)),
          Json{{"max_active_tasks", max_active_tasks},
               {"active", active.size()},
               {"tasks", TasksJson(active, false)}}};
}

WaitReason PoolMissingReason(const std::string& pool) {
  return {
      WaitCode::kPoolMissing,
      fmt::format("pool '{}' does not exist: create it with `weir pools set {} SLOTS`", pool, pool),
      Json{{"pool", pool}}};
}

WaitReason PoolFullReason(const std::string& pool, int used, int total, int needs,
                          const std::vector<WaitingOn>& holders) {
  return {WaitCode::kPoolFull,
          fmt::format("pool '{}' has {} of {} slots free and the task needs {} (held by {})", pool,
                      std::max(total - used, 0), total, needs, NamedTasks(holders)),
          Json{{"pool", pool},
               {"used_slots", used},
               {"total_slots", total},
               {"needed_slots", needs},
               {"holders", TasksJson(holders, true)}}};
}

WaitReason NoSchedulerReason(std::optional<Time> latest_heartbeat) {
  std::string last = latest_heartbeat ? "its last heartbeat was at " + FormatIso(*latest_heartbeat)
                                      : "none ever ran on this database";
  return {WaitCode::kNoScheduler,
          fmt::format("no scheduler is running ({}): start `weir scheduler` or `weir standalone`",
                      last),
          Json{{"latest_scheduler_heartbeat",
                latest_heartbeat ? Json(FormatIso(*latest_heartbeat)) : Json()}}};
}

WaitReason NotPlannedReason() {
  return {WaitCode::kNotPlanned,
          "the scheduler does not plan it: its task is not in the DAG's current version",
          Json::object()};
}

}  // namespace weir
