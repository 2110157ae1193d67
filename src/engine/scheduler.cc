#include "engine/scheduler.h"

#include <unistd.h>

#include <algorithm>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "base/log.h"
#include "engine/retention.h"
#include "engine/snapshot.h"
#include "engine/test_runs.h"
#include "engine/watcher.h"
#include "store/open.h"

namespace weir {

namespace {

// Store errors the environment causes and can cure: a full or failing disk, a database
// that is locked or unreachable. The loop waits them out instead of stopping.
bool IsTransientStoreError(const Error& e) {
  return e.code == ErrorCode::kIo || e.code == ErrorCode::kUnavailable;
}

}  // namespace

Result<std::vector<SchedulerJob>> RecentSchedulerJobs(JobStore& store, Time now) {
  std::vector<SchedulerJob> jobs = TRY(store.ListSchedulerJobs(now - std::chrono::hours(1)));
  if (jobs.empty()) {
    if (auto latest = TRY(store.LatestSchedulerJob())) jobs.push_back(*std::move(latest));
  }
  return jobs;
}

void SchedulerHealth::SetStoreError(const std::string& message, Time now) {
  std::lock_guard lock(mu_);
  Time since = store_error_ ? store_error_->since : now;
  store_error_ = StoreError{message, since};
}

void SchedulerHealth::ClearStoreError() {
  std::lock_guard lock(mu_);
  store_error_.reset();
}

std::optional<SchedulerHealth::StoreError> SchedulerHealth::store_error() const {
  std::lock_guard lock(mu_);
  return store_error_;
}

Scheduler::Scheduler(MetadataStore& store, Executor& executor, EventQueue& queue,
                     const Clock& clock, DagRegistry& registry, SchedulerOptions options)
    : store_(store),
      executor_(executor),
      queue_(queue),
      clock_(clock),
      registry_(registry),
      options_(std::move(options)),
      attempts_(store, clock, options_.paths) {
  attempts_.set_task_lookup(
      [this](const std::string& dag_id, const std::string& task_id) -> const TaskSpec* {
        auto it = registry_.dags().find(dag_id);
        return it == registry_.dags().end() ? nullptr : it->second.spec->FindTask(task_id);
      });
}

Scheduler::~Scheduler() = default;

void Scheduler::Stop() { queue_.Post(SchedulerEvent{SchedulerEvent::Kind::kStop, {}}); }

void Scheduler::NotifyTask(const TaskInstance& ti) {
  if (observer_.on_task) observer_.on_task(ti);
}

void Scheduler::NotifyRun(const DagRun& run) {
  if (options_.only_run && run.dag_id == options_.only_run->first &&
      run.run_id == options_.only_run->second) {
    only_run_state_ = run.state;
  }
  if (observer_.on_run) observer_.on_run(run);
}

void Scheduler::NotifyWaits() {
  if (observer_.on_waits) observer_.on_waits(waits_);
}

bool Scheduler::OnlyRunFinished() {
  return options_.only_run && only_run_state_ &&
         (*only_run_state_ == RunState::kSuccess || *only_run_state_ == RunState::kFailed) &&
         !attempts_.has_inflight();
}

Status Scheduler::Transaction(const std::function<Status()>& body) {
  int64_t before = 0;
  int64_t after = 0;
  TRY(store_.Transaction([&]() -> Status {
    // With shares, nothing is recorded once this scheduler's lease ran out: its DAGs may be
    // another's. Transactions follow one another, so a takeover falls between two of them.
    if (options_.shares != nullptr) TRY(options_.shares->Fence(clock_.Now()));
    before = TRY(store_.ChangeSeq());
    TRY(body());
    after = TRY(store_.ChangeSeq());
    return {};
  }));
  if (before == known_seq_) known_seq_ = after;
  return {};
}

Status Scheduler::AddRun(const DagRun& run, std::vector<TaskInstance> tis) {
  std::map<std::string, PreviousTask> previous;
  if (const LoadedDag* dag = registry_.Find(run.dag_id)) {
    previous = TRY(ReadPrevious(store_, *dag->spec, run));
  }
  state_.PutRun(run, std::move(tis), previous);
  return {};
}

bool Scheduler::Mine(const std::string& dag_id) const {
  return options_.shares == nullptr || options_.shares->Owns(dag_id);
}

const std::map<std::string, LoadedDag>& Scheduler::Dags() {
  if (options_.shares == nullptr) return registry_.dags();
  owned_dags_.clear();
  for (const auto& [dag_id, dag] : registry_.dags()) {
    if (Mine(dag_id)) owned_dags_.emplace(dag_id, dag);
  }
  return owned_dags_;
}

Status Scheduler::Reload() {
  // Read first: whatever changes while the rest is read is read again as a change.
  int64_t seq = TRY(store_.ChangeSeq());
  PlannerInput in = TRY(ReadPlannerInput(store_, Dags(), clock_.Now()));
  // The other schedulers' runs are theirs (they count in CountOthers).
  std::erase_if(in.runs, [&](const PlannerRun& r) { return !Mine(r.run.dag_id); });
  for (auto& [dag_id, dag] : in.dags) {
    auto latest = TRY(store_.LatestScheduledRun(dag_id));
    if (latest)
      dag.last_scheduled = DataInterval{latest->data_interval_start, latest->data_interval_end};
  }
  in.only_run = options_.only_run;
  state_ = MakePlanState(std::move(in));
  known_seq_ = seq;
  loaded_ = true;
  dags_changed_ = false;
  return {};
}

Status Scheduler::SyncDags() {
  dags_changed_ = false;
  std::map<std::string, bool> paused;
  for (const auto& row : TRY(store_.ListDags())) paused[row.dag_id] = row.is_paused;
  std::vector<std::string> gone;
  for (const auto& [dag_id, dag] : state_.dags()) {
    if (registry_.Find(dag_id) == nullptr || !Mine(dag_id)) gone.push_back(dag_id);
  }
  for (const auto& dag_id : gone) state_.RemoveDag(dag_id);
  for (const auto& [dag_id, dag] : Dags()) {
    PlanDag pd = MakePlannerDag(dag, paused[dag_id]);
    if (const PlanDag* known = state_.FindDag(dag_id)) {
      pd.last_scheduled = known->last_scheduled;
    } else if (auto latest = TRY(store_.LatestScheduledRun(dag_id))) {
      pd.last_scheduled = DataInterval{latest->data_interval_start, latest->data_interval_end};
    }
    state_.SetDag(dag_id, std::move(pd));
  }
  return {};
}

Status Scheduler::ReadChanges() {
  if (TRY(store_.ChangeSeq()) == known_seq_) return {};
  StoreChanges changes = TRY(store_.ChangesSince(known_seq_));
  // DAGs whose latest scheduled run (the next interval's anchor) may have moved.
  std::set<std::string> anchors;
  for (const auto& run : changes.runs) {
    if (!Mine(run.dag_id)) continue;  // another scheduler's
    anchors.insert(run.dag_id);
    if (run.state != RunState::kQueued && run.state != RunState::kRunning) {
      state_.RemoveRun(KeyOf(run));
    } else if (state_.FindRun(KeyOf(run)) != nullptr) {
      state_.SetRun(run);
    } else {
      TRY(AddRun(run, TRY(store_.ListTaskInstances(run.dag_id, run.run_id))));
    }
  }
  for (const auto& ti : changes.tis) {
    if (Mine(ti.dag_id)) state_.PutTask(ti);
  }
  // Pause flags and pools are few: read again. A change without rows may be a deleted run,
  // which may have been a DAG's latest.
  std::map<std::string, bool> paused;
  for (const auto& row : TRY(store_.ListDags())) paused[row.dag_id] = row.is_paused;
  for (const auto& [dag_id, dag] : state_.dags()) {
    if (changes.runs.empty()) anchors.insert(dag_id);
    if (dag.paused == paused[dag_id]) continue;
    PlanDag changed = dag;
    changed.paused = paused[dag_id];
    state_.SetDag(dag_id, std::move(changed));
  }
  state_.pool_slots.clear();
  for (const auto& pool : TRY(store_.ListPools())) state_.pool_slots[pool.name] = pool.slots;
  for (const auto& dag_id : anchors) {
    if (state_.FindDag(dag_id) == nullptr) continue;
    auto latest = TRY(store_.LatestScheduledRun(dag_id));
    state_.SetLastScheduled(
        dag_id, latest ? std::optional<DataInterval>(
                             DataInterval{latest->data_interval_start, latest->data_interval_end})
                       : std::nullopt);
  }
  known_seq_ = changes.seq;
  // A run deleted while queued or running leaves no row to read: start again from the store.
  int64_t active = changes.active_runs;
  if (options_.shares != nullptr) {
    active = 0;
    for (const auto& dag_id : options_.shares->owned()) {
      if (auto it = changes.active_runs_by_dag.find(dag_id);
          it != changes.active_runs_by_dag.end()) {
        active += it->second;
      }
    }
  }
  if (active != static_cast<int64_t>(state_.runs().size())) return Reload();
  return {};
}

Status Scheduler::Refresh() {
  if (!loaded_) return Reload();
  if (dags_changed_) TRY(SyncDags());
  return {};
}

Status Scheduler::RecordEvents(Recorded& rec, bool hold_starts) {
  if (pending_.empty()) return {};
  hold_starts = hold_starts && options_.start_record_delay > Duration::zero();
  const Time now = clock_.Now();
  // An attempt that started and ended since the last batch (an `empty` task, a quick
  // process) is recorded once: its start is held back and applied with its end.
  std::unordered_set<std::string> ends;
  for (const auto& ev : pending_) {
    if (ev.kind == SchedulerEvent::Kind::kAttempt &&
        ev.attempt.kind == AttemptEvent::Kind::kFinished) {
      ends.insert(ev.attempt.key.ToString());
    }
  }
  std::unordered_map<std::string, const AttemptEvent*> starts;
  for (const auto& ev : pending_) {
    // kStop, kWake, kDagsChanged: the step acts on them; another process changed the store,
    // and ReadChanges reads what.
    if (ev.kind != SchedulerEvent::Kind::kAttempt) continue;
    const AttemptEvent& a = ev.attempt;
    // A DAG given up while its attempt ran: its new owner adopted the attempt and records it.
    if (!Mine(a.key.dag_id)) continue;
    std::string key = a.key.ToString();
    if (a.kind == AttemptEvent::Kind::kStarted && ends.contains(key)) {
      starts.emplace(std::move(key), &a);
      continue;
    }
    // The state as this transaction knows it: what other processes wrote was read first.
    const TaskInstance* known = state_.FindTask(TaskKey{a.key.dag_id, a.key.run_id, a.key.task_id});
    if (a.kind == AttemptEvent::Kind::kStarted && !ends.contains(key)) {
      // Cleared or marked by another process between its queueing and its start (which that
      // process could not kill: no pid was recorded yet): the attempt must not run on.
      if (known == nullptr || known->try_number != a.key.try_number || !IsActive(known->state)) {
        rec.stale.push_back(a.key);
      } else if (hold_starts) {
        // A short task's end follows soon: its start waits to be recorded with it.
        auto seen = start_seen_.try_emplace(key, now).first;
        if (now - seen->second < options_.start_record_delay) {
          rec.held.push_back(ev);
          continue;
        }
      }
    }
    start_seen_.erase(key);
    Result<std::vector<TaskInstance>> seen;
    if (a.kind == AttemptEvent::Kind::kFinished) rec.finished.push_back(a.key);
    if (auto start = starts.find(key); start != starts.end()) {
      seen = attempts_.ApplyStartAndEnd(*start->second, a, known);
    } else {
      seen = attempts_.Apply(a, known);
    }
    if (!seen) {
      // One event that cannot be recorded (its run was deleted meanwhile, say, or a zombie
      // worker's late report the store refused) must not stop the scheduler; a busy or
      // broken database still does.
      if (seen.error().code != ErrorCode::kNotFound &&
          seen.error().code != ErrorCode::kFailedPrecondition) {
        return std::unexpected(seen.error());
      }
      Log::Warn("ignoring the report of attempt {}: {}", key, seen.error().message);
      continue;
    }
    for (auto& ti : *seen) {
      state_.PutTask(ti);
      rec.changed.push_back(std::move(ti));
    }
  }
  return {};
}

Status Scheduler::RecordDecisions(Decisions& d, Recorded& rec) {
  for (auto& nr : d.create_runs) {
    auto made = store_.CreateRun(nr.run, nr.tis);
    if (made) {
      // Moved, not copied: a run of 10,000 tasks is some 4 MB of task instances.
      TRY(AddRun(nr.run, std::move(nr.tis)));
    } else if (made.error().code != ErrorCode::kAlreadyExists) {
      return std::unexpected(made.error());
    }
  }
  for (const auto& run : d.update_runs) TRY(store_.UpdateRun(run));
  for (const auto& ti : d.update_tis) TRY(store_.UpdateTaskInstance(ti));
  if (d.queue.empty()) return {};
  // One masker serves every try: within the transaction the secrets cannot change.
  SecretMasker masker = TRY(LoadSecretMasker(store_, options_.paths.secret_key_file));
  for (const auto& key : d.queue) {
    const LoadedDag* dag = registry_.Find(key.dag_id);
    const ActiveRun* r = state_.FindRun(key.run());
    const TaskInstance* ti = state_.FindTask(key);
    if (dag == nullptr || r == nullptr || ti == nullptr) continue;
    auto p = TRY(attempts_.Prepare(*dag, r->run, *ti, masker));
    if (p.spec) rec.prepared_keys.push_back(p.spec->key);
    state_.PutTask(p.ti);
    rec.prepared.push_back(std::move(p.ti));
    if (p.spec) rec.to_submit.push_back(std::move(*p.spec));
  }
  return {};
}

std::optional<Time> Scheduler::HeldStartsDue() const {
  std::optional<Time> due;
  for (const auto& ev : pending_) {
    auto seen = start_seen_.find(ev.attempt.key.ToString());
    if (seen == start_seen_.end()) continue;
    Time at = seen->second + options_.start_record_delay;
    if (!due || at < *due) due = at;
  }
  return due;
}

void Scheduler::Committed(Decisions* d, Recorded& rec) {
  pending_ = std::move(rec.held);
  for (const auto& key : rec.finished) attempts_.Forget(key);
  // Observers learn what changed in the order it was recorded.
  for (const auto& ti : rec.changed) NotifyTask(ti);
  if (d != nullptr) {
    for (const auto& ti : d->update_tis) NotifyTask(ti);
    for (const auto& ti : rec.prepared) NotifyTask(ti);
    for (const auto& run : d->update_runs) {
      if (run.state == RunState::kSuccess || run.state == RunState::kFailed) {
        RemoveRunWorkFolder(options_.paths, run, options_.keep_work_folders);
      }
      NotifyRun(run);
    }
  }
  if (observer_.on_step_told) observer_.on_step_told();
  for (const auto& key : rec.stale) {
    executor_.Kill(key, "the task instance was cleared or marked while its attempt started");
  }
  if (d == nullptr) return;
  for (const auto& key : d->kill) {
    // The attempt's try number is the task instance's current one.
    auto ti = store_.GetTaskInstance(key.dag_id, key.run_id, key.task_id);
    int try_number = ti ? ti->try_number : 0;
    executor_.Kill(AttemptKey{key.dag_id, key.run_id, key.task_id, try_number},
                   "the run's dagrun_timeout was reached");
  }
  for (auto& spec : rec.to_submit) {
    AttemptKey key = spec.key;
    auto submitted = executor_.Submit(std::move(spec));
    if (!submitted) {
      // The planner keeps within the executor's capacity, so this is a bug; record it as a
      // failed start rather than leaving the task queued.
      AttemptEvent failed;
      failed.kind = AttemptEvent::Kind::kFinished;
      failed.key = key;
      failed.at = clock_.Now();
      failed.error = "the executor refused the attempt: " + submitted.error().message;
      queue_.Post(SchedulerEvent{SchedulerEvent::Kind::kAttempt, failed});
    }
  }
}

Status Scheduler::HandleEvents() {
  if (pending_.empty()) return {};  // no transaction for nothing
  Recorded rec;
  TRY(Transaction([&]() -> Status { return RecordEvents(rec, /*hold_starts=*/false); }));
  Committed(nullptr, rec);
  return {};
}

Status Scheduler::Finish() {
  auto events = queue_.Drain();
  std::erase_if(events,
                [](const SchedulerEvent& e) { return e.kind != SchedulerEvent::Kind::kAttempt; });
  std::erase_if(pending_,
                [](const SchedulerEvent& e) { return e.kind != SchedulerEvent::Kind::kAttempt; });
  pending_.insert(pending_.end(), events.begin(), events.end());
  return HandleEvents();
}

SchedulerJob Scheduler::ThisJob(Time now) const {
  SchedulerJob job;
  job.hostname = attempts_.hostname();
  job.pid = getpid();
  job.started_at = now;
  job.heartbeat_at = now;
  return job;
}

Status Scheduler::Heartbeat(Time now) {
  TRY(store_.Transaction([&]() -> Status {
    if (options_.lease != nullptr) TRY(options_.lease->Renew());
    TRY(store_.HeartbeatRunningTries(now));
    if (!job_id_) return {};
    Status beat = store_.HeartbeatSchedulerJob(*job_id_, now);
    if (beat || beat.error().code != ErrorCode::kNotFound) return beat;
    // Our row is gone (a database restored from a backup, say): record the job again.
    job_id_ = TRY(store_.AddSchedulerJob(ThisJob(now)));
    return {};
  }));
  next_heartbeat_ = now + options_.heartbeat_interval;
  TRY(Balance(now));
  NotifyWaits();
  if (options_.recover_orphans) {
    auto ended = TRY(EndOrphanedTestRuns(store_, now));
    for (const auto& run : ended) {
      Log::Info("test run {} of {} ended failed: {}", run.run_id, run.dag_id, run.reason);
      NotifyRun(run);
    }
    // Other runs may start now.
    if (!ended.empty()) queue_.Post(SchedulerEvent{SchedulerEvent::Kind::kWake, {}});
  }
  if ((options_.retention || options_.audit_retention) && now >= next_retention_) {
    if (options_.retention) {
      CleanReport cleaned = TRY(
          CleanHistory(store_, options_.paths, CleanOptions{.before = now - *options_.retention}));
      if (!cleaned.runs.empty()) {
        Log::Info("retention {}: removed {} finished runs with their logs",
                  FormatDuration(*options_.retention), cleaned.runs.size());
      }
    }
    if (options_.audit_retention) {
      int removed = TRY(CleanAuditLog(store_, now - *options_.audit_retention));
      if (removed > 0) {
        Log::Info("audit_retention {}: removed {} audit events",
                  FormatDuration(*options_.audit_retention), removed);
      }
    }
    next_retention_ = now + std::chrono::hours(1);
  }
  return {};
}

Result<std::vector<SchedulerEvent>> Scheduler::WaitForWork(std::optional<Time> wake_at) {
  for (;;) {
    bool beat = job_id_.has_value() || attempts_.has_inflight() || options_.lease != nullptr;
    std::optional<Time> due = wake_at;
    if (auto held = HeldStartsDue(); held && (!due || *held < *due)) due = held;
    std::optional<Time> deadline = due;
    if (beat && (!deadline || next_heartbeat_ < *deadline)) deadline = next_heartbeat_;
    auto events = queue_.WaitAndDrain(deadline);
    if (!events.empty() && options_.start_record_delay > Duration::zero() &&
        std::ranges::all_of(events, [](const SchedulerEvent& e) {
          return e.kind == SchedulerEvent::Kind::kAttempt &&
                 e.attempt.kind == AttemptEvent::Kind::kStarted;
        })) {
      // Only starts: nothing to plan, and each may be recorded with its end (RecordEvents).
      Time now = clock_.Now();
      for (auto& ev : events) {
        start_seen_.try_emplace(ev.attempt.key.ToString(), now);
        pending_.push_back(std::move(ev));
      }
      continue;
    }
    if (!events.empty()) return events;
    Time now = clock_.Now();
    if (due && now >= *due) return events;
    if (!beat) return events;
    // Only the heartbeat timer: nothing changed that a plan would see.
    if (now >= next_heartbeat_) TRY(Heartbeat(now));
  }
}

Status Scheduler::Step(bool& stop) {
  auto drained = queue_.Drain();
  pending_.insert(pending_.end(), drained.begin(), drained.end());
  for (const auto& ev : pending_) {
    // A stop is honoured even when the store cannot record what came with it.
    if (ev.kind == SchedulerEvent::Kind::kStop) stop = true;
    if (ev.kind == SchedulerEvent::Kind::kDagsChanged) reload_pending_ = true;
  }
  if (stop || OnlyRunFinished()) {
    stop = true;
    return HandleEvents();
  }
  if (reload_pending_ && options_.watch_dags) {
    TRY(registry_.Reload());
    dags_changed_ = true;
  }
  reload_pending_ = false;

  TRY(Refresh());
  Time now = clock_.Now();
  // The planner says why what does not start waits only when someone listens, and then at
  // most once a second: an explanation plans everything.
  const bool explain =
      observer_.on_waits && (!explained_at_ || now - *explained_at_ >= std::chrono::seconds(1));
  WaitReport waits;
  Decisions decisions;
  Recorded rec;
  // One transaction a step: what other processes wrote is read, the attempts' events are
  // recorded, and what the plan decides is recorded with them (a chain's next task is
  // queued in the same commit that ends the one before).
  Status recorded = Transaction([&]() -> Status {
    TRY(ReadChanges());
    TRY(RecordEvents(rec, /*hold_starts=*/true));
    state_.now = now;
    state_.executor_free_slots = executor_.Capacity() - executor_.Running();
    TRY(CountOthers());
    decisions = Plan(state_, explain ? &waits : nullptr);
    return RecordDecisions(decisions, rec);
  });
  if (!recorded) {
    // Rolled back: nothing was recorded, so nothing is submitted or remembered, and state_
    // (which the events and the plan changed) is loaded again; pending_ is applied again
    // and the next plan chooses these tasks again.
    for (const auto& key : rec.prepared_keys) attempts_.Forget(key);
    loaded_ = false;
    return recorded;
  }
  Committed(&decisions, rec);
  const bool progress = !decisions.empty();
  if (explain) {
    waits_ = std::move(waits);
    explained_at_ = now;
    explanation_due_ = false;
    NotifyWaits();
  } else if (observer_.on_waits) {
    explanation_due_ = true;
  }
  if (OnlyRunFinished()) {
    stop = true;
    return {};
  }

  if (now >= next_heartbeat_) TRY(Heartbeat(now));
  if (progress) return {};  // decisions can enable more decisions: plan again at once

  std::optional<Time> wake_at = decisions.wake_at;
  if (auto held = HeldStartsDue(); held && (!wake_at || *held < *wake_at)) wake_at = held;
  if (explanation_due_ && explained_at_) {
    Time explain_at = *explained_at_ + std::chrono::seconds(1);
    if (!wake_at || explain_at < *wake_at) wake_at = explain_at;
  }
  auto events = TRY(WaitForWork(wake_at));
  pending_.insert(pending_.end(), events.begin(), events.end());
  return {};
}

void Scheduler::BackOff(const Error& error, bool& stop) {
  Time now = clock_.Now();
  if (!store_failing_since_) {
    store_failing_since_ = now;
    store_retry_delay_ = std::min<Duration>(std::chrono::seconds(1), options_.store_retry_max);
  } else {
    store_retry_delay_ = std::min<Duration>(store_retry_delay_ * 2, options_.store_retry_max);
  }
  std::string since = now == *store_failing_since_
                          ? ""
                          : " (for " + FormatDuration(now - *store_failing_since_) + ")";
  Log::Error(
      "the metadata database does not accept writes{}: {}; running tasks go on and what they "
      "report is kept, nothing new starts; retrying in {}",
      since, error.message, FormatDuration(store_retry_delay_));
  if (options_.health != nullptr) options_.health->SetStoreError(error.message, now);
  // Wait out the delay, keeping what arrives meanwhile (a stop ends the wait).
  Time until = now + store_retry_delay_;
  while (clock_.Now() < until) {
    auto events = queue_.WaitAndDrain(until);
    for (const auto& ev : events) {
      if (ev.kind == SchedulerEvent::Kind::kStop) stop = true;
    }
    pending_.insert(pending_.end(), events.begin(), events.end());
    if (stop) return;
  }
}

Status Scheduler::Loop() {
  next_heartbeat_ = clock_.Now() + options_.heartbeat_interval;
  bool stop = false;
  while (!stop) {
    Status s = Step(stop);
    // A failed step may leave state_ ahead of the store: the next one loads it again.
    if (!s) loaded_ = false;
    if (s) {
      if (store_failing_since_) {
        Log::Info("the metadata database accepts writes again after {}",
                  FormatDuration(clock_.Now() - *store_failing_since_));
        store_failing_since_.reset();
        if (options_.health != nullptr) options_.health->ClearStoreError();
      }
      continue;
    }
    if (stop || !IsTransientStoreError(s.error())) return s;
    BackOff(s.error(), stop);
  }
  return {};
}

Status Scheduler::Balance(Time now) {
  if (options_.shares == nullptr) return {};
  std::vector<std::string> dag_ids;
  dag_ids.reserve(registry_.dags().size());
  for (const auto& [dag_id, dag] : registry_.dags()) dag_ids.push_back(dag_id);
  DagShares::Moves moves = TRY(options_.shares->Balance(dag_ids, now));
  if (moves.empty()) return {};
  if (!moves.gained.empty()) {
    Log::Info("this scheduler now schedules {} more DAG(s): {}", moves.gained.size(),
              fmt::join(moves.gained, ", "));
    std::set<std::string> gained(moves.gained.begin(), moves.gained.end());
    TRY(attempts_.AdoptRemote(executor_, registry_.dags(), &gained));
  }
  if (!moves.lost.empty()) {
    Log::Info("this scheduler gave {} DAG(s) to others: {}", moves.lost.size(),
              fmt::join(moves.lost, ", "));
    for (const auto& dag_id : moves.lost) attempts_.ForgetDag(dag_id);
  }
  // The next step loads the DAGs this scheduler now owns.
  loaded_ = false;
  queue_.Post(SchedulerEvent{SchedulerEvent::Kind::kWake, {}});
  return {};
}

Status Scheduler::CountOthers() {
  if (options_.shares == nullptr) return {};
  state_.pool_used_elsewhere.clear();
  // parallelism counts every scheduler's queued and running tasks as the database has them,
  // this one's included: its executor's own count also holds the attempts of DAGs it gave
  // up, which their new owner counts as well until they end.
  int active = 0;
  for (const auto& c : TRY(store_.CountActiveTasks())) {
    active += static_cast<int>(c.tasks);
    if (Mine(c.dag_id)) continue;
    state_.pool_used_elsewhere[c.pool] += static_cast<int>(c.slots);
  }
  state_.executor_free_slots = executor_.Capacity() - active;
  return {};
}

Status Scheduler::RecordJob() {
  if (!options_.record_job || job_id_) return {};
  job_id_ = TRY(store_.AddSchedulerJob(ThisJob(clock_.Now())));
  return {};
}

Status Scheduler::Run() {
  if (options_.shares != nullptr) {
    if (!executor_.remote()) {
      return Err(ErrorCode::kFailedPrecondition,
                 "several schedulers share the DAGs only with a remote executor (executor: "
                 "redis), whose attempts outlive the scheduler that queued them");
    }
    // Takes this scheduler's share first, then adopts what its DAGs run (Balance does).
    TRY(Balance(clock_.Now()));
  } else if (options_.recover_orphans) {
    // Attempts on workers outlive a scheduler: adopted, not ended.
    TRY(executor_.remote() ? attempts_.AdoptRemote(executor_, registry_.dags())
                           : attempts_.RecoverOrphans(registry_.dags()));
  }
  std::unique_ptr<Watcher> watcher;
  std::unique_ptr<ChangeListener> listener;
  if (!options_.database_url.empty()) listener = TRY(OpenChangeListener(options_.database_url));
  if (options_.watch_dags || !options_.wake_file.empty() || listener) {
    watcher = std::make_unique<Watcher>(
        queue_, options_.watch_dags ? registry_.dags_folder() : std::string(), options_.wake_file,
        std::move(listener));
    TRY(watcher->Start());
  }
  TRY(RecordJob());
  Status s = Loop();
  if (job_id_) {
    // A clean stop says so at once (GET /health turns unhealthy without waiting 30 s); after
    // a store failure this may fail too, and the heartbeat simply goes stale.
    (void)store_.EndSchedulerJob(*job_id_, clock_.Now());
    job_id_.reset();
  }
  if (watcher) watcher->Stop();
  return s;
}

}  // namespace weir
