#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace weir {

// A process to start: argv[0] is looked up on PATH when it has no '/'. The PATH searched is
// the child's: spec.env's PATH when it sets one, the inherited PATH otherwise.
struct ProcessSpec {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // added to (and overriding) the inherited env
  std::string cwd;                         // empty: inherit
  // false: the child sees only `env` plus the inherited PATH (unless env sets PATH).
  bool inherit_env = true;
};

// A started child. It leads its own process group (pgid == pid), so killing the group
// reaches everything it started. The caller owns every fd here (all are O_CLOEXEC) and must
// close them, and must reap pid with waitpid.
struct ChildProcess {
  int pid = -1;
  int pidfd = -1;           // readable when the child exits (pidfd_open)
  int stdout_fd = -1;       // read end of the child's stdout pipe, -1 if not captured
  int stderr_fd = -1;       // read end of the child's stderr pipe, -1 if not captured
  int result_fd = -1;       // read end of the child's fd 3 (the result channel), or -1
  int64_t start_ticks = 0;  // /proc/<pid>/stat starttime, to recognise the process later
};

struct SpawnOptions {
  bool capture_stdout = true;   // false: the child inherits the parent's stdout
  bool capture_stderr = true;   // false: the child inherits the parent's stderr
  bool result_channel = false;  // give the child a pipe as fd 3 for its JSON result
  bool nonblocking = false;     // set O_NONBLOCK on the parent's pipe ends
  int stdin_fd = -1;            // -1: /dev/null
};

// Starts spec as a new process group leader with default signal dispositions, an empty
// signal mask, and no fds but 0-2 (and 3 with a result channel). Errors (kNotFound for a
// program that is not on PATH, kIo otherwise) name the program and the errno text.
// SIGCHLD must not be ignored in the parent (the child would be reaped behind our back).
Result<ChildProcess> SpawnProcess(const ProcessSpec& spec, const SpawnOptions& options);

// The /proc starttime of pid, or nullopt when no such process exists.
std::optional<int64_t> ProcessStartTicks(int pid);

// Sends sig to the process group led by pid if that process is still the one started at
// start_ticks (guards against pid reuse after a restart). Returns true if it was sent.
bool SignalProcessGroupIfSame(int pid, int64_t start_ticks, int sig);

}  // namespace weir
