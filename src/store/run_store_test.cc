// The RunStore suite: runs, task instances, tries and XCom.
#include "store/run_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store_test_fixture.h"

namespace weir {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

DagRun MakeRun(const std::string& dag_id, const std::string& run_id, Time logical_date,
               RunType type = RunType::kScheduled, RunState state = RunState::kQueued) {
  DagRun run;
  run.dag_id = dag_id;
  run.run_id = run_id;
  run.run_type = type;
  run.state = state;
  run.logical_date = logical_date;
  run.data_interval_start = logical_date;
  run.data_interval_end = logical_date + std::chrono::hours(24);
  run.queued_at = logical_date + std::chrono::hours(24);
  return run;
}

TaskInstance MakeTask(const std::string& task_id) {
  TaskInstance ti;
  ti.task_id = task_id;
  ti.max_tries = 2;
  ti.operator_name = "bash";
  return ti;
}

std::vector<std::string> TaskKeys(const std::vector<TaskInstance>& tis) {
  std::vector<std::string> keys;
  keys.reserve(tis.size());
  for (const auto& ti : tis) keys.push_back(ti.run_id + "/" + ti.task_id);
  return keys;
}

std::vector<std::string> RunIds(const std::vector<DagRun>& runs) {
  std::vector<std::string> ids;
  ids.reserve(runs.size());
  for (const auto& run : runs) ids.push_back(run.run_id);
  return ids;
}

XComRow MakeXCom(const std::string& run_id, const std::string& key, Json value) {
  XComRow x;
  x.dag_id = "etl";
  x.run_id = run_id;
  x.task_id = "a";
  x.key = key;
  x.value = std::move(value);
  return x;
}

RunFilter ForDag(const std::string& dag_id) {
  RunFilter f;
  f.dag_id = dag_id;
  return f;
}

TaskTry MakeTry(const std::string& run_id, const std::string& task_id, int number,
                TaskState state) {
  TaskTry t;
  t.dag_id = "etl";
  t.run_id = run_id;
  t.task_id = task_id;
  t.try_number = number;
  t.state = state;
  t.queued_at = Utc("2024-01-02T00:00:00Z");
  return t;
}

TEST_P(RunStoreTest, CreateRunStoresTheRunAndItsTaskInstances) {
  DagRun run = MakeRun("etl", "manual__1", Utc("2024-01-01"), RunType::kManual);
  run.conf = Json{{"table", "users"}, {"limit", 10}};
  run.start_date = Utc("2024-01-02T00:00:01.5Z");
  run.version_id = 3;
  run.reason = "rerun after fix";
  ASSERT_OK(store().CreateRun(run, {MakeTask("extract"), MakeTask("load")}));

  DagRun got = store().GetRun("etl", "manual__1").value();
  EXPECT_EQ(got.run_type, RunType::kManual);
  EXPECT_EQ(got.state, RunState::kQueued);
  EXPECT_EQ(got.logical_date, Utc("2024-01-01"));
  EXPECT_EQ(got.data_interval_end, Utc("2024-01-02"));
  EXPECT_EQ(got.queued_at, Utc("2024-01-02"));
  EXPECT_EQ(got.start_date, Utc("2024-01-02T00:00:01.5Z"));
  EXPECT_FALSE(got.end_date.has_value());
  EXPECT_EQ(got.conf, run.conf);
  EXPECT_EQ(got.version_id, 3);
  EXPECT_EQ(got.reason, "rerun after fix");

  auto tis = store().ListTaskInstances("etl", "manual__1").value();
  ASSERT_EQ(tis.size(), 2u);
  EXPECT_EQ(tis[0].task_id, "extract");
  EXPECT_EQ(tis[0].dag_id, "etl");
  EXPECT_EQ(tis[0].state, TaskState::kNone);
  EXPECT_EQ(tis[0].max_tries, 2);
  EXPECT_EQ(tis[0].operator_name, "bash");
  EXPECT_EQ(tis[0].pool, "default_pool");
  EXPECT_FALSE(tis[0].start_date.has_value());
  EXPECT_EQ(tis[1].task_id, "load");
}

TEST_P(RunStoreTest, CreateRunTwiceIsAlreadyExistsAndWritesNothing) {
  DagRun run = MakeRun("etl", "r1", Utc("2024-01-01"));
  ASSERT_OK(store().CreateRun(run, {MakeTask("a")}));
  run.reason = "second";
  EXPECT_ERROR(store().CreateRun(run, {MakeTask("a"), MakeTask("b")}), ErrorCode::kAlreadyExists);
  EXPECT_EQ(store().GetRun("etl", "r1").value().reason, "");
  EXPECT_THAT(TaskKeys(store().ListTaskInstances("etl", "r1").value()), ElementsAre("r1/a"));

  // A failure after the run row was written takes the run row back out.
  EXPECT_FALSE(
      store()
          .CreateRun(MakeRun("etl", "r2", Utc("2024-01-02")), {MakeTask("x"), MakeTask("x")})
          .has_value());
  EXPECT_ERROR(store().GetRun("etl", "r2"), ErrorCode::kNotFound);
  EXPECT_TRUE(store().ListTaskInstances("etl", "r2").value().empty());
}

TEST_P(RunStoreTest, CreateRunRefusesIdsThatWouldBecomeStrayPaths) {
  // A run id becomes logs/<dag>/<run>/ and a URL segment: "../", "/" and newlines made runs
  // that wrote outside logs/ or that no endpoint could reach.
  for (const char* id : {"../../tmp/x", "/abs", "a/b", "x\n[weir] forged", "..", ""}) {
    EXPECT_ERROR(store().CreateRun(MakeRun("etl", id, Utc("2024-01-01")), {MakeTask("a")}),
                 ErrorCode::kInvalidArgument);
  }
  EXPECT_ERROR(store().CreateRun(MakeRun("../etl", "r1", Utc("2024-01-01")), {MakeTask("a")}),
               ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store().ListRuns(RunFilter{}).value().empty());
  EXPECT_OK(store().CreateRun(
      MakeRun("etl", "manual__2024-01-01T00:00:00.123456+00:00", Utc("2024-01-01")),
      {MakeTask("a")}));
}

TEST_P(RunStoreTest, UpdateRunAndDeleteRun) {
  ASSERT_OK(store().CreateRun(MakeRun("etl", "r1", Utc("2024-01-01")), {MakeTask("a")}));
  DagRun run = store().GetRun("etl", "r1").value();
  run.state = RunState::kSuccess;
  run.end_date = Utc("2024-01-02T01:00:00Z");
  ASSERT_OK(store().UpdateRun(run));
  DagRun got = store().GetRun("etl", "r1").value();
  EXPECT_EQ(got.state, RunState::kSuccess);
  EXPECT_EQ(got.end_date, Utc("2024-01-02T01:00:00Z"));
  EXPECT_ERROR(store().UpdateRun(MakeRun("etl", "missing", Utc("2024-01-01"))),
               ErrorCode::kNotFound);
  EXPECT_ERROR(store().GetRun("etl", "missing"), ErrorCode::kNotFound);

  // Deleting a run takes its task instances, tries and XComs with it.
  ASSERT_OK(store().InsertTry(MakeTry("r1", "a", 1, TaskState::kRunning)));
  ASSERT_OK(store().SetXCom(MakeXCom("r1", "return_value", 1)));
  ASSERT_OK(store().DeleteRun("etl", "r1"));
  EXPECT_ERROR(store().GetRun("etl", "r1"), ErrorCode::kNotFound);
  EXPECT_TRUE(store().ListTaskInstances("etl", "r1").value().empty());
  EXPECT_TRUE(store().ListTries("etl", "r1", "a").value().empty());
  EXPECT_TRUE(store().ListXComs("etl", "r1").value().empty());
  EXPECT_ERROR(store().DeleteRun("etl", "r1"), ErrorCode::kNotFound);
}

TEST_P(RunStoreTest, ListRunsFiltersOrdersAndPages) {
  ASSERT_OK(store().CreateRun(MakeRun("etl", "s1", Utc("2024-01-01")), {}));
  ASSERT_OK(store().CreateRun(
      MakeRun("etl", "s2", Utc("2024-01-02"), RunType::kScheduled, RunState::kSuccess), {}));
  ASSERT_OK(store().CreateRun(
      MakeRun("etl", "m3", Utc("2024-01-03"), RunType::kManual, RunState::kRunning), {}));
  ASSERT_OK(store().CreateRun(
      MakeRun("etl", "b4", Utc("2024-01-04"), RunType::kBackfill, RunState::kFailed), {}));
  ASSERT_OK(store().CreateRun(MakeRun("other", "o1", Utc("2024-01-05")), {}));

  EXPECT_THAT(RunIds(store().ListRuns({}).value()), ElementsAre("o1", "b4", "m3", "s2", "s1"));
  RunFilter f = ForDag("etl");
  EXPECT_THAT(RunIds(store().ListRuns(f).value()), ElementsAre("b4", "m3", "s2", "s1"));
  f.newest_first = false;
  EXPECT_THAT(RunIds(store().ListRuns(f).value()), ElementsAre("s1", "s2", "m3", "b4"));
  f.limit = 2;
  f.offset = 1;
  EXPECT_THAT(RunIds(store().ListRuns(f).value()), ElementsAre("s2", "m3"));
  RunFilter offset_only = ForDag("etl");
  offset_only.offset = 3;
  EXPECT_THAT(RunIds(store().ListRuns(offset_only).value()), ElementsAre("s1"));

  RunFilter states;
  states.states = {RunState::kRunning, RunState::kQueued};
  EXPECT_THAT(RunIds(store().ListRuns(states).value()), ElementsAre("o1", "m3", "s1"));
  RunFilter scheduled = ForDag("etl");
  scheduled.run_type = RunType::kScheduled;
  EXPECT_THAT(RunIds(store().ListRuns(scheduled).value()), ElementsAre("s2", "s1"));
  RunFilter range;
  range.logical_date_from = Utc("2024-01-02");
  range.logical_date_to = Utc("2024-01-04");
  EXPECT_THAT(RunIds(store().ListRuns(range).value()), ElementsAre("b4", "m3", "s2"));
  RunFilter none = ForDag("etl");
  none.states = {RunState::kSuccess};
  none.run_type = RunType::kManual;
  EXPECT_TRUE(store().ListRuns(none).value().empty());
}

TEST_P(RunStoreTest, LatestScheduledRunIgnoresManualAndBackfillRuns) {
  EXPECT_FALSE(store().LatestScheduledRun("etl").value().has_value());
  ASSERT_OK(store().CreateRun(MakeRun("etl", "s1", Utc("2024-01-01")), {}));
  ASSERT_OK(store().CreateRun(MakeRun("etl", "s2", Utc("2024-01-02")), {}));
  ASSERT_OK(store().CreateRun(MakeRun("etl", "m", Utc("2024-02-01"), RunType::kManual), {}));
  ASSERT_OK(store().CreateRun(MakeRun("etl", "b", Utc("2024-03-01"), RunType::kBackfill), {}));
  ASSERT_OK(store().CreateRun(MakeRun("other", "s9", Utc("2024-04-01")), {}));
  auto latest = store().LatestScheduledRun("etl").value();
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->run_id, "s2");
}

