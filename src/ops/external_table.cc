#include "ops/external_table.h"

#include <cctype>
#include <filesystem>

#include "base/strings.h"
#include "duck/file_facts.h"
#include "lake/object_store.h"
#include "ops/args.h"
#include "ops/bigquery_ops.h"

namespace weir {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kOp = "external_table";

// "name" or "schema.name", each an SQL identifier that needs no quoting.
Result<std::vector<std::string>> TableName(const std::string& table) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t dot = table.find('.', start);
    parts.push_back(table.substr(start, dot == std::string::npos ? dot : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  bool ok = parts.size() <= 2;
  for (const auto& p : parts) {
    ok = ok && !p.empty() && (std::isalpha(static_cast<unsigned char>(p[0])) || p[0] == '_');
    for (char c : p) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  }
  if (!ok) {
    return Err(ErrorCode::kInvalidArgument,
               "external_table: table '{}' must be name or schema.name (letters, digits, _); "
               "a BigQuery table (project.dataset.table) needs warehouse: bigquery",
               table);
  }
  return parts;
}

std::string Quoted(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ".") + ("\"" + p + "\"");
  return out;
}

// DuckDB reads s3://, gs:// and az:// only through its httpfs (and azure) extensions, which
// weir never downloads at run time; until weir loads them from a configured folder, a cloud
// source is refused with the ways that work today.
Status RefuseCloudSource(const std::string& source, const std::string& lake_uri) {
  std::string where = source;
  if (source.starts_with("lake://") && !lake_uri.empty() && !lake_uri.starts_with("file://")) {
    where = lake_uri;
  }
  for (std::string_view scheme : {"s3://", "gs://", "az://"}) {
    if (!where.starts_with(scheme)) continue;
    return Err(ErrorCode::kFailedPrecondition,
               "external_table: {} is in a cloud store ({}), and the DuckDB warehouse can read "
               "cloud files only through DuckDB's httpfs extension{}, which weir does not "
               "download at run time and does not load yet. Make the table where DuckDB can read "
               "the files: keep a copy in a file:// lake{}",
               source, where, scheme == "az://" ? " (and azure for az://)" : "",
               scheme == "gs://" ? ", or use warehouse: bigquery for gs:// files" : "");
  }
  return {};
}

bool HasGlob(const std::string& path) { return path.find_first_of("*?[") != std::string::npos; }

}  // namespace

ExternalTableOperator::ExternalTableOperator() {
  schema_.name = "external_table";
  schema_.description =
      "Creates or replaces a warehouse table (a DuckDB view) over lake files, with hive "
      "partitioning and union by name.";
  schema_.args = {
      {"table", ArgType::kString, true, Json(), "The table: name or schema.name."},
      {"source", ArgType::kString, true, Json(),
       "The files: lake://<prefix>/ or file:///path/ (every file of the format below it, "
       "recursively), one file, or a glob (lake://raw/t/year=*/month=*/*.parquet)."},
      {"format", ArgType::kString, false, Json("parquet"), "parquet or csv."},
      {"hive_partitioning", ArgType::kBoolean, false, Json(true),
       "Path segments key=value become columns (year=2021/month=01: year, month)."},
      {"union_by_name", ArgType::kBoolean, false, Json(true),
       "Files with different columns read as one table, matched by name (missing columns are "
       "NULL)."},
      {"hive_types", ArgType::kMap, false, Json(),
       "Types of partition columns (e.g. {year: INTEGER, month: INTEGER}); default: DuckDB "
       "infers them, and keeps zero-padded values such as 01 as text."},
      {"warehouse", ArgType::kString, false, Json(),
       "The DuckDB database file (default: the configured warehouse, "
       "$WEIR_HOME/warehouse.duckdb), or bigquery: an external table in BigQuery over gs:// "
       "files (table is then project.dataset.table or dataset.table)."},
  };
  for (const ArgSpec& spec : BigQueryExternalTableArgs()) schema_.args.push_back(spec);
}

