// The scheduler loop end to end, in-process: real DAG files, a real SQLite store, the local
// executor running real processes.
#include "engine/scheduler.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "engine/actions.h"
#include "env/process.h"
#include "env/temp_dir.h"
#include "exec/local_executor.h"
#include "ops/registry.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {
namespace {

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    std::filesystem::create_directories(dir_.Join("dags"));
    store_ = SqliteStore::Open(dir_.Join("weir.db")).value();
    ASSERT_TRUE(store_->Migrate().has_value());
    registry_ =
        std::make_unique<DagRegistry>(*store_, clock_, dir_.Join("dags"), OperatorSchemas());
  }

  void WriteDag(const std::string& name, const std::string& yaml) {
    std::ofstream(dir_.Join("dags/" + name)) << yaml;
  }

  AttemptPaths Paths() {
    return AttemptPaths{dir_.Join("dags"),
                        dir_.Join("logs"),
                        dir_.Join("work"),
                        "file://" + dir_.Join("lake"),
                        "",
                        ""};
  }

  // Reads the DAGs folder and triggers a run of dag_id as `req` asks (on 2021-03-05 unless
  // it names a logical date).
  DagRun Trigger(const std::string& dag_id, TriggerRequest req = {}) {
    EXPECT_TRUE(registry_->Reload().has_value());
    const LoadedDag* dag = registry_->Find(dag_id);
    if (dag == nullptr) {
      ADD_FAILURE() << "no DAG " << dag_id << ": "
                    << (registry_->import_errors().empty()
                            ? std::string("no import error")
                            : registry_->import_errors().begin()->second);
      return DagRun{};
    }
    if (!req.logical_date) req.logical_date = ParseDateTime("2021-03-05").value();
    return TriggerRun(*store_, *dag, clock_, req).value();
  }

  // Triggers a test run of dag_id and runs the scheduler until that run finishes.
  DagRun RunOnce(const std::string& dag_id, Json conf = Json::object(),
                 const std::vector<AttemptEvent>& stray_events = {},
                 const SchedulerObserver& observer = {}) {
    TriggerRequest req;
    req.conf = std::move(conf);
    req.run_type = RunType::kTest;
    req.replace_existing = true;
    return RunUntilFinished(Trigger(dag_id, req), stray_events, observer);
  }

  // Runs the scheduler on an existing run until it finishes; `stray_events` are posted first.
  DagRun RunUntilFinished(const DagRun& run, const std::vector<AttemptEvent>& stray_events = {},
                          const SchedulerObserver& observer = {},
                          std::optional<Duration> start_record_delay = std::nullopt) {
    EventQueue queue(clock_);
    LocalExecutor executor(4, queue.AttemptPoster(), std::chrono::milliseconds(200));
    SchedulerOptions options;
    options.paths = Paths();
    options.watch_dags = false;
    options.recover_orphans = false;
    options.only_run = std::make_pair(run.dag_id, run.run_id);
    if (start_record_delay) options.start_record_delay = *start_record_delay;
    Scheduler scheduler(*store_, executor, queue, clock_, *registry_, options);
    scheduler.set_observer(observer);
    for (const auto& e : stray_events) queue.AttemptPoster()(e);
    EXPECT_TRUE(scheduler.Run().has_value());
    executor.Shutdown();
    return store_->GetRun(run.dag_id, run.run_id).value();
  }

  TaskInstance Ti(const DagRun& run, const std::string& task) {
    return store_->GetTaskInstance(run.dag_id, run.run_id, task).value();
  }

  TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<DagRegistry> registry_;
};

