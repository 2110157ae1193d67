// CheckTaskGraph (declared in task_loader.h): dependencies name real tasks and form no cycle.

#include <algorithm>
#include <map>

#include "base/strings.h"
#include "model/task_loader.h"

namespace weir {

Status CheckTaskGraph(const YamlReader& reader, const std::vector<LoadedTask>& tasks) {
  std::map<std::string, size_t, std::less<>> index;
  std::vector<std::string> ids;
  for (size_t i = 0; i < tasks.size(); ++i) {
    index.emplace(tasks[i].spec.task_id, i);
    ids.push_back(tasks[i].spec.task_id);
  }

  // downstream[u] = (v, k): task v's k-th depends_on names u.
  std::vector<std::vector<std::pair<size_t, size_t>>> downstream(tasks.size());
  for (size_t v = 0; v < tasks.size(); ++v) {
    const TaskSpec& t = tasks[v].spec;
    for (size_t k = 0; k < t.upstream.size(); ++k) {
      const std::string& up = t.upstream[k];
      YamlNode node = tasks[v].upstream_nodes[k];
      if (up == t.task_id) return reader.ErrorAt(node, "task '{}' depends on itself", up);
      auto it = index.find(up);
      if (it == index.end()) {
        std::string hint = DidYouMean(up, ids);
        if (hint.empty()) hint = "; tasks in this DAG: " + Join(ids, ", ");
        return reader.ErrorAt(node, "task '{}' depends on unknown task '{}'{}", t.task_id, up,
                              hint);
      }
      downstream[it->second].emplace_back(v, k);
    }
  }

  // Iterative depth-first search along downstream edges, starting in file order so that the
  // reported cycle is the same on every load.
  enum class Mark { kNew, kOnPath, kDone };
  std::vector<Mark> mark(tasks.size(), Mark::kNew);
  for (size_t root = 0; root < tasks.size(); ++root) {
    if (mark[root] != Mark::kNew) continue;
    std::vector<std::pair<size_t, size_t>> path{{root, 0}};  // (task, next edge to follow)
    mark[root] = Mark::kOnPath;
    while (!path.empty()) {
      auto& [u, next] = path.back();
      if (next == downstream[u].size()) {
        mark[u] = Mark::kDone;
        path.pop_back();
        continue;
      }
      auto [v, k] = downstream[u][next++];
      if (mark[v] == Mark::kNew) {
        mark[v] = Mark::kOnPath;
        path.emplace_back(v, 0);
      } else if (mark[v] == Mark::kOnPath) {
        auto from = std::find_if(path.begin(), path.end(), [&](auto& p) { return p.first == v; });
        std::vector<std::string> cycle;
        for (auto it = from; it != path.end(); ++it) cycle.push_back(tasks[it->first].spec.task_id);
        cycle.push_back(tasks[v].spec.task_id);
        // Point at the depends_on entry that closes the cycle.
        return reader.ErrorAt(tasks[v].upstream_nodes[k],
                              "dependency cycle: {}: each task runs after the one before it, so "
                              "none can start; remove one of these depends_on",
                              Join(cycle, " -> "));
      }
    }
  }
  return {};
}

}  // namespace weir
