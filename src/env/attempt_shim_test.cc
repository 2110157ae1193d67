#include "env/attempt_shim.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "env/temp_dir.h"

namespace weir {
namespace {

// Runs the shim in a child of its own process group; returns its wait status.
int ShimStatus(const std::vector<std::string>& argv) {
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    _exit(RunAttemptShim(argv));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

bool Alive(pid_t pid) { return kill(pid, 0) == 0; }

TEST(AttemptShim, ExitsAsItsChildDid) {
  int ok = ShimStatus({"bash", "-c", "exit 0"});
  EXPECT_TRUE(WIFEXITED(ok) && WEXITSTATUS(ok) == 0);
  int three = ShimStatus({"bash", "-c", "exit 3"});
  EXPECT_TRUE(WIFEXITED(three) && WEXITSTATUS(three) == 3);
  int killed = ShimStatus({"bash", "-c", "kill -TERM $$"});
  EXPECT_TRUE(WIFSIGNALED(killed) && WTERMSIG(killed) == SIGTERM);
  int missing = ShimStatus({"no-such-program-weir"});
  EXPECT_TRUE(WIFEXITED(missing) && WEXITSTATUS(missing) == 127);
}

TEST(AttemptShim, EverythingItRanDiesWithItsParent) {
  TempDir dir;
  const std::string pids = dir.Join("pids");
  // The "worker": starts the shim, which runs a shell that starts a sleep in the background
  // and writes both pids; then the worker is killed with SIGKILL.
  pid_t worker = fork();
  if (worker == 0) {
    pid_t shim = fork();
    if (shim == 0) {
      setpgid(0, 0);
      _exit(RunAttemptShim(
          {"bash", "-c",
           "sleep 60 & echo $$ $! > " + pids + ".tmp; mv " + pids + ".tmp " + pids + "; wait"}));
    }
    pause();
    _exit(0);
  }
  std::string shell_pid;
  std::string sleep_pid;
  for (int i = 0; i < 200 && sleep_pid.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream in(pids);
    in >> shell_pid >> sleep_pid;
  }
  ASSERT_FALSE(sleep_pid.empty());
  ASSERT_TRUE(Alive(std::stoi(sleep_pid)));
  kill(worker, SIGKILL);
  waitpid(worker, nullptr, 0);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    // Dead or a zombie waiting for init: either way no longer running.
    std::ifstream stat("/proc/" + sleep_pid + "/stat");
    std::string pid, comm, state;
    gone = !(stat >> pid >> comm >> state) || state == "Z";
  }
  EXPECT_TRUE(gone) << "the attempt's background process outlived its worker";
}

}  // namespace
}  // namespace weir
