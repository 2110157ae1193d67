#include "store/sql/rows.h"

#include <algorithm>

#include "base/strings.h"

namespace weir::sql {

namespace {

std::vector<std::string> ColumnNames(std::string_view columns) {
  std::vector<std::string> names;
  for (const std::string& part : Split(columns, ',')) names.emplace_back(Trim(part));
  return names;
}

// A bad enum name in a row means a newer or foreign writer; say so rather than guess.
template <class E>
Result<E> ParseColumn(std::optional<E> parsed, std::string_view table, std::string_view column,
                      const std::string& text) {
  if (!parsed.has_value()) {
    return Err(ErrorCode::kInternal,
               "{}.{} holds '{}', which this weir does not know; was the database written by "
               "a newer weir?",
               table, column, text);
  }
  return *parsed;
}

// Strings that are not valid UTF-8 are replaced rather than thrown about.
std::string JsonText(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<Json> JsonColumn(const Statement& s, int column, std::string_view what) {
  return ParseJson(s.Text(column), what);
}

}  // namespace

std::string Qualified(std::string_view columns, std::string_view alias) {
  std::vector<std::string> names = ColumnNames(columns);
  for (std::string& name : names) name = fmt::format("{}.{}", alias, name);
  return Join(names, ", ");
}

std::string Placeholders(std::string_view columns) {
  std::vector<std::string> params;
  for (size_t i = 1; i <= ColumnNames(columns).size(); ++i) params.push_back(fmt::format("?{}", i));
  return Join(params, ", ");
}

int ColumnCount(std::string_view columns) { return static_cast<int>(ColumnNames(columns).size()); }

std::string ExcludedAssignments(std::string_view columns, int key_count,
                                std::initializer_list<std::string_view> keep) {
  std::vector<std::string> names = ColumnNames(columns);
  std::vector<std::string> sets;
  for (size_t i = key_count; i < names.size(); ++i) {
    if (std::find(keep.begin(), keep.end(), names[i]) != keep.end()) continue;
    sets.push_back(fmt::format("{0} = excluded.{0}", names[i]));
  }
  return Join(sets, ", ");
}

void BindTime(Statement& s, int index, const std::optional<Time>& t) {
  if (t.has_value()) {
    s.Bind(index, ToMicros(*t));
  } else {
    s.BindNull(index);
  }
}

std::optional<Time> ColumnOptionalTime(const Statement& s, int column) {
  if (s.IsNull(column)) return std::nullopt;
  return FromMicros(s.Int64(column));
}

Result<DagRow> ReadDag(const Statement& s) {
  DagRow dag{.dag_id = s.Text(0),
             .fileloc = s.Text(1),
             .is_paused = s.Int64(2) != 0,
             .is_active = s.Int64(3) != 0,
             .latest_version_id = s.Int64(4),
             .description = s.Text(5),
             .schedule = s.Text(6),
             .timezone = s.Text(7),
             .owner = s.Text(8),
             .tags = {},
             .last_parsed_at = FromMicros(s.Int64(10))};
  Json tags = TRY(JsonColumn(s, 9, "dag.tags"));
  if (!tags.is_array()) {
    return Err(ErrorCode::kInternal, "dag.tags of '{}' is not a JSON list", dag.dag_id);
  }
  for (const Json& tag : tags) {
    if (tag.is_string()) dag.tags.push_back(tag.get<std::string>());
  }
  return dag;
}

void BindDag(Statement& s, const DagRow& dag) {
  s.Bind(1, dag.dag_id)
      .Bind(2, dag.fileloc)
      .Bind(3, int64_t{dag.is_paused})
      .Bind(4, int64_t{dag.is_active})
      .Bind(5, dag.latest_version_id)
      .Bind(6, dag.description)
      .Bind(7, dag.schedule)
      .Bind(8, dag.timezone)
      .Bind(9, dag.owner)
      .Bind(10, JsonText(Json(dag.tags)));
  BindTime(s, 11, dag.last_parsed_at);
}

Result<DagVersion> ReadDagVersion(const Statement& s) {
  return DagVersion{.id = s.Int64(0),
                    .dag_id = s.Text(1),
                    .version_number = s.Int(2),
                    .source_hash = s.Text(3),
                    .source = s.Text(4),
                    .fileloc = s.Text(5),
                    .created_at = FromMicros(s.Int64(6))};
}

Result<DagRun> ReadRun(const Statement& s) {
  DagRun run;
  run.dag_id = s.Text(0);
  run.run_id = s.Text(1);
  std::string type = s.Text(2);
  run.run_type = TRY(ParseColumn(ParseRunType(type), "dag_run", "run_type", type));
  std::string state = s.Text(3);
  run.state = TRY(ParseColumn(ParseRunState(state), "dag_run", "state", state));
  run.logical_date = FromMicros(s.Int64(4));
  run.data_interval_start = FromMicros(s.Int64(5));
  run.data_interval_end = FromMicros(s.Int64(6));
  run.queued_at = FromMicros(s.Int64(7));
  run.start_date = ColumnOptionalTime(s, 8);
  run.end_date = ColumnOptionalTime(s, 9);
  run.conf = TRY(JsonColumn(s, 10, "dag_run.conf"));
  run.version_id = s.Int64(11);
  run.reason = s.Text(12);
  return run;
}

void BindRun(Statement& s, const DagRun& run) {
  s.Bind(1, run.dag_id)
      .Bind(2, run.run_id)
      .Bind(3, RunTypeName(run.run_type))
      .Bind(4, RunStateName(run.state));
  BindTime(s, 5, run.logical_date);
  BindTime(s, 6, run.data_interval_start);
  BindTime(s, 7, run.data_interval_end);
  BindTime(s, 8, run.queued_at);
  BindTime(s, 9, run.start_date);
  BindTime(s, 10, run.end_date);
  s.Bind(11, JsonText(run.conf)).Bind(12, run.version_id).Bind(13, run.reason);
}

Result<TaskInstance> ReadTaskInstance(const Statement& s) {
  TaskInstance ti;
  ti.dag_id = s.Text(0);
  ti.run_id = s.Text(1);
  ti.task_id = s.Text(2);
  std::string state = s.Text(3);
  ti.state = TRY(ParseColumn(ParseTaskState(state), "task_instance", "state", state));
  ti.try_number = s.Int(4);
  ti.max_tries = s.Int(5);
  ti.operator_name = s.Text(6);
  ti.pool = s.Text(7);
  ti.pool_slots = s.Int(8);
  ti.priority_weight = s.Int(9);
  ti.start_date = ColumnOptionalTime(s, 10);
  ti.end_date = ColumnOptionalTime(s, 11);
  ti.next_retry_at = ColumnOptionalTime(s, 12);
  ti.queued_at = ColumnOptionalTime(s, 13);
  ti.error = s.Text(14);
  if (auto at = ColumnOptionalTime(s, 16)) {
    std::string from = s.Text(17);
    ti.marked =
        TaskMark{s.Text(15), *at,
                 TRY(ParseColumn(ParseTaskState(from), "task_instance", "marked_from", from))};
  }
  return ti;
}

void BindTaskInstance(Statement& s, const TaskInstance& ti) {
  s.Bind(1, ti.dag_id)
      .Bind(2, ti.run_id)
      .Bind(3, ti.task_id)
      .Bind(4, TaskStateName(ti.state))
      .Bind(5, int64_t{ti.try_number})
      .Bind(6, int64_t{ti.max_tries})
      .Bind(7, ti.operator_name)
      .Bind(8, ti.pool)
      .Bind(9, int64_t{ti.pool_slots})
      .Bind(10, int64_t{ti.priority_weight});
  BindTime(s, 11, ti.start_date);
  BindTime(s, 12, ti.end_date);
  BindTime(s, 13, ti.next_retry_at);
  BindTime(s, 14, ti.queued_at);
  s.Bind(15, ti.error);
  s.Bind(16, ti.marked ? ti.marked->by : std::string());
  BindTime(s, 17, ti.marked ? std::optional<Time>(ti.marked->at) : std::nullopt);
  s.Bind(18, ti.marked ? std::string(TaskStateName(ti.marked->from)) : std::string());
}

Result<TaskTry> ReadTry(const Statement& s) {
  TaskTry t;
  t.dag_id = s.Text(0);
  t.run_id = s.Text(1);
  t.task_id = s.Text(2);
  t.try_number = s.Int(3);
  std::string state = s.Text(4);
  t.state = TRY(ParseColumn(ParseTaskState(state), "task_try", "state", state));
  t.queued_at = FromMicros(s.Int64(5));
  t.start_date = ColumnOptionalTime(s, 6);
  t.end_date = ColumnOptionalTime(s, 7);
  t.heartbeat_at = ColumnOptionalTime(s, 8);
  t.hostname = s.Text(9);
  t.pid = s.Int(10);
  t.proc_start = s.Int64(11);
  if (!s.IsNull(12)) t.exit_code = s.Int(12);
  t.log_path = s.Text(13);
  t.error = s.Text(14);
  t.version_id = s.Int64(15);
  t.rendered_args = TRY(JsonColumn(s, 16, "task_try.rendered_args"));
  t.try_key = s.Text(17);
  return t;
}

void BindTry(Statement& s, const TaskTry& t) {
  s.Bind(1, t.dag_id)
      .Bind(2, t.run_id)
      .Bind(3, t.task_id)
      .Bind(4, int64_t{t.try_number})
      .Bind(5, TaskStateName(t.state));
  BindTime(s, 6, t.queued_at);
  BindTime(s, 7, t.start_date);
  BindTime(s, 8, t.end_date);
  BindTime(s, 9, t.heartbeat_at);
  s.Bind(10, t.hostname).Bind(11, int64_t{t.pid}).Bind(12, t.proc_start);
  if (t.exit_code.has_value()) {
    s.Bind(13, int64_t{*t.exit_code});
  } else {
    s.BindNull(13);
  }
  s.Bind(14, t.log_path)
      .Bind(15, t.error)
      .Bind(16, t.version_id)
      .Bind(17, JsonText(t.rendered_args))
      .Bind(18, t.try_key);
}

Result<XComRow> ReadXCom(const Statement& s) {
  XComRow x{.dag_id = s.Text(0),
            .run_id = s.Text(1),
            .task_id = s.Text(2),
            .key = s.Text(3),
            .value = {},
            .timestamp = FromMicros(s.Int64(5))};
  x.value = TRY(JsonColumn(s, 4, "xcom.value"));
  return x;
}

void BindXCom(Statement& s, const XComRow& x) {
  s.Bind(1, x.dag_id)
      .Bind(2, x.run_id)
      .Bind(3, x.task_id)
      .Bind(4, x.key)
      .Bind(5, JsonText(x.value));
  BindTime(s, 6, x.timestamp);
}

Result<LakeObject> ReadLakeObject(const Statement& s) {
  LakeObject o;
  o.id = s.Int64(0);
  o.uri = s.Text(1);
  o.store_uri = s.Text(2);
  o.key = s.Text(3);
  o.dataset = s.Text(4);
  o.format = s.Text(5);
  o.size = s.Int64(6);
  o.sha256 = s.Text(7);
  o.etag = s.Text(8);
  o.source_url = s.Text(9);
  o.source_etag = s.Text(10);
  o.source_last_modified = s.Text(11);
  o.rows = s.OptionalInt64(12);
  o.columns = TRY(JsonColumn(s, 13, "lake_object.columns"));
  o.schema_version = s.Int(14);
  o.warning = s.Text(15);
  o.dag_id = s.Text(16);
  o.run_id = s.Text(17);
  o.task_id = s.Text(18);
  o.try_number = s.Int(19);
  o.created_at = FromMicros(s.Int64(20));
  o.replaced_at = ColumnOptionalTime(s, 21);
  return o;
}

void BindLakeObject(Statement& s, const LakeObject& o) {
  s.Bind(1, o.uri)
      .Bind(2, o.store_uri)
      .Bind(3, o.key)
      .Bind(4, o.dataset)
      .Bind(5, o.format)
      .Bind(6, o.size)
      .Bind(7, o.sha256)
      .Bind(8, o.etag)
      .Bind(9, o.source_url)
      .Bind(10, o.source_etag)
      .Bind(11, o.source_last_modified)
      .Bind(12, o.rows)
      .Bind(13, JsonText(o.columns))
      .Bind(14, int64_t{o.schema_version})
      .Bind(15, o.warning)
      .Bind(16, o.dag_id)
      .Bind(17, o.run_id)
      .Bind(18, o.task_id)
      .Bind(19, int64_t{o.try_number});
  BindTime(s, 20, o.created_at);
  BindTime(s, 21, o.replaced_at);
}

Result<DatasetSchema> ReadDatasetSchema(const Statement& s) {
  DatasetSchema d;
  d.dataset = s.Text(0);
  d.version = s.Int(1);
  d.columns = TRY(JsonColumn(s, 2, "dataset_schema.columns"));
  d.change = s.Text(3);
  d.policy = s.Text(4);
  d.first_uri = s.Text(5);
  d.created_at = FromMicros(s.Int64(6));
  return d;
}

void BindDatasetSchema(Statement& s, const DatasetSchema& d) {
  s.Bind(1, d.dataset)
      .Bind(2, int64_t{d.version})
      .Bind(3, JsonText(d.columns))
      .Bind(4, d.change)
      .Bind(5, d.policy)
      .Bind(6, d.first_uri);
  BindTime(s, 7, d.created_at);
}

}  // namespace weir::sql