TEST_P(RunStoreTest, UpdateTaskInstanceUpdatesOrInserts) {
  ASSERT_OK(store().CreateRun(MakeRun("etl", "r1", Utc("2024-01-01")), {MakeTask("a")}));
  TaskInstance ti = store().GetTaskInstance("etl", "r1", "a").value();
  ti.state = TaskState::kUpForRetry;
  ti.try_number = 1;
  ti.start_date = Utc("2024-01-02T00:00:00Z");
  ti.end_date = Utc("2024-01-02T00:00:05Z");
  ti.next_retry_at = Utc("2024-01-02T00:05:05Z");
  ti.queued_at = Utc("2024-01-01T23:59:59Z");
  ti.error = "exit code 1";
  ti.pool = "db";
  ti.pool_slots = 2;
  ti.priority_weight = 5;
  ASSERT_OK(store().UpdateTaskInstance(ti));
  TaskInstance got = store().GetTaskInstance("etl", "r1", "a").value();
  EXPECT_EQ(got.state, TaskState::kUpForRetry);
  EXPECT_EQ(got.try_number, 1);
  EXPECT_EQ(got.end_date, Utc("2024-01-02T00:00:05Z"));
  EXPECT_EQ(got.next_retry_at, Utc("2024-01-02T00:05:05Z"));
  EXPECT_EQ(got.queued_at, Utc("2024-01-01T23:59:59Z"));
  EXPECT_EQ(got.error, "exit code 1");
  EXPECT_EQ(got.pool, "db");
  EXPECT_EQ(got.pool_slots, 2);
  EXPECT_EQ(got.priority_weight, 5);

  TaskInstance added = MakeTask("added_later");
  added.dag_id = "etl";
  added.run_id = "r1";
  ASSERT_OK(store().UpdateTaskInstance(added));
  EXPECT_THAT(TaskKeys(store().ListTaskInstances("etl", "r1").value()),
              ElementsAre("r1/a", "r1/added_later"));

  EXPECT_FALSE(got.marked.has_value());
  got.state = TaskState::kSuccess;
  got.marked = TaskMark{"ada", Utc("2024-01-03T10:00:00Z"), TaskState::kUpForRetry};
  ASSERT_OK(store().UpdateTaskInstance(got));
  auto marked = store().GetTaskInstance("etl", "r1", "a").value().marked;
  ASSERT_TRUE(marked.has_value());
  EXPECT_EQ(marked->by, "ada");
  EXPECT_EQ(marked->at, Utc("2024-01-03T10:00:00Z"));
  EXPECT_EQ(marked->from, TaskState::kUpForRetry);
  got.marked.reset();
  ASSERT_OK(store().UpdateTaskInstance(got));
  EXPECT_FALSE(store().GetTaskInstance("etl", "r1", "a").value().marked.has_value());

  TaskInstance orphan = added;
  orphan.run_id = "no_such_run";
  EXPECT_ERROR(store().UpdateTaskInstance(orphan), ErrorCode::kNotFound);
  EXPECT_ERROR(store().GetTaskInstance("etl", "r1", "zzz"), ErrorCode::kNotFound);
}

