#include "env/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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

Status WriteFileAtomic(const std::string& path, std::string_view content) {
  std::string temp = fmt::format("{}.tmp.{}.{:x}", path, getpid(), std::random_device{}());
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return PathError("create", temp, errno);
  Status written = WriteAll(fd, content, temp);
  if (written && fsync(fd) != 0) written = PathError("fsync", temp, errno);
  if (close(fd) != 0 && written) written = PathError("close", temp, errno);
  if (written && rename(temp.c_str(), path.c_str()) != 0) {
    written = PathError("rename a temporary file onto", path, errno);
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
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
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
