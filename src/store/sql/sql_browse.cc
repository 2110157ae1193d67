// SqlStore: the queries of the browse pages (runs and task instances of every DAG, with
// filters and counts) and people's notes on runs and task instances.
#include <utility>
#include <variant>

#include "store/sql/rows.h"
#include "store/sql/sql_store.h"

namespace weir {

using sql::Statement;

namespace {

// A WHERE clause built from a filter, and its values, bound in the order they were added.
// The filter's shape decides the SQL text, so each shape is prepared once and cached.
class Where {
 public:
  // `column = ?`.
  void Equal(std::string_view column, std::string value) {
    sql_ += fmt::format(" AND {} = ?{}", column, Add(std::move(value)));
  }
  // `column IN (?, ...)` when `values` has any.
  void In(std::string_view column, const std::vector<std::string>& values) {
    if (values.empty()) return;
    sql_ += fmt::format(" AND {} IN (", column);
    for (size_t i = 0; i < values.size(); ++i) {
      sql_ += fmt::format("{}?{}", i == 0 ? "" : ", ", Add(values[i]));
    }
    sql_ += ")";
  }
  void Compare(std::string_view column, std::string_view op, const std::optional<Time>& t) {
    if (t) sql_ += fmt::format(" AND {} {} ?{}", column, op, Add(ToMicros(*t)));
  }
  // " LIMIT ? OFFSET ?" when either is set.
  void Page(int limit, int offset) {
    if (limit <= 0 && offset <= 0) return;
    int first = Add(limit > 0 ? int64_t{limit} : sql::kNoLimit);
    sql_ += fmt::format(" LIMIT ?{} OFFSET ?{}", first, Add(int64_t{offset}));
  }
  void Append(std::string_view sql) { sql_ += sql; }
  const std::string& sql() const { return sql_; }
  void BindTo(Statement& s) const {
    for (size_t i = 0; i < values_.size(); ++i) {
      std::visit([&](const auto& v) { s.Bind(static_cast<int>(i + 1), v); }, values_[i]);
    }
  }

