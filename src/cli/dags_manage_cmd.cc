// `weir dags state` (a run's state, as Airflow's) and `weir dags delete` (a DAG's record and
// its runs, after asking).
#include <unistd.h>

#include <iostream>

#include "cli/commands.h"

namespace weir {

namespace {

Result<int> DagState(CliState& state, const std::string& dag_id, const std::string& run_text) {
  auto ctx = TRY(state.Open(false));
  DagRun run = TRY(ctx->FindRun(dag_id, run_text));
  if (state.format() == OutputFormat::kJson) {
    fmt::print(
        "{}\n",
        Json{{"dag_id", run.dag_id}, {"run_id", run.run_id}, {"state", RunStateName(run.state)}}
            .dump());
  } else {
    fmt::print("{}\n", RunStateName(run.state));
  }
  return kExitOk;
}

Result<int> DeleteDag(CliState& state, const std::string& dag_id, bool yes) {
  auto ctx = TRY(state.Open(false));
  DagRow dag = TRY(ctx->store->GetDag(dag_id));
  RunFilter all;
  all.dag_id = dag_id;
  int64_t runs = TRY(ctx->store->CountRuns(all));
  std::string what = fmt::format(
      "DAG '{}' and its {} run(s), with their task instances, tries, "
      "XComs and notes",
      dag_id, runs);
  if (!yes) {
    // Nothing to ask on a pipe: a script says --yes, or nothing is deleted.
    if (!isatty(STDIN_FILENO)) {
      return Err(ErrorCode::kInvalidArgument,
                 "this deletes {}; run it on a terminal to confirm, or pass --yes", what);
    }
    fmt::print("Delete {}? This cannot be undone. [y/N] ", what);
    std::fflush(stdout);
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      fmt::print("nothing deleted\n");
      return kExitFailed;
    }
  }
  int64_t deleted = TRY(Audited(*ctx).DeleteDag(dag_id));
  ctx->WakeScheduler();
  fmt::print("deleted DAG {} and {} run(s)\n", dag_id, deleted);
  if (std::filesystem::exists(dag.fileloc)) {
    fmt::print(
        "its file {} is still in the DAGs folder: the DAG comes back, without runs, when "
        "the folder is read again; remove the file to keep it gone\n",
        dag.fileloc);
  }
  return kExitOk;
}

}  // namespace

void AddDagsManageCommands(CLI::App& dags, CliState& state) {
  static std::string dag_id, run;
  static bool yes = false;
  auto* st = dags.add_subcommand("state", "Print the state of a DAG run");
  st->add_option("dag_id", dag_id, "The DAG")->required();
  st->add_option("run", run, "The run: its id, or its logical date (YYYY-MM-DD[THH:MM])")
      ->required();
  AddOutputOption(st, state);
  st->callback([&state] { state.Run([&] { return DagState(state, dag_id, run); }); });

  auto* del = dags.add_subcommand(
      "delete", "Delete a DAG's record and all its runs (asks first; its file is left alone)");
  del->add_option("dag_id", dag_id, "The DAG")->required();
  del->add_flag("-y,--yes", yes, "Do not ask for confirmation");
  del->callback([&state] { state.Run([&] { return DeleteDag(state, dag_id, yes); }); });
}

}  // namespace weir
