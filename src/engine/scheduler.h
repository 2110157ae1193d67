#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/attempts.h"
#include "engine/dag_registry.h"
#include "engine/dag_shares.h"
#include "engine/event_queue.h"
#include "engine/lease_keeper.h"
#include "engine/planner.h"
#include "env/clock.h"
#include "exec/executor.h"
#include "store/metadata_store.h"

namespace weir {

// A scheduler is alive while its job has not ended and its last heartbeat is at most this old
// (it beats every heartbeat_interval, 5 s by default): GET /health and the explanation of
// waits (waits.h) go by it.
inline constexpr Duration kSchedulerAliveWithin = std::chrono::seconds(30);
inline bool SchedulerIsAlive(const SchedulerJob& job, Time now) {
  return !job.ended_at && now - job.heartbeat_at <= kSchedulerAliveWithin;
}
// The schedulers to show (`weir jobs list`, GET /workers, /health): those that ran within
// the last hour without a clean stop, newest heartbeat first; when there is none, the one
// that ran last (ended or not); empty when no scheduler ever ran.
Result<std::vector<SchedulerJob>> RecentSchedulerJobs(JobStore& store, Time now);

// What the scheduler's loop tells other threads of its process about itself (the API's
// /health in `weir standalone`). Thread-safe.
class SchedulerHealth {
 public:
  struct StoreError {
    std::string message;  // the last write error, as the database reported it
    Time since{};         // when writes began to fail
  };
  void SetStoreError(const std::string& message, Time now);  // keeps `since` while it lasts
  void ClearStoreError();
  std::optional<StoreError> store_error() const;

 private:
  mutable std::mutex mu_;
  std::optional<StoreError> store_error_;  // GUARDED_BY(mu_)
};

struct SchedulerOptions {
  AttemptPaths paths;
  std::string wake_file;  // touched by other processes after they change the store
  // The store's URL, when other machines write to it (PostgreSQL): the scheduler listens for
  // their commits (store/change_listener.h). Empty: the wake file is enough.
  std::string database_url;
  // How often running tries and the scheduler's job record a heartbeat.
  Duration heartbeat_interval = std::chrono::seconds{5};
  // Record this scheduler in the store (scheduler_job) and heartbeat it while it runs, so
  // GET /api/v1/health can tell whether a scheduler is alive. Off for `weir dags test`.
  bool record_job = true;
  bool watch_dags = true;  // reload the DAGs folder when it changes
  // Fail and retry the attempts a previous scheduler left running, and end the test runs
  // whose `weir dags test` is gone (test_runs.h), at start and then at every heartbeat.
  // Only the process that holds the scheduler lock may do this.
  bool recover_orphans = true;
  // The scheduler lease (or, for `weir dags test`, the lease on its test run: test_runs.h),
  // renewed with every heartbeat (a lost lease ends Run() with an error); nullptr: none.
  // Acquired by the caller before Run().
  LeaseKeeper* lease = nullptr;
  // Several schedulers on one database (engine/dag_shares.h): this one schedules only the
  // DAGs it owns, balances them at every heartbeat, checks its lease in every transaction,
  // and counts the other schedulers' queued and running tasks against `parallelism` and the
  // pools. Needs a remote executor (their attempts outlive a scheduler) and `lease` set to
  // the shares' member lease. nullptr: this scheduler schedules every DAG.
  DagShares* shares = nullptr;
  // Told when the store stops accepting writes and when it takes them again; may be null.
  SchedulerHealth* health = nullptr;
  // The longest pause between two retries while the store fails with kIo or kUnavailable
  // (a full disk, a locked or unreachable database): the first pause is 1 s, then doubles.
  Duration store_retry_max = std::chrono::seconds{30};
  // Work folders of finished runs: "failed" keeps failed runs' folders, "always" keeps all,
  // "never" keeps none (retention.h RemoveRunWorkFolder).
  std::string keep_work_folders = "always";
  // Finished runs that ended longer ago than this are removed (retention.h), checked at the
  // first heartbeat and then hourly; nullopt: never.
  std::optional<Duration> retention;
  // Audit events recorded longer ago than this are removed, checked with `retention`;
  // nullopt: kept for ever (removing runs never removes their audit events).
  std::optional<Duration> audit_retention;
  // A try's start is recorded with its end when the end comes within this long (one commit
  // instead of two for a short task; the task instance shows `queued` meanwhile). A start
  // whose end has not come by then is recorded on its own. Zero: every start at once.
  Duration start_record_delay = std::chrono::milliseconds{50};
  // Plan only this run and return from Run() when it has finished (`weir dags test`).
  std::optional<std::pair<std::string, std::string>> only_run;
};

// Called on the loop's thread whenever a task instance or run changes state.
struct SchedulerObserver {
  std::function<void(const TaskInstance&)> on_task;
  std::function<void(const DagRun&)> on_run;
  // Why each queued run and each task instance that did not start waits (planner.h
  // WaitReport): after every plan, and again at every heartbeat while it lasts.
  std::function<void(const WaitReport&)> on_waits;
  // After each step's on_task and on_run calls: an observer that buffers what it prints
  // flushes here, once a step rather than once a line.
  std::function<void()> on_step_told;
};

// The scheduler: one thread owns its state. It sleeps until an event arrives (an attempt
// started or finished, the DAGs folder changed, another process woke it) or until the next
// due time the planner reported (a schedule tick, a retry, a timeout), then plans and applies
// the decisions: creating runs, moving states, starting attempts on the executor. It keeps
// the active runs in memory (a PlanState, loaded once) and applies every change to them: its
// own decisions, attempt events, and what other processes wrote, read from the store by its
// change sequence; each plan looks only at what changed. It never polls for work it can be
// told about; the only timer is the heartbeat (every heartbeat_interval), which records that
// the scheduler and its running tries are alive without planning.
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
  // only_run, until that run finishes). A store that fails with kIo or kUnavailable (a full
  // disk, say) does not end it: running attempts go on, the events they report are kept,
  // the failure is logged and reported to options.health, and the loop retries with backoff
  // until writes succeed again. Other store failures and a lost lease end it with an error.
  Status Run();
  // Thread-safe; Run() returns soon after.
  void Stop();

