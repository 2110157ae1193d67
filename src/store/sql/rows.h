#pragma once

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "store/records.h"
#include "store/sql/connection.h"

// How records map to columns: one column list per table, a reader that decodes a row
// selected with that list, and a binder that binds ?1..?N in the same order.
namespace weir::sql {

inline constexpr std::string_view kDagColumns =
    "dag_id, fileloc, is_paused, is_active, latest_version_id, description, schedule, "
    "timezone, owner, tags, last_parsed_at";
inline constexpr std::string_view kDagVersionColumns =
    "id, dag_id, version_number, source_hash, source, fileloc, created_at";
inline constexpr std::string_view kRunColumns =
    "dag_id, run_id, run_type, state, logical_date, data_interval_start, data_interval_end, "
    "queued_at, start_date, end_date, conf, version_id, note";
inline constexpr std::string_view kTaskInstanceColumns =
    "dag_id, run_id, task_id, state, try_number, max_tries, operator_name, pool, pool_slots, "
    "priority_weight, start_date, end_date, next_retry_at, queued_at, error, marked_by, marked_at, "
    "marked_from";
inline constexpr std::string_view kTryColumns =
    "dag_id, run_id, task_id, try_number, state, queued_at, start_date, end_date, "
    "heartbeat_at, hostname, pid, proc_start, exit_code, log_path, error, version_id, "
    "rendered_args, try_key";
// The tries not yet ended, as every query that looks tries up by state writes it: the
// condition of the partial index task_try_unfinished (migration 11), which SQLite uses only
// for a query whose WHERE holds this exact term.
inline constexpr std::string_view kUnfinishedTries = "state IN ('queued', 'running')";
inline constexpr std::string_view kXComColumns = "dag_id, run_id, task_id, key, value, timestamp";
// Without id (the first column a read expects): selects prepend it, inserts leave it out.
inline constexpr std::string_view kLakeObjectColumns =
    "uri, store_uri, object_key, dataset, format, size, sha256, etag, source_url, source_etag, "
    "source_last_modified, row_count, columns, schema_version, warning, dag_id, run_id, "
    "task_id, try_number, created_at, replaced_at";
inline constexpr std::string_view kDatasetSchemaColumns =
    "dataset, version, columns, change, policy, first_uri, created_at";

// The LIMIT of a query without one: the largest there is (PostgreSQL refuses SQLite's -1).
inline constexpr int64_t kNoLimit = std::numeric_limits<int64_t>::max();

// "a, b" with alias "t" -> "t.a, t.b": for selecting one table's columns in a join.
std::string Qualified(std::string_view columns, std::string_view alias);
// "?1, ?2, ..., ?n" for as many parameters as `columns` has names.
std::string Placeholders(std::string_view columns);
// How many names `columns` has.
int ColumnCount(std::string_view columns);
// "a = excluded.a, b = excluded.b" for the columns after the first `key_count`, minus `keep`:
// the SET list of an upsert.
std::string ExcludedAssignments(std::string_view columns, int key_count,
                                std::initializer_list<std::string_view> keep = {});

inline void BindTime(Statement& s, int index, Time t) { s.Bind(index, ToMicros(t)); }
void BindTime(Statement& s, int index, const std::optional<Time>& t);
std::optional<Time> ColumnOptionalTime(const Statement& s, int column);

// Steps through every row of `s`, decoding each with `read` (one of the Read* below).
template <class Read>
auto CollectRows(Statement& s, Read read)
    -> Result<std::vector<typename decltype(read(s))::value_type>> {
  std::vector<typename decltype(read(s))::value_type> rows;
  while (TRY(s.Step())) rows.push_back(TRY(read(s)));
  return rows;
}

// The first row of `s` decoded with `read`, or nullopt when there is none.
template <class Read>
auto FirstRow(Statement& s, Read read)
    -> Result<std::optional<typename decltype(read(s))::value_type>> {
  if (!TRY(s.Step())) return std::nullopt;
  return TRY(read(s));
}

Result<DagRow> ReadDag(const Statement& s);
void BindDag(Statement& s, const DagRow& dag);

Result<DagVersion> ReadDagVersion(const Statement& s);

Result<DagRun> ReadRun(const Statement& s);
void BindRun(Statement& s, const DagRun& run);

Result<TaskInstance> ReadTaskInstance(const Statement& s);
void BindTaskInstance(Statement& s, const TaskInstance& ti);

Result<TaskTry> ReadTry(const Statement& s);
void BindTry(Statement& s, const TaskTry& t);

Result<XComRow> ReadXCom(const Statement& s);
void BindXCom(Statement& s, const XComRow& x);

// Reads "id, <kLakeObjectColumns>"; binds kLakeObjectColumns as ?1..?21.
Result<LakeObject> ReadLakeObject(const Statement& s);
void BindLakeObject(Statement& s, const LakeObject& o);

Result<DatasetSchema> ReadDatasetSchema(const Statement& s);
void BindDatasetSchema(Statement& s, const DatasetSchema& d);

}  // namespace weir::sql