 private:
  int Add(std::variant<std::string, int64_t> value) {
    values_.push_back(std::move(value));
    return static_cast<int>(values_.size());
  }
  std::string sql_;
  std::vector<std::variant<std::string, int64_t>> values_;
};

template <typename State, typename Name>
std::vector<std::string> Names(const std::vector<State>& states, Name name) {
  std::vector<std::string> out;
  out.reserve(states.size());
  for (State s : states) out.emplace_back(name(s));
  return out;
}

// The conditions on the run `r` that both filters have.
void RunConditions(Where& w, const std::optional<RunType>& run_type,
                   const std::optional<Time>& from, const std::optional<Time>& to) {
  if (run_type) w.Equal("r.run_type", std::string(RunTypeName(*run_type)));
  w.Compare("r.logical_date", ">=", from);
  w.Compare("r.logical_date", "<=", to);
}

// The conditions of a run filter on the dag_run table named `r`.
Where RunWhere(const RunFilter& filter) {
  Where w;
  if (filter.dag_id) w.Equal("r.dag_id", *filter.dag_id);
  w.In("r.state", Names(filter.states, RunStateName));
  RunConditions(w, filter.run_type, filter.logical_date_from, filter.logical_date_to);
  return w;
}

// The conditions of a task instance filter on task_instance `ti` joined with its run `r`.
Where TaskInstanceWhere(const TaskInstanceFilter& filter) {
  Where w;
  if (filter.dag_id) w.Equal("ti.dag_id", *filter.dag_id);
  w.In("ti.run_id", filter.run_ids);
  if (filter.task_id) w.Equal("ti.task_id", *filter.task_id);
  w.In("ti.state", Names(filter.states, TaskStateName));
  RunConditions(w, filter.run_type, filter.logical_date_from, filter.logical_date_to);
  return w;
}

// The runs first, newest first by the index on logical_date, then each run's task instances
// by their primary key: a page costs its rows, not a sort of every task instance. (SQLite
// keeps the written order of a CROSS JOIN.)
constexpr std::string_view kRunsThenTaskInstances =
    " FROM dag_run r CROSS JOIN task_instance ti ON ti.dag_id = r.dag_id AND ti.run_id = r.run_id "
    "WHERE 1 = 1";

// For task instances of runs named by id: those rows by their primary key, then the sort.
constexpr std::string_view kTaskInstancesOfRuns =
    " FROM task_instance ti JOIN dag_run r ON r.dag_id = ti.dag_id AND r.run_id = ti.run_id "
    "WHERE 1 = 1";

// Whether a filter says anything about the run (then counting needs the run's row).
bool AboutTheRun(const TaskInstanceFilter& f) {
  return f.run_type || f.logical_date_from || f.logical_date_to;
}

Result<int64_t> Count(sql::Connection& db, const std::string& sql, const Where& where) {
  auto select = TRY(db.Prepare(sql));
  where.BindTo(select);
  auto n =
      TRY(sql::FirstRow(select, [](const Statement& s) -> Result<int64_t> { return s.Int64(0); }));
  return n.value_or(0);
}

}  // namespace

Result<std::vector<DagRun>> SqlStore::ListRuns(const RunFilter& filter) {
  Where where = RunWhere(filter);
  where.Append(filter.newest_first ? " ORDER BY r.logical_date DESC, r.run_id DESC"
                                   : " ORDER BY r.logical_date, r.run_id");
  where.Page(filter.limit, filter.offset);
  auto select = TRY(db_->Prepare(fmt::format("SELECT {} FROM dag_run r WHERE 1 = 1{}",
                                             sql::Qualified(sql::kRunColumns, "r"), where.sql())));
  where.BindTo(select);
  return sql::CollectRows(select, sql::ReadRun);
}

Result<int64_t> SqlStore::CountRuns(const RunFilter& filter) {
  Where where = RunWhere(filter);
  return Count(*db_, "SELECT COUNT(*) FROM dag_run r WHERE 1 = 1" + where.sql(), where);
}

Result<std::vector<TaskInstance>> SqlStore::ListTaskInstances(const TaskInstanceFilter& filter) {
  Where where = TaskInstanceWhere(filter);
  where.Append(" ORDER BY r.logical_date DESC, r.dag_id, r.run_id, ti.task_id");
  where.Page(filter.limit, filter.offset);
  std::string sql = fmt::format(
      "SELECT {}{}{}", sql::Qualified(sql::kTaskInstanceColumns, "ti"),
      filter.run_ids.empty() ? kRunsThenTaskInstances : kTaskInstancesOfRuns, where.sql());
  return QueryTaskInstances(sql, [&](Statement& s) { where.BindTo(s); });
}

Result<int64_t> SqlStore::CountTaskInstances(const TaskInstanceFilter& filter) {
  Where where = TaskInstanceWhere(filter);
  // Without a condition on the run, the task instances' own indexes count them alone.
  std::string_view from =
      AboutTheRun(filter) ? kRunsThenTaskInstances : " FROM task_instance ti WHERE 1 = 1";
  return Count(*db_, fmt::format("SELECT COUNT(*){}{}", from, where.sql()), where);
}

// Notes.

Status SqlStore::SetNote(const Note& note) {
  return InTransaction([&]() -> Status {
    // The run, or the task instance, must exist: a note on nothing is an error, not a row.
    auto exists = TRY(db_->Prepare(
        note.task_id.empty()
            ? "SELECT 1 FROM dag_run WHERE dag_id = ?1 AND run_id = ?2"
            : "SELECT 1 FROM task_instance WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3"));
    exists.Bind(1, note.dag_id).Bind(2, note.run_id);
    if (!note.task_id.empty()) exists.Bind(3, note.task_id);
    if (!TRY(sql::FirstRow(exists, [](const Statement&) -> Result<int> { return 1; }))) {
      return Err(ErrorCode::kNotFound, "no {} in run '{}' of DAG '{}'",
                 note.task_id.empty() ? std::string("such run") : "task '" + note.task_id + "'",
                 note.run_id, note.dag_id);
    }
    if (note.content.empty()) {
      auto remove =
          TRY(db_->Prepare("DELETE FROM note WHERE dag_id = ?1 AND run_id = ?2 AND task_id = ?3"));
      return remove.Bind(1, note.dag_id).Bind(2, note.run_id).Bind(3, note.task_id).Run();
    }
    auto upsert = TRY(db_->Prepare(
        "INSERT INTO note (dag_id, run_id, task_id, content, updated_by, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (dag_id, run_id, task_id) DO UPDATE SET "
        "content = excluded.content, updated_by = excluded.updated_by, "
        "updated_at = excluded.updated_at"));
    upsert.Bind(1, note.dag_id).Bind(2, note.run_id).Bind(3, note.task_id);
    upsert.Bind(4, note.content).Bind(5, note.updated_by);
    sql::BindTime(upsert, 6, note.updated_at);
    return upsert.Run();
  });
}

Result<std::vector<Note>> SqlStore::ListNotes(const std::string& dag_id,
                                              const std::string& run_id) {
  Where where;
  if (!dag_id.empty()) where.Equal("dag_id", dag_id);
  if (!run_id.empty()) where.Equal("run_id", run_id);
  auto select = TRY(db_->Prepare(
      "SELECT dag_id, run_id, task_id, content, updated_by, updated_at FROM note WHERE 1 = 1" +
      where.sql() + " ORDER BY dag_id, run_id, task_id"));
  where.BindTo(select);
  return sql::CollectRows(select, [](const Statement& s) -> Result<Note> {
    return Note{.dag_id = s.Text(0),
                .run_id = s.Text(1),
                .task_id = s.Text(2),
                .content = s.Text(3),
                .updated_by = s.Text(4),
                .updated_at = FromMicros(s.Int64(5))};
  });
}

}  // namespace weir
