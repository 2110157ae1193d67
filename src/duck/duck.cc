#include "duck/duck.h"

#include <algorithm>
#include <set>
#include <thread>

#include "base/sql_parameters.h"

namespace weir {

namespace {

// duckdb_result is a plain struct that must be destroyed exactly once.
class ResultGuard {
 public:
  ResultGuard(const DuckApi* api, duckdb_result* r) : api_(api), r_(r) {}
  ~ResultGuard() { api_->destroy_result(r_); }
  ResultGuard(const ResultGuard&) = delete;
  ResultGuard& operator=(const ResultGuard&) = delete;

 private:
  const DuckApi* api_;
  duckdb_result* r_;
};

std::string ErrorText(const DuckApi* api, duckdb_result* r) {
  const char* e = api->result_error(r);
  return e != nullptr ? e : "unknown error";
}

}  // namespace

Result<std::unique_ptr<DuckDatabase>> DuckDatabase::Open(const std::string& path,
                                                         const DuckOptions& options) {
  const DuckApi* api = TRY(LoadDuckApi());
  duckdb_config config = nullptr;
  if (api->create_config(&config) != DuckDBSuccess) {
    return Err(ErrorCode::kInternal, "DuckDB: cannot create a configuration");
  }
  std::vector<std::pair<std::string, std::string>> settings = {
      {"autoinstall_known_extensions", "false"},
      {"autoload_known_extensions", "false"},
  };
  if (!options.memory_limit.empty()) settings.emplace_back("memory_limit", options.memory_limit);
  if (options.threads > 0) settings.emplace_back("threads", std::to_string(options.threads));
  if (!options.temp_directory.empty()) {
    settings.emplace_back("temp_directory", options.temp_directory);
  }
  if (options.read_only) settings.emplace_back("access_mode", "READ_ONLY");
  for (const auto& [name, value] : settings) {
    if (api->set_config(config, name.c_str(), value.c_str()) != DuckDBSuccess) {
      api->destroy_config(&config);
      return Err(ErrorCode::kInvalidArgument, "DuckDB setting {} = '{}' is not valid", name, value);
    }
  }
  duckdb_database db = nullptr;
  const char* file = path.empty() || path == ":memory:" ? nullptr : path.c_str();
  auto deadline = std::chrono::steady_clock::now() + options.lock_wait;
  auto pause = std::chrono::milliseconds(50);
  std::string message;
  for (;;) {
    char* error = nullptr;
    duckdb_state state = api->open_ext(file, &db, config, &error);
    if (state == DuckDBSuccess) break;
    message = error != nullptr ? error : "unknown error";
    if (error != nullptr) api->free(error);
    bool locked = message.find("Could not set lock") != std::string::npos;
    if (!locked || std::chrono::steady_clock::now() + pause > deadline) {
      api->destroy_config(&config);
      // A lock held by another process is worth retrying later; anything else is not.
      return Err(locked ? ErrorCode::kUnavailable : ErrorCode::kIo,
                 "cannot open the DuckDB database {}: {}", file ? path : std::string(":memory:"),
                 message);
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(1000));
  }
  api->destroy_config(&config);
  auto database = std::unique_ptr<DuckDatabase>(new DuckDatabase(api, db));
  std::vector<std::string> allowed = options.allowed_directories;
  if (options.prepare) {
    auto con = TRY(database->Connect());
    std::vector<std::string> more = TRY(options.prepare(con));
    allowed.insert(allowed.end(), more.begin(), more.end());
  }
  if (options.confined) TRY(database->Confine(allowed));
  return database;
}

Status DuckDatabase::Confine(const std::vector<std::string>& allowed_directories) {
  // In this order: the allow-list cannot be set once external access is off, and nothing can
  // be set once the configuration is locked. The settings are the database's, so they hold
  // for every connection made later.
  std::string list;
  for (std::string dir : allowed_directories) {
    if (!dir.ends_with('/')) dir += '/';  // a folder, not every path that starts like it
    list += (list.empty() ? "" : ", ") + DuckString(dir);
  }
  auto con = TRY(Connect());
  if (!list.empty()) TRY(con.Execute("SET allowed_directories = [" + list + "]", "DuckDB"));
  TRY(con.Execute("SET enable_external_access = false", "DuckDB"));
  TRY(con.Execute("SET lock_configuration = true", "DuckDB"));
  confined_ = true;
  return {};
}

DuckDatabase::~DuckDatabase() { api_->close(&db_); }

Result<DuckConnection> DuckDatabase::Connect() {
  duckdb_connection con = nullptr;
  if (api_->connect(db_, &con) != DuckDBSuccess) {
    return Err(ErrorCode::kIo, "cannot connect to the DuckDB database");
  }
  return DuckConnection(api_, con, confined_);
}

DuckConnection::DuckConnection(DuckConnection&& other) noexcept
    : api_(other.api_), con_(other.con_), queries_only_(other.queries_only_) {
  other.con_ = nullptr;
}

DuckConnection::~DuckConnection() {
  if (con_ != nullptr) api_->disconnect(&con_);
}

Status DuckConnection::Execute(const std::string& sql, std::string_view what) {
  duckdb_result r;
  duckdb_state state = api_->query(con_, sql.c_str(), &r);
  ResultGuard guard(api_, &r);
  if (state != DuckDBSuccess) {
    return Err(ErrorCode::kInvalidArgument, "{}: {}", what, ErrorText(api_, &r));
  }
  return {};
}

namespace {

// The rows of a successful result.
DuckRows RowsOf(const DuckApi* api, duckdb_result* r) {
  DuckRows out;
  idx_t cols = api->column_count(r);
  idx_t rows = api->row_count(r);
  for (idx_t c = 0; c < cols; ++c) {
    const char* name = api->column_name(r, c);
    out.names.emplace_back(name != nullptr ? name : "");
    out.types.push_back(DuckTypeName(api->column_type(r, c)));
  }
  out.rows.reserve(rows);
  for (idx_t row = 0; row < rows; ++row) {
    std::vector<std::optional<std::string>> values;
    values.reserve(cols);
    for (idx_t c = 0; c < cols; ++c) {
      if (api->value_is_null(r, c, row)) {
        values.emplace_back(std::nullopt);
        continue;
      }
      char* text = api->value_varchar(r, c, row);
      values.emplace_back(std::string(text != nullptr ? text : ""));
      if (text != nullptr) api->free(text);
    }
    out.rows.push_back(std::move(values));
  }
  return out;
}

duckdb_state BindValue(const DuckApi* api, duckdb_prepared_statement p, idx_t i, const Json& v) {
  if (v.is_null()) return api->bind_null(p, i);
  if (v.is_boolean()) return api->bind_boolean(p, i, v.get<bool>());
  if (v.is_number_integer() && !v.is_number_unsigned())
    return api->bind_int64(p, i, v.get<int64_t>());
  if (v.is_number_unsigned() && v.get<uint64_t>() <= INT64_MAX) {
    return api->bind_int64(p, i, static_cast<int64_t>(v.get<uint64_t>()));
  }
  if (v.is_number()) return api->bind_double(p, i, v.get<double>());
  std::string text =
      v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, Json::error_handler_t::replace);
  return api->bind_varchar_length(p, i, text.data(), text.size());
}

// Binds each placeholder of a prepared statement to its value in `parameters`.
Status BindParameters(const DuckApi* api, duckdb_prepared_statement prepared,
                      const Json& parameters) {
  idx_t count = api->nparams(prepared);
  for (idx_t i = 1; i <= count; ++i) {
    const char* raw = api->parameter_name(prepared, i);
    std::string name = raw != nullptr ? raw : std::to_string(i);
    if (raw != nullptr) api->free(const_cast<char*>(raw));
    const Json* value = TRY(SqlParameterValue(parameters, name));
    if (BindValue(api, prepared, i, *value) != DuckDBSuccess) {
      return Err(ErrorCode::kInvalidArgument, "cannot bind {} to ${}",
                 value->dump(-1, ' ', false, Json::error_handler_t::replace), name);
    }
  }
  return {};
}

}  // namespace

