#include "engine/planner.h"

#include <algorithm>
#include <unordered_map>

#include "base/strings.h"
#include "engine/trigger_rules.h"

namespace weir {

namespace {

void WakeAt(Decisions& d, Time t) {
  if (!d.wake_at || t < *d.wake_at) d.wake_at = t;
}

// Why `ti` waits on its pool: its free slots, and the tasks that hold the others.
std::string PoolWait(const std::vector<PlannerRun>& runs, const std::vector<TaskKey>& starting,
                     const TaskInstance& ti, int free, int slots) {
  std::vector<std::string> holders;
  for (const auto& r : runs) {
    for (const auto& other : r.tis) {
      bool starts = std::find(starting.begin(), starting.end(),
                              TaskKey{other.dag_id, other.run_id, other.task_id}) != starting.end();
      if (other.pool != ti.pool || !(IsActive(other.state) || starts)) continue;
      holders.push_back(fmt::format("{}.{} of run {}", other.dag_id, other.task_id, other.run_id));
    }
  }
  std::string held;
  if (!holders.empty()) {
    const size_t shown = std::min<size_t>(holders.size(), 3);
    std::vector<std::string> first(holders.begin(), holders.begin() + shown);
    held = fmt::format("; held by {}{}", Join(first, ", "),
                       holders.size() > shown ? fmt::format(" and {} more", holders.size() - shown)
                                              : std::string());
  }
  return fmt::format("pool '{}' has {} of {} slots free and the task needs {}{}", ti.pool,
                     std::max(free, 0), slots, ti.pool_slots, held);
}

bool IsLeafFailure(TaskState s) {
  return s == TaskState::kFailed || s == TaskState::kUpstreamFailed;
}

// Plans the task instances of one running run; returns true when the run is finished.
struct RunPlanner {
  const PlannerInput& input;
  const PlannerDag& dag;
  Decisions& d;

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
          break;
        case TriggerDecision::kSkip:
          set_state(*ti, TaskState::kSkipped);
          break;
        case TriggerDecision::kUpstreamFailed:
          set_state(*ti, TaskState::kUpstreamFailed);
          break;
        case TriggerDecision::kRun: {
          if (task->depends_on_past) {
            auto prev =
                input.previous_states.find(PreviousStateKey(run.dag_id, run.run_id, task_id));
            if (prev != input.previous_states.end() && prev->second != TaskState::kSuccess &&
                prev->second != TaskState::kSkipped) {
              blocked_by_past = blocked_by_past || IsFinished(prev->second);
              d.waits.push_back(
                  PlanWait{TaskKey{run.dag_id, run.run_id, task_id},
                           fmt::format("depends_on_past: task '{}' of the previous run is {}",
                                       task_id, TaskStateName(prev->second))});
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

Decisions Plan(const PlannerInput& input) {
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
  for (auto& pr : runs) {
    if (input.only_run &&
        (pr.run.dag_id != input.only_run->first || pr.run.run_id != input.only_run->second)) {
      continue;
    }
    if (!input.only_run && pr.run.run_type == RunType::kTest) continue;
    auto dag_it = input.dags.find(pr.run.dag_id);
    if (dag_it == input.dags.end()) continue;
    // A paused DAG starts nothing new, except the run `dags test` asked for.
    if (dag_it->second.paused && !input.only_run) continue;
    const PlannerDag& dag = dag_it->second;
    if (pr.run.state == RunState::kQueued) {
      // `dags test` runs its run now, whatever else runs (as Airflow's does).
      if (!input.only_run && running_runs[pr.run.dag_id] >= dag.spec->max_active_runs) {
        d.waits.push_back(
            PlanWait{TaskKey{pr.run.dag_id, pr.run.run_id, ""},
                     fmt::format("max_active_runs: {} of {} runs of the DAG are running",
                                 running_runs[pr.run.dag_id], dag.spec->max_active_runs)});
        continue;
      }
      ++running_runs[pr.run.dag_id];
      pr.run.state = RunState::kRunning;
      pr.run.start_date = input.now;
      d.update_runs.push_back(pr.run);
    }
    if (pr.run.state != RunState::kRunning) continue;
    RunPlanner{input, dag, d}.Plan(pr, scheduled);
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
  auto wait = [&](const TaskInstance& ti, std::string reason) {
    d.waits.push_back(PlanWait{TaskKey{ti.dag_id, ti.run_id, ti.task_id}, std::move(reason)});
  };
  for (const TaskInstance* ti : scheduled) {
    if (free <= 0) {
      wait(*ti, "every executor slot is busy (parallelism)");
      continue;
    }
    const DagSpec& spec = *input.dags.at(ti->dag_id).spec;
    if (dag_active_tasks[ti->dag_id] >= spec.max_active_tasks) {
      wait(*ti, fmt::format("max_active_tasks: {} of {} tasks of the {} are running",
                            dag_active_tasks[ti->dag_id], spec.max_active_tasks,
                            input.only_run ? "run" : "DAG"));
      continue;
    }
    auto pool = input.pool_slots.find(ti->pool);
    if (pool == input.pool_slots.end()) {
      // Unknown pool: waits until it is created.
      wait(*ti, fmt::format("pool '{}' does not exist: create it with `weir pools set {} SLOTS`",
                            ti->pool, ti->pool));
      continue;
    }
    if (pool_used[ti->pool] + ti->pool_slots > pool->second) {
      wait(*ti, PoolWait(runs, d.queue, *ti, pool->second - pool_used[ti->pool], pool->second));
      continue;
    }
    pool_used[ti->pool] += ti->pool_slots;
    ++dag_active_tasks[ti->dag_id];
    --free;
    d.queue.push_back(TaskKey{ti->dag_id, ti->run_id, ti->task_id});
  }
  return d;
}

}  // namespace weir
