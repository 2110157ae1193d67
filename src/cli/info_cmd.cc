// `weir info`: what this weir is and where its things are (Airflow's `airflow info`), for a
// bug report or a first look at a machine.
#include <sys/utsname.h>

#include <filesystem>

#include "base/url.h"
#include "cli/commands.h"
#include "duck/duck_api.h"
#include "engine/scheduler.h"

namespace weir {

namespace {

std::string Platform() {
  utsname u{};
  if (uname(&u) != 0) return "unknown";
  return fmt::format("{} {} {}", u.sysname, u.release, u.machine);
}

Result<int> Info(CliState& state) {
  auto ctx = TRY(state.Open());
  const Config& c = ctx->config;
  auto schema = ctx->store->SchemaVersion();
  std::string scheduler = "none has run on this database";
  std::optional<SchedulerJob> latest;
  if (auto job = ctx->store->LatestSchedulerJob()) latest = std::move(*job);
  if (latest) {
    scheduler = fmt::format("{} (last heartbeat {})",
                            SchedulerIsAlive(*latest, ctx->clock.Now()) ? "running" : "stopped",
                            FormatIso(latest->heartbeat_at));
  }
  auto duck = LoadDuckApi();
  std::string duckdb =
      duck ? std::string((*duck)->library_version()) : "not loadable: " + duck.error().message;
  bool has_config = std::filesystem::exists(c.config_file);
  std::vector<std::pair<std::string, Json>> rows = {
      {"version", std::string(kWeirVersion)},
      {"platform", Platform()},
      {"home", c.home},
      {"config_file", has_config ? c.config_file : c.config_file + " (absent: defaults)"},
      {"database", UrlWithoutPassword(c.database)},
      {"schema_version", schema ? fmt::format("{} (this weir knows up to {})", *schema,
                                              ctx->store->LatestSchemaVersion())
                                : "unreadable: " + schema.error().message},
      {"dags_folder",
       fmt::format("{} ({} DAGs, {} import errors)", c.dags_folder, ctx->registry->dags().size(),
                   ctx->registry->import_errors().size())},
      {"logs_folder", c.logs_folder},
      {"work_folder", c.work_folder},
      {"lake", c.lake + (c.lake_conn_id.empty() ? "" : " (connection " + c.lake_conn_id + ")")},
      {"warehouse", c.warehouse},
      {"executor", fmt::format("local, parallelism {}", c.parallelism)},
      {"scheduler", scheduler},
      {"webserver", fmt::format("http://{}:{}/", c.webserver_host, c.webserver_port)},
      {"duckdb", duckdb},
  };
  if (state.format() == OutputFormat::kJson) {
    Json j = Json::object();
    for (const auto& [key, value] : rows) j[key] = value;
    fmt::print("{}\n", ctx->masker.Mask(j.dump(2)));
    return kExitOk;
  }
  size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  for (const auto& [key, value] : rows) {
    fmt::print("{:<{}}  {}\n", key, width, ctx->masker.Mask(value.get<std::string>()));
  }
  return kExitOk;
}

}  // namespace

void AddInfoCommand(CLI::App& app, CliState& state) {
  auto* info = app.add_subcommand(
      "info", "Show this weir's version, paths, database, scheduler and DuckDB (for bug reports)");
  AddOutputOption(info, state);
  info->callback([&state] { state.Run([&] { return Info(state); }); });
}

}  // namespace weir
