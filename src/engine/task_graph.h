#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/dag.h"

namespace weir {

// A DAG version's tasks as the planner walks them, derived once per version (the registry
// keeps it with the version): tasks are numbered by their place in the DAG file, and every
// relation is a list of those numbers.
struct TaskGraph {
  std::vector<std::string> ids;                  // task number -> task id
  std::unordered_map<std::string, int> numbers;  // task id -> task number
  std::vector<std::vector<int>> upstream;        // task number -> its upstream tasks
  std::vector<std::vector<int>> downstream;      // task number -> the tasks that depend on it
  std::vector<int> order;                        // task numbers, every task after its upstreams
  std::vector<int> rank;                         // task number -> its place in `order`
  // Airflow's "downstream" weight rule: a task's own priority_weight plus that of every task
  // downstream of it (each counted once).
  std::vector<int> priority;
  std::vector<char> leaf;  // no task depends on it
  std::vector<char> depends_on_past;

  int size() const { return static_cast<int>(ids.size()); }
  // The task's number, or -1 when the DAG has no such task.
  int Find(std::string_view task_id) const;

  static std::shared_ptr<const TaskGraph> Build(const DagSpec& spec);
};

// The effective priorities of a DAG's tasks by task id (TaskGraph::priority).
std::map<std::string, int> EffectivePriorities(const DagSpec& spec);

// Task ids with every task after its upstreams (the loader guarantees there is no cycle).
std::vector<std::string> TopologicalOrder(const DagSpec& spec);

}  // namespace weir