Result<Json> ExternalTableOperator::Run(const Json& args, const NativeContext& ctx) const {
  if (TRY(StringArg(args, kOp, "warehouse", "")) == "bigquery") {
    return RunBigQueryExternalTable(args, ctx);
  }
  TRY(RefuseBigQueryArgs(args, kOp, BigQueryExternalTableArgs()));
  std::string table = TRY(StringArg(args, kOp, "table"));
  std::vector<std::string> name = TRY(TableName(table));
  std::string source = TRY(StringArg(args, kOp, "source"));
  std::string format = ToLower(TRY(StringArg(args, kOp, "format", "parquet")));
  if (format != "parquet" && format != "csv") {
    return Err(ErrorCode::kInvalidArgument,
               "external_table: format '{}' is not one of parquet, csv", format);
  }
  bool hive = TRY(BoolArg(args, kOp, "hive_partitioning", true));
  bool by_name = TRY(BoolArg(args, kOp, "union_by_name", true));
  std::map<std::string, std::string> hive_types = TRY(StringMapArg(args, kOp, "hive_types"));
  std::string warehouse = TRY(StringArg(args, kOp, "warehouse", ctx.warehouse_path));
  if (warehouse.empty()) {
    return Err(ErrorCode::kFailedPrecondition, "external_table: no warehouse is configured");
  }
  TRY(RefuseCloudSource(source, ctx.lake_uri));
  std::string path = TRY_CONTEXT(LocalPathOf(source, ctx.lake_uri), "external_table: source");
  std::string pattern = path;
  std::error_code ec;
  if (!HasGlob(path) && (path.back() == '/' || fs::is_directory(path, ec))) {
    while (!pattern.empty() && pattern.back() == '/') pattern.pop_back();
    pattern += format == "parquet" ? "/**/*.parquet" : "/**/*.csv*";
  }

  DuckOptions options = ctx.duck;
  options.lock_wait = std::chrono::seconds(120);
  fs::create_directories(fs::path(warehouse).parent_path(), ec);
  auto db = TRY_CONTEXT(DuckDatabase::Open(warehouse, options), "external_table");
  auto con = TRY(db->Connect());
  DuckRows files = TRY(con.Query("SELECT count(*) FROM glob(" + DuckString(pattern) + ")",
                                 "external_table: listing " + pattern));
  int64_t file_count = std::stoll(files.rows.at(0).at(0).value_or("0"));
  if (file_count == 0) {
    return Err(ErrorCode::kNotFound,
               "external_table: no {} files match {} (from {}), so {} was not changed; did the "
               "upload task run?",
               format, pattern, source, table);
  }
  std::string typed;
  for (const auto& [column, type] : hive_types) {
    typed += (typed.empty() ? "" : ", ") + DuckString(column) + ": " + DuckString(type);
  }
  std::string reader =
      fmt::format("{}({}, hive_partitioning={}, union_by_name={}{})",
                  format == "parquet" ? "read_parquet" : "read_csv", DuckString(pattern), hive,
                  by_name, typed.empty() ? "" : ", hive_types={" + typed + "}");
  std::string view = Quoted(name);
  std::string what = "external_table: " + table;
  TRY(con.Execute("BEGIN TRANSACTION", what));
  auto replace = [&]() -> Result<std::pair<DuckRows, DuckRows>> {
    if (name.size() == 2) {
      TRY(con.Execute("CREATE SCHEMA IF NOT EXISTS " + Quoted({name[0]}), what));
    }
    TRY(con.Execute(fmt::format("CREATE OR REPLACE VIEW {} AS SELECT * FROM {}", view, reader),
                    what));
    // Reading it once proves the files agree with each other (and counts the rows).
    DuckRows counted = TRY(con.Query("SELECT count(*) FROM " + view, what));
    DuckRows described = TRY(con.Query("DESCRIBE " + view, what));
    return std::make_pair(std::move(counted), std::move(described));
  };
  auto replaced = replace();
  if (!replaced) {
    (void)con.Execute("ROLLBACK");
    return Err(replaced.error().code, "{}; the table was not changed", replaced.error().message);
  }
  TRY(con.Execute("COMMIT", what));
  int64_t rows = std::stoll(replaced->first.rows.at(0).at(0).value_or("0"));
  std::vector<ColumnInfo> columns;
  for (const auto& r : replaced->second.rows) {
    if (r.size() < 2) continue;
    const auto& name = r[0];
    const auto& type = r[1];
    if (name && type) columns.push_back(ColumnInfo{*name, *type});
  }
  fmt::print("[weir] {} in {}: a view over {} files ({}), {} rows, {} columns\n", table, warehouse,
             file_count, pattern, rows, columns.size());
  return Json{{"table", table},        {"source", source}, {"pattern", pattern},
              {"files", file_count},   {"rows", rows},     {"columns", ColumnsToJson(columns)},
              {"warehouse", warehouse}};
}

}  // namespace weir
