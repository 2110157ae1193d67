#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/json.h"
#include "exec/executor.h"
#include "ops/operator.h"

namespace weir {

// Reading an operator's rendered arguments. The DAG loader validates them against the
// operator's schema, but templates render after that, so every accessor checks the type
// again; errors name the operator and the argument.

// args[name] as a string; `fallback` when absent or null.
Result<std::string> StringArg(const Json& args, std::string_view op, std::string_view name,
                              std::string fallback = "");
// args[name] as a bool; `fallback` when absent or null.
Result<bool> BoolArg(const Json& args, std::string_view op, std::string_view name, bool fallback);
// args[name] as a whole number (a rendered template's text such as "42" counts); `fallback`
// when absent or null.
Result<int64_t> IntArg(const Json& args, std::string_view op, std::string_view name,
                       int64_t fallback);
// args[name] as a number (or a rendered template's text such as "0.5"); `fallback` when
// absent or null.
Result<double> NumberArg(const Json& args, std::string_view op, std::string_view name,
                         double fallback);
// args[name] as a map of strings (numbers and booleans are converted, as an environment
// would); empty when absent or null.
Result<std::map<std::string, std::string>> StringMapArg(const Json& args, std::string_view op,
                                                        std::string_view name);
// args[name] when it has the given JSON type (array or object); `fallback` when absent/null.
Result<Json> TypedArg(const Json& args, std::string_view op, std::string_view name,
                      Json::value_t type, Json fallback);

// An AttemptSpec with the key from ctx and a log header naming the attempt and the operator.
// The caller fills in log_path and timeout.
AttemptSpec BaseAttemptSpec(const AttemptContext& ctx, std::string_view op);

// "[weir] <label>: <value>\n", for log headers.
std::string HeaderLine(std::string_view label, std::string_view value);

// An AttemptEvent's `error` phrased for a task that failed, with `what` as the subject
// ("bash command"): "bash command exited with status 2", "bash command timed out after 1s
// (execution_timeout)", "bash command could not start: ...".
std::string DescribeFailure(std::string_view what, const AttemptEvent& event);

// An exit the operator treats as "skip me" (Airflow's skip_on_exit_code, 99).
bool IsSkipExit(const AttemptEvent& event);

}  // namespace weir
