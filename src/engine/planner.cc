#include "engine/planner.h"

#include <algorithm>
#include <unordered_map>

#include "engine/trigger_rules.h"

namespace weir {

namespace {

void WakeAt(Decisions& d, Time t) {
  if (!d.wake_at || t < *d.wake_at) d.wake_at = t;
}

bool IsLeafFailure(TaskState s) {
  return s == TaskState::kFailed || s == TaskState::kUpstreamFailed;
}

// The states in which a task instance waits for the planner (WaitReport's tasks).
bool IsWaiting(TaskState s) {
  return s == TaskState::kNone || s == TaskState::kScheduled || s == TaskState::kUpForRetry;
}

// The queued or running task instances of `runs` that `keep` selects, and those `queued_now`
// (queued by this step), for the reasons that name who holds a limit.
template <typename Keep>
std::vector<WaitingOn> ActiveTasks(const std::vector<PlannerRun>& runs,
                                   const std::vector<const TaskInstance*>& queued_now, Keep keep) {
  std::vector<WaitingOn> out;
  for (const auto& r : runs) {
    for (const auto& ti : r.tis) {
      if (IsActive(ti.state) && keep(ti)) {
        out.push_back({ti.dag_id, ti.run_id, ti.task_id, ti.state, ti.pool_slots});
      }
    }
  }
  for (const TaskInstance* ti : queued_now) {
    if (keep(*ti)) {
      out.push_back({ti->dag_id, ti->run_id, ti->task_id, TaskState::kQueued, ti->pool_slots});
    }
  }
  return out;
}

// Plans the task instances of one running run; returns true when the run is finished.
struct RunPlanner {
  const PlannerInput& input;
  const PlannerDag& dag;
  Decisions& d;
  WaitReport* waits;  // null unless asked

  void Wait(const TaskInstance& ti, WaitReason reason) {
    if (waits != nullptr) waits->tasks[KeyOf(ti)] = {std::move(reason)};
  }

  // The upstream task instances of `task` that are not done, for its kUpstream reason.
  static std::vector<WaitingOn> PendingUpstream(
      const TaskSpec& task, const std::unordered_map<std::string, TaskInstance*>& by_task) {
    std::vector<WaitingOn> out;
    for (const auto& up : task.upstream) {
      auto it = by_task.find(up);
      if (it == by_task.end() || IsFinished(it->second->state)) continue;
      const TaskInstance& ti = *it->second;
      out.push_back({ti.dag_id, ti.run_id, ti.task_id, ti.state, ti.pool_slots});
    }
    return out;
  }