TEST_F(SchedulerTest, ChainRunsToSuccessAndPassesXCom) {
  WriteDag("chain.yaml", R"(
dag_id: chain
tasks:
  - task_id: a
    operator: bash
    command: echo hello
  - task_id: b
    operator: bash
    depends_on: [a]
    command: echo "got {{ ti.xcom_pull('a') }} for {{ ds }}"
)");
  DagRun run = RunOnce("chain");
  EXPECT_EQ(run.state, RunState::kSuccess);
  EXPECT_EQ(Ti(run, "a").state, TaskState::kSuccess);
  auto x = store_->GetXCom("chain", run.run_id, "b", "return_value").value();
  ASSERT_TRUE(x.has_value());
  EXPECT_EQ(x->value, "got hello for 2021-03-05");
  // One log per attempt, with the header and the footer.
  std::ifstream log(Paths().logs_folder + "/chain/" + run.run_id + "/b/attempt-1.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("got hello for 2021-03-05"), std::string::npos) << text;
  EXPECT_NE(text.find("exit status 0"), std::string::npos) << text;
}

// An `empty` task starts and ends before the loop looks: its try is recorded once, whole,
// it has no log file (it ran nothing), and observers still see it run, then succeed.
TEST_F(SchedulerTest, AnAttemptThatStartsAndEndsInOneBatchIsRecordedWhole) {
  WriteDag("join.yaml", R"(
dag_id: join
tasks:
  - task_id: a
    operator: empty
  - task_id: b
    operator: empty
    depends_on: [a]
)");
  std::vector<std::string> seen;
  SchedulerObserver observer;
  observer.on_task = [&](const TaskInstance& ti) {
    seen.push_back(ti.task_id + " " + std::string(TaskStateName(ti.state)));
  };
  DagRun run = RunOnce("join", Json::object(), {}, observer);
  EXPECT_EQ(run.state, RunState::kSuccess);
  EXPECT_EQ(seen, (std::vector<std::string>{"a scheduled", "a queued", "a running", "a success",
                                            "b scheduled", "b queued", "b running", "b success"}));
  for (const char* task : {"a", "b"}) {
    auto tries = store_->ListTries("join", run.run_id, task).value();
    ASSERT_EQ(tries.size(), 1u);
    EXPECT_EQ(tries[0].state, TaskState::kSuccess);
    ASSERT_TRUE(tries[0].start_date && tries[0].end_date);
    EXPECT_LE(*tries[0].start_date, *tries[0].end_date);
    EXPECT_EQ(tries[0].log_path, "");
    EXPECT_EQ(Ti(run, task).start_date, tries[0].start_date);
  }
  EXPECT_FALSE(std::filesystem::exists(Paths().logs_folder + "/join"));
}

// One step, one write transaction: the end of a task, its downstream task becoming
// scheduled and queued, and the start of that task's try are recorded in one commit (the
// store's change sequence advances once per write transaction).
TEST_F(SchedulerTest, AChainTakesOneWriteTransactionPerTask) {
  std::string yaml = "dag_id: chain\ntasks:\n";
  constexpr int kTasks = 10;
  for (int i = 0; i < kTasks; ++i) {
    yaml += fmt::format("  - task_id: t{}\n    operator: empty\n", i);
    if (i > 0) yaml += fmt::format("    depends_on: [t{}]\n", i - 1);
  }
  WriteDag("chain.yaml", yaml);
  TriggerRequest req;
  req.run_type = RunType::kTest;
  DagRun run = Trigger("chain", req);
  int64_t before = store_->ChangeSeq().value();
  EXPECT_EQ(RunUntilFinished(run).state, RunState::kSuccess);
  int64_t transactions = store_->ChangeSeq().value() - before;
  // Starting the run and queueing t0, then one step per task (its end, the next task queued
  // and started), and the last step also ends the run. Two commits per task before.
  EXPECT_LE(transactions, kTasks + 2) << transactions;
  EXPECT_GE(transactions, kTasks);
}

// A process that ends within start_record_delay has its start recorded with its end: a chain
// of bash tasks takes one write transaction per task, as a chain of `empty` tasks does, and
// each try still has its pid and both times.
TEST_F(SchedulerTest, AShortTrysStartIsRecordedWithItsEnd) {
  std::string yaml = "dag_id: quick\ntasks:\n";
  constexpr int kTasks = 5;
  for (int i = 0; i < kTasks; ++i) {
    yaml += fmt::format("  - task_id: t{}\n    operator: bash\n    command: 'true'\n", i);
    if (i > 0) yaml += fmt::format("    depends_on: [t{}]\n", i - 1);
  }
  WriteDag("quick.yaml", yaml);
  TriggerRequest req;
  req.run_type = RunType::kTest;
  DagRun run = Trigger("quick", req);
  int64_t before = store_->ChangeSeq().value();
  // Longer than any `bash -c true` on a loaded machine: every start waits for its end.
  EXPECT_EQ(RunUntilFinished(run, {}, {}, std::chrono::seconds(30)).state, RunState::kSuccess);
  int64_t transactions = store_->ChangeSeq().value() - before;
  EXPECT_LE(transactions, kTasks + 2) << transactions;
  for (int i = 0; i < kTasks; ++i) {
    auto tries = store_->ListTries("quick", run.run_id, fmt::format("t{}", i)).value();
    ASSERT_EQ(tries.size(), 1u);
    EXPECT_GT(tries[0].pid, 0);
    EXPECT_GT(tries[0].proc_start, 0);
    ASSERT_TRUE(tries[0].start_date && tries[0].end_date);
    EXPECT_LE(*tries[0].start_date, *tries[0].end_date);
  }
}

// A process still running after start_record_delay is recorded as running while it runs.
TEST_F(SchedulerTest, ALongTrysStartIsRecordedOnItsOwnAfterTheDelay) {
  WriteDag("slow.yaml",
           "dag_id: slow\ntasks:\n  - task_id: t\n    operator: bash\n    command: sleep 3\n");
  TriggerRequest req;
  req.run_type = RunType::kTest;
  DagRun run = Trigger("slow", req);
  std::vector<std::string> seen;
  std::optional<TaskTry> try_when_running;
  SchedulerObserver observer;
  observer.on_task = [&](const TaskInstance& ti) {
    seen.emplace_back(TaskStateName(ti.state));
    if (ti.state != TaskState::kRunning) return;
    auto tries = store_->ListTries("slow", run.run_id, "t").value();
    if (!tries.empty()) try_when_running = tries.back();
  };
  EXPECT_EQ(RunUntilFinished(run, {}, observer, std::chrono::milliseconds(100)).state,
            RunState::kSuccess);
  EXPECT_EQ(seen, (std::vector<std::string>{"scheduled", "queued", "running", "success"}));
  ASSERT_TRUE(try_when_running.has_value());
  // Recorded on its own: running, with its pid, and not ended yet.
  EXPECT_EQ(try_when_running->state, TaskState::kRunning);
  EXPECT_GT(try_when_running->pid, 0);
  EXPECT_FALSE(try_when_running->end_date.has_value());
}

// Marked failed by another process before its start was recorded (so that process found no
// pid to kill): the scheduler kills the attempt when it sees the start, not 30 s later.
TEST_F(SchedulerTest, AnAttemptMarkedBeforeItsStartWasRecordedIsKilled) {
  WriteDag("slow.yaml",
           "dag_id: slow\ntasks:\n  - task_id: t\n    operator: bash\n    command: sleep 30\n");
  TriggerRequest req;
  req.run_type = RunType::kTest;
  DagRun run = Trigger("slow", req);
  const LoadedDag* dag = registry_->Find("slow");
  ASSERT_NE(dag, nullptr);
  std::atomic<bool> marked{false};
  SchedulerObserver observer;
  observer.on_task = [&](const TaskInstance& ti) {
    if (ti.state != TaskState::kQueued || marked.exchange(true)) return;
    // What `weir tasks mark-failed` does from another process, right after the queueing:
    // no start is recorded yet, so it has no process to kill.
    std::thread([&, run] {
      auto other = SqliteStore::Open(dir_.Join("weir.db")).value();
      ClearRequest mark;
      mark.run_id = run.run_id;
      mark.task_ids = {"t"};
      LocalAttemptKiller killer;
      EXPECT_TRUE(
          MarkTasks(*other, *dag->spec, mark, TaskState::kFailed, clock_, killer).has_value());
    }).join();
  };
  // The start is held up to 300 ms; the step that records it sees the mark.
  DagRun ended = RunUntilFinished(run, {}, observer, std::chrono::milliseconds(300));
  EXPECT_EQ(ended.state, RunState::kFailed);
  EXPECT_EQ(Ti(ended, "t").state, TaskState::kFailed);
  auto tries = store_->ListTries("slow", run.run_id, "t").value();
  ASSERT_EQ(tries.size(), 1u);
  EXPECT_NE(tries[0].error.find("cleared or marked while its attempt started"), std::string::npos)
      << tries[0].error;
}

TEST_F(SchedulerTest, ApplyStartAndEndRecordsWhatTheTwoEventsRecordApart) {
  WriteDag("one.yaml", "dag_id: one\ntasks:\n  - task_id: t\n    operator: empty\n");
  DagRun run = Trigger("one");
  const LoadedDag* dag = registry_->Find("one");
  ASSERT_NE(dag, nullptr);
  AttemptManager attempts(*store_, clock_, Paths());
  SecretMasker masker = LoadSecretMasker(*store_, "").value();
  std::optional<AttemptSpec> spec;
  ASSERT_TRUE(store_
                  ->Transaction([&]() -> Status {
                    spec = TRY(attempts.Prepare(*dag, run, Ti(run, "t"), masker)).spec;
                    return {};
                  })
                  .has_value());
  ASSERT_TRUE(spec.has_value());
  AttemptEvent started;
  started.kind = AttemptEvent::Kind::kStarted;
  started.key = spec->key;
  started.pid = 4242;
  started.proc_start = 77;
  started.at = ParseDateTime("2021-03-06T00:00:01Z").value();
  AttemptEvent finished;
  finished.kind = AttemptEvent::Kind::kFinished;
  finished.key = spec->key;
  finished.exit_code = 0;
  finished.at = ParseDateTime("2021-03-06T00:00:03Z").value();
  std::vector<TaskInstance> seen;
  ASSERT_TRUE(store_
                  ->Transaction([&]() -> Status {
                    seen = TRY(attempts.ApplyStartAndEnd(started, finished));
                    return {};
                  })
                  .has_value());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].state, TaskState::kRunning);
  EXPECT_EQ(seen[1].state, TaskState::kSuccess);
  auto tries = store_->ListTries("one", run.run_id, "t").value();
  ASSERT_EQ(tries.size(), 1u);
  EXPECT_EQ(tries[0].state, TaskState::kSuccess);
  EXPECT_EQ(tries[0].pid, 4242);
  EXPECT_EQ(tries[0].proc_start, 77);
  EXPECT_EQ(tries[0].start_date, started.at);
  EXPECT_EQ(tries[0].end_date, finished.at);
  EXPECT_EQ(tries[0].exit_code, 0);
  TaskInstance ti = Ti(run, "t");
  EXPECT_EQ(ti.state, TaskState::kSuccess);
  EXPECT_EQ(ti.start_date, started.at);
  EXPECT_EQ(ti.end_date, finished.at);
}

