#include "engine/actions.h"

#include <algorithm>
#include <set>

#include "base/strings.h"
#include "engine/planner.h"

namespace weir {

namespace {

// Ends the task instance's current try through the executor, if it is running: by the process
// its start recorded, since the attempt may run in another process than this one.
Status KillCurrentTry(RunStore& store, AttemptKiller& killer, const TaskInstance& ti,
                      const std::string& reason) {
  if (!IsActive(ti.state)) return {};
  for (const auto& t : TRY(store.ListTries(ti.dag_id, ti.run_id, ti.task_id))) {
    if (t.try_number == ti.try_number && t.pid > 0) {
      killer.Kill(AttemptKey{ti.dag_id, ti.run_id, ti.task_id, t.try_number},
                  AttemptProcess{t.pid, t.proc_start}, reason);
    }
  }
  return {};
}

// Why a mark ends an attempt, for its log: "marked failed by alice".
std::string MarkReason(std::string_view state, const std::string& by) {
  return by.empty() ? fmt::format("marked {}", state) : fmt::format("marked {} by {}", state, by);
}

// The task ids a request names, widened upstream and downstream of those it names (not of
// each other's additions, as Airflow does); empty when it names none (every task).
Result<std::set<std::string>> SelectedTaskIds(const DagSpec& spec, const ClearRequest& request) {
  std::set<std::string> wanted;
  std::vector<std::string> upstream_todo;
  for (const auto& id : request.task_ids) {
    if (spec.FindTask(id) == nullptr) {
      return Err(ErrorCode::kNotFound, "DAG '{}' has no task '{}'", spec.dag_id, id);
    }
    wanted.insert(id);
    if (request.downstream) {
      for (const auto& d : spec.Downstream(id)) wanted.insert(d);
    }
    if (request.upstream) upstream_todo.push_back(id);
  }
  std::set<std::string> seen(upstream_todo.begin(), upstream_todo.end());
  while (!upstream_todo.empty()) {
    const TaskSpec* task = spec.FindTask(upstream_todo.back());
    upstream_todo.pop_back();
    for (const auto& u : task->upstream) {
      if (!seen.insert(u).second) continue;
      wanted.insert(u);
      if (spec.FindTask(u) != nullptr) upstream_todo.push_back(u);
    }
  }
  return wanted;
}

// The request's run, with the DAG's earlier (past) and later (future) runs, oldest first.
Result<std::vector<DagRun>> SelectedRuns(RunStore& store, const DagSpec& spec,
                                         const ClearRequest& request) {
  DagRun anchor = TRY(store.GetRun(spec.dag_id, request.run_id));
  if (!request.past && !request.future) return std::vector<DagRun>{anchor};
  RunFilter filter;
  filter.dag_id = spec.dag_id;
  filter.newest_first = false;
  if (!request.past) filter.logical_date_from = anchor.logical_date;
  if (!request.future) filter.logical_date_to = anchor.logical_date;
  std::vector<DagRun> runs;
  for (auto& run : TRY(store.ListRuns(filter))) {
    // Another run at the same logical date is neither past nor future.
    bool keep = run.run_id == anchor.run_id ||
                (request.past && run.logical_date < anchor.logical_date) ||
                (request.future && run.logical_date > anchor.logical_date);
    if (keep) runs.push_back(std::move(run));
  }
  return runs;
}

// The runs of `tis`, each once, to move back to queued or running after a change.
Result<std::vector<DagRun>> RunsOf(RunStore& store, const std::vector<TaskInstance>& tis) {
  std::vector<DagRun> runs;
  std::set<std::string> seen;
  for (const auto& ti : tis) {
    if (seen.insert(ti.run_id).second) runs.push_back(TRY(store.GetRun(ti.dag_id, ti.run_id)));
  }
  return runs;
}

}  // namespace

Result<std::vector<TaskInstance>> SelectTaskInstances(RunStore& store, const DagSpec& spec,
                                                      const ClearRequest& request) {
  std::set<std::string> wanted = TRY(SelectedTaskIds(spec, request));
  auto order = [&](const TaskInstance& ti) {
    auto it = spec.task_index.find(ti.task_id);
    return it == spec.task_index.end() ? spec.tasks.size() : it->second;
  };
  std::vector<TaskInstance> out;
  for (const auto& run : TRY(SelectedRuns(store, spec, request))) {
    std::vector<TaskInstance> tis;
    for (auto& ti : TRY(store.ListTaskInstances(spec.dag_id, run.run_id))) {
      if (!request.task_ids.empty() && wanted.count(ti.task_id) == 0) continue;
      if (request.only_failed && ti.state != TaskState::kFailed &&
          ti.state != TaskState::kUpstreamFailed) {
        continue;
      }
      tis.push_back(std::move(ti));
    }
    std::stable_sort(tis.begin(), tis.end(), [&](const TaskInstance& a, const TaskInstance& b) {
      return order(a) < order(b);
    });
    for (auto& ti : tis) out.push_back(std::move(ti));
  }
  return out;
}

Status CheckConfSize(const Json& conf) {
  size_t size = conf.dump(-1, ' ', false, Json::error_handler_t::replace).size();
  if (size > kMaxConfBytes) {
    return Err(ErrorCode::kInvalidArgument,
               "conf is {} bytes of JSON; a run's conf may have at most {} (pass large data "
               "through a file or the lake, and its path in conf)",
               size, kMaxConfBytes);
  }
  return {};
}

Status ValidateConf(const DagSpec& spec, const Json& conf) {
  if (!conf.is_object()) {
    return Err(ErrorCode::kInvalidArgument, "conf must be a JSON object, got {}", conf.dump());
  }
  TRY(CheckConfSize(conf));
  if (spec.strict_conf) {
    for (const auto& [key, unused] : conf.items()) {
      if (spec.FindParam(key) != nullptr) continue;
      std::vector<std::string> names;
      names.reserve(spec.params.size());
      for (const auto& p : spec.params) names.push_back(p.name);
      return Err(ErrorCode::kInvalidArgument,
                 "conf key {} is not a param of DAG '{}', which accepts only its params "
                 "(strict_conf: true){}",
                 Json(key).dump(-1, ' ', false, Json::error_handler_t::replace), spec.dag_id,
                 names.empty() ? std::string(": it has none") : ": " + Join(names, ", "));
    }
  }
  TRY(spec.ResolveParams(conf));
  return {};
}

Result<DagRun> TriggerRun(RunStore& store, const LoadedDag& dag, const Clock& clock,
                          const TriggerRequest& request) {
  const DagSpec& spec = *dag.spec;
  Json conf = request.conf.is_null() ? Json::object() : request.conf;
  TRY(ValidateConf(spec, conf));
  Time now = clock.Now();
  Time logical = request.logical_date.value_or(now);
  DagRun run;
  run.dag_id = spec.dag_id;
  run.run_type = request.run_type;
  // Triggered "now" without a run id: many triggers share a second, so the id has the
  // microseconds (Airflow's form) and a suffix when even those collide.
  const bool unique_id = request.run_id.empty() && !request.logical_date;
  if (unique_id) {
    run.run_id = std::string(RunTypeName(request.run_type)) + "__" +
                 FormatTime(logical, "%Y-%m-%dT%H:%M:%S.%f+00:00");
  } else {
    run.run_id = request.run_id.empty() ? MakeRunId(request.run_type, logical) : request.run_id;
  }
  run.state = RunState::kQueued;
  run.logical_date = logical;
  DataInterval interval{logical, logical};
  if (spec.timetable) {
    interval = spec.timetable->ManualInterval(logical);
    if (request.schedule_interval) {
      auto intervals = spec.timetable->IntervalsBetween(logical, logical);
      if (!intervals.empty()) interval = intervals.front();
    }
  }
  run.data_interval_start = interval.start;
  run.data_interval_end = interval.end;
  run.queued_at = now;
  run.conf = conf;
  run.version_id = dag.version_id;
  TRY(store.Transaction([&]() -> Status {
    // Inside the write transaction, so no other trigger can take the id between the check
    // and the insert.
    const std::string base_id = run.run_id;
    for (int n = 2; unique_id && n <= 1000; ++n) {
      auto taken = store.GetRun(run.dag_id, run.run_id);
      if (!taken && taken.error().code == ErrorCode::kNotFound) break;
      if (!taken) return std::unexpected(taken.error());
      run.run_id = fmt::format("{}_{}", base_id, n);
    }
    if (request.replace_existing) {
      auto old = store.GetRun(run.dag_id, run.run_id);
      if (old) TRY(store.DeleteRun(run.dag_id, run.run_id));
    }
    auto created = store.CreateRun(run, InitialTaskInstances(spec, run.run_id));
    if (!created && created.error().code == ErrorCode::kAlreadyExists) {
      return Err(ErrorCode::kAlreadyExists,
                 "DAG '{}' already has a run '{}': pick another --logical-date or --run-id, or "
                 "clear that run with `weir tasks clear {} --run-id {}`",
                 run.dag_id, run.run_id, run.dag_id, run.run_id);
    }
    return created;
  }));
  return run;
}

Result<BackfillResult> Backfill(RunStore& store, const LoadedDag& dag, const Clock& clock,
                                AttemptKiller& killer, Time from, Time to, const Json& conf,
                                bool rerun_failed) {
  const DagSpec& spec = *dag.spec;
  if (!spec.timetable || !spec.timetable->periodic()) {
    return Err(ErrorCode::kFailedPrecondition,
               "DAG '{}' has no schedule, so it has no intervals to backfill: trigger runs with "
               "`weir dags trigger {} --logical-date DATE`",
               spec.dag_id, spec.dag_id);
  }
  if (to < from) {
    return Err(ErrorCode::kInvalidArgument,
               "backfill range is empty: --start-date {} is after "
               "--end-date {}",
               FormatIso(from), FormatIso(to));
  }
  TRY(ValidateConf(spec, conf.is_null() ? Json::object() : conf));
  BackfillResult result;
  Time now = clock.Now();
  TRY(store.Transaction([&]() -> Status {
    RunFilter f;
    f.dag_id = spec.dag_id;
    f.logical_date_from = from;
    f.logical_date_to = to;
    std::map<Time, DagRun> existing;
    for (auto& r : TRY(store.ListRuns(f))) existing[r.logical_date] = std::move(r);
    for (const auto& interval : spec.timetable->IntervalsBetween(from, to)) {
      auto it = existing.find(interval.start);
      if (it != existing.end()) {
        if (rerun_failed && it->second.state == RunState::kFailed) {
          ClearRequest clear;
          clear.run_id = it->second.run_id;
          clear.only_failed = true;
          TRY(ClearTasks(store, spec, clear, clock, killer));
        }
        result.existing.push_back(it->second);
        continue;
      }
      DagRun run;
      run.dag_id = spec.dag_id;
      run.run_type = RunType::kBackfill;
      run.run_id = MakeRunId(RunType::kBackfill, interval.start);
      run.state = RunState::kQueued;
      run.logical_date = interval.start;
      run.data_interval_start = interval.start;
      run.data_interval_end = interval.end;
      run.queued_at = now;
      run.conf = conf.is_null() ? Json::object() : conf;
      run.version_id = dag.version_id;
      TRY(store.CreateRun(run, InitialTaskInstances(spec, run.run_id)));
      result.created.push_back(run);
    }
    return {};
  }));
  return result;
}

Result<std::vector<TaskInstance>> ClearTasks(RunStore& store, const DagSpec& spec,
                                             const ClearRequest& request, const Clock& clock,
                                             AttemptKiller& killer) {
  if (request.dry_run) return SelectTaskInstances(store, spec, request);
  std::vector<TaskInstance> cleared;
  TRY(store.Transaction([&]() -> Status {
    for (auto& ti : TRY(SelectTaskInstances(store, spec, request))) {
      TRY(KillCurrentTry(store, killer, ti,
                         request.by.empty() ? "cleared" : "cleared by " + request.by));
      const TaskSpec* task = spec.FindTask(ti.task_id);
      ti.state = TaskState::kNone;
      ti.max_tries = ti.try_number + (task ? task->retries : 0) + 1;
      ti.next_retry_at.reset();
      ti.start_date.reset();
      ti.end_date.reset();
      ti.queued_at.reset();
      ti.error.clear();
      ti.marked.reset();
      TRY(store.UpdateTaskInstance(ti));
      cleared.push_back(ti);
    }
    for (auto& run : TRY(RunsOf(store, cleared))) {
      if (run.state == RunState::kQueued || run.state == RunState::kRunning) continue;
      run.state = RunState::kQueued;
      run.queued_at = clock.Now();  // queued again: the UI shows since when it waits
      run.start_date.reset();
      run.end_date.reset();
      TRY(store.UpdateRun(run));
    }
    return {};
  }));
  return cleared;
}

Result<std::vector<TaskInstance>> MarkTasks(RunStore& store, const DagSpec& spec,
                                            const ClearRequest& request, TaskState state,
                                            const Clock& clock, AttemptKiller& killer) {
  if (state != TaskState::kSuccess && state != TaskState::kFailed && state != TaskState::kSkipped) {
    return Err(ErrorCode::kInvalidArgument, "a task can be marked success, failed or skipped");
  }
  ClearRequest selection = request;
  selection.only_failed = false;
  auto to_mark = [&]() -> Result<std::vector<TaskInstance>> {
    std::vector<TaskInstance> tis = TRY(SelectTaskInstances(store, spec, selection));
    std::erase_if(tis, [&](const TaskInstance& ti) { return ti.state == state; });
    return tis;
  };
  if (request.dry_run) return to_mark();
  std::vector<TaskInstance> marked;
  Time now = clock.Now();
  TRY(store.Transaction([&]() -> Status {
    for (auto& ti : TRY(to_mark())) {
      TRY(KillCurrentTry(store, killer, ti, MarkReason(TaskStateName(state), request.by)));
      ti.marked = TaskMark{request.by, now, ti.state};
      ti.state = state;
      ti.next_retry_at.reset();
      if (!ti.start_date) ti.start_date = now;
      ti.end_date = now;
      ti.error = state == TaskState::kFailed ? "marked failed" : "";
      TRY(store.UpdateTaskInstance(ti));
      marked.push_back(ti);
    }
    // The scheduler decides each run's new state from its task instances.
    for (auto& run : TRY(RunsOf(store, marked))) {
      if (run.state != RunState::kSuccess && run.state != RunState::kFailed) continue;
      run.state = RunState::kRunning;
      run.end_date.reset();
      TRY(store.UpdateRun(run));
    }
    return {};
  }));
  return marked;
}

Result<std::vector<TaskInstance>> RunMarkPreview(RunStore& store, const std::string& dag_id,
                                                 const std::string& run_id) {
  TRY(store.GetRun(dag_id, run_id));
  std::vector<TaskInstance> tis = TRY(store.ListTaskInstances(dag_id, run_id));
  std::erase_if(tis, [](const TaskInstance& ti) { return IsFinished(ti.state); });
  return tis;
}

Result<DagRun> MarkRun(RunStore& store, const std::string& dag_id, const std::string& run_id,
                       RunState state, const Clock& clock, AttemptKiller& killer,
                       const std::string& by) {
  if (state != RunState::kSuccess && state != RunState::kFailed) {
    return Err(ErrorCode::kInvalidArgument, "a run can be marked success or failed");
  }
  Time now = clock.Now();
  DagRun run;
  TRY(store.Transaction([&]() -> Status {
    run = TRY(store.GetRun(dag_id, run_id));
    for (auto& ti : TRY(store.ListTaskInstances(dag_id, run_id))) {
      if (IsFinished(ti.state)) continue;
      bool was_active = IsActive(ti.state);
      TRY(KillCurrentTry(store, killer, ti, "the run was " + MarkReason(RunStateName(state), by)));
      ti.marked = TaskMark{by, now, ti.state};
      if (state == RunState::kSuccess) {
        ti.state = TaskState::kSuccess;
      } else {
        ti.state = was_active ? TaskState::kFailed : TaskState::kSkipped;
      }
      ti.next_retry_at.reset();
      ti.end_date = now;
      TRY(store.UpdateTaskInstance(ti));
    }
    run.state = state;
    if (!run.start_date) run.start_date = now;
    run.end_date = now;
    TRY(store.UpdateRun(run));
    return {};
  }));
  return run;
}

}  // namespace weir
