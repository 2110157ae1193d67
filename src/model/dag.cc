#include "model/dag.h"

#include <cmath>
#include <optional>
#include <set>

#include "base/strings.h"

namespace weir {

namespace {

// `text` read whole as a number of a numeric param's `type` ("integer" or "number"); nullopt
// when it is not one (the value then stays text, for the type check to refuse).
std::optional<Json> NumberFromText(const std::string& text, const std::string& type) {
  size_t used = 0;
  try {
    if (type == "integer") {
      long long v = std::stoll(text, &used);
      if (used == text.size()) return Json(v);
    } else {
      double v = std::stod(text, &used);
      if (used == text.size() && std::isfinite(v)) return Json(v);
    }
  } catch (const std::exception&) {
    return std::nullopt;  // std::invalid_argument or std::out_of_range: not a number
  }
  return std::nullopt;
}

}  // namespace

void DagSpec::IndexTasks() {
  task_index.clear();
  for (size_t i = 0; i < tasks.size(); ++i) task_index.emplace(tasks[i].task_id, i);
}

const TaskSpec* DagSpec::FindTask(std::string_view task_id) const {
  if (task_index.size() == tasks.size() && !tasks.empty()) {
    auto it = task_index.find(std::string(task_id));
    return it == task_index.end() ? nullptr : &tasks[it->second];
  }
  for (const auto& t : tasks) {
    if (t.task_id == task_id) return &t;
  }
  return nullptr;
}

std::vector<std::string> DagSpec::Downstream(std::string_view task_id) const {
  std::set<std::string, std::less<>> reached{std::string(task_id)};
  // Tasks may be listed before their upstreams, so repeat until nothing new is reached.
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& t : tasks) {
      if (reached.contains(t.task_id)) continue;
      for (const auto& up : t.upstream) {
        if (reached.contains(up)) {
          reached.insert(t.task_id);
          grew = true;
          break;
        }
      }
    }
  }
  std::vector<std::string> out;
  for (const auto& t : tasks) {
    if (t.task_id != task_id && reached.contains(t.task_id)) out.push_back(t.task_id);
  }
  return out;
}

Result<Json> DagSpec::ResolveParams(const Json& conf) const {
  Json out = Json::object();
  // Conf keys that are not params stay in dag_run.conf only, as in Airflow.
  for (const auto& p : params) {
    Json value;
    if (conf.is_object() && conf.contains(p.name)) {
      value = conf[p.name];
    } else if (p.has_default) {
      value = p.default_value;
    } else {
      return Err(ErrorCode::kInvalidArgument,
                 "param '{}' of DAG '{}' has no default and was not given: pass it with "
                 "--conf '{{\"{}\": ...}}'",
                 p.name, dag_id, p.name);
    }
    // A number given as text on the command line is accepted for numeric params.
    if (value.is_string() && (p.type == "integer" || p.type == "number")) {
      if (auto number = NumberFromText(value.get_ref<const std::string&>(), p.type)) {
        value = std::move(*number);
      }
    }
    TRY(CheckParamValue(p, value, dag_id));
    out[p.name] = std::move(value);
  }
  return out;
}

const ParamSpec* DagSpec::FindParam(std::string_view name) const {
  for (const auto& p : params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace weir
