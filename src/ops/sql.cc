#include "ops/sql.h"

#include <fmt/ranges.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>

#include "ops/args.h"

namespace weir {

namespace {

constexpr std::string_view kOp = "sql";

// The last statement's rows, typed for JSON.
struct SqlResult {
  std::vector<std::string> columns;
  Json rows = Json::array();
  int64_t row_count = 0;
};

Result<SqlResult> RunDuck(const std::string& path, const std::string& sql, int64_t max_rows,
                          const NativeContext& ctx) {
  DuckOptions options = ctx.duck;
  options.lock_wait = std::chrono::seconds(120);
  if (!path.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  }
  auto db = TRY_CONTEXT(DuckDatabase::Open(path, options), "sql");
  auto con = TRY(db->Connect());
  DuckRows rows = TRY(con.QueryEach(sql, "sql"));
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

Result<SqlResult> RunSqlite(const std::string& path, const std::string& sql, int64_t max_rows) {
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
       "duckdb:// (in memory) or sqlite:///absolute/path.db."},
      {"max_rows", ArgType::kInteger, false, Json(100),
       "How many of the last statement's rows the XCom keeps."},
  };
  schema_.template_file_args = {"sql"};
  schema_.template_exts = {".sql"};
}

Result<Json> SqlOperator::Run(const Json& args, const NativeContext& ctx) const {
  std::string sql = TRY(StringArg(args, kOp, "sql"));
  std::string conn = TRY(StringArg(args, kOp, "conn", "warehouse"));
  int64_t max_rows = TRY(IntArg(args, kOp, "max_rows", 100));
  SqlResult result;
  if (conn == "warehouse") {
    if (ctx.warehouse_path.empty()) {
      return Err(ErrorCode::kFailedPrecondition, "sql: no warehouse is configured");
    }
    result = TRY(RunDuck(ctx.warehouse_path, sql, max_rows, ctx));
  } else if (conn.rfind("duckdb://", 0) == 0) {
    result = TRY(RunDuck(conn.substr(9), sql, max_rows, ctx));
  } else if (conn.rfind("sqlite:///", 0) == 0) {
    result = TRY(RunSqlite(conn.substr(9), sql, max_rows));
  } else {
    return Err(ErrorCode::kInvalidArgument,
               "sql: conn '{}' must be warehouse, duckdb:///path, duckdb:// or sqlite:///path",
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
