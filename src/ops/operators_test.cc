#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "env/files.h"
#include "env/temp_dir.h"
#include "exec/local_executor.h"
#include "ops/registry.h"

namespace weir {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

// Runs one task attempt through the operator and a real LocalExecutor.
class OperatorRun : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    ctx_.dag_id = "dag";
    ctx_.run_id = "manual__2021-01-01T00:00:00+00:00";
    ctx_.task_id = "task";
    ctx_.try_number = 1;
    ctx_.dags_folder = dir_.Join("dags");
    ctx_.work_dir = dir_.Join("work");
    ctx_.env = {{"AIRFLOW_CTX_DAG_ID", "dag"}, {"AIRFLOW_CTX_TASK_ID", "task"}};
    ASSERT_TRUE(MakeDirs(ctx_.dags_folder));
    ASSERT_TRUE(MakeDirs(ctx_.work_dir));
  }

  void WriteDagFile(const std::string& name, const std::string& content) {
    ASSERT_TRUE(WriteFileAtomic(ctx_.dags_folder + "/" + name, content));
  }

  TaskOutcome Run(std::string_view op_name, const Json& args) {
    const Operator* op = FindOperator(op_name);
    EXPECT_NE(op, nullptr) << op_name;
    if (op == nullptr) return {};
    Result<AttemptSpec> spec = op->Prepare(args, ctx_);
    EXPECT_TRUE(spec) << spec.error().message;
    if (!spec) return {};
    spec->log_path = dir_.Join("logs/attempt.log");
    spec->timeout = 60s;

    std::mutex mu;
    std::condition_variable cv;
    std::optional<AttemptEvent> finished;
    LocalExecutor executor(1, [&](AttemptEvent e) {
      std::lock_guard lock(mu);
      if (e.kind == AttemptEvent::Kind::kFinished) finished = std::move(e);
      cv.notify_all();
    });
    EXPECT_TRUE(executor.Submit(*spec));
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, 60s, [&] { return finished.has_value(); }));
    if (!finished) return {};
    event_ = *finished;
    log_ = ReadFile(spec->log_path).value_or("");
    return op->Interpret(args, *finished);
  }

  TempDir dir_;
  AttemptContext ctx_;
  AttemptEvent event_;
  std::string log_;
};

TEST_F(OperatorRun, BashSucceedsWithTheLastStdoutLineAsXcom) {
  TaskOutcome out = Run("bash", {{"command", "echo one; echo \"$AIRFLOW_CTX_TASK_ID done\""}});
  EXPECT_EQ(out.state, TaskState::kSuccess);
  EXPECT_EQ(out.xcom, Json("task done"));
  EXPECT_THAT(log_, HasSubstr("[weir] command: echo one;"));
}

TEST_F(OperatorRun, BashWithoutOutputHasNullXcom) {
  TaskOutcome out = Run("bash", {{"command", "true"}});
  EXPECT_EQ(out.state, TaskState::kSuccess);
  EXPECT_TRUE(out.xcom.is_null());
}

TEST_F(OperatorRun, BashRunsInTheWorkDirWithTheTaskEnv) {
  TaskOutcome out =
      Run("bash", {{"command", "echo \"$(pwd)|$GREETING\""}, {"env", {{"GREETING", "hi"}}}});
  EXPECT_EQ(out.xcom, Json(ctx_.work_dir + "|hi"));
}

TEST_F(OperatorRun, BashWithoutAppendEnvSeesOnlyItsEnvAndPath) {
  setenv("WEIR_OPS_TEST_SECRET", "leak", 1);
  TaskOutcome out =
      Run("bash", {{"command", "echo \"[$WEIR_OPS_TEST_SECRET][$A][$AIRFLOW_CTX_DAG_ID]\""},
                   {"env", {{"A", "a"}}},
                   {"append_env", false}});
  EXPECT_EQ(out.xcom, Json("[][a][dag]"));
}

TEST_F(OperatorRun, BashExit99IsSkipped) {
  TaskOutcome out = Run("bash", {{"command", "echo nothing to do; exit 99"}});
  EXPECT_EQ(out.state, TaskState::kSkipped);
}

TEST_F(OperatorRun, BashNonZeroExitFailsWithTheStatus) {
  TaskOutcome out = Run("bash", {{"command", "exit 2"}});
  EXPECT_EQ(out.state, TaskState::kFailed);
  EXPECT_EQ(out.error, "bash command exited with status 2");
}

TEST_F(OperatorRun, BashRejectsACommandThatIsNotAString) {
  auto spec = FindOperator("bash")->Prepare({{"command", 3}}, ctx_);
  ASSERT_FALSE(spec);
  EXPECT_THAT(spec.error().message, HasSubstr("'command'"));
}

