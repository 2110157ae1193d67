// /transfers: transfer jobs (transfer/job.h), as `weir transfers` has them: list, create,
// validate (the form's checks as you type), read, change (a JSON merge patch), delete, run,
// pause; each job's runs with their counters, and each try's per-object report, in pages or
// whole as a file.
#include <filesystem>
#include <fstream>

#include "base/ids.h"
#include "engine/transfer_jobs.h"
#include "ops/registry.h"
#include "ops/transfer.h"
#include "store/records_json.h"
#include "web/api_internal.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

// The report a page or a download reads at most, and the task every job's DAG has.
constexpr int64_t kMaxReportDownload = int64_t{64} << 20;
constexpr const char* kTransferTask = "transfer";

// The field an error message is about, for a form to show it beside: the first word of the
// message that names one ("schedule.repeat_interval" names repeat_interval); "" when none.
std::string FieldOf(std::string_view message) {
  static const std::vector<std::string> kFields = [] {
    std::vector<std::string> f = TransferSpecFields();
    for (const char* extra :
         {"name", "description", "transfer_spec", "schedule", "schedule_start_date",
          "schedule_end_date", "start_time_of_day", "end_time_of_day", "repeat_interval"}) {
      f.emplace_back(extra);
    }
    return f;
  }();
  auto word_char = [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
  };
  for (size_t at = 0; at < message.size();) {
    if (!word_char(message[at]) && message[at] != '.') {
      ++at;
      continue;
    }
    size_t end = at;
    while (end < message.size() && (word_char(message[end]) || message[end] == '.')) ++end;
    std::string_view word = message.substr(at, end - at);
    while (!word.empty() && word.back() == '.') word.remove_suffix(1);
    std::string_view last =
        word.substr(word.rfind('.') == std::string_view::npos ? 0 : word.rfind('.') + 1);
    if (std::ranges::find(kFields, last) != kFields.end()) return std::string(last);
    at = end;
  }
  return "";
}

// A body's keys in snake case, at every depth, and the spec's nested object_conditions and
// transfer_options lifted into it, as the stored job keeps them (TransferJobJson).
Json SnakeKeys(const Json& j) {
  if (!j.is_object()) return j;
  Json out = Json::object();
  for (const auto& [key, value] : j.items()) out[SnakeCase(key)] = SnakeKeys(value);
  if (out.contains("transfer_spec") && out["transfer_spec"].is_object()) {
    Json& spec = out["transfer_spec"];
    for (const char* nested : {"object_conditions", "transfer_options"}) {
      if (!spec.contains(nested) || !spec[nested].is_object()) continue;
      Json fields = spec[nested];
      spec.erase(nested);
      for (const auto& [key, value] : fields.items()) spec[key] = value;
    }
  }
  return out;
}

// The job a body describes ("paused" left out: it is the DAG's, not the job's).
Result<TransferJob> JobOf(Json body) {
  body.erase("paused");
  return ParseTransferJob(body);
}

Result<Json> Listing(ApiCtx& c, const TransferJob& job) {
  return TransferJobListing(c.store, c.config.dags_folder, job);
}

Result<Json> ListJobs(ApiCtx& c) {
  std::vector<TransferJob> jobs = TRY(ListTransferJobs(c.config.dags_folder));
  auto page = TRY(Page(c.req));
  Json list = Json::array();
  for (const TransferJob& job : PageSlice(jobs, page)) list.push_back(TRY(Listing(c, job)));
  return Json{{"transfers", std::move(list)}, {"total_entries", jobs.size()}};
}

// After a job's files changed: the DAGs folder read again (so its DAG is listed, and can be
// paused and run, at once), and the scheduler woken.
Status Reloaded(ApiCtx& c) {
  TRY(c.reload_dags());
  Wake(c);
  return {};
}

Result<Json> SaveJob(ApiCtx& c, const TransferJob& job, bool create, std::optional<bool> paused) {
  AuditedActions audited = Audited(c);
  TRY(SaveTransferJobAudited(audited, c.config.dags_folder, OperatorSchemas(), c.dags, job,
                             create));
  TRY(Reloaded(c));
  if (paused) TRY(audited.SetPaused(job.name, *paused));
  return Listing(c, job);
}

Result<std::optional<bool>> PausedField(const Json& body) {
  if (!body.contains("paused") || body["paused"].is_null()) return std::optional<bool>();
  return std::optional<bool>(TRY(BoolField(body, "paused", false)));
}

Result<Json> CreateJob(ApiCtx& c) {
  Json body = SnakeKeys(TRY(BodyObject(c)));
  TransferJob job = TRY(JobOf(body));
  return SaveJob(c, job, true, TRY(PausedField(body)));
}

