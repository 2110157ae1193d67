// The scheduler loop in fake time: Scheduler::Run() on its own thread, a real SQLite store in
// a temporary folder, a FakeClock that the loop's waits move (env/clock.h) and a TimedFakeExecutor
// whose attempts last fake minutes or hours. Retry delays, timeouts and a year of catchup
// take milliseconds, and every time the store records is exact. The tests go through public
// APIs only (Scheduler, TriggerRun, the store), so they hold whatever the loop looks like
// inside.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "engine/actions.h"
#include "engine/fake_executor_test_util.h"
#include "engine/scheduler.h"
#include "env/temp_dir.h"
#include "ops/registry.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

Time At(const char* iso) { return ParseDateTime(iso).value(); }

class SchedulerTimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    std::filesystem::create_directories(dir_.Join("dags"));
    store_ = SqliteStore::Open(dir_.Join("weir.db")).value();
    ASSERT_TRUE(store_->Migrate().has_value());
    registry_ =
        std::make_unique<DagRegistry>(*store_, clock_, dir_.Join("dags"), OperatorSchemas());
  }

  void WriteDag(const std::string& yaml) {
    std::ofstream(dir_.Join("dags/d.yaml")) << yaml;
    ASSERT_TRUE(registry_->Reload().has_value());
    ASSERT_TRUE(registry_->import_errors().empty()) << registry_->import_errors().begin()->second;
  }

  DagRun Trigger(const std::string& dag_id) {
    TriggerRequest req;
    req.run_id = "r";
    return TriggerRun(*store_, *registry_->Find(dag_id), clock_, req).value();
  }

  // Runs the scheduler on its own thread until `done` holds (asked on the loop's thread with
  // every run that changes state), then stops it. The attempts follow `script`.
  void RunUntil(const std::function<bool(const DagRun&)>& done, TimedFakeExecutor::Script script,
                SchedulerOptions options = {}) {
    EventQueue queue(clock_);
    executor_ =
        std::make_unique<TimedFakeExecutor>(clock_, queue.AttemptPoster(), 32, std::move(script));
    options.paths = AttemptPaths{dir_.Join("dags"),
                                 dir_.Join("logs"),
                                 dir_.Join("work"),
                                 "file://" + dir_.Join("lake"),
                                 "",
                                 ""};
    options.watch_dags = false;
    options.recover_orphans = false;
    options.record_job = false;
    Scheduler scheduler(*store_, *executor_, queue, clock_, *registry_, options);
    SchedulerObserver observer;
    observer.on_run = [&](const DagRun& run) {
      if (done(run)) scheduler.Stop();
    };
    scheduler.set_observer(observer);
    std::promise<Status> result;
    std::thread loop([&] { result.set_value(scheduler.Run()); });
    auto finished = result.get_future();
    // A safety net for a broken loop, not a timing assertion: a passing test ends in
    // milliseconds.
    if (finished.wait_for(seconds(60)) != std::future_status::ready) {
      ADD_FAILURE() << "the loop did not finish; fake time is " << FormatIso(clock_.Now());
      scheduler.Stop();
    }
    loop.join();
    Status s = finished.get();
    EXPECT_TRUE(s.has_value()) << s.error().message;
    executor_->Shutdown();
    EXPECT_TRUE(scheduler.Finish().has_value());
  }

  static bool Finished(const DagRun& run) {
    return run.state == RunState::kSuccess || run.state == RunState::kFailed;
  }

  std::vector<TaskTry> Tries(const std::string& task_id) {
    return store_->ListTries("d", "r", task_id).value();
  }

  TempDir dir_;
  FakeClock clock_{At("2025-03-01T00:00:00Z")};
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<DagRegistry> registry_;
  std::unique_ptr<TimedFakeExecutor> executor_;
};

