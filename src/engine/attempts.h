#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "engine/dag_registry.h"
#include "env/clock.h"
#include "exec/executor.h"
#include "model/template.h"
#include "ops/operator.h"
#include "store/metadata_store.h"

namespace weir {

// Where attempts put their files.
struct AttemptPaths {
  std::string dags_folder;
  std::string logs_folder;      // logs/<dag_id>/<run_id>/<task_id>/attempt-<n>.log
  std::string work_folder;      // work/<dag_id>/<run_id>/<task_id>/: the task's scratch area
  std::string lake_uri;         // the default lake (lake://<key>), given to tasks as WEIR_LAKE
  std::string home;             // $WEIR_HOME (absolute), given to tasks so that native operators
                                // read the same configuration; empty: not set
  std::string secret_key_file;  // the keys that open stored connections (env/seal_keys.h)
};

// What a log reader shows for a try that ran no process (its log_path is empty).
std::string NoLogNote(int try_number);

// The template context of one try: Airflow's names, with XCom, variables and connections
// read from the store (connections opened with the keys of `secret_key_file`), variables
// overridable by WEIR_VAR_<NAME> and connections by WEIR_CONN_<ID> environment variables.
TemplateContext MakeTemplateContext(const DagSpec& spec, const DagRun& run,
                                    const std::string& task_id, int try_number,
                                    MetadataStore& store, const std::string& secret_key_file);

// Looks a variable up: the environment's WEIR_VAR_<KEY upper-cased> first, then the store.
Result<std::string> LookupVariable(MetadataStore& store, std::string_view key);

// What must never be shown: the value of every secret variable, and the WEIR_VAR_<KEY>
// environment value that overrides it in this process; every connection's password and
// sensitive extra fields (stored ones, opened with the keys of `secret_key_file`, and
// WEIR_CONN_* ones). Every output weir makes (a try's log, its rendered arguments and error,
// API answers, CLI output) passes it.
Result<std::vector<std::string>> LoadSecretValues(MetadataStore& store,
                                                  const std::string& secret_key_file);
Result<SecretMasker> LoadSecretMasker(MetadataStore& store, const std::string& secret_key_file);

// A try made ready to run: its operator, its rendered arguments and its process (whose
// spec.masker hides the secret variables in its log).
struct PreparedAttempt {
  const Operator* op = nullptr;
  Json args;
  AttemptSpec spec;
};

// Renders `task`'s arguments for `run` and try `try_number`, and asks its operator for the
// process (with the log header and the WEIR_* / AIRFLOW_CTX_* environment). Records
// nothing. `masker`: LoadSecretMasker's, for the log and the spec. An attempt that runs no
// process (an `empty` task) has no log: its spec's log_path is empty. Errors: unknown
// operator, a template that does not render, bad arguments.
Result<PreparedAttempt> PrepareAttempt(const DagSpec& spec, const DagRun& run, const TaskSpec& task,
                                       int try_number, int max_tries, MetadataStore& store,
                                       const SecretMasker& masker, const AttemptPaths& paths,
                                       Time now);

// The task instance after a try ended with `outcome`: success or skipped; failed, or
// up_for_retry with next_retry_at when tries remain (task == nullptr: no retry).
TaskInstance ApplyOutcome(TaskInstance ti, const TaskSpec* task, const TaskOutcome& outcome,
                          Time now);

// Starts and finishes attempts on behalf of the scheduler loop: bumps try numbers, renders
// arguments, asks the operator for its process, records each try, and turns executor
// events into task instance states. Not thread-safe: the loop's thread only.
class AttemptManager {
 public:
  AttemptManager(MetadataStore& store, const Clock& clock, AttemptPaths paths);

  // The next try of a task instance, as Prepare recorded it: the spec to hand to the
  // executor (nullopt when the try failed before it could start: bad template, bad argument;
  // that is recorded as a failed try, with the retry policy applied), and the task instance
  // as recorded.
  struct Prepared {
    std::optional<AttemptSpec> spec;
    TaskInstance ti;
  };
  // Prepares the next try of `ti`, which the planner chose to start, and records it (the try
  // and the task instance as queued). `masker`: LoadSecretMasker's, read in the same
  // transaction (one serves every try a transaction prepares). Must run inside a transaction.
  Result<Prepared> Prepare(const LoadedDag& dag, const DagRun& run, TaskInstance ti,
                           const SecretMasker& masker);