TEST_F(OperatorRun, PythonCallableReturnsADictAsXcom) {
  WriteDagFile("etl_helpers.py",
               "def count(path, factor=1):\n"
               "    print('counting', path)\n"
               "    return {'path': path, 'rows': 3 * factor}\n");
  TaskOutcome out = Run(
      "python",
      {{"callable", "etl_helpers:count"}, {"op_args", {"a.csv"}}, {"op_kwargs", {{"factor", 2}}}});
  EXPECT_EQ(out.state, TaskState::kSuccess) << out.error << "\n" << log_;
  EXPECT_EQ(out.xcom, Json::parse(R"({"path": "a.csv", "rows": 6})"));
  EXPECT_THAT(log_, HasSubstr("counting a.csv\n"));
}

TEST_F(OperatorRun, PythonCallableInAPackageReturningNoneHasNullXcom) {
  ASSERT_TRUE(MakeDirs(ctx_.dags_folder + "/pkg"));
  WriteDagFile("pkg/__init__.py", "");
  WriteDagFile("pkg/jobs.py", "def noop():\n    pass\n");
  TaskOutcome out = Run("python", {{"callable", "pkg.jobs:noop"}});
  EXPECT_EQ(out.state, TaskState::kSuccess) << out.error << "\n" << log_;
  EXPECT_TRUE(out.xcom.is_null());
}

TEST_F(OperatorRun, PythonScriptRunsAsMainWithArgvAndLastLineXcom) {
  ASSERT_TRUE(MakeDirs(ctx_.dags_folder + "/scripts"));
  WriteDagFile("scripts/report.py",
               "import sys\n"
               "if __name__ == '__main__':\n"
               "    print('args', *sys.argv[1:])\n"
               "    print('rows=42')\n");
  TaskOutcome out = Run("python", {{"script", "scripts/report.py"}, {"op_args", {"x", 7}}});
  EXPECT_EQ(out.state, TaskState::kSuccess) << out.error << "\n" << log_;
  EXPECT_EQ(out.xcom, Json("rows=42"));
  EXPECT_THAT(log_, HasSubstr("args x 7\n"));
}

TEST_F(OperatorRun, PythonExceptionFailsWithTracebackInTheLog) {
  WriteDagFile("broken.py", "def run():\n    raise ValueError('bad input file')\n");
  TaskOutcome out = Run("python", {{"callable", "broken:run"}});
  EXPECT_EQ(out.state, TaskState::kFailed);
  EXPECT_THAT(out.error, HasSubstr("python callable exited with status 1"));
  EXPECT_THAT(log_, HasSubstr("Traceback"));
  EXPECT_THAT(log_, HasSubstr("ValueError: bad input file"));
}

TEST_F(OperatorRun, PythonSystemExit99IsSkipped) {
  WriteDagFile("maybe.py", "def run():\n    raise SystemExit(99)\n");
  TaskOutcome out = Run("python", {{"callable", "maybe:run"}});
  EXPECT_EQ(out.state, TaskState::kSkipped) << out.error << "\n" << log_;
}

TEST_F(OperatorRun, PythonRequiresExactlyOneOfCallableAndScript) {
  const Operator* op = FindOperator("python");
  EXPECT_FALSE(op->Prepare(Json::object(), ctx_));
  EXPECT_FALSE(op->Prepare({{"callable", "a:b"}, {"script", "x.py"}}, ctx_));
  auto bad = op->Prepare({{"callable", "no_function_here"}}, ctx_);
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("module:function"));
}

TEST_F(OperatorRun, EmptySucceedsWithoutAProcess) {
  TaskOutcome out = Run("empty", Json::object());
  EXPECT_EQ(out.state, TaskState::kSuccess);
  EXPECT_TRUE(out.xcom.is_null());
  EXPECT_EQ(event_.pid, 0);
  EXPECT_THAT(log_, HasSubstr("(operator empty)"));
}

TEST(OperatorRegistry, ListsTheOperatorsWithSchemas) {
  std::vector<std::string> names = OperatorNames();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
  EXPECT_THAT(names, testing::IsSupersetOf({"bash", "csv_to_parquet", "empty", "external_table",
                                            "http_download", "lake_put", "python", "sql"}));
  std::vector<OperatorSchema> schemas = OperatorSchemas();
  ASSERT_EQ(schemas.size(), names.size());
  const OperatorSchema& bash = schemas[0];
  ASSERT_FALSE(bash.args.empty());
  EXPECT_EQ(bash.args[0].name, "command");
  EXPECT_TRUE(bash.args[0].required);
  EXPECT_FALSE(bash.description.empty());
  const OperatorSchema& python = FindOperator("python")->schema();
  EXPECT_THAT(python.one_of, ElementsAre("callable", "script"));
  for (const OperatorSchema& s : schemas) {
    for (const ArgSpec& a : s.args) EXPECT_FALSE(a.description.empty()) << s.name << "." << a.name;
  }
  EXPECT_EQ(FindOperator("bash")->schema().name, "bash");
  EXPECT_EQ(FindOperator("BashOperator"), nullptr);
}

}  // namespace
}  // namespace weir
