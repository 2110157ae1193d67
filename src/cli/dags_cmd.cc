// `weir dags list|show|trigger|pause|unpause|backfill|next-runs|errors`.
#include <algorithm>
#include <filesystem>
#include <map>

#include "base/strings.h"
#include "cli/commands.h"
#include "engine/actions.h"
#include "engine/next_runs.h"

namespace weir {

namespace {

const date::time_zone* ZoneOf(const DagSpec& spec) {
  auto z = FindZone(spec.timezone);
  return z ? *z : nullptr;
}

std::string Covers(const DagRun& run, const date::time_zone* zone) {
  if (run.data_interval_start == run.data_interval_end) {
    return FormatTime(run.data_interval_start, "%Y-%m-%d %H:%M", zone);
  }
  return "[" + FormatTime(run.data_interval_start, "%Y-%m-%d %H:%M", zone) + ", " +
         FormatTime(run.data_interval_end, "%Y-%m-%d %H:%M", zone) + ")";
}

Result<int> ListDags(CliState& state) {
  auto ctx = TRY(state.Open());
  std::map<std::string, DagRow> rows;
  for (auto& r : TRY(ctx->store->ListDags())) rows[r.dag_id] = std::move(r);
  Table t({"dag_id", "schedule", "paused", "owner", "tags", "last_run", "fileloc"});
  for (const auto& [id, dag] : ctx->registry->dags()) {
    const DagRow& row = rows[id];
    RunFilter f;
    f.dag_id = id;
    f.limit = 1;
    auto last = TRY(ctx->store->ListRuns(f));
    std::string last_run = last.empty() ? ""
                                        : std::string(RunStateName(last[0].state)) + " " +
                                              Covers(last[0], ZoneOf(*dag.spec));
    std::string rel =
        std::filesystem::path(dag.spec->fileloc).lexically_relative(ctx->config.dags_folder);
    // A DAG whose file fails to load now runs with its last good version: say so on its row.
    if (!dag.import_error.empty()) rel += " (import error)";
    Json j = {{"dag_id", id},
              {"schedule", dag.spec->schedule.empty() ? Json() : Json(dag.spec->schedule)},
              {"schedule_description",
               dag.spec->timetable ? dag.spec->timetable->Describe() : "Manual only"},
              {"timezone", dag.spec->timezone},
              {"is_paused", row.is_paused},
              {"owner", dag.spec->owner},
              {"tags", dag.spec->tags},
              {"fileloc", dag.spec->fileloc},
              {"version", dag.version_number},
              {"has_import_errors", !dag.import_error.empty()},
              {"import_error", dag.import_error.empty() ? Json() : Json(dag.import_error)},
              {"last_run_state", last.empty() ? Json() : Json(RunStateName(last[0].state))},
              {"last_run_id", last.empty() ? Json() : Json(last[0].run_id)}};
    t.AddRow({id, dag.spec->schedule.empty() ? "None" : dag.spec->schedule,
              row.is_paused ? "True" : "False", dag.spec->owner, Join(dag.spec->tags, ","),
              last_run, rel},
             j);
  }
  t.Print(state.format(), ctx->masker);
  if (state.format() == OutputFormat::kTable && !ctx->registry->import_errors().empty()) {
    fmt::print(stderr, "\n{} DAG file(s) failed to load; see `weir dags errors`\n",
               ctx->registry->import_errors().size());
    bool kept = std::any_of(ctx->registry->dags().begin(), ctx->registry->dags().end(),
                            [](const auto& d) { return !d.second.import_error.empty(); });
    if (kept) {
      fmt::print(stderr,
                 "DAGs marked (import error) run with their last good version until their file "
                 "is fixed\n");
    }
  }
  return kExitOk;
}

Result<int> ShowDag(CliState& state, const std::string& dag_id, bool dot) {
  auto ctx = TRY(state.Open());
  const LoadedDag* dag = TRY(ctx->FindDag(dag_id));
  const DagSpec& s = *dag->spec;
  if (dot) {
    fmt::print("digraph \"{}\" {{\n  rankdir=LR;\n", s.dag_id);
    for (const auto& t : s.tasks) {
      fmt::print("  \"{}\" [shape=box label=\"{}\\n({})\"];\n", t.task_id, t.task_id,
                 t.operator_name);
    }
    for (const auto& t : s.tasks) {
      for (const auto& up : t.upstream) fmt::print("  \"{}\" -> \"{}\";\n", up, t.task_id);
    }
    fmt::print("}}\n");
    return kExitOk;
  }
  if (state.format() == OutputFormat::kJson) {
    Json tasks = Json::array();
    for (const auto& t : s.tasks) {
      tasks.push_back({{"task_id", t.task_id},
                       {"operator", t.operator_name},
                       {"upstream", t.upstream},
                       {"trigger_rule", TriggerRuleName(t.trigger_rule)},
                       {"retries", t.retries},
                       {"pool", t.pool},
                       {"args", t.args}});
    }
    Json j = {{"dag_id", s.dag_id},
              {"description", s.description},
              {"schedule", s.schedule},
              {"schedule_description", s.timetable ? s.timetable->Describe() : "Manual only"},
              {"timezone", s.timezone},
              {"start_date", s.start_date ? Json(FormatIso(*s.start_date)) : Json()},
              {"end_date", s.end_date ? Json(FormatIso(*s.end_date)) : Json()},
              {"catchup", s.catchup},
              {"max_active_runs", s.max_active_runs},
              {"max_active_tasks", s.max_active_tasks},
              {"tags", s.tags},
              {"fileloc", s.fileloc},
              {"version", dag->version_number},
              {"has_import_errors", !dag->import_error.empty()},
              {"import_error", dag->import_error.empty() ? Json() : Json(dag->import_error)},
              {"tasks", tasks}};
    fmt::print("{}\n", j.dump(2));
    return kExitOk;
  }
  fmt::print("{}: {}\n", s.dag_id, s.description);
  fmt::print("  schedule   {} ({})\n", s.schedule.empty() ? "None" : s.schedule,
             s.timetable ? s.timetable->Describe() : "Manual only");
  fmt::print("  start      {}   end {}   catchup {}\n",
             s.start_date ? FormatIsoOffset(*s.start_date, ZoneOf(s)) : "-",
             s.end_date ? FormatIsoOffset(*s.end_date, ZoneOf(s)) : "-", s.catchup);
  fmt::print("  file       {} (version {})\n", s.fileloc, dag->version_number);
  if (!dag->import_error.empty()) {
    fmt::print(
        "  import error {}\n  (the file does not load now: this is its last good version, which "
        "the scheduler keeps running)\n",
        dag->import_error);
  }
  fmt::print("\n");
  Table t({"task_id", "operator", "depends_on", "trigger_rule", "retries", "pool"});
  for (int number : dag->graph->order) {
    const TaskSpec* task = s.FindTask(dag->graph->ids[number]);
    t.AddRow({task->task_id, task->operator_name, Join(task->upstream, ","),
              std::string(TriggerRuleName(task->trigger_rule)), std::to_string(task->retries),
              task->pool});
  }
  t.Print(OutputFormat::kTable);
  return kExitOk;
}

Result<int> Trigger(CliState& state, const std::string& dag_id, const std::string& conf_text,
                    const std::string& logical_date, const std::string& run_id) {
  auto ctx = TRY(state.Open());
  const LoadedDag* dag = TRY(ctx->FindDag(dag_id));
  TriggerRequest req;
  if (!conf_text.empty()) req.conf = TRY(ParseJson(conf_text, "--conf"));
  if (!logical_date.empty()) {
    req.logical_date = TRY(ParseCliDate(logical_date, dag->spec->timezone, "--logical-date"));
  }
  req.run_id = run_id;
  DagRun run = TRY(Audited(*ctx).Trigger(*dag, req));
  ctx->WakeScheduler();
  if (state.format() == OutputFormat::kJson) {
    fmt::print("{}\n", Json({{"dag_id", run.dag_id},
                             {"run_id", run.run_id},
                             {"state", RunStateName(run.state)},
                             {"logical_date", FormatIso(run.logical_date)},
                             {"conf", run.conf}})
                           .dump(2));
  } else {
    fmt::print("Created run {} of {} (queued); the scheduler starts it.\n", run.run_id, run.dag_id);
  }
  return kExitOk;
}

Result<int> SetPaused(CliState& state, const std::string& dag_id, bool paused) {
  auto ctx = TRY(state.Open());
  TRY(ctx->FindDag(dag_id));
  TRY(Audited(*ctx).SetPaused(dag_id, paused));
  ctx->WakeScheduler();
  fmt::print("DAG {} is {}\n", dag_id, paused ? "paused" : "unpaused");
  return kExitOk;
}

Result<int> BackfillCmd(CliState& state, const std::string& dag_id, const std::string& start,
                        const std::string& end, const std::string& conf_text, bool rerun_failed) {
  auto ctx = TRY(state.Open());
  const LoadedDag* dag = TRY(ctx->FindDag(dag_id));
  Time from = TRY(ParseCliDate(start, dag->spec->timezone, "--start-date"));
  Time to = TRY(ParseCliDate(end, dag->spec->timezone, "--end-date"));
  Json conf = Json::object();
  if (!conf_text.empty()) conf = TRY(ParseJson(conf_text, "--conf"));
  BackfillResult r = TRY(Audited(*ctx).Backfill(*dag, from, to, conf, rerun_failed));
  ctx->WakeScheduler();
  const date::time_zone* zone = ZoneOf(*dag->spec);
  Table t({"run_id", "covers", "action"});
  for (const auto& run : r.created) t.AddRow({run.run_id, Covers(run, zone), "created"});
  for (const auto& run : r.existing) {
    t.AddRow({run.run_id, Covers(run, zone),
              rerun_failed && run.state == RunState::kFailed ? "cleared" : "exists"});
  }
  t.Print(state.format(), ctx->masker);
  if (state.format() == OutputFormat::kTable) {
    fmt::print("\n{} run(s) created; the scheduler runs them within max_active_runs={}.\n",
               r.created.size(), dag->spec->max_active_runs);
  }
  return kExitOk;
}

Result<int> NextRuns(CliState& state, const std::string& dag_id, int count) {
  auto ctx = TRY(state.Open());
  const LoadedDag* dag = TRY(ctx->FindDag(dag_id));
  const DagSpec& s = *dag->spec;
  if (!s.timetable || !s.timetable->periodic()) {
    fmt::print("{} has no schedule: it runs only when triggered.\n", dag_id);
    return kExitOk;
  }
  const date::time_zone* zone = ZoneOf(s);
  Table t({"logical_date", "covers", "runs_at"});
  for (const NextRun& next : TRY(NextIntervals(s, *ctx->store, ctx->clock.Now(), count))) {
    const DataInterval& i = next.interval;
    std::string covers =
        "[" + FormatIsoOffset(i.start, zone) + ", " + FormatIsoOffset(i.end, zone) + ")";
    t.AddRow({FormatIsoOffset(i.start, zone), covers, FormatIsoOffset(next.runs_at, zone)},
             Json{{"logical_date", FormatIso(i.start)},
                  {"data_interval_start", FormatIso(i.start)},
                  {"data_interval_end", FormatIso(i.end)},
                  {"runs_at", FormatIso(next.runs_at)}});
  }
  t.Print(state.format(), ctx->masker);
  return kExitOk;
}

Result<int> Errors(CliState& state) {
  auto ctx = TRY(state.Open());
  Table t({"file", "error"});
  for (const auto& e : TRY(ctx->store->ListImportErrors())) {
    t.AddRow(
        {e.fileloc, e.message},
        Json{{"file", e.fileloc}, {"error", e.message}, {"timestamp", FormatIso(e.timestamp)}});
  }
  if (state.format() == OutputFormat::kTable) {
    if (t.size() == 0) {
      fmt::print("No import errors.\n");
      return kExitOk;
    }
    for (const auto& e : TRY(ctx->store->ListImportErrors())) fmt::print("{}\n", e.message);
    return kExitOk;
  }
  t.Print(state.format(), ctx->masker);
  return kExitOk;
}

}  // namespace

Result<int> TriggerDag(CliState& state, const std::string& dag_id) {
  return Trigger(state, dag_id, "", "", "");
}

Result<int> PauseDag(CliState& state, const std::string& dag_id, bool paused) {
  return SetPaused(state, dag_id, paused);
}

void AddDagsCommands(CLI::App& dags, CliState& state) {
  auto* list = dags.add_subcommand("list", "List the DAGs with their schedule and last run");
  AddOutputOption(list, state);
  list->callback([&state] { state.Run([&] { return ListDags(state); }); });

  static std::string dag_id, conf, logical_date, run_id, start, end;
  static bool dot = false, rerun_failed = false;
  static int count = 5;

  auto* show = dags.add_subcommand("show", "Show a DAG's settings and tasks");
  show->add_option("dag_id", dag_id, "The DAG")->required();
  show->add_flag("--dot", dot, "Print the graph in Graphviz DOT");
  AddOutputOption(show, state);
  show->callback([&state] { state.Run([&] { return ShowDag(state, dag_id, dot); }); });

  auto* trigger = dags.add_subcommand("trigger", "Create a manual run");
  trigger->add_option("dag_id", dag_id, "The DAG")->required();
  trigger->add_option("-c,--conf", conf, "JSON object: params overrides and dag_run.conf");
  trigger->add_option("-l,--logical-date", logical_date,
                      "Logical date (YYYY-MM-DD[THH:MM]) in the DAG's zone; default now");
  trigger->add_option("-r,--run-id", run_id, "Run id; default manual__<logical date>");
  AddOutputOption(trigger, state);
  trigger->callback(
      [&state] { state.Run([&] { return Trigger(state, dag_id, conf, logical_date, run_id); }); });

  auto* pause = dags.add_subcommand("pause", "Pause a DAG: no new runs or tasks start");
  pause->add_option("dag_id", dag_id, "The DAG")->required();
  pause->callback([&state] { state.Run([&] { return SetPaused(state, dag_id, true); }); });
  auto* unpause = dags.add_subcommand("unpause", "Unpause a DAG");
  unpause->add_option("dag_id", dag_id, "The DAG")->required();
  unpause->callback([&state] { state.Run([&] { return SetPaused(state, dag_id, false); }); });

  auto* backfill = dags.add_subcommand(
      "backfill",
      "Create runs for every interval starting in [start, end]; the scheduler runs them");
  backfill->add_option("dag_id", dag_id, "The DAG")->required();
  backfill->add_option("-s,--start-date", start, "First logical date (inclusive)")->required();
  backfill->add_option("-e,--end-date", end, "Last logical date (inclusive)")->required();
  backfill->add_option("-c,--conf", conf, "JSON object passed to every run");
  backfill->add_flag("--rerun-failed", rerun_failed, "Clear failed runs found in the range");
  AddOutputOption(backfill, state);
  backfill->callback([&state] {
    state.Run([&] { return BackfillCmd(state, dag_id, start, end, conf, rerun_failed); });
  });

  auto* next = dags.add_subcommand("next-runs", "Show the next scheduled runs and what they cover");
  next->add_option("dag_id", dag_id, "The DAG")->required();
  next->add_option("-n,--num", count, "How many")->capture_default_str();
  AddOutputOption(next, state);
  next->callback([&state] { state.Run([&] { return NextRuns(state, dag_id, count); }); });

  auto* errors = dags.add_subcommand("errors", "Show DAG files that failed to load, and why");
  AddOutputOption(errors, state);
  errors->callback([&state] { state.Run([&] { return Errors(state); }); });
  AddDagsManageCommands(dags, state);
}

}  // namespace weir
