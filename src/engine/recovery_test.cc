// Recovery after a crash: what a killed weir left running is found and killed before any try
// is retried, with real processes and a real SQLite store.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "engine/attempts.h"
#include "engine/orphans.h"
#include "env/process.h"
#include "env/process_table.h"
#include "env/temp_dir.h"
#include "store/sqlite/sqlite_store.h"

namespace weir {
namespace {

bool Alive(int pid) {
  auto p = ReadProcessEntry(pid);
  return p && !p->zombie;
}

// A child started the way the executor starts attempts, with a try's environment. Its
// first stdout line (a pid the script echoes) is read into `echoed`.
struct TryProcess {
  ChildProcess child;
  int echoed = 0;
};

TryProcess StartTryProcess(const std::string& script, const std::string& key, int try_number) {
  ProcessSpec spec;
  spec.argv = {"bash", "-c", script};
  spec.env = {{"WEIR_DAG_ID", "etl"},
              {"WEIR_RUN_ID", "r1"},
              {"WEIR_TASK_ID", "t"},
              {"WEIR_TRY_NUMBER", std::to_string(try_number)}};
  if (!key.empty()) spec.env[std::string(kTryKeyEnv)] = key;
  TryProcess p;
  p.child = SpawnProcess(spec, {.capture_stderr = false}).value();
  std::string line;
  char c;
  while (read(p.child.stdout_fd, &c, 1) == 1 && c != '\n') line += c;
  p.echoed = std::atoi(line.c_str());
  return p;
}

void Reap(TryProcess& p) {
  kill(p.child.pid, SIGKILL);
  waitpid(p.child.pid, nullptr, 0);
  for (int fd : {p.child.pidfd, p.child.stdout_fd}) close(fd);
}

class RecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = SqliteStore::Open(dir_.Join("weir.db")).value();
    ASSERT_TRUE(store_->Migrate().has_value());
    DagRun run;
    run.dag_id = "etl";
    run.run_id = "r1";
    run.state = RunState::kRunning;
    TaskInstance ti;
    ti.dag_id = "etl";
    ti.run_id = "r1";
    ti.task_id = "t";
    ti.state = TaskState::kRunning;
    ti.try_number = 1;
    ti.max_tries = 2;
    ASSERT_TRUE(store_->CreateRun(run, {ti}).has_value());
  }

  // Records try 1 of etl/r1/t as the crashed weir left it.
  void RecordTry(TaskState state, const std::string& key, int pid, int64_t proc_start) {
    TaskTry t;
    t.dag_id = "etl";
    t.run_id = "r1";
    t.task_id = "t";
    t.try_number = 1;
    t.state = state;
    t.try_key = key;
    t.pid = pid;
    t.proc_start = proc_start;
    t.log_path = dir_.Join("logs/attempt-1.log");
    ASSERT_TRUE(store_->InsertTry(t).has_value());
  }

  TaskTry Recover() {
    AttemptManager attempts(*store_, clock_, AttemptPaths{});
    EXPECT_TRUE(attempts.RecoverOrphans({}).has_value());
    return store_->ListTries("etl", "r1", "t").value().at(0);
  }

  TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<SqliteStore> store_;
  // Unique per test process: tests run in parallel, and a recovery kills by key.
  const std::string key_ = fmt::format("test-key-{}-{}", getpid(), dir_.path());
};

TEST_F(RecoveryTest, ATryWhosePidWasNeverRecordedIsFoundByItsKeyAndKilled) {
  // weir was killed after the spawn but before it recorded the pid: the try is queued, pid 0.
  TryProcess p = StartTryProcess("sleep 1000 & echo $!; wait", key_, 1);
  RecordTry(TaskState::kQueued, key_, 0, 0);
  TaskTry t = Recover();
  EXPECT_FALSE(Alive(p.echoed)) << "the background child must be killed";
  int status = 0;
  ASSERT_EQ(waitpid(p.child.pid, &status, 0), p.child.pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_EQ(t.state, TaskState::kFailed);
  EXPECT_NE(t.error.find("pid was not recorded"), std::string::npos) << t.error;
  EXPECT_NE(t.error.find("2 processes of it still running were killed"), std::string::npos)
      << t.error;
  close(p.child.pidfd);
  close(p.child.stdout_fd);
}

TEST_F(RecoveryTest, WhatTheMainProcessLeftBehindIsKilledAfterItExited) {
  // `sleep 1000 & exit 0`: the leader is gone, its process group lives on.
  TryProcess p = StartTryProcess("sleep 1000 & echo $!; exit 0", key_, 1);
  waitpid(p.child.pid, nullptr, 0);
  ASSERT_TRUE(Alive(p.echoed));
  RecordTry(TaskState::kRunning, key_, p.child.pid, p.child.start_ticks);
  TaskTry t = Recover();
  EXPECT_FALSE(Alive(p.echoed));
  EXPECT_NE(t.error.find(fmt::format("its process (pid {}) had exited", p.child.pid)),
            std::string::npos)
      << t.error;
  EXPECT_NE(t.error.find("1 process of it still running was killed"), std::string::npos) << t.error;
  close(p.child.pidfd);
  close(p.child.stdout_fd);
}

TEST_F(RecoveryTest, ATryOfAnOlderWeirIsFoundByItsProcessGroup) {
  // No key: the group of the recorded pid, checked against the try's environment.
  TryProcess p = StartTryProcess("sleep 1000 & echo $!; exit 0", "", 1);
  waitpid(p.child.pid, nullptr, 0);
  RecordTry(TaskState::kRunning, "", p.child.pid, p.child.start_ticks);
  TaskTry t = Recover();
  EXPECT_FALSE(Alive(p.echoed));
  EXPECT_NE(t.error.find("1 process of it still running was killed"), std::string::npos) << t.error;
  close(p.child.pidfd);
  close(p.child.stdout_fd);
}

TEST_F(RecoveryTest, ARunningMainProcessIsKilledAndSaidSo) {
  TryProcess p = StartTryProcess("echo $$; exec sleep 1000", key_, 1);
  RecordTry(TaskState::kRunning, key_, p.child.pid, p.child.start_ticks);
  TaskTry t = Recover();
  int status = 0;
  ASSERT_EQ(waitpid(p.child.pid, &status, 0), p.child.pid);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(t.error, fmt::format("attempt lost: weir stopped while it ran; its process (pid {}) "
                                 "was still running and was killed on restart",
                                 p.child.pid));
  close(p.child.pidfd);
  close(p.child.stdout_fd);
}

TEST_F(RecoveryTest, AProcessThatHadExitedIsNotSaidToBeKilled) {
  RecordTry(TaskState::kRunning, key_, 999999, 1);
  TaskTry t = Recover();
  EXPECT_EQ(t.error,
            "attempt lost: weir stopped while it ran; its process (pid 999999) had already "
            "exited when weir restarted, so its outcome is unknown");
  EXPECT_EQ(store_->GetTaskInstance("etl", "r1", "t").value().state, TaskState::kFailed);
}

TEST_F(RecoveryTest, ProcessesOfOtherTriesAreLeftAlone) {
  // Same DAG, run, task and try number, but another home's key (and another group).
  TryProcess other = StartTryProcess("echo $$; exec sleep 1000", key_ + "-of-another-home", 1);
  RecordTry(TaskState::kQueued, key_, 0, 0);
  TaskTry t = Recover();
  EXPECT_TRUE(Alive(other.child.pid));
  EXPECT_NE(t.error.find("no process of it was running"), std::string::npos) << t.error;
  Reap(other);
}

}  // namespace
}  // namespace weir
