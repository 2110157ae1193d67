#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/records.h"

namespace weir {

// Everything weir remembers: DAGs and their versions, runs, task instances, one row per try,
// XCom, import errors, variables and pools, the lake catalog, users with their API tokens and
// web sessions, the scheduler processes' heartbeats and the audit log. One interface, one
// implementation per database (sqlite/ now, postgres/ next); every implementation passes the same
// test suite.
//
// An instance is used by one thread at a time; each thread or process opens its own.
// Every method is atomic on its own; Transaction() groups several. Methods return
// kNotFound for a missing row, kAlreadyExists for a duplicate key, kUnavailable when the
// database is busy beyond its timeout.
class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Schema. Migrate() applies every pending migration in order, each in its own transaction,
  // and is a no-op when the schema is current.
  virtual Status Migrate() = 0;
  virtual Result<int> SchemaVersion() = 0;
  virtual int LatestSchemaVersion() const = 0;

  // Runs fn inside one transaction: committed when fn succeeds, rolled back when it fails.
  // Nested calls join the outer transaction.
  virtual Status Transaction(const std::function<Status()>& fn) = 0;

  // DAGs.
  virtual Status UpsertDag(const DagRow& dag) = 0;  // keeps is_paused of an existing row
  virtual Result<DagRow> GetDag(const std::string& dag_id) = 0;
  virtual Result<std::vector<DagRow>> ListDags() = 0;
  virtual Status SetPaused(const std::string& dag_id, bool paused) = 0;
  // Marks DAGs whose file is gone as inactive (their runs and history are kept).
  virtual Status SetActive(const std::string& dag_id, bool active) = 0;

  // DAG versions: AddDagVersion returns the existing version when one with the same
  // source hash exists for that DAG, else a new one with the next version_number.
  virtual Result<DagVersion> AddDagVersion(const std::string& dag_id, const std::string& hash,
                                           const std::string& source,
                                           const std::string& fileloc) = 0;
  virtual Result<DagVersion> GetDagVersion(int64_t id) = 0;
  virtual Result<std::vector<DagVersion>> ListDagVersions(const std::string& dag_id) = 0;

  // Import errors: one per file, replaced on every parse of that file.
  virtual Status SetImportError(const std::string& fileloc, const std::string& message) = 0;
  virtual Status ClearImportError(const std::string& fileloc) = 0;  // no error when none
  virtual Result<std::vector<ImportError>> ListImportErrors() = 0;

  // Runs. CreateRun inserts the run and one task instance per entry of `tasks` (state none)
  // atomically; kAlreadyExists when (dag_id, run_id) exists.
  virtual Status CreateRun(const DagRun& run, const std::vector<TaskInstance>& tasks) = 0;
  virtual Result<DagRun> GetRun(const std::string& dag_id, const std::string& run_id) = 0;
  virtual Status UpdateRun(const DagRun& run) = 0;
  virtual Result<std::vector<DagRun>> ListRuns(const RunFilter& filter) = 0;
  // The scheduled run with the latest logical date, the anchor of the next interval.
  virtual Result<std::optional<DagRun>> LatestScheduledRun(const std::string& dag_id) = 0;
  virtual Status DeleteRun(const std::string& dag_id, const std::string& run_id) = 0;

  // Task instances.
  virtual Result<std::vector<TaskInstance>> ListTaskInstances(const std::string& dag_id,
                                                              const std::string& run_id) = 0;
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

  // Tries: one row per attempt. InsertTry: kAlreadyExists for a recorded try number,
  // kNotFound when the task instance does not exist. UpdateTry: kNotFound when missing.
  virtual Status InsertTry(const TaskTry& t) = 0;
  virtual Status UpdateTry(const TaskTry& t) = 0;
  virtual Result<std::vector<TaskTry>> ListTries(const std::string& dag_id,
                                                 const std::string& run_id,
                                                 const std::string& task_id) = 0;
  // Tries in state queued or running, in any run.
  virtual Result<std::vector<TaskTry>> ListUnfinishedTries() = 0;
  // Sets heartbeat_at = now for every running try.
  virtual Status HeartbeatRunningTries(Time now) = 0;

  // Scheduler jobs: one row per scheduler process, so others can tell whether one is alive.
  // AddSchedulerJob records a started scheduler and returns its id (it also deletes jobs
  // whose last heartbeat is more than 7 days before job.started_at). HeartbeatSchedulerJob
  // sets heartbeat_at and EndSchedulerJob sets ended_at; both kNotFound when missing.
  // LatestSchedulerJob: the running job (ended_at unset) with the newest heartbeat, else
  // the ended one with the newest heartbeat; nullopt when no scheduler ever ran.
  virtual Result<int64_t> AddSchedulerJob(const SchedulerJob& job) = 0;
  virtual Status HeartbeatSchedulerJob(int64_t id, Time now) = 0;
  virtual Status EndSchedulerJob(int64_t id, Time ended_at) = 0;
  virtual Result<std::optional<SchedulerJob>> LatestSchedulerJob() = 0;

  // Scheduler leases, atomic on their own (one conditional upsert):
  // AcquireSchedulerLease stores `lease` (acquired_at = heartbeat_at = now) when no lease of
  // that name exists, when the stored one expired (expires_at <= now), when lease.holder
  // holds it already, or when its holder is `replace_holder` (a holder the caller knows is
  // dead). Returns the lease as stored afterwards: the caller holds it exactly when the
  // returned holder is lease.holder. RenewSchedulerLease moves heartbeat_at and expires_at;
  // kFailedPrecondition when `holder` no longer holds the lease. ReleaseSchedulerLease
  // deletes it when `holder` holds it (no error otherwise).
  virtual Result<SchedulerLease> AcquireSchedulerLease(const SchedulerLease& lease, Time now,
                                                       const std::string& replace_holder) = 0;
  virtual Status RenewSchedulerLease(const std::string& name, const std::string& holder, Time now,
                                     Time expires_at) = 0;
  virtual Status ReleaseSchedulerLease(const std::string& name, const std::string& holder) = 0;
  virtual Result<std::optional<SchedulerLease>> GetSchedulerLease(const std::string& name) = 0;

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

