#include "engine/retention.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "base/ids.h"
#include "base/log.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

// <folder>/<dag_id>/<run_id>, or empty when the ids would lead anywhere else.
std::string RunFolder(const std::string& folder, const std::string& dag_id,
                      const std::string& run_id) {
  if (folder.empty() || !IsValidId(dag_id) || !IsValidId(run_id)) return "";
  return (fs::path(folder) / dag_id / run_id).string();
}

void RemoveFolder(const std::string& path) {
  if (path.empty()) return;
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) Log::Warn("cannot remove {}: {}", path, ec.message());
}

Time EndedAt(const DagRun& run) { return run.end_date.value_or(run.queued_at); }

}  // namespace

Result<CleanReport> CleanHistory(MetadataStore& store, const AttemptPaths& paths,
                                 const CleanOptions& options) {
  RunFilter finished;
  finished.states = {RunState::kSuccess, RunState::kFailed};
  finished.newest_first = false;
  std::vector<DagRun> runs = TRY(store.ListRuns(finished));
  // The anchors: the newest scheduled run of each DAG, whatever its state.
  std::map<std::string, std::string> anchors;
  for (const auto& dag : TRY(store.ListDags())) {
    if (auto latest = TRY(store.LatestScheduledRun(dag.dag_id)))
      anchors[dag.dag_id] = latest->run_id;
  }
  std::erase_if(runs, [&](const DagRun& r) {
    auto anchor = anchors.find(r.dag_id);
    return EndedAt(r) >= options.before || (anchor != anchors.end() && anchor->second == r.run_id);
  });
  std::sort(runs.begin(), runs.end(),
            [](const DagRun& a, const DagRun& b) { return EndedAt(a) < EndedAt(b); });

  CleanReport report;
  const size_t batch = static_cast<size_t>(std::max(1, options.batch_size));
  for (size_t start = 0; start < runs.size(); start += batch) {
    size_t end = std::min(runs.size(), start + batch);
    if (!options.dry_run) {
      TRY(store.Transaction([&]() -> Status {
        for (size_t i = start; i < end; ++i) {
          Status deleted = store.DeleteRun(runs[i].dag_id, runs[i].run_id);
          // Deleted meanwhile by someone else: that is what we wanted.
          if (!deleted && deleted.error().code != ErrorCode::kNotFound) return deleted;
        }
        return {};
      }));
    }
    for (size_t i = start; i < end; ++i) {
      report.runs.emplace_back(runs[i].dag_id, runs[i].run_id);
      if (options.dry_run) continue;
      RemoveFolder(RunFolder(paths.logs_folder, runs[i].dag_id, runs[i].run_id));
      RemoveFolder(RunFolder(paths.work_folder, runs[i].dag_id, runs[i].run_id));
    }
  }
  if (options.audit_events) {
    AuditFilter older;
    older.before = options.before;
    report.audit_events = options.dry_run ? TRY(store.CountAuditEvents(older))
                                          : TRY(CleanAuditLog(store, options.before));
  }
  return report;
}

Result<int> CleanAuditLog(AuditStore& store, Time before) {
  return store.DeleteAuditEventsBefore(before);
}

void RemoveRunWorkFolder(const AttemptPaths& paths, const DagRun& run, const std::string& keep) {
  if (keep == "always") return;
  if (keep != "never" && run.state != RunState::kSuccess) return;
  RemoveFolder(RunFolder(paths.work_folder, run.dag_id, run.run_id));
}

}  // namespace weir