TEST_F(SchedulerTest, FailedTryIsRetriedAndEveryTryIsRecorded) {
  WriteDag("flaky.yaml", R"(
dag_id: flaky
tasks:
  - task_id: t
    operator: bash
    retries: 2
    retry_delay: 50ms
    command: '[ "$WEIR_TRY_NUMBER" -ge 2 ] || { echo nope >&2; exit 3; }'
)");
  DagRun run = RunOnce("flaky");
  EXPECT_EQ(run.state, RunState::kSuccess);
  TaskInstance ti = Ti(run, "t");
  EXPECT_EQ(ti.state, TaskState::kSuccess);
  EXPECT_EQ(ti.try_number, 2);
  auto tries = store_->ListTries("flaky", run.run_id, "t").value();
  ASSERT_EQ(tries.size(), 2u);
  EXPECT_EQ(tries[0].state, TaskState::kFailed);
  EXPECT_EQ(tries[0].exit_code, 3);
  EXPECT_EQ(tries[1].state, TaskState::kSuccess);
  // The retry waited at least retry_delay after the first try ended.
  EXPECT_GE(*tries[1].start_date - *tries[0].end_date, std::chrono::milliseconds(50));
}

TEST_F(SchedulerTest, AReportForAnUnknownAttemptDoesNotStopTheScheduler) {
  WriteDag("ok.yaml", R"(
dag_id: ok
tasks:
  - task_id: t
    operator: bash
    command: echo fine
)");
  AttemptEvent stray;
  stray.kind = AttemptEvent::Kind::kFinished;
  stray.key = AttemptKey{"ok", "no_such_run", "t", 1};
  stray.at = clock_.Now();
  DagRun run = RunOnce("ok", Json::object(), {stray});
  EXPECT_EQ(run.state, RunState::kSuccess);
}

