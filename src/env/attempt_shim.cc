#include "env/attempt_shim.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace weir {

int RunAttemptShim(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    std::fprintf(stderr, "weir %s: nothing to run\n", kAttemptShimCommand);
    return 2;
  }
  const pid_t parent = getppid();
  sigset_t handled;
  sigemptyset(&handled);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR2}) sigaddset(&handled, sig);
  // Blocked before the parent can die, so the death signal waits for sigwait below.
  sigprocmask(SIG_BLOCK, &handled, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGUSR2);
  if (getppid() != parent) {  // the worker died before the request took effect
    kill(0, SIGKILL);
    return 137;
  }
  pid_t child = fork();
  if (child < 0) {
    std::fprintf(stderr, "weir %s: fork: %s\n", kAttemptShimCommand, std::strerror(errno));
    return 126;
  }
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, 0);
    sigprocmask(SIG_UNBLOCK, &handled, nullptr);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::fprintf(stderr, "weir %s: cannot run '%s': %s\n", kAttemptShimCommand, args[0],
                 std::strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  for (;;) {
    int sig = 0;
    if (sigwait(&handled, &sig) != 0) continue;
    if (sig == SIGUSR2) {
      kill(0, SIGKILL);  // the worker is gone: so is everything it ran here
      return 137;
    }
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    int status = 0;
    pid_t done = waitpid(child, &status, WNOHANG);
    if (done != child) continue;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
      int death = WTERMSIG(status);
      sigprocmask(SIG_UNBLOCK, &handled, nullptr);
      signal(death, SIG_DFL);
      raise(death);
      return 128 + death;
    }
  }
}

}  // namespace weir
