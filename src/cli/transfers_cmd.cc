// weir transfers create|update|list|show|run|pause|unpause|delete: transfer jobs, kept as a
// record and a generated DAG in the DAGs folder (transfer/job.h).

#include <fstream>
#include <iostream>

#include "base/strings.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "engine/transfer_jobs.h"
#include "store/audit_actions.h"
#include "transfer/job.h"

namespace weir {

namespace {

// The flags of create and update.
struct JobFlags {
  std::string name;
  std::string json_file;  // a job as JSON; "-" for standard input
  std::string description;
  std::string source, url_list, sink, source_conn_id, sink_conn_id, manifest;
  std::vector<std::string> set;  // KEY=VALUE spec fields
  std::string start_date, end_date, start_time, end_time, repeat_interval;
  bool paused = false;
  bool no_schedule = false;
};

Result<Json> ReadJobJson(const std::string& file) {
  std::string text;
  if (file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Err(ErrorCode::kNotFound, "cannot read --json {}", file);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return ParseJson(text, file == "-" ? "standard input" : file);
}

// The job's JSON: `base` (the stored job, or --json's), with the flags given on top.
Result<Json> JobJsonOf(const JobFlags& f, Json base) {
  if (!f.json_file.empty()) base = TRY(ReadJobJson(f.json_file));
  if (!base.is_object()) return Err(ErrorCode::kInvalidArgument, "--json must hold an object");
  base["name"] = f.name;
  if (base.contains("transferSpec") && !base.contains("transfer_spec")) {
    base["transfer_spec"] = base["transferSpec"];
    base.erase("transferSpec");
  }
  if (!f.description.empty()) base["description"] = f.description;
  Json& spec = base["transfer_spec"];
  if (!spec.is_object()) spec = Json::object();
  // A flag given sets its field; one not given leaves the field as it was.
  auto put_in = [](Json& j, const char* key, const std::string& value) {
    if (!value.empty()) j[key] = value;
  };
  auto put = [&](const char* key, const std::string& value) { put_in(spec, key, value); };
  if (!f.source.empty()) spec.erase("url_list");
  if (!f.url_list.empty()) spec.erase("source");
  put("source", f.source);
  put("url_list", f.url_list);
  put("sink", f.sink);
  put("source_conn_id", f.source_conn_id);
  put("sink_conn_id", f.sink_conn_id);
  put("manifest", f.manifest);
  for (const std::string& kv : f.set) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Err(ErrorCode::kInvalidArgument,
                 "--set {}: give KEY=VALUE (dry_run=true, include_prefixes='[\"a/\"]')", kv);
    }
    std::string value = kv.substr(eq + 1);
    auto parsed = ParseJson(value, "--set");
    spec[kv.substr(0, eq)] = parsed ? *parsed : Json(value);
  }
  if (f.no_schedule) {
    base.erase("schedule");
  } else {
    Json& s = base["schedule"];
    if (!s.is_object()) s = Json::object();
    auto put_s = [&](const char* key, const std::string& value) { put_in(s, key, value); };
    put_s("schedule_start_date", f.start_date);
    put_s("schedule_end_date", f.end_date);
    put_s("start_time_of_day", f.start_time);
    put_s("end_time_of_day", f.end_time);
    put_s("repeat_interval", f.repeat_interval);
    if (s.empty()) base.erase("schedule");
  }
  return base;
}

Result<int> SaveJob(CliState& state, const JobFlags& f, bool create) {
  auto ctx = TRY(state.Open());
  const std::string& dags = ctx->config.dags_folder;
  Json base = Json::object();
  if (!create) base = TransferJobJson(TRY(LoadTransferJob(dags, f.name)));
  TransferJob job = TRY(ParseTransferJob(TRY(JobJsonOf(f, base))));
  AuditedActions audited = Audited(*ctx);
  TRY(SaveTransferJobAudited(audited, dags, ctx->registry->operators(), ctx->registry->dags(), job,
                             create));
  // Load the DAGs folder with the new file: the DAG is recorded (and may be paused) at once.
  TRY(ctx->registry->Reload());
  if (create && f.paused) TRY(audited.SetPaused(job.name, true));
  ctx->WakeScheduler();
  if (state.format() == OutputFormat::kJson) {
    fmt::print("{}\n", ctx->masker.Mask(TransferJobJson(job).dump(2)));
  } else {
    fmt::print("{}", ctx->masker.Mask(
                         fmt::format("Transfer job {} {}: {} -> {}, {}{}.\nIts DAG is {} ({}).\n",
                                     job.name, create ? "created" : "updated",
                                     job.spec.value("source", job.spec.value("url_list", "")),
                                     job.spec.value("sink", ""), TransferScheduleText(job),
                                     create && f.paused ? " (paused)" : "", job.name,
                                     TransferJobDagPath(dags, job.name))));
  }
  return kExitOk;
}

std::string CopiedText(const Json& summary) {
  if (!summary.is_object()) return "";
  const Json& c = summary.value("counters", Json::object());
  return fmt::format("{} ({})", c.value("objects_copied_to_sink", 0),
                     FormatBytes(c.value("bytes_copied_to_sink", int64_t{0})));
}

Result<int> ListJobs(CliState& state) {
  auto ctx = TRY(state.Open(false));
  std::vector<TransferJob> jobs = TRY(ListTransferJobs(ctx->config.dags_folder));
  Table t(
      {"name", "source", "sink", "schedule", "paused", "last run", "state", "copied", "failures"});
  for (const TransferJob& job : jobs) {
    Json json = TRY(TransferJobListing(*ctx->store, ctx->config.dags_folder, job));
    const Json& run = json["last_run"];
    const Json& summary = json["last_run_summary"];
    t.AddRow(
        {job.name, job.spec.value("source", job.spec.value("url_list", "")),
         job.spec.value("sink", ""), json["schedule_text"].get<std::string>(),
         json["paused"].get<bool>() ? "yes" : "no", run.is_object() ? run.value("run_id", "") : "",
         run.is_object() ? run.value("state", "") : "", CopiedText(summary),
         summary.is_object() ? std::to_string(summary.value("failures", 0)) : ""},
        json);
  }
  t.Print(state.format(), ctx->masker);
  if (jobs.empty() && state.format() == OutputFormat::kTable) {
    fmt::print("No transfer jobs yet: weir transfers create NAME --source URI --sink URI\n");
  }
  return kExitOk;
}

Result<int> ShowJob(CliState& state, const std::string& name) {
  auto ctx = TRY(state.Open(false));
  TransferJob job = TRY(LoadTransferJob(ctx->config.dags_folder, name));
  RunFilter filter;
  filter.dag_id = job.name;
  filter.limit = 10;
  std::vector<DagRun> runs = TRY(ctx->store->ListRuns(filter));
  if (state.format() == OutputFormat::kJson) {
    Json j = TransferJobJson(job);
    j["dag_file"] = TransferJobDagPath(ctx->config.dags_folder, job.name);
    j["runs"] = Json::array();
    for (const DagRun& run : runs) {
      j["runs"].push_back({{"run_id", run.run_id},
                           {"state", RunStateName(run.state)},
                           {"summary", TransferRunSummary(*ctx->store, run)}});
    }
    fmt::print("{}\n", ctx->masker.Mask(j.dump(2)));
    return kExitOk;
  }
  fmt::print("transfer job {}\n", job.name);
  if (!job.description.empty()) fmt::print("  {}\n", job.description);
  fmt::print("  schedule: {}\n  DAG file: {}\n  spec:\n", TransferScheduleText(job),
             TransferJobDagPath(ctx->config.dags_folder, job.name));
  for (const auto& [key, value] : job.spec.items()) {
    fmt::print("    {}: {}\n", key,
               ctx->masker.Mask(value.is_string() ? value.get<std::string>() : value.dump()));
  }
  Table t({"run_id", "state", "copied", "skipped", "deleted", "failures"});
  for (const DagRun& run : runs) {
    Json s = TransferRunSummary(*ctx->store, run);
    Json c = s.is_object() ? s.value("counters", Json::object()) : Json::object();
    t.AddRow(
        {run.run_id, std::string(RunStateName(run.state)), CopiedText(s),
         s.is_object() ? std::to_string(c.value("objects_from_source_skipped_by_sync", 0)) : "",
         s.is_object() ? std::to_string(c.value("objects_deleted_from_sink", 0) +
                                        c.value("objects_deleted_from_source", 0))
                       : "",
         s.is_object() ? std::to_string(s.value("failures", 0)) : ""});
  }
  fmt::print("\n");
  if (runs.empty()) {
    fmt::print("No runs yet: weir transfers run {}\n", job.name);
  } else {
    t.Print(state.format(), ctx->masker);
  }
  return kExitOk;
}

Result<int> DeleteJob(CliState& state, const std::string& name) {
  auto ctx = TRY(state.Open(false));
  AuditedActions audited = Audited(*ctx);
  TRY(DeleteTransferJobAudited(audited, ctx->config.dags_folder, name));
  ctx->WakeScheduler();
  fmt::print("Transfer job {} deleted; its runs and logs stay until `weir db clean`.\n", name);
  return kExitOk;
}

void AddJobFlags(CLI::App* cmd, JobFlags& f) {
  cmd->add_option("name", f.name, "The job's name (its DAG's id)")->required();
  cmd->add_option("--json", f.json_file,
                  "The job as JSON (name, description, transfer_spec, schedule); - for stdin");
  cmd->add_option("--description", f.description, "One line about the job");
  cmd->add_option("--source", f.source,
                  "Where from: s3://bucket/path/, gs://, az://, lake://, "
                  "file:///");
  cmd->add_option("--url-list", f.url_list, "Instead of --source: a TsvHttpData-1.0 URL list");
  cmd->add_option("--sink", f.sink, "Where to: a store URI ending in /");
  cmd->add_option("--source-conn-id", f.source_conn_id, "The source's connection");
  cmd->add_option("--sink-conn-id", f.sink_conn_id, "The sink's connection");
  cmd->add_option("--manifest", f.manifest, "A CSV naming the source objects to consider");
  cmd->add_option("--set", f.set,
                  "Any other option as KEY=VALUE (overwrite_when=always, max_deletes=10%)");
  cmd->add_option("--start-date", f.start_date, "schedule_start_date, YYYY-MM-DD (UTC)");
  cmd->add_option("--end-date", f.end_date, "schedule_end_date; equal to the start: once");
  cmd->add_option("--start-time", f.start_time, "start_time_of_day, HH:MM (UTC)");
  cmd->add_option("--end-time", f.end_time, "end_time_of_day, HH:MM (UTC)");
  cmd->add_option("--repeat-interval", f.repeat_interval, "repeat_interval (default 24h, >= 1h)");
}

}  // namespace