Result<DuckRows> DuckConnection::Query(const std::string& sql, std::string_view what) {
  duckdb_result r;
  duckdb_state state = api_->query(con_, sql.c_str(), &r);
  ResultGuard guard(api_, &r);
  if (state != DuckDBSuccess) {
    return Err(ErrorCode::kInvalidArgument, "{}: {}", what, ErrorText(api_, &r));
  }
  return RowsOf(api_, &r);
}

namespace {

Status CheckQueryOnly(duckdb_statement_type type, idx_t i, idx_t count, std::string_view what) {
  if (type == DUCKDB_STATEMENT_TYPE_SELECT || type == DUCKDB_STATEMENT_TYPE_EXPLAIN ||
      type == DUCKDB_STATEMENT_TYPE_PRAGMA) {
    return {};
  }
  return Err(ErrorCode::kInvalidArgument,
             "{} (statement {} of {}): this connection is read-only: only queries run (SELECT, "
             "EXPLAIN, DESCRIBE, SHOW, PRAGMA); statements that write files, attach databases "
             "or change settings are refused",
             what, i + 1, count);
}

}  // namespace

Result<DuckRows> DuckConnection::QueryEach(const std::string& sql, std::string_view what,
                                           const Json& parameters) {
  duckdb_extracted_statements statements = nullptr;
  idx_t count = api_->extract_statements(con_, sql.c_str(), &statements);
  struct Extracted {
    const DuckApi* api;
    duckdb_extracted_statements* s;
    ~Extracted() { api->destroy_extracted(s); }
  } extracted{api_, &statements};
  if (count == 0) {
    const char* e = api_->extract_statements_error(statements);
    if (e != nullptr) return Err(ErrorCode::kInvalidArgument, "{}: {}", what, e);
    return DuckRows{};
  }
  DuckRows last;
  for (idx_t i = 0; i < count; ++i) {
    duckdb_prepared_statement prepared = nullptr;
    duckdb_state state = api_->prepare_extracted_statement(con_, statements, i, &prepared);
    struct Prepared {
      const DuckApi* api;
      duckdb_prepared_statement* p;
      ~Prepared() { api->destroy_prepare(p); }
    } guard_prepared{api_, &prepared};
    if (state != DuckDBSuccess) {
      const char* e = api_->prepare_error(prepared);
      return Err(ErrorCode::kInvalidArgument, "{} (statement {} of {}): {}", what, i + 1, count,
                 e != nullptr ? e : "cannot prepare");
    }
    if (queries_only_) TRY(CheckQueryOnly(api_->prepared_statement_type(prepared), i, count, what));
    TRY_CONTEXT(BindParameters(api_, prepared, parameters),
                fmt::format("{} (statement {} of {})", what, i + 1, count));
    duckdb_result r;
    state = api_->execute_prepared(prepared, &r);
    ResultGuard guard(api_, &r);
    if (state != DuckDBSuccess) {
      return Err(ErrorCode::kInvalidArgument, "{} (statement {} of {}): {}", what, i + 1, count,
                 ErrorText(api_, &r));
    }
    last = RowsOf(api_, &r);
  }
  return last;
}

