#include "engine/transfer_jobs.h"

#include <filesystem>

#include "base/time.h"
#include "model/dag_loader.h"
#include "store/audit_actions.h"
#include "store/records_json.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

std::string Normal(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  return (ec ? fs::path(path) : p).lexically_normal().string();
}

}  // namespace

Status CheckTransferJobDag(const TransferJob& job, const std::string& dags_folder,
                           const std::vector<OperatorSchema>& operators,
                           const std::map<std::string, LoadedDag>& dags) {
  std::string path = TransferJobDagPath(dags_folder, job.name);
  auto parsed = ParseDag(TransferJobDagYaml(job), path, operators);
  if (!parsed) {
    return Err(ErrorCode::kInvalidArgument, "transfer job {}: its DAG does not load: {}", job.name,
               parsed.error().message);
  }
  auto it = dags.find(job.name);
  if (it != dags.end() && it->second.spec != nullptr &&
      Normal(it->second.spec->fileloc) != Normal(path)) {
    return Err(ErrorCode::kInvalidArgument,
               "transfer job {}: the DAG id '{}' is taken by {}: choose another name", job.name,
               job.name, it->second.spec->fileloc);
  }
  return {};
}

Status SaveTransferJobAudited(AuditedActions& audited, const std::string& dags_folder,
                              const std::vector<OperatorSchema>& operators,
                              const std::map<std::string, LoadedDag>& dags, const TransferJob& job,
                              bool create) {
  if (!create) TRY(LoadTransferJob(dags_folder, job.name));
  TRY(CheckTransferJobDag(job, dags_folder, operators, dags));
  AuditEvent event =
      audited.Event(create ? audit::kTransferJobCreate : audit::kTransferJobUpdate, job.name);
  event.details = TransferJobJson(job);
  return audited.Record(event, [&] { return SaveTransferJob(dags_folder, job, !create); });
}

Status DeleteTransferJobAudited(AuditedActions& audited, const std::string& dags_folder,
                                const std::string& name) {
  TRY(LoadTransferJob(dags_folder, name));
  return audited.Record(audited.Event(audit::kTransferJobDelete, name),
                        [&] { return DeleteTransferJob(dags_folder, name); });
}

Json TransferRunSummary(RunStore& store, const DagRun& run) {
  auto x = store.GetXCom(run.dag_id, run.run_id, "transfer", "return_value");
  if (!x) return Json();
  const std::optional<XComRow>& row = *x;
  return row ? row->value : Json();
}

Result<Json> TransferJobListing(MetadataStore& store, const std::string& dags_folder,
                                const TransferJob& job) {
  Json j = TransferJobJson(job);
  auto row = store.GetDag(job.name);
  if (!row && row.error().code != ErrorCode::kNotFound) return std::unexpected(row.error());
  j["paused"] = row && row->is_paused;
  j["dag_file"] = TransferJobDagPath(dags_folder, job.name);
  j["schedule_text"] = TransferScheduleText(job);
  RunFilter filter;
  filter.dag_id = job.name;
  filter.limit = 1;
  std::vector<DagRun> runs = TRY(store.ListRuns(filter));
  j["last_run"] = runs.empty() ? Json() : DagRunJson(runs.front());
  j["last_run_summary"] = runs.empty() ? Json() : TransferRunSummary(store, runs.front());
  return j;
}

std::string TransferScheduleText(const TransferJob& job) {
  if (!job.schedule) return "only when run";
  const TransferSchedule& s = *job.schedule;
  int start = s.start_time_of_day.value_or(0);
  std::string first =
      fmt::format("{} {:02}:{:02}", FormatDate(Time(s.start_date)), start / 3600, start / 60 % 60);
  if (s.once()) return "once at " + first + " UTC";
  std::string text = fmt::format("every {} from {} UTC", FormatDuration(s.repeat_interval), first);
  if (s.end_date) text += " until " + FormatDate(Time(*s.end_date));
  return text;
}

}  // namespace weir
