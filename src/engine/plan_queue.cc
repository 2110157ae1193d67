// PlanSteps::QueueByPriority: which scheduled task instances start now.

#include <queue>

#include "engine/planner_steps.h"

namespace weir {

namespace {

// The queued or running task instances that `keep` selects, for the reasons that name who
// holds a limit.
template <typename Keep>
std::vector<WaitingOn> ActiveTasks(const PlanState& state, Keep keep) {
  std::vector<WaitingOn> out;
  for (const auto& [key, r] : state.runs()) {
    for (const auto& ti : r.tis) {
      if (IsActive(ti.state) && keep(ti)) {
        out.push_back({ti.dag_id, ti.run_id, ti.task_id, ti.state, ti.pool_slots});
      }
    }
  }
  return out;
}

// The next scheduled task instance of one ready group.
struct Head {
  PlanState::Ready entry;
  ActiveRun* run = nullptr;
  std::set<PlanState::Ready>* group = nullptr;
  std::set<PlanState::Ready>::iterator it;
  bool operator>(const Head& o) const { return entry > o.entry; }
};

}  // namespace

void PlanSteps::QueueByPriority() {
  // Merges the ready groups (each in priority order) into one order. Without `waits`, a group
  // leaves at its first task instance that cannot start: the rest of it cannot either.
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
  for (auto& [group, entries] : state.ready()) {
    ActiveRun* r = state.FindRun(group.run);
    if (r == nullptr || r->run.state != RunState::kRunning) continue;
    if (state.only_run ? group.run != *state.only_run : r->run.run_type == RunType::kTest) {
      continue;
    }
    const PlanDag* dag = state.FindDag(group.run.dag_id);
    if (dag == nullptr || (dag->paused && !state.only_run)) continue;
    heads.push(Head{*entries.begin(), r, &entries, entries.begin()});
  }

  int free = state.executor_free_slots;
  // With `waits`: why a DAG's max_active_tasks or a pool holds a task instance back, found
  // once per DAG and per pool and slots needed until the next task instance is queued; the
  // task instances it holds back share it.
  std::map<std::string, WaitReason> dag_full;
  std::map<std::pair<std::string, int>, WaitReason> pool_full;
  auto wait = [&](const TaskInstance& ti, const WaitReason& reason) {
    auto& reasons = waits->tasks[KeyOf(ti)];
    reasons.clear();
    reasons.push_back(reason);
  };
  while (!heads.empty()) {
    Head h = heads.top();
    heads.pop();
    ActiveRun& r = *h.run;
    const TaskInstance& ti = r.tis[h.entry.slot];
    auto next = std::next(h.it);
    const bool more = next != h.group->end();
    auto go_on = [&] {
      if (more) heads.push(Head{*next, h.run, h.group, next});
    };
    if (free <= 0) {
      if (waits == nullptr) break;
      // No later task instance starts either: each waits for an executor slot.
      wait(ti, ExecutorFullReason(free));
      go_on();
      continue;
    }
    const DagSpec& spec = *state.FindDag(ti.dag_id)->spec;
    // With only_run, only the run's own task instances count.
    int active = state.only_run ? r.active : state.ActiveTasksOf(ti.dag_id);
    if (active >= spec.max_active_tasks) {
      if (waits == nullptr) continue;
      auto it = dag_full.find(ti.dag_id);
      if (it == dag_full.end()) {
        auto holders = ActiveTasks(state, [&](const TaskInstance& t) {
          return t.dag_id == ti.dag_id && (!state.only_run || t.run_id == ti.run_id);
        });
        it =
            dag_full
                .emplace(ti.dag_id, MaxActiveTasksReason(state.only_run ? "test run " + ti.run_id
                                                                        : "DAG '" + ti.dag_id + "'",
                                                         spec.max_active_tasks, holders))
                .first;
      }
      wait(ti, it->second);
      go_on();
      continue;
    }
    auto pool = state.pool_slots.find(ti.pool);
    if (pool == state.pool_slots.end()) {  // unknown pool: waits until it is created
      if (waits == nullptr) continue;
      wait(ti, PoolMissingReason(ti.pool));
      go_on();
      continue;
    }
    int used = state.PoolUsed(ti.pool);
    if (used + ti.pool_slots > pool->second) {
      if (waits == nullptr) continue;
      auto it = pool_full.find({ti.pool, ti.pool_slots});
      if (it == pool_full.end()) {
        auto holders = ActiveTasks(state, [&](const TaskInstance& t) { return t.pool == ti.pool; });
        it = pool_full
                 .emplace(std::pair(ti.pool, ti.pool_slots),
                          PoolFullReason(ti.pool, used, pool->second, ti.pool_slots, holders))
                 .first;
      }
      wait(ti, it->second);
      go_on();
      continue;
    }
    TaskKey key = KeyOf(ti);
    TaskInstance queued = ti;
    queued.state = TaskState::kQueued;
    // Takes the entry out of its group (and the group out of the state when it was the last).
    state.SetTask(r, h.entry.slot, queued);
    --free;
    d.queue.push_back(key);
    if (waits != nullptr) {
      waits->tasks[key].clear();
      dag_full.erase(key.dag_id);
      std::erase_if(pool_full, [&](const auto& e) { return e.first.first == queued.pool; });
    }
    go_on();
  }
}

}  // namespace weir
