// SqlStore: runs, task instances, tries and XCom: the scheduler's hot path.
#include <utility>

#include "base/ids.h"
#include "store/sql/rows.h"
#include "store/sql/sql_store.h"

namespace weir {

using sql::Statement;

namespace {

std::string RunName(const std::string& dag_id, const std::string& run_id) {
  return fmt::format("run '{}' of DAG '{}'", run_id, dag_id);
}

std::string TaskInstanceName(const std::string& dag_id, const std::string& run_id,
                             const std::string& task_id) {
  return fmt::format("task '{}' in run '{}' of DAG '{}'", task_id, run_id, dag_id);
}

// The parameter of a row's change sequence number: the one after its columns'.
const int kRunSeqParam = sql::ColumnCount(sql::kRunColumns) + 1;
const int kTaskInstanceSeqParam = sql::ColumnCount(sql::kTaskInstanceColumns) + 1;

}  // namespace

// Runs.

Status SqlStore::CreateRun(const DagRun& run, const std::vector<TaskInstance>& tasks) {
  TRY(CheckId(IdKind::kDag, run.dag_id));
  TRY(CheckId(IdKind::kRun, run.run_id));
  // The change sequence number is the last parameter (WriteSeq).
  static const std::string kInsertRun =
      fmt::format("INSERT INTO dag_run ({}, change_seq) VALUES ({}, ?{})", sql::kRunColumns,
                  sql::Placeholders(sql::kRunColumns), kRunSeqParam);
  static const std::string kInsertTask = fmt::format(
      "INSERT INTO task_instance ({}, change_seq) VALUES ({}, ?{})", sql::kTaskInstanceColumns,
      sql::Placeholders(sql::kTaskInstanceColumns), kTaskInstanceSeqParam);
  return Transaction([&]() -> Status {
    const int64_t seq = TRY(WriteSeq());
    auto insert_run = TRY(db_->Prepare(kInsertRun));
    sql::BindRun(insert_run, run);
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
      sql::BindTaskInstance(insert_task, ti);
      insert_task.Bind(kTaskInstanceSeqParam, seq);
      TRY_CONTEXT(insert_task.Run(),
                  "creating " + TaskInstanceName(ti.dag_id, ti.run_id, ti.task_id));
    }
    return {};
  });
}

Result<DagRun> SqlStore::GetRun(const std::string& dag_id, const std::string& run_id) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM dag_run WHERE dag_id = ?1 AND run_id = ?2", sql::kRunColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dag_id).Bind(2, run_id);
  auto run = TRY(sql::FirstRow(select, sql::ReadRun));
  if (!run.has_value()) return Err(ErrorCode::kNotFound, "no {}", RunName(dag_id, run_id));
  return *std::move(run);
}

Status SqlStore::UpdateRun(const DagRun& run) {
  static const std::string kSql = fmt::format(
      "UPDATE dag_run SET ({}, change_seq) = ({}, ?{}) WHERE dag_id = ?1 AND run_id = ?2",
      sql::kRunColumns, sql::Placeholders(sql::kRunColumns), kRunSeqParam);
  return InTransaction([&]() -> Status {
    auto update = TRY(db_->Prepare(kSql));
    sql::BindRun(update, run);
    update.Bind(kRunSeqParam, TRY(WriteSeq()));
    TRY(update.Run());
    if (db_->Changes() == 0)
      return Err(ErrorCode::kNotFound, "no {}", RunName(run.dag_id, run.run_id));
    return {};
  });
}

Result<std::optional<DagRun>> SqlStore::LatestScheduledRun(const std::string& dag_id) {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM dag_run WHERE dag_id = ?1 AND run_type = 'scheduled' "
      "ORDER BY logical_date DESC LIMIT 1",
      sql::kRunColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dag_id);
  return sql::FirstRow(select, sql::ReadRun);
}

Status SqlStore::DeleteRun(const std::string& dag_id, const std::string& run_id) {
  // Task instances, their tries and the run's XComs go with it (ON DELETE CASCADE).
  auto remove = TRY(db_->Prepare("DELETE FROM dag_run WHERE dag_id = ?1 AND run_id = ?2"));
  TRY(remove.Bind(1, dag_id).Bind(2, run_id).Run());
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no {}", RunName(dag_id, run_id));
  return {};
}

// Task instances.

Result<std::vector<TaskInstance>> SqlStore::QueryTaskInstances(
    std::string_view sql, const std::function<void(Statement&)>& bind) {
  auto select = TRY(db_->Prepare(sql));
  bind(select);
  return sql::CollectRows(select, sql::ReadTaskInstance);
}

Result<std::vector<TaskInstance>> SqlStore::ListTaskInstances(const std::string& dag_id,
                                                              const std::string& run_id) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM task_instance WHERE dag_id = ?1 AND run_id = ?2 ORDER BY task_id",
                  sql::kTaskInstanceColumns);
  return QueryTaskInstances(kSql, [&](Statement& s) { s.Bind(1, dag_id).Bind(2, run_id); });
}

Result<std::vector<TaskInstance>> SqlStore::ListTaskInstancesOfActiveRuns() {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM dag_run r JOIN task_instance ti ON ti.dag_id = r.dag_id AND "
      "ti.run_id = r.run_id WHERE r.state IN ('queued', 'running') "
      "ORDER BY ti.dag_id, r.logical_date, ti.run_id, ti.task_id",
      sql::Qualified(sql::kTaskInstanceColumns, "ti"));
  return QueryTaskInstances(kSql, [](Statement&) {});
}

