// SqliteStore: runs, task instances, tries and XCom: the scheduler's hot path.
#include <utility>

#include "base/ids.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {

using sqlite::Statement;

namespace {

std::string RunName(const std::string& dag_id, const std::string& run_id) {
  return fmt::format("run '{}' of DAG '{}'", run_id, dag_id);
}

std::string TaskInstanceName(const std::string& dag_id, const std::string& run_id,
                             const std::string& task_id) {
  return fmt::format("task '{}' in run '{}' of DAG '{}'", task_id, run_id, dag_id);
}

// The parameter of a row's change sequence number: the one after its columns'.
const int kRunSeqParam = sqlite::ColumnCount(sqlite::kRunColumns) + 1;
const int kTaskInstanceSeqParam = sqlite::ColumnCount(sqlite::kTaskInstanceColumns) + 1;

}  // namespace

// Runs.

Status SqliteStore::CreateRun(const DagRun& run, const std::vector<TaskInstance>& tasks) {
  TRY(CheckId(IdKind::kDag, run.dag_id));
  TRY(CheckId(IdKind::kRun, run.run_id));
  // The change sequence number is the last parameter (WriteSeq).
  static const std::string kInsertRun =
      fmt::format("INSERT INTO dag_run ({}, change_seq) VALUES ({}, ?{})", sqlite::kRunColumns,
                  sqlite::Placeholders(sqlite::kRunColumns), kRunSeqParam);
  static const std::string kInsertTask = fmt::format(
      "INSERT INTO task_instance ({}, change_seq) VALUES ({}, ?{})", sqlite::kTaskInstanceColumns,
      sqlite::Placeholders(sqlite::kTaskInstanceColumns), kTaskInstanceSeqParam);
  return Transaction([&]() -> Status {
    const int64_t seq = TRY(WriteSeq());
    auto insert_run = TRY(db_->Prepare(kInsertRun));
    sqlite::BindRun(insert_run, run);
    insert_run.Bind(kRunSeqParam, seq);
    if (Status inserted = insert_run.Run(); !inserted.has_value()) {
      if (inserted.error().code == ErrorCode::kAlreadyExists) {
        return Err(ErrorCode::kAlreadyExists, "{} exists already", RunName(run.dag_id, run.run_id));
      }
      return std::unexpected(inserted.error().Wrap("creating " + RunName(run.dag_id, run.run_id)));
    }
    auto insert_task = TRY(db_->Prepare(kInsertTask));
    for (const TaskInstance& task : tasks) {
      TaskInstance ti = task;
      ti.dag_id = run.dag_id;
      ti.run_id = run.run_id;
      sqlite::BindTaskInstance(insert_task, ti);
      insert_task.Bind(kTaskInstanceSeqParam, seq);
      TRY_CONTEXT(insert_task.Run(),
                  "creating " + TaskInstanceName(ti.dag_id, ti.run_id, ti.task_id));
    }
    return {};
  });
}

Result<DagRun> SqliteStore::GetRun(const std::string& dag_id, const std::string& run_id) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM dag_run WHERE dag_id = ?1 AND run_id = ?2", sqlite::kRunColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dag_id).Bind(2, run_id);
  auto run = TRY(sqlite::FirstRow(select, sqlite::ReadRun));
  if (!run.has_value()) return Err(ErrorCode::kNotFound, "no {}", RunName(dag_id, run_id));
  return *std::move(run);
}

Status SqliteStore::UpdateRun(const DagRun& run) {
  static const std::string kSql = fmt::format(
      "UPDATE dag_run SET ({}, change_seq) = ({}, ?{}) WHERE dag_id = ?1 AND run_id = ?2",
      sqlite::kRunColumns, sqlite::Placeholders(sqlite::kRunColumns), kRunSeqParam);
  return InTransaction([&]() -> Status {
    auto update = TRY(db_->Prepare(kSql));
    sqlite::BindRun(update, run);
    update.Bind(kRunSeqParam, TRY(WriteSeq()));
    TRY(update.Run());
    if (db_->Changes() == 0)
      return Err(ErrorCode::kNotFound, "no {}", RunName(run.dag_id, run.run_id));
    return {};
  });
}

Result<std::optional<DagRun>> SqliteStore::LatestScheduledRun(const std::string& dag_id) {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM dag_run WHERE dag_id = ?1 AND run_type = 'scheduled' "
      "ORDER BY logical_date DESC LIMIT 1",
      sqlite::kRunColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dag_id);
  return sqlite::FirstRow(select, sqlite::ReadRun);
}

Status SqliteStore::DeleteRun(const std::string& dag_id, const std::string& run_id) {
  // Task instances, their tries and the run's XComs go with it (ON DELETE CASCADE).
  auto remove = TRY(db_->Prepare("DELETE FROM dag_run WHERE dag_id = ?1 AND run_id = ?2"));
  TRY(remove.Bind(1, dag_id).Bind(2, run_id).Run());
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no {}", RunName(dag_id, run_id));
  return {};
}

// Task instances.

Result<std::vector<TaskInstance>> SqliteStore::QueryTaskInstances(
    std::string_view sql, const std::function<void(Statement&)>& bind) {
  auto select = TRY(db_->Prepare(sql));
  bind(select);
  return sqlite::CollectRows(select, sqlite::ReadTaskInstance);
}

Result<std::vector<TaskInstance>> SqliteStore::ListTaskInstances(const std::string& dag_id,
                                                                 const std::string& run_id) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM task_instance WHERE dag_id = ?1 AND run_id = ?2 ORDER BY task_id",
                  sqlite::kTaskInstanceColumns);
  return QueryTaskInstances(kSql, [&](Statement& s) { s.Bind(1, dag_id).Bind(2, run_id); });
}

