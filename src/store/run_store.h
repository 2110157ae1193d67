#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/records.h"
#include "store/transactional_store.h"

namespace weir {

// Runs and what happens in them: DAG runs, their task instances, one row per try of a task
// instance, and XCom. The scheduler, the attempts and the user actions (trigger, clear, mark)
// work here. The rules of every role are in transactional_store.h.
class RunStore : public virtual TransactionalStore {
 public:
  // Runs. CreateRun inserts the run and one task instance per entry of `tasks` (state none)
  // atomically; kAlreadyExists when (dag_id, run_id) exists.
  virtual Status CreateRun(const DagRun& run, const std::vector<TaskInstance>& tasks) = 0;
  virtual Result<DagRun> GetRun(const std::string& dag_id, const std::string& run_id) = 0;
  virtual Status UpdateRun(const DagRun& run) = 0;
  virtual Result<std::vector<DagRun>> ListRuns(const RunFilter& filter) = 0;
  // How many runs the filter matches, its limit and offset aside.
  virtual Result<int64_t> CountRuns(const RunFilter& filter) = 0;
  // The scheduled run with the latest logical date, the anchor of the next interval.
  virtual Result<std::optional<DagRun>> LatestScheduledRun(const std::string& dag_id) = 0;
  virtual Status DeleteRun(const std::string& dag_id, const std::string& run_id) = 0;

  // Task instances.
  virtual Result<std::vector<TaskInstance>> ListTaskInstances(const std::string& dag_id,
                                                              const std::string& run_id) = 0;
  // Task instances of any DAG and run (the browse pages), and how many match (limit and
  // offset aside).
  virtual Result<std::vector<TaskInstance>> ListTaskInstances(const TaskInstanceFilter& filter) = 0;
  virtual Result<int64_t> CountTaskInstances(const TaskInstanceFilter& filter) = 0;
  // Every task instance of every run in state queued or running.
  virtual Result<std::vector<TaskInstance>> ListTaskInstancesOfActiveRuns() = 0;
  virtual Result<TaskInstance> GetTaskInstance(const std::string& dag_id, const std::string& run_id,
                                               const std::string& task_id) = 0;
  // Inserts when missing; kNotFound when its run does not exist.
  virtual Status UpdateTaskInstance(const TaskInstance& ti) = 0;
  // The same task in the run with the greatest logical date before `logical_date`; nullopt
  // when there is no earlier run or that run has no such task (it was added later).
  virtual Result<std::optional<TaskInstance>> PreviousTaskInstance(const std::string& dag_id,
                                                                   const std::string& task_id,
                                                                   Time logical_date) = 0;
  // Task instances of the newest `limit_runs` runs (all runs when <= 0), newest run first,
  // then by task_id (for `tasks state`, the UI's grid).
  virtual Result<std::vector<TaskInstance>> ListTaskInstancesOfDag(const std::string& dag_id,
                                                                   int limit_runs) = 0;

  // Change tracking, so a scheduler keeps runs in memory and reads only what others changed:
  // every write of a run, a task instance, a DAG's row or a pool advances the store's change
  // sequence, and each run and task instance row remembers the sequence of its last change.
  virtual Result<int64_t> ChangeSeq() = 0;
  // The runs and task instances changed after `seq`, the sequence they bring the reader to,
  // and how many runs are queued or running now (a run deleted leaves no row to read: a
  // count that differs from the reader's says so).
  virtual Result<StoreChanges> ChangesSince(int64_t seq) = 0;
  // Task instances queued or running, counted per DAG and pool (sorted by both).
  virtual Result<std::vector<ActiveTaskCount>> CountActiveTasks() = 0;

  // Tries: one row per attempt. InsertTry: kAlreadyExists for a recorded try number,
  // kNotFound when the task instance does not exist. UpdateTry: kNotFound when missing.
  virtual Status InsertTry(const TaskTry& t) = 0;
  virtual Status UpdateTry(const TaskTry& t) = 0;
  // UpdateTry for a report from a worker (distributed mode): only while the try has not
  // ended and its try_key is `token`, the key the report carries. kFailedPrecondition
  // otherwise: the report is late (the try was taken back from its worker and failed) or
  // for another try; nothing changes.
  virtual Status UpdateFencedTry(const TaskTry& t, const std::string& token) = 0;
  virtual Result<std::vector<TaskTry>> ListTries(const std::string& dag_id,
                                                 const std::string& run_id,
                                                 const std::string& task_id) = 0;
  // Tries in state queued or running, in any run.
  virtual Result<std::vector<TaskTry>> ListUnfinishedTries() = 0;
  // Sets heartbeat_at = now for every running try.
  virtual Status HeartbeatRunningTries(Time now) = 0;

  // Notes. SetNote replaces the note of the run or task instance (empty content removes
  // it); kNotFound when the run or task instance does not exist. A run's notes go with it.
  virtual Status SetNote(const Note& note) = 0;
  // The notes of a DAG's runs and task instances (every DAG's when dag_id is empty), of one
  // run when run_id is given.
  virtual Result<std::vector<Note>> ListNotes(const std::string& dag_id,
                                              const std::string& run_id) = 0;

  // XCom.
  // Replaces the same (run, task, key); kNotFound when the run does not exist.
  virtual Status SetXCom(const XComRow& x) = 0;
  virtual Result<std::optional<XComRow>> GetXCom(const std::string& dag_id,
                                                 const std::string& run_id,
                                                 const std::string& task_id,
                                                 const std::string& key) = 0;
  virtual Result<std::vector<XComRow>> ListXComs(const std::string& dag_id,
                                                 const std::string& run_id) = 0;
  virtual Status ClearXComs(const std::string& dag_id, const std::string& run_id,
                            const std::string& task_id) = 0;
};

}  // namespace weir
