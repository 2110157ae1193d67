#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/boxed.h"
#include "base/json.h"
#include "base/time.h"
#include "model/state.h"
#include "schedule/timetable.h"

namespace weir {

// Where something was written in a DAG file, for error messages ("file:line:col").
struct SourcePos {
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
};

// A typed DAG parameter: `params: {color: {type: string, default: yellow, enum: [...]}}`
// or the short form `params: {color: yellow}` (type inferred from the default).
struct ParamSpec {
  std::string name;
  std::string type = "string";  // string, integer, number, boolean, array, object
  Json default_value;           // null when there is no default: the param is then required
  bool has_default = false;
  std::vector<Json> enum_values;
  std::string description;
  std::optional<double> minimum;
  std::optional<double> maximum;
  // For strings, in characters (JSON Schema's minLength/maxLength).
  std::optional<int64_t> min_length;
  std::optional<int64_t> max_length;
  // For strings: an ECMAScript regular expression the value must contain a match of (JSON
  // Schema's `pattern`: not anchored, so write ^...$ to match the whole value).
  std::string pattern;
};

// Whether `pattern` can be a param's pattern: an ECMAScript regular expression without
// back-references (patterns run in linear time). The error says what is wrong with it.
Status CheckParamPattern(const std::string& pattern);
// The first of its param's rules that a value breaks, phrased to follow the param's name
// ("must be one of \"a\", \"b\"", "must match the pattern \"^[a-z]+$\""); empty when it
// keeps them all. The rules: type, enum, minimum/maximum, min_length/max_length, pattern;
// null is accepted only when the param's default is null.
std::string BrokenParamRule(const ParamSpec& param, const Json& value);
// BrokenParamRule as an kInvalidArgument error naming the param, the DAG, the rule and the
// value: "param 'months' of DAG 'example_params' must be <= 12 (maximum), got 40".
Status CheckParamValue(const ParamSpec& param, const Json& value, std::string_view dag_id);

// A task after default_args have been applied. Operator arguments stay as written
// (templates unrendered) in `args`.
// Notification hooks as written ("email:oncall@example.com"): validated and stored, not run
// yet (sending them is planned with a `notify` operator; docs/dag-reference.md).
struct TaskHooks {
  std::vector<std::string> on_failure;
  std::vector<std::string> on_retry;
  std::vector<std::string> on_success;
};

// The fields are ordered to leave no padding: a DAG of 10,000 tasks keeps 10,000 of these.
struct TaskSpec {
  std::string task_id;
  std::string operator_name;
  std::vector<std::string> upstream;  // depends_on, in file order
  std::string owner;
  int retries = 0;
  bool retry_exponential_backoff = false;
  bool depends_on_past = false;
  TriggerRule trigger_rule = TriggerRule::kAllSuccess;
  Duration retry_delay = std::chrono::seconds{300};
  std::optional<Duration> max_retry_delay;
  std::optional<Duration> execution_timeout;
  std::string pool = "default_pool";
  int pool_slots = 1;
  // Where a distributed scheduler puts the task's attempts: the Redis stream workers of
  // this queue read (`weir worker --queues`); ignored by the local executor.
  std::string queue = "default";
  int priority_weight = 1;
  Json args = Json::object();  // the operator's own arguments
  Boxed<TaskHooks> hooks;      // empty when the task has none
  std::string doc_md;          // `doc` or `doc_md`: shown in the UI
  SourcePos pos;               // of the task's entry in `tasks`
};

struct DagSpec {
  std::string dag_id;
  std::string description;
  std::string owner;     // default_args.owner, or "weir"
  std::string schedule;  // as written; empty for manual-only (null/none)
  std::string timezone = "UTC";
  std::optional<Time> start_date;
  std::optional<Time> end_date;
  bool catchup = true;
  int max_active_runs = 16;
  int max_active_tasks = 16;
  std::optional<Duration> dagrun_timeout;
  std::vector<std::string> tags;
  std::vector<ParamSpec> params;
  std::vector<TaskSpec> tasks;  // in file order
  bool is_paused_upon_creation = false;
  // A run's conf may hold only declared params: other keys are refused at trigger time.
  bool strict_conf = false;
  std::string doc_md;  // shown in the UI

  // Derived at load: the parsed schedule (shared by copies of this immutable spec).
  std::shared_ptr<const Timetable> timetable;

  // Where it came from.
  std::string fileloc;      // absolute path of the DAG file
  std::string source;       // the file's content
  std::string source_hash;  // hex sha256 of the content: one DAG version per distinct hash

  // task_id -> index into `tasks`, built by IndexTasks().
  std::unordered_map<std::string, size_t> task_index;

  // O(1) once IndexTasks() ran (the loader does), a linear scan otherwise.
  const TaskSpec* FindTask(std::string_view task_id) const;
  // Builds the task_id index FindTask uses; call again after changing `tasks`.
  void IndexTasks();
  const ParamSpec* FindParam(std::string_view name) const;
  // Task ids downstream of task_id (transitively), in file order.
  std::vector<std::string> Downstream(std::string_view task_id) const;
  // Default param values overridden by `conf` keys; validates types and enums.
  Result<Json> ResolveParams(const Json& conf) const;
};

}  // namespace weir
