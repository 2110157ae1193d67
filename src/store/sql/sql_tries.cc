// SqlStore: tries (one row per attempt) and XCom.
#include <utility>

#include "store/sql/rows.h"
#include "store/sql/sql_store.h"

namespace weir {

using sql::Statement;

namespace {

std::string TryName(const TaskTry& t) {
  return fmt::format("try {} of task '{}' in run '{}' of DAG '{}'", t.try_number, t.task_id,
                     t.run_id, t.dag_id);
}

}  // namespace

// Tries.

Result<std::vector<TaskTry>> SqlStore::QueryTries(std::string_view sql,
                                                  const std::function<void(Statement&)>& bind) {
  auto select = TRY(db_->Prepare(sql));
  bind(select);
  return sql::CollectRows(select, sql::ReadTry);
}

Status SqlStore::InsertTry(const TaskTry& t) {
  static const std::string kSql =
      fmt::format("INSERT INTO task_try ({}) VALUES ({})", sql::kTryColumns,
                  sql::Placeholders(sql::kTryColumns));
  auto insert = TRY(db_->Prepare(kSql));
  sql::BindTry(insert, t);
  if (Status inserted = insert.Run(); !inserted.has_value()) {
    if (inserted.error().code == ErrorCode::kAlreadyExists) {
      return Err(ErrorCode::kAlreadyExists, "{} exists already", TryName(t));
    }
    if (inserted.error().code == ErrorCode::kNotFound) {
      return Err(ErrorCode::kNotFound, "recording {}: the task instance does not exist",
                 TryName(t));
    }
    return std::unexpected(inserted.error().Wrap("recording " + TryName(t)));
  }
  return {};
}

Status SqlStore::UpdateTry(const TaskTry& t) {
  static const std::string kSql = fmt::format(
      "UPDATE task_try SET ({}) = ({}) "
      "WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3 AND try_number = ?4",
      sql::kTryColumns, sql::Placeholders(sql::kTryColumns));
  auto update = TRY(db_->Prepare(kSql));
  sql::BindTry(update, t);
  TRY_CONTEXT(update.Run(), "updating " + TryName(t));
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no {}", TryName(t));
  return {};
}

Status SqlStore::UpdateFencedTry(const TaskTry& t, const std::string& token) {
  static const int kTokenParam = sql::ColumnCount(sql::kTryColumns) + 1;
  static const std::string kSql = fmt::format(
      "UPDATE task_try SET ({}) = ({}) "
      "WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3 AND try_number = ?4 "
      "AND try_key = ?{} AND {}",
      sql::kTryColumns, sql::Placeholders(sql::kTryColumns), kTokenParam, sql::kUnfinishedTries);
  auto update = TRY(db_->Prepare(kSql));
  sql::BindTry(update, t);
  update.Bind(kTokenParam, token);
  TRY_CONTEXT(update.Run(), "updating " + TryName(t));
  if (db_->Changes() == 0) {
    return Err(ErrorCode::kFailedPrecondition,
               "refused a report on {}: the try has ended (it was taken back from its worker) "
               "or its key is not the report's",
               TryName(t));
  }
  return {};
}

Result<std::vector<TaskTry>> SqlStore::ListTries(const std::string& dag_id,
                                                 const std::string& run_id,
                                                 const std::string& task_id) {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM task_try WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3 "
      "ORDER BY try_number",
      sql::kTryColumns);
  return QueryTries(kSql,
                    [&](Statement& s) { s.Bind(1, dag_id).Bind(2, run_id).Bind(3, task_id); });
}

Result<std::vector<TaskTry>> SqlStore::ListUnfinishedTries() {
  static const std::string kSql =
      fmt::format("SELECT {} FROM task_try WHERE {} ORDER BY dag_id, run_id, task_id, try_number",
                  sql::kTryColumns, sql::kUnfinishedTries);
  return QueryTries(kSql, [](Statement&) {});
}

Status SqlStore::HeartbeatRunningTries(Time now) {
  static const std::string kSql =
      fmt::format("UPDATE task_try SET heartbeat_at = ?1 WHERE {} AND state = 'running'",
                  sql::kUnfinishedTries);
  auto update = TRY(db_->Prepare(kSql));
  sql::BindTime(update, 1, now);
  return update.Run();
}

// XCom.

Status SqlStore::SetXCom(const XComRow& x) {
  static const std::string kSql = fmt::format(
      "INSERT INTO xcom ({}) VALUES ({}) ON CONFLICT (dag_id, run_id, task_id, key) "
      "DO UPDATE SET {}",
      sql::kXComColumns, sql::Placeholders(sql::kXComColumns),
      sql::ExcludedAssignments(sql::kXComColumns, 4));
  auto upsert = TRY(db_->Prepare(kSql));
  sql::BindXCom(upsert, x);
  if (Status set = upsert.Run(); !set.has_value()) {
    if (set.error().code == ErrorCode::kNotFound) {
      return Err(ErrorCode::kNotFound, "setting XCom '{}' of task '{}': no run '{}' of DAG '{}'",
                 x.key, x.task_id, x.run_id, x.dag_id);
    }
    return std::unexpected(set.error().Wrap(fmt::format("setting XCom '{}'", x.key)));
  }
  return {};
}

Result<std::optional<XComRow>> SqlStore::GetXCom(const std::string& dag_id,
                                                 const std::string& run_id,
                                                 const std::string& task_id,
                                                 const std::string& key) {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM xcom WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3 AND key = ?4",
      sql::kXComColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dag_id).Bind(2, run_id).Bind(3, task_id).Bind(4, key);
  return sql::FirstRow(select, sql::ReadXCom);
}

Result<std::vector<XComRow>> SqlStore::ListXComs(const std::string& dag_id,
                                                 const std::string& run_id) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM xcom WHERE dag_id = ?1 AND run_id = ?2 ORDER BY task_id, key",
                  sql::kXComColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dag_id).Bind(2, run_id);
  return sql::CollectRows(select, sql::ReadXCom);
}

Status SqlStore::ClearXComs(const std::string& dag_id, const std::string& run_id,
                            const std::string& task_id) {
  auto remove =
      TRY(db_->Prepare("DELETE FROM xcom WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3"));
  return remove.Bind(1, dag_id).Bind(2, run_id).Bind(3, task_id).Run();
}

}  // namespace weir