TEST_P(RunStoreTest, TaskInstanceQueriesAcrossRuns) {
  ASSERT_OK(store().CreateRun(
      MakeRun("etl", "r1", Utc("2024-01-01"), RunType::kScheduled, RunState::kSuccess),
      {MakeTask("a"), MakeTask("b")}));
  ASSERT_OK(store().CreateRun(
      MakeRun("etl", "r2", Utc("2024-01-02"), RunType::kScheduled, RunState::kRunning),
      {MakeTask("a")}));
  ASSERT_OK(store().CreateRun(MakeRun("etl", "r3", Utc("2024-01-03")), {MakeTask("a")}));
  ASSERT_OK(store().CreateRun(
      MakeRun("other", "o1", Utc("2024-01-01"), RunType::kScheduled, RunState::kFailed),
      {MakeTask("z")}));

  EXPECT_THAT(TaskKeys(store().ListTaskInstancesOfActiveRuns().value()),
              ElementsAre("r2/a", "r3/a"));
  EXPECT_THAT(TaskKeys(store().ListTaskInstancesOfDag("etl", 2).value()),
              ElementsAre("r3/a", "r2/a"));
  EXPECT_THAT(TaskKeys(store().ListTaskInstancesOfDag("etl", 0).value()),
              ElementsAre("r3/a", "r2/a", "r1/a", "r1/b"));

  auto previous = store().PreviousTaskInstance("etl", "a", Utc("2024-01-03")).value();
  ASSERT_TRUE(previous.has_value());
  EXPECT_EQ(previous->run_id, "r2");
  previous = store().PreviousTaskInstance("etl", "a", Utc("2024-01-02T12:00")).value();
  ASSERT_TRUE(previous.has_value());
  EXPECT_EQ(previous->run_id, "r2");
  EXPECT_FALSE(store().PreviousTaskInstance("etl", "a", Utc("2024-01-01")).value().has_value());
  // Only r1 has b: r2's predecessor is r1, but r3's is r2, which lacks b.
  EXPECT_EQ(store().PreviousTaskInstance("etl", "b", Utc("2024-01-02")).value()->run_id, "r1");
  EXPECT_FALSE(store().PreviousTaskInstance("etl", "b", Utc("2024-01-03")).value().has_value());
}

