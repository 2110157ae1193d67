// `weir query "SQL"`: SQL against the DuckDB warehouse, read-only and confined to the lake.
#include <filesystem>

#include "cli/commands.h"
#include "duck/duck.h"
#include "engine/connections.h"
#include "lake/duck_cloud.h"
#include "lake/object_store.h"
#include "store/open.h"

namespace weir {

namespace {

Result<int> QueryCmd(CliState& state, const std::string& sql) {
  Config config = TRY(LoadConfig());
  std::error_code ec;
  if (!std::filesystem::exists(config.warehouse, ec)) {
    return Err(ErrorCode::kNotFound,
               "there is no warehouse at {} yet: a DAG with an external_table task creates it "
               "(e.g. weir dags test yellow_taxi_ingestion 2021-01-01), or set warehouse in "
               "weir.yaml",
               config.warehouse);
  }
  DuckOptions options;
  options.memory_limit = config.duckdb_memory_limit;
  options.threads = config.duckdb_threads;
  options.read_only = true;
  // Read-only means more than the warehouse file: the SQL may read the lake (the external
  // tables' files) and nothing else on the machine, write no file, and change no setting.
  options.confined = true;
  // A cloud lake, and the buckets of the tables over cloud files, are read through DuckDB's
  // extension (loaded before the database is confined), and only under those prefixes.
  if (auto lake = DuckPathOf("lake://", config.lake)) options.allowed_directories = {*lake};
  auto problem = std::make_shared<std::string>();
  options.extension_directory = config.duckdb_extension_directory;
  ConnectionFinder find = [&config](const std::string& id) -> Result<Connection> {
    auto store = TRY(OpenMetadataStore(config.database));
    return FindConnection(*store, config.secret_key_file, id);
  };
  options.prepare = WarehouseReadsPrepare(config.lake, {config.lake_conn_id, find},
                                          config.duckdb_extension_directory, problem);
  options.lock_wait = std::chrono::seconds(30);  // a task may be replacing a table
  auto db = TRY(DuckDatabase::Open(config.warehouse, options));
  auto con = TRY(db->Connect());
  auto queried = con.QueryEach(sql, "query");
  if (!queried) return std::unexpected(WithCloudProblem(queried.error(), *problem));
  DuckRows rows = std::move(*queried);
  Table t(rows.names);
  for (const auto& row : rows.rows) {
    std::vector<std::string> cells;
    Json json = Json::object();
    for (size_t c = 0; c < row.size(); ++c) {
      cells.push_back(row[c].value_or("NULL"));
      json[rows.names[c]] = DuckValueJson(row[c], rows.types[c]);
    }
    t.AddRow(std::move(cells), std::move(json));
  }
  t.Print(state.format());
  return kExitOk;
}

}  // namespace

void AddQueryCommand(CLI::App& app, CliState& state) {
  static std::string sql;
  auto* query = app.add_subcommand(
      "query", "Run SQL against the DuckDB warehouse (read-only) and print the rows");
  query->add_option("sql", sql, "The SQL, e.g. \"SELECT count(*) FROM yellow_tripdata\"")
      ->required();
  AddOutputOption(query, state);
  query->callback([&state] { state.Run([&] { return QueryCmd(state, sql); }); });
}

}  // namespace weir
