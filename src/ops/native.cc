#include "ops/native.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "ops/args.h"
#include "ops/registry.h"

namespace weir {

namespace {

constexpr const char* kArgsEnv = "WEIR_NATIVE_ARGS";

std::string SelfExe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("weir") : p.string();
}

void WriteResult(const Json& j) {
  std::string text = j.dump();
  for (size_t done = 0; done < text.size();) {
    ssize_t n = write(3, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

}  // namespace

std::string InWorkDir(const std::string& path, const NativeContext& ctx) {
  if (path.empty() || path.front() == '/' || ctx.work_dir.empty()) return path;
  return (std::filesystem::path(ctx.work_dir) / path).string();
}

Result<AttemptSpec> NativeOperator::Prepare(const Json& args, const AttemptContext& ctx) const {
  AttemptSpec spec = BaseAttemptSpec(ctx, schema().name);
  spec.process.argv = {SelfExe(), "tasks", "run-native", schema().name};
  spec.process.env = ctx.env;
  spec.process.env[kArgsEnv] = args.dump();
  spec.process.cwd = ctx.work_dir;
  spec.result_channel = true;
  return spec;
}

TaskOutcome NativeOperator::Interpret(const Json& /*args*/, const AttemptEvent& event) const {
  TaskOutcome outcome;
  const Json* result = event.result ? &*event.result : nullptr;
  if (event.error.empty() && result != nullptr && result->contains("result")) {
    outcome.xcom = (*result)["result"];
    bool skipped = outcome.xcom.is_object() && outcome.xcom.value("skipped", false);
    outcome.state = skipped ? TaskState::kSkipped : TaskState::kSuccess;
    return outcome;
  }
  outcome.state = TaskState::kFailed;
  if (result != nullptr && result->contains("error") && (*result)["error"].is_string()) {
    outcome.error = (*result)["error"].get<std::string>();
  } else {
    outcome.error = DescribeFailure(schema().name, event);
  }
  return outcome;
}

int FailNativeOperator(const std::string& message) {
  std::fprintf(stderr, "[weir] error: %s\n", message.c_str());
  WriteResult(Json{{"error", message}});
  return 1;
}

int RunNativeOperator(std::string_view name, NativeContext ctx) {
  auto fail = FailNativeOperator;
  const NativeOperator* op = dynamic_cast<const NativeOperator*>(FindOperator(name));
  if (op == nullptr) return fail(fmt::format("'{}' is not a native operator", name));
  const char* text = std::getenv(kArgsEnv);
  auto args = ParseJson(text != nullptr ? text : "{}", kArgsEnv);
  if (!args) return fail(args.error().message);
  auto env = [](const char* name, std::string& field) {
    const char* v = std::getenv(name);
    if (field.empty() && v != nullptr) field = v;
  };
  env("WEIR_WORK_DIR", ctx.work_dir);
  env("WEIR_LAKE", ctx.lake_uri);
  env("WEIR_DAG_ID", ctx.dag_id);
  env("WEIR_RUN_ID", ctx.run_id);
  env("WEIR_TASK_ID", ctx.task_id);
  if (const char* t = std::getenv("WEIR_TRY_NUMBER"); t != nullptr && ctx.try_number == 0) {
    ctx.try_number = std::atoi(t);
  }
  auto result = op->Run(*args, ctx);
  if (!result) return fail(result.error().message);
  WriteResult(Json{{"result", *result}});
  return 0;
}

}  // namespace weir