// docs/dag-reference.md's example: retry_delay 30s with backoff and max_retry_delay 2m waits
// 30s, 1m, 2m and 2m after tries 1 to 4, and each try starts exactly when its wait ends.
TEST_F(SchedulerTimeTest, RetriesWaitTheirBackoffDelayInFakeTime) {
  WriteDag(R"(
dag_id: d
tasks:
  - task_id: t
    operator: bash
    command: exit 1
    retries: 4
    retry_delay: 30s
    retry_exponential_backoff: true
    max_retry_delay: 2m
)");
  Time t0 = clock_.Now();
  Trigger("d");
  // Tries 1-4 fail after 10 s, try 5 succeeds after 10 s.
  RunUntil(Finished, [](const AttemptSpec& spec) {
    return TimedFakeExecutor::Outcome{seconds(10), spec.key.try_number < 5 ? 1 : 0};
  });

  std::vector<TaskTry> tries = Tries("t");
  ASSERT_EQ(tries.size(), 5u);
  std::sort(tries.begin(), tries.end(),
            [](const TaskTry& a, const TaskTry& b) { return a.try_number < b.try_number; });
  // Start of each try: the previous end plus 30s, 1m, 2m, 2m.
  std::vector<Duration> starts = {seconds(0), seconds(40), seconds(110), seconds(240),
                                  seconds(370)};
  for (size_t i = 0; i < tries.size(); ++i) {
    SCOPED_TRACE("try " + std::to_string(i + 1));
    EXPECT_EQ(tries[i].try_number, static_cast<int>(i + 1));
    EXPECT_EQ(tries[i].state, i < 4 ? TaskState::kFailed : TaskState::kSuccess);
    EXPECT_EQ(tries[i].start_date, t0 + starts[i]);
    EXPECT_EQ(tries[i].end_date, t0 + starts[i] + seconds(10));
    EXPECT_EQ(tries[i].exit_code, i < 4 ? 1 : 0);
  }
  TaskInstance ti = store_->GetTaskInstance("d", "r", "t").value();
  EXPECT_EQ(ti.state, TaskState::kSuccess);
  EXPECT_EQ(ti.try_number, 5);
  EXPECT_EQ(ti.start_date, t0 + seconds(370));
  EXPECT_EQ(ti.end_date, t0 + seconds(380));
  DagRun run = store_->GetRun("d", "r").value();
  EXPECT_EQ(run.state, RunState::kSuccess);
  EXPECT_EQ(run.start_date, t0);
  EXPECT_EQ(run.end_date, t0 + seconds(380));
}

// Without backoff every wait is retry_delay, capped by max_retry_delay; a task whose tries
// are used up fails, and so does its run.
TEST_F(SchedulerTimeTest, RetriesWithoutBackoffWaitTheCappedDelayThenFail) {
  WriteDag(R"(
dag_id: d
tasks:
  - task_id: t
    operator: bash
    command: exit 3
    retries: 2
    retry_delay: 1h
    max_retry_delay: 20m
)");
  Time t0 = clock_.Now();
  Trigger("d");
  RunUntil(Finished, [](const AttemptSpec&) { return TimedFakeExecutor::Outcome{minutes(1), 3}; });

  std::vector<TaskTry> tries = Tries("t");
  ASSERT_EQ(tries.size(), 3u);
  std::sort(tries.begin(), tries.end(),
            [](const TaskTry& a, const TaskTry& b) { return a.try_number < b.try_number; });
  for (size_t i = 0; i < tries.size(); ++i) {
    SCOPED_TRACE("try " + std::to_string(i + 1));
    EXPECT_EQ(tries[i].state, TaskState::kFailed);
    EXPECT_EQ(tries[i].start_date, t0 + static_cast<int>(i) * minutes(21));
    EXPECT_EQ(tries[i].end_date, t0 + static_cast<int>(i) * minutes(21) + minutes(1));
  }
  TaskInstance ti = store_->GetTaskInstance("d", "r", "t").value();
  EXPECT_EQ(ti.state, TaskState::kFailed);
  EXPECT_EQ(ti.try_number, 3);
  EXPECT_FALSE(ti.next_retry_at.has_value());
  DagRun run = store_->GetRun("d", "r").value();
  EXPECT_EQ(run.state, RunState::kFailed);
  EXPECT_EQ(run.end_date, t0 + minutes(43));
}