std::string DuckTypeName(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_BOOLEAN:
      return "BOOLEAN";
    case DUCKDB_TYPE_TINYINT:
      return "TINYINT";
    case DUCKDB_TYPE_SMALLINT:
      return "SMALLINT";
    case DUCKDB_TYPE_INTEGER:
      return "INTEGER";
    case DUCKDB_TYPE_BIGINT:
      return "BIGINT";
    case DUCKDB_TYPE_HUGEINT:
      return "HUGEINT";
    case DUCKDB_TYPE_UTINYINT:
      return "UTINYINT";
    case DUCKDB_TYPE_USMALLINT:
      return "USMALLINT";
    case DUCKDB_TYPE_UINTEGER:
      return "UINTEGER";
    case DUCKDB_TYPE_UBIGINT:
      return "UBIGINT";
    case DUCKDB_TYPE_FLOAT:
      return "FLOAT";
    case DUCKDB_TYPE_DOUBLE:
      return "DOUBLE";
    case DUCKDB_TYPE_DECIMAL:
      return "DECIMAL";
    case DUCKDB_TYPE_VARCHAR:
      return "VARCHAR";
    case DUCKDB_TYPE_BLOB:
      return "BLOB";
    case DUCKDB_TYPE_DATE:
      return "DATE";
    case DUCKDB_TYPE_TIME:
      return "TIME";
    case DUCKDB_TYPE_TIMESTAMP:
      return "TIMESTAMP";
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return "TIMESTAMP WITH TIME ZONE";
    case DUCKDB_TYPE_TIMESTAMP_S:
      return "TIMESTAMP_S";
    case DUCKDB_TYPE_TIMESTAMP_MS:
      return "TIMESTAMP_MS";
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return "TIMESTAMP_NS";
    case DUCKDB_TYPE_INTERVAL:
      return "INTERVAL";
    case DUCKDB_TYPE_LIST:
      return "LIST";
    case DUCKDB_TYPE_STRUCT:
      return "STRUCT";
    case DUCKDB_TYPE_MAP:
      return "MAP";
    case DUCKDB_TYPE_UUID:
      return "UUID";
    default:
      return "OTHER";
  }
}

std::string DuckString(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

Json DuckValueJson(const std::optional<std::string>& text, const std::string& type) {
  if (!text) return Json();
  static const std::set<std::string> kIntegers = {"TINYINT",  "SMALLINT",  "INTEGER",  "BIGINT",
                                                  "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"};
  static const std::set<std::string> kReals = {"FLOAT", "DOUBLE", "DECIMAL"};
  try {
    if (kIntegers.count(type)) return Json(std::stoll(*text));
    if (kReals.count(type)) return Json(std::stod(*text));
  } catch (const std::exception&) {
    return Json(*text);
  }
  if (type == "BOOLEAN") return Json(*text == "true");
  return Json(*text);
}

}  // namespace weir