Result<std::vector<TaskInstance>> SqliteStore::ListTaskInstancesOfActiveRuns() {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM dag_run r JOIN task_instance ti ON ti.dag_id = r.dag_id AND "
      "ti.run_id = r.run_id WHERE r.state IN ('queued', 'running') "
      "ORDER BY ti.dag_id, r.logical_date, ti.run_id, ti.task_id",
      sqlite::Qualified(sqlite::kTaskInstanceColumns, "ti"));
  return QueryTaskInstances(kSql, [](Statement&) {});
}

Result<int64_t> SqliteStore::ChangeSeq() {
  auto select = TRY(db_->Prepare("SELECT seq FROM change_counter WHERE id = 1"));
  auto seq = TRY(
      sqlite::FirstRow(select, [](const Statement& st) -> Result<int64_t> { return st.Int64(0); }));
  if (!seq) return Err(ErrorCode::kInternal, "the change_counter row is missing");
  return *seq;
}

Result<StoreChanges> SqliteStore::ChangesSince(int64_t seq) {
  StoreChanges out;
  out.seq = TRY(ChangeSeq());
  static const std::string kRuns = fmt::format(
      "SELECT {} FROM dag_run WHERE change_seq > ?1 ORDER BY change_seq", sqlite::kRunColumns);
  auto runs = TRY(db_->Prepare(kRuns));
  runs.Bind(1, seq);
  out.runs = TRY(sqlite::CollectRows(runs, sqlite::ReadRun));
  static const std::string kTis =
      fmt::format("SELECT {} FROM task_instance WHERE change_seq > ?1 ORDER BY change_seq",
                  sqlite::kTaskInstanceColumns);
  out.tis = TRY(QueryTaskInstances(kTis, [&](Statement& st) { st.Bind(1, seq); }));
  auto count =
      TRY(db_->Prepare("SELECT COUNT(*) FROM dag_run WHERE state IN ('queued', 'running')"));
  out.active_runs = TRY(sqlite::FirstRow(count, [](const Statement& st) -> Result<int64_t> {
                      return st.Int64(0);
                    })).value_or(0);
  return out;
}

Result<TaskInstance> SqliteStore::GetTaskInstance(const std::string& dag_id,
                                                  const std::string& run_id,
                                                  const std::string& task_id) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM task_instance WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3",
                  sqlite::kTaskInstanceColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dag_id).Bind(2, run_id).Bind(3, task_id);
  auto ti = TRY(sqlite::FirstRow(select, sqlite::ReadTaskInstance));
  if (!ti.has_value()) {
    return Err(ErrorCode::kNotFound, "no {}", TaskInstanceName(dag_id, run_id, task_id));
  }
  return *std::move(ti);
}

Status SqliteStore::UpdateTaskInstance(const TaskInstance& ti) {
  // One UPSERT: no read before the write on the scheduler's hot path.
  static const std::string kSql = fmt::format(
      "INSERT INTO task_instance ({}, change_seq) VALUES ({}, ?{}) "
      "ON CONFLICT (dag_id, run_id, task_id) DO UPDATE SET {}, change_seq = excluded.change_seq",
      sqlite::kTaskInstanceColumns, sqlite::Placeholders(sqlite::kTaskInstanceColumns),
      kTaskInstanceSeqParam, sqlite::ExcludedAssignments(sqlite::kTaskInstanceColumns, 3));
  return InTransaction([&]() -> Status {
    auto upsert = TRY(db_->Prepare(kSql));
    sqlite::BindTaskInstance(upsert, ti);
    upsert.Bind(kTaskInstanceSeqParam, TRY(WriteSeq()));
    TRY_CONTEXT(upsert.Run(), "updating " + TaskInstanceName(ti.dag_id, ti.run_id, ti.task_id));
    return {};
  });
}

Result<std::optional<TaskInstance>> SqliteStore::PreviousTaskInstance(const std::string& dag_id,
                                                                      const std::string& task_id,
                                                                      Time logical_date) {
  // The task in the run just before: nullopt when there is no earlier run, or when that
  // run has no such task (it was added to the DAG later).
  static const std::string kSql = fmt::format(
      "SELECT {} FROM task_instance WHERE dag_id = ?1 AND task_id = ?2 AND run_id = "
      "(SELECT run_id FROM dag_run WHERE dag_id = ?1 AND logical_date < ?3 "
      "ORDER BY logical_date DESC LIMIT 1)",
      sqlite::kTaskInstanceColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dag_id).Bind(2, task_id);
  sqlite::BindTime(select, 3, logical_date);
  return sqlite::FirstRow(select, sqlite::ReadTaskInstance);
}

Result<std::vector<TaskInstance>> SqliteStore::ListTaskInstancesOfDag(const std::string& dag_id,
                                                                      int limit_runs) {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM (SELECT run_id, logical_date FROM dag_run WHERE dag_id = ?1 "
      "ORDER BY logical_date DESC LIMIT ?2) r JOIN task_instance ti "
      "ON ti.dag_id = ?1 AND ti.run_id = r.run_id "
      "ORDER BY r.logical_date DESC, ti.run_id, ti.task_id",
      sqlite::Qualified(sqlite::kTaskInstanceColumns, "ti"));
  return QueryTaskInstances(kSql, [&](Statement& s) {
    s.Bind(1, dag_id).Bind(2, int64_t{limit_runs > 0 ? limit_runs : -1});
  });
}

}  // namespace weir