TEST_F(SchedulerTest, ExhaustedRetriesFailTheTaskAndUpstreamFailedFollows) {
  WriteDag("fails.yaml", R"(
dag_id: fails
tasks:
  - task_id: t
    operator: bash
    retries: 1
    retry_delay: 10ms
    command: exit 1
  - task_id: after
    operator: bash
    depends_on: [t]
    command: echo never
)");
  DagRun run = RunOnce("fails");
  EXPECT_EQ(run.state, RunState::kFailed);
  EXPECT_EQ(Ti(run, "t").state, TaskState::kFailed);
  EXPECT_EQ(Ti(run, "t").try_number, 2);
  EXPECT_EQ(Ti(run, "after").state, TaskState::kUpstreamFailed);
}

TEST_F(SchedulerTest, ExecutionTimeoutKillsTheAttempt) {
  WriteDag("slow.yaml", R"(
dag_id: slow
tasks:
  - task_id: t
    operator: bash
    execution_timeout: 300ms
    command: sleep 30
)");
  auto started = std::chrono::steady_clock::now();
  DagRun run = RunOnce("slow");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(run.state, RunState::kFailed);
  TaskInstance ti = Ti(run, "t");
  EXPECT_EQ(ti.state, TaskState::kFailed);
  EXPECT_NE(ti.error.find("timed out"), std::string::npos) << ti.error;
}