// The executor is given the task's execution_timeout; a try that reaches it fails with the
// executor's message and is retried after retry_delay.
TEST_F(SchedulerTimeTest, ExecutionTimeoutFailsTheTryWhichIsRetried) {
  WriteDag(R"(
dag_id: d
tasks:
  - task_id: t
    operator: bash
    command: sleep 7200
    execution_timeout: 10m
    retries: 1
    retry_delay: 5m
)");
  Time t0 = clock_.Now();
  Trigger("d");
  // Try 1 would run 2 hours; try 2 finishes in 1 minute.
  RunUntil(Finished, [](const AttemptSpec& spec) {
    return TimedFakeExecutor::Outcome{spec.key.try_number == 1 ? hours(2) : minutes(1), 0};
  });

  ASSERT_EQ(executor_->attempts().size(), 2u);
  EXPECT_EQ(executor_->attempts()[0].timeout, minutes(10));
  EXPECT_TRUE(executor_->attempts()[0].timed_out);
  std::vector<TaskTry> tries = Tries("t");
  ASSERT_EQ(tries.size(), 2u);
  std::sort(tries.begin(), tries.end(),
            [](const TaskTry& a, const TaskTry& b) { return a.try_number < b.try_number; });
  EXPECT_EQ(tries[0].state, TaskState::kFailed);
  EXPECT_EQ(tries[0].start_date, t0);
  EXPECT_EQ(tries[0].end_date, t0 + minutes(10));
  EXPECT_NE(tries[0].error.find("timed out after 10m (execution_timeout)"), std::string::npos)
      << tries[0].error;
  EXPECT_EQ(tries[1].state, TaskState::kSuccess);
  EXPECT_EQ(tries[1].start_date, t0 + minutes(15));
  EXPECT_EQ(tries[1].end_date, t0 + minutes(16));
  DagRun run = store_->GetRun("d", "r").value();
  EXPECT_EQ(run.state, RunState::kSuccess);
  EXPECT_EQ(run.end_date, t0 + minutes(16));
}

// dagrun_timeout counts from the run's start: when it passes, the running try is killed,
// every unfinished task instance is skipped and the run fails, at that instant. 30m7s is not
// a multiple of the 5 s heartbeat: the loop wakes for the timeout itself.
TEST_F(SchedulerTimeTest, DagrunTimeoutKillsTheRunningTryAndFailsTheRun) {
  WriteDag(R"(
dag_id: d
dagrun_timeout: 30m7s
tasks:
  - task_id: a
    operator: bash
    command: 'true'
  - task_id: b
    operator: bash
    command: sleep 7200
    depends_on: [a]
  - task_id: c
    operator: bash
    command: 'true'
    depends_on: [b]
)");
  Time t0 = clock_.Now();
  Trigger("d");
  RunUntil(Finished, [](const AttemptSpec& spec) {
    return TimedFakeExecutor::Outcome{spec.key.task_id == "a" ? minutes(10) : hours(2), 0};
  });

  DagRun run = store_->GetRun("d", "r").value();
  Time deadline = t0 + minutes(30) + seconds(7);
  EXPECT_EQ(run.state, RunState::kFailed);
  EXPECT_EQ(run.end_date, deadline);
  EXPECT_NE(run.reason.find("dagrun_timeout of 30m 7s reached"), std::string::npos) << run.reason;
  TaskInstance a = store_->GetTaskInstance("d", "r", "a").value();
  EXPECT_EQ(a.state, TaskState::kSuccess);
  EXPECT_EQ(a.end_date, t0 + minutes(10));
  EXPECT_EQ(store_->GetTaskInstance("d", "r", "b").value().state, TaskState::kSkipped);
  EXPECT_EQ(store_->GetTaskInstance("d", "r", "c").value().state, TaskState::kSkipped);
  std::vector<TaskTry> b = Tries("b");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].start_date, t0 + minutes(10));
  EXPECT_EQ(b[0].end_date, deadline);
  EXPECT_EQ(b[0].state, TaskState::kFailed);
  ASSERT_EQ(executor_->attempts().size(), 2u);
  EXPECT_TRUE(executor_->attempts()[1].killed);
  EXPECT_TRUE(Tries("c").empty());
}

