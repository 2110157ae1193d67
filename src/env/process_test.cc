#include "env/process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/strings.h"
#include "env/temp_dir.h"

namespace weir {
namespace {

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

struct Finished {
  std::string out, err, result;
  int status = -1;
};

// Reads the child's pipes to EOF and reaps it.
Finished Collect(const ChildProcess& child) {
  Finished f;
  if (child.result_fd >= 0) f.result = ReadAll(child.result_fd);
  if (child.stderr_fd >= 0) f.err = ReadAll(child.stderr_fd);
  if (child.stdout_fd >= 0) f.out = ReadAll(child.stdout_fd);
  waitpid(child.pid, &f.status, 0);
  close(child.pidfd);
  return f;
}

ProcessSpec Command(std::vector<std::string> argv) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  return spec;
}

ProcessSpec Bash(std::string script) { return Command({"bash", "-c", std::move(script)}); }

TEST(SpawnProcess, CapturesStdoutAndStderrSeparately) {
  auto child = SpawnProcess(Bash("echo out; echo err >&2; exit 3"), {});
  ASSERT_TRUE(child) << child.error().message;
  EXPECT_GT(child->pidfd, 0);
  Finished f = Collect(*child);
  EXPECT_EQ(f.out, "out\n");
  EXPECT_EQ(f.err, "err\n");
  ASSERT_TRUE(WIFEXITED(f.status));
  EXPECT_EQ(WEXITSTATUS(f.status), 3);
}

TEST(SpawnProcess, GivesTheChildAResultChannelOnFd3) {
  auto child = SpawnProcess(Bash("echo '{\"rows\": 3}' >&3"), {.result_channel = true});
  ASSERT_TRUE(child) << child.error().message;
  EXPECT_EQ(Collect(*child).result, "{\"rows\": 3}\n");
}

TEST(SpawnProcess, StdinIsDevNull) {
  auto child = SpawnProcess(Bash("wc -c"), {});
  ASSERT_TRUE(child) << child.error().message;
  EXPECT_EQ(Trim(Collect(*child).out), "0");
}

TEST(SpawnProcess, MissingProgramIsAnErrorNamingIt) {
  auto child = SpawnProcess(Command({"weir-no-such-program", "x"}), {});
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error().code, ErrorCode::kNotFound);
  EXPECT_NE(child.error().message.find("weir-no-such-program"), std::string::npos)
      << child.error().message;
  EXPECT_NE(child.error().message.find("No such file or directory"), std::string::npos)
      << child.error().message;
}

TEST(SpawnProcess, NonExecutableFileIsAnErrorNamingIt) {
  TempDir dir;
  std::string script = dir.Join("script.sh");
  FILE* f = fopen(script.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("#!/bin/sh\necho hi\n", f);
  fclose(f);
  auto child = SpawnProcess(Command({script}), {});
  ASSERT_FALSE(child);
  EXPECT_NE(child.error().message.find(script), std::string::npos) << child.error().message;
  EXPECT_NE(child.error().message.find("Permission denied"), std::string::npos)
      << child.error().message;
}

TEST(SpawnProcess, ChildLeadsItsOwnProcessGroup) {
  auto child = SpawnProcess(Bash("read -r -a f < /proc/$$/stat; echo ${f[4]}"), {});
  ASSERT_TRUE(child) << child.error().message;
  int pid = child->pid;
  Finished f = Collect(*child);
  EXPECT_EQ(std::string(Trim(f.out)), std::to_string(pid));
  EXPECT_NE(pid, getpgrp());
}

TEST(SpawnProcess, MergesEnvOverTheInheritedEnvironment) {
  setenv("WEIR_TEST_INHERITED", "from-parent", 1);
  setenv("WEIR_TEST_OVERRIDDEN", "old", 1);
  ProcessSpec spec = Bash("echo $WEIR_TEST_INHERITED $WEIR_TEST_OVERRIDDEN $WEIR_TEST_NEW");
  spec.env = {{"WEIR_TEST_OVERRIDDEN", "new"}, {"WEIR_TEST_NEW", "added"}};
  auto child = SpawnProcess(spec, {});
  ASSERT_TRUE(child) << child.error().message;
  EXPECT_EQ(Collect(*child).out, "from-parent new added\n");
}

TEST(SpawnProcess, WithoutInheritingSeesOnlyItsEnvAndPath) {
  setenv("WEIR_TEST_INHERITED", "from-parent", 1);
  ProcessSpec spec = Bash("echo \"[$WEIR_TEST_INHERITED] [$ONLY] [${PATH:+path}]\"");
  spec.env = {{"ONLY", "this"}};
  spec.inherit_env = false;
  auto child = SpawnProcess(spec, {});
  ASSERT_TRUE(child) << child.error().message;
  EXPECT_EQ(Collect(*child).out, "[] [this] [path]\n");
}

TEST(SpawnProcess, RunsInTheGivenWorkingDirectory) {
  TempDir dir;
  ProcessSpec spec = Bash("pwd -P");
  spec.cwd = dir.path();
  auto child = SpawnProcess(spec, {});
  ASSERT_TRUE(child) << child.error().message;
  char real[PATH_MAX];
  ASSERT_NE(realpath(dir.path().c_str(), real), nullptr);
  EXPECT_EQ(Collect(*child).out, std::string(real) + "\n");
}

TEST(SpawnProcess, MissingWorkingDirectoryIsAnErrorNamingIt) {
  ProcessSpec spec = Bash("true");
  spec.cwd = "/weir-no-such-dir";
  auto child = SpawnProcess(spec, {});
  ASSERT_FALSE(child);
  EXPECT_NE(child.error().message.find("/weir-no-such-dir"), std::string::npos)
      << child.error().message;
}

TEST(SpawnProcess, ChildDoesNotInheritStrayFds) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);  // deliberately without O_CLOEXEC
  auto child = SpawnProcess(Bash("ls /proc/self/fd | sort -n | tr '\\n' ' '"), {});
  close(fds[0]);
  close(fds[1]);
  ASSERT_TRUE(child) << child.error().message;
  // 0-2 plus the fd ls uses to read the folder.
  EXPECT_EQ(Collect(*child).out, "0 1 2 3 ");
}

TEST(ProcessStartTicks, ReadsOwnStartTimeAndNothingForMissingPid) {
  auto self = ProcessStartTicks(getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_GT(*self, 0);
  EXPECT_EQ(ProcessStartTicks(getpid()), self);
  EXPECT_FALSE(ProcessStartTicks(0x3fffffff).has_value());
}

TEST(SignalProcessGroupIfSame, RefusesAWrongStartTimeAndSignalsTheRightOne) {
  auto child = SpawnProcess(Bash("sleep 300"), {});
  ASSERT_TRUE(child) << child.error().message;
  EXPECT_FALSE(SignalProcessGroupIfSame(child->pid, child->start_ticks + 1, SIGKILL));
  EXPECT_EQ(ProcessStartTicks(child->pid), child->start_ticks);
  EXPECT_TRUE(SignalProcessGroupIfSame(child->pid, child->start_ticks, SIGKILL));
  Finished f = Collect(*child);
  ASSERT_TRUE(WIFSIGNALED(f.status));
  EXPECT_EQ(WTERMSIG(f.status), SIGKILL);
}

}  // namespace
}  // namespace weir