TEST_F(SchedulerTest, ExitCode99SkipsAndSkipPropagates) {
  WriteDag("skip.yaml", R"(
dag_id: skip
tasks:
  - task_id: t
    operator: bash
    command: exit 99
  - task_id: after
    operator: bash
    depends_on: [t]
    command: echo never
)");
  DagRun run = RunOnce("skip");
  EXPECT_EQ(run.state, RunState::kSuccess);
  EXPECT_EQ(Ti(run, "t").state, TaskState::kSkipped);
  EXPECT_EQ(Ti(run, "after").state, TaskState::kSkipped);
}

TEST_F(SchedulerTest, TemplateErrorFailsTheTaskWithTheName) {
  WriteDag("tmpl.yaml", R"(
dag_id: tmpl
tasks:
  - task_id: t
    operator: bash
    command: echo {{ var.value.not_set_anywhere }}
)");
  DagRun run = RunOnce("tmpl");
  EXPECT_EQ(run.state, RunState::kFailed);
  TaskInstance ti = Ti(run, "t");
  EXPECT_EQ(ti.state, TaskState::kFailed);
  EXPECT_NE(ti.error.find("not_set_anywhere"), std::string::npos) << ti.error;
}

TEST_F(SchedulerTest, ParamsAndConfReachTheTask) {
  WriteDag("params.yaml", R"(
dag_id: params
params:
  color: {type: string, default: yellow, enum: [yellow, green]}
tasks:
  - task_id: t
    operator: bash
    command: echo "{{ params.color }}"
)");
  DagRun run = RunOnce("params", Json{{"color", "green"}});
  EXPECT_EQ(store_->GetXCom("params", run.run_id, "t", "return_value").value()->value, "green");
}

TEST_F(SchedulerTest, RecoveryKillsLostAttemptsAndRetriesThem) {
  WriteDag("lost.yaml", R"(
dag_id: lost
tasks:
  - task_id: t
    operator: bash
    retries: 1
    command: sleep 60
)");
  DagRun run = Trigger("lost");
  // What a killed weir leaves behind: a running try whose process still runs.
  SpawnOptions quiet;
  quiet.capture_stdout = false;
  quiet.capture_stderr = false;
  ChildProcess child = SpawnProcess(ProcessSpec{{"sleep", "60"}, {}, ""}, quiet).value();
  TaskInstance ti = Ti(run, "t");
  ti.state = TaskState::kRunning;
  ti.try_number = 1;
  ASSERT_TRUE(store_->UpdateTaskInstance(ti).has_value());
  TaskTry t;
  t.dag_id = "lost";
  t.run_id = run.run_id;
  t.task_id = "t";
  t.try_number = 1;
  t.state = TaskState::kRunning;
  t.pid = child.pid;
  t.proc_start = child.start_ticks;
  t.log_path = dir_.Join("logs/lost.log");
  ASSERT_TRUE(store_->InsertTry(t).has_value());

  AttemptManager attempts(*store_, clock_, Paths());
  ASSERT_TRUE(attempts.RecoverOrphans(registry_->dags()).has_value());

  int status = 0;
  ASSERT_EQ(waitpid(child.pid, &status, 0), child.pid);  // it was killed
  EXPECT_TRUE(WIFSIGNALED(status));
  auto tries = store_->ListTries("lost", run.run_id, "t").value();
  ASSERT_EQ(tries.size(), 1u);
  EXPECT_EQ(tries[0].state, TaskState::kFailed);
  EXPECT_NE(tries[0].error.find("lost"), std::string::npos);
  TaskInstance after = Ti(run, "t");
  EXPECT_EQ(after.state, TaskState::kUpForRetry);
  EXPECT_TRUE(after.next_retry_at.has_value());
}

