#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "base/status.h"
#include "cli/context.h"
#include "engine/audited_actions.h"

namespace weir {

// weir's version, as `weir version` and `weir info` print it.
inline constexpr std::string_view kWeirVersion = "0.1.0";

// State shared by the command groups while the command line is parsed and run.
struct CliState {
  std::string output = "table";  // --output table|json
  int exit_code = kExitOk;

  OutputFormat format() const {
    return output == "json" ? OutputFormat::kJson : OutputFormat::kTable;
  }
  // Runs a command body: its Result<int> becomes the exit code; an error is printed.
  void Run(const std::function<Result<int>()>& body);
  // Opens the context (store migrated; DAGs loaded when load_dags).
  Result<std::unique_ptr<CliContext>> Open(bool load_dags = true) const {
    return OpenContext(load_dags, format());
  }
};

// Adds `--output/-o table|json` to a command.
void AddOutputOption(CLI::App* cmd, CliState& state);

// Parses a date or date-time given on the command line, as wall time in `zone`.
Result<Time> ParseCliDate(const std::string& text, const std::string& zone,
                          const std::string& flag);

void AddDagsCommands(CLI::App& app, CliState& state);
void AddDagsManageCommands(CLI::App& dags, CliState& state);  // dags state|delete
void AddDagsTestCommands(CLI::App& dags, CLI::App& tasks, CliState& state);
void AddTasksCommands(CLI::App& tasks, CliState& state);
void AddRunsCommands(CLI::App& app, CliState& state);
void AddAdminCommands(CLI::App& app, CliState& state);
void AddConfigCommands(
    CLI::App& app, CliState& state);  // config list|reference   // db, variables, pools, version
void AddServerCommands(CLI::App& app, CliState& state);       // scheduler, standalone
void AddWorkerCommands(CLI::App& app, CliState& state);       // worker, workers, jobs
void AddLakeCommands(CLI::App& app, CliState& state);         // lake ls|show|schema|history
void AddQueryCommand(CLI::App& app, CliState& state);         // query "SQL"
void AddWebCommands(CLI::App& app, CliState& state);          // webserver
void AddUsersCommands(CLI::App& app, CliState& state);        // users, their roles and API tokens
void AddAuditCommands(CLI::App& app, CliState& state);        // audit list
void AddInfoCommand(CLI::App& app, CliState& state);          // info
void AddConnectionsCommands(CLI::App& app, CliState& state);  // connections
void AddTransfersCommands(CLI::App& app, CliState& state);    // transfer jobs

// For other groups (dags_cmd.cc): `dags trigger DAG` without options, `dags pause|unpause DAG`.
Result<int> TriggerDag(CliState& state, const std::string& dag_id);
Result<int> PauseDag(CliState& state, const std::string& dag_id, bool paused);

// The command's changes, recorded in the audit log as the operating-system user's on this
// host (source "cli"); audit_cmd.cc.
AuditedActions Audited(CliContext& ctx);

// The whole command line. Returns the process exit code.
int RunCli(int argc, char** argv);

}  // namespace weir
