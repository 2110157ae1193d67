#include "env/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

namespace weir {
namespace {

std::unexpected<Error> PathError(std::string_view what, const std::string& path, int err) {
  return MakeError(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                   fmt::format("cannot {} '{}': {}", what, path, std::strerror(err)));
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return PathError("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

std::string ParentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Result<std::string> ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return PathError("read", path, errno);
  std::string out;
  struct stat st;
  if (fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      return PathError("read", path, e);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

namespace {

// The absolute path with every symbolic link resolved, or "" when it cannot be resolved.
std::string RealPath(const std::string& path) {
  char* real = realpath(path.c_str(), nullptr);
  if (real == nullptr) return "";
  std::string out(real);
  free(real);
  return out;
}

bool IsInside(const std::string& real_root, const std::string& real_path) {
  if (real_root == "/") return true;
  return real_path.starts_with(real_root) &&
         (real_path.size() == real_root.size() || real_path[real_root.size()] == '/');
}

std::unexpected<Error> OutsideError(const std::string& path, const std::string& real_path,
                                    const std::string& root) {
  return MakeError(ErrorCode::kFailedPrecondition,
                   fmt::format("'{}' is a symbolic link to a file in {}, outside {}: weir reads "
                               "only files inside that folder; copy the file in instead of "
                               "linking to it",
                               path, ParentOf(real_path), root));
}

}  // namespace

Result<std::string> ReadFileWithin(const std::string& root, const std::string& path,
                                   size_t max_bytes) {
  std::string real_root = RealPath(root);
  if (real_root.empty()) return PathError("resolve folder", root, errno);
  // Before opening: opening a device outside the folder may already do something.
  std::string real = RealPath(path);
  if (real.empty()) return PathError("read", path, errno);
  if (!IsInside(real_root, real)) return OutsideError(path, real, root);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return PathError("read", path, errno);
  std::string out;
  auto fail = [&](std::unexpected<Error> e) {
    close(fd);
    return e;
  };
  // After opening: what was opened is what counts, whatever the link says now.
  char opened[PATH_MAX];
  std::string fd_link = fmt::format("/proc/self/fd/{}", fd);
  ssize_t len = readlink(fd_link.c_str(), opened, sizeof opened - 1);
  if (len < 0) return fail(PathError("resolve", path, errno));
  real.assign(opened, static_cast<size_t>(len));
  if (!IsInside(real_root, real)) return fail(OutsideError(path, real, root));
  struct stat st;
  if (fstat(fd, &st) != 0) return fail(PathError("read", path, errno));
  if (!S_ISREG(st.st_mode)) {
    return fail(
        MakeError(ErrorCode::kFailedPrecondition, fmt::format("'{}' is not a regular file", path)));
  }
  char buf[65536];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(PathError("read", path, errno));
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      return fail(MakeError(ErrorCode::kInvalidArgument,
                            fmt::format("'{}' is larger than {} bytes", path, max_bytes)));
    }
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

Status CheckStaysInside(const std::string& root, const std::string& path) {
  std::string real_root = RealPath(root);
  if (real_root.empty()) return PathError("resolve folder", root, errno);
  // The deepest part of path that exists decides where the rest will be created.
  std::string existing = path;
  std::string real = RealPath(existing);
  while (real.empty() && errno == ENOENT && existing != "/" && existing != ".") {
    existing = ParentOf(existing);
    real = RealPath(existing);
  }
  if (real.empty()) return PathError("resolve", existing, errno);
  if (IsInside(real_root, real)) return {};
  return MakeError(ErrorCode::kFailedPrecondition,
                   fmt::format("'{}' leads through a symbolic link to {}, outside {}: weir "
                               "writes only inside that folder; remove the link",
                               path, real, root));
}

Status WriteFileAtomic(const std::string& path, std::string_view content, WriteMode mode) {
  std::string temp = fmt::format("{}.tmp.{}.{:x}", path, getpid(), std::random_device{}());
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return PathError("create", temp, errno);
  Status written = WriteAll(fd, content, temp);
  if (written && fsync(fd) != 0) written = PathError("fsync", temp, errno);
  if (close(fd) != 0 && written) written = PathError("close", temp, errno);
  if (written && mode == WriteMode::kReplace && rename(temp.c_str(), path.c_str()) != 0) {
    written = PathError("rename a temporary file onto", path, errno);
  }
  if (written && mode == WriteMode::kIfAbsent) {
    int linked = link(temp.c_str(), path.c_str());
    int error = errno;
    unlink(temp.c_str());
    if (linked != 0) return error == EEXIST ? Status{} : PathError("create", path, error);
  }
  if (!written) {
    unlink(temp.c_str());
    return written;
  }
  // The rename is durable only once the folder's entry is on disk.
  std::string dir = ParentOf(path);
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return {};
}

unsigned RestrictNewFilesToOwner() { return umask(077); }

std::string OpenToOthersWarning(const std::string& path, std::string_view what) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return "";
  return fmt::format(
      "{} {} can be read by other users of this machine (mode {:04o}); it holds "
      "secrets: run `chmod -R go-rwx {}`",
      what, path, st.st_mode & 07777, path);
}

Status MakeDirs(const std::string& path) {
  if (path.empty()) return Err(ErrorCode::kInvalidArgument, "cannot create a folder: empty path");
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return {};
    return Err(ErrorCode::kAlreadyExists, "cannot create folder '{}': a file of that name exists",
               path);
  }
  std::string parent = ParentOf(path);
  if (parent != path && parent != "." && parent != "/") TRY(MakeDirs(parent));
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return PathError("create folder", path, errno);
  }
  return {};
}

Result<std::vector<std::string>> ListFiles(const std::string& dir, bool recursive) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> out;
  std::string prefix = dir.ends_with('/') ? dir : dir + "/";
  // increment(ec) rather than a range-for: the range-for throws on a failing readdir.
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    std::string name = entry.path().filename().string();
    if (name.starts_with('.')) continue;
    std::error_code type_ec;
    if (entry.is_regular_file(type_ec)) {
      out.push_back(prefix + name);
    } else if (recursive && entry.is_directory(type_ec)) {
      std::vector<std::string> sub = TRY(ListFiles(prefix + name, true));
      out.insert(out.end(), sub.begin(), sub.end());
    }
  }
  if (ec) return PathError("list folder", dir, ec.value());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace weir
