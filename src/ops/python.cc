#include "ops/python.h"

#include "base/strings.h"
#include "ops/args.h"

namespace weir {
namespace {

// Runs in the child as `python -c kBootstrap <task json>`. It keeps fd 3 away from anything
// the user's code starts, and reports a bad "module:function" as an ordinary exception.
constexpr const char* kBootstrap = R"PY(
import json, os, sys
task = json.loads(sys.argv[1])
sys.path.insert(0, task["dags_folder"])
if task["mode"] == "script":
    import runpy
    path = task["script"]
    sys.argv = [path] + [a if isinstance(a, str) else json.dumps(a) for a in task["op_args"]]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    runpy.run_path(path, run_name="__main__")
else:
    os.set_inheritable(3, False)
    out = os.fdopen(3, "w")
    import importlib
    module_name, _, function_name = task["callable"].partition(":")
    target = importlib.import_module(module_name)
    for part in function_name.split("."):
        target = getattr(target, part)
    result = target(*task["op_args"], **task["op_kwargs"])
    out.write(json.dumps(result, default=str, allow_nan=False))
    out.close()
)PY";

std::string JoinPath(const std::string& dir, const std::string& path) {
  if (path.starts_with('/') || dir.empty()) return path;
  return dir.ends_with('/') ? dir + path : dir + "/" + path;
}

Status CheckCallable(const std::string& callable) {
  size_t colon = callable.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == callable.size() ||
      callable.find(':', colon + 1) != std::string::npos) {
    return Err(ErrorCode::kInvalidArgument,
               "python operator: callable '{}' must look like 'module:function' or "
               "'package.module:function'",
               callable);
  }
  return {};
}

}  // namespace

PythonOperator::PythonOperator() {
  schema_.name = "python";
  schema_.description =
      "Runs Python in a subprocess: a function given as 'module:function' (imported from the "
      "DAGs folder; its JSON-serialisable return value is the XCom) or a script file (its last "
      "stdout line is the XCom). Exit code 99 or SystemExit(99) marks the task skipped.";
  auto arg = [](std::string name, ArgType type, Json default_value, std::string description) {
    return ArgSpec{.name = std::move(name),
                   .type = type,
                   .required = false,
                   .default_value = std::move(default_value),
                   .description = std::move(description)};
  };
  schema_.args = {
      arg("callable", ArgType::kString, nullptr,
          "The function to call, as 'module:function' or 'package.module:function'."),
      arg("script", ArgType::kString, nullptr,
          "A Python file to run as __main__, relative to the DAGs folder."),
      arg("op_args", ArgType::kList, Json::array(),
          "Positional arguments: for the callable, JSON values; for a script, its argv."),
      arg("op_kwargs", ArgType::kMap, Json::object(), "Keyword arguments for the callable."),
      arg("python", ArgType::kString, "python3", "The interpreter, looked up on PATH."),
      arg("env", ArgType::kMap, nullptr,
          "Environment variables added to weir's own environment for the process."),
      arg("cwd", ArgType::kString, nullptr,
          "Working directory; defaults to a fresh scratch folder for the attempt."),
  };
  schema_.one_of = {"callable", "script"};
}

Result<AttemptSpec> PythonOperator::Prepare(const Json& args, const AttemptContext& ctx) const {
  std::string callable = TRY(StringArg(args, "python", "callable"));
  std::string script = TRY(StringArg(args, "python", "script"));
  if (callable.empty() == script.empty()) {
    return Err(ErrorCode::kInvalidArgument,
               "python operator: give exactly one of 'callable' and 'script'");
  }
  Json task = {
      {"mode", callable.empty() ? "script" : "callable"},
      {"dags_folder", ctx.dags_folder},
      {"op_args", TRY(TypedArg(args, "python", "op_args", Json::value_t::array, Json::array()))},
      {"op_kwargs",
       TRY(TypedArg(args, "python", "op_kwargs", Json::value_t::object, Json::object()))},
  };
  AttemptSpec spec = BaseAttemptSpec(ctx, "python");
  if (!callable.empty()) {
    TRY(CheckCallable(callable));
    task["callable"] = callable;
    spec.result_channel = true;
    spec.log_header += HeaderLine("callable", callable);
  } else {
    task["script"] = JoinPath(ctx.dags_folder, script);
    spec.log_header += HeaderLine("script", task["script"].get<std::string>());
  }
  spec.log_header += HeaderLine("op_args", task["op_args"].dump());
  spec.log_header += HeaderLine("op_kwargs", task["op_kwargs"].dump());

  std::string python = TRY(StringArg(args, "python", "python", "python3"));
  spec.process.argv = {python, "-c", kBootstrap, task.dump()};
  spec.process.env = TRY(StringMapArg(args, "python", "env"));
  for (const auto& [key, value] : ctx.env) spec.process.env[key] = value;
  // Unbuffered, so the log shows output live and stdout and stderr in the order written.
  spec.process.env["PYTHONUNBUFFERED"] = "1";
  spec.process.cwd = TRY(StringArg(args, "python", "cwd", ctx.work_dir));
  spec.log_header += HeaderLine("python", python);
  return spec;
}

TaskOutcome PythonOperator::Interpret(const Json& args, const AttemptEvent& event) const {
  bool is_callable = args.is_object() && args.contains("callable") && !args["callable"].is_null();
  TaskOutcome outcome;
  if (event.exit_code == 0 && event.error.empty()) {
    outcome.state = TaskState::kSuccess;
    if (is_callable) {
      outcome.xcom = event.result.value_or(nullptr);
    } else if (!event.last_stdout_line.empty()) {
      outcome.xcom = event.last_stdout_line;
    }
  } else if (IsSkipExit(event)) {
    outcome.state = TaskState::kSkipped;
  } else {
    outcome.state = TaskState::kFailed;
    outcome.error = DescribeFailure(is_callable ? "python callable" : "python script", event);
    if (event.exit_code > 0) outcome.error += "; see the log for the traceback";
  }
  return outcome;
}

}  // namespace weir
