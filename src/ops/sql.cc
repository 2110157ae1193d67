#include "ops/sql.h"

#include <fmt/ranges.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>

#include "base/sql_parameters.h"
#include "lake/duck_cloud.h"
#include "ops/args.h"
#include "ops/bigquery_ops.h"

namespace weir {

namespace {

constexpr std::string_view kOp = "sql";

// The last statement's rows, typed for JSON.
struct SqlResult {
  std::vector<std::string> columns;
  Json rows = Json::array();
  int64_t row_count = 0;
};

Result<SqlResult> RunDuck(const std::string& path, const std::string& sql, const Json& parameters,
                          int64_t max_rows, const NativeContext& ctx) {
  DuckOptions options = ctx.duck;
  options.lock_wait = std::chrono::seconds(120);
  if (!path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  }
  // Tables over cloud files (a cloud lake's, or a view's) are read through DuckDB's extension.
  auto problem = std::make_shared<std::string>();
  options.prepare = WarehouseReadsPrepare(ctx.lake_uri, {ctx.lake_conn_id, ctx.find_connection},
                                          ctx.duck.extension_directory, problem);
  auto db = TRY_CONTEXT(DuckDatabase::Open(path, options), "sql");
  auto con = TRY(db->Connect());
  auto queried = con.QueryEach(sql, "sql", parameters);
  if (!queried) return std::unexpected(WithCloudProblem(queried.error(), *problem));
  DuckRows rows = std::move(*queried);
  SqlResult out;
  out.columns = rows.names;
  out.row_count = static_cast<int64_t>(rows.rows.size());
  for (const auto& row : rows.rows) {
    if (static_cast<int64_t>(out.rows.size()) >= max_rows) break;
    Json obj = Json::object();
    for (size_t c = 0; c < row.size() && c < rows.names.size(); ++c) {
      obj[rows.names[c]] = DuckValueJson(row[c], rows.types[c]);
    }
    out.rows.push_back(std::move(obj));
  }
  return out;
}

int BindSqliteValue(sqlite3_stmt* stmt, int i, const Json& v) {
  if (v.is_null()) return sqlite3_bind_null(stmt, i);
  if (v.is_boolean()) return sqlite3_bind_int(stmt, i, v.get<bool>() ? 1 : 0);
  if (v.is_number_integer() && (!v.is_number_unsigned() || v.get<uint64_t>() <= INT64_MAX)) {
    return sqlite3_bind_int64(stmt, i, v.get<int64_t>());
  }
  if (v.is_number()) return sqlite3_bind_double(stmt, i, v.get<double>());
  std::string text =
      v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, Json::error_handler_t::replace);
  return sqlite3_bind_text64(stmt, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

// Binds each placeholder of a SQLite statement (?, ?1, $1, :name, @name, $name) to its value.
Status BindSqlite(sqlite3* db, sqlite3_stmt* stmt, const Json& parameters) {
  int count = sqlite3_bind_parameter_count(stmt);
  for (int i = 1; i <= count; ++i) {
    const char* raw = sqlite3_bind_parameter_name(stmt, i);
    // A bare ? has no name: its number is its index.
    std::string name = raw != nullptr ? std::string(raw + 1) : std::to_string(i);
    const Json* value = TRY(SqlParameterValue(parameters, name));
    if (BindSqliteValue(stmt, i, *value) != SQLITE_OK) {
      return Err(ErrorCode::kInvalidArgument, "cannot bind {} to {}: {}", value->dump(),
                 raw != nullptr ? raw : "?", sqlite3_errmsg(db));
    }
  }
  return {};
}

Result<SqlResult> RunSqlite(const std::string& path, const std::string& sql, const Json& parameters,
                            int64_t max_rows) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  if (rc != SQLITE_OK) {
    return Err(ErrorCode::kIo, "sql: cannot open SQLite database {}: {}", path,
               raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
  }
  sqlite3_busy_timeout(db.get(), 30000);
  SqlResult out;
  const char* tail = sql.c_str();
  const char* end = sql.c_str() + sql.size();
  while (tail < end) {
    sqlite3_stmt* raw_stmt = nullptr;
    const char* next = nullptr;
    rc = sqlite3_prepare_v2(db.get(), tail, static_cast<int>(end - tail), &raw_stmt, &next);
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw_stmt, &sqlite3_finalize);
    if (rc != SQLITE_OK) {
      return Err(ErrorCode::kInvalidArgument, "sql: SQLite {}: {}", path, sqlite3_errmsg(db.get()));
    }
    tail = next;
    if (stmt == nullptr) continue;  // whitespace or a comment
    TRY_CONTEXT(BindSqlite(db.get(), stmt.get(), parameters), "sql: SQLite " + path);
    int cols = sqlite3_column_count(stmt.get());
    if (cols > 0) {
      out = SqlResult{};
      for (int c = 0; c < cols; ++c) out.columns.emplace_back(sqlite3_column_name(stmt.get(), c));
    }
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      ++out.row_count;
      if (static_cast<int64_t>(out.rows.size()) >= max_rows) continue;
      Json obj = Json::object();
      for (int c = 0; c < cols; ++c) {
        switch (sqlite3_column_type(stmt.get(), c)) {
          case SQLITE_INTEGER:
            obj[out.columns[c]] = sqlite3_column_int64(stmt.get(), c);
            break;
          case SQLITE_FLOAT:
            obj[out.columns[c]] = sqlite3_column_double(stmt.get(), c);
            break;
          case SQLITE_NULL:
            obj[out.columns[c]] = nullptr;
            break;
          default:
            obj[out.columns[c]] =
                std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), c)));
        }
      }
      out.rows.push_back(std::move(obj));
    }
    if (rc != SQLITE_DONE) {
      return Err(ErrorCode::kInvalidArgument, "sql: SQLite {}: {}", path, sqlite3_errmsg(db.get()));
    }
  }
  return out;
}

}  // namespace