TEST_F(SchedulerTest, ClearRerunsATaskAndItsDownstream) {
  WriteDag("clear.yaml", R"(
dag_id: clear
tasks:
  - task_id: a
    operator: bash
    command: echo "try $WEIR_TRY_NUMBER"
  - task_id: b
    operator: bash
    depends_on: [a]
    command: echo "b after {{ ti.xcom_pull('a') }}"
)");
  DagRun run = RunOnce("clear");
  ASSERT_EQ(run.state, RunState::kSuccess);
  ClearRequest with_downstream;
  with_downstream.run_id = run.run_id;
  with_downstream.task_ids = {"a"};
  with_downstream.downstream = true;
  LocalAttemptKiller killer;
  auto cleared =
      ClearTasks(*store_, *registry_->Find("clear")->spec, with_downstream, clock_, killer).value();
  EXPECT_EQ(cleared.size(), 2u);
  EXPECT_EQ(store_->GetRun("clear", run.run_id).value().state, RunState::kQueued);
  // Run the same run again (not a new one).
  EXPECT_EQ(RunUntilFinished(run).state, RunState::kSuccess);
  EXPECT_EQ(Ti(run, "a").try_number, 2);
  EXPECT_EQ(store_->GetXCom("clear", run.run_id, "b", "return_value").value()->value,
            "b after try 2");
}

// The scheduler keeps its runs in memory: what another process writes reaches it as a change
// read from the store (here a pool that task b waits for, and another run deleted while
// queued), not by reading everything again.
TEST_F(SchedulerTest, WhatAnotherProcessWritesReachesTheRunningScheduler) {
  WriteDag("gate.yaml", R"(
dag_id: gate
tasks:
  - task_id: a
    operator: bash
    command: 'true'
  - task_id: b
    operator: bash
    depends_on: [a]
    pool: gate
    command: 'true'
)");
  TriggerRequest req;
  req.run_type = RunType::kTest;
  DagRun run = Trigger("gate", req);
  TriggerRequest other;
  other.logical_date = ParseDateTime("2021-03-06").value();
  DagRun doomed = Trigger("gate", other);

  EventQueue queue(clock_);
  LocalExecutor executor(4, queue.AttemptPoster(), std::chrono::milliseconds(200));
  SchedulerOptions options;
  options.paths = Paths();
  options.watch_dags = false;
  options.recover_orphans = false;
  options.only_run = std::make_pair(run.dag_id, run.run_id);
  Scheduler scheduler(*store_, executor, queue, clock_, *registry_, options);
  std::atomic<bool> b_waited = false;
  SchedulerObserver observer;
  observer.on_task = [&](const TaskInstance& ti) {
    if (ti.task_id == "a" && ti.state == TaskState::kSuccess) b_waited = true;
  };
  scheduler.set_observer(observer);
  std::thread other_process([&] {
    for (int i = 0; i < 500 && !b_waited; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Another connection, as the CLI has: it deletes a run, creates the pool, wakes the loop.
    auto cli = SqliteStore::Open(dir_.Join("weir.db")).value();
    EXPECT_TRUE(cli->DeleteRun(doomed.dag_id, doomed.run_id).has_value());
    EXPECT_TRUE(cli->SetPool(Pool{"gate", 1, ""}).has_value());
    queue.Post(SchedulerEvent{SchedulerEvent::Kind::kWake, {}});
  });
  EXPECT_TRUE(scheduler.Run().has_value());
  other_process.join();
  executor.Shutdown();
  EXPECT_TRUE(b_waited);
  EXPECT_EQ(store_->GetRun(run.dag_id, run.run_id).value().state, RunState::kSuccess);
  EXPECT_EQ(Ti(run, "b").state, TaskState::kSuccess);
}

}  // namespace
}  // namespace weir
