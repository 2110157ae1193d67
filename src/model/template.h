#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"

namespace date {
class time_zone;
}

namespace weir {

struct DagSpec;

// Everything a template may refer to while rendering one task's arguments for one try.
// Lookups that need the metadata store (XCom, variables, connections) are callbacks so this
// layer does no I/O of its own.
struct TemplateContext {
  const DagSpec* dag = nullptr;  // dag.dag_id, dag.tags, ...
  std::string run_id;
  std::string run_type;  // scheduled, manual, backfill
  std::string task_id;
  int try_number = 1;
  Time logical_date{};
  Time data_interval_start{};
  Time data_interval_end{};
  std::optional<Time> prev_data_interval_start_success;
  std::optional<Time> prev_data_interval_end_success;
  const date::time_zone* zone = nullptr;  // the DAG's zone: dates render in it
  Json params = Json::object();           // resolved params (defaults overridden by conf)
  Json conf = Json::object();             // dag_run.conf
  // ti.xcom_pull(task_ids, key): kNotFound when the task has no such XCom.
  std::function<Result<Json>(std::string_view task_id, std::string_view key)> xcom_pull;
  // var.value.<key> (string) and var.json.<key> (parsed): kNotFound when unset.
  std::function<Result<std::string>(std::string_view key)> variable;
  // conn.<id>.host etc.: kNotFound when there is no such connection.
  std::function<Result<Json>(std::string_view conn_id)> connection;
};

class TemplateNode;

// A parsed template: text with {{ expressions }}, {% if %}/{% for %} blocks and {# comments #}
// (a Jinja subset that covers what Airflow tutorials use). Parse once, render many times.
class Template {
 public:
  // `where` names the template in errors, e.g. "dags/taxi.yaml:12:10 task 'download' arg 'url'".
  static Result<Template> Parse(std::string_view source, std::string_view where);
  ~Template();
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  // Renders with ctx. An unknown name, a missing attribute or key, a failed xcom_pull or a
  // bad filter argument is an error that names the template (`where`) and the expression;
  // never an empty string.
  Result<std::string> Render(const TemplateContext& ctx) const;

  // True when the source has no template syntax at all (renders to itself).
  bool is_literal() const;

  // Top-level names the template refers to (e.g. "ds", "params", "ti"), and for params the
  // keys it reads ("params.color" -> "color"), for load-time checks.
  std::vector<std::string> ReferencedNames() const;
  std::vector<std::string> ReferencedParams() const;

 private:
  Template();
  std::string where_;
  std::unique_ptr<TemplateNode> root_;
};

// Every top-level name a template may use (ds, ds_nodash, ts, logical_date, params, var, ti,
// macros, ...), for "did you mean" suggestions and load-time checks.
const std::vector<std::string>& TemplateNames();

// Load-time check of one templated string: its syntax, that every top-level name exists, and
// that every params.<key> is one of `param_names`. Errors name `where` and the bad name with
// the closest valid one.
Status CheckTemplate(std::string_view source, const std::vector<std::string>& param_names,
                     std::string_view where);

// Renders every string inside `args` (recursively through lists and maps; keys are not
// rendered). `where` prefixes errors with the argument's path ("args.env.DATE").
Result<Json> RenderArgs(const Json& args, const TemplateContext& ctx, std::string_view where);

}  // namespace weir