  // After Run() returned and the executor was shut down: records what the executor
  // reported last (attempts it killed become failed tries, retried per policy later).
  Status Finish();

  void set_observer(SchedulerObserver o) { observer_ = std::move(o); }

 private:
  Status Loop();
  Status Step(bool& stop);
  // After a failed Step: logs, reports, and waits (collecting events) before the next try.
  void BackOff(const Error& error, bool& stop);
  Result<std::vector<SchedulerEvent>> WaitForWork(std::optional<Time> wake_at);
  Status Heartbeat(Time now);
  SchedulerJob ThisJob(Time now) const;  // this process, started and beating at `now`
  // Before a step's transaction: loads state_ whole the first time (and after a failure),
  // then applies the DAGs folder's changes. What other processes wrote is read inside the
  // transaction (ReadChanges).
  Status Refresh();
  Status Reload();
  Status SyncDags();
  // Whether this scheduler schedules `dag_id`'s runs (always, unless the DAGs are shared).
  bool Mine(const std::string& dag_id) const;
  // The DAGs this scheduler schedules: the registry's, or those of them it owns.
  const std::map<std::string, LoadedDag>& Dags();
  // With shares: takes and gives up DAGs (a heartbeat's work); what changes is loaded at the
  // next step, and the attempts of DAGs taken over are adopted.
  Status Balance(Time now);
  // With shares, inside a step's transaction: the executor's free slots (parallelism)
  // from every scheduler's queued and running tasks in the database, and what the other
  // schedulers' DAGs hold of the pools.
  Status CountOthers();
  Status ReadChanges();
  // Adds a run read from the store (or just created) to state_, with what depends_on_past needs.
  Status AddRun(const DagRun& run, std::vector<TaskInstance> tis);
  // Brings known_seq_ past a transaction of this scheduler's: when nobody else wrote since
  // known_seq_ (`before`), its own writes need not be read back.
  Status Transaction(const std::function<Status()>& body);
  // What a step's transaction recorded, to act on once it commits.
  struct Recorded {
    std::vector<TaskInstance> changed;   // task instances as attempt events left them
    std::vector<AttemptKey> finished;    // attempts whose end was recorded
    std::vector<TaskInstance> prepared;  // tries Prepare recorded, for observers
    std::vector<AttemptKey> prepared_keys;
    std::vector<AttemptSpec> to_submit;
    std::vector<SchedulerEvent> held;  // starts held back, pending again after the commit
    // Attempts that started for a task instance cleared or marked meanwhile: to be killed.
    std::vector<AttemptKey> stale;
  };
  // Inside a transaction: records pending_'s attempt events in the store and in state_. With
  // `hold_starts`, a start whose end has not come yet is held back for start_record_delay.
  Status RecordEvents(Recorded& rec, bool hold_starts);
  // When the earliest held start is due to be recorded on its own; nullopt: none held.
  std::optional<Time> HeldStartsDue() const;
  // Inside a transaction: records the plan's decisions in the store and in state_.
  Status RecordDecisions(Decisions& d, Recorded& rec);
  // After the transaction committed: forgets what ended, tells observers, kills and submits.
  // `d` is null when only events were recorded.
  void Committed(Decisions* d, Recorded& rec);
  // Records pending_ alone in one transaction (when stopping); pending_ is kept when it fails.
  Status HandleEvents();
  void NotifyTask(const TaskInstance& ti);
  void NotifyRun(const DagRun& run);
  void NotifyWaits();
  bool OnlyRunFinished();

  MetadataStore& store_;
  Executor& executor_;
  EventQueue& queue_;
  const Clock& clock_;
  DagRegistry& registry_;
  SchedulerOptions options_;
  AttemptManager attempts_;
  SchedulerObserver observer_;
  // The active runs and what the planner needs, kept between plans (plan_state.h).
  PlanState state_;
  bool loaded_ = false;        // state_ was loaded and is in step with the store
  bool dags_changed_ = false;  // the registry reloaded: state_'s DAGs follow at the next plan
  int64_t known_seq_ = 0;      // the store's change sequence state_ has seen
  std::optional<RunState> only_run_state_;
  // When on_waits listens: the latest explanation, when it was made, and whether plans made
  // since have not been explained (each explanation plans everything, so at most one a second).
  WaitReport waits_;
  std::optional<Time> explained_at_;
  bool explanation_due_ = false;
  Time next_heartbeat_{};
  Time next_retention_{};
  std::optional<int64_t> job_id_;  // this scheduler's scheduler_job row, with record_job
  std::map<std::string, LoadedDag> owned_dags_;  // Dags() with shares
  std::vector<SchedulerEvent> pending_;          // drained from queue_, not yet applied
  // When each start held back in pending_ (start_record_delay) was first seen by a step (the
  // scheduler's clock), by attempt key.
  std::unordered_map<std::string, Time> start_seen_;
  bool reload_pending_ = false;  // the DAGs folder changed and is not reloaded yet
  // While the store fails: when it began, and the pause before the next retry.
  std::optional<Time> store_failing_since_;
  Duration store_retry_delay_{};
};

}  // namespace weir
