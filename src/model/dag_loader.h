#pragma once

// Loading one DAG file: YAML in, a validated DagSpec out, or an error a user can act on.
//
// Every error message starts with "file:line:col: " (1-based) pointing at the offending key or
// value, then says what is wrong and what would be right, e.g.
//   dags/x.yaml:7:5: unknown key 'retires' in task 'extract' (did you mean 'retries'?)
//   dags/x.yaml:3:11: bad cron expression '0 6 * *': it has 4 fields; ...
//   dags/x.yaml:14:17: dependency cycle: a -> b -> c -> a: ...
// The first problem found is reported; loading stops there.

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/dag.h"
#include "model/operator_schema.h"

namespace weir {

// Parses and validates the text of one DAG file (one YAML document, a map).
//
// DAG keys: dag_id (default: the file name without extension), description, doc_md,
// schedule (alias schedule_interval; absent or null = manual only), timezone (UTC),
// start_date, end_date (dates in `timezone` unless they carry an offset), catchup (true),
// max_active_runs (16), max_active_tasks (16), dagrun_timeout, tags, params,
// default_args, tasks, is_paused_upon_creation.
// Task keys: task_id, operator, depends_on (an id or a list), doc/doc_md, the task-level
// settings (owner, retries, retry_delay, retry_exponential_backoff, max_retry_delay,
// execution_timeout, depends_on_past, trigger_rule, pool, pool_slots, priority_weight,
// on_failure/on_retry/on_success hooks, Airflow's email/email_on_failure/email_on_retry),
// and the operator's own arguments as declared by its schema in `operators`.
// default_args may hold any task-level setting and any operator argument; each task gets
// those its operator accepts, and its own values override them.
//
// Validates: YAML syntax, unknown keys (with the closest valid one), value types, durations,
// dates, time zone, schedule (via MakeTimetable), start_date <= end_date, trigger rules,
// numeric ranges, param specs (default matches type, enum, bounds), ids
// ([A-Za-z0-9_.-]+, not "." or ".."), operators and their arguments (known, required,
// typed, one_of), templates in operator arguments (CheckTemplate, against the DAG's params),
// duplicate task ids, unknown or self dependencies, and cycles.
//
// On success the spec has its timetable, `source` = yaml_text, `source_hash` = hex sha256
// of yaml_text and `fileloc` = fileloc as given. `fileloc` also prefixes every error message.
// Fails with kInvalidArgument. Never throws.
Result<DagSpec> ParseDag(std::string_view yaml_text, const std::string& fileloc,
                         const std::vector<OperatorSchema>& operators);

// Reads `path` and parses it with ParseDag. Errors name `path` as given; on success
// `fileloc` is the absolute path. Fails with kIo when the file cannot be read.
Result<DagSpec> LoadDagFile(const std::string& path, const std::vector<OperatorSchema>& operators);

}  // namespace weir