TEST_P(RunStoreTest, TriesAreRecordedUpdatedAndHeartbeaten) {
  ASSERT_OK(
      store().CreateRun(MakeRun("etl", "r1", Utc("2024-01-01")), {MakeTask("a"), MakeTask("b")}));
  TaskTry first = MakeTry("r1", "a", 1, TaskState::kRunning);
  first.hostname = "worker-1";
  first.pid = 4242;
  first.proc_start = 987654;
  first.try_key = "5f0c9a2e7d41b3c8";
  first.start_date = Utc("2024-01-02T00:00:01Z");
  first.rendered_args = Json{{"bash_command", "echo hi"}};
  first.version_id = 9;
  ASSERT_OK(store().InsertTry(first));
  EXPECT_ERROR(store().InsertTry(first), ErrorCode::kAlreadyExists);
  EXPECT_ERROR(store().InsertTry(MakeTry("r1", "ghost", 1, TaskState::kQueued)),
               ErrorCode::kNotFound);

  first.state = TaskState::kFailed;
  first.exit_code = 1;
  first.end_date = Utc("2024-01-02T00:00:09Z");
  first.error = "exit code 1";
  first.log_path = "/logs/etl/r1/a/1.log";
  ASSERT_OK(store().UpdateTry(first));
  ASSERT_OK(store().InsertTry(MakeTry("r1", "a", 2, TaskState::kRunning)));
  ASSERT_OK(store().InsertTry(MakeTry("r1", "b", 1, TaskState::kQueued)));
  EXPECT_ERROR(store().UpdateTry(MakeTry("r1", "a", 7, TaskState::kFailed)), ErrorCode::kNotFound);

  auto tries = store().ListTries("etl", "r1", "a").value();
  ASSERT_EQ(tries.size(), 2u);
  EXPECT_EQ(tries[0].try_number, 1);
  EXPECT_EQ(tries[0].state, TaskState::kFailed);
  EXPECT_EQ(tries[0].exit_code, 1);
  EXPECT_EQ(tries[0].hostname, "worker-1");
  EXPECT_EQ(tries[0].pid, 4242);
  EXPECT_EQ(tries[0].proc_start, 987654);
  EXPECT_EQ(tries[0].try_key, "5f0c9a2e7d41b3c8");
  EXPECT_EQ(tries[0].end_date, Utc("2024-01-02T00:00:09Z"));
  EXPECT_EQ(tries[0].log_path, "/logs/etl/r1/a/1.log");
  EXPECT_EQ(tries[0].rendered_args["bash_command"], "echo hi");
  EXPECT_EQ(tries[0].version_id, 9);
  EXPECT_EQ(tries[1].try_number, 2);
  EXPECT_FALSE(tries[1].exit_code.has_value());

  auto unfinished = store().ListUnfinishedTries().value();
  ASSERT_EQ(unfinished.size(), 2u);
  EXPECT_EQ(unfinished[0].task_id, "a");
  EXPECT_EQ(unfinished[0].try_number, 2);
  EXPECT_EQ(unfinished[1].task_id, "b");

  ASSERT_OK(store().HeartbeatRunningTries(Utc("2024-01-02T00:01:00Z")));
  tries = store().ListTries("etl", "r1", "a").value();
  EXPECT_FALSE(tries[0].heartbeat_at.has_value());  // finished: left alone
  EXPECT_EQ(tries[1].heartbeat_at, Utc("2024-01-02T00:01:00Z"));
  EXPECT_FALSE(store().ListTries("etl", "r1", "b").value()[0].heartbeat_at.has_value());
}

