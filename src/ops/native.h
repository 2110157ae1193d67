#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "duck/duck.h"
#include "model/connection.h"
#include "ops/operator.h"

namespace weir {

// What the lake already holds from a source URL: the source's validators when weir last
// fetched it, and the object it became (so http_download can skip an unchanged source).
struct SourceCopy {
  std::string source_url;
  std::string etag;           // the source's ETag then (may be empty)
  std::string last_modified;  // the source's Last-Modified then (may be empty)
  std::string object_uri;     // the lake object made from it, still present
};

// What a native operator sees when it runs.
struct NativeContext {
  std::string work_dir;        // the task's scratch folder (relative paths resolve here)
  std::string lake_uri;        // the default lake, for lake:// URIs
  std::string lake_conn_id;    // the connection of a default lake in a cloud store
  std::string database_url;    // the metadata store (the lake catalog lives there)
  std::string warehouse_path;  // the DuckDB warehouse file
  std::string logs_folder;     // where tries' logs go (a transfer's report goes beside its log)
  DuckOptions duck;            // memory limit, threads, spill folder for DuckDB in tasks
  // Which attempt this is (empty outside an attempt, e.g. in unit tests).
  std::string dag_id, run_id, task_id;
  int try_number = 0;
  // The lake's copy of a source URL, or nullopt when the catalog has none (or there is no
  // catalog, when unset).
  std::function<Result<std::optional<SourceCopy>>(const std::string& url)> find_source_copy;
  // A connection by id (WEIR_CONN_<ID> first, then the store, its secrets opened); unset
  // when there is no store (an error for an operator that names one).
  std::function<Result<Connection>(const std::string& conn_id)> find_connection;
};

// `path` as the task sees it: relative paths are relative to ctx.work_dir (when set).
std::string InWorkDir(const std::string& path, const NativeContext& ctx);

// An operator implemented inside weir (http_download, csv_to_parquet, lake_put, external_table,
// sql). Its attempt is a child process, `weir tasks run-native <name>`, so that a crash, a
// memory blow-up or a kill touches only that attempt, and heavy libraries (DuckDB, curl)
// are loaded there, never in the scheduler. The rendered arguments travel in the
// environment (WEIR_NATIVE_ARGS); the result comes back as JSON on fd 3 and is the XCom.
class NativeOperator : public Operator {
 public:
  Result<AttemptSpec> Prepare(const Json& args, const AttemptContext& ctx) const final;
  TaskOutcome Interpret(const Json& args, const AttemptEvent& event) const final;

  // Runs in the child process; progress goes to stdout (the attempt's log).
  virtual Result<Json> Run(const Json& args, const NativeContext& ctx) const = 0;
};

// The child's side: runs the native operator `name` with the arguments in the environment
// (WEIR_NATIVE_ARGS) and `ctx` (whose work_dir, identity and lake are taken from the
// attempt's WEIR_* variables when empty), writes {"result": ...} or {"error": "..."} to fd 3,
// and returns the exit code (0 on success, 1 on failure). A result with "skipped": true
// makes the task skipped.
int RunNativeOperator(std::string_view name, NativeContext ctx);

// The child's side when it cannot even start: reports `message` as the attempt's error on
// fd 3 and stderr, and returns the exit code (1).
int FailNativeOperator(const std::string& message);

}  // namespace weir