  // Variables.
  virtual Status SetVariable(const Variable& v) = 0;
  virtual Result<Variable> GetVariable(const std::string& key) = 0;
  virtual Result<std::vector<Variable>> ListVariables() = 0;
  virtual Status DeleteVariable(const std::string& key) = 0;

  // Pools. `default_pool` (128 slots) exists after Migrate().
  virtual Status SetPool(const Pool& p) = 0;
  virtual Result<Pool> GetPool(const std::string& name) = 0;
  virtual Result<std::vector<Pool>> ListPools() = 0;
  virtual Status DeletePool(const std::string& name) = 0;  // default_pool cannot be deleted

  // The lake catalog.
  // Records a new version of obj.uri (its id and created_at are set by the store when zero)
  // and marks the previous current version of that URI replaced; returns the new id.
  virtual Result<int64_t> RecordLakeObject(const LakeObject& obj) = 0;
  // Current objects whose URI starts with `prefix`, by URI.
  virtual Result<std::vector<LakeObject>> ListLakeObjects(const std::string& prefix) = 0;
  // Every version of `uri`, newest first; empty when weir never wrote it.
  virtual Result<std::vector<LakeObject>> LakeObjectHistory(const std::string& uri) = 0;
  // The newest current object made from `source_url`, or nullopt.
  virtual Result<std::optional<LakeObject>> FindLakeObjectBySource(
      const std::string& source_url) = 0;
  // Schema history: AddDatasetSchema fails with kAlreadyExists for a recorded version.
  virtual Status AddDatasetSchema(const DatasetSchema& schema) = 0;
  virtual Result<std::vector<DatasetSchema>> ListDatasetSchemas(const std::string& dataset) = 0;
  virtual Result<std::vector<DatasetSummary>> ListDatasets() = 0;

  // Users. CreateUser returns the new id; kAlreadyExists for a taken username,
  // kInvalidArgument for a role other than admin, op or viewer. created_at and updated_at
  // are set by the store when zero.
  virtual Result<int64_t> CreateUser(const User& user) = 0;
  virtual Result<User> GetUser(const std::string& username) = 0;  // kNotFound when missing
  virtual Result<User> GetUserById(int64_t id) = 0;               // kNotFound when missing
  virtual Result<std::vector<User>> ListUsers() = 0;              // by username
  // Deletes the user with its API tokens and sessions; kNotFound when missing.
  virtual Status DeleteUser(const std::string& username) = 0;
  // Writes role, password_hash, failed_logins, locked_until and last_login_at of the user
  // with user.id (the username and created_at are kept) and sets updated_at to user.updated_at,
  // or to now when that is zero. kNotFound when missing.
  virtual Status UpdateUser(const User& user) = 0;

  // API tokens. AddApiToken returns the new id (created_at set when zero); kAlreadyExists
  // when the user has a token of that name (or the hash is taken), kNotFound when the user
  // does not exist.
  virtual Result<int64_t> AddApiToken(const ApiToken& token) = 0;
  // The token with that hash, expired or not; nullopt when none.
  virtual Result<std::optional<ApiToken>> FindApiTokenByHash(const std::string& token_hash) = 0;
  virtual Result<std::vector<ApiToken>> ListApiTokens(int64_t user_id) = 0;  // by name
  virtual Status DeleteApiToken(int64_t id) = 0;                    // kNotFound when missing
  virtual Status TouchApiToken(int64_t id, Time last_used_at) = 0;  // kNotFound when missing

  // Web sessions. CreateSession: kNotFound when the user does not exist.
  virtual Status CreateSession(const WebSession& session) = 0;
  // The session with that hash, expired or not; nullopt when none.
  virtual Result<std::optional<WebSession>> FindSessionByHash(const std::string& id_hash) = 0;
  // Records a request at last_seen_at and moves the expiry; kNotFound when missing.
  virtual Status TouchSession(const std::string& id_hash, Time last_seen_at, Time expires_at) = 0;
  virtual Status DeleteSession(const std::string& id_hash) = 0;  // no error when none
  // Logs the user out everywhere (after a password reset); returns how many were deleted.
  virtual Result<int> DeleteSessionsOfUser(int64_t user_id) = 0;
  // Deletes sessions with expires_at <= now; returns how many.
  virtual Result<int> DeleteExpiredSessions(Time now) = 0;

  // The audit log. AddAuditEvent returns the new id (when set to now when zero). Callers add
  // an event inside the Transaction() of the change it records, so both or neither are kept.
  // ListAuditEvents: newest first (by when, then id), one page of `filter`; CountAuditEvents:
  // how many match, without limit and offset. DeleteAuditEventsBefore removes events with
  // when < before and returns how many.
  virtual Result<int64_t> AddAuditEvent(const AuditEvent& event) = 0;
  virtual Result<AuditEvent> GetAuditEvent(int64_t id) = 0;  // kNotFound when missing
  virtual Result<std::vector<AuditEvent>> ListAuditEvents(const AuditFilter& filter) = 0;
  virtual Result<int64_t> CountAuditEvents(const AuditFilter& filter) = 0;
  virtual Result<int> DeleteAuditEventsBefore(Time before) = 0;
};

}  // namespace weir