// With nothing to do, the loop sleeps until the next interval ends and creates its run at
// that instant, not later.
TEST_F(SchedulerTimeTest, ScheduledRunsAreCreatedWhenTheirIntervalEnds) {
  clock_.Set(At("2025-03-01T10:00:00Z"));
  WriteDag(R"(
dag_id: d
schedule: '@daily'
start_date: 2025-03-01
tasks:
  - task_id: t
    operator: empty
)");
  int finished = 0;
  RunUntil([&](const DagRun& run) { return Finished(run) && ++finished == 2; },
           [](const AttemptSpec&) {
             return TimedFakeExecutor::Outcome{minutes(1), 0};
           });

  RunFilter oldest_first;
  oldest_first.newest_first = false;
  std::vector<DagRun> runs = store_->ListRuns(oldest_first).value();
  ASSERT_EQ(runs.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(runs[i].run_id);
    Time end = At("2025-03-02T00:00:00Z") + i * hours(24);
    EXPECT_EQ(runs[i].logical_date, end - hours(24));
    EXPECT_EQ(runs[i].state, RunState::kSuccess);
    EXPECT_EQ(runs[i].queued_at, end);
    EXPECT_EQ(runs[i].start_date, end);
    EXPECT_EQ(runs[i].end_date, end + minutes(1));
  }
}

// A year of hourly intervals, all missed: catchup creates and finishes one run per interval,
// in logical-date order, never more than max_active_runs (16, the default)
// queued or running at once.
TEST_F(SchedulerTimeTest, CatchupRunsAYearOfHourlyRunsInOrderWithinMaxActiveRuns) {
  clock_.Set(At("2026-01-01T00:00:00Z"));
  WriteDag(R"(
dag_id: d
schedule: '@hourly'
start_date: 2025-01-01
end_date: 2025-12-31T23:00:00
tasks:
  - task_id: t
    operator: empty
)");
  constexpr int kRuns = 365 * 24;
  std::set<std::string> finished;
  SchedulerOptions options;
  // Nothing records heartbeats here (no job, no lease); the beat of running tries is not
  // what this test is about.
  options.heartbeat_interval = hours(24);
  RunUntil(
      [&](const DagRun& run) {
        if (Finished(run)) finished.insert(run.run_id);
        return finished.size() == static_cast<size_t>(kRuns);
      },
      [](const AttemptSpec&) {
        return TimedFakeExecutor::Outcome{minutes(1), 0};
      },
      options);

  RunFilter oldest_first;
  oldest_first.newest_first = false;
  std::vector<DagRun> runs = store_->ListRuns(oldest_first).value();
  ASSERT_EQ(runs.size(), static_cast<size_t>(kRuns));
  Time first = At("2025-01-01T00:00:00Z");
  // +1 when a run is created (queued), -1 when it ends: queued and running runs count.
  std::vector<std::pair<Time, int>> edges;
  for (size_t i = 0; i < runs.size(); ++i) {
    const DagRun& r = runs[i];
    SCOPED_TRACE(r.run_id);
    ASSERT_EQ(r.state, RunState::kSuccess);
    ASSERT_EQ(r.logical_date, first + static_cast<int>(i) * hours(1));
    ASSERT_EQ(r.data_interval_end, r.data_interval_start + hours(1));
    ASSERT_TRUE(r.start_date && r.end_date);
    ASSERT_EQ(*r.end_date, *r.start_date + minutes(1));  // its one task's minute
    if (i > 0) {
      ASSERT_LE(*runs[i - 1].start_date, *r.start_date);  // in order
    }
    ASSERT_LE(r.queued_at, *r.start_date);
    edges.emplace_back(r.queued_at, 1);
    edges.emplace_back(*r.end_date, -1);
  }
  std::sort(edges.begin(), edges.end());  // at equal times, ends (-1) before starts
  int active = 0;
  int most = 0;
  for (const auto& [at, delta] : edges) most = std::max(most, active += delta);
  EXPECT_EQ(most, 16);
  EXPECT_EQ(executor_->max_running(), 16);
  // Sixteen runs a minute: the year is done in 548 fake minutes.
  EXPECT_EQ(*runs.back().end_date, At("2026-01-01T00:00:00Z") + (kRuns / 16 + 1) * minutes(1));
}

}  // namespace
}  // namespace weir
