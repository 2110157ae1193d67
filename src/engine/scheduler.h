#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/attempts.h"
#include "engine/dag_registry.h"
#include "engine/event_queue.h"
#include "engine/planner.h"
#include "env/clock.h"
#include "exec/executor.h"
#include "store/metadata_store.h"

namespace weir {

struct SchedulerOptions {
  AttemptPaths paths;
  std::string wake_file;  // touched by other processes after they change the store
  // How often running tries and the scheduler's job record a heartbeat.
  Duration heartbeat_interval = std::chrono::seconds{5};
  // Record this scheduler in the store (scheduler_job) and heartbeat it while it runs, so
  // GET /api/v1/health can tell whether a scheduler is alive. Off for `weir dags test`.
  bool record_job = true;
  bool watch_dags = true;  // reload the DAGs folder when it changes
  // Fail and retry the attempts a previous scheduler left running. Only the process that
  // holds the scheduler lock may do this.
  bool recover_orphans = true;
  // Plan only this run and return from Run() when it has finished (`weir dags test`).
  std::optional<std::pair<std::string, std::string>> only_run;
};

// Called on the loop's thread whenever a task instance or run changes state.
struct SchedulerObserver {
  std::function<void(const TaskInstance&)> on_task;
  std::function<void(const DagRun&)> on_run;
};

// The scheduler: one thread owns its state. It sleeps until an event arrives (an attempt
// started or finished, the DAGs folder changed, another process woke it) or until the next
// due time the planner reported (a schedule tick, a retry, a timeout), then reads a snapshot
// from the store, plans, and applies the decisions: creating runs, moving states, starting
// attempts on the executor. It never polls for work it can be told about; the only timer is
// the heartbeat (every heartbeat_interval), which records that the scheduler and its running
// tries are alive without planning.
class Scheduler {
 public:
  Scheduler(MetadataStore& store, Executor& executor, EventQueue& queue, const Clock& clock,
            DagRegistry& registry, SchedulerOptions options);
  ~Scheduler();

  // With record_job: records this scheduler in the store (its first heartbeat), so that
  // GET /health is healthy from the moment the process says it is ready. Run() does it
  // when it was not done before.
  Status RecordJob();
  // Recovers attempts a previous process left behind, then runs until Stop() (or, with
  // only_run, until that run finishes). Store failures end the loop with an error.
  Status Run();
  // Thread-safe; Run() returns soon after.
  void Stop();

  // After Run() returned and the executor was shut down: records what the executor
  // reported last (attempts it killed become failed tries, retried per policy later).
  Status Finish();

  void set_observer(SchedulerObserver o) { observer_ = std::move(o); }

 private:
  Status Loop();
  Result<std::vector<SchedulerEvent>> WaitForWork(std::optional<Time> wake_at);
  Status Heartbeat(Time now);
  SchedulerJob ThisJob(Time now) const;  // this process, started and beating at `now`
  Result<PlannerInput> Snapshot();
  Status ApplyDecisions(Decisions& d, bool& progress);
  Status HandleEvents(std::vector<SchedulerEvent>& events, bool& stop);
  void NotifyTask(const TaskInstance& ti);
  void NotifyRun(const DagRun& run);
  bool OnlyRunFinished();

  MetadataStore& store_;
  Executor& executor_;
  EventQueue& queue_;
  const Clock& clock_;
  DagRegistry& registry_;
  SchedulerOptions options_;
  AttemptManager attempts_;
  SchedulerObserver observer_;
  std::map<std::string, std::optional<DataInterval>> last_scheduled_;
  bool last_scheduled_loaded_ = false;
  std::optional<RunState> only_run_state_;
  Time next_heartbeat_{};
  std::optional<int64_t> job_id_;  // this scheduler's scheduler_job row, with record_job
};

}  // namespace weir