Result<int64_t> SqlStore::ChangeSeq() {
  auto select = TRY(db_->Prepare("SELECT seq FROM change_counter WHERE id = 1"));
  auto seq = TRY(
      sql::FirstRow(select, [](const Statement& st) -> Result<int64_t> { return st.Int64(0); }));
  if (!seq) return Err(ErrorCode::kInternal, "the change_counter row is missing");
  return *seq;
}

Result<StoreChanges> SqlStore::ChangesSince(int64_t seq) {
  StoreChanges out;
  out.seq = TRY(ChangeSeq());
  static const std::string kRuns = fmt::format(
      "SELECT {} FROM dag_run WHERE change_seq > ?1 ORDER BY change_seq", sql::kRunColumns);
  auto runs = TRY(db_->Prepare(kRuns));
  runs.Bind(1, seq);
  out.runs = TRY(sql::CollectRows(runs, sql::ReadRun));
  static const std::string kTis =
      fmt::format("SELECT {} FROM task_instance WHERE change_seq > ?1 ORDER BY change_seq",
                  sql::kTaskInstanceColumns);
  out.tis = TRY(QueryTaskInstances(kTis, [&](Statement& st) { st.Bind(1, seq); }));
  auto count = TRY(db_->Prepare(
      "SELECT dag_id, COUNT(*) FROM dag_run WHERE state IN ('queued', 'running') GROUP BY dag_id"));
  while (TRY(count.Step())) {
    out.active_runs_by_dag[count.Text(0)] = count.Int64(1);
    out.active_runs += count.Int64(1);
  }
  return out;
}

Result<std::vector<ActiveTaskCount>> SqlStore::CountActiveTasks() {
  auto select = TRY(db_->Prepare(
      "SELECT dag_id, pool, COUNT(*), SUM(pool_slots) FROM task_instance "
      "WHERE state IN ('queued', 'running') GROUP BY dag_id, pool ORDER BY dag_id, pool"));
  return sql::CollectRows(select, [](const Statement& st) -> Result<ActiveTaskCount> {
    return ActiveTaskCount{
        .dag_id = st.Text(0), .pool = st.Text(1), .tasks = st.Int64(2), .slots = st.Int64(3)};
  });
}

Result<TaskInstance> SqlStore::GetTaskInstance(const std::string& dag_id, const std::string& run_id,
                                               const std::string& task_id) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM task_instance WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3",
                  sql::kTaskInstanceColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dag_id).Bind(2, run_id).Bind(3, task_id);
  auto ti = TRY(sql::FirstRow(select, sql::ReadTaskInstance));
  if (!ti.has_value()) {
    return Err(ErrorCode::kNotFound, "no {}", TaskInstanceName(dag_id, run_id, task_id));
  }
  return *std::move(ti);
}

Status SqlStore::UpdateTaskInstance(const TaskInstance& ti) {
  // One UPSERT: no read before the write on the scheduler's hot path.
  static const std::string kSql = fmt::format(
      "INSERT INTO task_instance ({}, change_seq) VALUES ({}, ?{}) "
      "ON CONFLICT (dag_id, run_id, task_id) DO UPDATE SET {}, change_seq = excluded.change_seq",
      sql::kTaskInstanceColumns, sql::Placeholders(sql::kTaskInstanceColumns),
      kTaskInstanceSeqParam, sql::ExcludedAssignments(sql::kTaskInstanceColumns, 3));
  return InTransaction([&]() -> Status {
    auto upsert = TRY(db_->Prepare(kSql));
    sql::BindTaskInstance(upsert, ti);
    upsert.Bind(kTaskInstanceSeqParam, TRY(WriteSeq()));
    TRY_CONTEXT(upsert.Run(), "updating " + TaskInstanceName(ti.dag_id, ti.run_id, ti.task_id));
    return {};
  });
}

Result<std::optional<TaskInstance>> SqlStore::PreviousTaskInstance(const std::string& dag_id,
                                                                   const std::string& task_id,
                                                                   Time logical_date) {
  // The task in the run just before: nullopt when there is no earlier run, or when that
  // run has no such task (it was added to the DAG later).
  static const std::string kSql = fmt::format(
      "SELECT {} FROM task_instance WHERE dag_id = ?1 AND task_id = ?2 AND run_id = "
      "(SELECT run_id FROM dag_run WHERE dag_id = ?1 AND logical_date < ?3 "
      "ORDER BY logical_date DESC LIMIT 1)",
      sql::kTaskInstanceColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dag_id).Bind(2, task_id);
  sql::BindTime(select, 3, logical_date);
  return sql::FirstRow(select, sql::ReadTaskInstance);
}

Result<std::vector<TaskInstance>> SqlStore::ListTaskInstancesOfDag(const std::string& dag_id,
                                                                   int limit_runs) {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM (SELECT run_id, logical_date FROM dag_run WHERE dag_id = ?1 "
      "ORDER BY logical_date DESC LIMIT ?2) r JOIN task_instance ti "
      "ON ti.dag_id = ?1 AND ti.run_id = r.run_id "
      "ORDER BY r.logical_date DESC, ti.run_id, ti.task_id",
      sql::Qualified(sql::kTaskInstanceColumns, "ti"));
  return QueryTaskInstances(kSql, [&](Statement& s) {
    s.Bind(1, dag_id).Bind(2, limit_runs > 0 ? int64_t{limit_runs} : sql::kNoLimit);
  });
}

}  // namespace weir
