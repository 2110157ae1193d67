// `weir runs list|mark`.
#include "cli/commands.h"
#include "engine/actions.h"
#include "store/records_json.h"

namespace weir {

namespace {

Result<int> ListRunsCmd(CliState& state, const std::string& dag_id,
                        const std::vector<std::string>& states, int limit) {
  auto ctx = TRY(state.Open());
  RunFilter f;
  if (!dag_id.empty()) {
    f.dag_id = dag_id;
    if (ctx->registry->Find(dag_id) == nullptr) TRY(ctx->store->GetDag(dag_id));
  }
  for (const auto& s : states) {
    auto rs = ParseRunState(s);
    if (!rs) {
      return Err(ErrorCode::kInvalidArgument,
                 "--state '{}' is not a run state: use queued, running, success or failed", s);
    }
    f.states.push_back(*rs);
  }
  f.limit = limit;
  Table t({"dag_id", "run_id", "type", "state", "covers", "started", "duration"});
  for (const auto& run : TRY(ctx->store->ListRuns(f))) {
    const date::time_zone* zone = nullptr;
    if (const LoadedDag* d = ctx->registry->Find(run.dag_id)) {
      auto z = FindZone(d->spec->timezone);
      if (z) zone = *z;
    }
    std::string covers = run.data_interval_start == run.data_interval_end
                             ? FormatIsoOffset(run.logical_date, zone)
                             : "[" + FormatIsoOffset(run.data_interval_start, zone) + ", " +
                                   FormatIsoOffset(run.data_interval_end, zone) + ")";
    std::string duration;
    if (run.start_date && run.end_date) duration = FormatDuration(*run.end_date - *run.start_date);
    t.AddRow(
        {run.dag_id, run.run_id, std::string(RunTypeName(run.run_type)),
         std::string(RunStateName(run.state)), covers, ShortTime(run.start_date, zone), duration},
        DagRunJson(run));
  }
  t.Print(state.format(), ctx->masker);
  return kExitOk;
}

Result<int> MarkRunCmd(CliState& state, const std::string& dag_id, const std::string& run_id,
                       const std::string& target) {
  auto ctx = TRY(state.Open(false));
  auto rs = ParseRunState(target);
  if (!rs) return Err(ErrorCode::kInvalidArgument, "--state must be success or failed");
  const std::string id = TRY(ctx->FindRun(dag_id, run_id)).run_id;
  DagRun run = TRY(MarkRun(*ctx->store, dag_id, id, *rs, ctx->clock, OsUserName()));
  ctx->WakeScheduler();
  fmt::print("run {} of {} marked {}\n", run.run_id, run.dag_id, RunStateName(run.state));
  return kExitOk;
}

}  // namespace

void AddRunsCommands(CLI::App& app, CliState& state) {
  static std::string dag_id, run_id, target;
  static std::vector<std::string> states;
  static int limit = 50;
  auto* runs = app.add_subcommand("runs", "List and mark DAG runs");
  runs->require_subcommand(1);
  auto* list = runs->add_subcommand("list", "List runs, newest first");
  list->add_option("dag_id", dag_id, "Only this DAG");
  list->add_option("--state", states, "Only runs in these states (queued, running, ...)");
  list->add_option("-n,--limit", limit, "At most this many runs (0: all)")->capture_default_str();
  AddOutputOption(list, state);
  list->callback(
      [&state] { state.Run([&] { return ListRunsCmd(state, dag_id, states, limit); }); });

  auto* mark = runs->add_subcommand("mark", "Mark a run success or failed");
  mark->add_option("dag_id", dag_id, "The DAG")->required();
  mark->add_option("run_id", run_id, "The run: its run id or logical date")->required();
  mark->add_option("--state", target, "success or failed")->required();
  mark->callback(
      [&state] { state.Run([&] { return MarkRunCmd(state, dag_id, run_id, target); }); });
}

}  // namespace weir
