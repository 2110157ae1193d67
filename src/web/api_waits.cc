// What a run or a task instance waits for (engine/waits.h): the task instance dependencies of
// Airflow's API, and the same for a run with every task instance of it.
#include "web/api_internal.h"

#include "engine/waits.h"

namespace weir {

namespace {

Result<RunWaits> Explain(ApiCtx& c, const std::string& dag_id, const std::string& run_id) {
  return ExplainWaits(c.store, c.dags, dag_id, run_id,
                      WaitQuery{c.clock.Now(), c.config.parallelism});
}

}  // namespace

Result<Json> RunDependencies(ApiCtx& c, const std::string& dag_id, const std::string& run_id) {
  RunWaits w = TRY(Explain(c, dag_id, run_id));
  Json j = WaitExplanationJson(w.wait);
  j["dag_id"] = dag_id;
  j["dag_run_id"] = run_id;
  j["state"] = RunStateName(w.run.state);
  j["queued_at"] = FormatIso(w.run.queued_at);
  Json tasks = Json::array();
  for (const auto& t : w.tasks) {
    Json tj = WaitExplanationJson(t.wait);
    tj["task_id"] = t.ti.task_id;
    tj["state"] = TaskStateName(t.ti.state);
    tasks.push_back(std::move(tj));
  }
  j["task_instances"] = std::move(tasks);
  return j;
}

Result<Json> TaskDependencies(ApiCtx& c, const std::string& dag_id, const std::string& run_id,
                              const std::string& task_id) {
  RunWaits w = TRY(Explain(c, dag_id, run_id));
  for (const auto& t : w.tasks) {
    if (t.ti.task_id != task_id) continue;
    Json j = WaitExplanationJson(t.wait);
    j["dag_id"] = dag_id;
    j["dag_run_id"] = run_id;
    j["task_id"] = task_id;
    j["state"] = TaskStateName(t.ti.state);
    return j;
  }
  // The store's own not-found error names the task and the run.
  TRY(c.store.GetTaskInstance(dag_id, run_id, task_id));
  return Err(ErrorCode::kNotFound, "run {} of DAG '{}' has no task instance '{}'", run_id, dag_id,
             task_id);
}

}  // namespace weir
