#include "engine/snapshot.h"

namespace weir {

Result<PlannerInput> ReadPlannerInput(MetadataStore& store,
                                      const std::map<std::string, LoadedDag>& dags, Time now) {
  PlannerInput in;
  in.now = now;
  std::map<std::string, bool> paused;
  for (const auto& row : TRY(store.ListDags())) paused[row.dag_id] = row.is_paused;
  for (const auto& [dag_id, dag] : dags) {
    PlannerDag pd;
    pd.spec = dag.spec;
    pd.paused = paused[dag_id];
    pd.version_id = dag.version_id;
    pd.priorities = dag.priorities;
    pd.topo_order = dag.topo_order;
    in.dags.emplace(dag_id, std::move(pd));
  }
  RunFilter active;
  active.states = {RunState::kQueued, RunState::kRunning};
  active.newest_first = false;
  std::map<std::string, size_t> run_index;
  for (auto& run : TRY(store.ListRuns(active))) {
    run_index[run.dag_id + '\x1f' + run.run_id] = in.runs.size();
    in.runs.push_back(PlannerRun{std::move(run), {}});
  }
  for (auto& ti : TRY(store.ListTaskInstancesOfActiveRuns())) {
    auto it = run_index.find(ti.dag_id + '\x1f' + ti.run_id);
    if (it != run_index.end()) in.runs[it->second].tis.push_back(std::move(ti));
  }
  // depends_on_past needs the previous run's state of tasks that are waiting to start.
  for (const auto& pr : in.runs) {
    auto dag = dags.find(pr.run.dag_id);
    if (dag == dags.end()) continue;
    for (const auto& ti : pr.tis) {
      if (ti.state != TaskState::kNone) continue;
      const TaskSpec* task = dag->second.spec->FindTask(ti.task_id);
      if (task == nullptr || !task->depends_on_past) continue;
      auto prev = TRY(store.PreviousTaskInstance(ti.dag_id, ti.task_id, pr.run.logical_date));
      if (!prev) continue;
      std::string key = PreviousStateKey(ti.dag_id, ti.run_id, ti.task_id);
      in.previous_states[key] = prev->state;
      in.previous_run_ids[key] = prev->run_id;
    }
  }
  for (const auto& pool : TRY(store.ListPools())) in.pool_slots[pool.name] = pool.slots;
  return in;
}

}  // namespace weir
