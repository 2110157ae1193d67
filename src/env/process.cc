#include "env/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "base/strings.h"

extern char** environ;

namespace weir {
namespace {

// Closes the fd it holds unless released; keeps every error path in SpawnProcess leak-free.
class ScopedFd {
 public:
  explicit ScopedFd(int fd = -1) : fd_(fd) {}
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

std::string ErrnoText(int err) { return std::strerror(err); }

// The child's end of a pipe is dup2'ed onto 0-3; keeping it above 3 means no dup2 in the
// file actions can clobber another source fd, and dup2 always clears FD_CLOEXEC.
Status MoveAbove3(ScopedFd& fd) {
  if (fd.get() > 3) return {};
  int moved = fcntl(fd.get(), F_DUPFD_CLOEXEC, 4);
  if (moved < 0) return Err(ErrorCode::kIo, "fcntl(F_DUPFD_CLOEXEC): {}", ErrnoText(errno));
  fd.reset(moved);
  return {};
}

// A pipe whose ends are both O_CLOEXEC; `child` is the end the child writes to.
struct Pipe {
  ScopedFd parent;
  ScopedFd child;
};

Status MakeOutputPipe(Pipe& p, bool nonblocking) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return Err(ErrorCode::kIo, "cannot create a pipe: {}", ErrnoText(errno));
  }
  p.parent.reset(fds[0]);
  p.child.reset(fds[1]);
  if (nonblocking && fcntl(p.parent.get(), F_SETFL, O_NONBLOCK) != 0) {
    return Err(ErrorCode::kIo, "fcntl(O_NONBLOCK): {}", ErrnoText(errno));
  }
  return MoveAbove3(p.child);
}

std::string LookupEnv(const ProcessSpec& spec, const char* name) {
  if (auto it = spec.env.find(name); it != spec.env.end()) return it->second;
  const char* v = getenv(name);
  return v ? v : "";
}

// execvp's search, done here so that the child's PATH (not ours) decides and so that a
// missing program is reported by name before anything is spawned.
Result<std::string> FindProgram(const std::string& name, const std::string& path) {
  if (name.empty())
    return Err(ErrorCode::kInvalidArgument, "cannot start a process: empty argv[0]");
  if (name.find('/') != std::string::npos) return name;
  int last_error = ENOENT;
  for (const std::string& dir : Split(path.empty() ? "/usr/local/bin:/usr/bin:/bin" : path, ':')) {
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    struct stat st;
    if (stat(candidate.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    last_error = EACCES;
  }
  return Err(ErrorCode::kNotFound, "cannot start '{}': {} (searched PATH={})", name,
             ErrnoText(last_error), path);
}

std::vector<std::string> BuildEnv(const ProcessSpec& spec) {
  std::vector<std::string> out;
  if (spec.inherit_env) {
    for (char** e = environ; e && *e; ++e) {
      std::string_view entry(*e);
      size_t eq = entry.find('=');
      if (eq == std::string_view::npos) continue;
      if (spec.env.contains(std::string(entry.substr(0, eq)))) continue;
      out.emplace_back(entry);
    }
  } else if (!spec.env.contains("PATH")) {
    if (const char* path = getenv("PATH")) out.push_back(std::string("PATH=") + path);
  }
  for (const auto& [k, v] : spec.env) out.push_back(fmt::format("{}={}", k, v));
  return out;
}

// RAII for the posix_spawn attribute and file-action objects.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

}  // namespace

Result<ChildProcess> SpawnProcess(const ProcessSpec& spec, const SpawnOptions& options) {
  if (spec.argv.empty()) {
    return Err(ErrorCode::kInvalidArgument, "cannot start a process: argv is empty");
  }
  const std::string& program = spec.argv[0];
  std::string path = TRY(FindProgram(program, LookupEnv(spec, "PATH")));

  Pipe out, err, result;
  if (options.capture_stdout) TRY(MakeOutputPipe(out, options.nonblocking));
  if (options.capture_stderr) TRY(MakeOutputPipe(err, options.nonblocking));
  if (options.result_channel) TRY(MakeOutputPipe(result, options.nonblocking));

  // posix_spawn (vfork-style clone in glibc) is much cheaper than fork for a large parent and
  // reports exec failures as its return value, so no error pipe is needed.
  SpawnSetup s;
  short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  posix_spawnattr_setflags(&s.attr, flags);
  posix_spawnattr_setpgroup(&s.attr, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&s.attr, &none);
  posix_spawnattr_setsigdefault(&s.attr, &all);

  if (options.stdin_fd > 0) {
    posix_spawn_file_actions_adddup2(&s.actions, options.stdin_fd, 0);
  } else if (options.stdin_fd < 0) {
    posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
  }
  if (out.child.get() >= 0) posix_spawn_file_actions_adddup2(&s.actions, out.child.get(), 1);
  if (err.child.get() >= 0) posix_spawn_file_actions_adddup2(&s.actions, err.child.get(), 2);
  if (result.child.get() >= 0) posix_spawn_file_actions_adddup2(&s.actions, result.child.get(), 3);
  // fds other threads opened without O_CLOEXEC must not leak into the child.
  posix_spawn_file_actions_addclosefrom_np(&s.actions, options.result_channel ? 4 : 3);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&s.actions, spec.cwd.c_str());

  std::vector<std::string> env = BuildEnv(spec);
  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  argv.reserve(spec.argv.size() + 1);
  for (const std::string& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawn(&pid, path.c_str(), &s.actions, &s.attr, argv.data(), envp.data());
  if (rc != 0) {
    struct stat st;
    if (!spec.cwd.empty() && stat(spec.cwd.c_str(), &st) != 0) {
      return Err(ErrorCode::kIo, "cannot start '{}': working directory '{}': {}", program, spec.cwd,
                 ErrnoText(errno));
    }
    return Err(rc == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, "cannot start '{}' ({}): {}",
               program, path, ErrnoText(rc));
  }

  ChildProcess child;
  child.pid = pid;
  child.pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (child.pidfd < 0) {
    int e = errno;
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return Err(ErrorCode::kIo, "pidfd_open for '{}' (pid {}): {} (weir needs Linux 5.3+)", program,
               pid, ErrnoText(e));
  }
  child.stdout_fd = out.parent.release();
  child.stderr_fd = err.parent.release();
  child.result_fd = result.parent.release();
  child.start_ticks = ProcessStartTicks(pid).value_or(0);
  return child;
}

std::optional<int64_t> ProcessStartTicks(int pid) {
  if (pid <= 0) return std::nullopt;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  ScopedFd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return std::nullopt;
  char buf[1024];
  ssize_t n = read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  std::string_view stat(buf, static_cast<size_t>(n));
  // The command name (field 2) may hold spaces and ')'; the fields after the last ')' do not.
  size_t paren = stat.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  std::vector<std::string> fields = Split(Trim(stat.substr(paren + 1)), ' ');
  // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
  if (fields.size() < 20) return std::nullopt;
  try {
    return std::stoll(fields[19]);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool SignalProcessGroupIfSame(int pid, int64_t start_ticks, int sig) {
  std::optional<int64_t> ticks = ProcessStartTicks(pid);
  if (!ticks || *ticks != start_ticks) return false;
  return killpg(pid, sig) == 0;
}

}  // namespace weir
