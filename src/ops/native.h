#pragma once

#include <map>
#include <string>
#include <string_view>

#include "ops/operator.h"

namespace weir {

// What a native operator sees when it runs.
struct NativeContext {
  std::string work_dir;  // the task's scratch folder (relative paths resolve here)
  std::string lake_uri;  // the default lake, for lake:// URIs
};

// An operator implemented inside weir (lake_put, and later http_download, csv_to_parquet,
// ...). Its attempt is a child process, `weir tasks run-native <name>`, so that a crash, a
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

// The child's side: runs the native operator `name` with the arguments and context in the
// environment, writes {"result": ...} or {"error": "..."} to fd 3, and returns the exit code
// (0 on success, 1 on failure).
int RunNativeOperator(std::string_view name);

}  // namespace weir
