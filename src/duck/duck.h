#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "duck/duck_api.h"

namespace weir {

class DuckConnection;

// How an embedded DuckDB may use the machine. Extensions are never installed or auto-loaded
// (CSV, Parquet, JSON and ICU are built in, and nothing may be downloaded at run time).
struct DuckOptions {
  std::string memory_limit;    // e.g. "512MB"; empty: DuckDB's default (80% of RAM)
  int threads = 0;             // 0: DuckDB's default (one per core)
  std::string temp_directory;  // where larger-than-memory work spills; empty: default
  bool read_only = false;      // open a database file for reading only
  // How long to keep trying while another process holds the file's lock (a DuckDB file has
  // one writer process at a time); 0: fail at once.
  std::chrono::milliseconds lock_wait{0};
  // For SQL written by someone who must not reach the machine through it (`weir query`):
  // no file but the database itself and those under `allowed_directories` can be read or
  // written, no extension loaded, and no setting changed (enable_external_access=false,
  // lock_configuration=true). Combine with read_only for a database that cannot change.
  bool confined = false;
  // With confined: what may still be read, e.g. the lake's folder, or a cloud lake's
  // "s3://bucket/prefix/" (DuckDB matches these as prefixes of any path or URL).
  std::vector<std::string> allowed_directories;
  // Where extensions beyond the built-in ones are loaded from (duck/duck_extension.h); empty:
  // none can be.
  std::string extension_directory;
  // Runs once on a first connection right after the database opens, before it is confined:
  // loads extensions and makes secrets (lake/duck_cloud.h), which a confined database refuses.
  // Returns what else a confined database may read (the cloud prefixes it readied).
  std::function<Result<std::vector<std::string>>(DuckConnection&)> prepare;
};

// The rows of a query, every value as text (null as std::nullopt): enough for tables, JSON
// output and tests. Columns carry DuckDB's type names.
struct DuckRows {
  std::vector<std::string> names;
  std::vector<std::string> types;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// One connection to one database. Not thread-safe: one thread at a time.
class DuckConnection {
 public:
  ~DuckConnection();
  DuckConnection(DuckConnection&&) noexcept;
  DuckConnection& operator=(DuckConnection&&) = delete;
  DuckConnection(const DuckConnection&) = delete;

  // Runs sql (one or more statements); errors carry DuckDB's message, prefixed with `what`.
  Status Execute(const std::string& sql, std::string_view what = "DuckDB");
  // Runs one query and returns its rows (the last statement's, for several).
  Result<DuckRows> Query(const std::string& sql, std::string_view what = "DuckDB");
  // Runs sql's statements one at a time and returns the last one's rows (a statement that
  // returns none gives DuckDB's count, or nothing). Errors name the statement: "(statement 2
  // of 3)". On a confined database (DuckOptions::confined) only queries run (SELECT,
  // EXPLAIN, PRAGMA, DESCRIBE, SHOW): COPY, EXPORT, ATTACH and the like are refused before
  // they run, as COPY ... TO could write into the allowed folders.
  //
  // `parameters` are values bound to the statements' placeholders, never spliced into the
  // SQL text: a JSON array for `?` and `$1, $2...` (counted per statement), or an object for
  // `$name`. Each statement binds the ones it uses. Strings bind as VARCHAR, whole numbers as
  // BIGINT, other numbers as DOUBLE, booleans as BOOLEAN, null as NULL, and arrays and objects
  // as their JSON text. A placeholder without a value is an error naming it.
  Result<DuckRows> QueryEach(const std::string& sql, std::string_view what = "DuckDB",
                             const Json& parameters = Json());

 private:
  friend class DuckDatabase;
  DuckConnection(const DuckApi* api, duckdb_connection con, bool queries_only)
      : api_(api), con_(con), queries_only_(queries_only) {}
  const DuckApi* api_;
  duckdb_connection con_;
  bool queries_only_;
};

// An open DuckDB database: a file, or in memory when path is empty or ":memory:".
class DuckDatabase {
 public:
  static Result<std::unique_ptr<DuckDatabase>> Open(const std::string& path,
                                                    const DuckOptions& options = {});
  ~DuckDatabase();
  DuckDatabase(const DuckDatabase&) = delete;
  DuckDatabase& operator=(const DuckDatabase&) = delete;

  Result<DuckConnection> Connect();
  const DuckApi& api() const { return *api_; }

 private:
  DuckDatabase(const DuckApi* api, duckdb_database db) : api_(api), db_(db) {}
  // See DuckOptions::confined.
  Status Confine(const std::vector<std::string>& allowed_directories);
  const DuckApi* api_;
  duckdb_database db_;
  bool confined_ = false;
};

// `text` as a SQL string literal: 'it''s'.
std::string DuckString(std::string_view text);

// A value of DuckRows as JSON: integers and floating-point numbers as numbers, BOOLEAN as
// true/false, NULL as null, everything else as its text.
Json DuckValueJson(const std::optional<std::string>& text, const std::string& type);

// DuckDB's name for a column type ("BIGINT", "VARCHAR", "TIMESTAMP", ...).
std::string DuckTypeName(duckdb_type type);

}  // namespace weir
