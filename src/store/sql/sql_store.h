#pragma once

#include <functional>
#include <memory>
#include <string>

#include "store/metadata_store.h"
#include "store/sql/connection.h"
#include "store/sql/migrations.h"

namespace weir {

// The metadata store on an SQL database, written once for SQLite and PostgreSQL: every role
// (metadata_store.h) over one sql::Connection, so one Transaction() covers all of them. The
// database's part is its connection (how statements run, how a write transaction takes the
// write lock) and its schema (the DDL of each version); sqlite/sqlite_store.h and
// postgres/postgres_store.h open one.
class SqlStore : public MetadataStore {
 public:
  SqlStore(const SqlStore&) = delete;
  SqlStore& operator=(const SqlStore&) = delete;

  // The schema, and the transactions every role shares (sql_store.cc).
  Status Migrate() override;
  Result<int> SchemaVersion() override;
  int LatestSchemaVersion() const override;

  Status Transaction(const std::function<Status()>& fn) override;

  // DagStore (sql_store.cc).
  Status UpsertDag(const DagRow& dag) override;
  Result<DagRow> GetDag(const std::string& dag_id) override;
  Result<std::vector<DagRow>> ListDags() override;
  Status SetPaused(const std::string& dag_id, bool paused) override;
  Status SetActive(const std::string& dag_id, bool active) override;
  Result<int64_t> DeleteDag(const std::string& dag_id) override;

  Result<DagVersion> AddDagVersion(const std::string& dag_id, const std::string& hash,
                                   const std::string& source, const std::string& fileloc) override;
  Result<DagVersion> GetDagVersion(int64_t id) override;
  Result<std::vector<DagVersion>> ListDagVersions(const std::string& dag_id) override;

  Status SetImportError(const std::string& fileloc, const std::string& message) override;
  Status ClearImportError(const std::string& fileloc) override;
  Result<std::vector<ImportError>> ListImportErrors() override;

  // RunStore (sql_runs.cc).
  Status CreateRun(const DagRun& run, const std::vector<TaskInstance>& tasks) override;
  Result<DagRun> GetRun(const std::string& dag_id, const std::string& run_id) override;
  Status UpdateRun(const DagRun& run) override;
  Result<std::vector<DagRun>> ListRuns(const RunFilter& filter) override;  // sql_browse.cc
  Result<int64_t> CountRuns(const RunFilter& filter) override;
  Result<std::optional<DagRun>> LatestScheduledRun(const std::string& dag_id) override;
  Status DeleteRun(const std::string& dag_id, const std::string& run_id) override;

  Result<std::vector<TaskInstance>> ListTaskInstances(const std::string& dag_id,
                                                      const std::string& run_id) override;
  Result<std::vector<TaskInstance>> ListTaskInstances(const TaskInstanceFilter& filter) override;
  Result<int64_t> CountTaskInstances(const TaskInstanceFilter& filter) override;
  Result<std::vector<TaskInstance>> ListTaskInstancesOfActiveRuns() override;
  Result<int64_t> ChangeSeq() override;
  Result<StoreChanges> ChangesSince(int64_t seq) override;
  Result<std::vector<ActiveTaskCount>> CountActiveTasks() override;
  Result<TaskInstance> GetTaskInstance(const std::string& dag_id, const std::string& run_id,
                                       const std::string& task_id) override;
  Status UpdateTaskInstance(const TaskInstance& ti) override;
  Result<std::optional<TaskInstance>> PreviousTaskInstance(const std::string& dag_id,
                                                           const std::string& task_id,
                                                           Time logical_date) override;
  Result<std::vector<TaskInstance>> ListTaskInstancesOfDag(const std::string& dag_id,
                                                           int limit_runs) override;

  Status InsertTry(const TaskTry& t) override;
  Status UpdateTry(const TaskTry& t) override;
  Status UpdateFencedTry(const TaskTry& t, const std::string& token) override;
  Result<std::vector<TaskTry>> ListTries(const std::string& dag_id, const std::string& run_id,
                                         const std::string& task_id) override;
  Result<std::vector<TaskTry>> ListUnfinishedTries() override;
  Status HeartbeatRunningTries(Time now) override;

  Status SetNote(const Note& note) override;  // sql_browse.cc
  Result<std::vector<Note>> ListNotes(const std::string& dag_id,
                                      const std::string& run_id) override;

  Status SetXCom(const XComRow& x) override;
  Result<std::optional<XComRow>> GetXCom(const std::string& dag_id, const std::string& run_id,
                                         const std::string& task_id,
                                         const std::string& key) override;
  Result<std::vector<XComRow>> ListXComs(const std::string& dag_id,
                                         const std::string& run_id) override;
  Status ClearXComs(const std::string& dag_id, const std::string& run_id,
                    const std::string& task_id) override;

