#include "exec/local_executor.h"

#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <exception>

#include "base/log.h"
#include "base/strings.h"
#include "exec/attempt_log.h"

namespace weir {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kBufferSize = 64 * 1024;
// XComs are small by design; a runaway writer on fd 3 must not exhaust memory.
constexpr size_t kMaxResultBytes = 16 * 1024 * 1024;

enum Which { kStdout = 0, kStderr = 1, kResult = 2, kPidfd = 3 };

Time WallNow() { return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now()); }

std::string Seconds(Duration d) { return fmt::format("{:.2f}s", ToSeconds(d)); }

std::string Header(const AttemptSpec& spec) {
  if (spec.log_header.empty() || spec.log_header.ends_with('\n')) return spec.log_header;
  return spec.log_header + "\n";
}

}  // namespace

struct LocalExecutor::Attempt {
  AttemptKey key;
  ChildProcess child;
  AttemptLog log;
  bool result_channel = false;
  std::string result;
  bool result_overflow = false;
  SteadyTime started;
  std::optional<SteadyTime> deadline;  // execution_timeout
  Duration timeout{};                  // the execution_timeout, when there is a deadline
  std::optional<SteadyTime> kill_at;   // SIGKILL when a SIGTERM's grace period ends
  bool terminating = false;
  bool timed_out = false;
  bool killed = false;
  std::string kill_reason;
  bool exited = false;
  bool done = false;

  int& fd(int which) {
    switch (which) {
      case kStdout:
        return child.stdout_fd;
      case kStderr:
        return child.stderr_fd;
      case kResult:
        return child.result_fd;
      default:
        return child.pidfd;
    }
  }

  void AppendResult(const char* data, size_t n) {
    if (result.size() + n > kMaxResultBytes) {
      result_overflow = true;
      return;
    }
    result.append(data, n);
  }
};

LocalExecutor::LocalExecutor(int parallelism, AttemptCallback callback, Duration kill_grace)
    : parallelism_(std::max(1, parallelism)),
      callback_(std::move(callback)),
      kill_grace_(kill_grace),
      buffer_(new char[kBufferSize]) {
  // eventfd fails only when the process is out of fds; Submit then reports it.
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ >= 0) io_thread_ = std::thread([this] { Loop(); });
}

LocalExecutor::~LocalExecutor() {
  Shutdown();
  if (wake_fd_ >= 0) close(wake_fd_);
}

Status LocalExecutor::Submit(AttemptSpec spec) {
  const bool nothing_to_run = spec.process.argv.empty();
  {
    std::lock_guard lock(mu_);
    if (stopping_ || wake_fd_ < 0) {
      return Err(ErrorCode::kFailedPrecondition, "cannot run {}: the local executor is {}",
                 spec.key.ToString(), stopping_ ? "shut down" : "broken (no eventfd)");
    }
    if (running_ >= parallelism_) {
      return Err(ErrorCode::kFailedPrecondition,
                 "cannot run {} now: all {} slots of the local executor are busy",
                 spec.key.ToString(), parallelism_);
    }
    ++running_;
    if (!nothing_to_run) {
      Command& c = commands_.emplace_back();
      c.spec = std::move(spec);
    }
  }
  // Nothing to run (an `empty` task): it starts and ends here, without a trip through the I/O
  // thread, so the scheduler finds both events with the rest of what it just submitted.
  if (nothing_to_run) {
    // NOLINTNEXTLINE(bugprone-use-after-move): moved above only when there is something to run
    RunNothing(spec);
    return {};
  }
  Wake();
  return {};
}

void LocalExecutor::RunNothing(const AttemptSpec& spec) {
  Result<AttemptLog> log = AttemptLog::Open(spec.log_path, spec.masker, spec.log_timestamps);
  if (!log) {
    AttemptLog none;
    return FinishWithoutProcess(spec, none, log.error().message);
  }
  log->Write(Header(spec) + "[weir] nothing to run\n[weir] exit status 0 after 0.00s\n");
  log->Close();
  AttemptEvent started;
  started.kind = AttemptEvent::Kind::kStarted;
  started.key = spec.key;
  started.at = WallNow();
  Emit(started);
  AttemptEvent finished = std::move(started);
  finished.kind = AttemptEvent::Kind::kFinished;
  finished.exit_code = 0;
  Emit(std::move(finished));
}

void LocalExecutor::Kill(const AttemptKey& key, const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    Command& c = commands_.emplace_back();
    c.is_kill = true;
    c.key = key;
    c.reason = reason;
  }
  Wake();
}

void LocalExecutor::Kill(const AttemptKey& key, const AttemptProcess& process,
                         const std::string& reason) {
  LocalAttemptKiller().Kill(key, process, reason);
}

void LocalAttemptKiller::Kill(const AttemptKey& /*key*/, const AttemptProcess& process,
                              const std::string& /*reason*/) {
  // At once, as a clear or a mark promises: the task instance has already moved on. The start
  // time check keeps a pid that was reused by an unrelated process from being signalled.
  if (process.pid > 0) SignalProcessGroupIfSame(process.pid, process.proc_start, SIGKILL);
}

