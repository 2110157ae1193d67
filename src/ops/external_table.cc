#include "ops/external_table.h"

#include <cctype>
#include <filesystem>

#include "base/strings.h"
#include "duck/file_facts.h"
#include "lake/azure/azure_store.h"
#include "lake/duck_cloud.h"
#include "lake/gcs/google_connection.h"
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

// The connection a cloud source is read with: the lake's for lake://, else the task's
// aws_conn_id, gcp_conn_id or wasb_conn_id by scheme (each defaulting to Airflow's id).
Result<std::string> SourceConnId(const Json& args, const std::string& source,
                                 const NativeContext& ctx) {
  if (source.starts_with("lake://")) return ctx.lake_conn_id;
  if (source.starts_with("s3://")) {
    return StringArg(args, kOp, "aws_conn_id", std::string(kDefaultAwsConnId));
  }
  if (source.starts_with("gs://")) {
    return StringArg(args, kOp, "gcp_conn_id", std::string(kDefaultGoogleConnId));
  }
  return StringArg(args, kOp, "wasb_conn_id", std::string(kDefaultAzureConnId));
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
       "The files: lake://<prefix>/, file:///path/, s3://, gs:// or az://bucket/prefix/ (every "
       "file of the format below it, recursively), one file, or a glob "
       "(lake://raw/t/year=*/month=*/*.parquet). DuckDB reads cloud files through its httpfs "
       "or azure extension, from duckdb_extension_directory."},
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
  schema_.args.push_back(
      {"aws_conn_id", ArgType::kString, false, Json(std::string(kDefaultAwsConnId)),
       "DuckDB: the aws connection of an s3:// source (a lake:// source uses lake_conn_id)."});
  schema_.args.push_back({"wasb_conn_id", ArgType::kString, false,
                          Json(std::string(kDefaultAzureConnId)),
                          "DuckDB: the azure_blob connection of an az:// source."});
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
  std::string path = TRY_CONTEXT(DuckPathOf(source, ctx.lake_uri), "external_table: source");
  bool cloud = IsCloudUri(path);
  std::string pattern = path;
  std::error_code ec;
  if (!HasGlob(path) && (path.back() == '/' || (!cloud && fs::is_directory(path, ec)))) {
    while (!pattern.empty() && pattern.back() == '/') pattern.pop_back();
    pattern += format == "parquet" ? "/**/*.parquet" : "/**/*.csv*";
  }

  DuckOptions options = ctx.duck;
  options.lock_wait = std::chrono::seconds(120);
  int64_t file_count = 0;
  std::string comment;  // on a view over cloud files: how to read them again
  if (cloud) {
    // The files are read through DuckDB's extension, with the connection as a secret that
    // lives only in this process; the view's comment lets sql tasks and weir query make it
    // again.
    std::vector<CloudRead> reads = {
        {pattern, {TRY(SourceConnId(args, source, ctx)), ctx.find_connection}}};
    comment = CloudViewComment(reads.front());
    options.prepare = [reads, dir = ctx.duck.extension_directory](
                          DuckConnection& c) -> Result<std::vector<std::string>> {
      TRY(PrepareCloudReads(c, dir, reads));
      return std::vector<std::string>();
    };
  }
  {
    // The files are counted before the warehouse is opened, so a missing extension, a refused
    // key or no files at all leave no trace in it (not even a new, empty warehouse file).
    auto lister = TRY_CONTEXT(DuckDatabase::Open("", options), "external_table");
    auto con = TRY(lister->Connect());
    DuckRows files = TRY(con.Query("SELECT count(*) FROM glob(" + DuckString(pattern) + ")",
                                   "external_table: listing " + pattern));
    file_count = std::stoll(files.rows.at(0).at(0).value_or("0"));
  }
  if (file_count == 0) {
    return Err(ErrorCode::kNotFound,
               "external_table: no {} files match {} (from {}), so {} was not changed; did the "
               "upload task run?",
               format, pattern, source, table);
  }
  fs::create_directories(fs::path(warehouse).parent_path(), ec);
  auto db = TRY_CONTEXT(DuckDatabase::Open(warehouse, options), "external_table");
  auto con = TRY(db->Connect());
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
    if (!comment.empty()) {
      TRY(con.Execute(fmt::format("COMMENT ON VIEW {} IS {}", view, DuckString(comment)), what));
    }
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