  // JobStore (sql_jobs.cc).
  Result<int64_t> AddSchedulerJob(const SchedulerJob& job) override;
  Status HeartbeatSchedulerJob(int64_t id, Time now) override;
  Status EndSchedulerJob(int64_t id, Time ended_at) override;
  Result<std::optional<SchedulerJob>> LatestSchedulerJob() override;
  Result<std::vector<SchedulerJob>> ListSchedulerJobs(Time since) override;
  Result<SchedulerLease> AcquireSchedulerLease(const SchedulerLease& lease, Time now,
                                               const std::string& replace_holder) override;
  Status RenewSchedulerLease(const std::string& name, const std::string& holder, Time now,
                             Time expires_at) override;
  Status ReleaseSchedulerLease(const std::string& name, const std::string& holder) override;
  Result<std::optional<SchedulerLease>> GetSchedulerLease(const std::string& name) override;
  Result<std::vector<SchedulerLease>> ListSchedulerLeases(const std::string& prefix) override;

  // ConfigStore (sql_store.cc).
  Status SetVariable(const Variable& v) override;
  Result<Variable> GetVariable(const std::string& key) override;
  Result<std::vector<Variable>> ListVariables() override;
  Status DeleteVariable(const std::string& key) override;

  Status SetConnection(const StoredConnection& c) override;
  Result<StoredConnection> GetConnection(const std::string& conn_id) override;
  Result<std::vector<StoredConnection>> ListConnections() override;
  Status DeleteConnection(const std::string& conn_id) override;

  Status SetPool(const Pool& p) override;
  Result<Pool> GetPool(const std::string& name) override;
  Result<std::vector<Pool>> ListPools() override;
  Status DeletePool(const std::string& name) override;

  // CatalogStore (sql_catalog.cc).
  Result<int64_t> RecordLakeObject(const LakeObject& obj) override;
  Result<std::vector<LakeObject>> ListLakeObjects(const std::string& prefix) override;
  Result<std::vector<LakeObject>> LakeObjectHistory(const std::string& uri) override;
  Result<std::optional<LakeObject>> FindLakeObjectBySource(const std::string& source_url) override;
  Status AddDatasetSchema(const DatasetSchema& schema) override;
  Result<std::vector<DatasetSchema>> ListDatasetSchemas(const std::string& dataset) override;
  Result<std::vector<DatasetSummary>> ListDatasets() override;

  // AuthStore (sql_users.cc).
  Result<int64_t> CreateUser(const User& user) override;
  Result<User> GetUser(const std::string& username) override;
  Result<User> GetUserById(int64_t id) override;
  Result<std::vector<User>> ListUsers() override;
  Status DeleteUser(const std::string& username) override;
  Status UpdateUser(const User& user) override;

  Result<int64_t> AddApiToken(const ApiToken& token) override;
  Result<std::optional<ApiToken>> FindApiTokenByHash(const std::string& token_hash) override;
  Result<std::vector<ApiToken>> ListApiTokens(int64_t user_id) override;
  Status DeleteApiToken(int64_t id) override;
  Status TouchApiToken(int64_t id, Time last_used_at) override;

  Status CreateSession(const WebSession& session) override;
  Result<std::optional<WebSession>> FindSessionByHash(const std::string& id_hash) override;
  Status TouchSession(const std::string& id_hash, Time last_seen_at, Time expires_at) override;
  Status DeleteSession(const std::string& id_hash) override;
  Result<int> DeleteSessionsOfUser(int64_t user_id) override;
  Result<int> DeleteExpiredSessions(Time now) override;

  // AuditStore (sql_audit.cc).
  Result<int64_t> AddAuditEvent(const AuditEvent& event) override;
  Result<AuditEvent> GetAuditEvent(int64_t id) override;
  Result<std::vector<AuditEvent>> ListAuditEvents(const AuditFilter& filter) override;
  Result<int64_t> CountAuditEvents(const AuditFilter& filter) override;
  Result<int> DeleteAuditEventsBefore(Time before) override;

  ~SqlStore() override;

 protected:
  // `now`: the time recorded in dag_version.created_at and import_error.timestamp; the system
  // clock when empty.
  SqlStore(std::unique_ptr<sql::Connection> db, sql::Schema schema, std::function<Time()> now);

  sql::Connection& db() { return *db_; }

 private:
  Time Now() const;
  // The change sequence number this write transaction stamps on the runs and task instances
  // it writes: the counter advanced once per transaction (the first call advances it). Every
  // row a transaction writes then has a number above the counter as it was before and at most
  // the counter as it commits, so ChangesSince(counter) misses nothing. Transaction only.
  Result<int64_t> WriteSeq();
  // Runs `fn` in the transaction under way, or in one of its own when there is none.
  Status InTransaction(const std::function<Status()>& fn) {
    return transaction_depth_ > 0 ? fn() : Transaction(fn);
  }
  // Rows of the run's task instances selected by `sql` (bound by `bind`), in order.
  Result<std::vector<TaskInstance>> QueryTaskInstances(
      std::string_view sql, const std::function<void(sql::Statement&)>& bind);
  Result<std::vector<TaskTry>> QueryTries(std::string_view sql,
                                          const std::function<void(sql::Statement&)>& bind);

  std::unique_ptr<sql::Connection> db_;
  sql::Schema schema_;
  std::function<Time()> now_;
  // Open Transaction() calls: 0 outside a transaction, 1 in BEGIN ... COMMIT, more inside
  // nested calls, which run in savepoints of the outer transaction.
  int transaction_depth_ = 0;
  std::optional<int64_t> write_seq_;  // WriteSeq()'s, until the transaction ends
};

}  // namespace weir
