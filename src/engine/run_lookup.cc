#include "engine/run_lookup.h"

#include <algorithm>

#include "base/strings.h"

namespace weir {

namespace {

// What `text` says as a logical date: the whole of it, or what follows "__" in a run id
// ("scheduled__2021-03-01"), read in `zone`.
std::optional<Time> DateIn(std::string_view text, const date::time_zone* zone) {
  if (auto t = ParseDateTime(text, zone)) return *t;
  size_t sep = text.find("__");
  if (sep == std::string_view::npos) return std::nullopt;
  if (auto t = ParseDateTime(text.substr(sep + 2), zone)) return *t;
  return std::nullopt;
}

}  // namespace

std::vector<std::string> ClosestRunIds(const std::vector<DagRun>& runs, std::string_view text,
                                       std::optional<Time> date, size_t limit) {
  std::vector<std::string> out;
  auto add = [&](const std::string& id) {
    if (out.size() < limit && std::find(out.begin(), out.end(), id) == out.end()) {
      out.push_back(id);
    }
  };
  if (date) {
    // The nearest run at or before the date, and the nearest after it.
    const DagRun* before = nullptr;
    const DagRun* after = nullptr;
    for (const auto& r : runs) {
      if (r.logical_date <= *date && (!before || r.logical_date > before->logical_date)) {
        before = &r;
      }
      if (r.logical_date > *date && (!after || r.logical_date < after->logical_date)) after = &r;
    }
    if (before) add(before->run_id);
    if (after) add(after->run_id);
  }
  const std::string lower = ToLower(text);
  const size_t plausible = std::max<size_t>(2, text.size() / 3);
  std::vector<std::pair<size_t, std::string>> spelled;
  for (const auto& r : runs) {
    size_t distance = EditDistance(lower, ToLower(r.run_id));
    bool contains = text.size() >= 4 && ToLower(r.run_id).find(lower) != std::string::npos;
    if (contains) distance = std::min(distance, r.run_id.size() - text.size());
    if (contains || distance <= plausible) spelled.emplace_back(distance, r.run_id);
  }
  std::stable_sort(spelled.begin(), spelled.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [distance, id] : spelled) add(id);
  return out;
}

Result<DagRun> LookUpRun(RunStore& store, const std::string& dag_id, const std::string& text,
                         const date::time_zone* zone) {
  auto run = store.GetRun(dag_id, text);
  if (run || run.error().code != ErrorCode::kNotFound) return run;
  RunFilter all;
  all.dag_id = dag_id;
  std::vector<DagRun> runs = TRY(store.ListRuns(all));
  std::optional<Time> date;
  auto as_date = ParseDateTime(text, zone);
  if (auto& t = as_date) {
    date = *t;
    std::vector<std::string> at_date;
    for (const auto& r : runs) {
      if (r.logical_date == *t) at_date.push_back(r.run_id);
    }
    if (at_date.size() == 1) return store.GetRun(dag_id, at_date.front());
    if (at_date.size() > 1) {
      return Err(ErrorCode::kInvalidArgument,
                 "{} is the logical date of {} runs of DAG '{}': {}; give the run id", text,
                 at_date.size(), dag_id, Join(at_date, ", "));
    }
  } else {
    date = DateIn(text, zone);
  }
  if (runs.empty()) {
    return Err(ErrorCode::kNotFound, "DAG '{}' has no run '{}': it has no runs yet", dag_id, text);
  }
  std::vector<std::string> closest = ClosestRunIds(runs, text, date);
  return Err(ErrorCode::kNotFound,
             "DAG '{}' has no run '{}' (no run has that run id{}){}; `weir runs list {}` lists its "
             "runs",
             dag_id, text, as_date ? " or logical date" : "",
             closest.empty() ? std::string() : "; closest: " + Join(closest, ", "), dag_id);
}

Result<TaskInstance> LookUpTaskInstance(RunStore& store, const DagRun& run,
                                        const std::string& task_id) {
  auto ti = store.GetTaskInstance(run.dag_id, run.run_id, task_id);
  if (ti || ti.error().code != ErrorCode::kNotFound) return ti;
  std::vector<std::string> ids;
  for (const auto& t : TRY(store.ListTaskInstances(run.dag_id, run.run_id))) {
    ids.push_back(t.task_id);
  }
  return Err(ErrorCode::kNotFound, "run '{}' of DAG '{}' has no task '{}'{}; its tasks: {}",
             run.run_id, run.dag_id, task_id, DidYouMean(task_id, ids), Join(ids, ", "));
}

}  // namespace weir
