#include "exec/local_executor.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "env/files.h"
#include "env/temp_dir.h"

namespace weir {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

// Collects the executor's events and lets the test wait for them.
class Events {
 public:
  AttemptCallback Callback() {
    return [this](AttemptEvent e) {
      std::lock_guard lock(mu_);
      events_.push_back(std::move(e));
      cv_.notify_all();
    };
  }

  std::optional<AttemptEvent> Wait(const std::string& task_id, AttemptEvent::Kind kind) {
    std::unique_lock lock(mu_);
    std::optional<AttemptEvent> found;
    cv_.wait_for(lock, 60s, [&] {
      for (const AttemptEvent& e : events_) {
        if (e.key.task_id == task_id && e.kind == kind) {
          found = e;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  AttemptEvent Finished(const std::string& task_id) {
    std::optional<AttemptEvent> e = Wait(task_id, AttemptEvent::Kind::kFinished);
    EXPECT_TRUE(e.has_value()) << "no kFinished event for " << task_id;
    return e.value_or(AttemptEvent{});
  }

  int Count(AttemptEvent::Kind kind) {
    std::lock_guard lock(mu_);
    return static_cast<int>(
        std::count_if(events_.begin(), events_.end(), [&](auto& e) { return e.kind == kind; }));
  }

  // Waits until at least n kFinished events arrived, or 60s passed.
  bool WaitFinishedCount(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 60s, [&] {
      return std::count_if(events_.begin(), events_.end(),
                           [](auto& e) { return e.kind == AttemptEvent::Kind::kFinished; }) >= n;
    });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<AttemptEvent> events_;
};

AttemptSpec Spec(const TempDir& dir, const std::string& task_id, std::vector<std::string> argv) {
  AttemptSpec spec;
  spec.key = {"dag", "manual__2021-01-01", task_id, 1};
  spec.process.argv = std::move(argv);
  spec.log_path = dir.Join("logs/dag/" + task_id + "/1.log");
  spec.log_header = "[weir] task " + task_id;
  return spec;
}

AttemptSpec Bash(const TempDir& dir, const std::string& task_id, const std::string& script) {
  return Spec(dir, task_id, {"bash", "-c", script});
}

std::string Log(const AttemptSpec& spec) { return ReadFile(spec.log_path).value_or("<no log>"); }

// A process that has exited but is not reaped yet (a zombie) counts as gone.
bool Gone(int pid) {
  auto stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  size_t paren = stat->rfind(')');
  return paren != std::string::npos && stat->compare(paren + 2, 1, "Z") == 0;
}

bool WaitGone(int pid) {
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
    if (Gone(pid)) return true;
  }
  return false;
}

TEST(LocalExecutor, AttemptLogHasHeaderBothStreamsAndFooter) {
  TempDir dir;
  Events events;
  LocalExecutor executor(4, events.Callback());
  AttemptSpec spec = Bash(dir, "t", "echo out1; echo err1 >&2; echo out2");
  ASSERT_TRUE(executor.Submit(spec));
  AttemptEvent e = events.Finished("t");
  EXPECT_EQ(e.exit_code, 0);
  EXPECT_EQ(e.error, "");
  EXPECT_GT(e.pid, 0);
  std::string log = Log(spec);
  EXPECT_THAT(log, StartsWith("[weir] task t\n[weir] started pid " + std::to_string(e.pid)));
  EXPECT_THAT(log, HasSubstr("out1\n"));
  EXPECT_THAT(log, HasSubstr("err1\n"));
  EXPECT_THAT(log, HasSubstr("out2\n"));
  EXPECT_THAT(log, HasSubstr("\n[weir] exit status 0 after "));
  EXPECT_THAT(log, EndsWith("s\n"));
}

TEST(LocalExecutor, StartedEventCarriesPidAndStartTicks) {
  TempDir dir;
  Events events;
  LocalExecutor executor(4, events.Callback());
  ASSERT_TRUE(executor.Submit(Bash(dir, "t", "true")));
  auto started = events.Wait("t", AttemptEvent::Kind::kStarted);
  ASSERT_TRUE(started);
  EXPECT_GT(started->pid, 0);
  EXPECT_GT(started->proc_start, 0);
  EXPECT_EQ(events.Finished("t").pid, started->pid);
}

TEST(LocalExecutor, ReportsLastNonEmptyStdoutLine) {
  TempDir dir;
  Events events;
  LocalExecutor executor(4, events.Callback());
  ASSERT_TRUE(
      executor.Submit(Bash(dir, "a", "echo first; echo last; echo; echo '  '; echo e >&2")));
  ASSERT_TRUE(executor.Submit(Bash(dir, "b", "printf 'one\\ntwo'")));
  EXPECT_EQ(events.Finished("a").last_stdout_line, "last");
  EXPECT_EQ(events.Finished("b").last_stdout_line, "two");
}

TEST(LocalExecutor, NonZeroExitIsReportedWithStatus) {
  TempDir dir;
  Events events;
  LocalExecutor executor(4, events.Callback());
  AttemptSpec spec = Bash(dir, "t", "exit 3");
  ASSERT_TRUE(executor.Submit(spec));
  AttemptEvent e = events.Finished("t");
  EXPECT_EQ(e.exit_code, 3);
  EXPECT_EQ(e.error, "exited with status 3");
  EXPECT_THAT(Log(spec), HasSubstr("[weir] exit status 3 after "));
}

TEST(LocalExecutor, ParsesTheResultWrittenToFd3) {
  TempDir dir;
  Events events;
  LocalExecutor executor(4, events.Callback());
  AttemptSpec good = Bash(dir, "good", "echo '{\"rows\": 3}' >&3; echo done");
  good.result_channel = true;
  AttemptSpec bad = Bash(dir, "bad", "echo '{oops' >&3");
  bad.result_channel = true;
  ASSERT_TRUE(executor.Submit(good));
  ASSERT_TRUE(executor.Submit(bad));
  AttemptEvent g = events.Finished("good");
  ASSERT_TRUE(g.result.has_value()) << g.error;
  EXPECT_EQ(*g.result, Json::parse(R"({"rows": 3})"));
  EXPECT_EQ(g.last_stdout_line, "done");
  AttemptEvent b = events.Finished("bad");
  EXPECT_FALSE(b.result.has_value());
  EXPECT_EQ(b.exit_code, 0);
  EXPECT_THAT(b.error, HasSubstr("fd 3"));
  EXPECT_THAT(Log(bad), HasSubstr("fd 3"));
}

TEST(LocalExecutor, SubmitBeyondCapacityFailsUntilASlotFrees) {
  TempDir dir;
  Events events;
  LocalExecutor executor(2, events.Callback(), 1s);
  ASSERT_TRUE(executor.Submit(Bash(dir, "a", "sleep 300")));
  ASSERT_TRUE(executor.Submit(Bash(dir, "b", "sleep 300")));
  EXPECT_EQ(executor.Running(), 2);
  Status third = executor.Submit(Bash(dir, "c", "true"));
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kFailedPrecondition);
  executor.Kill(Spec(dir, "a", {}).key, "test");
  events.Finished("a");
  EXPECT_EQ(executor.Running(), 1);
  ASSERT_TRUE(executor.Submit(Bash(dir, "c", "true")));
  EXPECT_EQ(events.Finished("c").exit_code, 0);
}

TEST(LocalExecutor, TimeoutKillsTheWholeProcessGroupIncludingGrandchildren) {
  TempDir dir;
  Events events;
  LocalExecutor executor(4, events.Callback(), 1s);
  AttemptSpec spec = Bash(dir, "t", "sleep 300 & echo $!; sleep 300");
  spec.timeout = 1s;
  ASSERT_TRUE(executor.Submit(spec));
  AttemptEvent e = events.Finished("t");
  EXPECT_TRUE(e.timed_out);
  EXPECT_FALSE(e.killed);
  EXPECT_EQ(e.error, "timed out after 1s (execution_timeout)");
  EXPECT_THAT(Log(spec),
              HasSubstr("[weir] timed out after 1s (execution_timeout) — process group killed\n"));
  int grandchild = std::stoi(e.last_stdout_line);
  EXPECT_TRUE(WaitGone(grandchild)) << "grandchild " << grandchild << " survived";
  EXPECT_TRUE(WaitGone(e.pid));
}

TEST(LocalExecutor, KillTerminatesTheAttemptAndLogsTheReason) {
  TempDir dir;
  Events events;
  LocalExecutor executor(4, events.Callback(), 10s);
  AttemptSpec spec = Bash(dir, "t", "sleep 300");
  ASSERT_TRUE(executor.Submit(spec));
  ASSERT_TRUE(events.Wait("t", AttemptEvent::Kind::kStarted));
  executor.Kill(spec.key, "marked failed by admin");
  AttemptEvent e = events.Finished("t");
  EXPECT_TRUE(e.killed);
  EXPECT_EQ(e.term_signal, SIGTERM);
  EXPECT_EQ(e.error, "killed: marked failed by admin");
  EXPECT_THAT(Log(spec), HasSubstr("[weir] killed: marked failed by admin — process group killed"));
}

TEST(LocalExecutor, KillEscalatesToSigkillAfterTheGracePeriod) {
  TempDir dir;
  Events events;
  LocalExecutor executor(4, events.Callback(), 200ms);
  // Ignored signals stay ignored across exec, so the sleeps ignore SIGTERM too.
  AttemptSpec spec = Bash(dir, "t", "trap '' TERM; echo ready; while :; do sleep 1; done");
  ASSERT_TRUE(executor.Submit(spec));
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       Log(spec).find("ready") == std::string::npos && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(5ms)) {
  }
  executor.Kill(spec.key, "stop");
  AttemptEvent e = events.Finished("t");
  EXPECT_TRUE(e.killed);
  EXPECT_EQ(e.term_signal, SIGKILL);
}

// A process of another weir (a scheduler that was restarted, the one the API server's clear
// or mark reaches): led its own group, as the executor's children do, and recorded by its
// pid and start time. Returns the leader and the pid of a grandchild in its group.
std::pair<ChildProcess, int> StartElsewhere() {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "sleep 300 & echo $!; wait"};
  ChildProcess child = SpawnProcess(spec, {.capture_stdout = true}).value();
  std::string line;
  char c;
  while (read(child.stdout_fd, &c, 1) == 1 && c != '\n') line += c;
  return {child, std::stoi(line)};
}

// How the leader ended: the signal that killed it, 0 if it exited.
int EndingSignal(const ChildProcess& child) {
  int status = 0;
  while (waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  for (int fd : {child.pidfd, child.stdout_fd, child.stderr_fd}) {
    if (fd >= 0) close(fd);
  }
  return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

TEST(LocalExecutor, KillEndsTheProcessGroupOfAnAttemptItDidNotStart) {
  Events events;
  LocalExecutor executor(4, events.Callback());
  auto [child, grandchild] = StartElsewhere();
  AttemptKey key{"d", "r", "t", 1};
  executor.Kill(key, AttemptProcess{child.pid, child.start_ticks}, "marked failed by admin");
  EXPECT_EQ(EndingSignal(child), SIGKILL);
  EXPECT_TRUE(WaitGone(grandchild)) << "grandchild " << grandchild << " survived";
  EXPECT_EQ(executor.Running(), 0);
  EXPECT_EQ(events.Count(AttemptEvent::Kind::kFinished), 0);  // not its attempt to report
}

TEST(LocalAttemptKiller, SignalsOnlyTheProcessThatStartedAtTheRecordedTime) {
  LocalAttemptKiller killer;
  auto [child, grandchild] = StartElsewhere();
  AttemptKey key{"d", "r", "t", 1};
  // A pid reused by another process (its start time differs) is left alone: the SIGTERM sent
  // after it is what ends the leader.
  killer.Kill(key, AttemptProcess{child.pid, child.start_ticks + 1}, "cleared");
  killer.Kill(key, AttemptProcess{0, 0}, "never started");
  killpg(child.pid, SIGTERM);
  EXPECT_EQ(EndingSignal(child), SIGTERM);
  EXPECT_TRUE(WaitGone(grandchild));

  auto [second, second_grandchild] = StartElsewhere();
  killer.Kill(key, AttemptProcess{second.pid, second.start_ticks}, "cleared");
  EXPECT_EQ(EndingSignal(second), SIGKILL);
  EXPECT_TRUE(WaitGone(second_grandchild));
}

TEST(LocalExecutor, MissingProgramFinishesWithAnErrorAndNoStart) {
  TempDir dir;
  Events events;
  LocalExecutor executor(4, events.Callback());
  AttemptSpec spec = Spec(dir, "t", {"weir-no-such-program"});
  ASSERT_TRUE(executor.Submit(spec));
  AttemptEvent e = events.Finished("t");
  EXPECT_EQ(e.exit_code, -1);
  EXPECT_THAT(e.error, HasSubstr("weir-no-such-program"));
  EXPECT_EQ(events.Count(AttemptEvent::Kind::kStarted), 0);
  EXPECT_THAT(Log(spec), HasSubstr("[weir] could not start: "));
  EXPECT_EQ(executor.Running(), 0);
}

TEST(LocalExecutor, EmptyArgvSucceedsAtOnceWithoutAProcess) {
  TempDir dir;
  Events events;
  LocalExecutor executor(4, events.Callback());
  AttemptSpec spec = Spec(dir, "t", {});
  ASSERT_TRUE(executor.Submit(spec));
  // Both events came before Submit returned, on this thread: the scheduler finds them with
  // the rest of its batch.
  EXPECT_EQ(events.Count(AttemptEvent::Kind::kStarted), 1);
  EXPECT_EQ(events.Count(AttemptEvent::Kind::kFinished), 1);
  EXPECT_EQ(executor.Running(), 0);
  AttemptEvent e = events.Finished("t");
  EXPECT_EQ(e.exit_code, 0);
  EXPECT_EQ(e.error, "");
  EXPECT_EQ(e.pid, 0);
  EXPECT_EQ(events.Count(AttemptEvent::Kind::kStarted), 1);
  EXPECT_EQ(Log(spec), "[weir] task t\n[weir] nothing to run\n[weir] exit status 0 after 0.00s\n");
}

TEST(LocalExecutor, ShutdownKillsRunningAttemptsAndReportsThem) {
  TempDir dir;
  Events events;
  LocalExecutor executor(4, events.Callback(), 1s);
  ASSERT_TRUE(executor.Submit(Bash(dir, "t", "sleep 300")));
  ASSERT_TRUE(events.Wait("t", AttemptEvent::Kind::kStarted));
  executor.Shutdown();
  AttemptEvent e = events.Finished("t");
  EXPECT_TRUE(e.killed);
  EXPECT_THAT(e.error, HasSubstr("shut down"));
  EXPECT_FALSE(executor.Submit(Bash(dir, "u", "true")));
}

TEST(LocalExecutor, TwoHundredQuickAttemptsAllComplete) {
  TempDir dir;
  Events events;
  LocalExecutor executor(8, events.Callback());
  constexpr int kAttempts = 200;
  for (int i = 0; i < kAttempts;) {
    AttemptSpec spec = Spec(dir, "t" + std::to_string(i), {"true"});
    if (executor.Submit(std::move(spec))) {
      ++i;
    } else {
      ASSERT_TRUE(events.WaitFinishedCount(i - executor.Capacity() + 1));
    }
  }
  ASSERT_TRUE(events.WaitFinishedCount(kAttempts));
  for (int i = 0; i < kAttempts; ++i) {
    EXPECT_EQ(events.Finished("t" + std::to_string(i)).exit_code, 0) << i;
  }
  EXPECT_EQ(executor.Running(), 0);
}

}  // namespace
}  // namespace weir