  void Plan(PlannerRun& pr, std::vector<TaskInstance*>& scheduled_out) {
    const DagSpec& spec = *dag.spec;
    DagRun& run = pr.run;
    // Tasks added to the DAG since the run began get a task instance, as Airflow does. Rows
    // are appended before any pointer into pr.tis is taken.
    std::vector<TaskInstance*> changed;
    {
      std::unordered_map<std::string, bool> present;
      for (const auto& ti : pr.tis) present[ti.task_id] = true;
      size_t before = pr.tis.size();
      for (const auto& t : spec.tasks) {
        if (!present.count(t.task_id)) pr.tis.push_back(MakeTaskInstance(spec, t, run.run_id));
      }
      for (size_t i = before; i < pr.tis.size(); ++i) changed.push_back(&pr.tis[i]);
    }
    std::unordered_map<std::string, TaskInstance*> by_task;
    for (auto& ti : pr.tis) by_task[ti.task_id] = &ti;
    auto set_state = [&](TaskInstance& ti, TaskState s) {
      ti.state = s;
      if (IsFinished(s)) ti.end_date = input.now;
      changed.push_back(&ti);
    };

    // dagrun_timeout: the run fails and whatever has not finished is skipped, as in Airflow.
    if (spec.dagrun_timeout && run.start_date) {
      Time deadline = *run.start_date + *spec.dagrun_timeout;
      if (input.now >= deadline) {
        for (auto& ti : pr.tis) {
          if (IsFinished(ti.state)) continue;
          if (IsActive(ti.state)) {
            d.kill.push_back(TaskKey{run.dag_id, run.run_id, ti.task_id});
          } else if (waits != nullptr) {
            Wait(ti, DagrunTimeoutReason());
          }
          ti.error = "dagrun_timeout reached";
          set_state(ti, TaskState::kSkipped);
        }
        for (auto* ti : changed) d.update_tis.push_back(*ti);
        run.state = RunState::kFailed;
        run.end_date = input.now;
        run.note = "dagrun_timeout of " + FormatDuration(*spec.dagrun_timeout) + " reached";
        d.update_runs.push_back(run);
        return;
      }
      WakeAt(d, deadline);
    }

    // Tasks that were removed from the DAG, and tasks added to it since the run began.
    for (auto& ti : pr.tis) {
      if (spec.FindTask(ti.task_id) == nullptr && !IsFinished(ti.state) && !IsActive(ti.state)) {
        set_state(ti, TaskState::kRemoved);
      }
    }

    std::shared_ptr<const std::vector<std::string>> order = dag.topo_order;
    if (!order) order = std::make_shared<const std::vector<std::string>>(TopologicalOrder(spec));

    bool blocked_by_past = false;
    for (const auto& task_id : *order) {
      const TaskSpec* task = spec.FindTask(task_id);
      TaskInstance* ti = by_task[task_id];
      if (task == nullptr || ti == nullptr) continue;
      if (ti->state == TaskState::kUpForRetry) {
        if (!ti->next_retry_at || *ti->next_retry_at <= input.now) {
          set_state(*ti, TaskState::kScheduled);
        } else {
          WakeAt(d, *ti->next_retry_at);
          if (waits) Wait(*ti, RetryDelayReason(*ti->next_retry_at, ti->try_number, ti->max_tries));
        }
        continue;
      }
      if (ti->state != TaskState::kNone) continue;
      UpstreamCounts counts;
      for (const auto& up : task->upstream) {
        auto it = by_task.find(up);
        if (it == by_task.end()) continue;
        ++counts.total;
        switch (it->second->state) {
          case TaskState::kSuccess:
            ++counts.success;
            break;
          case TaskState::kSkipped:
            ++counts.skipped;
            break;
          case TaskState::kFailed:
            ++counts.failed;
            break;
          case TaskState::kUpstreamFailed:
            ++counts.upstream_failed;
            break;
          case TaskState::kRemoved:
            ++counts.removed;
            break;
          default:
            break;
        }
      }
      switch (EvaluateTriggerRule(task->trigger_rule, counts)) {
        case TriggerDecision::kWait:
          if (waits) Wait(*ti, UpstreamReason(task->trigger_rule, PendingUpstream(*task, by_task)));
          break;
        case TriggerDecision::kSkip:
          if (waits) Wait(*ti, TriggerRuleReason(task->trigger_rule, TaskState::kSkipped));
          set_state(*ti, TaskState::kSkipped);
          break;
        case TriggerDecision::kUpstreamFailed:
          if (waits) Wait(*ti, TriggerRuleReason(task->trigger_rule, TaskState::kUpstreamFailed));
          set_state(*ti, TaskState::kUpstreamFailed);
          break;
        case TriggerDecision::kRun: {
          if (task->depends_on_past) {
            auto prev =
                input.previous_states.find(PreviousStateKey(run.dag_id, run.run_id, task_id));
            if (prev != input.previous_states.end() && prev->second != TaskState::kSuccess &&
                prev->second != TaskState::kSkipped) {
              blocked_by_past = blocked_by_past || IsFinished(prev->second);
              if (waits) {
                auto id = input.previous_run_ids.find(prev->first);
                Wait(*ti, DependsOnPastReason(id != input.previous_run_ids.end() ? id->second : "",
                                              prev->second));
              }
              break;
            }
          }
          set_state(*ti, TaskState::kScheduled);
          break;
        }
      }
    }

    for (auto* ti : changed) d.update_tis.push_back(*ti);
    for (auto& ti : pr.tis) {
      if (ti.state == TaskState::kScheduled) scheduled_out.push_back(&ti);
    }

    // The run is over when every task instance is.
    bool all_finished = true;
    bool any_waiting = false;
    for (const auto& ti : pr.tis) {
      if (!IsFinished(ti.state)) all_finished = false;
      if (ti.state != TaskState::kNone && !IsFinished(ti.state)) any_waiting = true;
    }
    if (!all_finished) {
      // Nothing runs, nothing can start, and what waits depends on a previous run that
      // failed: Airflow calls this a deadlock and fails the run.
      if (!any_waiting && blocked_by_past) {
        run.state = RunState::kFailed;
        run.end_date = input.now;
        run.note = "deadlock: a depends_on_past task waits on a previous run that did not succeed";
        d.update_runs.push_back(run);
      }
      return;
    }
    // Airflow's rule: the run failed when a leaf task failed or could not run.
    std::unordered_map<std::string, bool> has_downstream;
    for (const auto& t : spec.tasks) {
      for (const auto& up : t.upstream) has_downstream[up] = true;
    }
    bool failed = false;
    for (const auto& t : spec.tasks) {
      if (has_downstream.count(t.task_id) != 0) continue;
      auto it = by_task.find(t.task_id);
      if (it != by_task.end() && IsLeafFailure(it->second->state)) failed = true;
    }
    run.state = failed ? RunState::kFailed : RunState::kSuccess;
    run.end_date = input.now;
    d.update_runs.push_back(run);
  }
};

}  // namespace

std::string PreviousStateKey(const std::string& dag_id, const std::string& run_id,
                             const std::string& task_id) {
  std::string k;
  k.reserve(dag_id.size() + run_id.size() + task_id.size() + 2);
  k += dag_id;
  k += '\x1f';
  k += run_id;
  k += '\x1f';
  k += task_id;
  return k;
}

std::string MakeRunId(RunType type, Time logical_date) {
  return std::string(RunTypeName(type)) + "__" + FormatIsoOffset(logical_date, nullptr);
}

TaskInstance MakeTaskInstance(const DagSpec& spec, const TaskSpec& t, const std::string& run_id) {
  TaskInstance ti;
  ti.dag_id = spec.dag_id;
  ti.run_id = run_id;
  ti.task_id = t.task_id;
  ti.state = TaskState::kNone;
  ti.max_tries = t.retries + 1;
  ti.operator_name = t.operator_name;
  ti.pool = t.pool;
  ti.pool_slots = t.pool_slots;
  ti.priority_weight = t.priority_weight;
  return ti;
}

std::vector<TaskInstance> InitialTaskInstances(const DagSpec& spec, const std::string& run_id) {
  std::vector<TaskInstance> out;
  out.reserve(spec.tasks.size());
  for (const auto& t : spec.tasks) out.push_back(MakeTaskInstance(spec, t, run_id));
  return out;
}

std::vector<std::string> TopologicalOrder(const DagSpec& spec) {
  std::unordered_map<std::string, int> indegree;
  std::unordered_map<std::string, std::vector<std::string>> downstream;
  for (const auto& t : spec.tasks) indegree[t.task_id] += 0;
  for (const auto& t : spec.tasks) {
    for (const auto& up : t.upstream) {
      if (indegree.count(up) == 0) continue;
      ++indegree[t.task_id];
      downstream[up].push_back(t.task_id);
    }
  }
  std::vector<std::string> order;
  order.reserve(spec.tasks.size());
  for (const auto& t : spec.tasks) {
    if (indegree[t.task_id] == 0) order.push_back(t.task_id);
  }
  for (size_t i = 0; i < order.size(); ++i) {
    for (const auto& next : downstream[order[i]]) {
      if (--indegree[next] == 0) order.push_back(next);
    }
  }
  return order;
}

std::map<std::string, int> EffectivePriorities(const DagSpec& spec) {
  // Sum over the *set* of downstream tasks (a diamond counts a task once), as Airflow does.
  std::vector<std::string> order = TopologicalOrder(spec);
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < order.size(); ++i) index[order[i]] = i;
  std::vector<std::vector<size_t>> down(order.size());
  std::vector<int> weight(order.size(), 1);
  for (const auto& t : spec.tasks) {
    auto ti = index.find(t.task_id);
    if (ti == index.end()) continue;
    weight[ti->second] = t.priority_weight;
    for (const auto& up : t.upstream) {
      auto ui = index.find(up);
      if (ui != index.end()) down[ui->second].push_back(ti->second);
    }
  }
  std::map<std::string, int> out;
  std::vector<char> seen(order.size());
  std::vector<size_t> stack;
  for (size_t i = 0; i < order.size(); ++i) {
    std::fill(seen.begin(), seen.end(), 0);
    long long total = weight[i];
    stack.assign(down[i].begin(), down[i].end());
    while (!stack.empty()) {
      size_t n = stack.back();
      stack.pop_back();
      if (seen[n]) continue;
      seen[n] = 1;
      total += weight[n];
      stack.insert(stack.end(), down[n].begin(), down[n].end());
    }
    out[order[i]] = static_cast<int>(std::min<long long>(total, 1 << 30));
  }
  return out;
}

