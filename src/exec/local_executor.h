#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>

#include "exec/attempt_log.h"
#include "exec/executor.h"

namespace weir {

// Runs each attempt as a child process on this machine, at most `parallelism` at once.
//
// One I/O thread owns every child: it spawns them, poll()s their stdout, stderr, result
// pipe (fd 3) and pidfd plus an eventfd that wakes it for submissions, kills and shutdown,
// and sleeps no longer than the nearest deadline (an execution_timeout or the end of a kill
// grace period). There are no periodic wake-ups.
//
// Per attempt the log file (spec.log_path, parent folders created, appended to) receives
// spec.log_header, "[weir] started pid N", the child's stdout and stderr interleaved line by
// line as they arrive, and one footer line:
//   [weir] exit status 0 after 1.23s
//   [weir] killed by signal 9 (Killed) after 1.23s
//   [weir] timed out after 30s (execution_timeout) — process group killed
//   [weir] killed: <reason> — process group killed after 1.23s
//   [weir] could not start: <error>
// When the child's leader exits, whatever is left of its process group is SIGKILLed.
//
// Events: kStarted right after the spawn (pid, proc_start), kFinished at the end. An attempt
// with nothing to run (argv empty: an `empty` task) starts and ends inside Submit, and its
// two events come through the callback on the caller's thread before Submit returns. A spawn
// failure produces only kFinished, with `error`. AttemptEvent::error is empty exactly when
// the process exited with status 0 and its fd 3 output (if any) was valid JSON; otherwise it
// says what happened ("exited with status 2", "timed out after 1s (execution_timeout)", ...).
//
// The callback runs on the I/O thread, never under the executor's lock: it may call Submit,
// Kill and Running, but must not call Shutdown or destroy the executor, and should be quick.
// Running() drops before the kFinished callback, so a slot is free when it arrives.
class LocalExecutor final : public Executor {
 public:
  LocalExecutor(int parallelism, AttemptCallback callback,
                Duration kill_grace = std::chrono::seconds(5));
  ~LocalExecutor() override;  // Shutdown()

  LocalExecutor(const LocalExecutor&) = delete;
  LocalExecutor& operator=(const LocalExecutor&) = delete;

  // kFailedPrecondition when Running() == Capacity() or after Shutdown().
  Status Submit(AttemptSpec spec) override;
  // SIGTERM to the attempt's process group, SIGKILL after kill_grace; the kFinished event has
  // killed == true and the log footer names the reason. Unknown or finished keys are ignored.
  void Kill(const AttemptKey& key, const std::string& reason) override;
  // SIGKILL to the process group of `process` if that process is still the one that started at
  // process.proc_start: an attempt of any local executor, this one's or another process's (the
  // kill of a clear or a mark). One of this executor's own then finishes as killed by signal 9.
  void Kill(const AttemptKey& key, const AttemptProcess& process,
            const std::string& reason) override;
  int Running() const override;
  int Capacity() const override { return parallelism_; }
  // Terminates every running attempt (SIGTERM, SIGKILL after kill_grace), delivers their
  // kFinished events, and joins the I/O thread. Attempts submitted but not yet started finish
  // with an error without running. Idempotent.
  void Shutdown() override;

 private:
  struct Attempt;
  struct Command {
    bool is_kill = false;
    AttemptSpec spec;  // for a submission
    AttemptKey key;    // for a kill
    std::string reason;
  };
  using SteadyTime = std::chrono::steady_clock::time_point;

  void Wake();
  void Loop();
  void Start(AttemptSpec& spec);
  void Terminate(Attempt& a, SteadyTime now);
  bool ReadPipe(Attempt& a, int which, bool draining);
  void Finish(Attempt& a);
  void RunNothing(const AttemptSpec& spec);  // an attempt with argv empty, in Submit
  void FinishWithoutProcess(const AttemptSpec& spec, AttemptLog& log, const std::string& error);
  void Emit(AttemptEvent event);
  std::optional<SteadyTime> NextDeadline() const;

  const int parallelism_;
  const AttemptCallback callback_;
  const Duration kill_grace_;
  int wake_fd_ = -1;

  mutable std::mutex mu_;
  std::vector<Command> commands_;  // GUARDED_BY(mu_)
  int running_ = 0;                // GUARDED_BY(mu_): submitted and not yet finished
  bool stopping_ = false;          // GUARDED_BY(mu_)

  std::mutex join_mu_;  // serialises Shutdown() callers around the join

  // Owned by the I/O thread.
  std::vector<std::unique_ptr<Attempt>> attempts_;
  std::vector<Command> batch_;
  std::vector<pollfd> pollfds_;
  struct PollTarget {
    Attempt* attempt;
    int which;  // 0 stdout, 1 stderr, 2 result, 3 pidfd
  };
  std::vector<PollTarget> targets_;
  std::unique_ptr<char[]> buffer_;

  std::thread io_thread_;  // last: started once everything above is ready
};

// Ends the attempts of local executors from a process that runs none (`weir webserver`, the
// CLI): LocalExecutor's Kill by recorded process, without an executor's thread.
class LocalAttemptKiller final : public AttemptKiller {
 public:
  void Kill(const AttemptKey& key, const AttemptProcess& process,
            const std::string& reason) override;
};

}  // namespace weir