SqlOperator::SqlOperator() {
  schema_.name = "sql";
  schema_.description = "Runs SQL against the DuckDB warehouse, a DuckDB file or SQLite.";
  schema_.args = {
      {"sql", ArgType::kString, true, Json(),
       "The SQL (one or more statements), or a file name ending in .sql, relative to the DAG "
       "file's folder; either is rendered as a template."},
      {"conn", ArgType::kString, false, Json("warehouse"),
       "warehouse (the configured DuckDB warehouse), duckdb:///absolute/path.duckdb, "
       "duckdb:// (in memory), sqlite:///absolute/path.db, or bigquery (a query job through "
       "gcp_conn_id)."},
      {"parameters", ArgType::kAny, false, Json(),
       "Values for the SQL's placeholders, bound by the database and never spliced into the "
       "SQL text: a list for ? and $1, $2 (counted per statement), or a map for $name "
       "(templated)."},
      {"max_rows", ArgType::kInteger, false, Json(100),
       "How many of the last statement's rows the XCom keeps."},
  };
  for (const ArgSpec& spec : BigQuerySqlArgs()) schema_.args.push_back(spec);
  schema_.template_file_args = {"sql"};
  schema_.template_exts = {".sql"};
}

Result<Json> SqlOperator::Run(const Json& args, const NativeContext& ctx) const {
  std::string sql = TRY(StringArg(args, kOp, "sql"));
  std::string conn = TRY(StringArg(args, kOp, "conn", "warehouse"));
  if (conn == "bigquery") return RunBigQuerySql(args, ctx);
  TRY(RefuseBigQueryArgs(args, kOp, BigQuerySqlArgs()));
  int64_t max_rows = TRY(IntArg(args, kOp, "max_rows", 100));
  Json parameters = args.is_object() && args.contains("parameters") ? args["parameters"] : Json();
  if (!parameters.is_null() && !parameters.is_array() && !parameters.is_object()) {
    return Err(ErrorCode::kInvalidArgument,
               "sql: argument 'parameters' must be a list (for ?) or a map (for $name), got {}",
               parameters.dump());
  }
  SqlResult result;
  if (conn == "warehouse") {
    if (ctx.warehouse_path.empty()) {
      return Err(ErrorCode::kFailedPrecondition, "sql: no warehouse is configured");
    }
    result = TRY(RunDuck(ctx.warehouse_path, sql, parameters, max_rows, ctx));
  } else if (conn.rfind("duckdb://", 0) == 0) {
    result = TRY(RunDuck(conn.substr(9), sql, parameters, max_rows, ctx));
  } else if (conn.rfind("sqlite:///", 0) == 0) {
    result = TRY(RunSqlite(conn.substr(9), sql, parameters, max_rows));
  } else {
    return Err(ErrorCode::kInvalidArgument,
               "sql: conn '{}' must be warehouse, duckdb:///path, duckdb://, sqlite:///path or "
               "bigquery",
               conn);
  }
  fmt::print("[weir] {}: {} rows, columns: {}\n", conn, result.row_count,
             fmt::join(result.columns, ", "));
  for (size_t i = 0; i < result.rows.size() && i < 20; ++i) {
    fmt::print("[weir]   {}\n", result.rows[i].dump());
  }
  return Json{{"connection", conn},
              {"columns", result.columns},
              {"rows", result.rows},
              {"row_count", result.row_count},
              {"truncated", result.row_count > static_cast<int64_t>(result.rows.size())}};
}

}  // namespace weir
