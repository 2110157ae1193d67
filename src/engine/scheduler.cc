#include "engine/scheduler.h"

#include <unistd.h>

#include <memory>

#include "engine/retention.h"
#include "engine/snapshot.h"
#include "engine/test_runs.h"
#include "engine/watcher.h"

namespace weir {

namespace {

// Store errors the environment causes and can cure: a full or failing disk, a database
// that is locked or unreachable. The loop waits them out instead of stopping.
bool IsTransientStoreError(const Error& e) {
  return e.code == ErrorCode::kIo || e.code == ErrorCode::kUnavailable;
}

}  // namespace

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
      attempts_(store, clock, options_.paths) {}

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

Result<PlannerInput> Scheduler::Snapshot() {
  PlannerInput in = TRY(ReadPlannerInput(store_, registry_.dags(), clock_.Now()));
  in.only_run = options_.only_run;
  if (!last_scheduled_loaded_) {
    last_scheduled_.clear();
    for (const auto& [dag_id, dag] : registry_.dags()) {
      auto latest = TRY(store_.LatestScheduledRun(dag_id));
      if (latest) {
        last_scheduled_[dag_id] =
            DataInterval{latest->data_interval_start, latest->data_interval_end};
      }
    }
    last_scheduled_loaded_ = true;
  }
  for (auto& [dag_id, pd] : in.dags) {
    if (auto it = last_scheduled_.find(dag_id); it != last_scheduled_.end()) {
      pd.last_scheduled = it->second;
    }
  }
  in.executor_free_slots = executor_.Capacity() - executor_.Running();
  return in;
}

Status Scheduler::ApplyDecisions(Decisions& d, bool& progress) {
  progress = !d.empty();
  if (!progress) return {};
  std::vector<AttemptSpec> to_submit;
  std::vector<TaskInstance> changed;
  std::vector<AttemptKey> prepared;
  Status applied = store_.Transaction([&]() -> Status {
    for (auto& nr : d.create_runs) {
      auto created = store_.CreateRun(nr.run, nr.tis);
      if (!created && created.error().code != ErrorCode::kAlreadyExists) {
        return std::unexpected(created.error());
      }
      last_scheduled_[nr.run.dag_id] =
          DataInterval{nr.run.data_interval_start, nr.run.data_interval_end};
    }
    for (const auto& run : d.update_runs) TRY(store_.UpdateRun(run));
    for (const auto& ti : d.update_tis) {
      TRY(store_.UpdateTaskInstance(ti));
      changed.push_back(ti);
    }
    std::map<std::string, const DagRun*> runs;
    for (const auto& run : d.update_runs) runs[run.dag_id + '\x1f' + run.run_id] = &run;
    for (const auto& key : d.queue) {
      const LoadedDag* dag = registry_.Find(key.dag_id);
      if (dag == nullptr) continue;
      DagRun run = TRY(store_.GetRun(key.dag_id, key.run_id));
      TaskInstance ti = TRY(store_.GetTaskInstance(key.dag_id, key.run_id, key.task_id));
      auto spec = TRY(attempts_.Prepare(*dag, run, ti));
      if (spec) prepared.push_back(spec->key);
      changed.push_back(TRY(store_.GetTaskInstance(key.dag_id, key.run_id, key.task_id)));
      if (spec) to_submit.push_back(std::move(*spec));
    }
    return {};
  });
  if (!applied) {
    // Rolled back: nothing was recorded, so nothing is submitted or remembered; the next plan
    // chooses these tasks again.
    for (const auto& key : prepared) attempts_.Forget(key);
    return applied;
  }
  for (const auto& ti : changed) NotifyTask(ti);
  for (const auto& run : d.update_runs) {
    if (run.state == RunState::kSuccess || run.state == RunState::kFailed) {
      RemoveRunWorkFolder(options_.paths, run, options_.keep_work_folders);
    }
    NotifyRun(run);
  }
  for (const auto& key : d.kill) {
    // The attempt's try number is the task instance's current one.
    auto ti = store_.GetTaskInstance(key.dag_id, key.run_id, key.task_id);
    int try_number = ti ? ti->try_number : 0;
    executor_.Kill(AttemptKey{key.dag_id, key.run_id, key.task_id, try_number},
                   "the run's dagrun_timeout was reached");
  }
  for (auto& spec : to_submit) {
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
  return {};
}

Status Scheduler::HandleEvents(bool& stop) {
  for (const auto& ev : pending_) {
    // A stop is honoured even when the store cannot record what came with it.
    if (ev.kind == SchedulerEvent::Kind::kStop) stop = true;
  }
  std::vector<TaskInstance> changed;
  std::vector<AttemptKey> finished;
  TRY(store_.Transaction([&]() -> Status {
    for (auto& ev : pending_) {
      switch (ev.kind) {
        case SchedulerEvent::Kind::kStop:
          break;
        case SchedulerEvent::Kind::kDagsChanged:
          reload_pending_ = true;
          break;
        case SchedulerEvent::Kind::kWake:
          // Another process changed the store (a backfill, a deleted run): re-read anchors.
          last_scheduled_loaded_ = false;
          break;
        case SchedulerEvent::Kind::kAttempt: {
          if (ev.attempt.kind == AttemptEvent::Kind::kFinished) finished.push_back(ev.attempt.key);
          auto ti = attempts_.Apply(ev.attempt);
          if (!ti) {
            // One event that cannot be recorded (its run was deleted meanwhile, say) must
            // not stop the scheduler; a busy or broken database still does.
            if (ti.error().code != ErrorCode::kNotFound) return std::unexpected(ti.error());
            fmt::print(stderr, "weir: ignoring the report of attempt {}: {}\n",
                       ev.attempt.key.ToString(), ti.error().message);
            break;
          }
          if (*ti) changed.push_back(**ti);
          break;
        }
      }
    }
    return {};
  }));
  pending_.clear();
  for (const auto& key : finished) attempts_.Forget(key);
  for (const auto& ti : changed) NotifyTask(ti);
  if (reload_pending_ && options_.watch_dags) {
    TRY(registry_.Reload());
    last_scheduled_loaded_ = false;
  }
  reload_pending_ = false;
  return {};
}

Status Scheduler::Finish() {
  auto events = queue_.Drain();
  bool stop = true;
  std::erase_if(events,
                [](const SchedulerEvent& e) { return e.kind != SchedulerEvent::Kind::kAttempt; });
  std::erase_if(pending_,
                [](const SchedulerEvent& e) { return e.kind != SchedulerEvent::Kind::kAttempt; });
  pending_.insert(pending_.end(), events.begin(), events.end());
  return HandleEvents(stop);
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
  NotifyWaits();
  if (options_.recover_orphans) {
    auto ended = TRY(EndOrphanedTestRuns(store_, now));
    for (const auto& run : ended) {
      fmt::print(stderr, "weir: test run {} of {} ended failed: {}\n", run.run_id, run.dag_id,
                 run.note);
      NotifyRun(run);
    }
    // Other runs may start now.
    if (!ended.empty()) queue_.Post(SchedulerEvent{SchedulerEvent::Kind::kWake, {}});
  }
  if (options_.retention && now >= next_retention_) {
    CleanReport cleaned = TRY(
        CleanHistory(store_, options_.paths, CleanOptions{.before = now - *options_.retention}));
    if (!cleaned.runs.empty()) {
      fmt::print(stderr, "weir: retention {}: removed {} finished runs with their logs\n",
                 FormatDuration(*options_.retention), cleaned.runs.size());
    }
    next_retention_ = now + std::chrono::hours(1);
  }
  return {};
}

Result<std::vector<SchedulerEvent>> Scheduler::WaitForWork(std::optional<Time> wake_at) {
  for (;;) {
    bool beat = job_id_.has_value() || attempts_.has_inflight() || options_.lease != nullptr;
    std::optional<Time> deadline = wake_at;
    if (beat && (!deadline || next_heartbeat_ < *deadline)) deadline = next_heartbeat_;
    auto events = queue_.WaitAndDrain(deadline);
    if (!events.empty() || !beat) return events;
    Time now = clock_.Now();
    if (wake_at && now >= *wake_at) return events;
    // Only the heartbeat timer: nothing changed that a plan would see.
    if (now >= next_heartbeat_) TRY(Heartbeat(now));
  }
}

Status Scheduler::Step(bool& stop) {
  auto drained = queue_.Drain();
  pending_.insert(pending_.end(), drained.begin(), drained.end());
  TRY(HandleEvents(stop));
  if (stop || OnlyRunFinished()) {
    stop = true;
    return {};
  }

  PlannerInput input = TRY(Snapshot());
  // The planner says why what does not start waits only when someone listens.
  WaitReport waits;
  Decisions decisions = Plan(input, observer_.on_waits ? &waits : nullptr);
  bool progress = false;
  TRY(ApplyDecisions(decisions, progress));
  waits_ = std::move(waits);
  NotifyWaits();
  if (OnlyRunFinished()) {
    stop = true;
    return {};
  }

  if (Time now = clock_.Now(); now >= next_heartbeat_) TRY(Heartbeat(now));
  if (progress) return {};  // decisions can enable more decisions: plan again at once

  auto events = TRY(WaitForWork(decisions.wake_at));
  pending_.insert(pending_.end(), events.begin(), events.end());
  return HandleEvents(stop);
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
  fmt::print(stderr,
             "weir: ERROR: the metadata database does not accept writes{}: {}; running tasks go "
             "on and what they report is kept, nothing new starts; retrying in {}\n",
             since, error.message, FormatDuration(store_retry_delay_));
  std::fflush(stderr);
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
    if (s) {
      if (store_failing_since_) {
        fmt::print(stderr, "weir: the metadata database accepts writes again after {}\n",
                   FormatDuration(clock_.Now() - *store_failing_since_));
        std::fflush(stderr);
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

Status Scheduler::RecordJob() {
  if (!options_.record_job || job_id_) return {};
  job_id_ = TRY(store_.AddSchedulerJob(ThisJob(clock_.Now())));
  return {};
}

Status Scheduler::Run() {
  if (options_.recover_orphans) TRY(attempts_.RecoverOrphans(registry_.dags()));
  std::unique_ptr<Watcher> watcher;
  if (options_.watch_dags || !options_.wake_file.empty()) {
    watcher = std::make_unique<Watcher>(
        queue_, options_.watch_dags ? registry_.dags_folder() : std::string(), options_.wake_file);
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