  // Records an executor event. Returns the task instance as it changed (nothing when it had
  // moved on). Applying the same event again after its transaction rolled back gives the
  // same result: the attempt is remembered until Forget(), which the caller calls once a
  // kFinished event (or a Prepare whose spec will not be submitted) is committed or
  // abandoned.
  // `known` is the task instance as the caller holds it within this transaction (its state
  // read from the store and kept up to date); it is read from the store when null.
  Result<std::vector<TaskInstance>> Apply(const AttemptEvent& event,
                                          const TaskInstance* known = nullptr);
  // Records the start and the end of one attempt at once (an attempt that started and ended
  // since the loop last looked: an `empty` task, a quick process), as Apply(started) then
  // Apply(finished) would, with half the writes. Returns the task instance as running and
  // as ended, for observers (empty when it had moved on).
  Result<std::vector<TaskInstance>> ApplyStartAndEnd(const AttemptEvent& started,
                                                     const AttemptEvent& finished,
                                                     const TaskInstance* known = nullptr);
  void Forget(const AttemptKey& key);

  // How the end of an attempt this process did not prepare finds its task (for the retry
  // policy): a remote executor's attempts outlive the scheduler that submitted them.
  using TaskLookup =
      std::function<const TaskSpec*(const std::string& dag_id, const std::string& task_id)>;
  void set_task_lookup(TaskLookup lookup) { task_lookup_ = std::move(lookup); }

  // Records that attempts this process did not finish (after a crash or restart) were lost:
  // kills every process left of them (found by their try key, see orphans.h), fails the
  // tries saying what was found, and retries per policy. Only the lease holder may call it.
  // Task instances left scheduled or queued without a try go back to none.
  Status RecoverOrphans(const std::map<std::string, LoadedDag>& dags);
  // For a remote executor (its attempts run on workers and outlive a scheduler): hands it
  // every try the store says is queued or running, to watch (Executor::Adopt). Task
  // instances chosen but never queued go back to none. `only_dags`: those DAGs' only
  // (several schedulers: the DAGs this one took over); nullptr: every DAG.
  // A try still queued (never started) is made again from `dags` and handed over whole
  // (Executor::AdoptQueued), so one whose message was never sent is sent, not failed.
  Status AdoptRemote(Executor& executor, const std::map<std::string, LoadedDag>& dags,
                     const std::set<std::string>* only_dags = nullptr);
  // Forgets the attempts of a DAG another scheduler took over (they are its to record).
  void ForgetDag(const std::string& dag_id);

  bool has_inflight() const { return !inflight_.empty(); }
  // This machine's name, as recorded in tries.
  const std::string& hostname() const { return hostname_; }

 private:
  struct Inflight {
    const Operator* op = nullptr;
    Json args;
    std::shared_ptr<const DagSpec> spec;
    SecretMasker masker;  // as the try's log: its error is masked the same way
    TaskTry row;          // the try as this process last wrote it (no one else writes it)
  };
  // The try of `key` as last written: remembered for an attempt this process prepared, else
  // read from the store.
  Result<TaskTry> TryOf(const AttemptKey& key);
  // The try and the task instance as the attempt's end makes them, recorded (the task
  // instance only when `current`, with its XCom).
  Status RecordEnd(const AttemptEvent& event, TaskTry& t, TaskInstance& ti, bool current);
  // The task instance of `key`: `known` when given, else the store's.
  Result<TaskInstance> Current(const AttemptKey& key, const TaskInstance* known);
  // A report from a remote executor (it carries a token) must name the try's key and a try
  // that has not ended: kFailedPrecondition otherwise (a zombie worker's late report).
  Status CheckFence(const AttemptEvent& event, const TaskTry& t) const;
  // Writes the try as the event left it: fenced by the event's token when it has one.
  Status WriteTry(const AttemptEvent& event, TaskTry& t);
  // The attempt of try `t` (queued, not started) made again as Prepare made it; nullopt when
  // its DAG, task or run is gone or its arguments no longer render.
  Result<std::optional<AttemptSpec>> Remake(const std::map<std::string, LoadedDag>& dags,
                                            const TaskTry& t, const SecretMasker& masker);
  Result<TaskInstance> FailBeforeStart(TaskInstance ti, TaskTry t, const TaskSpec* task,
                                       const SecretMasker& masker, const std::string& error);

  MetadataStore& store_;
  const Clock& clock_;
  AttemptPaths paths_;
  std::string hostname_;
  std::map<std::string, Inflight> inflight_;  // by AttemptKey::ToString()
  TaskLookup task_lookup_;
};

}  // namespace weir