Decisions Plan(const PlannerInput& input, WaitReport* waits) {
  Decisions d;
  std::map<std::string, int> active_runs;   // queued + running, per DAG
  std::map<std::string, int> running_runs;  // running, per DAG
  for (const auto& r : input.runs) {
    ++active_runs[r.run.dag_id];
    if (r.run.state == RunState::kRunning) ++running_runs[r.run.dag_id];
  }

  // 1. New scheduled runs for every interval that has ended.
  if (!input.only_run) {
    for (const auto& [dag_id, dag] : input.dags) {
      const DagSpec& spec = *dag.spec;
      if (dag.paused || !spec.timetable || !spec.timetable->periodic()) continue;
      TimeRestriction restriction{spec.start_date, spec.end_date, spec.catchup};
      std::optional<DataInterval> last = dag.last_scheduled;
      int active = active_runs[dag_id];
      while (active < spec.max_active_runs) {
        auto next = spec.timetable->NextInterval(last, restriction, input.now);
        if (!next) break;
        Time due = spec.timetable->DueAt(*next);
        if (due > input.now) {
          WakeAt(d, due);
          break;
        }
        NewRun nr;
        nr.run.dag_id = dag_id;
        nr.run.run_id = MakeRunId(RunType::kScheduled, next->start);
        nr.run.run_type = RunType::kScheduled;
        nr.run.state = RunState::kQueued;
        nr.run.logical_date = next->start;
        nr.run.data_interval_start = next->start;
        nr.run.data_interval_end = next->end;
        nr.run.queued_at = input.now;
        nr.run.version_id = dag.version_id;
        nr.tis = InitialTaskInstances(spec, nr.run.run_id);
        d.create_runs.push_back(std::move(nr));
        last = next;
        ++active;
      }
    }
  }

  // 2. Start queued runs (oldest first) within max_active_runs, then plan every running run.
  std::vector<PlannerRun> runs = input.runs;
  std::sort(runs.begin(), runs.end(), [](const PlannerRun& a, const PlannerRun& b) {
    return a.run.logical_date < b.run.logical_date;
  });
  std::vector<TaskInstance*> scheduled;
  std::map<std::string, int> dag_active_tasks;
  std::map<std::string, int> pool_used;
  for (const auto& r : runs) {
    const bool own = !input.only_run || (r.run.dag_id == input.only_run->first &&
                                         r.run.run_id == input.only_run->second);
    for (const auto& ti : r.tis) {
      if (IsActive(ti.state)) {
        if (own) ++dag_active_tasks[ti.dag_id];
        pool_used[ti.pool] += ti.pool_slots;
      }
    }
  }
  // With `waits`: a run that does not go on waits for `reason`, and so do its task instances.
  auto blocked = [&](const PlannerRun& pr, const WaitReason& reason) {
    const bool queued = pr.run.state == RunState::kQueued;
    if (queued) waits->runs[{pr.run.dag_id, pr.run.run_id}] = {reason};
    for (const auto& ti : pr.tis) {
      if (!IsWaiting(ti.state)) continue;
      auto& reasons = waits->tasks[KeyOf(ti)];
      reasons.clear();
      if (queued) reasons.push_back(RunNotStartedReason(pr.run));
      reasons.push_back(reason);
    }
  };
  // With `waits`: the runs running_runs counts, per DAG (a run this step finishes still counts:
  // the run it holds back starts at the next step).
  std::map<std::string, std::vector<std::string>> running_ids;
  if (waits) {
    for (const auto& r : runs) {
      if (r.run.state == RunState::kRunning) running_ids[r.run.dag_id].push_back(r.run.run_id);
    }
  }
  for (auto& pr : runs) {
    if (input.only_run &&
        (pr.run.dag_id != input.only_run->first || pr.run.run_id != input.only_run->second)) {
      continue;
    }
    if (!input.only_run && pr.run.run_type == RunType::kTest) {
      if (waits) blocked(pr, TestRunReason());
      continue;
    }
    auto dag_it = input.dags.find(pr.run.dag_id);
    if (dag_it == input.dags.end()) {
      if (waits) blocked(pr, DagNotLoadedReason(pr.run.dag_id));
      continue;
    }
    // A paused DAG starts nothing new, except the run `dags test` asked for.
    if (dag_it->second.paused && !input.only_run) {
      if (waits) blocked(pr, DagPausedReason(pr.run.dag_id));
      continue;
    }
    const PlannerDag& dag = dag_it->second;
    if (pr.run.state == RunState::kQueued) {
      // `dags test` runs its run now, whatever else runs (as Airflow's does).
      if (!input.only_run && running_runs[pr.run.dag_id] >= dag.spec->max_active_runs) {
        if (waits) {
          blocked(pr, MaxActiveRunsReason(pr.run.dag_id, dag.spec->max_active_runs,
                                          running_ids[pr.run.dag_id]));
        }
        continue;
      }
      ++running_runs[pr.run.dag_id];
      pr.run.state = RunState::kRunning;
      pr.run.start_date = input.now;
      d.update_runs.push_back(pr.run);
      if (waits) {
        waits->runs[{pr.run.dag_id, pr.run.run_id}] = {};
        running_ids[pr.run.dag_id].push_back(pr.run.run_id);
      }
    }
    if (pr.run.state != RunState::kRunning) continue;
    RunPlanner{input, dag, d, waits}.Plan(pr, scheduled);
  }

  // 3. Start scheduled task instances by priority within the limits.
  std::map<std::string, std::shared_ptr<const std::map<std::string, int>>> priorities;
  auto priority_of = [&](const TaskInstance& ti) {
    auto& p = priorities[ti.dag_id];
    if (!p) {
      const PlannerDag& dag = input.dags.at(ti.dag_id);
      p = dag.priorities
              ? dag.priorities
              : std::make_shared<const std::map<std::string, int>>(EffectivePriorities(*dag.spec));
    }
    auto it = p->find(ti.task_id);
    return it == p->end() ? ti.priority_weight : it->second;
  };
  std::map<const TaskInstance*, std::pair<int, Time>> sort_key;
  std::map<std::string, Time> run_dates;
  for (const auto& pr : runs)
    run_dates[pr.run.dag_id + '\x1f' + pr.run.run_id] = pr.run.logical_date;
  for (const TaskInstance* ti : scheduled) {
    sort_key[ti] = {priority_of(*ti), run_dates[ti->dag_id + '\x1f' + ti->run_id]};
  }
  std::stable_sort(scheduled.begin(), scheduled.end(),
                   [&](const TaskInstance* a, const TaskInstance* b) {
                     const auto& ka = sort_key[a];
                     const auto& kb = sort_key[b];
                     if (ka.first != kb.first) return ka.first > kb.first;
                     return ka.second < kb.second;
                   });
  int free = input.executor_free_slots;
  // With `waits`: what this loop queued, and who holds each DAG's max_active_tasks and each
  // pool, found once per DAG and pool until the next task instance is queued.
  std::vector<const TaskInstance*> queued_now;
  std::map<std::string, std::vector<WaitingOn>> dag_holders, pool_holders;
  auto wait = [&](const TaskInstance* ti, WaitReason reason) {
    waits->tasks[KeyOf(*ti)] = {std::move(reason)};
  };
  for (const TaskInstance* ti : scheduled) {
    if (free <= 0) {
      if (!waits) break;
      // No later task instance starts either: each waits for an executor slot.
      wait(ti, ExecutorFullReason(free));
      continue;
    }
    const DagSpec& spec = *input.dags.at(ti->dag_id).spec;
    if (dag_active_tasks[ti->dag_id] >= spec.max_active_tasks) {
      if (waits) {
        auto [it, added] = dag_holders.try_emplace(ti->dag_id);
        if (added) {
          // With only_run, only the run's own task instances count (as in dag_active_tasks).
          it->second = ActiveTasks(runs, queued_now, [&](const TaskInstance& t) {
            return t.dag_id == ti->dag_id && (!input.only_run || t.run_id == ti->run_id);
          });
        }
        wait(ti, MaxActiveTasksReason(
                     input.only_run ? "test run " + ti->run_id : "DAG '" + ti->dag_id + "'",
                     spec.max_active_tasks, it->second));
      }
      continue;
    }
    auto pool = input.pool_slots.find(ti->pool);
    if (pool == input.pool_slots.end()) {  // unknown pool: waits until it is created
      if (waits) wait(ti, PoolMissingReason(ti->pool));
      continue;
    }
    if (pool_used[ti->pool] + ti->pool_slots > pool->second) {
      if (waits) {
        auto [it, added] = pool_holders.try_emplace(ti->pool);
        if (added) {
          it->second = ActiveTasks(runs, queued_now,
                                   [&](const TaskInstance& t) { return t.pool == ti->pool; });
        }
        wait(ti, PoolFullReason(ti->pool, pool_used[ti->pool], pool->second, ti->pool_slots,
                                it->second));
      }
      continue;
    }
    pool_used[ti->pool] += ti->pool_slots;
    ++dag_active_tasks[ti->dag_id];
    --free;
    d.queue.push_back(TaskKey{ti->dag_id, ti->run_id, ti->task_id});
    if (waits) {
      waits->tasks[KeyOf(*ti)] = {};
      queued_now.push_back(ti);
      dag_holders.erase(ti->dag_id);
      pool_holders.erase(ti->pool);
    }
  }
  return d;
}

}  // namespace weir
