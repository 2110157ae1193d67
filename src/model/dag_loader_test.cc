// DAG-level loading: happy paths and the errors of DAG keys, params and the YAML itself.
// Task-level behaviour is in dag_loader_task_test.cc.

#include "model/dag_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/hash.h"
#include "model/loader_test_util.h"

namespace weir {
namespace {

using ::testing::HasSubstr;
using testing::LoadError;
using testing::Parse;
using ::testing::StartsWith;

Time At(std::string_view iso) { return ParseDateTime(iso).value(); }

TEST(DagLoader, LoadsEveryDagLevelKey) {
  const std::string yaml = R"(dag_id: taxi
description: NYC trips
doc_md: "# Taxi"
schedule: "0 6 2 * *"
timezone: Europe/Berlin
start_date: 2021-01-01
end_date: 2021-12-31 06:00
catchup: false
max_active_runs: 2
max_active_tasks: 4
dagrun_timeout: 2h
tags: [nyc, raw]
is_paused_upon_creation: true
tasks:
  - task_id: extract
    operator: bash
    command: echo hi
)";
  auto dag = Parse(yaml);
  ASSERT_TRUE(dag.has_value()) << dag.error().message;
  EXPECT_EQ(dag->dag_id, "taxi");
  EXPECT_EQ(dag->description, "NYC trips");
  EXPECT_EQ(dag->doc_md, "# Taxi");
  EXPECT_EQ(dag->schedule, "0 6 2 * *");
  EXPECT_EQ(dag->timezone, "Europe/Berlin");
  // Midnight in Berlin (UTC+1 in winter) is 23:00 UTC the day before.
  EXPECT_EQ(dag->start_date, At("2020-12-31T23:00:00Z"));
  EXPECT_EQ(dag->end_date, At("2021-12-31T05:00:00Z"));
  EXPECT_FALSE(dag->catchup);
  EXPECT_EQ(dag->max_active_runs, 2);
  EXPECT_EQ(dag->max_active_tasks, 4);
  EXPECT_EQ(dag->dagrun_timeout, std::chrono::hours(2));
  EXPECT_EQ(dag->tags, (std::vector<std::string>{"nyc", "raw"}));
  EXPECT_TRUE(dag->is_paused_upon_creation);
  EXPECT_EQ(dag->owner, "weir");
  ASSERT_NE(dag->timetable, nullptr);
  EXPECT_TRUE(dag->timetable->periodic());
  EXPECT_EQ(dag->fileloc, "dags/x.yaml");
  EXPECT_EQ(dag->source, yaml);
  EXPECT_EQ(dag->source_hash, Sha256Hex(yaml));
  ASSERT_EQ(dag->tasks.size(), 1u);
  EXPECT_EQ(dag->tasks[0].task_id, "extract");
  EXPECT_EQ(dag->tasks[0].args, Json({{"command", "echo hi"}}));
  EXPECT_EQ(dag->tasks[0].pos.line, 15);
  EXPECT_EQ(dag->tasks[0].pos.column, 5);
}

TEST(DagLoader, DagIdDefaultsToTheFileNameAndScheduleToManual) {
  auto dag = Parse("tasks:\n  - {task_id: a, operator: bash, command: 'true'}\n",
                   "/srv/dags/team/my_dag.yml");
  ASSERT_TRUE(dag.has_value()) << dag.error().message;
  EXPECT_EQ(dag->dag_id, "my_dag");
  EXPECT_EQ(dag->schedule, "");
  EXPECT_TRUE(dag->catchup);
  EXPECT_EQ(dag->max_active_runs, 16);
  ASSERT_NE(dag->timetable, nullptr);
  EXPECT_FALSE(dag->timetable->periodic());
}

TEST(DagLoader, ScheduleIntervalIsAnAliasOfSchedule) {
  auto dag = Parse("schedule_interval: '@daily'\nstart_date: 2024-01-01\ntasks: []\n");
  ASSERT_TRUE(dag.has_value()) << dag.error().message;
  EXPECT_EQ(dag->schedule, "@daily");
  EXPECT_TRUE(dag->timetable->periodic());
}

TEST(DagLoader, NullScheduleMeansManualOnly) {
  auto dag = Parse("schedule: null\ntasks: []\n");
  ASSERT_TRUE(dag.has_value()) << dag.error().message;
  EXPECT_FALSE(dag->timetable->periodic());
}

TEST(DagLoader, StartDateWithAnOffsetIgnoresTheDagZone) {
  auto dag = Parse("timezone: America/New_York\nstart_date: 2021-06-01T00:00:00Z\ntasks: []\n");
  ASSERT_TRUE(dag.has_value()) << dag.error().message;
  EXPECT_EQ(dag->start_date, At("2021-06-01T00:00:00Z"));
}

TEST(DagLoader, ParamsInLongAndShortForm) {
  auto dag = Parse(R"(params:
  color: {type: string, default: yellow, enum: [yellow, green], description: which taxis}
  n: 3
  ratio: 0.5
  day: 2021-01-01
  limit: {type: integer, default: 10, minimum: 1, maximum: 100}
  target: {type: string}
  version: {type: string, default: 2}
tasks: []
)");
  ASSERT_TRUE(dag.has_value()) << dag.error().message;
  ASSERT_EQ(dag->params.size(), 7u);
  const ParamSpec& color = dag->params[0];
  EXPECT_EQ(color.name, "color");
  EXPECT_EQ(color.type, "string");
  EXPECT_EQ(color.default_value, "yellow");
  EXPECT_EQ(color.enum_values, (std::vector<Json>{"yellow", "green"}));
  EXPECT_EQ(color.description, "which taxis");
  EXPECT_EQ(dag->params[1].type, "integer");
  EXPECT_EQ(dag->params[1].default_value, 3);
  EXPECT_EQ(dag->params[2].type, "number");
  EXPECT_EQ(dag->params[3].type, "string");
  EXPECT_EQ(dag->params[3].default_value, "2021-01-01");
  EXPECT_EQ(dag->params[4].minimum, 1.0);
  EXPECT_EQ(dag->params[4].maximum, 100.0);
  EXPECT_FALSE(dag->params[5].has_default);
  EXPECT_EQ(dag->params[6].default_value, "2");  // a scalar is text where text is expected
  // A param without a default must come from the run's conf.
  EXPECT_THAT(dag->ResolveParams(Json::object()).error().message, HasSubstr("'target'"));
}

TEST(DagLoader, YamlSyntaxErrorIsPositioned) {
  std::string error = LoadError("dag_id: x\ntasks: [a, b\n");
  EXPECT_THAT(error, StartsWith("dags/x.yaml:3:1: YAML syntax error: "));
}

TEST(DagLoader, EmptyFileIsAnError) {
  EXPECT_THAT(LoadError("# nothing yet\n"), StartsWith("dags/x.yaml:1:1: the DAG file is empty"));
}

TEST(DagLoader, SecondYamlDocumentIsAnError) {
  EXPECT_THAT(LoadError("tasks: []\n---\ntasks: []\n"),
              StartsWith("dags/x.yaml:3:1: a second YAML document"));
}

TEST(DagLoader, UnknownTopLevelKeySuggestsTheClosest) {
  EXPECT_EQ(LoadError("dag_id: x\nschedul: '@daily'\ntasks: []\n"),
            "dags/x.yaml:2:1: unknown key 'schedul' at the top level of the DAG file (did you "
            "mean 'schedule'?)");
}

TEST(DagLoader, DuplicateKeyNamesTheFirstLine) {
  EXPECT_EQ(LoadError("tasks: []\ncatchup: true\ncatchup: false\n"),
            "dags/x.yaml:3:1: duplicate key 'catchup' in a DAG file (first at line 2)");
}

TEST(DagLoader, MissingTasksIsAnError) {
  EXPECT_THAT(LoadError("dag_id: x\n"), StartsWith("dags/x.yaml:1:1: DAG 'x' has no 'tasks'"));
}

TEST(DagLoader, BothScheduleAndScheduleIntervalIsAnError) {
  EXPECT_THAT(LoadError("schedule: '@daily'\nschedule_interval: '@daily'\ntasks: []\n"),
              StartsWith("dags/x.yaml:2:1: both 'schedule' and 'schedule_interval' are set"));
}

TEST(DagLoader, BadCronIsPositionedAtTheScheduleValue) {
  std::string error = LoadError(
      "dag_id: x\nschedule: \"0 6 * *\"\nstart_date: 2021-01-01\n"
      "tasks: []\n");
  EXPECT_THAT(error, StartsWith("dags/x.yaml:2:11: "));
  EXPECT_THAT(error, HasSubstr("'0 6 * *'"));
}

TEST(DagLoader, PeriodicScheduleNeedsAStartDate) {
  EXPECT_THAT(LoadError("schedule: '@daily'\ntasks: []\n"),
              StartsWith("dags/x.yaml:1:11: schedule '@daily' needs a start_date"));
}

TEST(DagLoader, UnknownTimezoneIsPositioned) {
  EXPECT_THAT(LoadError("dag_id: x\ntimezone: Europe/Berln\ntasks: []\n"),
              StartsWith("dags/x.yaml:2:11: unknown time zone 'Europe/Berln'"));
}

TEST(DagLoader, BadDateIsPositioned) {
  EXPECT_THAT(LoadError("dag_id: x\nstart_date: 2021-13-01\ntasks: []\n"),
              StartsWith("dags/x.yaml:2:13: start_date: bad date '2021-13-01'"));
}

TEST(DagLoader, StartDateAfterEndDateIsAnError) {
  EXPECT_EQ(LoadError("start_date: 2021-01-01\nend_date: 2020-01-01\ntasks: []\n"),
            "dags/x.yaml:2:11: end_date 2020-01-01T00:00:00Z is before start_date "
            "2021-01-01T00:00:00Z: swap them or fix one");
}

TEST(DagLoader, BadDurationIsPositioned) {
  EXPECT_THAT(LoadError("dag_id: x\ndagrun_timeout: 1x\ntasks: []\n"),
              StartsWith("dags/x.yaml:2:17: 'dagrun_timeout': bad duration '1x'"));
}

TEST(DagLoader, MaxActiveRunsBelowOneIsAnError) {
  EXPECT_EQ(LoadError("max_active_runs: 0\ntasks: []\n"),
            "dags/x.yaml:1:18: 'max_active_runs' must be between 1 and 1000000, got 0");
}

TEST(DagLoader, CatchupMustBeABoolean) {
  EXPECT_EQ(LoadError("catchup: sometimes\ntasks: []\n"),
            "dags/x.yaml:1:10: 'catchup' must be true or false, got 'sometimes'");
}

TEST(DagLoader, DagIdWithPathCharactersIsRejected) {
  EXPECT_THAT(LoadError("dag_id: ../etc\ntasks: []\n"),
              StartsWith("dags/x.yaml:1:9: bad dag_id \"../etc\": use 1 to 250 letters, digits"));
  EXPECT_THAT(LoadError("dag_id: '..'\ntasks: []\n"), StartsWith("dags/x.yaml:1:9: bad dag_id"));
}

TEST(DagLoader, ParamDefaultMustMatchItsType) {
  EXPECT_EQ(LoadError("params:\n  n: {type: integer, default: many}\ntasks: []\n"),
            "dags/x.yaml:2:31: default \"many\" of param 'n' is not of type integer");
}

TEST(DagLoader, ParamDefaultMustBeInItsEnum) {
  EXPECT_EQ(LoadError("params:\n  color: {type: string, default: red, enum: [yellow, green]}\n"
                      "tasks: []\n"),
            "dags/x.yaml:2:34: default \"red\" of param 'color' is not in its enum: \"yellow\", "
            "\"green\"");
}

TEST(DagLoader, UnknownParamKeySuggestsTheClosest) {
  EXPECT_EQ(LoadError("params:\n  color:\n    type: string\n    defualt: red\ntasks: []\n"),
            "dags/x.yaml:4:5: unknown key 'defualt' in param 'color' (did you mean 'default'?)");
}

TEST(DagLoader, UnknownParamTypeListsTheValidOnes) {
  EXPECT_THAT(LoadError("params:\n  n: {type: int, default: 1}\ntasks: []\n"),
              StartsWith("dags/x.yaml:2:13: unknown type 'int' for param 'n'"));
}

TEST(DagLoader, LoadDagFileReportsAMissingFile) {
  auto dag = LoadDagFile("/nonexistent/dag.yaml", testing::FakeOperators());
  ASSERT_FALSE(dag.has_value());
  EXPECT_EQ(dag.error().code, ErrorCode::kIo);
  EXPECT_THAT(dag.error().message, StartsWith("/nonexistent/dag.yaml: cannot read DAG file"));
}

}  // namespace
}  // namespace weir
