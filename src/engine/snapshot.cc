#include "engine/snapshot.h"

namespace weir {

PlannerDag MakePlannerDag(const LoadedDag& dag, bool paused) {
  PlannerDag pd;
  pd.spec = dag.spec;
  pd.graph = dag.graph;
  pd.paused = paused;
  pd.version_id = dag.version_id;
  return pd;
}

Result<std::map<std::string, PreviousTask>> ReadPrevious(MetadataStore& store, const DagSpec& spec,
                                                         const DagRun& run) {
  std::map<std::string, PreviousTask> out;
  for (const auto& task : spec.tasks) {
    if (!task.depends_on_past) continue;
    auto prev = TRY(store.PreviousTaskInstance(run.dag_id, task.task_id, run.logical_date));
    if (prev) out[task.task_id] = PreviousTask{prev->run_id, prev->state};
  }
  return out;
}

Result<PlannerInput> ReadPlannerInput(MetadataStore& store,
                                      const std::map<std::string, LoadedDag>& dags, Time now) {
  PlannerInput in;
  in.now = now;
  std::map<std::string, bool> paused;
  for (const auto& row : TRY(store.ListDags())) paused[row.dag_id] = row.is_paused;
  for (const auto& [dag_id, dag] : dags)
    in.dags.emplace(dag_id, MakePlannerDag(dag, paused[dag_id]));
  RunFilter active;
  active.states = {RunState::kQueued, RunState::kRunning};
  active.newest_first = false;
  std::map<RunKey, size_t> run_index;
  for (auto& run : TRY(store.ListRuns(active))) {
    run_index[KeyOf(run)] = in.runs.size();
    in.runs.push_back(PlannerRun{std::move(run), {}});
  }
  for (auto& ti : TRY(store.ListTaskInstancesOfActiveRuns())) {
    auto it = run_index.find(RunKey{ti.dag_id, ti.run_id});
    if (it != run_index.end()) in.runs[it->second].tis.push_back(std::move(ti));
  }
  for (const auto& pr : in.runs) {
    auto dag = dags.find(pr.run.dag_id);
    if (dag == dags.end()) continue;
    for (const auto& [task_id, prev] : TRY(ReadPrevious(store, *dag->second.spec, pr.run))) {
      TaskKey key{pr.run.dag_id, pr.run.run_id, task_id};
      in.previous_states[key] = prev.state;
      in.previous_run_ids[key] = prev.run_id;
    }
  }
  for (const auto& pool : TRY(store.ListPools())) in.pool_slots[pool.name] = pool.slots;
  return in;
}

}  // namespace weir