void AddTransfersCommands(CLI::App& app, CliState& state) {
  CLI::App* transfers = app.add_subcommand(
      "transfers", "Transfer jobs: scheduled copies between stores (docs/transfers.md)");
  transfers->require_subcommand(1);
  static JobFlags flags;
  static std::string name;

  auto* create = transfers->add_subcommand("create", "Create a transfer job and its DAG");
  AddJobFlags(create, flags);
  create->add_flag("--paused", flags.paused, "Create it paused");
  AddOutputOption(create, state);
  create->callback([&state] { state.Run([&] { return SaveJob(state, flags, true); }); });

  auto* update = transfers->add_subcommand("update", "Change a transfer job; other fields stay");
  AddJobFlags(update, flags);
  update->add_flag("--no-schedule", flags.no_schedule, "Remove the schedule: run only by hand");
  AddOutputOption(update, state);
  update->callback([&state] { state.Run([&] { return SaveJob(state, flags, false); }); });

  auto* list = transfers->add_subcommand("list", "List the transfer jobs and their last runs");
  AddOutputOption(list, state);
  list->callback([&state] { state.Run([&] { return ListJobs(state); }); });

  auto* show = transfers->add_subcommand("show", "Show a transfer job and its recent runs");
  show->add_option("name", name, "The job")->required();
  AddOutputOption(show, state);
  show->callback([&state] { state.Run([&] { return ShowJob(state, name); }); });

  auto* run = transfers->add_subcommand("run", "Run a transfer job now (a manual run)");
  run->add_option("name", name, "The job")->required();
  AddOutputOption(run, state);
  run->callback([&state] {
    state.Run([&]() -> Result<int> {
      auto ctx = TRY(state.Open(false));
      TRY(LoadTransferJob(ctx->config.dags_folder, name));
      return TriggerDag(state, name);
    });
  });

  for (bool pause : {true, false}) {
    auto* cmd = transfers->add_subcommand(
        pause ? "pause" : "unpause",
        pause ? "Pause a transfer job: no new runs start" : "Unpause a transfer job");
    cmd->add_option("name", name, "The job")->required();
    cmd->callback([&state, pause] {
      state.Run([&]() -> Result<int> {
        auto ctx = TRY(state.Open(false));
        TRY(LoadTransferJob(ctx->config.dags_folder, name));
        return PauseDag(state, name, pause);
      });
    });
  }

  auto* del = transfers->add_subcommand("delete", "Delete a transfer job and its DAG file");
  del->add_option("name", name, "The job")->required();
  del->callback([&state] { state.Run([&] { return DeleteJob(state, name); }); });
}

}  // namespace weir
