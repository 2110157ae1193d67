// The scheduler when its store fails: a database that refuses writes (locked by another
// connection here; a full disk takes the same path) must not stop running tasks, lose what
// they report, or end the scheduler; and a lost lease must end it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "engine/actions.h"
#include "engine/scheduler.h"
#include "env/process_table.h"
#include "env/temp_dir.h"
#include "exec/local_executor.h"
#include "ops/registry.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {
namespace {

// Waits (bounded) until pred() holds.
template <typename Pred>
bool WaitUntil(Pred pred) {
  for (int i = 0; i < 1000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

class SchedulerFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.Join("dags"));
    // The scheduler's connection gives up on a locked database after 50 ms.
    SqliteStoreOptions quick;
    quick.busy_timeout_ms = 50;
    store_ = SqliteStore::Open(dir_.Join("weir.db"), quick).value();
    ASSERT_TRUE(store_->Migrate().has_value());
    reader_ = SqliteStore::Open(dir_.Join("weir.db")).value();
    registry_ =
        std::make_unique<DagRegistry>(*store_, clock_, dir_.Join("dags"), OperatorSchemas());
  }

  std::string WaitForFile(const std::string& name) {
    // Bounded: 60 s at most, then the task fails.
    return fmt::format("for i in $(seq 1 1200); do [ -e {} ] && exit 0; sleep 0.05; done; exit 1",
                       dir_.Join(name));
  }

  DagRun Trigger(const std::string& yaml) {
    std::ofstream(dir_.Join("dags/d.yaml")) << yaml;
    EXPECT_TRUE(registry_->Reload().has_value());
    TriggerRequest req;
    req.run_id = "r";
    return TriggerRun(*store_, *registry_->Find("d"), clock_, req).value();
  }

  TaskInstance Ti(const std::string& task) {
    return reader_->GetTaskInstance("d", "r", task).value();
  }

  TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<SqliteStore> reader_;
  std::unique_ptr<DagRegistry> registry_;
};

TEST_F(SchedulerFaultsTest, AStoreThatRefusesWritesStopsNothingAndLosesNothing) {
  DagRun run = Trigger(fmt::format(R"(
dag_id: d
tasks:
  - task_id: quick
    operator: bash
    command: '{}'
  - task_id: long
    operator: bash
    command: '{}'
  - task_id: after
    operator: bash
    depends_on: [quick]
    command: echo after
)",
                                   WaitForFile("go-quick"), WaitForFile("go-long")));
  EventQueue queue(clock_);
  LocalExecutor executor(4, queue.AttemptPoster(), std::chrono::milliseconds(200));
  SchedulerHealth health;
  SchedulerOptions options;
  options.paths = AttemptPaths{dir_.Join("dags"), dir_.Join("logs"), dir_.Join("work"), "", "", ""};
  options.watch_dags = false;
  options.recover_orphans = false;
  options.record_job = false;
  options.health = &health;
  options.store_retry_max = std::chrono::milliseconds(200);
  options.only_run = std::make_pair(run.dag_id, run.run_id);
  Scheduler scheduler(*store_, executor, queue, clock_, *registry_, options);
  std::future<Status> ran = std::async(std::launch::async, [&] { return scheduler.Run(); });

  ASSERT_TRUE(WaitUntil([&] {
    return Ti("quick").state == TaskState::kRunning && Ti("long").state == TaskState::kRunning;
  }));
  int long_pid = reader_->ListTries("d", "r", "long").value().at(0).pid;

  // Another connection holds the write lock: every write of the scheduler fails.
  std::promise<void> release;
  std::promise<void> locked;
  std::thread locker([&] {
    auto other = SqliteStore::Open(dir_.Join("weir.db")).value();
    (void)other->Transaction([&]() -> Status {
      locked.set_value();
      release.get_future().wait();
      return {};
    });
  });
  locked.get_future().wait();
  std::ofstream(dir_.Join("go-quick")) << "";
  ASSERT_TRUE(WaitUntil([&] { return health.store_error().has_value(); }));
  EXPECT_NE(health.store_error()->message.find("locked"), std::string::npos)
      << health.store_error()->message;
  // The scheduler is still running, and so is the other task.
  EXPECT_EQ(ran.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  auto p = ReadProcessEntry(long_pid);
  EXPECT_TRUE(p && !p->zombie) << "a store failure must not kill running tasks";
  EXPECT_EQ(Ti("quick").state, TaskState::kRunning) << "nothing could be recorded yet";

  // Writes work again: what was reported meanwhile is recorded and the run goes on.
  release.set_value();
  locker.join();
  std::ofstream(dir_.Join("go-long")) << "";
  ASSERT_EQ(ran.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_TRUE(ran.get().has_value());
  executor.Shutdown();
  EXPECT_FALSE(health.store_error().has_value());
  EXPECT_EQ(reader_->GetRun("d", "r").value().state, RunState::kSuccess);
  for (const char* task : {"quick", "long", "after"}) {
    EXPECT_EQ(Ti(task).state, TaskState::kSuccess) << task;
    EXPECT_EQ(reader_->ListTries("d", "r", task).value().size(), 1u) << task;
  }
}

TEST_F(SchedulerFaultsTest, ALostLeaseEndsTheScheduler) {
  DagRun run = Trigger(fmt::format(R"(
dag_id: d
tasks:
  - task_id: t
    operator: bash
    command: '{}'
)",
                                   WaitForFile("never")));
  LeaseKeeper mine(*store_, clock_, "/home/a", std::chrono::seconds(60));
  ASSERT_TRUE(mine.Acquire().has_value());
  // Another scheduler took the lease (ours expired while we were stalled, say).
  SchedulerLease theirs{.holder = "other", .hostname = "elsewhere", .pid = 1, .home = "/home/b"};
  theirs.expires_at = clock_.Now() + std::chrono::hours(1);
  ASSERT_EQ(reader_->AcquireSchedulerLease(theirs, clock_.Now(), mine.holder()).value().holder,
            "other");

  EventQueue queue(clock_);
  LocalExecutor executor(4, queue.AttemptPoster(), std::chrono::milliseconds(200));
  SchedulerOptions options;
  options.paths = AttemptPaths{dir_.Join("dags"), dir_.Join("logs"), dir_.Join("work"), "", "", ""};
  options.watch_dags = false;
  options.recover_orphans = false;
  options.lease = &mine;
  options.heartbeat_interval = std::chrono::milliseconds(50);
  Scheduler scheduler(*store_, executor, queue, clock_, *registry_, options);
  Status s = scheduler.Run();
  executor.Shutdown();
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(s.error().message.find("no longer holds"), std::string::npos) << s.error().message;
  EXPECT_FALSE(mine.held());
}

}  // namespace
}  // namespace weir
