#include "engine/waits.h"

#include <fmt/format.h>

#include <limits>

#include "engine/planner.h"
#include "engine/scheduler.h"
#include "engine/snapshot.h"

namespace weir {

namespace {

WaitExplanation Waiting(std::vector<WaitReason> reasons) {
  return WaitExplanation{WaitStatus::kWaiting, std::move(reasons)};
}

// What the report says of one entry: reasons (waiting), none (ready), or no entry.
template <typename Map, typename Key>
WaitExplanation FromReport(const Map& report, const Key& key) {
  auto it = report.find(key);
  if (it == report.end()) return Waiting({NotPlannedReason()});
  if (it->second.empty()) return WaitExplanation{WaitStatus::kReady, {}};
  return Waiting(it->second);
}

WaitExplanation ExplainRun(const DagRun& run, const WaitReport& report) {
  switch (run.state) {
    case RunState::kQueued:
      return FromReport(report.runs, std::make_pair(run.dag_id, run.run_id));
    case RunState::kRunning:
      return WaitExplanation{WaitStatus::kRunning, {}};
    case RunState::kSuccess:
    case RunState::kFailed:
      break;
  }
  return WaitExplanation{WaitStatus::kFinished, {}};
}

WaitExplanation ExplainTask(const DagRun& run, const TaskInstance& ti, const WaitReport& report) {
  if (ti.state == TaskState::kRunning) return WaitExplanation{WaitStatus::kRunning, {}};
  if (ti.state == TaskState::kQueued) return WaitExplanation{WaitStatus::kStarting, {}};
  if (IsFinished(ti.state)) return WaitExplanation{WaitStatus::kFinished, {}};
  if (run.state != RunState::kQueued && run.state != RunState::kRunning) {
    return Waiting({RunFinishedReason(run)});
  }
  return FromReport(report.tasks, TaskKey{ti.dag_id, ti.run_id, ti.task_id});
}

// Without a scheduler nothing that waits, is ready or is starting goes on.
void NoScheduler(WaitExplanation& w, const WaitReason& reason) {
  if (w.status == WaitStatus::kRunning || w.status == WaitStatus::kFinished) return;
  w.status = WaitStatus::kWaiting;
  w.reasons.insert(w.reasons.begin(), reason);
}

}  // namespace

std::string_view WaitStatusName(WaitStatus status) {
  switch (status) {
    case WaitStatus::kWaiting:
      return "waiting";
    case WaitStatus::kReady:
      return "ready";
    case WaitStatus::kStarting:
      return "starting";
    case WaitStatus::kRunning:
      return "running";
    case WaitStatus::kFinished:
      return "finished";
  }
  return "waiting";
}

Json WaitExplanationJson(const WaitExplanation& wait) {
  Json deps = Json::array();
  for (const auto& r : wait.reasons) {
    deps.push_back(Json{{"name", WaitCodeTitle(r.code)},
                        {"reason", r.text},
                        {"code", WaitCodeName(r.code)},
                        {"details", *r.details}});
  }
  return Json{{"status", WaitStatusName(wait.status)},
              {"summary", wait.Summary()},
              {"dependencies", std::move(deps)}};
}

std::string WaitExplanation::Summary() const {
  switch (status) {
    case WaitStatus::kWaiting: {
      std::string out = "Waiting for: ";
      for (size_t i = 0; i < reasons.size(); ++i) {
        if (i > 0) out += "; ";
        out += reasons[i].text;
      }
      return out;
    }
    case WaitStatus::kReady:
      return "Ready: will start at the next scheduler step";
    case WaitStatus::kStarting:
      return "Starting: handed to the executor, its process is starting";
    case WaitStatus::kRunning:
      return "Running";
    case WaitStatus::kFinished:
      return "Finished";
  }
  return "";
}

Result<RunWaits> ExplainWaits(MetadataStore& store, const std::map<std::string, LoadedDag>& dags,
                              const std::string& dag_id, const std::string& run_id,
                              const WaitQuery& query) {
  RunWaits out;
  out.run = TRY(store.GetRun(dag_id, run_id));
  const bool active = out.run.state == RunState::kQueued || out.run.state == RunState::kRunning;
  WaitReport report;
  if (active) {
    PlannerInput input = TRY(ReadPlannerInput(store, dags, query.now));
    // A test run is planned by its `weir dags test` alone, which plans it as its only run.
    if (out.run.run_type == RunType::kTest) input.only_run = std::make_pair(dag_id, run_id);
    int taken = 0;
    for (const auto& pr : input.runs) {
      for (const auto& ti : pr.tis) taken += IsActive(ti.state) ? 1 : 0;
    }
    input.executor_free_slots =
        query.parallelism > 0 ? query.parallelism - taken : std::numeric_limits<int>::max();
    Plan(input, &report);
  }
  out.wait = ExplainRun(out.run, report);
  for (auto& ti : TRY(store.ListTaskInstances(dag_id, run_id))) {
    WaitExplanation wait = ExplainTask(out.run, ti, report);
    out.tasks.push_back(TaskWait{std::move(ti), std::move(wait)});
  }
  if (active && out.run.run_type != RunType::kTest) {
    auto latest = TRY(store.LatestSchedulerJob());
    if (!latest || !SchedulerIsAlive(*latest, query.now)) {
      WaitReason reason =
          NoSchedulerReason(latest ? std::optional<Time>(latest->heartbeat_at) : std::nullopt);
      NoScheduler(out.wait, reason);
      for (auto& t : out.tasks) NoScheduler(t.wait, reason);
    }
  }
  return out;
}

}  // namespace weir
