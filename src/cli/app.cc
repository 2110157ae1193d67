#include "cli/commands.h"

#include "base/strings.h"
#include "base/time.h"
#include "env/attempt_shim.h"
#include "env/files.h"

namespace weir {

namespace {

// When a word of the command line that must be a command is not one (`weir dags lst`): a
// message naming it, its command group and the closest command. nullopt otherwise, and for
// options, which CLI11 reports itself.
std::optional<std::string> UnknownCommandMessage(const CLI::App& app, int argc, char** argv) {
  const CLI::App* group = &app;
  std::string path = "weir";
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word.starts_with("-")) return std::nullopt;
    auto commands = group->get_subcommands([](const CLI::App*) { return true; });
    if (commands.empty()) return std::nullopt;  // a command's own arguments follow
    const CLI::App* next = nullptr;
    std::vector<std::string> names;
    for (const CLI::App* c : commands) {
      if (c->check_name(word)) next = c;
      if (!c->get_group().empty()) names.push_back(c->get_name());  // hidden ones: no
    }
    if (next == nullptr) {
      return fmt::format("'{}' is not a command of `{}`{}; its commands: {} (`{} --help`)", word,
                         path, DidYouMean(word, names), Join(names, ", "), path);
    }
    group = next;
    path += " " + word;
  }
  return std::nullopt;
}

}  // namespace

void CliState::Run(const std::function<Result<int>()>& body) {
  auto r = body();
  exit_code = r ? *r : ReportError(r.error());
}

void AddOutputOption(CLI::App* cmd, CliState& state) {
  cmd->add_option("-o,--output", state.output, "Output format")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
}

Result<Time> ParseCliDate(const std::string& text, const std::string& zone,
                          const std::string& flag) {
  const date::time_zone* z = TRY(FindZone(zone));
  auto t = ParseDateTime(text, z);
  if (!t) return std::unexpected(t.error().Wrap(flag));
  return *t;
}

int RunCli(int argc, char** argv) {
  // A worker's attempt, wrapped so that it dies with its worker: no configuration, no parsing.
  if (argc >= 3 && std::string_view(argv[1]) == kAttemptShimCommand &&
      std::string_view(argv[2]) == "--") {
    return RunAttemptShim(std::vector<std::string>(argv + 3, argv + argc));
  }
  // Before anything is created: the home, its database, logs, work folders and lake files
  // are owner-only whatever the umask weir was started with; tasks inherit it.
  RestrictNewFilesToOwner();
  CLI::App app{
      "weir: a workflow orchestrator for landing web data in a data lake.\n"
      "DAGs are YAML files in $WEIR_HOME/dags (default ~/weir/dags)."};
  app.name("weir");
  app.require_subcommand(1);
  app.set_version_flag("--version", "weir 0.1.0");
  CliState state;

  CLI::App* dags = app.add_subcommand("dags", "List, show, trigger, pause, test and backfill DAGs");
  dags->require_subcommand(1);
  CLI::App* tasks = app.add_subcommand("tasks", "List, test, render, clear and read logs of tasks");
  tasks->require_subcommand(1);
  AddDagsCommands(*dags, state);
  AddTasksCommands(*tasks, state);
  AddDagsTestCommands(*dags, *tasks, state);
  AddRunsCommands(app, state);
  AddAdminCommands(app, state);
  AddConfigCommands(app, state);
  AddInfoCommand(app, state);
  AddServerCommands(app, state);
  AddWorkerCommands(app, state);
  AddLakeCommands(app, state);
  AddQueryCommand(app, state);
  AddWebCommands(app, state);
  AddUsersCommands(app, state);
  AddAuditCommands(app, state);
  AddConnectionsCommands(app, state);
  AddTransfersCommands(app, state);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      if (auto message = UnknownCommandMessage(app, argc, argv)) {
        fmt::print(stderr, "error: {}\n", *message);
        return kExitUsage;
      }
    }
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  return state.exit_code;
}

}  // namespace weir