// RFC 7386 over the stored job: fields given replace those stored, null removes one, the
// others stay. The name cannot change.
Result<Json> PatchJob(ApiCtx& c, const std::string& name) {
  Json body = SnakeKeys(TRY(BodyObject(c)));
  TransferJob stored = TRY(LoadTransferJob(c.config.dags_folder, name));
  if (body.contains("name") && body["name"] != Json(name)) {
    return Err(ErrorCode::kInvalidArgument,
               "a transfer job's name cannot change (it is its DAG's id): create a new job");
  }
  std::optional<bool> paused = TRY(PausedField(body));
  body.erase("paused");
  Json merged = TransferJobJson(stored);
  merged.merge_patch(body);
  merged["name"] = name;
  if (body.size() == 0 && paused) {  // only pausing: the files stay as they are
    TRY(Audited(c).SetPaused(name, *paused));
    Wake(c);
    return Listing(c, stored);
  }
  return SaveJob(c, TRY(JobOf(merged)), false, paused);
}

// The form's check, field by field as the user types: {"valid": true, the job as it would be
// saved, its schedule in words} or {"valid": false, "field", "message"}. `?create=false` for
// a job being edited (its name is then its own).
Result<Json> ValidateJob(ApiCtx& c) {
  Json body = SnakeKeys(TRY(BodyObject(c)));
  bool create = TRY(BoolParam(c.req, "create")).value_or(true);
  auto invalid = [](const Error& e) {
    return Json{{"valid", false}, {"field", FieldOf(e.message)}, {"message", e.message}};
  };
  auto job = JobOf(body);
  if (!job) return invalid(job.error());
  if (Status id = CheckId(IdKind::kDag, job->name); !id) return invalid(id.error());
  auto existing = LoadTransferJob(c.config.dags_folder, job->name);
  if (create && existing) {
    return Json{{"valid", false},
                {"field", "name"},
                {"message", fmt::format("a transfer job named '{}' exists already", job->name)}};
  }
  if (!create && !existing) return invalid(existing.error());
  Status dag = CheckTransferJobDag(*job, c.config.dags_folder, OperatorSchemas(), c.dags);
  if (!dag) return Json{{"valid", false}, {"field", "name"}, {"message", dag.error().message}};
  JobDagSchedule s = JobDagScheduleOf(job->schedule);
  return Json{{"valid", true},
              {"job", TransferJobJson(*job)},
              {"schedule_text", TransferScheduleText(*job)},
              {"dag_schedule",
               {{"schedule", s.schedule}, {"start_date", s.start_date}, {"end_date", s.end_date}}}};
}

// A job with its newest runs (limit_runs, default 25, at most 365): each run, its transfer
// task's state and tries, and the counters it returned.
Result<Json> GetJob(ApiCtx& c, const std::string& name) {
  TransferJob job = TRY(LoadTransferJob(c.config.dags_folder, name));
  Json j = TRY(Listing(c, job));
  RunFilter filter;
  filter.dag_id = name;
  filter.limit = static_cast<int>(TRY(IntParam(c.req, "limit_runs", 25, 1, 365)));
  j["runs"] = Json::array();
  for (const DagRun& run : TRY(c.store.ListRuns(filter))) {
    Json r = {{"run", DagRunJson(run)}, {"task", nullptr}, {"summary", nullptr}};
    if (auto ti = c.store.GetTaskInstance(name, run.run_id, kTransferTask)) {
      r["task"] = TaskInstanceJson(*ti);
      r["summary"] = TransferRunSummary(c.store, run);
    }
    j["runs"].push_back(std::move(r));
  }
  j["dag_id"] = name;
  return j;
}

Result<Json> RunJob(ApiCtx& c, const std::string& name) {
  TRY(LoadTransferJob(c.config.dags_folder, name));
  return TriggerDagRun(c, name);
}

Result<Json> DeleteJob(ApiCtx& c, const std::string& name) {
  AuditedActions audited = Audited(c);
  TRY(DeleteTransferJobAudited(audited, c.config.dags_folder, name));
  TRY(Reloaded(c));
  return Json{{"deleted", name}};
}

// The report file of a try of the job's run (`try_number`, default the latest), checked to be
// the job's and inside the logs folder; with the try.
struct ReportFile {
  std::string path;
  int try_number = 0;
  bool finished = false;  // the try is over: the file is complete
};

Result<ReportFile> FindReport(ApiCtx& c, const std::string& name, const std::string& run_id) {
  TRY(LoadTransferJob(c.config.dags_folder, name));
  TaskInstance ti = TRY(c.store.GetTaskInstance(name, run_id, kTransferTask));
  if (ti.try_number < 1) {
    return Err(ErrorCode::kNotFound, "run {} of transfer job {} has not started its transfer yet",
               run_id, name);
  }
  int n = static_cast<int>(TRY(IntParam(c.req, "try_number", ti.try_number, 1, ti.try_number)));
  std::string path = TRY(InsideLogsFolder(
      c, TransferReportPath(c.config.logs_folder, name, run_id, kTransferTask, n)));
  bool over =
      n < ti.try_number || (ti.state != TaskState::kRunning && ti.state != TaskState::kQueued);
  return ReportFile{path, n, over};
}