TEST_P(RunStoreTest, XComIsReplacedPerKeyAndCleared) {
  ASSERT_OK(store().CreateRun(MakeRun("etl", "r1", Utc("2024-01-01")), {MakeTask("a")}));
  XComRow x = MakeXCom("r1", "return_value", Json{1, 2});
  x.timestamp = Utc("2024-01-02T00:00:00Z");
  ASSERT_OK(store().SetXCom(x));
  x.value = Json{{"rows", 10}};
  ASSERT_OK(store().SetXCom(x));
  ASSERT_OK(store().SetXCom(MakeXCom("r1", "path", "/tmp/out")));
  auto got = store().GetXCom("etl", "r1", "a", "return_value").value();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->value, (Json{{"rows", 10}}));
  EXPECT_EQ(got->timestamp, Utc("2024-01-02T00:00:00Z"));
  EXPECT_FALSE(store().GetXCom("etl", "r1", "a", "nope").value().has_value());
  auto all = store().ListXComs("etl", "r1").value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].key, "path");
  EXPECT_EQ(all[0].value, "/tmp/out");
  EXPECT_EQ(all[1].key, "return_value");
  ASSERT_OK(store().ClearXComs("etl", "r1", "a"));
  EXPECT_TRUE(store().ListXComs("etl", "r1").value().empty());
  EXPECT_ERROR(store().SetXCom(MakeXCom("nope", "return_value", 1)), ErrorCode::kNotFound);
}

