#include "engine/task_graph.h"

#include <algorithm>

namespace weir {

int TaskGraph::Find(std::string_view task_id) const {
  auto it = numbers.find(std::string(task_id));
  return it == numbers.end() ? -1 : it->second;
}

std::shared_ptr<const TaskGraph> TaskGraph::Build(const DagSpec& spec) {
  auto g = std::make_shared<TaskGraph>();
  const int n = static_cast<int>(spec.tasks.size());
  g->ids.reserve(n);
  for (int i = 0; i < n; ++i) {
    g->ids.push_back(spec.tasks[i].task_id);
    g->numbers.emplace(spec.tasks[i].task_id, i);
  }
  g->upstream.resize(n);
  g->downstream.resize(n);
  g->depends_on_past.resize(n);
  std::vector<int> weight(n);
  for (int i = 0; i < n; ++i) {
    const TaskSpec& t = spec.tasks[i];
    weight[i] = t.priority_weight;
    g->depends_on_past[i] = t.depends_on_past ? 1 : 0;
    for (const auto& up : t.upstream) {
      auto it = g->numbers.find(up);
      if (it == g->numbers.end()) continue;
      g->upstream[i].push_back(it->second);
      g->downstream[it->second].push_back(i);
    }
  }

  // Kahn's algorithm, taking ready tasks in file order.
  std::vector<int> indegree(n);
  for (int i = 0; i < n; ++i) indegree[i] = static_cast<int>(g->upstream[i].size());
  g->order.reserve(n);
  for (int i = 0; i < n; ++i) {
    if (indegree[i] == 0) g->order.push_back(i);
  }
  for (size_t k = 0; k < g->order.size(); ++k) {
    for (int next : g->downstream[g->order[k]]) {
      if (--indegree[next] == 0) g->order.push_back(next);
    }
  }
  g->rank.assign(n, n);
  for (int k = 0; k < static_cast<int>(g->order.size()); ++k) g->rank[g->order[k]] = k;

  g->leaf.resize(n);
  for (int i = 0; i < n; ++i) g->leaf[i] = g->downstream[i].empty() ? 1 : 0;

  // Sum over the *set* of downstream tasks (a diamond counts a task once), as Airflow does.
  // A DAG whose every task depends on one root costs O(tasks) per task here: cheap next to
  // parsing it, and done once per version.
  g->priority.resize(n);
  std::vector<int> seen(n, -1);
  std::vector<int> stack;
  for (int i = 0; i < n; ++i) {
    long long total = weight[i];
    stack.assign(g->downstream[i].begin(), g->downstream[i].end());
    while (!stack.empty()) {
      int d = stack.back();
      stack.pop_back();
      if (seen[d] == i) continue;
      seen[d] = i;
      total += weight[d];
      stack.insert(stack.end(), g->downstream[d].begin(), g->downstream[d].end());
    }
    g->priority[i] = static_cast<int>(std::min<long long>(total, 1 << 30));
  }
  return g;
}

std::map<std::string, int> EffectivePriorities(const DagSpec& spec) {
  auto g = TaskGraph::Build(spec);
  std::map<std::string, int> out;
  for (int i = 0; i < g->size(); ++i) out[g->ids[i]] = g->priority[i];
  return out;
}

std::vector<std::string> TopologicalOrder(const DagSpec& spec) {
  auto g = TaskGraph::Build(spec);
  std::vector<std::string> out;
  out.reserve(g->order.size());
  for (int t : g->order) out.push_back(g->ids[t]);
  return out;
}

}  // namespace weir