int LocalExecutor::Running() const {
  std::lock_guard lock(mu_);
  return running_;
}

void LocalExecutor::Shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  Wake();
  std::lock_guard join(join_mu_);
  if (io_thread_.joinable()) io_thread_.join();
}

void LocalExecutor::Wake() {
  uint64_t one = 1;
  if (wake_fd_ >= 0) {
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof one);
  }
}

void LocalExecutor::Emit(AttemptEvent event) {
  if (event.kind == AttemptEvent::Kind::kFinished) {
    std::lock_guard lock(mu_);
    --running_;
  }
  // The callback is the caller's code; an exception from it must not end the I/O thread.
  try {
    callback_(std::move(event));
  } catch (const std::exception& e) {
    Log::Error("the executor's event callback threw: {}", e.what());
  } catch (...) {
    Log::Error("the executor's event callback threw");
  }
}

void LocalExecutor::FinishWithoutProcess(const AttemptSpec& spec, AttemptLog& log,
                                         const std::string& error) {
  log.Write(Header(spec) + "[weir] could not start: " + error + "\n");
  log.Close();
  AttemptEvent event;
  event.key = spec.key;
  event.at = WallNow();
  event.error = error;
  Emit(std::move(event));
}

void LocalExecutor::Start(AttemptSpec& spec) {
  Result<AttemptLog> log = AttemptLog::Open(spec.log_path, spec.masker, spec.log_timestamps);
  if (!log) {
    AttemptLog none;
    return FinishWithoutProcess(spec, none, log.error().message);
  }

  AttemptEvent started;
  started.kind = AttemptEvent::Kind::kStarted;
  started.key = spec.key;

  // The attempt starts when we start spawning: durations then match the log's footer.
  SteadyTime now = SteadyClock::now();
  Time wall_start = WallNow();
  Result<ChildProcess> child =
      SpawnProcess(spec.process, {.result_channel = spec.result_channel, .nonblocking = true});
  if (!child) return FinishWithoutProcess(spec, *log, child.error().message);
  log->Write(Header(spec) + fmt::format("[weir] started pid {}\n", child->pid));

  auto a = std::make_unique<Attempt>();
  a->key = spec.key;
  a->child = *child;
  a->log = std::move(*log);
  a->result_channel = spec.result_channel;
  a->started = now;
  if (spec.timeout) {
    a->timeout = *spec.timeout;
    a->deadline = now + *spec.timeout;
  }
  attempts_.push_back(std::move(a));

  started.pid = child->pid;
  started.proc_start = child->start_ticks;
  started.at = wall_start;
  Emit(std::move(started));
}

void LocalExecutor::Terminate(Attempt& a, SteadyTime now) {
  if (a.terminating) return;
  a.terminating = true;
  killpg(a.child.pid, SIGTERM);
  a.kill_at = now + kill_grace_;
}

// Reads once from one of a's pipes. Returns false once the pipe is closed (EOF or error,
// or with `draining`, nothing left to read right now).
bool LocalExecutor::ReadPipe(Attempt& a, int which, bool draining) {
  int& fd = a.fd(which);
  if (fd < 0) return false;
  ssize_t n = read(fd, buffer_.get(), kBufferSize);
  if (n > 0) {
    if (which == kResult) {
      a.AppendResult(buffer_.get(), static_cast<size_t>(n));
    } else {
      a.log.Append(static_cast<AttemptLog::Stream>(which), buffer_.get(), static_cast<size_t>(n));
    }
    return true;
  }
  if (n < 0 && errno == EINTR) return true;
  if (n < 0 && errno == EAGAIN && !draining) return true;
  close(fd);
  fd = -1;
  return false;
}