std::vector<std::string> ChangedTasks(RunStore& store, int64_t since) {
  return TaskKeys(store.ChangesSince(since).value().tis);
}

TEST_P(RunStoreTest, ChangesSinceReturnsWhatWasWrittenAfterASequenceNumber) {
  ASSERT_OK(
      store().CreateRun(MakeRun("etl", "r1", Utc("2024-01-01")), {MakeTask("a"), MakeTask("b")}));
  const int64_t created = store().ChangeSeq().value();
  StoreChanges all = store().ChangesSince(0).value();
  EXPECT_THAT(RunIds(all.runs), ElementsAre("r1"));
  EXPECT_THAT(TaskKeys(all.tis), ElementsAre("r1/a", "r1/b"));
  EXPECT_EQ(all.seq, created);
  EXPECT_EQ(all.active_runs, 1);
  EXPECT_EQ(all.active_runs_by_dag, (std::map<std::string, int64_t>{{"etl", 1}}));

  TaskInstance b = store().GetTaskInstance("etl", "r1", "b").value();
  b.state = TaskState::kScheduled;
  ASSERT_OK(store().UpdateTaskInstance(b));
  const int64_t updated = store().ChangeSeq().value();
  EXPECT_GT(updated, created);
  EXPECT_THAT(ChangedTasks(store(), created), ElementsAre("r1/b"));
  EXPECT_TRUE(store().ChangesSince(created).value().runs.empty());
  EXPECT_TRUE(ChangedTasks(store(), updated).empty());

  DagRun run = store().GetRun("etl", "r1").value();
  run.state = RunState::kRunning;
  ASSERT_OK(store().UpdateRun(run));
  EXPECT_THAT(RunIds(store().ChangesSince(updated).value().runs), ElementsAre("r1"));

  // A deletion leaves no row to find: it advances the sequence, and the count of active
  // runs tells a reader that one went.
  const int64_t before_delete = store().ChangeSeq().value();
  ASSERT_OK(store().DeleteRun("etl", "r1"));
  StoreChanges after = store().ChangesSince(before_delete).value();
  EXPECT_GT(after.seq, before_delete);
  EXPECT_EQ(after.active_runs, 0);
  EXPECT_TRUE(after.active_runs_by_dag.empty());
}

