#include "ops/bash.h"

#include "base/strings.h"
#include "ops/args.h"

namespace weir {

BashOperator::BashOperator() {
  schema_.name = "bash";
  schema_.description =
      "Runs a shell command with /bin/bash -c. The last non-empty line it prints becomes the "
      "XCom; exit code 99 marks the task skipped, any other non-zero code fails it.";
  schema_.args = {
      {.name = "command",
       .type = ArgType::kString,
       .required = true,
       .default_value = nullptr,
       .description = "The bash script to run (templated)."},
      {.name = "env",
       .type = ArgType::kMap,
       .required = false,
       .default_value = nullptr,
       .description = "Environment variables for the command, added to (or, with append_env "
                      "false, replacing) weir's own environment."},
      {.name = "cwd",
       .type = ArgType::kString,
       .required = false,
       .default_value = nullptr,
       .description = "Working directory; defaults to a fresh scratch folder for the attempt."},
      {.name = "append_env",
       .type = ArgType::kBoolean,
       .required = false,
       .default_value = true,
       .description = "Inherit weir's environment. When false the command sees only `env`, "
                      "the AIRFLOW_CTX_* variables and PATH."},
  };
}

Result<AttemptSpec> BashOperator::Prepare(const Json& args, const AttemptContext& ctx) const {
  std::string command = TRY(StringArg(args, "bash", "command"));
  if (Trim(command).empty()) {
    return Err(ErrorCode::kInvalidArgument, "bash operator: argument 'command' is empty");
  }
  AttemptSpec spec = BaseAttemptSpec(ctx, "bash");
  spec.process.argv = {"/bin/bash", "-c", command};
  spec.process.inherit_env = TRY(BoolArg(args, "bash", "append_env", true));
  spec.process.env = TRY(StringMapArg(args, "bash", "env"));
  // A NUL byte would silently cut the script or a value short where the process receives
  // them: refuse it instead of running something other than what was written.
  if (command.find('\0') != std::string::npos) {
    return Err(ErrorCode::kInvalidArgument, "bash operator: argument 'command' holds a NUL byte");
  }
  for (const auto& [key, value] : spec.process.env) {
    if (value.find('\0') != std::string::npos) {
      return Err(ErrorCode::kInvalidArgument, "bash operator: env value {} holds a NUL byte", key);
    }
  }
  // As in Airflow, the context variables win over the task's env.
  for (const auto& [key, value] : ctx.env) spec.process.env[key] = value;
  spec.process.cwd = TRY(StringArg(args, "bash", "cwd", ctx.work_dir));
  spec.log_header += HeaderLine("command", command);
  spec.log_header += HeaderLine("cwd", spec.process.cwd.empty() ? "(inherited)" : spec.process.cwd);
  return spec;
}

TaskOutcome BashOperator::Interpret(const Json& /*args*/, const AttemptEvent& event) const {
  TaskOutcome outcome;
  if (event.exit_code == 0 && event.error.empty()) {
    outcome.state = TaskState::kSuccess;
    if (!event.last_stdout_line.empty()) outcome.xcom = event.last_stdout_line;
  } else if (IsSkipExit(event)) {
    outcome.state = TaskState::kSkipped;
  } else {
    outcome.state = TaskState::kFailed;
    outcome.error = DescribeFailure("bash command", event);
  }
  return outcome;
}

}  // namespace weir
