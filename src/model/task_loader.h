#pragma once

// The parts of the DAG loader below the DAG level: params, default_args, the `tasks` list, operator
// arguments and their templates, and the dependency graph. Internal to dag_loader.cc.

#include <string>
#include <vector>

#include "model/dag.h"
#include "model/operator_schema.h"
#include "model/yaml_reader.h"

namespace weir {

// default_args after validation: task-level settings applied to a prototype task, plus the
// operator arguments to hand to every task whose operator accepts them.
struct TaskDefaults {
  TaskSpec prototype;
  std::vector<std::string> email;  // Airflow's `email`, turned into email: hooks per task
  bool email_on_failure = true;
  bool email_on_retry = true;
  std::vector<YamlEntry> operator_args;
};

// A task with the YAML nodes that errors about its dependencies point at.
struct LoadedTask {
  TaskSpec spec;
  YamlNode task_id_node;
  std::vector<YamlNode> upstream_nodes;  // parallel to spec.upstream
};

// Reads the DAG's `params` (null when the file has none): `name: {type, default, enum,
// description, minimum, maximum, min_length, max_length, pattern}` or the short form
// `name: value` (type from the value). A long-form default must keep every rule, and a
// pattern must compile (CheckParamPattern).
Result<std::vector<ParamSpec>> ReadParams(const YamlReader& reader, const YamlEntry* params);

// Reads `default_args` (null when the file has none); the prototype's owner is "weir" unless
// default_args sets one. Keys must be task-level keys or an argument of at least one operator
// in `operators`.
Result<TaskDefaults> ReadDefaultArgs(const YamlReader& reader, const YamlEntry* default_args,
                                     const std::vector<OperatorSchema>& operators);

// Reads the `tasks` list: each task's keys, operator, operator arguments (types, required,
// one_of) and templates (CheckTemplate against `param_names`), task ids (format, duplicates).
// Dependencies are read but not resolved: see CheckTaskGraph.
Result<std::vector<LoadedTask>> ReadTasks(const YamlReader& reader, const YamlEntry& tasks,
                                          const TaskDefaults& defaults,
                                          const std::vector<OperatorSchema>& operators,
                                          const std::vector<std::string>& param_names);

// Every depends_on names another existing task, and the dependencies have no cycle. The cycle
// error names it task by task in run order: "cycle: a -> b -> c -> a".
Status CheckTaskGraph(const YamlReader& reader, const std::vector<LoadedTask>& tasks);

}  // namespace weir
