#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/dag_registry.h"
#include "env/clock.h"
#include "exec/executor.h"
#include "store/run_store.h"

namespace weir {

// State changes that people ask for (CLI, API). Each is one transaction; the caller then
// wakes the scheduler (WakeScheduler) so it acts at once. The actions that end running
// attempts (clear, mark) do it through the `killer` their caller passes: the executor of the
// process (`weir standalone`), or one that reaches the executor's attempts from a process
// that runs none (LocalAttemptKiller in `weir webserver` and the CLI).

// The largest conf a run may have, as compact JSON. A run's conf is stored with it and sent
// with every answer about it (the grid shows 25 runs at a time), so a few MB of it would cost
// every reader; 64 KiB is far more than params need.
inline constexpr size_t kMaxConfBytes = 64 * 1024;

// kInvalidArgument naming the size and the limit when `conf` is larger than kMaxConfBytes.
Status CheckConfSize(const Json& conf);

struct TriggerRequest {
  std::optional<Time> logical_date;  // default: now
  Json conf = Json::object();
  std::string run_id;  // default: manual__<logical date>
  RunType run_type = RunType::kManual;
  // Use the schedule's interval that starts at logical_date, when there is one, instead of
  // a point interval (`dags test` and backfills see what a scheduled run would).
  bool schedule_interval = false;
  bool replace_existing = false;  // delete a run with the same run_id first (`dags test`)
};

// Checks a run's conf before the run exists: a JSON object of at most kMaxConfBytes; with
// strict_conf, no key beyond the DAG's params; every param present or defaulted and within its
// rules (type, enum, bounds, lengths, pattern). Errors are kInvalidArgument (HTTP 400, exit 2) and
// name the key and the rule.
Status ValidateConf(const DagSpec& spec, const Json& conf);

// Creates a queued run. Validates conf first (ValidateConf).
Result<DagRun> TriggerRun(RunStore& store, const LoadedDag& dag, const Clock& clock,
                          const TriggerRequest& request);

struct BackfillResult {
  std::vector<DagRun> created;
  std::vector<DagRun> existing;  // intervals that already had a run, left alone or cleared
};

// Creates a backfill run for every interval whose start is in [from, to] that has no run
// yet; with rerun_failed, clears the failed runs it finds. The scheduler runs them like any
// other run, within max_active_runs.
Result<BackfillResult> Backfill(RunStore& store, const LoadedDag& dag, const Clock& clock,
                                AttemptKiller& killer, Time from, Time to, const Json& conf,
                                bool rerun_failed);

// Which task instances a clear or a mark applies to, Airflow's way: the tasks `task_ids`
// (every task when empty) of run `run_id`, widened by the options.
struct ClearRequest {
  std::string run_id;
  std::vector<std::string> task_ids;  // empty: every task
  bool upstream = false;              // also every task upstream of them (transitively)
  bool downstream = false;            // also every task downstream of them (transitively)
  bool past = false;         // also the same tasks in the DAG's runs with an earlier logical date
  bool future = false;       // ... and in those with a later one
  bool only_failed = false;  // clear: failed and upstream_failed only
  bool dry_run = false;      // return what the action would change; change nothing
  std::string by;            // who asks (a user name); a mark records it
};

// The task instances a request selects, oldest run first, in the DAG's task order within a
// run, as they are now. kNotFound for an unknown run or task.
Result<std::vector<TaskInstance>> SelectTaskInstances(RunStore& store, const DagSpec& spec,
                                                      const ClearRequest& request);

// Clears task instances so they run again: state none, tries allowed again (max_tries =
// try_number + retries + 1), a mark removed, and each of their runs back to queued (queued
// now). Running attempts are killed (killer.Kill with the current try's recorded process).
// Returns the cleared task instances; with dry_run, those it would clear, unchanged.
Result<std::vector<TaskInstance>> ClearTasks(RunStore& store, const DagSpec& spec,
                                             const ClearRequest& request, const Clock& clock,
                                             AttemptKiller& killer);

// Marks task instances success, failed or skipped, recording the mark (request.by, now, the
// state before). Only the tasks asked for: upstream, downstream, past and future only when the
// request says so. Task instances already in that state are left alone; running attempts are
// killed (killer.Kill). Returns the marked task instances; with dry_run, those it would mark,
// unchanged.
Result<std::vector<TaskInstance>> MarkTasks(RunStore& store, const DagSpec& spec,
                                            const ClearRequest& request, TaskState state,
                                            const Clock& clock, AttemptKiller& killer);

// The task instances MarkRun would change: the run's unfinished ones.
Result<std::vector<TaskInstance>> RunMarkPreview(RunStore& store, const std::string& dag_id,
                                                 const std::string& run_id);

// Marks a run success or failed; its unfinished task instances become success (or, for
// failed, failed when running and skipped otherwise), as Airflow does, each with a mark by
// `by`; their running attempts are killed (killer.Kill).
Result<DagRun> MarkRun(RunStore& store, const std::string& dag_id, const std::string& run_id,
                       RunState state, const Clock& clock, AttemptKiller& killer,
                       const std::string& by = "");

}  // namespace weir
