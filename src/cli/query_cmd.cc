// `weir query "SQL"`: SQL against the DuckDB warehouse, read-only and confined to the lake.
#include <filesystem>

#include "cli/commands.h"
#include "duck/duck.h"
#include "lake/object_store.h"

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
  if (auto lake = LocalPathOf("lake://", config.lake)) options.allowed_directories = {*lake};
  options.lock_wait = std::chrono::seconds(30);  // a task may be replacing a table
  auto db = TRY(DuckDatabase::Open(config.warehouse, options));
  auto con = TRY(db->Connect());
  DuckRows rows = TRY(con.QueryEach(sql, "query"));
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