TEST_P(RunStoreTest, ActiveTasksAreCountedPerDagAndPool) {
  EXPECT_TRUE(store().CountActiveTasks().value().empty());
  TaskInstance a = MakeTask("a");
  a.state = TaskState::kQueued;
  TaskInstance b = MakeTask("b");
  b.state = TaskState::kRunning;
  b.pool_slots = 3;
  TaskInstance c = MakeTask("c");
  c.state = TaskState::kRunning;
  c.pool = "db";
  TaskInstance d = MakeTask("d");
  d.state = TaskState::kScheduled;  // chosen, not yet queued: not counted
  TaskInstance e = MakeTask("e");
  e.state = TaskState::kSuccess;
  ASSERT_OK(store().CreateRun(MakeRun("etl", "r1", Utc("2024-01-01")), {a, b, c, d, e}));
  ASSERT_OK(store().CreateRun(MakeRun("other", "r1", Utc("2024-01-01")), {a}));
  auto counts = store().CountActiveTasks().value();
  ASSERT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts[0].dag_id, "etl");
  EXPECT_EQ(counts[0].pool, "db");
  EXPECT_EQ(counts[0].tasks, 1);
  EXPECT_EQ(counts[0].slots, 1);
  EXPECT_EQ(counts[1].dag_id, "etl");
  EXPECT_EQ(counts[1].pool, a.pool);
  EXPECT_EQ(counts[1].tasks, 2);
  EXPECT_EQ(counts[1].slots, 4);
  EXPECT_EQ(counts[2].dag_id, "other");
  EXPECT_EQ(counts[2].tasks, 1);
}

// What a reader that knows the sequence before a transaction reads after it: every row the
// transaction wrote, including those written after a nested transaction failed, and none of
// the failed one's.
TEST_P(RunStoreTest, AFencedUpdateNeedsTheTrysKeyAndATryThatHasNotEnded) {
  ASSERT_OK(store().CreateRun(MakeRun("etl", "r1", Utc("2024-01-01")), {MakeTask("a")}));
  TaskTry t = MakeTry("r1", "a", 1, TaskState::kQueued);
  t.try_key = "token-1";
  ASSERT_OK(store().InsertTry(t));

  TaskTry started = t;
  started.state = TaskState::kRunning;
  started.hostname = "worker-1";
  EXPECT_ERROR(store().UpdateFencedTry(started, "token-2"), ErrorCode::kFailedPrecondition);
  ASSERT_OK(store().UpdateFencedTry(started, "token-1"));

  // Taken back from its worker: failed by the scheduler.
  TaskTry lost = started;
  lost.state = TaskState::kFailed;
  lost.error = "lost";
  ASSERT_OK(store().UpdateTry(lost));
  // The worker's late report changes nothing.
  TaskTry late = started;
  late.state = TaskState::kSuccess;
  auto refused = store().UpdateFencedTry(late, "token-1");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(refused.error().message, HasSubstr("refused a report"));
  auto tries = store().ListTries("etl", "r1", "a").value();
  ASSERT_EQ(tries.size(), 1u);
  EXPECT_EQ(tries[0].state, TaskState::kFailed);
  EXPECT_EQ(tries[0].error, "lost");
}

TEST_P(RunStoreTest, EveryRowATransactionWritesIsAboveTheSequenceBeforeIt) {
  ASSERT_OK(store().CreateRun(MakeRun("etl", "r1", Utc("2024-01-01")),
                              {MakeTask("a"), MakeTask("b"), MakeTask("c")}));
  const int64_t before = store().ChangeSeq().value();
  auto set = [&](const std::string& task_id, TaskState state) {
    TaskInstance ti = store().GetTaskInstance("etl", "r1", task_id).value();
    ti.state = state;
    return store().UpdateTaskInstance(ti);
  };
  ASSERT_OK(store().Transaction([&]() -> Status {
    Status undone = store().Transaction([&]() -> Status {
      TRY(set("a", TaskState::kQueued));
      return Err(ErrorCode::kInternal, "undone");
    });
    if (undone.has_value()) return Err(ErrorCode::kInternal, "the nested transaction committed");
    TRY(set("b", TaskState::kQueued));
    TRY(store().Transaction([&]() -> Status { return set("c", TaskState::kQueued); }));
    return {};
  }));
  const int64_t after = store().ChangeSeq().value();
  EXPECT_THAT(ChangedTasks(store(), before), ElementsAre("r1/b", "r1/c"));
  EXPECT_TRUE(ChangedTasks(store(), after).empty());
  EXPECT_EQ(store().GetTaskInstance("etl", "r1", "a").value().state, TaskState::kNone);
}

WEIR_STORE_SUITE(RunStoreTest);

}  // namespace
}  // namespace weir
