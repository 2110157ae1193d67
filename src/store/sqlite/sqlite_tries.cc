// SqliteStore: tries (one row per attempt) and XCom.
#include <utility>

#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {

using sqlite::Statement;

namespace {

std::string TryName(const TaskTry& t) {
  return fmt::format("try {} of task '{}' in run '{}' of DAG '{}'", t.try_number, t.task_id,
                     t.run_id, t.dag_id);
}

}  // namespace

// Tries.

Result<std::vector<TaskTry>> SqliteStore::QueryTries(std::string_view sql,
                                                     const std::function<void(Statement&)>& bind) {
  auto select = TRY(db_->Prepare(sql));
  bind(select);
  return sqlite::CollectRows(select, sqlite::ReadTry);
}

Status SqliteStore::InsertTry(const TaskTry& t) {
  static const std::string kSql =
      fmt::format("INSERT INTO task_try ({}) VALUES ({})", sqlite::kTryColumns,
                  sqlite::Placeholders(sqlite::kTryColumns));
  auto insert = TRY(db_->Prepare(kSql));
  sqlite::BindTry(insert, t);
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

Status SqliteStore::UpdateTry(const TaskTry& t) {
  static const std::string kSql = fmt::format(
      "UPDATE task_try SET ({}) = ({}) "
      "WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3 AND try_number = ?4",
      sqlite::kTryColumns, sqlite::Placeholders(sqlite::kTryColumns));
  auto update = TRY(db_->Prepare(kSql));
  sqlite::BindTry(update, t);
  TRY_CONTEXT(update.Run(), "updating " + TryName(t));
  if (db_->Changes() == 0) return Err(ErrorCode::kNotFound, "no {}", TryName(t));
  return {};
}

Result<std::vector<TaskTry>> SqliteStore::ListTries(const std::string& dag_id,
                                                    const std::string& run_id,
                                                    const std::string& task_id) {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM task_try WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3 "
      "ORDER BY try_number",
      sqlite::kTryColumns);
  return QueryTries(kSql,
                    [&](Statement& s) { s.Bind(1, dag_id).Bind(2, run_id).Bind(3, task_id); });
}

Result<std::vector<TaskTry>> SqliteStore::ListUnfinishedTries() {
  static const std::string kSql =
      fmt::format("SELECT {} FROM task_try WHERE {} ORDER BY dag_id, run_id, task_id, try_number",
                  sqlite::kTryColumns, sqlite::kUnfinishedTries);
  return QueryTries(kSql, [](Statement&) {});
}

Status SqliteStore::HeartbeatRunningTries(Time now) {
  static const std::string kSql =
      fmt::format("UPDATE task_try SET heartbeat_at = ?1 WHERE {} AND state = 'running'",
                  sqlite::kUnfinishedTries);
  auto update = TRY(db_->Prepare(kSql));
  sqlite::BindTime(update, 1, now);
  return update.Run();
}

// XCom.

Status SqliteStore::SetXCom(const XComRow& x) {
  static const std::string kSql = fmt::format(
      "INSERT INTO xcom ({}) VALUES ({}) ON CONFLICT (dag_id, run_id, task_id, key) "
      "DO UPDATE SET {}",
      sqlite::kXComColumns, sqlite::Placeholders(sqlite::kXComColumns),
      sqlite::ExcludedAssignments(sqlite::kXComColumns, 4));
  auto upsert = TRY(db_->Prepare(kSql));
  sqlite::BindXCom(upsert, x);
  if (Status set = upsert.Run(); !set.has_value()) {
    if (set.error().code == ErrorCode::kNotFound) {
      return Err(ErrorCode::kNotFound, "setting XCom '{}' of task '{}': no run '{}' of DAG '{}'",
                 x.key, x.task_id, x.run_id, x.dag_id);
    }
    return std::unexpected(set.error().Wrap(fmt::format("setting XCom '{}'", x.key)));
  }
  return {};
}

Result<std::optional<XComRow>> SqliteStore::GetXCom(const std::string& dag_id,
                                                    const std::string& run_id,
                                                    const std::string& task_id,
                                                    const std::string& key) {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM xcom WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3 AND key = ?4",
      sqlite::kXComColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dag_id).Bind(2, run_id).Bind(3, task_id).Bind(4, key);
  return sqlite::FirstRow(select, sqlite::ReadXCom);
}

Result<std::vector<XComRow>> SqliteStore::ListXComs(const std::string& dag_id,
                                                    const std::string& run_id) {
  static const std::string kSql =
      fmt::format("SELECT {} FROM xcom WHERE dag_id = ?1 AND run_id = ?2 ORDER BY task_id, key",
                  sqlite::kXComColumns);
  auto select = TRY(db_->Prepare(kSql));
  select.Bind(1, dag_id).Bind(2, run_id);
  return sqlite::CollectRows(select, sqlite::ReadXCom);
}

Status SqliteStore::ClearXComs(const std::string& dag_id, const std::string& run_id,
                               const std::string& task_id) {
  auto remove =
      TRY(db_->Prepare("DELETE FROM xcom WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3"));
  return remove.Bind(1, dag_id).Bind(2, run_id).Bind(3, task_id).Run();
}

}  // namespace weir
