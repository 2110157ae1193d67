// Task-level loading: default_args, operator arguments, dependencies and their errors.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/dag_loader.h"
#include "model/loader_test_util.h"

namespace weir {
namespace {

using ::testing::HasSubstr;
using testing::LoadError;
using testing::Parse;
using ::testing::StartsWith;

TEST(DagLoaderTasks, DefaultArgsApplyToEveryTaskAndTasksOverrideThem) {
  auto dag = Parse(R"(default_args:
  owner: data-eng
  retries: 3
  retry_delay: 30s
  retry_exponential_backoff: true
  max_retry_delay: 1h
  execution_timeout: 30m
  trigger_rule: all_done
  pool: etl
  on_failure: [email:oncall@example.com]
  env: {REGION: eu}
tasks:
  - task_id: a
    operator: bash
    command: echo a
  - task_id: b
    operator: bash
    command: echo b
    retries: 0
    pool_slots: 2
    queue: gpu
    priority_weight: 5
    depends_on_past: true
    env: {REGION: us}
    depends_on: a
  - task_id: c
    operator: http_download
    url: http://example.com/x
    depends_on: [a, b]
    doc_md: fetches x
)");
  ASSERT_TRUE(dag.has_value()) << dag.error().message;
  EXPECT_EQ(dag->owner, "data-eng");
  ASSERT_EQ(dag->tasks.size(), 3u);
  const TaskSpec& a = dag->tasks[0];
  EXPECT_EQ(a.owner, "data-eng");
  EXPECT_EQ(a.retries, 3);
  EXPECT_EQ(a.retry_delay, std::chrono::seconds(30));
  EXPECT_TRUE(a.retry_exponential_backoff);
  EXPECT_EQ(a.max_retry_delay, std::chrono::hours(1));
  EXPECT_EQ(a.execution_timeout, std::chrono::minutes(30));
  EXPECT_EQ(a.trigger_rule, TriggerRule::kAllDone);
  EXPECT_EQ(a.pool, "etl");
  ASSERT_TRUE(a.hooks);
  EXPECT_EQ(a.hooks->on_failure, (std::vector<std::string>{"email:oncall@example.com"}));
  EXPECT_EQ(a.args, Json({{"command", "echo a"}, {"env", {{"REGION", "eu"}}}}));
  EXPECT_TRUE(a.upstream.empty());

  const TaskSpec& b = dag->tasks[1];
  EXPECT_EQ(b.retries, 0);
  EXPECT_EQ(b.retry_delay, std::chrono::seconds(30));
  EXPECT_EQ(b.pool_slots, 2);
  EXPECT_EQ(b.queue, "gpu");
  EXPECT_EQ(a.queue, "default");
  EXPECT_EQ(b.priority_weight, 5);
  EXPECT_TRUE(b.depends_on_past);
  EXPECT_EQ(b.args["env"], Json({{"REGION", "us"}}));
  EXPECT_EQ(b.upstream, (std::vector<std::string>{"a"}));

  const TaskSpec& c = dag->tasks[2];
  EXPECT_EQ(c.args, Json({{"url", "http://example.com/x"}}));  // http_download takes no env
  EXPECT_EQ(c.upstream, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.doc_md, "fetches x");
  EXPECT_EQ(c.owner, "data-eng");
}

TEST(DagLoaderTasks, AirflowEmailSettingsBecomeHooks) {
  auto dag = Parse(R"(default_args:
  email: [oncall@example.com]
  email_on_retry: false
tasks:
  - {task_id: a, operator: bash, command: 'true'}
)");
  ASSERT_TRUE(dag.has_value()) << dag.error().message;
  ASSERT_TRUE(dag->tasks[0].hooks);
  EXPECT_EQ(dag->tasks[0].hooks->on_failure,
            (std::vector<std::string>{"email:oncall@example.com"}));
  EXPECT_TRUE(dag->tasks[0].hooks->on_retry.empty());
}

TEST(DagLoaderTasks, ArgumentsKeepTheirYamlTypes) {
  auto dag = Parse(R"(tasks:
  - task_id: a
    operator: bash
    command: 2021-01-01
    cwd: 42
    timeout_seconds: 60
    env: {N: 3, DAY: 2021-01-01, QUOTED: '7'}
  - task_id: b
    operator: python
    script: print(1)
    op_args: [1, two, true]
    dry_run: "{{ params.dry }}"
params:
  dry: false
)");
  ASSERT_TRUE(dag.has_value()) << dag.error().message;
  EXPECT_EQ(dag->tasks[0].args["command"], "2021-01-01");
  EXPECT_EQ(dag->tasks[0].args["cwd"], "42");
  EXPECT_EQ(dag->tasks[0].args["timeout_seconds"], 60);
  EXPECT_EQ(dag->tasks[0].args["env"], Json({{"N", 3}, {"DAY", "2021-01-01"}, {"QUOTED", "7"}}));
  EXPECT_EQ(dag->tasks[1].args["op_args"], Json({1, "two", true}));
  EXPECT_EQ(dag->tasks[1].args["dry_run"], "{{ params.dry }}");
}

TEST(DagLoaderTasks, YamlMergeKeysShareSettings) {
  auto dag = Parse(R"(tasks:
  - &base {task_id: a, operator: bash, command: echo, retries: 2}
  - {<<: *base, task_id: b}
)");
  ASSERT_TRUE(dag.has_value()) << dag.error().message;
  EXPECT_EQ(dag->tasks[1].task_id, "b");
  EXPECT_EQ(dag->tasks[1].retries, 2);
}

TEST(DagLoaderTasks, TemplatesMayUseParamsAndContextNames) {
  auto dag = Parse(R"(params:
  color: yellow
tasks:
  - task_id: a
    operator: bash
    command: "echo {{ params.color }} {{ ds }} {{ data_interval_start.strftime('%Y-%m') }}"
)");
  ASSERT_TRUE(dag.has_value()) << dag.error().message;
}

TEST(DagLoaderTasks, UnknownTaskKeySuggestsTheClosest) {
  EXPECT_EQ(LoadError(R"(tasks:
  - task_id: extract
    operator: bash
    command: echo
    retires: 3
)"),
            "dags/x.yaml:5:5: unknown key 'retires' in task 'extract' (did you mean 'retries'?)");
}

TEST(DagLoaderTasks, UnknownKeyWithoutCloseMatchListsValidKeys) {
  std::string error = LoadError(
      "tasks:\n  - {task_id: a, operator: http_download, url: x, "
      "zzzzzz: 1}\n");
  EXPECT_THAT(error,
              StartsWith("dags/x.yaml:2:51: unknown key 'zzzzzz' in task 'a'; valid keys: "));
  EXPECT_THAT(error, HasSubstr("url"));
}

TEST(DagLoaderTasks, UnknownDefaultArgsKeySuggestsTheClosest) {
  EXPECT_EQ(LoadError("default_args:\n  retry_dely: 5m\ntasks: []\n"),
            "dags/x.yaml:2:3: unknown key 'retry_dely' in default_args (did you mean "
            "'retry_delay'?)");
}

TEST(DagLoaderTasks, UnknownOperatorListsTheKnownOnes) {
  EXPECT_EQ(LoadError("tasks:\n  - task_id: a\n    operator: bsh\n"),
            "dags/x.yaml:3:15: unknown operator 'bsh' in task 'a' (did you mean 'bash'?); known "
            "operators: bash, http_download, python");
}

TEST(DagLoaderTasks, MissingOperatorIsAnError) {
  EXPECT_THAT(LoadError("tasks:\n  - task_id: a\n"),
              StartsWith("dags/x.yaml:2:5: task 'a' has no 'operator'; known operators: bash"));
}

TEST(DagLoaderTasks, MissingTaskIdIsAnError) {
  EXPECT_EQ(LoadError("tasks:\n  - operator: bash\n"), "dags/x.yaml:2:5: task #1 has no 'task_id'");
}

TEST(DagLoaderTasks, MissingRequiredArgumentIsAnError) {
  EXPECT_EQ(LoadError("tasks:\n  - task_id: a\n    operator: bash\n"),
            "dags/x.yaml:2:5: task 'a' is missing required argument 'command' of operator 'bash' "
            "(expected a string)");
}

TEST(DagLoaderTasks, WrongArgumentTypeIsAnError) {
  EXPECT_EQ(LoadError("tasks:\n  - {task_id: a, operator: bash, command: x, env: PATH}\n"),
            "dags/x.yaml:2:51: argument 'env' of task 'a' must be a map (operator 'bash'), got "
            "'PATH'");
  EXPECT_EQ(
      LoadError("tasks:\n  - {task_id: a, operator: bash, command: x, timeout_seconds: 1m}\n"),
      "dags/x.yaml:2:63: argument 'timeout_seconds' of task 'a' must be a whole number "
      "(operator 'bash'), got '1m'");
}

TEST(DagLoaderTasks, OneOfGroupNeedsOneArgument) {
  EXPECT_EQ(LoadError("tasks:\n  - task_id: a\n    operator: python\n"),
            "dags/x.yaml:2:5: task 'a' needs one of the arguments script, callable of operator "
            "'python'");
}

TEST(DagLoaderTasks, UnknownUpstreamSuggestsTheClosest) {
  EXPECT_EQ(LoadError(R"(tasks:
  - {task_id: extract, operator: bash, command: x}
  - {task_id: load, operator: bash, command: x, depends_on: [extrct]}
)"),
            "dags/x.yaml:3:62: task 'load' depends on unknown task 'extrct' (did you mean "
            "'extract'?)");
}

TEST(DagLoaderTasks, DuplicateTaskIdPointsAtBothLines) {
  EXPECT_EQ(LoadError(R"(tasks:
  - {task_id: a, operator: bash, command: x}
  - {task_id: a, operator: bash, command: y}
)"),
            "dags/x.yaml:3:15: duplicate task_id 'a' (first defined at dags/x.yaml:2:15)");
}

TEST(DagLoaderTasks, TaskDependingOnItselfIsAnError) {
  EXPECT_EQ(LoadError("tasks:\n  - {task_id: a, operator: bash, command: x, depends_on: a}\n"),
            "dags/x.yaml:2:58: task 'a' depends on itself");
}

TEST(DagLoaderTasks, CycleIsNamedTaskByTask) {
  std::string error = LoadError(R"(tasks:
  - {task_id: a, operator: bash, command: x, depends_on: c}
  - {task_id: b, operator: bash, command: x, depends_on: a}
  - {task_id: c, operator: bash, command: x, depends_on: b}
  - {task_id: d, operator: bash, command: x, depends_on: c}
)");
  EXPECT_THAT(error, StartsWith("dags/x.yaml:2:58: dependency cycle: a -> b -> c -> a"));
}

TEST(DagLoaderTasks, BadTriggerRuleListsTheNine) {
  EXPECT_EQ(LoadError("default_args:\n  trigger_rule: all_sucess\ntasks: []\n"),
            "dags/x.yaml:2:17: unknown trigger_rule 'all_sucess' (did you mean 'all_success'?); "
            "use one of all_success, all_failed, all_done, one_success, one_failed, none_failed, "
            "none_failed_min_one_success, none_skipped, always");
}

TEST(DagLoaderTasks, AQueueIsAnIdentifierBecauseItNamesARedisStream) {
  EXPECT_THAT(LoadError("tasks:\n  - {task_id: a, operator: bash, command: x, queue: \"a b*\"}\n"),
              StartsWith("dags/x.yaml:2:53: bad queue \"a b*\""));
}

TEST(DagLoaderTasks, NegativeRetriesIsAnError) {
  EXPECT_EQ(LoadError("tasks:\n  - {task_id: a, operator: bash, command: x, retries: -1}\n"),
            "dags/x.yaml:2:55: 'retries' must be 0 or more, got -1");
}

TEST(DagLoaderTasks, BadRetryDelayIsPositioned) {
  EXPECT_THAT(LoadError("default_args:\n  retry_delay: soon\ntasks: []\n"),
              StartsWith("dags/x.yaml:2:16: 'retry_delay': bad duration 'soon'"));
}

TEST(DagLoaderTasks, TaskIdWithSlashIsRejected) {
  EXPECT_THAT(LoadError("tasks:\n  - {task_id: a/b, operator: bash, command: x}\n"),
              StartsWith("dags/x.yaml:2:15: bad task_id \"a/b\": use 1 to 250 letters"));
}

TEST(DagLoaderTasks, UnknownTemplateNameIsALoadError) {
  std::string error = LoadError(R"(params:
  color: yellow
tasks:
  - task_id: a
    operator: bash
    command: echo
    env:
      COLOR: "{{ params.colour }}"
)");
  EXPECT_THAT(error, StartsWith("dags/x.yaml:8:14: task 'a' arg 'env.COLOR': "));
  EXPECT_THAT(error, HasSubstr("colour"));
  EXPECT_THAT(LoadError("tasks:\n  - {task_id: a, operator: bash, command: '{{ dss }}'}\n"),
              StartsWith("dags/x.yaml:2:43: task 'a' arg 'command': "));
}

}  // namespace
}  // namespace weir