void LocalExecutor::Finish(Attempt& a) {
  // The leader is a zombie until waitpid, so its pid still names our group: kill what is left
  // of it before reaping, and before draining so that no writer keeps the pipes busy.
  killpg(a.child.pid, SIGKILL);
  int status = 0;
  while (waitpid(a.child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  Duration duration = std::chrono::duration_cast<Duration>(SteadyClock::now() - a.started);
  for (int which : {kStdout, kStderr, kResult}) {
    while (ReadPipe(a, which, /*draining=*/true)) {
    }
  }
  a.log.FlushPartialLines();
  close(a.child.pidfd);
  a.child.pidfd = -1;

  AttemptEvent event;
  event.key = std::move(a.key);
  event.pid = a.child.pid;
  event.proc_start = a.child.start_ticks;
  event.timed_out = a.timed_out;
  event.killed = a.killed;
  event.duration = duration;
  event.last_stdout_line = a.log.TakeLastStdoutLine();
  std::string footer;
  if (WIFEXITED(status)) {
    event.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    event.term_signal = WTERMSIG(status);
  }
  if (a.timed_out) {
    event.error = fmt::format("timed out after {} (execution_timeout)", FormatDuration(a.timeout));
    footer = event.error + " — process group killed";
  } else if (a.killed) {
    event.error = "killed: " + a.kill_reason;
    footer = fmt::format("{} — process group killed after {}", event.error, Seconds(duration));
  } else if (event.term_signal != 0) {
    const char* name = sigdescr_np(event.term_signal);
    event.error = fmt::format("killed by signal {} ({})", event.term_signal, name ? name : "?");
    footer = fmt::format("{} after {}", event.error, Seconds(duration));
  } else {
    footer = fmt::format("exit status {} after {}", event.exit_code, Seconds(duration));
    if (event.exit_code != 0) event.error = fmt::format("exited with status {}", event.exit_code);
  }

  std::string result_error;
  if (a.result_overflow) {
    result_error = fmt::format("the result on fd 3 is larger than {} bytes", kMaxResultBytes);
  } else if (a.result_channel && !Trim(a.result).empty()) {
    Result<Json> parsed = ParseJson(a.result, "the result on fd 3");
    if (parsed) {
      event.result = std::move(*parsed);
    } else {
      result_error = parsed.error().message;
    }
  }
  if (!result_error.empty()) {
    footer += "\n[weir] " + result_error;
    if (event.error.empty()) event.error = result_error;
  }
  a.log.Write("[weir] " + footer + "\n");
  a.log.Close();
  a.done = true;
  event.at = WallNow();
  Emit(std::move(event));
}

// The nearest moment the loop must act without an fd telling it to; nullopt: none.
std::optional<LocalExecutor::SteadyTime> LocalExecutor::NextDeadline() const {
  std::optional<SteadyTime> next;
  auto consider = [&](const std::optional<SteadyTime>& t) {
    if (t && (!next || *t < *next)) next = t;
  };
  for (const auto& a : attempts_) {
    if (!a->terminating) consider(a->deadline);
    consider(a->kill_at);
  }
  return next;
}

void LocalExecutor::Loop() {
  while (true) {
    bool stopping;
    {
      std::lock_guard lock(mu_);
      batch_.swap(commands_);
      stopping = stopping_;
    }
    SteadyTime now = SteadyClock::now();
    for (Command& c : batch_) {
      if (c.is_kill) {
        for (auto& a : attempts_) {
          if (a->key != c.key || a->terminating) continue;
          a->killed = true;
          a->kill_reason = std::move(c.reason);
          Terminate(*a, now);
        }
      } else if (stopping) {
        AttemptLog log = AttemptLog::Open(c.spec.log_path, c.spec.masker, c.spec.log_timestamps)
                             .value_or(AttemptLog());
        FinishWithoutProcess(c.spec, log, "the executor shut down before the attempt started");
      } else {
        Start(c.spec);
      }
    }
    batch_.clear();
    if (stopping) {
      for (auto& a : attempts_) {
        if (a->terminating) continue;
        a->killed = true;
        a->kill_reason = "the executor shut down";
        Terminate(*a, now);
      }
      if (attempts_.empty()) return;
    }

    pollfds_.clear();
    targets_.clear();
    pollfds_.push_back({wake_fd_, POLLIN, 0});
    targets_.push_back({nullptr, -1});
    for (auto& a : attempts_) {
      for (int which : {kStdout, kStderr, kResult, kPidfd}) {
        if (a->fd(which) < 0) continue;
        pollfds_.push_back({a->fd(which), POLLIN, 0});
        targets_.push_back({a.get(), which});
      }
    }
    std::optional<SteadyTime> deadline = NextDeadline();
    timespec wait{};
    if (deadline) {
      auto left = std::max(*deadline - SteadyClock::now(), SteadyClock::duration::zero());
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      wait.tv_sec = static_cast<time_t>(ns / 1000000000);
      wait.tv_nsec = static_cast<long>(ns % 1000000000);
    }
    int ready = ppoll(pollfds_.data(), pollfds_.size(), deadline ? &wait : nullptr, nullptr);
    if (ready < 0 && errno != EINTR) {
      // Only a bug (an invalid fd in the set) gets here; report it rather than spin silently.
      Log::Error("local executor: ppoll: {}", strerror(errno));
    }

    for (size_t i = 0; ready > 0 && i < pollfds_.size(); ++i) {
      if (pollfds_[i].revents == 0) continue;
      const PollTarget& t = targets_[i];
      if (t.attempt == nullptr) {
        uint64_t count;
        [[maybe_unused]] ssize_t n = read(wake_fd_, &count, sizeof count);
      } else if (t.which == kPidfd) {
        t.attempt->exited = true;
      } else {
        ReadPipe(*t.attempt, t.which, /*draining=*/false);
      }
    }

    now = SteadyClock::now();
    for (auto& owned : attempts_) {
      Attempt& a = *owned;
      if (a.exited) {
        Finish(a);
      } else if (!a.terminating && a.deadline && now >= *a.deadline) {
        a.timed_out = true;
        Terminate(a, now);
      } else if (a.kill_at && now >= *a.kill_at) {
        killpg(a.child.pid, SIGKILL);
        a.kill_at.reset();
      }
    }
    std::erase_if(attempts_, [](const std::unique_ptr<Attempt>& a) { return a->done; });
  }
}

}  // namespace weir