// A report line's action ("copied", "skipped", "failed", ...), read without parsing the line:
// the report writes it as "action":"<text>".
std::string_view ActionOf(std::string_view line) {
  constexpr std::string_view kKey = "\"action\":\"";
  size_t at = line.find(kKey);
  if (at == std::string_view::npos) return {};
  at += kKey.size();
  size_t end = line.find('"', at);
  return end == std::string_view::npos ? std::string_view() : line.substr(at, end - at);
}

// One page (offset, limit: lines) of a try's report, of one action when `action` is given:
// {"entries", "total_entries" (lines of that action), "counts" (lines per action),
// "try_number", "finished", "exists"}. A line still being written is left out.
Result<Json> ReportPage(ApiCtx& c, const std::string& name, const std::string& run_id) {
  ReportFile file = TRY(FindReport(c, name, run_id));
  auto [limit, offset] = TRY(Page(c.req));
  std::string action = QueryParam(c.req, "action");
  std::error_code ec;
  bool exists = fs::exists(file.path, ec);
  Json entries = Json::array();
  std::map<std::string, int64_t> counts;
  int64_t matching = 0;
  std::ifstream in(file.path, std::ios::binary);
  std::string line;
  while (in && std::getline(in, line)) {
    if (in.eof()) break;  // no newline yet: the writer is inside this line
    std::string_view act = ActionOf(line);
    if (act.empty()) continue;
    ++counts[std::string(act)];
    if (!action.empty() && act != action) continue;
    if (matching >= offset && matching < int64_t{offset} + limit) {
      auto parsed = ParseJson(line, "the report");
      if (parsed) entries.push_back(std::move(*parsed));
    }
    ++matching;
  }
  return Json{{"entries", std::move(entries)}, {"total_entries", matching}, {"counts", counts},
              {"try_number", file.try_number}, {"finished", file.finished}, {"exists", exists}};
}

// A name for a saved file from ids: what is not [A-Za-z0-9._-] becomes "_".
std::string FileName(std::string text) {
  for (char& ch : text) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-' && ch != '_') {
      ch = '_';
    }
  }
  return text;
}

Result<Download> ReportDownload(ApiCtx& c, const std::string& name, const std::string& run_id) {
  ReportFile file = TRY(FindReport(c, name, run_id));
  std::error_code ec;
  auto size = static_cast<int64_t>(fs::file_size(file.path, ec));
  if (ec) {
    return Err(ErrorCode::kNotFound, "try {} of run {} has no report (yet)", file.try_number,
               run_id);
  }
  if (size > kMaxReportDownload) {
    return Err(ErrorCode::kFailedPrecondition,
               "the report is {} MiB, more than the {} MiB the API sends whole: read it in pages "
               "(GET .../report?offset=&limit=) or copy {} from the server",
               size >> 20, kMaxReportDownload >> 20, file.path);
  }
  std::ifstream in(file.path, std::ios::binary);
  std::string text(static_cast<size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (!file.finished) text.resize(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
  return Download{
      FileName(fmt::format("{}_{}_try{}.transfer.jsonl", name, run_id, file.try_number)),
      std::move(text)};
}

}  // namespace

std::optional<Result<Json>> RouteTransfers(ApiCtx& c, const std::vector<std::string>& s) {
  if (s.empty() || s[0] != "transfers") return std::nullopt;
  const std::string& m = c.req.method;
  size_t n = s.size();
  if (n == 1 && m == "GET") return ListJobs(c);
  if (n == 1 && m == "POST") return CreateJob(c);
  if (n == 2 && s[1] == "validate" && m == "POST") return ValidateJob(c);
  if (n == 2 && m == "GET") return GetJob(c, s[1]);
  if (n == 2 && m == "PATCH") return PatchJob(c, s[1]);
  if (n == 2 && m == "DELETE") return DeleteJob(c, s[1]);
  if (n == 3 && s[2] == "run" && m == "POST") return RunJob(c, s[1]);
  if (n == 5 && s[2] == "runs" && s[4] == "report" && m == "GET") return ReportPage(c, s[1], s[3]);
  return std::nullopt;
}

std::optional<Result<Download>> RouteDownload(ApiCtx& c, const std::vector<std::string>& s) {
  if (s.size() == 5 && s[0] == "transfers" && s[2] == "runs" && s[4] == "report.jsonl" &&
      c.req.method == "GET") {
    return ReportDownload(c, s[1], s[3]);
  }
  return std::nullopt;
}

}  // namespace weir
